"""Settings: environment overrides, index names that track what shapes the vectors, server URLs."""

from __future__ import annotations

import os
import re

import pytest
from pydantic import ValidationError

from assistant.index import index_name
from assistant.settings import Settings


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("EA_INDEX_DIR", str(tmp_path / "idx"))
    monkeypatch.setenv("EA_CHUNK__MAX_TOKENS", "200")
    monkeypatch.setenv("EA_RETRIEVAL__TOP_K", "7")
    s = Settings()
    assert s.index_dir == tmp_path / "idx"
    assert s.chunk.max_tokens == 200 and s.retrieval.top_k == 7


def test_index_name_changes_with_model_and_chunking():
    base = Settings()
    assert index_name(base).startswith("all-minilm-l6-v2-")
    smaller = base.model_copy(update={"chunk": base.chunk.model_copy(update={"max_tokens": 128})})
    other_model = base.model_copy(update={"embedding": base.embedding.model_copy(update={"model": "/models/e5-small"})})
    names = {index_name(base), index_name(smaller), index_name(other_model)}
    assert len(names) == 3
    assert index_name(other_model).startswith("e5-small-")
    # Retrieval knobs do not change stored vectors, so they share the index.
    wider = base.model_copy(update={"retrieval": base.retrieval.model_copy(update={"top_k": 30})})
    assert index_name(wider) == index_name(base)


def test_bad_values_are_rejected_with_the_field_named(monkeypatch):
    monkeypatch.setenv("EA_CHUNK__MAX_TOKENS", "8")
    with pytest.raises(ValidationError, match="max_tokens"):
        Settings()


def test_default_model_is_the_packaged_minilm():
    model_dir = Settings().model_dir()
    assert os.path.isfile(os.path.join(model_dir, "model.safetensors"))


def test_server_settings_take_a_url_or_host_and_port(settings):
    assert settings.model_validate({"chroma_url": "http://10.0.0.5:8001"}).chroma_server() == ("10.0.0.5", 8001, False)
    assert settings.model_validate({"chroma_url": "https://chroma.example"}).chroma_server() == ("chroma.example", 443, True)
    assert settings.model_validate({"chroma_host": "10.0.0.5"}).chroma_server() == ("10.0.0.5", 8000, False)
    assert settings.model_validate({}).chroma_server() is None
    for bad in ("10.0.0.5:8000", "ftp://host:1", "http://host:99999", "http://host:8000/api"):
        with pytest.raises(ValueError, match=re.escape(repr(bad))):
            settings.model_validate({"chroma_url": bad})
    with pytest.raises(ValueError, match="either chroma_url"):
        settings.model_validate({"chroma_url": "http://a:1", "chroma_host": "b"})
