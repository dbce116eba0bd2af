"""The int8 ONNX backend and the measured 'auto' choice: exported from the local weights,
vectors close to float32's and independent of their batch, recorded with its figures."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from assistant.errors import ModelNotFound
from assistant.index import Embedder, PassageStore, index_name
from assistant.index.calibrate import calibrate, texts
from assistant.index.onnx_backend import QUANTISED, OnnxUnavailable, export
from assistant.settings import Settings

pytest.importorskip("onnx", reason="the onnx extra is not installed (scripts/setup installs it)")
pytestmark = pytest.mark.slow  # exports and loads models

TEXTS = texts()[:8] + ["Appropriate adults", "Cheshire | Initial contact\nOfficers spoke to the children."]


@pytest.fixture(scope="module")
def onnx_embedder(settings: Settings) -> Embedder:
    return Embedder.from_settings(settings, "onnx-int8")  # exported on first use if setup did not


def test_onnx_vectors_are_unit_float32_close_to_float32(onnx_embedder, settings) -> None:
    full = Embedder.from_settings(settings, "float32").embed(TEXTS)
    int8 = onnx_embedder.embed(TEXTS)
    assert int8.dtype == np.float32 and int8.shape == full.shape
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
    cosines = (full * int8).sum(axis=1)
    assert cosines.min() >= settings.embedding.auto_min_cosine, cosines
    assert (full[0] * int8[1]).sum() < 0.98  # another text's vector is far off: the check can fail


def test_onnx_vector_does_not_depend_on_the_batch(onnx_embedder) -> None:
    together = onnx_embedder.embed(TEXTS)
    alone = np.vstack([onnx_embedder.embed([t]) for t in TEXTS])
    assert ((together * alone).sum(axis=1)).min() > 0.99999


def test_export_writes_only_the_quantised_model(settings, tmp_path) -> None:
    path = export(settings.model_dir(), tmp_path / "onnx")
    assert path.name == QUANTISED and sorted(p.name for p in path.parent.iterdir()) == ["export.json", QUANTISED]
    assert path.stat().st_size < 40 * 2**20  # int8: a quarter of the float32 weights


def test_export_of_an_unsupported_model_says_why(tmp_path) -> None:
    (tmp_path / "model").mkdir()
    with pytest.raises(OnnxUnavailable, match="not a local sentence-transformers model"):
        export(str(tmp_path / "model"), tmp_path / "onnx")
    s = Settings(machine_cache_dir=tmp_path / "machine", embedding={"model": str(tmp_path / "model"),
                                                                     "precision": "onnx-int8"})
    with pytest.raises(ModelNotFound, match="onnx-int8 cannot run here"):
        Embedder.from_settings(s).embed(["x"])


def test_calibration_records_the_fastest_close_backend(settings, tmp_path) -> None:
    s = settings.model_copy(update={"machine_cache_dir": tmp_path / "machine",
                                    "embedding": settings.embedding.model_copy(update={"onnx_dir": None})})
    record = calibrate(s, rounds=1)
    assert json.loads(s.choice_file().read_text()) == record
    c = record["candidates"]
    assert set(c) | set(record["unavailable"]) == {"float32", "bfloat16", "int8", "onnx-int8"}
    assert c["float32"]["cosine_min"] > 0.9999 and c["float32"]["accepted"]
    assert c["int8"]["cosine_min"] < s.embedding.auto_min_cosine and not c["int8"]["accepted"]  # torch int8: too far
    chosen = c[record["choice"]]
    assert chosen["accepted"] and all(chosen["pieces_per_s"] >= v["pieces_per_s"] for v in c.values() if v["accepted"])
    assert record["word_pieces"] > 2000 and record["machine"]["flags"]
    assert Embedder.from_settings(s).precision == record["choice"]  # read, not measured again
    assert calibrate(s) == record  # a record exists: returned as is


def test_store_says_where_another_precisions_index_is(settings, tmp_path, caplog, bundled) -> None:
    s = settings.model_copy(update={"index_dir": tmp_path / "index", "machine_cache_dir": tmp_path / "machine"})
    pin = lambda p: s.model_copy(update={"embedding": s.embedding.model_copy(update={"precision": p})})  # noqa: E731
    info = bundled.store.reports()[0]
    PassageStore(pin("bfloat16")).replace_report(info, *bundled.store.fetch(where={"doc_id": info.doc_id}))
    s.choice_file().parent.mkdir(parents=True)
    s.choice_file().write_text(json.dumps({"format": 1, "choice": "float32", "model": s.model_dir(),
                                           "candidates": {}, "unavailable": {}}))
    store = PassageStore(s)  # 'auto' = float32 here: its index is empty, the bfloat16 one is not
    assert store.name == index_name(pin("float32")) and store.count() == 0
    assert store.other_precisions() == [("bfloat16", info.chunks)]
    with caplog.at_level(logging.WARNING):
        store.say_where_other_precisions_are()  # what an ingest does first
    assert "a bfloat16 index with" in caplog.text and "EA_EMBEDDING__PRECISION=bfloat16" in caplog.text
