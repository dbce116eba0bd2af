"""Embedding precision: checked, resolved for this machine, part of the index name."""

from __future__ import annotations

import pytest

from assistant.index import index_name
from assistant.index.precision import resolve_precision
from assistant.settings import Settings


def with_precision(s: Settings, precision: str) -> Settings:
    return s.model_copy(update={"embedding": s.embedding.model_copy(update={"precision": precision})})


def test_precision_is_part_of_the_index_name(settings: Settings) -> None:
    names = {p: index_name(with_precision(settings, p)) for p in ("float32", "bfloat16", "int8")}
    assert len(set(names.values())) == 3
    # 'auto' stores what it resolves to on this machine, so it shares that index.
    assert index_name(with_precision(settings, "auto")) == names[resolve_precision("auto")]


def test_bad_precision_is_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match="'fp8'"):
        resolve_precision("fp8")
    with pytest.raises(ValueError, match="precision"):
        Settings(embedding={"precision": "fp8"})


def test_auto_stays_float32_off_the_cpu() -> None:
    assert resolve_precision("auto", device="cuda") == "float32"
