"""The recommendation tracker end to end: stored with each report, `a.recommendations()`,
the count warning at ingest, answers and search for "what was recommended, what changed",
the command line and the app's table; PDF renderings of the bundled reports."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

import app as app_module
from assistant import Assistant
from assistant import __main__ as cli
from assistant.errors import InvalidRequest
from eval.gold import DEFAULT_GOLD, normalize
from eval.metrics import citation_support
from ingest.__main__ import print_summary
from ingest.markup import clean_span
from ingest.read_pdf import read_pdf
from ingest.read_text import read_text
from ingest.structure import parse_report
from hand_counts import HAND, check_rendering, parsed_blocks
from render import render_pdf

from conftest import bundled_reports

# Counted by hand (tests/unit/test_recommendations.py has area and timescale of each).
COUNTS = {"Cambridgeshire": 11, "Cheshire": 9, "Lancashire": 10, "Merseyside": 6, "Staffordshire": 15}
REVIEWED = ("Cheshire", "Lancashire", "Merseyside")

TESTSHIRE = """National Child Protection Inspection

**Testshire Police
3–14 May 2021**

5. Initial contact

Officers attend incidents quickly and speak to children in most cases.

Recommendations

- We recommend that, within six months, Testshire Police improves how it records children's views <script>window.pwned = 1</script> at incidents.
- We recommend that Testshire Police immediately reviews its control room \x1b]0;pwned\x07processes, paying particular attention to:
 - how calls are graded; and
 - how supervisors check them.

6. Assessment and help

Referrals to children's social care are timely.

Recommendations

The force has started work on this and we will return to it.

Conclusion

We have made three recommendations that will help improve outcomes for children.
"""
TESTSHIRE_REVIEW = """Testshire – National child protection post-inspection review

Published on: 1 June 2022

Introduction

In May 2022, we returned to Testshire Police. Our 2021 inspection made recommendations.

Initial contact

Initial contact: Recommendations from the 2021 inspection report

We recommend that, within six months, Testshire Police improves how it records children's views at incidents.

Initial contact: Summary of post-inspection review findings

Officers now record the views of children at most incidents they attend.

Initial contact: Detailed post-inspection review findings

Officers record children's views

