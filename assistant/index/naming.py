"""The index's name: the embedding model plus a hash of everything that shapes the stored
vectors, so changing the model, chunking or precision builds a new index instead of
reusing a stale one."""

from __future__ import annotations

import hashlib
import json

from assistant.index.precision import resolve_precision
from assistant.settings import CHUNKER_VERSION, PACKAGED_MODEL, Settings


def embedding_precision(settings: Settings) -> str:
    """The precision the embedder runs at, with 'auto' resolved for this machine (read from
    its record: cheap, no model loaded, once measured)."""
    return resolve_precision(settings.embedding.precision, settings.embedding.device, settings)


def index_name(settings: Settings) -> str:
    """Collection name suffix: the model plus a hash of what shapes the stored vectors."""
    shape = {
        "model": settings.embedding.model or PACKAGED_MODEL,
        "chunk": settings.chunk.model_dump(),
        "chunker": CHUNKER_VERSION,
    }
    precision = embedding_precision(settings)
    if precision != "float32":  # float32 indexes keep their older names, bfloat16 and int8 theirs
        shape["precision"] = precision
    digest = hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()
    return f"{settings.model_label()}-{digest[:10]}"
