"""The findings composer: a direct, cited answer from the retrieved passages.

Shape: a system-written lead that states the scope (which reports hold evidence, which do
not; never a finding), then each report's findings, quoted verbatim and cited, strongest
report first. What it quotes:

- whole thoughts only (quotes.py): list items with their lead-in, lists with their items,
  a sentence that points back with the sentence it depends on;
- findings first (signals.py): what inspectors found or judged about the force outranks
  national guidance, definitions and method; for a "how many / how long / what share"
  question each report's best figure-bearing sentence is taken;
- no repetition: a quote sharing most of its words with one already taken is skipped
  (reviews' summaries restate their detailed findings almost word for word);
- scope: a question naming forces (or filtered to them) is answered from those forces
  only; a comparative or open question from every force with evidence, and the coverage
  ledger (Answer.coverage) lists every report in scope, found or not.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Callable

from assistant.answer.findings import CaseText, case_root
from assistant.answer.quotes import Citations, Unit, units
from assistant.answer.signals import finding_cues, has_figure, is_background, is_recommendation
from assistant.index import Corpus
from assistant.records import Answer, AnswerSentence, CoverageEntry, Passage, Query, Role
from assistant.retrieve.followup import FOLLOWING
from assistant.settings import AnswerSettings
from assistant.text import STOPWORDS, footnote_marks, idf, join_names, report_label, stem, terms

_WHITESPACE = str.maketrans({"\n": " ", "\t": " "})
_LIST_ITEMS = 3  # items of a list quoted at most (a recommendation's are all quoted)
# Two or more capitalised words in a row, not opening the question: a name ("Operation Encompass").
_NAMES = re.compile(r"(?<=\w[\s,;:(])(?:[A-Z][\w'’-]*\s+)+[A-Z][\w'’-]*")
_JOINER = re.compile(r"(?<=[;,])\s+(?:and|or)$")
# Table rows (cells joined by " | ") and footnotes ("[8] Operation Encompass involves...").
_NOT_QUOTABLE = re.compile(r"\|| ^\[\d+\]|^\s*\[\d+\]")


@dataclass(frozen=True)
class Report:
    """A report's identity as the ledger and headings show it."""

    doc_id: str
    force: str
    title: str
    type: str
    published: str | None
    inspected: str | None
    year: int | None
    kind: str = "report"
    origin: str = "path"

    @property
    def heading(self) -> str:
        """The line above its quotes: an upload says so, and another document is never shown
        as a force's report."""
        uploaded = " (uploaded)" if self.origin == "upload" else ""
        if self.kind != "report":
            return f"**Other document**: {self.title}{uploaded}"
        return f"**{self.force}** — {report_label(self.type, self.inspected, self.published)}{uploaded}"

    @property
    def short(self) -> str:
        """'the Cheshire 2023 post-inspection review'."""
        year = f" {self.year}" if self.year else ""
        uploaded = "uploaded " if self.origin == "upload" else ""  # beside the real one of that name
        return f"the {uploaded}{self.force}{year} {self.type}"


@dataclass(frozen=True)
class Matcher:
    """The question's words as a sentence is scored against them. Words meet by stem
    ("reactive" and "reactively"). An acronym and its long forms from the glossary are one
    concept, counted once whichever way a sentence writes it: otherwise every sentence that
    spells out "registered sex offenders" would outrank the one about what was asked. Words
    the glossary added outside such a concept count for `expansion_weight`."""

    plain: dict[str, float]  # stem -> weight
    concepts: tuple[tuple[float, frozenset[str], tuple[frozenset[str], ...]], ...]  # (weight, acronym, long forms)
    pairs: frozenset[tuple[str, str]]  # the question's adjacent word pairs

    @property
    def total(self) -> float:
        return (sum(self.plain.values()) + sum(c[0] for c in self.concepts)) or 1.0

    def weight(self, words: frozenset[str]) -> float:
        found = sum(w for t, w in self.plain.items() if t in words)
        return found + sum(w for w, short, forms in self.concepts
                           if short <= words or any(f <= words for f in forms))

    @property
    def stems(self) -> frozenset[str]:
        """Every stem the question's words and concepts cover."""
        out = set(self.plain)
        for _, short, forms in self.concepts:
            out |= short
            for form in forms:
                out |= form
        return frozenset(out)

    def phrases(self, stems: list[str]) -> float:
        """Share of the question's adjacent word pairs the sentence has side by side."""
        if not self.pairs:
            return 0.0
        return len(self.pairs & set(zip(stems, stems[1:]))) / len(self.pairs)


