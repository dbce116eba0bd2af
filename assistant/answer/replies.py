"""Checking a model's reply sentence by sentence, as small models really write them.

The reply is not trusted: citation markers to passages that were not supplied are dropped,
sentences left without a valid citation are dropped (this is also what removes text a
prompt injection made it write), and sentences whose cited passages do not carry their
content words (or their meaning, by the embedder) are dropped as unsupported. Each removal
is recorded as a note.

What small models do (shared/llm-replies: Qwen2.5-Coder-1.5B on llama.cpp), and how it reads:
- markers gathered at the end of a paragraph ("A. B. C [1][2][3].") or in a line of their own
  ("[1][2]…[10]"): they apply to the paragraph's (or the line's preceding) uncited sentences,
  each sentence citing the one of them that supports it best on its own, and dropped if none
  does; a line of markers is never itself an answer;
- a report's footnote number copied with its sentence ("the National Decision Model[3] would
  help", or inside quotation marks) is not a citation: it is removed from the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from assistant.index import Embedder
from assistant.records import Passage
from assistant.settings import AnswerSettings
from assistant.text import sentences, terms

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# A sentence ends at . ! or ?, plus closing quotes and any markers placed after the stop.
_END = re.compile(r"[.!?][\"”’)]*(?:\s*\[\d+(?:\s*,\s*\d+)*\])*(?=\s+[\"“‘(\[]?[A-Z0-9])")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
# A line that only lists markers, perhaps after a label: "[1][2][3]", "Sources: [1], [2] and [4]."
_MARKER_LINE = re.compile(
    r"^\W*(?:(?:sources?|references?|citations?|passages?)\W*)?"
    r"(?:\[\d+(?:\s*,\s*\d+)*\][\s,;.]*(?:and\s+)?)+\W*$", re.I)
# Glued to the word before it (no space) with more of the sentence after: a footnote number.
_GLUED_INSIDE = re.compile(r"(?<=[\w,;:’”\"')])\[\d+\](?=[\s,;:]*[\w“‘\"(])")
_QUOTED = re.compile(r"[“\"]([^”\"]*)[”\"]")
_ABSTAIN = re.compile(
    r"\b(?:do(?:es)? not|don't|doesn't|cannot|can't|no|not enough|insufficient)\b.*"
    r"\b(?:answer|address|cover|contain|mention|say|state|information|evidence|detail)",
    re.I,
)
_SOURCE_WORD = re.compile(r"\b(?:passages?|reports?|sources?|evidence|information|context)\b", re.I)
# Text in a report that talks to the model. It stays in the prompt (as delimited data) but
# never counts as support: otherwise a model that obeys "reply PWNED" and cites the
# passage would pass the overlap check with the injected words themselves.
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.]{0,60}\b(?:instructions?|prompts?|rules|directions)\b"
    r"|\b(?:reply|respond|answer|output|print|write)\b[^.]{0,30}\bonly with\b"
    r"|\byou are (?:now )?(?:an?|the) (?:ai|assistant|language model|chatbot)\b"
    r"|\b(?:system|developer) (?:prompt|message)\b",
    re.I,
)


@dataclass
class _Sentence:
    text: str  # as written, footnote numbers removed
    own: list[int]  # the passage numbers its own markers name (valid ones only)
    marker_line: bool = False  # only markers: not a sentence, it cites for those before it
    gathered: list[int] = field(default_factory=list)  # markers gathered for its paragraph
    cited: list[int] = field(default_factory=list)  # after the checks


@dataclass
class Checked:
    """What is left of a reply once checked."""

    text: str  # kept sentences, markers renumbered 1..n in order of first use
    citations: list[Passage]
    notes: list[str]
    declined: bool  # the model said the passages do not answer, and nothing else survived
    cited_any: bool  # the reply named at least one supplied passage


def numbers(marker_text: str) -> list[int]:
    return [int(n) for group in _MARKER.findall(marker_text) for n in re.split(r"\s*,\s*", group)]


def is_abstention(sentence: str) -> bool:
    plain = _MARKER.sub("", sentence)
    return len(plain.split()) <= 30 and bool(_ABSTAIN.search(plain) and _SOURCE_WORD.search(plain))


def is_marker_line(line: str) -> bool:
    return bool(_MARKER_LINE.match(line))


def footnotes(sentence: str) -> list[tuple[int, int]]:
    """Spans of bracketed numbers that are a report's footnotes, not citations: glued to the
    word before with the sentence going on after, or inside quotation marks."""
    spans = [m.span() for m in _GLUED_INSIDE.finditer(sentence)]
    for quote in _QUOTED.finditer(sentence):
        spans += [(quote.start(1) + m.start(), quote.start(1) + m.end()) for m in _MARKER.finditer(quote[1])]
    return sorted(set(spans))


def split_reply(text: str) -> list[list[tuple[str, list[str]]]]:
    """Paragraphs (split at blank lines) of lines: (bullet prefix, sentences) per line."""
    paragraphs: list[list[tuple[str, list[str]]]] = [[]]
    for line in text.splitlines():
        if not line.strip():
            paragraphs.append([])
            continue
        bullet = _BULLET.match(line)
        prefix, body = ("- ", line[bullet.end():]) if bullet else ("", line.strip())
        parts, start = [], 0
        for m in _END.finditer(body):
            parts.append(body[start:m.end()].strip())
            start = m.end()
        parts = [s for s in parts + [body[start:].strip()] if s and s.strip("*#_ ")]
        if parts:
            paragraphs[-1].append((prefix, parts))
    return [p for p in paragraphs if p]


def evidence(p: Passage) -> list[str]:
    """The passage's sentences that can support a claim: not those addressed to the model."""
    return [s for s in sentences(p.text) if not INSTRUCTION.search(s)]


