"""The recommendation tracker: every recommendation the index's reports make, as records.

Ingest parses them (ingest/recommendations.py) and the store keeps them in a side
collection keyed by report, written and removed with the report's passages. A stored row
holds the recommendation's own span as text and the ids of its chunks and follow-up
passages; `Tracker` turns rows back into `Recommendation` records over one corpus snapshot
(the passages resolved by id) and answers "which recommendations, for which forces".

An inspection's recommendation has no follow-up of its own; when the collection also holds
a later review of the same force that repeats recommendations made in that inspection's
year, the review's findings on the same area are attached to it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, fields, replace
from typing import Iterable

from assistant.records import Filters, Passage, Recommendation, ReportInfo

log = logging.getLogger(__name__)

_PASSAGE_FIELDS = [f.name for f in fields(Passage) if f.name != "score"]
REVIEW_TYPES = ("post-inspection review", "re-inspection")


def encode(rec: Recommendation) -> tuple[dict, str]:
    """(Chroma metadata, document) of one recommendation: filterable fields as metadata,
    the rest as JSON with passages by id."""
    passage = {k: v for k, v in asdict(rec.passage).items() if k != "score"}
    body = {"text": rec.text, "timescale": rec.timescale, "made_in": rec.made_in, "area": rec.area,
            "passage": passage, "chunks": [p.id for p in rec.chunks], "follow_up": [p.id for p in rec.follow_up]}
    meta = {"doc_id": rec.passage.doc_id, "force": rec.force, "area": rec.area, "report_type": rec.report_type,
            "made_in": -1 if rec.made_in is None else rec.made_in}
    return meta, json.dumps(body, ensure_ascii=False)


def decode(rec_id: str, document: str, by_id: dict[str, Passage]) -> Recommendation:
    """A stored row back as a record; passages it names that the corpus lacks are skipped."""
    body = json.loads(document)
    passage = Passage(**{k: body["passage"].get(k) for k in _PASSAGE_FIELDS})
    found = lambda ids: [by_id[i] for i in ids if i in by_id]  # noqa: E731
    return Recommendation(
        id=rec_id, force=passage.force, report_title=passage.report_title, report_type=passage.report_type,
        published=passage.published, inspected=passage.inspected, made_in=body["made_in"], area=body["area"],
        text=body["text"], timescale=body["timescale"], passage=passage, follow_up=found(body["follow_up"]),
        chunks=found(body["chunks"]),
    )


def _number(rec: Recommendation) -> int:
    tail = rec.id.rsplit("-rec", 1)[-1]
    return int(tail) if tail.isdigit() else 0


class Tracker:
    """The recommendations of one snapshot of the index, in report and reading order."""

    def __init__(self, recommendations: Iterable[Recommendation], reports: Iterable[ReportInfo]):
        self.reports = sorted(reports, key=lambda r: (r.force, r.year or 0, r.report_title))
        self.items = sorted(recommendations, key=lambda r: (r.force, r.made_in or 0, r.passage.source, _number(r)))
        self._link_reviews()
        self.areas = sorted({r.area for r in self.items})
        stale = [r.source for r in self.reports if r.recommendations is None]
        if stale:
            log.warning("%d report(s) were ingested before recommendations were parsed (%s): run `python -m "
                        "ingest` to parse them", len(stale), ", ".join(stale[:3]) + (", ..." if len(stale) > 3 else ""))

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str]], passages: Iterable[Passage],
                  reports: Iterable[ReportInfo]) -> Tracker:
        """From the store's (id, document) rows, resolving passages against a corpus."""
        by_id = {p.id: p for p in passages}
        return cls((decode(rid, doc, by_id) for rid, doc in rows), reports)

    def _link_reviews(self) -> None:
        """Give an inspection's recommendations the findings of a later review of the same
        force on the same area, when the review repeats that year's recommendations."""
        reviewed: dict[tuple[str, int | None, str], list[Passage]] = {}
        for r in self.items:
            if r.report_type in REVIEW_TYPES and r.follow_up:
                reviewed.setdefault((r.force, r.made_in, r.area), r.follow_up)
        for i, r in enumerate(self.items):
            if r.report_type not in REVIEW_TYPES and not r.follow_up:
                later = reviewed.get((r.force, r.made_in, r.area))
                if later:
                    self.items[i] = replace(r, follow_up=list(later))

    def select(self, filters: Filters = Filters()) -> list[Recommendation]:
        """Recommendations within the filters (canonical names); `years` bounds `made_in`."""
        forces = {f.lower() for f in filters.forces}
        types = {t.lower() for t in filters.report_types}
        areas = {a.lower() for a in filters.areas}
        out = []
        for r in self.items:
            if forces and r.force.lower() not in forces:
                continue
            if types and r.report_type.lower() not in types:
                continue
            if areas and r.area.lower() not in areas:
                continue
            if filters.years and not (r.made_in is not None and filters.years[0] <= r.made_in <= filters.years[1]):
                continue
            out.append(r)
        return out

    def later_reviews(self, rec: Recommendation) -> list[ReportInfo]:
        """Reviews of the recommendation's force in the collection that come after the report
        that made it (by fieldwork year)."""
        made = rec.made_in or 0
        return [r for r in self.reports if r.force == rec.force and r.report_type in REVIEW_TYPES
                and (r.year or 0) > made]

    def reports_of(self, force: str) -> list[ReportInfo]:
        return [r for r in self.reports if r.force == force]


# -- the tracker as a table (CSV export, app, command line) ------------------------------

TABLE_HEADER = ["force", "report", "report type", "made in", "area", "timescale", "recommendation",
                "what the review found", "review", "source"]


def review_found(rec: Recommendation) -> str:
    """The review's summary of its findings on the recommendation's area ('' when none)."""
    return "\n".join(p.text for p in rec.review_summary)


def table_row(rec: Recommendation) -> list[object]:
    review = rec.follow_up[0].report_title if rec.follow_up else ""
    source = f"{rec.passage.source}:{rec.passage.start}-{rec.passage.end}"
    return [rec.force, rec.report_title, rec.report_type, rec.made_in or "", rec.area, rec.timescale or "",
            rec.text, review_found(rec), review, source]
