"""What an answer may quote: a passage cut into units that stand on their own.

A sentence is the usual unit, but three kinds of sentence cannot be quoted alone without
becoming a fragment:

- a list item ("- some RSOs received visits while on reactive management; and") needs the
  sentence that introduces its list ("Inspectors found that:");
- a list's lead-in ("...paying particular attention to:") needs its items;
- a sentence that opens by pointing back ("This process is known as...", "These cases...",
  "But no updates are recorded") needs the sentence before it.

`units(passage, previous)` gives each quotable sentence or list with what it depends on, so
the composer can only ever quote whole thoughts. Every line of a unit is verbatim from its
passage (continuation lines of a paragraph the export broke are joined with one space,
which is how the eval and the app compare text: whitespace-folded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.records import Passage
from assistant.text import sentence_bounds

_ITEM = re.compile(r"^\s*- ")
# A line ending mid-sentence (the next line, starting lowercase, continues it).
_CONTINUES = re.compile(r"[^.!?:;\"”’)\]]$")
# Openers that point back at the sentence before (or depend on it to make sense).
_POINTS_BACK = re.compile(
    r"^(?:this|these|that|those|it|its|they|their|them|such|he|she|his|her|both|neither|"
    r"but|however|also|yet|instead|nevertheless|despite this|in addition|additionally|furthermore|"
    r"as a result|consequently|therefore|of these|of those|in these|in those|in this|in that|"
    r"in some of these|in most of these|in both|for example|for instance|in particular|"
    r"similarly|likewise|again|otherwise|even so|even then|still|at that time|at this time|by then|"
    r"since then|after that|then)\b",
    re.I,
)
# Sentences that compare with what came before, a few words in ("We found a similar situation
# with ...", "The same was true of ..."): without it they say nothing.
_COMPARES_BACK = re.compile(
    r"^(?:\S+\s+){0,3}?(?:an?(?: very)? similar|the same (?:was|is|applies|problem|problems|issue|issues|"
    r"situation|picture|pattern|approach|concern|concerns))\b",
    re.I,
)
_SHORT_LEAD_WORDS = 6  # "Specific areas include:" says nothing alone: it brings the sentence before


@dataclass(frozen=True)
class Unit:
    """A sentence, or a list (lead-in plus items), quotable as it stands once `context`
    (the units it depends on, earlier in the passage or the section's previous chunk) comes
    with it."""

    passage: Passage
    order: int  # position among the passage's units
    lines: tuple[str, ...]  # the sentence; or the lead-in then one line per item ("- ...")
    context: tuple[Unit, ...] = ()  # units that must be quoted before this one

    @property
    def text(self) -> str:
        return " ".join(self.lines)

    @property
    def is_list(self) -> bool:
        return len(self.lines) > 1


def paragraphs(text: str) -> list[str]:
    """The passage's lines with broken paragraphs rejoined (a line ending mid-sentence
    followed by one starting lowercase); list items and table rows stay lines."""
    out: list[str] = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        if (out and not _ITEM.match(line) and _CONTINUES.search(out[-1].rstrip())
                and line.lstrip()[:1].islower() and "|" not in out[-1]):
            out[-1] = f"{out[-1].rstrip()} {line.strip()}"
        else:
            out.append(line.rstrip())
    return out


def _sentences(paragraph: str) -> list[str]:
    return [paragraph[a:b] for a, b in sentence_bounds(paragraph)]


def _last_sentence(passage: Passage | None) -> Unit | None:
    """The closing sentence of a passage, as the antecedent of the next chunk's opener."""
    if passage is None:
        return None
    paras = [p for p in paragraphs(passage.text) if not _ITEM.match(p)]
    if not paras:
        return None
    last = _sentences(paras[-1])
    return Unit(passage, -1, (last[-1],)) if last else None


def _open_list(passage: Passage | None) -> Unit | None:
    """The lead-in of a list that the previous chunk opened and this one continues."""
    if passage is None:
        return None
    paras = paragraphs(passage.text)
    for i in range(len(paras) - 1, -1, -1):
        if not _ITEM.match(paras[i]):
            sents = _sentences(paras[i])
            if sents and sents[-1].rstrip().endswith(":") and all(_ITEM.match(p) for p in paras[i + 1:]):
                return Unit(passage, -1, (sents[-1],))
            return None
    return None


def units(passage: Passage, previous: Passage | None = None) -> list[Unit]:
    """The passage as quotable units, in reading order. `previous`: the chunk before it in
    the same section, where a first sentence's antecedent or a list's lead-in may stand."""
    paras = paragraphs(passage.text)
    out: list[Unit] = []
    last: Unit | None = None  # the sentence before the current one
    i = 0
    while i < len(paras):
        para = paras[i]
        if _ITEM.match(para):  # items with no lead-in here: the previous chunk's list goes on
            j = i
            while j < len(paras) and _ITEM.match(paras[j]):
                j += 1
            lead = _open_list(previous) if i == 0 else None
            unit = Unit(passage, len(out), tuple(paras[i:j]), (lead,) if lead else ())
            out.append(unit)
            last, i = unit, j
            continue
        sents = _sentences(para)
        for k, sentence in enumerate(sents):
            context: tuple[Unit, ...] = ()
            before = last if out else _last_sentence(previous)
            is_lead = k == len(sents) - 1 and sentence.rstrip().endswith(":")
            short_lead = is_lead and len(sentence.split()) <= _SHORT_LEAD_WORDS and not (before and before.is_list)
            opener = sentence.lstrip("\"“‘(")
            if (_POINTS_BACK.match(opener) or _COMPARES_BACK.match(opener) or short_lead) and before is not None:
                context = (*before.context, before) if before.passage is passage else (before,)
            if is_lead and i + 1 < len(paras) and _ITEM.match(paras[i + 1]):
                j = i + 1
                while j < len(paras) and _ITEM.match(paras[j]):
                    j += 1
                unit = Unit(passage, len(out), (sentence, *paras[i + 1:j]), context)
                out.append(unit)
                last, i = unit, j - 1
                break
            unit = Unit(passage, len(out), (sentence,), context)
            out.append(unit)
            last = unit
        i += 1
    return out


class Citations:
    """Passages numbered in the order they are first cited: calling it with a passage gives
    its [n]; `passages` lists them in that order."""

    def __init__(self) -> None:
        self.passages: list[Passage] = []
        self._number: dict[str, int] = {}

    def __call__(self, p: Passage) -> int:
        if p.id not in self._number:
            self.passages.append(p)
            self._number[p.id] = len(self.passages)
        return self._number[p.id]