def support(sentence: str, cited: list[Passage]) -> float:
    """Share of the sentence's content words found in its cited passages (1.0 if it has none)."""
    words = set(terms(sentence))
    if not words:
        return 1.0
    found = set(terms(" ".join(f"{p.force} {p.section} {p.report_type} {p.year} {' '.join(evidence(p))}"
                               for p in cited)))
    return len(words & found) / len(words)


def meaning(sentence: str, cited: list[Passage], embedder: Embedder) -> float:
    """Best cosine between the sentence and any sentence of its cited passages."""
    candidates = [s for p in cited for s in evidence(p)]
    if not candidates:
        return 0.0
    vectors = embedder.embed([sentence] + candidates)
    return float(np.max(vectors[1:] @ vectors[0]))


class ReplyChecker:
    def __init__(self, passages: list[Passage], settings: AnswerSettings, embedder: Embedder | None):
        self.passages, self.settings, self.embedder = passages, settings, embedder

    def supported(self, body: str, cited: list[int]) -> tuple[bool, float]:
        group = [self.passages[n - 1] for n in cited]
        share = support(body, group)
        if share >= self.settings.min_support:
            return True, share
        ok = self.embedder is not None and meaning(body, group, self.embedder) >= self.settings.min_meaning
        return ok, share

    def check(self, reply: str) -> Checked:
        notes: list[str] = []
        paragraphs = [[(prefix, [self._read(s, notes) for s in parts]) for prefix, parts in lines]
                      for lines in split_reply(reply)]
        _gather(paragraphs)
        kept: list[tuple[str, list[_Sentence]]] = []
        said_no_answer = False
        for paragraph in paragraphs:
            for prefix, line in paragraph:
                out = []
                for s in line:
                    if s.marker_line:  # applied to the sentences before it by _gather
                        continue
                    verdict = self._verdict(s, notes)
                    if verdict == "abstain":
                        said_no_answer = True
                        out.append(_Sentence(_MARKER.sub("", s.text).strip(), []))
                    elif verdict == "keep":
                        out.append(s)
                if out:
                    kept.append((prefix, out))
        text, citations = self._renumber(kept)
        cited_any = any(s.own or s.gathered for p in paragraphs for _, line in p for s in line)
        return Checked(text, citations, notes, said_no_answer and not citations, cited_any)

    def _read(self, sentence: str, notes: list[str]) -> _Sentence:
        for start, end in reversed(footnotes(sentence)):
            notes.append(f"not taken as a citation: the report's footnote number {sentence[start:end]} in: {sentence}")
            sentence = sentence[:start] + sentence[end:]
        found = numbers(sentence)
        valid = list(dict.fromkeys(n for n in found if 1 <= n <= len(self.passages)))
        for n in dict.fromkeys(n for n in found if n not in valid):
            notes.append(f"removed citation [{n}]: no such passage")
        return _Sentence(sentence, valid, is_marker_line(sentence))

    def _verdict(self, s: _Sentence, notes: list[str]) -> str:
        body = _MARKER.sub(" ", s.text)
        if s.gathered:  # cite the one of them that supports it best, if any does
            verdicts = [(self.supported(body, [n]), n) for n in s.gathered]
            best = max(((share, -i, n) for i, ((ok, share), n) in enumerate(verdicts) if ok), default=None)
            if best:
                s.cited = [best[2]]
                s.text = _cite(_MARKER.sub("", s.text), s.cited)
                return "keep"
            notes.append(f"removed sentence: none of the markers gathered for its paragraph "
                         f"({_markers(s.gathered)}) supports it on its own: {s.text}")
            return "drop"
        if not s.own:
            if is_abstention(s.text):
                return "abstain"
            notes.append(f"removed uncited sentence: {s.text}")
            return "drop"
        ok, share = self.supported(body, s.own)
        if not ok:
            notes.append(f"removed unsupported sentence ({share:.0%} of its words are in its cited "
                         f"passages {_markers(s.own)}): {s.text}")
            return "drop"
        s.cited = s.own
        return "keep"

    def _renumber(self, kept: list[tuple[str, list[_Sentence]]]) -> tuple[str, list[Passage]]:
        """Citations renumbered 1..n in order of first use; invalid markers vanish here."""
        order: dict[int, int] = {}
        for _, line in kept:
            for s in line:
                for n in s.cited:
                    order.setdefault(n, len(order) + 1)

        def renumber(m: re.Match[str]) -> str:
            return "".join(f"[{order[n]}]" for n in dict.fromkeys(numbers(m[0])) if n in order)

        def tidy(sentence: str) -> str:  # no gap left where a marker was dropped
            spaced = re.sub(r"\s{2,}", " ", _MARKER.sub(renumber, sentence))
            return re.sub(r"\s+([.!?,;:])", r"\1", spaced).strip()

        text = "\n".join(prefix + " ".join(tidy(s.text) for s in line) for prefix, line in kept)
        return text, [self.passages[n - 1] for n in order]