In the incidents we audited, officers recorded what children told them about their concerns.
"""


@pytest.fixture(scope="module")
def recs(bundled):
    return bundled.recommendations()


# -- the records ---------------------------------------------------------------------------


def test_every_bundled_recommendation_is_tracked(bundled, recs):
    assert {f: sum(r.force == f for r in recs) for f in COUNTS} == COUNTS
    assert {r.force: (r.recommendations, r.stated_recommendations) for r in bundled.reports()} == {
        "Cambridgeshire": (11, 11), "Cheshire": (9, 9), "Lancashire": (10, None), "Merseyside": (6, None),
        "Staffordshire": (15, None)}
    assert len({r.id for r in recs}) == len(recs)


def test_passages_span_the_whole_recommendation_and_follow_ups_are_stored_chunks(bundled, recs):
    stored = {p.id: p for p in bundled.passages()}
    sources: dict[str, str] = {}
    for r in recs:
        p = r.passage
        text = sources.setdefault(p.source, read_text(Path(p.source), Path(p.source).read_bytes()).text)
        assert clean_span(text[p.start : p.end]) == p.text == r.text
        assert p.id == r.id and p.is_recommendation and p.area == r.area and p.force == r.force
        assert r.chunks and all(stored[c.id] == c for c in r.chunks)  # the stored chunks it runs over
        assert r.chunks[0].start <= p.start and r.chunks[-1].end >= p.end
        assert all(stored[f.id] == f for f in r.follow_up)
        if r.force in REVIEWED:
            assert r.follow_up and r.review_summary and all(f.area == r.area for f in r.follow_up)
            assert "summary" in r.follow_up[0].section.lower() or r.force == "Lancashire"
        else:
            assert r.follow_up == []


def test_whole_text_keeps_the_points_after_paying_particular_attention(recs):
    rso = next(r for r in recs if r.force == "Cheshire" and r.area == "Managing those who pose a risk")
    assert rso.text.split("\n") == [
        "We recommend that Cheshire Constabulary immediately improves the way it manages registered sex "
        "offenders, paying particular attention to:",
        "- how it records information on local and national systems;",
        "- ensuring its risk management processes are clearer and bespoke to individual registered sex offenders; and",
        "- risk assessments on home visits, and officer attendance comply with approved professional practice.",
    ]
    assert (rso.timescale, rso.made_in, rso.report_type) == ("immediately", 2022, "post-inspection review")


def test_filters_follow_the_usual_conventions(bundled, recs):
    assert len(bundled.recommendations(forces=["cheshire", "MERSEYSIDE"])) == 15
    detention = bundled.recommendations(areas="police detention")
    assert {r.area for r in detention} == {"Police detention"} and len(detention) == 3 + 2 + 1 + 1 + 1
    assert len(bundled.recommendations(report_types="inspection")) == 26
    assert {r.force for r in bundled.recommendations(years=(2017, 2018))} == {"Lancashire", "Merseyside"}
    assert bundled.recommendations(forces="Cheshire", years=2017) == []
    for kwargs, message in (({"forces": "Atlantis"}, "unknown forces"), ({"areas": "Atlantis"}, "unknown areas"),
                            ({"report_types": "novel"}, "unknown report types"), ({"years": [1, 2, 3]}, "years")):
        with pytest.raises(InvalidRequest, match=message):
            bundled.recommendations(**kwargs)


# -- ingest: stored, replaced and removed with the report; warnings ---------------------------


def test_tracked_with_their_report_and_warned_about(make_assistant, tmp_path, capsys):
    folder = tmp_path / "reports"
    folder.mkdir()
    report = folder / "testshire-2021.txt"
    report.write_text(TESTSHIRE, encoding="utf-8")
    a = make_assistant()
    result = a.ingest([folder])
    assert result.ok and [w[0] for w in result.warnings] == [str(report), str(report)]
    stated, empty = sorted(result.warnings, key=lambda w: "says" not in w[1])
    assert stated[1] == "the report says it made 3 recommendations, but 2 were parsed"
    assert "6. Assessment and help > Recommendations" in empty[1]
    print_summary(result, Console(file=io.StringIO()))
    err = capsys.readouterr().err.splitlines()
    assert sum("says it made 3 recommendations, but 2 were parsed" in line for line in err) == 1
    assert all(line.startswith("warning: ") and str(report) in line for line in err)
    got = a.recommendations()
    assert [(r.area, r.timescale, len(r.text.split("\n"))) for r in got] == [
        ("Initial contact", "within six months", 1), ("Initial contact", "immediately", 3)]

    # A later review of the same force and year lends its findings to the inspection's recommendation.
    (folder / "testshire-2022-review.txt").write_text(TESTSHIRE_REVIEW, encoding="utf-8")
    assert a.ingest([folder]).warnings == []
    by_type = {(r.report_type, r.timescale): r for r in a.recommendations()}
    review = by_type[("post-inspection review", "within six months")]
    assert review.made_in == 2021 and review.follow_up
    assert by_type[("inspection", "within six months")].follow_up == review.follow_up
    assert by_type[("inspection", "immediately")].follow_up == review.follow_up  # same area: the same findings

    # Replaced with the report: one recommendation fewer; removed with it.
    report.write_text(TESTSHIRE.replace("- We recommend that, within six months", "- The force said, within six months"),
                      encoding="utf-8")
    a.ingest([folder])
    assert len(a.recommendations(report_types="inspection")) == 1
    report.unlink()
    a.ingest([folder], prune=True)
    assert [r.report_type for r in a.recommendations()] == ["post-inspection review"]
    assert a.store.recs.count() == 1


def test_reports_ingested_before_the_tracker_are_parsed_again(make_assistant, corpus):
    a = make_assistant()
    a.ingest([corpus])
    info = a.store.reports()[0]
    meta = a.store.registry.get(ids=[info.doc_id], include=["metadatas"])["metadatas"][0]
    a.store.registry.delete(ids=[info.doc_id])  # its entry as an index built before the tracker wrote it
    a.store.registry.add(ids=[info.doc_id], metadatas=[{k: v for k, v in meta.items() if "recommendations" not in k}],
                         embeddings=[[1.0]])
    assert next(r for r in a.store.reports() if r.doc_id == info.doc_id).recommendations is None
    a.store.recs.delete(where={"doc_id": info.doc_id})
    again = a.ingest([corpus])
    assert [r.source for r in again.added] == [info.source] and len(again.unchanged) == 1
    assert {r.force for r in a.recommendations()} == {"Cheshire", "Merseyside"}


# -- search and answers ---------------------------------------------------------------------


def test_search_brings_the_recommendation_and_the_review_summary_first(bundled, recs):
    question = "What did inspectors recommend on Cheshire's management of registered sex offenders, and what changed?"
    top = bundled.search(question, k=5)
    rso = next(r for r in recs if r.force == "Cheshire" and r.area == "Managing those who pose a risk")
    assert [p.id for p in top[: len(rso.chunks) + len(rso.review_summary)]] == \
        [p.id for p in rso.chunks + rso.review_summary]
    assert len(top) == 5 and all(a.score >= b.score for a, b in zip(top, top[1:]))
    plain = bundled.search("registered sex offenders in Cheshire", k=5)  # not about recommendations: as before
    assert plain == bundled.pipeline.retriever.search(bundled.query("registered sex offenders in Cheshire", k=5))


def test_answer_shows_the_recommendation_whole_then_the_review_cited(bundled, recs):
    answer = bundled.ask("Cheshire was told to improve how it manages registered sex offenders - what changed by 2023?")
    rso = next(r for r in recs if r.force == "Cheshire" and r.area == "Managing those who pose a risk")
    roles = [s.role for s in answer.sentences]
    assert roles[:2] == ["lead", "recommendation"] and "follow_up" in roles and not answer.abstained
    assert not answer.sentences[0].citations and answer.sentences[0].force is None  # system-written
    first = answer.sentences[1]
    assert first.text == rso.text and answer.citations[first.citations[0] - 1].id == rso.id
    for line in rso.text.split("\n"):  # every list point shown, after "paying particular attention to:"
        assert line.strip().removeprefix("- ") in answer.text
    follow = [s for s in answer.sentences if s.role == "follow_up"]
    for s in follow:
        cited = answer.citations[s.citations[0] - 1]
        assert cited.id in {p.id for p in rso.follow_up} and s.text.removeprefix("- ") in cited.text
    assert citation_support(answer.text, [normalize(c.text) for c in answer.citations]) == 1.0
    assert [(c.force, c.found) for c in answer.coverage] == [("Cheshire", True)]


def test_no_later_review_is_said_not_hidden(bundled):
    answer = bundled.ask("What did inspectors recommend about Cambridgeshire's diary appointments for domestic abuse?")
    notes = [s for s in answer.sentences if s.role == "note"]
    assert answer.sentences[1].role == "recommendation" and "diary appointment" in answer.sentences[1].text
    assert len(notes) == 1 and "no later review of Cambridgeshire" in notes[0].text and not notes[0].citations
    assert citation_support(answer.text, [normalize(c.text) for c in answer.citations]) == 1.0


def test_questions_not_about_recommendations_are_answered_as_before(bundled):
    answer = bundled.ask("How many children were detained in Lancashire custody in May 2018?")
    assert not any(s.role in ("recommendation", "follow_up") for s in answer.sentences)
    assert answer.citations and not answer.abstained


def test_how_many_is_answered_with_the_count_then_each_recommendation_whole(bundled, recs):
    answer = bundled.ask("How many recommendations did the Cambridgeshire inspection make?")
    own = [r for r in recs if r.force == "Cambridgeshire"]
    assert answer.text.startswith(f"The Cambridgeshire inspection (2021) makes {len(own)} recommendations, "
                                  "as the report states.")
    assert [s.text for s in answer.sentences if s.role == "recommendation"] == [r.text for r in own]
    review = bundled.ask("How many recommendations were made to Merseyside?")
    assert review.text.startswith("The Merseyside post-inspection review (2019) repeats 6 recommendations of the "
                                  "2018 inspection")


def test_across_forces_one_recommendation_each_and_a_ledger(bundled):
    answer = bundled.ask("What recommendations were made about children who go missing, and what changed?")
    forces = [s.force for s in answer.sentences if s.role == "recommendation"]
    assert len(forces) == len(set(forces)) >= 4
    assert {c.force for c in answer.coverage} == set(COUNTS)
    assert citation_support(answer.text, [normalize(c.text) for c in answer.citations]) == 1.0


# -- command line and app --------------------------------------------------------------------


@pytest.fixture
def hostile(make_assistant, tmp_path) -> Assistant:
    path = tmp_path / "testshire.txt"
    path.write_text(TESTSHIRE, encoding="utf-8")
    a = make_assistant()
    assert a.ingest([path]).ok
    return a


def _cli(monkeypatch, capsys, a: Assistant, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(Assistant, "open", classmethod(lambda cls, *_, **__: a))
    code = cli.main(["recommendations", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_lists_json_and_csv(monkeypatch, capsys, bundled, recs):
    code, out, _ = _cli(monkeypatch, capsys, bundled, "--force", "Merseyside", "--json")
    got = json.loads(out)
    assert code == 0 and [r["id"] for r in got] == [r.id for r in recs if r.force == "Merseyside"]
    assert all(r["follow_up"] and r["passage"]["text"] == r["text"] for r in got)
    code, out, _ = _cli(monkeypatch, capsys, bundled, "--area", "Investigation", "--csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:7] == ["force", "report", "report type", "made in", "area", "timescale", "recommendation"]
    assert len(rows) - 1 == len([r for r in recs if r.area == "Investigation"]) and code == 0
    code, out, _ = _cli(monkeypatch, capsys, bundled, "--force", "Lancashire")
    assert code == 0 and out.rstrip().endswith("10 recommendation(s).") and "made in 2017" in out
    code, _, err = _cli(monkeypatch, capsys, bundled, "--force", "Atlantis")
    assert code == 2 and err.startswith("error: unknown forces") and "Traceback" not in err


def test_cli_output_is_printable(monkeypatch, capsys, hostile):
    for args in ((), ("--json",), ("--csv",)):
        code, out, _ = _cli(monkeypatch, capsys, hostile, *args)
        assert code == 0 and "\x1b" not in out and "\x07" not in out and "processes" in out
    rows = list(csv.reader(io.StringIO(_cli(monkeypatch, capsys, hostile, "--csv")[1])))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_app_tab_handler_returns_escaped_rows(hostile, tmp_path):
    s = hostile.settings.model_copy(update={"app": hostile.settings.app.model_copy(update={"export_dir": tmp_path})})
    handler = app_module.App(Assistant(s, hostile.store, hostile.embedder))
    html, status, export = handler.recommendations_table(None, None, None, None, None)
    assert html.count('<tr class="rec"') == 2 and status == "2 recommendations."
    assert "<script>" not in html and "&lt;script&gt;window.pwned" in html
    assert html.count("<details>") == 2 and "No later review in the collection." in html
    table = list(csv.reader(io.StringIO(Path(export["value"]).read_text(encoding="utf-8"))))
    assert len(table) == 3 and table[1][0] == "Testshire"
    html, status, export = handler.recommendations_table(["Testshire"], ["Initial contact"], None, 2000, 2001)
    assert '<tr class="rec"' not in html and status.startswith("No recommendation") and export["value"] is None
    html, status, export = handler.recommendations_table(None, ["Atlantis"], None, None, None)
    assert html == "" and "unknown areas" in status and export["value"] is None  # one line, no error badge


# -- PDF renderings of the bundled reports (HTML: tests/unit/test_recommendations.py) -----------


@pytest.mark.slow
@pytest.mark.parametrize("name", list(HAND))
def test_pdf_rendering_gives_the_same_recommendations(tmp_path, name):
    path = next(p for p in bundled_reports() if p.name.startswith(name))
    parsed = parse_report(read_text(path, path.read_bytes()))
    pdf = render_pdf(parsed_blocks(parsed)[1], tmp_path / f"{name}.pdf")
    check_rendering(name, read_pdf(pdf, pdf.read_bytes()))


# -- the eval section ------------------------------------------------------------------------


def test_eval_has_a_recommendations_section(bundled, tmp_path):
    from eval.__main__ import main

    lines = [line for line in DEFAULT_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    picked = [line for line in lines if json.loads(line)["type"] == "recommendation"][:2]
    picked.append(next(line for line in lines if json.loads(line)["type"] == "factual"))
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(picked) + "\n", encoding="utf-8")
    results = main(["--gold", str(gold), "--out", str(tmp_path / "out"), "--no-baselines", "--fast"],
                   assistant=bundled)
    sec = results["recommendations"]
    assert {r["force"]: (r["parsed"], r["stated"], r["agrees"]) for r in sec["reports"]}["Cheshire"] == (9, 9, True)
    assert sec["summary"]["recommendations_tracked"] == sum(COUNTS.values())
    assert sec["summary"]["reports_stating_a_count"] == sec["summary"]["counts_agreeing"] == 2
    assert [q["id"] for q in sec["questions"]] == [json.loads(p)["id"] for p in picked[:2]]
    assert all(q["whole_recommendation"] == 1.0 and q["citation_support"] == 1.0 for q in sec["questions"])
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "## Recommendations" in report and "| Cheshire | post-inspection review | 9 | 9 | yes |" in report


def test_across_forces_only_forces_with_a_matching_recommendation_are_quoted(bundled):
    answer = bundled.ask("What recommendations were made about diary appointments for domestic abuse callers?")
    assert {s.force for s in answer.sentences if s.role == "recommendation"} == {"Cambridgeshire"}
    ledger = {c.force: c.found for c in answer.coverage}
    assert ledger == {f: f == "Cambridgeshire" for f in COUNTS}  # the other forces are listed, not dropped