@dataclass(frozen=True)
class Candidate:
    unit: Unit
    rank: int  # its passage's position in the retrieved list
    relevance: float  # share of the question's weighted content words it holds (0..1)
    score: float
    figure: bool
    # Its stems beyond the question's: two quotes on the question share those by design
    # ("SOMU reactively manages RSO cases…" and "SOMU was reactively managing 145 RSOs"
    # are two findings, not one said twice), so repeats are judged on the rest.
    words: frozenset[str]


def _owner(p: Passage) -> str:
    """Whose evidence a passage is: its force, or (another document) that document alone."""
    return p.force if p.kind == "report" else f"\0{p.doc_id}"  # never a force's name


def _key(u: Unit) -> tuple[str, str]:
    """A unit's identity: its passage and first line (a chunk's closing sentence taken as the
    next chunk's antecedent is the same unit as that sentence quoted from its own chunk)."""
    return u.passage.id, u.lines[0]


def _same(a: Unit, b: Unit) -> bool:
    return _key(a) == _key(b)


def _repeats(c: Candidate, chosen: list[Candidate], overlap: float) -> bool:
    """Already quoted (itself, or as the context of a quote), or saying nearly the same. A
    sentence that carries on from a quote ("This backlog contained 5,022 entries.") is new:
    its context is printed once."""
    for d in chosen:
        if _same(d.unit, c.unit) or any(_same(u, c.unit) for u in d.unit.context):
            return True
        if len(c.words & d.words) / max(1, min(len(c.words), len(d.words))) >= overlap:
            return True
    return False


