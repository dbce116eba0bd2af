"""Answers to "what was recommended, and what changed?" composed from the recommendation tracker.

For each recommendation the question matches (assistant/retrieve/recommended.py): the
recommendation whole, its list points included, cited to its own span; then what the later
review found on its area (its summary first, then the detailed findings that best match the
question), each sentence verbatim and cited. An inspection's recommendation with no later
review in the collection says so in a system-written note, and quotes the inspection's own
findings that best match the question instead. The coverage ledger lists every report of
each force in scope and whether the answer drew on it.

Only the extractive mode is composed here: in LLM mode the same passages reach the model,
the tracker's first (the search brings them forward).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Callable

from assistant.answer.extractive import SentencePicker
from assistant.answer.quotes import Citations
from assistant.index.tracker import Tracker
from assistant.records import (Answer, AnswerSentence, CoverageEntry, Mode, Passage, Query, Recommendation, ReportInfo,
                               Role)
from assistant.retrieve.recommended import ASKING, RecommendationMatcher
from assistant.settings import RecommendationSettings, Settings
from assistant.text import join_names, sentences, terms


def from_tracker(query: Query, passages: list[Passage], matcher: RecommendationMatcher | None,
                 picker: SentencePicker, settings: Settings, mode: Mode) -> Answer | None:
    """The tracker's answer to a question about recommendations, or None when the question is
    not about them (or no recommendation matches it): the usual answer is given then."""
    if mode != "extractive" or matcher is None or not query.about_recommendations:
        return None
    forces = list(query.filters.forces or query.named)
    if forces and _COUNTS.search(query.asked or query.text):  # "how many recommendations did X make?"
        recs = matcher.tracker().select(query.filters.with_forces(forces))
        if recs:
            return Composer(query, passages, matcher.tracker(), picker, settings.recommendations,
                            matcher.context).count(recs)
    matched = matcher.match(query)
    if not matched:
        return None
    return Composer(query, passages, matcher.tracker(), picker, settings.recommendations,
                    matcher.context).compose([rec for rec, _ in matched])


_COUNTS = re.compile(r"\bhow many (?:\w+ )?recommendations\b|\bnumber of recommendations\b", re.I)


def _label(info: ReportInfo | None, report_type: str) -> str:
    """'post-inspection review (2023)'."""
    return f"{report_type} ({info.year})" if info and info.year else report_type


class Composer:
    def __init__(self, query: Query, passages: list[Passage], tracker: Tracker, picker: SentencePicker,
                 cfg: RecommendationSettings, context: Callable[[Recommendation], list[Passage]]):
        self.query, self.passages, self.tracker, self.picker, self.cfg = query, passages, tracker, picker, cfg
        self.context = context  # a recommendation's related passages (RecommendationMatcher.context)
        self.cite = Citations()
        self.citations = self.cite.passages
        self.lines: list[str] = []
        self.sentences: list[AnswerSentence] = []
        self.reports = {r.doc_id: r for r in tracker.reports}

    def say(self, text: str, force: str | None, role: Role, p: Passage | None = None) -> None:
        """One answer line: quoted (and cited) when it comes from a passage, else system-written."""
        if p is None:
            self.lines.append(text)
            self.sentences.append(AnswerSentence(text, (), force, role))
            return
        n = self.cite(p)
        shown = text[2:] if text.startswith("- ") else text
        self.lines.append(f"- {shown} [{n}]")
        self.sentences.append(AnswerSentence(text, (n,), force, role))

    def compose(self, matched: list[Recommendation]) -> Answer:
        forces = list(OrderedDict.fromkeys(r.force for r in matched))
        self.say(f"Recommendations to {join_names(forces)} on this, and what followed:", None, "lead")
        self.lines.append("")
        for k, rec in enumerate(matched):
            self.recommendation(rec)
            # Recommendations on one area share the review's findings: said once, after the last.
            following = matched[k + 1] if k + 1 < len(matched) else None
            if following is None or not rec.follow_up or \
                    [p.id for p in following.follow_up] != [p.id for p in rec.follow_up]:
                self.follow_up(rec)
                self.lines.append("")
        return Answer(
            question=self.query.text, text="\n".join(self.lines).strip(), citations=self.citations,
            abstained=False, mode="extractive", forces=list(OrderedDict.fromkeys(p.force for p in self.citations)),
            passages=self.passages, sentences=self.sentences, coverage=self.coverage(forces),
        )

    def count(self, recs: list[Recommendation]) -> Answer:
        """How many recommendations each report in scope makes (and how many it says it made),
        then each one whole: counts are the tracker's, every recommendation is cited."""
        by_report: OrderedDict[str, list[Recommendation]] = OrderedDict()
        for rec in recs:
            by_report.setdefault(rec.passage.doc_id, []).append(rec)
        parts = []
        for doc_id, own in by_report.items():
            info = self.reports.get(doc_id)
            said = info.stated_recommendations if info else None
            n = f"{len(own)} recommendation{'s' * (len(own) != 1)}"
            earlier = sorted({r.made_in for r in own if r.made_in and (not info or r.made_in != info.year)})
            does = (f"repeats {n} of the {join_names([str(y) for y in earlier])} inspection" if earlier
                    else f"makes {n}")
            stated = "" if said is None else (", as the report states" if said == len(own) else
                                               f" (the report says {said})")
            parts.append(f"the {own[0].force} {_label(info, own[0].report_type)} {does}{stated}")
        lead = "; ".join(parts)
        self.say(f"{lead[0].upper()}{lead[1:]}.", None, "lead")
        self.lines.append("")
        for rec in recs:
            self.recommendation(rec)
            self.lines.append("")
        forces = list(OrderedDict.fromkeys(r.force for r in recs))
        return Answer(
            question=self.query.text, text="\n".join(self.lines).strip(), citations=self.citations,
            abstained=False, mode="extractive", forces=forces, passages=self.passages, sentences=self.sentences,
            coverage=self.coverage(forces),
        )

    def recommendation(self, rec: Recommendation) -> None:
        """The recommendation whole: its lead and every list point, each line cited to its span."""
        info = self.reports.get(rec.passage.doc_id)
        made = f"made in the {rec.made_in} inspection" if rec.made_in else "made"
        if rec.report_type != "inspection":
            made += f"; repeated in the {_label(info, rec.report_type)}"
        facts = " · ".join(x for x in (made, rec.area, rec.timescale or "no timescale stated") if x)
        self.lines.append(f"**{rec.force}** — {facts}")
        n = self.cite(rec.passage)
        for k, line in enumerate(rec.text.split("\n")):
            shown = line.strip()
            shown = shown[2:] if shown.startswith("- ") else shown
            self.lines.append(f"{'    ' if k else ''}- {shown} [{n}]")
        self.sentences.append(AnswerSentence(rec.text, (n,), rec.force, "recommendation"))

    def follow_up(self, rec: Recommendation) -> None:
        # What the question asks about, and what the recommendation is about.
        words = set(self.query.terms) | set(terms(rec.text))
        if rec.follow_up:
            review = self.reports.get(rec.follow_up[0].doc_id)
            self.lines.append(f"What the {_label(review, rec.follow_up[0].report_type)} found:")
            summary = rec.review_summary
            for p, text in self._summary(summary, words):
                self.say(text, rec.force, "follow_up", p)
            summary_ids = {p.id for p in summary}
            detail = [p for p in rec.follow_up if p.id not in summary_ids]
            for s in self.picker.pick(set(self.query.terms) - ASKING, detail, self.cfg.detail_sentences, 1):
                self.say(s.text, rec.force, "follow_up", s.passage)
            return
        reviews = [r for r in self.tracker.later_reviews(rec) if r.doc_id != rec.passage.doc_id]
        if reviews:
            titles = join_names([r.report_title for r in reviews])
            self.say(f"The later review in the collection ({titles}) reports nothing on {rec.area}.", rec.force, "note")
        else:
            self.say(f"The collection holds no later review of {rec.force} that reports on this recommendation.",
                     rec.force, "note")
        found = [p for p in self.context(rec) if not p.is_recommendation]  # the chapter that made it
        picked = self.picker.pick(set(self.query.terms), found, self.cfg.detail_sentences, 1)
        if picked:
            self.lines.append("What the inspection found:")
        for s in sorted(picked, key=lambda s: (s.passage.start, s.order)):
            self.say(s.text, rec.force, "finding", s.passage)

    def _summary(self, summary: list[Passage], words: set[str]) -> list[tuple[Passage, str]]:
        """The review summary's sentences in reading order: all when few, else those that best
        match the question."""
        every = [(p, s) for p in summary for s in sentences(p.text) if len(s.split()) >= 3]
        limit = self.cfg.summary_sentences
        # A review's summary of an area answers several recommendations: first its sentences on
        # what the question asks ("missing children"), not its news on the area's other ones.
        asked = set(self.query.terms) - ASKING
        on_question = [(p, s) for p, s in every if asked & set(terms(s))]
        if on_question:
            return on_question[:limit]
        if len(every) <= limit:
            return every
        keep = {(s.passage.id, s.text) for s in self.picker.pick(words, summary, limit, limit)}
        chosen = [(p, s) for p, s in every if (p.id, s) in keep]
        return chosen or every[:limit]

    def coverage(self, forces: list[str]) -> list[CoverageEntry]:
        """Every report of each force in scope, and whether the answer drew on it."""
        # The forces filtered to or named, else every force (the planner's scope): none is dropped silently.
        scope = list(self.query.filters.forces or self.query.named or self.query.scope or forces)
        used: dict[str, int] = {}
        for p in self.citations:
            used[p.doc_id] = used.get(p.doc_id, 0) + 1
        return [
            CoverageEntry(r.force, r.report_title, r.report_type, r.published, r.inspected, r.doc_id in used,
                          used.get(r.doc_id, 0), r.doc_id)
            for force in scope for r in self.tracker.reports_of(force)
        ]
