"""Two views built on search for the app's users: case studies for trainers, and a
force-by-force comparison for researchers.

Both reuse the answer stage's rules: sentences are verbatim, every one is cited, and a force
whose report does not deal with the theme says so instead of showing its nearest noise.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import replace

from assistant.answer.extractive import SentencePicker
from assistant.answer.gates import strength
from assistant.answer.topics import TopicCheck
from assistant.index import PassageStore
from assistant.records import CaseStudy, Comparison, Finding, Passage, Query, ReportInfo
from assistant.retrieve import HybridRetriever
from assistant.settings import Settings
from assistant.text import footnote_marks

_CASE = re.compile(r"^case stud(?:y|ies)\b[\s:–-]*", re.I)
NO_EVIDENCE = "No evidence found in this report."


def report_label(title: str, origin: str) -> str:
    """A report as a comparison row lists it: an upload says so (it may copy a real title)."""
    return f"{title} (uploaded)" if origin == "upload" else title


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


def case_studies(query: Query, retriever: HybridRetriever, store: PassageStore, picker: SentencePicker,
                 settings: Settings) -> list[CaseStudy]:
    """Whole case studies about the query's topic, most relevant first (up to `query.k`);
    none when none deals with it."""
    k = query.k
    wide = replace(query, k=k * settings.findings.case_candidates, filters=replace(query.filters, case_studies=True))
    hits = retriever.search(wide)
    words = set(query.terms)
    groups: OrderedDict[tuple[str, str], list[Passage]] = OrderedDict()
    for p in hits:
        groups.setdefault((p.doc_id, case_root(p.section)), []).append(p)
    out: list[CaseStudy] = []
    for (doc_id, root), matched in groups.items():
        if matched[0].kind != "report":
            continue  # other documents never count as a force's case studies
        where = {"$and": [{"doc_id": doc_id}, {"is_case_study": True}]}
        chunks = [p for p in store.passages(where) if p.section == root or p.section.startswith(root + " > ")]
        chunks.sort(key=lambda p: p.chunk_index)
        text = "\n\n".join(p.text for p in chunks) or matched[0].text
        if picker.coverage(words, f"{root} {text}") < settings.answer.min_coverage:
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


def compare(query: Query, retriever: HybridRetriever, picker: SentencePicker, topics: TopicCheck,
            reports: list[ReportInfo], forces: list[str], settings: Settings) -> Comparison:
    """One row per force in scope (the query's filter, else `forces`): its report's key
    sentences on the theme, or plainly none."""
    cfg = settings.findings
    scope = list(query.filters.forces) or forces
    titles_of: dict[str, list[str]] = {}
    for info in reports:
        if info.counts_as_force:  # other documents are never a row or a force's report
            titles_of.setdefault(info.force, []).append(report_label(info.report_title, info.origin))
    notes: list[str] = []
    unknown = topics.unknown(query.text, set(query.terms))
    if unknown:
        words = ", ".join(f"'{w}'" for w, _, _ in unknown)
        notes.append(f"The reports never discuss {words}.")
    citations: list[Passage] = []
    number: dict[str, int] = {}
    rows: list[Finding] = []
    for force in scope:
        own = replace(query, k=cfg.per_force_passages, filters=query.filters.with_forces([force]))
        passages = [] if unknown else retriever.search(own)
        enough = strength(query, passages, picker, settings.answer.strength_window) >= settings.answer.min_coverage
        picked = picker.pick(set(query.terms), passages, cfg.sentences_per_force, 1) if enough else []
        if not picked:
            rows.append(Finding(force, titles_of.get(force, []), False, [], [], NO_EVIDENCE))
            continue
        picked.sort(key=lambda s: (s.passage.report_title, s.passage.start, s.order))
        sentences, used = [], []
        for s in picked:
            if s.passage.id not in number:
                citations.append(s.passage)
                number[s.passage.id] = len(citations)
            n = number[s.passage.id]
            sentences.append(f"{footnote_marks(s.text)} [{n}]")
            if n not in used:
                used.append(n)
        reports_used = OrderedDict((s.passage.doc_id, report_label(s.passage.report_title, s.passage.origin))
                                   for s in picked)  # one per report, even two of one title
        rows.append(Finding(force, list(reports_used.values()), True, sentences, used, " ".join(sentences)))
    return Comparison(query.text, rows, citations, notes)
