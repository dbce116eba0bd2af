"""Turning retrieved passages into an answer: abstain, or compose cited sentences."""

from __future__ import annotations

from collections import OrderedDict

from assistant.extractive import Picked
from assistant.records import Answer, Passage


def join_names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _report_label(p: Passage) -> str:
    year = f", {p.year}" if p.year else ""
    return f"{p.report_type}{year}"


def compose_extractive(question: str, picked: list[Picked], passages: list[Passage]) -> Answer:
    """Group picked sentences by force and report, in reading order, each with its marker."""
    groups: OrderedDict[tuple[str, str], list[Picked]] = OrderedDict()
    for s in sorted(picked, key=lambda s: -s.score):  # the strongest group leads
        groups.setdefault((s.passage.force, s.passage.report_title), []).append(s)
    citations: list[Passage] = []
    number: dict[str, int] = {}
    forces = list(OrderedDict.fromkeys(force for force, _ in groups))
    lines = [f"Evidence from {join_names(forces)}:", ""]
    for (force, _title), items in groups.items():
        items.sort(key=lambda s: (s.passage.start, s.order))
        lines.append(f"**{force}** ({_report_label(items[0].passage)})")
        for s in items:
            if s.passage.id not in number:
                citations.append(s.passage)
                number[s.passage.id] = len(citations)
            sentence = s.text[2:] if s.text.startswith("- ") else s.text  # list items keep one bullet
            lines.append(f"- {sentence} [{number[s.passage.id]}]")
        lines.append("")
    return Answer(question, "\n".join(lines).strip(), citations, False, "extractive", forces, passages)


def abstention(question: str, reason: str, corpus_forces: list[str], passages: list[Passage], mode: str) -> Answer:
    """Say plainly that the reports do not answer it, and show the nearest passages anyway."""
    if not corpus_forces:
        text = "The index holds no reports yet: add some with `python -m ingest` or the Corpus page's upload."
        return Answer(question, text, [], True, mode, [], passages)
    text = (
        f"The reports do not answer this: {reason}. The collection covers "
        f"{join_names(corpus_forces)}."
    )
    if passages:
        nearest = "; ".join(f"{p.force} – {p.heading}" for p in passages[:3])
        text += f" The nearest passages are listed below ({nearest})."
    return Answer(question, text, [], True, mode, [], passages)
