"""Embedding precision: part of the index name, and bfloat16 vectors stay close to float32."""

from __future__ import annotations

import numpy as np

from assistant.index import Embedder
from assistant.settings import Settings

TEXTS = [
    "Cheshire | Initial contact\nOfficers did not always speak to children at the scene.",
    "Registered sex offenders were visited less often than the policy requires.",
    "Appropriate adults",
]


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
