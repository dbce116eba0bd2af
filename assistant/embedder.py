"""The sentence-transformers model: token counting for chunking, vectors for the index.

The tokenizer and the model load lazily and separately, so chunking (and its tests) never
pays for loading the network weights.
"""

from __future__ import annotations

import json
import threading
from functools import cached_property
from pathlib import Path
from typing import Callable, Sequence

import numpy as np


class ModelNotFound(RuntimeError):
    """The configured embedding model is neither a local directory nor in the local cache."""


class Embedder:
    def __init__(self, model: str, device: str = "cpu", batch_size: int = 32):
        self.model_name = model
        self.device = device
        self.batch_size = batch_size
        self._lock = threading.Lock()  # torch modules are not safe to share mid-encode

    @cached_property
    def model(self):
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(self.model_name, device=self.device)
        except OSError as exc:
            raise ModelNotFound(
                f"embedding model '{self.model_name}' is not available offline: give a local "
                "model directory in EA_EMBEDDING__MODEL, or leave it empty for the bundled "
                f"all-MiniLM-L6-v2 ({exc})"
            ) from exc

    @cached_property
    def tokenizer(self):
        if "model" in self.__dict__:
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
        return int(self.model.max_seq_length)

    @cached_property
    def special_tokens(self) -> int:
        """Tokens the tokenizer adds around every text ([CLS] and [SEP] for BERT)."""
        return len(self.tokenizer("", add_special_tokens=True)["input_ids"])

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without special tokens."""
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def embed(
        self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, computed in batches."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        # Length-sorted batches waste less padding; sentence-transformers sorts within a
        # call, so hand it large slices and report progress per slice.
        step = self.batch_size * 8
        parts = []
        for i in range(0, len(texts), step):
            with self._lock:
                parts.append(
                    self.model.encode(
                        list(texts[i : i + step]),
                        batch_size=self.batch_size,
                        normalize_embeddings=True,
                        convert_to_numpy=True,
                        show_progress_bar=False,
                    ).astype(np.float32)
                )
            if on_batch:
                on_batch(len(parts[-1]))
        return np.vstack(parts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
