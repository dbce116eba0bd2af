"""Report metadata (force, type, dates) parsed from the bundled reports' text."""

from __future__ import annotations


import pytest

from ingest.read_text import read_text
from ingest.structure import parse_report

from conftest import EXPECTED_META, REPORT_IDS, bundled_report

@pytest.mark.parametrize("name", REPORT_IDS)
def test_report_metadata_is_parsed(name):
    path = bundled_report(name)
    meta = parse_report(read_text(path, path.read_bytes())).meta
    assert (meta.force, meta.report_type, meta.inspected, meta.published, meta.year) == EXPECTED_META[name]
    assert meta.force in meta.report_title
