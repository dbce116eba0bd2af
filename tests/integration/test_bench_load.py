"""The load test at tiny size: `python app.py` started on a free port, concurrent clients,
every reply well-formed, the app stopped afterwards."""

from __future__ import annotations

import pytest

import shutil
from pathlib import Path

from eval.bench.load import run

pytestmark = pytest.mark.slow  # subprocesses, servers, kills: seconds per test


def test_app_answers_concurrent_clients_without_errors(bundled, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(bundled.settings.index_dir, index)  # the app process gets its own copy
    log = tmp_path / "app.log"

    result = run(index, clients=4, per_client=2, time_limit=120, startup_timeout=300, log=log)

    assert result.errors == 0, result.error_samples
    assert result.requests == 8
    assert {e: f["n"] for e, f in result.latency_ms.items()} == {"/ask": 4, "/search": 4}
    assert all(0 < f["p50"] <= f["p95"] for f in result.latency_ms.values())
    assert result.startup_seconds > 0 and result.throughput_rps > 0
    assert result.app_peak_rss_mb and result.app_peak_rss_mb > 100  # a real process with a model loaded
