"""Embedding precision: checked, 'auto' read from the per-machine record (never measured
when one exists), part of the index name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import assistant.index.calibrate as calibrate_module
from assistant.index import index_name
from assistant.index.precision import RECORD_FORMAT, fallback, read_record, resolve_precision
from assistant.settings import Settings


def machine(tmp_path: Path, **embedding) -> Settings:
    return Settings(machine_cache_dir=tmp_path / "machine", embedding=embedding)


def record(settings: Settings, choice: str, **extra) -> dict:
    data = {"format": RECORD_FORMAT, "choice": choice, "model": settings.model_dir(), "candidates": {
        "float32": {"pieces_per_s": 100.0, "accepted": True},
        "bfloat16": {"pieces_per_s": 180.0, "accepted": True},
        "int8": {"pieces_per_s": 250.0, "accepted": False},
        "onnx-int8": {"pieces_per_s": 300.0, "accepted": True}}, **extra}
    path = settings.choice_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return data


@pytest.fixture
def no_measuring(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("measured although a record exists")
    monkeypatch.setattr(calibrate_module, "calibrate", refuse)


def test_auto_reads_the_recorded_choice_without_measuring(tmp_path, no_measuring) -> None:
    s = machine(tmp_path)
    record(s, "bfloat16")
    assert resolve_precision("auto", "cpu", s) == "bfloat16"
    assert s.choice_file().parent == tmp_path / "machine"  # per machine, not per index


def test_explicit_precision_ignores_the_record(tmp_path, no_measuring) -> None:
    s = machine(tmp_path)
    record(s, "bfloat16")
    assert resolve_precision("float32", "cpu", s) == "float32"
    assert resolve_precision("onnx-int8", "cpu", s) == "onnx-int8"


def test_missing_or_foreign_record_means_measuring(tmp_path, monkeypatch) -> None:
    s = machine(tmp_path)
    measured = []

    def fake(settings, **kwargs):
        measured.append(settings.choice_file())
        return {"choice": "float32"}

    monkeypatch.setattr(calibrate_module, "calibrate", fake)
    assert read_record(s) is None and resolve_precision("auto", "cpu", s) == "float32"
    record(s, "bfloat16", model="/elsewhere/another-model")  # recorded for another model: not ours
    assert read_record(s) is None and resolve_precision("auto", "cpu", s) == "float32"
    s.choice_file().write_text("{not json")
    assert read_record(s) is None
    assert len(measured) == 2


def test_recorded_onnx_without_onnxruntime_falls_back_to_the_best_torch(tmp_path, monkeypatch, no_measuring) -> None:
    s = machine(tmp_path, onnx_dir=tmp_path / "no-export")
    data = record(s, "onnx-int8")
    import assistant.index.precision as precision

    monkeypatch.setattr(precision, "onnx_unavailable", lambda settings: "onnxruntime is not installed")
    assert resolve_precision("auto", "cpu", s) == "bfloat16" == fallback(data)  # int8 was not accepted


def test_precision_is_part_of_the_index_name(tmp_path, no_measuring) -> None:
    s = machine(tmp_path)
    names = {p: index_name(s.model_copy(update={"embedding": s.embedding.model_copy(update={"precision": p})}))
             for p in ("float32", "bfloat16", "int8", "onnx-int8")}
    assert len(set(names.values())) == 4
    record(s, "onnx-int8")
    assert index_name(s) == names["onnx-int8"]  # 'auto' shares the index of what it resolves to


def test_float32_and_bfloat16_index_names_are_unchanged() -> None:
    # Names indexes made before the measured choice have: they must still be found (they change
    # only with CHUNKER_VERSION, which rebuilds every index: 2 = case studies bounded).
    s = Settings()
    pin = lambda p: s.model_copy(update={"embedding": s.embedding.model_copy(update={"precision": p})})  # noqa: E731
    assert index_name(pin("float32")) == "all-minilm-l6-v2-9b1545c129"
    assert index_name(pin("bfloat16")) == "all-minilm-l6-v2-562b8a8dd2"


def test_bad_precision_is_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match="'fp8'"):
        resolve_precision("fp8")
    with pytest.raises(ValueError, match="precision"):
        Settings(embedding={"precision": "fp8"})


def test_auto_stays_float32_off_the_cpu(no_measuring) -> None:
    assert resolve_precision("auto", device="cuda") == "float32"


def test_calibration_texts_are_chunk_sized() -> None:
    texts = calibrate_module.texts()
    words = [len(t.split()) for t in texts]
    assert len(texts) >= 16 and min(words) >= 30 and max(words) >= 190
