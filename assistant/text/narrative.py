"""Case narratives: where one ends and the report's own voice resumes, and a short title
for a case from its opening sentence.

Reports set a case study under a heading ("Case study", "Case study: ...") and then often go
straight back to their findings with no heading between: "However, we found that the demand
hub doesn't always conduct research...". A case is told about one child or incident, mostly in
the past tense ("Officers arrested the suspect", "His case notes show..."); the report's voice
states what is generally so, in the present tense, about no one in particular ("The force has
an agreed process...", "Senior leaders have acknowledged..."), or generalises from what
inspectors saw ("We saw instances where...").
"""

from __future__ import annotations

import re

from assistant.text.sentences import sentence_bounds

# Present-tense verbs and modals a general statement is made with.
_PRESENT = re.compile(
    r"\b(?:is|are|am|has|have|does|do|isn't|aren't|hasn't|haven't|doesn't|don't|can|can't|cannot|"
    r"should|shouldn't|must|will|won't|needs?)\b",
    re.I,
)
# What ties a sentence to the case told just before it: a person of the story, the case or
# incident itself ("this investigation", "the case"), or an opener that points back.
_ANAPHORA = re.compile(
    r"\b(?:he|she|his|her|him|hers|himself|herself)\b"
    r"|^(?:this|these|that|those|it|its|they|their|them|such|both)\b"
    r"|\b(?:this|that)\s+(?:[\w-]+\s+)?(?:case|investigation|incident|matter|child|girl|boy|baby|offender|suspect|"
    r"victim|family|stage|plan|referral|occasion|visit|meeting)\b"
    r"|\bthe (?:case|incident|girl|boy|baby|victim|suspect|informant|man|woman|mother|father|parents|couple|"
    r"grandmother|granddaughter|daughter|son)\b",
    re.I,
)
# Inspectors generalising from what they saw across cases.
_GENERAL = re.compile(
    r"\bwe (?:also )?(?:saw|found|identified|noted) (?:some |several |many |other |further |more )?"
    r"(?:examples|instances|cases|evidence)\b|\bwe recommend\b",
    re.I,
)
_ITEM = re.compile(r"^\s*(?:[-*•]\s|\d+[.)]\s)")
# A report's own headings that a reader (or an export that lost its markup) may leave as a
# plain line: what follows is never part of a case.
_REPORT_HEADING = re.compile(
    r"^(?:recommendations?|areas? for improvement|causes? of concern|next steps|conclusions?|summary)$", re.I)


def first_sentence(paragraph: str) -> str:
    text = paragraph.strip()
    bounds = sentence_bounds(text)
    return text[bounds[0][0]:bounds[0][1]] if bounds else text


def resumes_report(paragraph: str) -> bool:
    """True when a paragraph after a case narrative is the report's own voice again (the
    case has ended), judged on its first sentence. List items and lines that continue a
    broken paragraph (lowercase start) never end a case."""
    text = paragraph.strip().replace("’", "'")
    if not text or _ITEM.match(text) or text[0].islower():
        return False
    if _REPORT_HEADING.match(text):
        return True
    sentence = first_sentence(text)
    if _GENERAL.search(sentence):
        return True
    return bool(_PRESENT.search(sentence)) and not _ANAPHORA.search(sentence)


def finding_heading(heading: str) -> bool:
    """A heading that states a finding ("There are improved ... processes", "The force
    doesn't always ..."), as HMICFRS reports title their findings: it opens report text, never
    a part of a case's story ("Police response", "Outcome")."""
    return bool(_PRESENT.search(heading.replace("’", "'")))


_PARENTHESIS = re.compile(r"\s*\([^()]*\)")
_CLAUSE = re.compile(r"[,;:]\s")


def headline(sentence: str, max_words: int = 12, min_words: int = 5) -> str:
    """A sentence shortened to a title: asides in brackets dropped, then cut at the last
    clause break within `max_words` words (at least `min_words`), else after `max_words`
    words with an ellipsis; the closing full stop dropped."""
    text = " ".join(_PARENTHESIS.sub("", sentence).split()).rstrip(".")
    words = text.split()
    if len(words) <= max_words:
        return text
    cut = None
    for m in _CLAUSE.finditer(text):
        n = len(text[: m.start()].split())
        if min_words <= n <= max_words:
            cut = m.start()
    if cut is not None:
        return text[:cut] + "…"
    return " ".join(words[:max_words]).rstrip(",;:") + "…"