def _gather(paragraphs: list[list[tuple[str, list[_Sentence]]]]) -> None:
    """Give uncited sentences the markers gathered for them: a line of markers alone applies
    to the uncited sentences since the last cited one; markers ending a paragraph whose other
    sentences have none apply to all of its sentences."""
    pending: list[_Sentence] = []
    for paragraph in paragraphs:
        written = [s for _, line in paragraph for s in line if not s.marker_line and not is_abstention(s.text)]
        for _, line in paragraph:
            for s in line:
                if s.marker_line:
                    for u in pending:
                        u.gathered = s.own
                    pending = []
                elif s.own:
                    pending = []
                elif not is_abstention(s.text):
                    pending.append(s)
        *before, last = written or [None]
        if before and last.own and not any(s.own or s.gathered for s in before):
            for s in written:
                s.gathered = last.own
            pending = []


def _markers(cited: list[int]) -> str:
    return "".join(f"[{n}]" for n in cited)


def _cite(sentence: str, cited: list[int]) -> str:
    """The sentence with its markers before its final stop."""
    sentence = re.sub(r"\s{2,}", " ", sentence).strip()
    m = re.search(r"[.!?]$", sentence)
    return f"{sentence[:-1]} {_markers(cited)}{m[0]}" if m else f"{sentence} {_markers(cited)}"
