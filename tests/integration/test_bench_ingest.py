"""Smoke test of the ingest benchmark on a one-report corpus."""

from __future__ import annotations

import pytest

import json
import shutil
from pathlib import Path

from assistant.settings import REPO_ROOT
from assistant.index.precision import onnx_unavailable
from eval.bench.ingest import main

pytestmark = pytest.mark.slow  # subprocesses, servers, kills: seconds per test

REPORT = REPO_ROOT / "data" / "reports" / "merseyside-2019-post-inspection-review.txt"


def test_bench_ingest_one_file(tmp_path: Path, embedder, make_assistant, settings) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPORT, corpus / REPORT.name)
    out = tmp_path / "bench.json"

    main([str(corpus), "--json", str(out)], embedder=embedder)

    result = json.loads(out.read_text())
    pipelines = result["pipelines"]
    assert {"ours", "llama_index", "llama_index_fit"} <= set(pipelines)
    assert ("ours_float32" in pipelines) == (embedder.precision != "float32")
    onnx_row = embedder.precision != "onnx-int8" and onnx_unavailable(settings) is None
    assert ("ours_onnx-int8" in pipelines) == onnx_row
    assert set(result["ratios_over_llama_fit"]) == {n for n in pipelines if n.startswith("ours")}
    window = embedder.max_tokens - embedder.special_tokens
    for figures in pipelines.values():
        assert figures["files"] == 1
        assert figures["chunks"] > 0 and figures["seconds"] > 0 and figures["report_chars_per_s"] > 0
        assert 0 < figures["embedded_chars"] <= figures["chars"]
        # Word pieces the model saw: at most a full window per chunk.
        assert 0 < figures["embedded_pieces"] <= figures["chunks"] * window
    # Same files, so the same report text on every side; llama-index embeds only part of it.
    assert len({f["report_chars"] for f in pipelines.values()}) == 1
    assert pipelines["llama_index"]["embedded_chars"] < pipelines["llama_index"]["report_chars"]
    # ...unless its chunks fit the window: then (almost) every character is embedded.
    fit = pipelines["llama_index_fit"]
    assert fit["embedded_chars"] > 0.9 * fit["chars"] and fit["chunks"] > pipelines["llama_index"]["chunks"]
    assert set(result["ratio_ours_over_llama_fit"]) >= {"seconds", "report_chars_per_s"}
    assert set(result["ratio_ours_over_llama"]) >= {"seconds", "report_chars_per_s", "chunks_per_s",
                                                    "embedded_pieces_per_s"}

    expected = make_assistant(tmp_path / "check-index").ingest([corpus / REPORT.name])
    assert pipelines["ours"]["chunks"] == expected.chunks_embedded
