"""Prompt templates live as plain text in the repo's `prompts/` directory, so they can be
reviewed and edited without touching code."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.settings import REPO_ROOT

PROMPTS_DIR = REPO_ROOT / "prompts"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@lru_cache(maxsize=None)
def load_prompt(name: str) -> str:
    """The template `prompts/<name>.txt` (the `.txt` may be given or left off)."""
    path = PROMPTS_DIR / (name if name.endswith(".txt") else f"{name}.txt")
    if not path.is_file():
        raise FileNotFoundError(f"prompt template {path} is missing")
    return path.read_text(encoding="utf-8")


def fill(template: str, **values: str) -> str:
    """Replace `{name}` placeholders in one pass.

    Not `str.format`: one pass means a question or passage that itself contains
    "{passages}" is never expanded, and stray braces in a template do not raise.
    """
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), template)