class FindingsComposer:
    def __init__(self, corpus: Corpus, settings: AnswerSettings):
        self.settings = settings
        self.df, self.n = corpus.df, max(len(corpus.passages), 1)
        self.glossary = corpus.glossary
        ordered = sorted(corpus.passages, key=lambda p: (p.doc_id, p.chunk_index))
        # The chunk before each one in the same section: where an opener's antecedent or a
        # list's lead-in may stand.
        self.previous: dict[str, Passage] = {}
        self.following: dict[str, Passage] = {}  # and the chunk after it (a section carried on)
        for a, b in zip(ordered, ordered[1:]):
            if a.doc_id == b.doc_id and b.chunk_index == a.chunk_index + 1 and a.section == b.section:
                self.previous[b.id], self.following[a.id] = a, b
        self.reports: dict[str, Report] = {}
        for p in corpus.passages:
            self.reports.setdefault(p.doc_id, Report(p.doc_id, p.force, p.report_title, p.report_type,
                                                      p.published, p.inspected, p.year, p.kind, p.origin))
        # Every chunk of each case study, in reading order: a case is quoted from the whole case.
        self.cases: dict[tuple[str, str], list[Passage]] = {}
        for p in ordered:
            if p.is_case_study:
                self.cases.setdefault((p.doc_id, case_root(p.section)), []).append(p)
        self.by_force: dict[str, list[Report]] = {}
        for r in sorted(self.reports.values(), key=lambda r: (r.force, r.year or 0, r.title)):
            if r.kind == "report":  # other documents are in no force's ledger
                self.by_force.setdefault(r.force, []).append(r)
        self._case_texts: dict[tuple[str, str], CaseText] | None = None

    def case_texts(self) -> dict[tuple[str, str], CaseText]:
        """Each case study's title, text, themes and stems, read on first use (the case
        studies page scores every case on each request)."""
        if self._case_texts is None:  # built whole, then published: other threads never see it half-filled
            self._case_texts = {key: CaseText.of(key[1], chunks) for key, chunks in self.cases.items()}
        return self._case_texts

    # -- scoring --------------------------------------------------------------------------

    def matcher(self, query: Query) -> Matcher:
        """How the question's words weigh and meet a sentence's (see `Matcher`)."""
        cfg = self.settings
        asked = [stem(t) for t in terms(query.text)]
        asked_set = set(asked)
        weight_of = {stem(t): idf(self.n, self.df.get(t, 0)) for t in query.terms}
        concepts: list[tuple[float, frozenset[str], tuple[frozenset[str], ...]]] = []
        covered: set[str] = set()
        for acronym, forms in self.glossary.long.items():
            short = frozenset({stem(acronym)})
            long_forms = tuple(frozenset(stem(w) for w in terms(f)) for f in forms)
            if short <= asked_set or any(f and f <= asked_set for f in long_forms):
                members = short.union(*long_forms)
                concepts.append((max(weight_of.get(m, 0.0) for m in members if m in asked_set), short,
                                 tuple(f for f in long_forms if f)))
                covered |= members
        # A name of several capitalised words ("Operation Encompass") is one concept too: its
        # words count only together ("operational activity" is not about it).
        own = query.text.split(FOLLOWING)[0]
        # In Title Case ("How Do Forces Handle…") capitals tell no names apart.
        titled = any(w[:1].isupper() and w.lower().strip("?,.!") in STOPWORDS for w in own.split()[1:])
        for name in [] if titled else _NAMES.findall(own):
            members = frozenset(stem(w) for w in terms(name)) & set(weight_of)
            if len(members) >= 2 and not members & covered:
                concepts.append((sum(weight_of[m] for m in members), members, ()))
                covered |= members
        plain = {w: weight * (1.0 if w in asked_set else cfg.expansion_weight)
                 for w, weight in weight_of.items() if w not in covered}
        pairs = {(a, b) for a, b in zip(asked, asked[1:]) if a != b}
        return Matcher(plain, tuple(concepts), frozenset(pairs))

    def candidates(self, query: Query, passages: list[Passage]) -> list[Candidate]:
        cfg = self.settings
        match = self.matcher(query)
        asked = match.stems
        figures, recommendations, cases = query.wants_figure, query.about_recommendations, query.wants_case
        best_passage = max((p.score for p in passages), default=0.0) or 1.0
        out: list[Candidate] = []
        seen_of: dict[str, int] = {}
        for p in passages:
            # Rank within the passage's own force: an answer across forces reads each force's
            # evidence in its own order (its best passage may rank low overall).
            owner = _owner(p)
            rank = seen_of[owner] = seen_of.get(owner, -1) + 1
            for unit in units(p, self.previous.get(p.id)):
                unit = self._trim(unit, match)
                if unit is None or len(unit.context) > cfg.max_context or \
                        any(_NOT_QUOTABLE.search(u.text) for u in (*unit.context, unit)):
                    continue  # nothing on the question; an antecedent too far back; a table row or footnote (or carrying one on)
                stems = [stem(w) for w in terms(unit.text)]
                words = frozenset(stems)
                if not unit.is_list and len(words) < cfg.min_sentence_words:
                    continue
                # A sentence that points back is quoted with what it points back to, so it is
                # scored as that whole quote ("The VPRU was set up in March 2019. At that time,
                # there were already 2,000 outstanding matters").
                quote = frozenset(stem(w) for u in unit.context for w in terms(u.text)) | words
                weight = match.weight(quote)
                if not weight:
                    continue
                length = len(words) + sum(len(terms(u.text)) for u in unit.context)
                density = weight / math.sqrt(length + cfg.length_smoothing)
                score = density * (1.0 + cfg.phrase_bonus * match.phrases(stems))
                score /= 1.0 + cfg.rank_decay * rank
                # How well retrieval (BM25, meaning, proximity) rated the whole passage.
                score *= 1.0 + cfg.passage_weight * max(p.score, 0.0) / best_passage
                if p.is_case_study and not cases:
                    score *= cfg.case_penalty  # an illustration, not the finding it illustrates
                score *= 1.0 + cfg.finding_bonus * finding_cues(unit.text)
                if is_background(unit.text):
                    score *= cfg.background_penalty
                if not recommendations and (p.is_recommendation or is_recommendation(unit.lines[0])):
                    score *= cfg.recommendation_penalty  # what was asked for, not what was found
                figure = has_figure(unit.text)
                if figure and figures:
                    score *= cfg.figure_bonus
                out.append(Candidate(unit, rank, weight / match.total, score, figure, words - asked))
        return out

    @staticmethod
    def _trim(unit: Unit, match: Matcher) -> Unit | None:
        """A list quoted as its lead-in and the items on the question (all of them for a
        recommendation, which is quoted whole); a sentence as it is."""
        if not unit.is_list:
            return unit
        head, items = (unit.lines[0], unit.lines[1:]) if not unit.lines[0].lstrip().startswith("- ") \
            else (None, unit.lines)
        if head is not None and is_recommendation(head):
            return unit
        # Items by how much of the question they hold; the strongest few (never a weak one).
        weight = [match.weight(frozenset(stem(w) for w in terms(line))) for line in items]
        if not any(weight):
            return unit if head is not None and match.weight(frozenset(stem(w) for w in terms(head))) else None
        keep = sorted(i for i in sorted(range(len(items)), key=lambda i: -weight[i])[:_LIST_ITEMS]
                      if weight[i] >= 0.5 * max(weight))
        # An item whose next one is left out loses its joining "and"/"or" ("…management; and"
        # would read as cut off); what stays is still the report's own words.
        hit = [items[i] if i + 1 in keep else _JOINER.sub("", items[i]) for i in keep]
        return replace(unit, lines=(head, *hit) if head is not None else tuple(hit))

    # -- choosing -------------------------------------------------------------------------

    def compose(self, query: Query, passages: list[Passage]) -> Answer | None:
        """The answer, or None when no passage in scope has a sentence on the question."""
        cfg = self.settings
        named = list(query.filters.forces) or list(query.named)
        pool = [p for p in passages if p.force in named] if named else passages
        if query.wants_case:
            answer = self._case(query, pool, passages, named)
            if answer is not None:
                return answer
        found = self.candidates(query, pool)
        if not found:
            return None
        best: dict[str, Candidate] = {}
        for c in found:
            force = _owner(c.unit.passage)
            if force not in best or c.score > best[force].score:
                best[force] = c
        top = max(c.score for c in best.values())
        top_relevance = max(c.relevance for c in best.values())
        # Forces with evidence: every named force that has a quote; otherwise every force whose
        # best quote holds enough of the question and is not far below the best force's. (A
        # question asking for a case is answered from one case, above.)
        forces = [f for f, c in sorted(best.items(), key=lambda fc: -fc[1].score)
                  if named or (c.relevance >= cfg.min_force_relevance * top_relevance and c.score >= cfg.force_floor * top)]
        single = len(forces) == 1
        chosen = self._choose(query, [c for c in found if _owner(c.unit.passage) in forces], forces, single)
        scope = named or sorted(self.by_force)
        return self._render(query, passages, chosen, forces, scope)

    def _case(self, query: Query, pool: list[Passage], passages: list[Passage], named: list[str]) -> Answer | None:
        """A question asking for a case or an example: of the top passages' cases, the one whose
        sentences meet the question best, quoted from its opening (who, what happened) and its
        sentences on the question, in reading order. A case study marked as such is read whole;
        a review's unmarked example is its passage and the chunk that carries its section on.
        None when none has anything on it."""
        cfg = self.settings
        best: tuple[float, Passage, list[Passage], list[Candidate]] | None = None
        tried: set[tuple[str, str]] = set()
        for i, p in enumerate(pool[: cfg.case_candidates]):
            key = (p.doc_id, case_root(p.section) if p.is_case_study else p.id)
            if key in tried:
                continue
            tried.add(key)
            chunks = self.cases.get(key, [p]) if p.is_case_study else \
                [p, *[n for n in [self.following.get(p.id)] if n is not None]]
            found = self.candidates(query, chunks)
            if not found:
                continue
            # The case whose sentences meet the question best, trusting the ranking a little.
            score = max(c.score for c in found) / (1.0 + cfg.rank_decay * i)
            if best is None or score > best[0]:
                best = (score, p, chunks, found)
        if best is None:
            return None
        _, top, chunks, found = best
        marked = top.is_case_study
        ranked = sorted(found, key=lambda c: -c.score)
        chosen: list[Candidate] = []
        if marked:  # the case's first sentence says who and what happened
            first = min(found, key=lambda c: (c.unit.passage.chunk_index, c.unit.order))
            if first.unit.passage.chunk_index == chunks[0].chunk_index and first.unit.order == 0:
                chosen.append(first)
        words = sum(len(c.unit.text.split()) for c in chosen)
        for c in ranked:
            if len(chosen) >= cfg.max_quotes or words >= cfg.max_words:
                break
            if c.score < cfg.quote_floor * ranked[0].score or any(_same(c.unit, d.unit) for d in chosen):
                continue
            chosen.append(c)
            words += sum(len(line.split()) for u in (*c.unit.context, c.unit) for line in u.lines)
        return self._render(query, passages, chosen, [top.force], named or [top.force])

    def _choose(self, query: Query, found: list[Candidate], forces: list[str], single: bool) -> list[Candidate]:
        cfg = self.settings
        per_force = cfg.max_quotes if single else cfg.per_force_quotes
        ranked = sorted(found, key=lambda c: -c.score)
        chosen: list[Candidate] = []
        count: dict[str, int] = {}
        words = 0

        def take(c: Candidate) -> None:
            nonlocal words
            chosen.append(c)
            count[_owner(c.unit.passage)] = count.get(_owner(c.unit.passage), 0) + 1
            words += sum(len(line.split()) for u in (*c.unit.context, c.unit) for line in u.lines)

        def repeats(c: Candidate) -> bool:
            return _repeats(c, chosen, cfg.duplicate_overlap)

        # Each force's best quote first (and its best figure, when a quantity is asked for),
        # so no force with evidence is crowded out by a stronger one.
        figures = query.wants_figure
        for force in forces:
            mine = [c for c in ranked if _owner(c.unit.passage) == force]
            take(mine[0])
            if figures and not mine[0].figure:
                figure = next((c for c in mine if c.figure and not repeats(c)), None)
                if figure is not None and figure.score >= cfg.figure_floor * mine[0].score:
                    take(figure)
        for c in ranked:
            force = _owner(c.unit.passage)
            if len(chosen) >= cfg.max_quotes or words >= cfg.max_words:
                break
            if count.get(force, 0) >= per_force or c.score < cfg.quote_floor * ranked[0].score or repeats(c):
                continue
            take(c)
        return chosen

    def best_quotes(self, query: Query, passages: list[Passage], n: int) -> list[Candidate]:
        """The `n` strongest quotes on the query in these passages (one force's, for a
        comparison row), none repeating another and none weak beside the best, in reading order."""
        ranked = sorted(self.candidates(query, passages), key=lambda c: -c.score)
        chosen: list[Candidate] = []
        for c in ranked:
            if len(chosen) >= n or c.score < self.settings.quote_floor * ranked[0].score:
                break
            if not _repeats(c, chosen, self.settings.duplicate_overlap):
                chosen.append(c)
        return sorted(chosen, key=lambda c: (c.unit.passage.doc_id, c.unit.passage.start, c.unit.order))

    # -- rendering ------------------------------------------------------------------------

    def quoted(self, chosen: list[Candidate], cite: Callable[[Passage], int]) -> list[AnswerSentence]:
        """The chosen quotes as answer sentences in the order given, each preceded by the units
        it depends on (each printed once); a list's items marked as such. `cite` numbers a passage."""
        out: list[AnswerSentence] = []
        seen: set[tuple[str, str]] = set()
        for c in chosen:
            for unit in (*c.unit.context, c.unit):
                key = _key(unit)
                if key in seen:
                    continue
                seen.add(key)
                role: Role = "context" if unit is not c.unit else self._role(c)
                n = cite(unit.passage)
                # Items with no lead-in just before them (none found) stand as quotes of their own.
                headless = unit.lines[0].lstrip().startswith("- ")
                led = not headless or bool(out and (out[-1].list_item or out[-1].text.endswith(":")))
                for line in unit.lines:
                    item = line.lstrip().startswith("- ") and led
                    body = line.lstrip()[2:] if item else line
                    text = footnote_marks(" ".join(body.translate(_WHITESPACE).split()))
                    out.append(AnswerSentence(text, (n,), unit.passage.force, role, list_item=item))
        return out

    def _render(self, query: Query, passages: list[Passage], chosen: list[Candidate], forces: list[str],
                scope: list[str]) -> Answer:
        cite = Citations()
        citations = cite.passages

        groups: OrderedDict[str, list[Candidate]] = OrderedDict()
        for force in forces:
            for c in sorted((c for c in chosen if _owner(c.unit.passage) == force),
                            key=lambda c: (c.unit.passage.doc_id, c.unit.passage.start, c.unit.order)):
                groups.setdefault(c.unit.passage.doc_id, []).append(c)
        ledger = self._ledger(scope, groups)
        lead = self._lead(ledger, [self.reports[d] for d in groups if self.reports[d].kind != "report"])
        sentences = [AnswerSentence(lead, (), None, "lead")]
        lines = [lead, ""]
        for doc_id, picked in groups.items():
            report = self.reports[doc_id]
            lines.append(report.heading)
            for sentence in self.quoted(picked, cite):
                sentences.append(sentence)
                lines.append(f"{'  - ' if sentence.list_item else '- '}{sentence.text} [{sentence.citations[0]}]")
            lines.append("")
        text = "\n".join(lines).strip()
        cited_forces = list(OrderedDict.fromkeys(p.force for p in citations if p.kind == "report"))
        return Answer(query.asked or query.text, text, citations, False, "extractive", cited_forces, passages,
                      sentences=sentences, coverage=ledger, resolved_question=query.text)

    def _role(self, c: Candidate) -> Role:
        if is_recommendation(c.unit.lines[0]):
            return "recommendation"
        return "figure" if c.figure else "finding"

    def _ledger(self, scope: list[str], groups: dict[str, list[Candidate]]) -> list[CoverageEntry]:
        entries = []
        for force in scope:
            for r in self.by_force.get(force, []):
                cited = {c.unit.passage.id for c in groups.get(r.doc_id, [])}
                entries.append(CoverageEntry(r.force, r.title, r.type, r.published, r.inspected,
                                             r.doc_id in groups, len(cited), r.doc_id))
        return entries

    def _lead(self, ledger: list[CoverageEntry], documents: list[Report]) -> str:
        """One or two sentences on scope only: which reports hold evidence, which do not, and
        which other documents are quoted too."""
        lead = self._reports_lead(ledger)
        if documents:
            which = join_names([f"“{d.title}”" for d in documents])
            also = "other documents" if len(documents) > 1 else "another document"
            lead = f"{lead} Also quoted: {also}, {which}." if lead else f"Evidence from {also}: {which}."
        return lead

    def _reports_lead(self, ledger: list[CoverageEntry]) -> str:
        if not ledger:
            return ""
        found = [e for e in ledger if e.found]
        missing = [self.reports[e.doc_id].short for e in ledger if not e.found]
        if len(ledger) == 1:
            return f"Evidence from {self.reports[ledger[0].doc_id].short}."
        if not missing:
            return "Evidence in both reports." if len(ledger) == 2 else f"Evidence in all {len(ledger)} reports."
        lead = f"Evidence in {len(found)} of the {len(ledger)} reports"
        if len(missing) <= 3:
            return f"{lead}; nothing relevant was found in {join_names(missing)}."
        return f"{lead}; nothing relevant was found in the other {len(missing)}."
