"""The Recommendations tab's views and the tracker's table: escaped HTML, rows that open their
passages, CSV safe for spreadsheets."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

from assistant.index.tracker import TABLE_HEADER, Tracker, decode, encode, review_found
from assistant.records import Filters, Passage, Recommendation, ReportInfo
from ui import views

HOSTILE = 'We recommend that Testshire Police <script>alert("x")</script> immediately =HYPERLINK("x") reviews:\n- its <b>policy</b>'


def _passage(pid: str, text: str, section: str, report_type: str = "post-inspection review") -> Passage:
    return Passage(id=pid, text=text, force="Testshire", report_title="Testshire review", report_type=report_type,
                   published=None, inspected="2023-01", year=2023, section=section, area="Initial contact",
                   is_case_study=False, is_recommendation=False, source="t.txt", start=0, end=len(text), doc_id="d1",
                   chunk_index=0)


CHUNK = _passage("d1-00001", HOSTILE + "\n- and more", "Initial contact > Recommendations from the 2022 inspection")
SUMMARY = _passage("d1-00002", "Call handlers <i>now</i> grade calls well.", "Initial contact > Summary of findings")
DETAIL = _passage("d1-00003", "Most calls were graded correctly.", "Initial contact > Detailed findings > Grading")
REC = Recommendation(
    id="d1-rec001", force="Testshire", report_title="Testshire review", report_type="post-inspection review",
    published=None, inspected="2023-01", made_in=2022, area="Initial contact", text=HOSTILE, timescale="immediately",
    passage=replace(CHUNK, id="d1-rec001", text=HOSTILE, is_recommendation=True), follow_up=[SUMMARY, DETAIL],
    chunks=[CHUNK],
)


def test_table_is_escaped_and_each_row_opens_its_passages():
    html = views.recommendations_html([REC, replace(REC, id="d1-rec002", follow_up=[])])
    assert html.count('<tr class="rec"') == 2 and html.count("<details>") == 2
    assert "<script>" not in html and "<b>policy" not in html and "<i>now" not in html
    assert "&lt;script&gt;" in html and "Most calls were graded correctly." in html
    assert "No later review in the collection." in html  # the second row
    assert html.index("Call handlers") < html.index("Most calls")  # summary first


def test_csv_quotes_what_a_spreadsheet_would_run():
    rows = list(csv.reader(io.StringIO(views.recommendations_csv([REC]))))
    assert rows[0] == TABLE_HEADER and len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert row["made in"] == "2022" and row["timescale"] == "immediately"
    assert row["what the review found"] == review_found(REC) == SUMMARY.text
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in rows[1])


def test_stored_rows_decode_to_the_same_record_and_reviews_lend_findings():
    meta, doc = encode(REC)
    assert meta == {"doc_id": "d1", "force": "Testshire", "area": "Initial contact",
                    "report_type": "post-inspection review", "made_in": 2022}
    by_id = {p.id: p for p in (CHUNK, SUMMARY, DETAIL)}
    assert decode(REC.id, doc, by_id) == REC
    assert decode(REC.id, doc, {}).follow_up == []  # passages the corpus lacks are left out, not invented
    inspection = replace(REC, id="d0-rec001", report_type="inspection", follow_up=[],
                         passage=replace(REC.passage, id="d0-rec001", doc_id="d0", report_type="inspection"))
    info = ReportInfo("Testshire", "Testshire review", "post-inspection review", None, "2023-01", 2023,
                      doc_id="d1", source="t.txt", sha256="x", format="text", chunks=3, recommendations=1)
    tracker = Tracker([REC, inspection], [info])
    linked = next(r for r in tracker.items if r.id == "d0-rec001")
    assert linked.follow_up == [SUMMARY, DETAIL]
    assert tracker.select(Filters.build(years=2021)) == []
    assert len(tracker.select(Filters.build(forces="testshire", areas="initial contact", years=2022))) == 2
    assert [r.doc_id for r in tracker.later_reviews(inspection)] == ["d1"]
