"""Two views built on search for the app's users: case studies for trainers, and a
force-by-force comparison for researchers.

Both reuse the answer stage's rules: sentences are verbatim, every one is cited, and a force
whose report does not deal with the theme says so instead of showing its nearest noise.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.filters import Filters
from assistant.records import CaseStudy, Comparison, Finding, Passage

if TYPE_CHECKING:
    from assistant.api import Assistant

_CASE = re.compile(r"^case stud(?:y|ies)\b[\s:–-]*", re.I)
NO_EVIDENCE = "No evidence found in this report."


def case_root(section: str) -> str:
    """The section path up to the case study's own heading (sub-headings belong to it)."""
    parts = section.split(" > ")
    for i, part in enumerate(parts):
        if _CASE.match(part):
            return " > ".join(parts[: i + 1])
    return section


def case_title(root: str) -> str:
    """'Case study: X' gives X; a bare 'Case study' takes the finding it illustrates."""
    parts = root.split(" > ")
    own = _CASE.sub("", parts[-1]).strip()
    if own:
        return own[0].upper() + own[1:]
    return parts[-2] if len(parts) > 1 else parts[-1]


def case_studies(a: Assistant, topic: str, k: int, filters: Filters) -> list[CaseStudy]:
    """Whole case studies about a topic, most relevant first; none when none deals with it."""
    hits = a.retriever.search(topic, k * a.settings.findings.case_candidates, replace(filters, case_studies=True))
    query = a.query_terms(topic)
    groups: OrderedDict[tuple[str, str], list[Passage]] = OrderedDict()
    for p in hits:
        groups.setdefault((p.doc_id, case_root(p.section)), []).append(p)
    out: list[CaseStudy] = []
    for (doc_id, root), matched in groups.items():
        where = {"$and": [{"doc_id": doc_id}, {"is_case_study": True}]}
        chunks = [p for p in a.store.passages(where) if p.section == root or p.section.startswith(root + " > ")]
        chunks.sort(key=lambda p: p.chunk_index)
        text = "\n\n".join(p.text for p in chunks) or matched[0].text
        if a.picker.coverage(query, f"{root} {text}") < a.settings.answer.min_coverage:
            continue  # retrieved because nothing better exists, not because it is about the topic
        best = matched[0]
        out.append(CaseStudy(
            title=case_title(root), force=best.force, report_title=best.report_title,
            report_type=best.report_type, year=best.year, section=root, text=text,
            passages=matched + [c for c in chunks if c.id not in {m.id for m in matched}], score=best.score,
        ))
        if len(out) >= k:
            break
    return out


def compare(a: Assistant, theme: str, filters: Filters) -> Comparison:
    """One row per force in scope: its report's key sentences on the theme, or plainly none."""
    cfg = a.settings.findings
    scope = list(filters.forces) or a.forces()
    query = a.query_terms(theme)
    reports = {}
    for info in a.reports():
        reports.setdefault(info.force, []).append(info.report_title)
    notes: list[str] = []
    unknown = a.topics.unknown(theme, query)
    if unknown:
        words = ", ".join(f"'{w}'" for w, _, _ in unknown)
        notes.append(f"The reports never discuss {words}.")
    citations: list[Passage] = []
    number: dict[str, int] = {}
    rows: list[Finding] = []
    for force in scope:
        passages = [] if unknown else a.retriever.search(theme, cfg.per_force_passages, filters.with_forces([force]))
        strength = max((a.picker.coverage(query, f"{p.heading} {p.text}") for p in passages[:3]), default=0.0)
        picked = a.picker.pick(query, passages, cfg.sentences_per_force, 1) if strength >= a.settings.answer.min_coverage else []
        if not picked:
            rows.append(Finding(force, reports.get(force, []), False, [], [], NO_EVIDENCE))
            continue
        picked.sort(key=lambda s: (s.passage.report_title, s.passage.start, s.order))
        sentences, used = [], []
        for s in picked:
            if s.passage.id not in number:
                citations.append(s.passage)
                number[s.passage.id] = len(citations)
            n = number[s.passage.id]
            sentences.append(f"{s.text} [{n}]")
            if n not in used:
                used.append(n)
        titles = list(OrderedDict.fromkeys(s.passage.report_title for s in picked))
        rows.append(Finding(force, titles, True, sentences, used, " ".join(sentences)))
    return Comparison(theme, rows, citations, notes)
