"""Embedding precision: part of the index name, and bfloat16 vectors stay close to float32."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embedder import Embedder, resolve_precision
from assistant.settings import Settings

TEXTS = [
    "Cheshire | Initial contact\nOfficers did not always speak to children at the scene.",
    "Registered sex offenders were visited less often than the policy requires.",
    "Appropriate adults",
]


def with_precision(s: Settings, precision: str) -> Settings:
    return s.model_copy(update={"embedding": s.embedding.model_copy(update={"precision": precision})})


def test_precision_is_part_of_the_index_name(settings: Settings) -> None:
    names = {p: with_precision(settings, p).index_name() for p in ("float32", "bfloat16", "int8")}
    assert len(set(names.values())) == 3
    # 'auto' stores what it resolves to on this machine, so it shares that index.
    assert with_precision(settings, "auto").index_name() == names[resolve_precision("auto")]


def test_bad_precision_is_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match="'fp8'"):
        resolve_precision("fp8")
    with pytest.raises(ValueError, match="precision"):
        Settings(embedding={"precision": "fp8"})


def test_auto_stays_float32_off_the_cpu() -> None:
    assert resolve_precision("auto", device="cuda") == "float32"


def test_bfloat16_vectors_are_unit_float32_and_close_to_float32(settings: Settings) -> None:
    full = Embedder(settings.model_dir(), precision="float32").embed(TEXTS)
    half = Embedder(settings.model_dir(), precision="bfloat16").embed(TEXTS)
    assert half.dtype == np.float32 and half.shape == full.shape
    assert np.allclose(np.linalg.norm(half, axis=1), 1.0, atol=1e-5)
    cosines = (full * half).sum(axis=1)
    assert cosines.min() > 0.999, cosines


def test_embed_keeps_input_order_when_sorting_by_length(embedder: Embedder) -> None:
    together = embedder.embed(TEXTS)
    alone = np.vstack([embedder.embed([t]) for t in TEXTS])
    assert np.allclose(together, alone, atol=2e-3)
