"""A small vocabulary of child-protection themes, to tag case studies and match topics.

A case study is about what happened to a child, often without the words a trainer searches
for: a case where "a man had paid her, and other, younger girls, to perform a sex act" is
child sexual exploitation though it never says so. Each theme has cues (phrases that mark a
text as about it) and names (the words a topic asking for it may use, including generic ones:
"exploitation" asks for sexual and criminal exploitation alike). Domain knowledge, not tuned
to any report: the cues are the terms of national guidance and inspection frameworks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    name: str
    cues: re.Pattern[str]  # in a text: it is about this theme
    names: re.Pattern[str]  # in a topic: it asks for this theme (when no cue is in the topic)


def _theme(name: str, cues: str, names: str) -> Theme:
    return Theme(name, re.compile(cues, re.I), re.compile(names, re.I))


THEMES: tuple[Theme, ...] = (
    _theme("missing children",
           r"\b(?:reported|went|go|goes|going|gone|been|was|were|is|are|being|remained) missing\b"
           r"|\bmissing (?:child|children|person|persons|people|from|episodes?|incidents?|for)\b"
           r"|\breturn(?: to)? home interviews?\b",
           r"\bmissing\b|\brunaways?\b|\babsent from\b"),
    _theme("child sexual exploitation",
           r"\bsexual(?:ly)? exploit\w*|\bCSE\b|\bsex acts?\b|\bgroom(?:ed|ing)\b|\bin exchange for\b"
           r"|\bpaid (?:her|him|them)\b",
           r"\bexploit\w*|\bgroom\w*"),
    _theme("child criminal exploitation",
           r"\bcriminal(?:ly)? exploit\w*|\bCCE\b|\bcounty lines\b|\btraffick\w*",
           r"\bexploit\w*|\btraffick\w*"),
    _theme("online abuse",
           r"\bonline\b|\bindecent images?\b|\b(?:naked|nude|sexual|self-generated|explicit) (?:images?|photos?|pictures?|videos?)\b"
           r"|\bsexting\b|\bsextortion\b|\binternet\b|\bsocial media\b",
           r"\bonline\b|\binternet\b|\bimages?\b|\bsexting\b|\bdigital\b"),
    _theme("domestic abuse",
           r"\bdomestic (?:abuse|violence|incidents?)\b|\bcoercive\b|\bcontrolling behaviour\b|\bMARACs?\b",
           r"\bdomestic\b|\bcoercive\b"),
    _theme("police protection",
           r"\bpolice protection\b|\bprotection powers?\b|\bplaces? of safety\b",
           r"\bprotection powers?\b|\bplaces? of safety\b"),
    _theme("custody",
           r"\bdetained\b|\bdetention\b|\bappropriate adults?\b|\bcustody (?:officers?|sergeants?|suites?|records?|staff)\b"
           r"|\bpolice cells?\b",
           r"\bcustody\b|\bdetain\w*|\bdetention\b|\bappropriate adults?\b|\bcells?\b"),
    _theme("registered sex offenders",
           r"\bregistered sex offenders?\b|\bRSOs?\b|\bsex offenders?\b|\bViSOR\b|\boffender managers?\b|\bSOMU\b"
           r"|\bMOSOVO\b|\bsexual harm prevention orders?\b",
           r"\bsex offenders?\b|\bRSOs?\b|\boffender manage\w*|\bViSOR\b"),
    _theme("sexual abuse",
           r"\bsexual(?:ly)? (?:abuse[ds]?|assault(?:ed|s)?|offences?)\b|\brape[ds]?\b",
           r"\bsexual(?:ly)? (?:abuse|assault)\w*|\brape\b"),
    _theme("neglect", r"\bneglect\w*", r"\bneglect\w*"),
    _theme("self-harm and mental health",
           r"\bself-harm\w*|\bsuicid\w+|\bmental health\b|\bharm (?:her|him|them)sel(?:f|ves)\b",
           r"\bself-harm\w*|\bsuicid\w+|\bmental health\b"),
    _theme("voice of the child",
           r"\bvoice of the child\b|\bchild's voice\b|\bwishes and feelings\b|\bdemeanours?\b",
           r"\bvoice\b|\bwishes and feelings\b|\bdemeanours?\b"),
    _theme("body-worn video", r"\bbody-worn video\b|\bBWV\b", r"\bbody-worn\b|\bBWV\b"),
)
_BY_NAME = {t.name: t for t in THEMES}


def themes_of(text: str) -> list[str]:
    """The themes a text is about (any cue found), in vocabulary order."""
    text = text.replace("’", "'")
    return [t.name for t in THEMES if t.cues.search(text)]


def topic_themes(topic: str) -> list[str]:
    """The themes a topic asks for: those whose cues it uses ("child sexual exploitation"),
    else those its words name ("exploitation": sexual and criminal alike)."""
    return themes_of(topic) or [t.name for t in THEMES if t.names.search(topic)]


def cues_in(text: str, theme: str) -> list[str]:
    """The phrases of `text` that mark it as about `theme`, as written, first occurrence first."""
    seen: dict[str, str] = {}
    for m in _BY_NAME[theme].cues.finditer(text.replace("’", "'")):
        seen.setdefault(m.group(0).lower(), m.group(0))
    return list(seen.values())
