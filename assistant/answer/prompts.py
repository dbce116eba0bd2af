"""The LLM prompt: templates from the repo's `prompts/` directory (reviewed and edited without
touching code), the passages as delimited data, trimmed to a token budget.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

from assistant.records import Passage
from assistant.settings import REPO_ROOT
from assistant.text import report_label

PROMPTS_DIR = REPO_ROOT / "prompts"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A report's footnote reference glued to the word or stop before it ("Model[3] would"). In
# the prompt it would read like one of our passage numbers, so it is left out there.
FOOTNOTE = re.compile(r"(?<=[\w.,;:!?’”\"')])\[\d+\]")

Counter = Callable[[Sequence[str]], list[int]]


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


def approx_tokens(texts: Sequence[str]) -> list[int]:
    """Tokens without a tokenizer: one per 4 characters. Qwen2.5 averaged 4.75 characters a
    token on the shared prompts, so this errs on the side of a shorter prompt."""
    return [math.ceil(len(t) / 4) for t in texts]


def _attr(value: object) -> str:
    return re.sub(r'["<>\n]', " ", str(value or ""))


def _data(text: str) -> str:
    # No angle brackets at all inside the data block, so a report cannot close it or
    # forge a new <passage> (or any other tag) whatever spelling it uses.
    return text.replace("<", "‹").replace(">", "›")


def passage_block(n: int, p: Passage) -> str:
    label = report_label(p.report_type, p.inspected, p.published)
    return (f'<passage id="{n}" force="{_attr(p.force)}" report="{_attr(label)}" '
            f'section="{_attr(p.section)}">\n{_data(FOOTNOTE.sub("", p.text))}\n</passage>')


def format_passages(passages: list[Passage]) -> str:
    return "\n\n".join(passage_block(n, p) for n, p in enumerate(passages, 1))


def build_messages(question: str, passages: list[Passage]) -> tuple[str, str]:
    """The system and user prompts for a question and its passages."""
    user = fill(load_prompt("answer_user"), question=_data(question), passages=format_passages(passages))
    return load_prompt("answer_system"), user


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str
    passages: list[Passage]  # the ones in the prompt, numbered 1..n there: a prefix of those given
    tokens: int  # as counted
    left_out: int  # passages that did not fit the budget


def fit_prompt(question: str, passages: list[Passage], budget: int, count: Counter = approx_tokens) -> Prompt:
    """The prompt with as many passages as fit `budget` tokens, best first (the best one always)."""
    system, empty = build_messages(question, [])
    # Counted piece by piece: each piece stays within the tokenizer's window (no warning),
    # and the sum is within a few tokens of counting the joined prompt.
    fixed = sum(count([system, empty]))
    sizes = count([passage_block(n, p) for n, p in enumerate(passages, 1)])
    used, kept = fixed, 0
    for size in sizes:
        if kept and used + size > budget:
            break
        used, kept = used + size, kept + 1
    system, user = build_messages(question, passages[:kept])
    return Prompt(system, user, passages[:kept], used, len(passages) - kept)
