"""The recommendation parser (ingest/recommendations.py): small hand-made reports with odd
layouts, then the bundled reports against counts made by hand, as text and HTML (PDF
renderings, slower: tests/integration/test_recommendations.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.markup import clean_span
from ingest.read_html import read_html
from ingest.read_text import read_text
from ingest.recommendations import is_lead, parse_recommendations, stated_count, timescale
from ingest.source import SourceText
from ingest.structure import ParsedReport, parse_report
from hand_counts import HAND, MADE_IN, POINTS, REVIEWS, STATED, check_rendering, parsed_blocks
from render import render_html, report_blocks

from conftest import bundled_reports

HEAD = "National Child Protection Inspection\n\n**Testshire Police\n3–14 May 2021**\n\n"


def parse(body: str, head: str = HEAD):
    source = SourceText(Path("testshire.txt"), head + body, "text")
    return parse_recommendations(parse_report(source), source.text), source.text


def texts(body: str) -> list[str]:
    return [f.text for f in parse(body)[0].found]


# -- one block at a time -----------------------------------------------------------------


def test_lead_with_points_is_one_recommendation_whole():
    got, _ = parse(
        "5. Initial contact\n\nOfficers attend quickly.\n\nRecommendation\n\n"
        "We recommend that Testshire Police acts immediately to improve its approach to online abuse, "
        "paying particular attention to:\n\n- the risk assessment process; and\n- sharing information sooner.\n\n"
        "6. Assessment and help\n\nThe MASH works well.\n"
    )
    assert len(got.found) == 1
    rec = got.found[0]
    assert rec.text.endswith("paying particular attention to:\n- the risk assessment process; and\n- sharing information sooner.")
    assert (rec.area, rec.timescale, rec.made_in) == ("Initial contact", "immediately", 2021)
    assert got.warnings == []


def test_within_six_months_the_constabulary_should_and_nested_points():
    got = texts(
        "11. Police detention\n\nCustody is busy.\n\nRecommendations\n\n"
        "- We recommend that, within six months, Testshire Police reviews detention with its partners.\n"
        "- Within six months, the constabulary should improve training for custody staff to improve;\n"
        " - the recording of information within custody logs; and\n"
        " - how to record the voices of children.\n"
    )
    assert got == [
        "We recommend that, within six months, Testshire Police reviews detention with its partners.",
        "Within six months, the constabulary should improve training for custody staff to improve;\n"
        " - the recording of information within custody logs; and\n - how to record the voices of children.",
    ]


def test_lone_bullets_and_a_lead_in_ending_with_a_colon():
    got = texts(
        "8. Decision making\n\nRecords are poor.\n\nRecommendation\n\n"
        "Within 3 months, Testshire Police should:\n-\nreview its guidance;\n-\nrecord decisions promptly.\n"
        "Testshire Police should also train its inspectors.\n"
    )
    assert got == ["Within 3 months, Testshire Police should:\n- review its guidance;\n- record decisions promptly.",
                   "Testshire Police should also train its inspectors."]


def test_prose_after_a_finished_recommendation_is_not_part_of_it():
    got = texts(
        "7. Investigation\n\nDelays are common.\n\nRecommendations\n\n"
        "We recommend that Testshire Police immediately reduces its backlog.\n\n"
        "The force accepted this at our feedback session and has begun work on it.\n"
    )
    assert got == ["We recommend that Testshire Police immediately reduces its backlog."]


def test_a_continuation_in_lower_case_or_after_a_colon_stays():
    got = texts(
        "7. Investigation\n\nDelays are common.\n\nRecommendations\n\n"
        "We recommend that Testshire Police reviews its investigations. Guidance to staff should include:\n\n"
        "what information should be recorded, and\n\nwho should record it.\n"
    )
    assert got == ["We recommend that Testshire Police reviews its investigations. Guidance to staff should include:\n"
                   "what information should be recorded, and\nwho should record it."]


def test_heading_with_nothing_parsable_under_it_warns_and_finds_none():
    got, _ = parse(
        "5. Initial contact\n\nOfficers attend quickly.\n\nRecommendations\n\n"
        "The force has a plan and we will return to it in due course.\n\n"
        "6. Assessment and help\n\nRecommendations\n\n7. Investigation\n\nDelays are common.\n"
    )
    assert got.found == []
    assert len(got.warnings) == 1
    assert "2 recommendation heading(s) with no recommendation" in got.warnings[0]
    assert "5. Initial contact > Recommendations" in got.warnings[0]


def test_a_heading_that_only_mentions_recommendations_is_not_warned_about():
    got, _ = parse("Conclusions and recommendations\n\nWe have made two recommendations to the force.\n\n"
                   "5. Initial contact\n\nFine.\n\nRecommendations\n\n"
                   "- We recommend that Testshire Police immediately reviews A.\n"
                   "- We recommend that Testshire Police immediately reviews B.\n")
    assert len(got.found) == 2 and got.warnings == []


def test_stated_count_that_differs_is_one_warning_with_both_numbers():
    body = ("Conclusion\n\nWe have made three recommendations that will help.\n\n5. Initial contact\n\nFine.\n\n"
            "Recommendations\n\n- We recommend that Testshire Police immediately reviews A.\n"
            "- We recommend that Testshire Police immediately reviews B.\n")
    got, _ = parse(body)
    assert (got.stated, len(got.found)) == (3, 2)
    assert got.warnings == ["the report says it made 3 recommendations, but 2 were parsed"]
    same, _ = parse(body.replace("three", "two"))
    assert same.warnings == []


def test_review_repeats_with_year_and_follow_up_summary_first():
    head = "Testshire – National child protection post-inspection review\n\nPublished on: 1 May 2020\n\n"
    got, _ = parse(
        "Introduction\n\nIn March 2020, we returned to the force. Our 2019 inspection made recommendations.\n\n"
        "Initial contact\n\n"
        "Initial contact: Recommendation from the report of the 2019 inspection\n\n"
        "Within three months, Testshire Police should review its control room processes.\n\n"
        "Initial contact: Summary of post-inspection review findings\n\nThe control room is better.\n\n"
        "Initial contact: Detailed post-inspection review findings\n\nCall handlers are trained\n\n"
        "Most call handlers have attended training.\n\n"
        "Investigation\n\nInvestigation: Recommendations from the report of the 2019 inspection\n\n"
        "Immediately, Testshire Police should supervise investigations.\n\n"
        "Investigation: Summary of post-inspection review findings\n\nSupervision is better.\n",
        head,
    )
    assert [(f.area, f.timescale, f.made_in) for f in got.found] == [
        ("Initial contact", "within three months", 2019), ("Investigation", "immediately", 2019)]
    first = got.found[0].follow_up
    assert [s.path[-1] for s in first] == ["Summary of post-inspection review findings", "Call handlers are trained"]
    assert [s.title for s in got.found[1].follow_up] == ["Investigation > Summary of post-inspection review findings"]


def test_recommendations_label_set_as_a_paragraph():
    got = texts("5. Initial contact\n\nOfficers attend quickly. Recommendations:\n\n"
                "We recommend that Testshire Police immediately reviews its diary appointments.\n")
    assert got == []  # a sentence that ends with "Recommendations:" is prose, not a label
    got, _ = parse("5. Initial contact\n\nOfficers attend quickly.\n\n- Recommendations\n\n"
                   "We recommend that Testshire Police immediately reviews its diary appointments.\n")
    assert got.found == []  # a list item named "Recommendations" is no label either
    # An HTML export whose label is a paragraph, not a heading:
    html = ("<html><body><main><h1>National Child Protection Inspection - Testshire Police</h1>"
            "<h2>5. Initial contact</h2><p>Officers attend quickly.</p><p>Recommendations</p>"
            "<p>We recommend that Testshire Police immediately reviews its diary appointments.</p>"
            "<h2>6. Assessment and help</h2><p>The MASH works.</p></main></body></html>")
    parsed = parse_report(read_html(Path("t.html"), html.encode()))
    source = read_html(Path("t.html"), html.encode())
    found = parse_recommendations(parsed, source.text).found
    assert [(f.text, f.area) for f in found] == [
        ("We recommend that Testshire Police immediately reviews its diary appointments.", "Initial contact")]


@pytest.mark.parametrize("body", ["", "\x00\x01\x02 binary\n" * 50, "Recommendations\n" * 300,
                                  "We recommend that " * 5000, "- \n" * 100 + "Recommendation\n-\n-\n-\n"])
def test_odd_input_never_crashes(body):
    got, _ = parse(body)
    assert isinstance(got.found, list) and all(f.text for f in got.found)


def test_timescales_and_leads():
    assert timescale("We recommend that, within 6 months, X does Y.") == "within six months"
    assert timescale("Immediately, Merseyside Police should improve.") == "immediately"
    assert timescale("We recommend that X acts immediately to improve.") == "immediately"
    assert timescale("Within three months X should:\n- act within six weeks") == "within three months"
    assert timescale("We recommend that X reviews Y.") is None
    assert is_lead("Cheshire Constabulary should immediately improve its understanding of CSE")
    assert is_lead("The force should review its policy.") and is_lead("We also recommend that X does Y.")
    assert not is_lead("This should include:") and not is_lead("Guidance to staff should include:")
    assert not is_lead("Officers should record the voice of the child.")
    assert stated_count("We made nine recommendations in the report.") == 9
    assert stated_count("We have made 11 recommendations that will help.") == 11
    assert stated_count("We made a recommendation to the Home Office.") is None
    assert stated_count("We have therefore made a series of recommendations.") is None


# -- the bundled reports, counted by hand (tests/hand_counts.py) ---------------------------


def _report(name: str) -> tuple[Path, ParsedReport, str]:
    path = next(p for p in bundled_reports() if p.name.startswith(name))
    source = read_text(path, path.read_bytes())
    return path, parse_report(source), source.text


@pytest.fixture(scope="module")
def bundled_found():
    out = {}
    for name in HAND:
        _, parsed, text = _report(name)
        out[name] = (parse_recommendations(parsed, text), text)
    return out


@pytest.mark.parametrize("name", list(HAND))
def test_every_recommendation_found_none_invented(bundled_found, name):
    got, text = bundled_found[name]
    assert [(f.area, f.timescale) for f in got.found] == HAND[name]
    assert {f.made_in for f in got.found} == {MADE_IN[name]}
    assert got.stated == STATED.get(name) and got.warnings == []
    for f in got.found:  # offsets recover the text, which starts at the lead, not its bullet
        assert clean_span(text[f.start : f.end]) == f.text and f.text[0].isupper()


def test_list_points_belong_to_their_recommendation(bundled_found):
    for name, position, points in POINTS:
        lines = bundled_found[name][0].found[position].text.split("\n")
        assert len(lines) == points + 1, (name, position, lines)
        assert all(line.lstrip().startswith("- ") for line in lines[1:])


@pytest.mark.parametrize("name", REVIEWS)
def test_every_review_recommendation_has_its_findings_summary_first(bundled_found, name):
    for f in bundled_found[name][0].found:
        assert f.follow_up, f.text[:60]
        assert all(s.area == f.area and not s.is_recommendation for s in f.follow_up)
        assert "findings" in f.follow_up[0].title.lower()
        summary = [s for s in f.follow_up if "summary" in s.title.lower()]
        assert f.follow_up[: len(summary)] == summary  # Lancashire's decision-making has no summary: none first


def test_inspections_have_no_follow_up(bundled_found):
    assert all(not f.follow_up for name in ("cambridgeshire", "staffordshire") for f in bundled_found[name][0].found)


@pytest.mark.parametrize("name", list(HAND))
def test_html_rendering_gives_the_same_recommendations(tmp_path, name):
    _, parsed, _ = _report(name)
    title, blocks = parsed_blocks(parsed)
    page = tmp_path / f"{name}.html"
    page.write_text(render_html(title, blocks), encoding="utf-8")
    check_rendering(name, read_html(page, page.read_bytes()))


@pytest.mark.parametrize("name", list(HAND))
def test_a_cruder_web_page_still_gives_every_recommendation(tmp_path, name):
    """tests/render.report_blocks guesses headings from the text alone: 'Recommendations' becomes a
    paragraph, list items can become headings, levels are shuffled. Counts still hold."""
    path = next(p for p in bundled_reports() if p.name.startswith(name))
    page = tmp_path / f"{name}.html"
    page.write_text(render_html(name, report_blocks(path, limit=10**6)), encoding="utf-8")
    source = read_html(page, page.read_bytes())
    got = parse_recommendations(parse_report(source), source.text)
    assert [(f.area, f.timescale) for f in got.found] == HAND[name]
