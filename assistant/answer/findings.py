"""Two views built on search for the app's users: case studies for trainers, and a
force-by-force comparison for researchers.

Both reuse the answer stage's rules: text is verbatim, every quote is cited and whole (the
findings composer's quotable units, finding-first scoring), and a force whose report does not
deal with the theme says so instead of showing its nearest noise.

Case studies come whole and bounded: ingest ends a case where the report's own narrative
resumes, and names an untitled one by its opening words (ingest/structure.py). A case is
relevant when it holds enough of the topic's words (an acronym and its long form count as
one) or shares a theme with it (assistant/text/themes.py: a case about a man paying girls for
a "sex act" is about child sexual exploitation though it never says so); cases are ranked by
that, then by how much of the case is about the topic, then by search.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from assistant.answer.extractive import SentencePicker
from assistant.answer.gates import strength
from assistant.answer.quotes import Citations
from assistant.answer.topics import TopicCheck
from assistant.records import CaseStudy, Comparison, CoverageEntry, Finding, Passage, Query, ReportInfo
from assistant.retrieve import HybridRetriever
from assistant.settings import Settings
from assistant.text import stem, terms
from assistant.text.themes import cues_in, themes_of, topic_themes

if TYPE_CHECKING:  # compose.py imports this module's case_root
    from assistant.answer.compose import FindingsComposer, Matcher

_CASE = re.compile(r"^case stud(?:y|ies)\b[\s:–-]*", re.I)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
NO_EVIDENCE = "No evidence found in this report."
_MATCHED_SHOWN = 8  # phrases listed in "why this matched"


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
    """'Case study: X' gives X (its own title, or its opening words for an untitled case)."""
    parts = root.split(" > ")
    own = _CASE.sub("", parts[-1]).strip() or parts[-1]
    return own[0].upper() + own[1:]


def _why(topic: str, text: str, match: Matcher, glossary_long: dict[str, set[str]],
         shared: list[str]) -> list[str]:
    """Why a case matched, as the case writes it: the whole topic, an acronym or its long
    form, the cues of the themes it shares with the topic, then the topic's other words."""
    found: dict[str, str] = {}

    def add(phrase: str) -> None:
        found.setdefault(" ".join(phrase.lower().split()), " ".join(phrase.split()))

    if topic.strip() and " ".join(topic.lower().split()) in " ".join(text.lower().split()):
        add(topic.strip())
    asked = {stem(t) for t in terms(topic)}
    for acronym, forms in glossary_long.items():  # "CSE" and "child sexual exploitation" alike
        if stem(acronym.lower()) in asked or any(frozenset(stem(w) for w in terms(f)) <= asked for f in forms):
            for phrase in (acronym, *forms):
                m = re.search(rf"\b{re.escape(phrase)}\b", text, re.I)
                if m:
                    add(m.group(0))
    for theme in shared:
        for cue in cues_in(text, theme):
            add(cue)
    said = {stem(w) for phrase in found for w in terms(phrase)}
    for m in _WORD.finditer(text):
        word = re.sub(r"['’]s$", "", m.group(0))
        key = stem(word.lower())
        if key in match.plain and key not in said:
            said.add(key)
            add(word)
    return list(found.values())[:_MATCHED_SHOWN]


@dataclass(frozen=True)
class CaseText:
    """What a case study is, whatever the topic: read once per snapshot, not per request."""

    title: str
    text: str
    about: str  # title and text, as themes and words are read
    themes: tuple[str, ...]
    tokens: tuple[str, ...]  # stems of `about`
    title_stems: tuple[str, ...]

    @classmethod
    def of(cls, section: str, chunks: list[Passage]) -> CaseText:
        title = case_title(section)
        text = "\n\n".join(c.text for c in chunks)
        about = f"{title}\n{text}"
        return cls(title, text, about, tuple(themes_of(about)), tuple(stem(w) for w in terms(about)),
                   tuple(stem(t) for t in terms(title)))


