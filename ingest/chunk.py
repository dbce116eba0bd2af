"""Cut sections into chunks that fit the embedding model, at sentence boundaries.

A chunk is a contiguous span of one section's text. Sentences are packed greedily until the
next one would push the embedded text (context prefix + chunk, special tokens included)
past the model's maximum sequence length, which MiniLM would otherwise silently truncate.
Only a single sentence longer than the whole budget (a giant table row) is cut, between
words, because no boundary inside it exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from assistant.text import sentence_bounds
from ingest.markup import clean_span, is_lone_bullet
from ingest.structure import Line, Section

TokenCounter = Callable[[Sequence[str]], list[int]]

_CONTINUES = re.compile(r"[^.!?:;\"”’)\]]$")  # a line ending mid-sentence


@dataclass(frozen=True)
class Unit:
    """A sentence (or list item, or table row) with its source offsets."""

    start: int
    end: int
    text: str  # cleaned, as it will appear in the chunk
    tokens: int = 0


def sentence_spans(line: Line) -> list[tuple[int, int]]:
    """Offsets of the sentences of one source line."""
    return [(line.start + a, line.start + b) for a, b in sentence_bounds(line.raw)]


def runs(section: Section, text: str) -> list[list[Line]]:
    """Body lines grouped into runs with nothing but blank lines between them."""
    out: list[list[Line]] = []
    for line in section.lines:
        if out and not text[out[-1][-1].end : line.start].strip():
            out[-1].append(line)
        else:
            out.append([line])
    return out


def units_of(run: list[Line], text: str) -> list[tuple[int, int]]:
    """Sentence spans of a run, re-joining sentences the export broke across lines."""
    spans: list[tuple[int, int]] = []
    glue = False
    for k, line in enumerate(run):
        line_spans = sentence_spans(line)
        if glue and spans and line_spans:
            spans[-1] = (spans[-1][0], line_spans[0][1])
            line_spans = line_spans[1:]
        spans.extend(line_spans)
        stripped = line.text.rstrip()
        # A lone bullet belongs to the next line; a line ending mid-sentence continues.
        next_lower = k + 1 < len(run) and run[k + 1].text[:1].islower()
        glue = is_lone_bullet(line.raw) or bool(
            _CONTINUES.search(stripped) and not stripped.startswith("- ") and next_lower
        )
    return spans


def pack(units: list[Unit], budget: int, overlap: int = 0) -> list[list[Unit]]:
    """Greedy packing of units into groups of at most `budget` tokens."""
    groups: list[list[Unit]] = []
    current: list[Unit] = []
    used = 0
    for unit in units:
        if current and used + unit.tokens > budget:
            groups.append(current)
            current = current[-overlap:] if overlap else []
            used = sum(u.tokens for u in current)
            if used + unit.tokens > budget:  # overlap would not leave room
                current, used = [], 0
        current.append(unit)
        used += unit.tokens
    if current:
        groups.append(current)
    return groups


def split_long(unit: Unit, text: str, budget: int, count: TokenCounter) -> list[Unit]:
    """Cut one over-long sentence between words into pieces that fit."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[unit.start : unit.end])]
    sizes = count([text[unit.start + a : unit.start + b] for a, b in words])
    pieces, first, used = [], 0, 0
    for k, size in enumerate(sizes):
        if k > first and used + size > budget:
            pieces.append((words[first][0], words[k - 1][1]))
            first, used = k, 0
        used += size
    pieces.append((words[first][0], words[-1][1]))
    out = []
    for a, b in pieces:
        start, end = unit.start + a, unit.start + b
        piece = clean_span(text[start:end])
        out.append(Unit(start, end, piece, sum(count([piece])) if piece else 0))
    return out


def chunk_section(
    section: Section, text: str, budget: int, count: TokenCounter, overlap: int = 0
) -> list[tuple[int, int]]:
    """Chunk spans (start, end) of one section, each within `budget` tokens of clean text."""
    spans: list[tuple[int, int]] = []
    for run in runs(section, text):
        raw_units = units_of(run, text)
        cleaned = [clean_span(text[a:b]) for a, b in raw_units]
        sizes = count(cleaned)
        units: list[Unit] = []
        for (a, b), clean, size in zip(raw_units, cleaned, sizes):
            unit = Unit(a, b, clean, size)
            units.extend(split_long(unit, text, budget, count) if size > budget else [unit])
        for group in pack([u for u in units if u.text], budget, overlap):
            spans.append((group[0].start, group[-1].end))
    return spans
