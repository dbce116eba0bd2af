"""Test helpers (not tests): the recommendations of the bundled reports, counted by hand
by reading each file, and how a rendering of a report is checked against them."""

from __future__ import annotations

from ingest.markup import clean_span
from ingest.recommendations import parse_recommendations
from ingest.structure import ParsedReport, parse_report

IMM, S3, S6 = "immediately", "within three months", "within six months"
IC, AH, INV, DM, MAN, PD, LEAD = ("Initial contact", "Assessment and help", "Investigation", "Decision making",
                                  "Managing those who pose a risk", "Police detention", "Leadership")
# (area, timescale) of every recommendation, in reading order, counted by reading each file.
HAND = {
    "cambridgeshire": [(IC, S6), (IC, IMM), (IC, S6), (AH, S6), (AH, S6), (INV, IMM), (DM, S6), (MAN, IMM),
                       (PD, S6), (PD, S6), (PD, S6)],
    "staffordshire": [(LEAD, IMM), (LEAD, IMM), (LEAD, IMM), (IC, IMM), (IC, IMM), (IC, S6), (AH, S3), (AH, S3),
                      (AH, S6), (INV, IMM), (INV, S3), (INV, S3), (DM, S3), (MAN, IMM), (PD, S3)],
    "cheshire": [(IC, S3), (AH, IMM), (AH, IMM), (AH, S3), (INV, IMM), (DM, S3), (MAN, IMM), (PD, IMM), (PD, S3)],
    "lancashire": [(LEAD, S3), (IC, S3), (IC, S3), (AH, S3), (AH, S3), (AH, S6), (INV, IMM), (INV, S3), (DM, S3),
                   (PD, S3)],
    "merseyside": [(IC, S3), (AH, IMM), (INV, S3), (DM, S3), (MAN, S3), (PD, S6)],
}
STATED = {"cambridgeshire": 11, "cheshire": 9}  # "We have made 11 ...", "We made nine ..."; others give none
MADE_IN = {"cambridgeshire": 2021, "staffordshire": 2021, "cheshire": 2022, "lancashire": 2017, "merseyside": 2018}
# List points of some recommendations, counted by hand: (report, position, points).
POINTS = [("cambridgeshire", 5, 3), ("cambridgeshire", 6, 2), ("cambridgeshire", 10, 3), ("staffordshire", 3, 6),
          ("staffordshire", 10, 7), ("cheshire", 4, 4), ("cheshire", 6, 3), ("cheshire", 7, 3),
          ("lancashire", 1, 2), ("lancashire", 5, 2), ("merseyside", 4, 3), ("merseyside", 5, 4)]
REVIEWS = ("cheshire", "lancashire", "merseyside")


def parsed_blocks(parsed: ParsedReport) -> tuple[str, list]:
    """The parsed report rendered faithfully: each heading at its depth, body as paragraphs and bullets."""
    front = [ln.text for ln in parsed.lines if ln.kind == "front"]
    blocks: list = [("para", line) for line in front[1:]]
    previous: tuple[str, ...] = ()
    for section in parsed.sections:
        common = 0
        while common < min(len(previous), len(section.path)) and previous[common] == section.path[common]:
            common += 1
        blocks += [("heading", depth + 2, section.path[depth]) for depth in range(common, len(section.path))]
        previous = section.path
        for line in clean_span("\n".join(ln.raw for ln in section.lines)).split("\n"):
            blocks.append(("bullet", line.lstrip()[2:]) if line.lstrip().startswith("- ") else ("para", line))
    return front[0], [("heading", 1, front[0])] + blocks


def check_rendering(name: str, source) -> None:
    """A rendering of a bundled report gives the hand-counted recommendations, points and follow-ups."""
    got = parse_recommendations(parse_report(source), source.text)
    assert [(f.area, f.timescale) for f in got.found] == HAND[name]
    assert {f.made_in for f in got.found} == {MADE_IN[name]}
    assert got.warnings == []
    assert all(bool(f.follow_up) == (name in REVIEWS) for f in got.found)
    for (report, position, points) in POINTS:
        if report == name:
            assert len(got.found[position].text.split("\n")) == points + 1
