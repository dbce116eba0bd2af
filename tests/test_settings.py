"""Settings: environment overrides and index names that track what shapes the vectors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from assistant.settings import REPO_ROOT, Settings


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("EA_INDEX_DIR", str(tmp_path / "idx"))
    monkeypatch.setenv("EA_CHUNK__MAX_TOKENS", "200")
    monkeypatch.setenv("EA_RETRIEVAL__TOP_K", "7")
    s = Settings()
    assert s.index_dir == tmp_path / "idx"
    assert s.chunk.max_tokens == 200 and s.retrieval.top_k == 7


def test_index_name_changes_with_model_and_chunking():
    base = Settings()
    assert base.index_name().startswith("all-minilm-l6-v2-")
    smaller = base.model_copy(update={"chunk": base.chunk.model_copy(update={"max_tokens": 128})})
    other_model = base.model_copy(update={"embedding": base.embedding.model_copy(update={"model": "/models/e5-small"})})
    names = {base.index_name(), smaller.index_name(), other_model.index_name()}
    assert len(names) == 3
    assert other_model.index_name().startswith("e5-small-")
    # Retrieval knobs do not change stored vectors, so they share the index.
    wider = base.model_copy(update={"retrieval": base.retrieval.model_copy(update={"top_k": 30})})
    assert wider.index_name() == base.index_name()


def test_bad_values_are_rejected_with_the_field_named(monkeypatch):
    monkeypatch.setenv("EA_CHUNK__MAX_TOKENS", "8")
    with pytest.raises(ValidationError, match="max_tokens"):
        Settings()


def test_default_model_is_the_packaged_minilm():
    model_dir = Settings().model_dir()
    assert os.path.isfile(os.path.join(model_dir, "model.safetensors"))


def test_importing_the_package_switches_libraries_offline():
    code = "import os, assistant; print(os.environ['HF_HUB_OFFLINE'], os.environ['ANONYMIZED_TELEMETRY'], os.environ['GRADIO_ANALYTICS_ENABLED'])"
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "ANONYMIZED_TELEMETRY", "GRADIO_ANALYTICS_ENABLED")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO_ROOT, check=True)
    assert out.stdout.split() == ["1", "False", "False"]
