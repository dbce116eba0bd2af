"""Report metadata (force, type, dates) parsed from the bundled reports' text."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.read_text import read_text
from ingest.structure import parse_report

from conftest import bundled_reports

# What a reader of each report finds on its first page (the test's own reading, not code's).
EXPECTED = {
    "cambridgeshire": ("Cambridgeshire", "inspection", "2021-07", "2021-12", 2021),
    "cheshire": ("Cheshire", "post-inspection review", "2023-01", None, 2023),
    "lancashire": ("Lancashire", "post-inspection review", "2018-12", "2022-10-24", 2018),
    "merseyside": ("Merseyside", "post-inspection review", "2019-04", "2022-09-22", 2019),
    "staffordshire": ("Staffordshire", "inspection", "2021-09", "2022-04", 2021),
}
REPORT_IDS = [p.name.split("-")[0] for p in bundled_reports()]


def _report(name: str) -> Path:
    return next(p for p in bundled_reports() if p.name.startswith(name))


@pytest.mark.parametrize("name", REPORT_IDS)
def test_report_metadata_is_parsed(name):
    path = _report(name)
    meta = parse_report(read_text(path, path.read_bytes())).meta
    assert (meta.force, meta.report_type, meta.inspected, meta.published, meta.year) == EXPECTED[name]
    assert meta.force in meta.report_title
