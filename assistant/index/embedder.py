"""The sentence-transformers model: token counting for chunking, vectors for the index.

The tokenizer and the model load lazily and separately, so chunking (and its tests) never
pays for loading the network weights. The model runs in torch (float32, bfloat16 or int8)
or in ONNX Runtime at int8 (assistant/index/onnx_backend.py), as `embedding.precision`
says ('auto': measured per machine, assistant/index/precision.py); vectors always come out
as unit-length float32.
"""

from __future__ import annotations

import json
import threading
import warnings
from functools import cached_property
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from assistant.errors import ModelNotFound
from assistant.index.precision import resolve_precision
from assistant.settings import Settings


def _settings_for(model: str) -> Settings:
    """The environment's settings, with `model` as the embedding model (for the per-machine
    precision record and ONNX export of an Embedder made without settings)."""
    from assistant.settings import get_settings

    settings = get_settings()
    if settings.model_dir() == model:
        return settings
    return settings.model_copy(update={"embedding": settings.embedding.model_copy(update={"model": model})})


class Embedder:
    def __init__(self, model: str, device: str = "cpu", batch_size: int = 32, precision: str = "auto",
                 onnx_dir: Path | None = None, settings: Settings | None = None):
        self.model_name = model
        self.device = device
        self.batch_size = batch_size
        settings = settings or _settings_for(model)
        self.precision = resolve_precision(precision, device, settings)
        self.onnx_dir = onnx_dir or settings.onnx_dir()
        self._lock = threading.Lock()  # torch modules are not safe to share mid-encode

    @classmethod
    def from_settings(cls, settings: Settings, precision: str | None = None) -> Embedder:
        """The embedder the settings describe (model, device, batch size, precision)."""
        e = settings.embedding
        return cls(settings.model_dir(), e.device, e.batch_size, precision or e.precision, settings.onnx_dir(),
                   settings)

    @cached_property
    def model(self):
        if self.precision == "onnx-int8":
            from assistant.index.onnx_backend import OnnxEncoder, OnnxUnavailable

            try:
                return OnnxEncoder(self.model_name, self.onnx_dir, lambda: self.tokenizer, lambda: self.max_tokens)
            except OnnxUnavailable as exc:
                raise ModelNotFound(f"embedding precision onnx-int8 cannot run here: {exc}. Set "
                                    "EA_EMBEDDING__PRECISION to auto or float32 to use torch.") from exc
        from sentence_transformers import SentenceTransformer

        try:
            model = SentenceTransformer(self.model_name, device=self.device)
        except OSError as exc:
            raise ModelNotFound(
                f"embedding model '{self.model_name}' is not available offline: give a local "
                "model directory in EA_EMBEDDING__MODEL, or leave it empty for the bundled "
                f"all-MiniLM-L6-v2 ({exc})"
            ) from exc
        return self._set_precision(model)

    def _set_precision(self, model):
        import torch

        if self.precision == "bfloat16":
            return model.to(torch.bfloat16)
        if self.precision == "int8":
            with warnings.catch_warnings():  # torch marks eager quantisation deprecated; it still works
                warnings.simplefilter("ignore")
                return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        return model

    @cached_property
    def tokenizer(self):
        if "model" in self.__dict__ and self.precision != "onnx-int8":
            return self.model.tokenizer
        from transformers import AutoTokenizer

        try:
            return AutoTokenizer.from_pretrained(self.model_name)
        except OSError:
            return self.model.tokenizer

    @cached_property
    def max_tokens(self) -> int:
        """The model's maximum sequence length, special tokens included."""
        config = Path(self.model_name) / "sentence_bert_config.json"
        if config.is_file():
            return int(json.loads(config.read_text())["max_seq_length"])
        if self.precision == "onnx-int8":
            return int(self.tokenizer.model_max_length)
        return int(self.model.max_seq_length)

    @cached_property
    def special_tokens(self) -> int:
        """Tokens the tokenizer adds around every text ([CLS] and [SEP] for BERT)."""
        with self._lock:
            return len(self.tokenizer("", add_special_tokens=True)["input_ids"])

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without special tokens."""
        if not texts:
            return []
        # Under the encode lock: once the model is loaded this is its own tokenizer, and
        # each call resets its padding/truncation, so counts and a concurrent encode (an
        # upload while users ask) would corrupt each other.
        with self._lock:
            # verbose=False: counting a text longer than the model's window (an LLM prompt) is
            # not an error, so no "sequence length is longer" warning on the user's terminal.
            encoded = self.tokenizer(list(texts), add_special_tokens=False, verbose=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def embed(
        self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, computed in batches."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        # Sort all texts by length once, so every batch pads to about its own length (the
        # model sorts only within a call, and we call it per slice to report progress).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        step = self.batch_size * 8
        parts = []
        for i in range(0, len(order), step):
            with self._lock:
                parts.append(self._encode([texts[j] for j in order[i : i + step]]))
            if on_batch:
                on_batch(len(parts[-1]))
        sorted_vectors = np.vstack(parts)
        vectors = np.empty_like(sorted_vectors)
        vectors[order] = sorted_vectors
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Raw (unnormalised) float32 vectors; the caller holds the lock."""
        if self.precision == "onnx-int8":
            return self.model.encode(texts)  # one text per run (see OnnxEncoder)
        part = self.model.encode(texts, batch_size=self.batch_size, convert_to_tensor=True, show_progress_bar=False)
        return part.float().cpu().numpy()  # bf16 -> float32 before normalising

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