def case_studies(query: Query, retriever: HybridRetriever, composer: FindingsComposer,
                 settings: Settings) -> list[CaseStudy]:
    """Whole case studies about the query's topic, most relevant first (up to `query.k`);
    none when none deals with it."""
    cfg = settings.findings
    wide = replace(query, k=query.k * cfg.case_candidates, filters=replace(query.filters, case_studies=True))
    retrieved: dict[tuple[str, str], Passage] = {}
    for p in retriever.search(wide):
        retrieved.setdefault((p.doc_id, case_root(p.section)), p)
    best_retrieved = max((p.score for p in retrieved.values()), default=0.0) or 1.0
    topic = query.asked or query.text
    wanted = topic_themes(topic)
    match = composer.matcher(query)
    texts = composer.case_texts()
    scored: list[tuple[float, float, tuple[str, str], list[str]]] = []
    for key, chunks in composer.cases.items():
        first, case = chunks[0], texts[key]
        if first.kind != "report" or not query.filters.accepts(first):
            continue  # other documents never count as a force's case studies
        shared = [t for t in wanted if t in case.themes]
        lexical = match.weight(frozenset(case.tokens)) / match.total
        # A topic that names a theme wants cases about it, not ones that use its word in
        # passing ("remanded in custody" in a case about an offender's address).
        relevance = (1.0 if shared else 0.0) if wanted else lexical
        if relevance < cfg.case_floor:
            continue  # holds too little of the topic: retrieved because nothing better exists, at most
        # How much of the case is about the topic: its words and theme cues per sqrt(length),
        # the title counted twice (it says what the case is about).
        hits = sum(1 for t in case.tokens if t in match.plain) + sum(len(cues_in(case.about, t)) for t in shared)
        hits += sum(1 for t in case.title_stems if t in match.plain)
        focus = hits / math.sqrt(len(case.tokens) + 1)
        hit = retrieved.get(key)
        searched = max(hit.score, 0.0) / best_retrieved if hit else 0.0
        scored.append((relevance + cfg.case_focus_weight * focus + cfg.case_search_weight * searched, relevance,
                       key, shared))
    scored.sort(key=lambda sc: -sc[0])
    out = []
    for score, relevance, key, shared in scored[: query.k]:  # "why this matched" for those shown only
        chunks, case = composer.cases[key], texts[key]
        first, hit = chunks[0], retrieved.get(key)
        best = hit or first
        out.append(CaseStudy(
            title=case.title, force=first.force, report_title=first.report_title, report_type=first.report_type,
            year=first.year, section=key[1], text=case.text, passages=[best, *[c for c in chunks if c.id != best.id]],
            score=round(score, 4), inspected=first.inspected, published=first.published, themes=list(case.themes),
            matched=_why(topic, case.about, match, composer.glossary.long, shared), relevance=round(relevance, 3),
        ))
    return out


def _in_scope(info: ReportInfo, query: Query) -> bool:
    f = query.filters
    if f.report_types and info.report_type.lower() not in {t.lower() for t in f.report_types}:
        return False
    return not (f.years and not (info.year is not None and f.years[0] <= info.year <= f.years[1]))


def compare(query: Query, retriever: HybridRetriever, composer: FindingsComposer, picker: SentencePicker,
            topics: TopicCheck, reports: list[ReportInfo], forces: list[str], settings: Settings) -> Comparison:
    """One row per force in scope (the query's filter, else `forces`): its reports' strongest
    whole quotes on the theme (the findings composer's units and scoring), cited, or plainly none;
    each row with its reports and their dates."""
    cfg = settings.findings
    scope = list(query.filters.forces) or forces
    reports_of: dict[str, list[ReportInfo]] = {}
    for info in sorted(reports, key=lambda r: (r.year or 0, r.report_title)):
        if info.counts_as_force and _in_scope(info, query):  # other documents are never a row
            reports_of.setdefault(info.force, []).append(info)
    notes: list[str] = []
    unknown = topics.unknown(query.text, set(query.terms))
    if unknown:
        words = ", ".join(f"'{w}'" for w, _, _ in unknown)
        notes.append(f"The reports never discuss {words}.")
    cite = Citations()
    citations = cite.passages

    rows: list[Finding] = []
    for force in scope:
        own = replace(query, k=cfg.per_force_passages, filters=query.filters.with_forces([force]))
        passages = [] if unknown else retriever.search(own)
        enough = strength(query, passages, picker, settings.answer.strength_window) >= settings.answer.min_coverage
        chosen = composer.best_quotes(query, passages, cfg.sentences_per_force) if enough else []
        infos = reports_of.get(force, [])
        drawn = OrderedDict.fromkeys(c.unit.passage.doc_id for c in chosen)
        coverage = [CoverageEntry(r.force, r.report_title, r.report_type, r.published, r.inspected, r.doc_id in drawn,
                                  sum(c.unit.passage.doc_id == r.doc_id for c in chosen), r.doc_id) for r in infos]
        if not chosen:
            rows.append(Finding(force, [report_label(r.report_title, r.origin) for r in infos], False, [], [], NO_EVIDENCE, [], coverage))
            continue
        quotes = composer.quoted(chosen, cite)
        sentences = [f"{q.text} [{q.citations[0]}]" for q in quotes]
        used = list(OrderedDict.fromkeys(n for q in quotes for n in q.citations))
        # one per report, even two of one title (an upload may copy a real one's)
        titles = list(OrderedDict((c.unit.passage.doc_id, report_label(c.unit.passage.report_title,
                                                                       c.unit.passage.origin)) for c in chosen).values())
        rows.append(Finding(force, titles, True, sentences, used, " ".join(sentences), quotes, coverage))
    years = [int((e.inspected or e.published or "0")[:4]) for r in rows for e in r.coverage if e.inspected or e.published]
    if years and max(years) - min(years) >= cfg.date_spread_years:
        notes.append(f"The reports compared date from {min(years)} to {max(years)} (inspection or review): each row "
                     "describes its force at the time of its own report.")
    return Comparison(query.text, rows, citations, notes)
