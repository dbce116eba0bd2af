"""Sentence boundaries, shared by chunking (never cut a sentence) and answers (quote whole ones)."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (plus closing quotes, brackets or footnote marks) before a capital,
# digit, quote or bullet.
_BOUNDARY = re.compile(
    r"(?<=[.!?])(?P<close>(?:[\"”’)\]]|\[\d+\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)*)\s+(?=[\"“‘(\[]?[A-Z0-9•])"
)
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|Mr|Mrs|Ms|Dr|St|No|vs|cf|para|approx)\.$", re.I)


def sentence_bounds(line: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in one line, closing marks kept, outer spaces left out."""
    spans, begin = [], 0
    for m in _BOUNDARY.finditer(line):
        if _ABBREVIATION.search(line[begin : m.start()]):
            continue
        spans.append((begin, m.end("close")))
        begin = m.end()
    spans.append((begin, len(line.rstrip())))
    lead = len(line) - len(line.lstrip())
    return [(max(a, lead) if i == 0 else a, b) for i, (a, b) in enumerate(spans) if b > (lead if i == 0 else a)]


def sentences(text: str) -> list[str]:
    """Sentences (and list items) of a text, line by line, in order."""
    return [line[a:b] for line in text.split("\n") for a, b in sentence_bounds(line)]
