"""Gold evaluation set: loader, validation and text normalisation.

The gold set (``gold.jsonl``) is hand-written from the HMICFRS report exports in
``data/reports``. Each line is one question with the evidence quotes a good
answer must rest on. Quotes are compared with report text via ``normalize`` so
that markdown/typography differences in the exports do not break matching.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.text import footnote_marks

DEFAULT_GOLD = Path(__file__).with_name("gold.jsonl")

QUESTION_TYPES: tuple[str, ...] = (
    "comparative", "factual", "case_study", "recommendation", "unanswerable",
)
MIN_QUOTE_WORDS, MAX_QUOTE_WORDS = 8, 25

# Field name -> expected JSON type. Order matters only for error messages.
_FIELDS: dict[str, type] = {
    "id": str,
    "type": str,
    "question": str,
    "relevant_forces": list,
    "evidence": list,
    "answer_facts": list,
    "reference_answer": str,
}
# Optional fields: a follow-up question carries the conversation's earlier questions,
# oldest first, as `Assistant.ask(question, history=...)` takes them.
_OPTIONAL: dict[str, type] = {"history": list}

# Markdown links in the exports look like "[text](#)"; keep only the text.
_LINK = re.compile(r"\[([^\]]*)\]\([^)\s]*\)")
# Backslash escapes such as "\(" produced by the markdown exporter.
_ESCAPE = re.compile(r"\\([^\w\s])")
# Only tag-like things ("<i>", "</i>"), so a literal "<" in prose survives.
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
# Typography folding: curly quotes, dashes (incl. the non-breaking hyphen used
# in the Cheshire export), non-breaking spaces and bullets.
_TYPOGRAPHY = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
    "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-",
    "\u00a0": " ", "\u202f": " ", "\u2022": " ",
})


def normalize(text: str) -> str:
    """Fold markup and typography so quotes can be matched against reports."""
    text = footnote_marks(text)  # answers show the reports' "[5]" markers as "⁵"
    text = _LINK.sub(r"\1", text)  # before unescaping: link text holds "\("
    text = _ESCAPE.sub(r"\1", text)
    text = _TAG.sub("", text)
    # Bold/italic markers; the exports never use "*" or "__" literally.
    text = text.replace("**", "").replace("__", "").replace("*", "")
    text = text.translate(_TYPOGRAPHY)
    return " ".join(text.split()).lower()


@dataclass(frozen=True)
class Evidence:
    force: str
    quote: str


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    type: str
    question: str
    relevant_forces: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    answer_facts: tuple[str, ...]
    reference_answer: str
    history: tuple[str, ...] = ()  # earlier questions of the conversation, oldest first

    @property
    def follow_up(self) -> bool:
        return bool(self.history)


def _parse(obj: object) -> GoldQuestion:
    """Validate one decoded line; raise ValueError with a bare reason."""
    if not isinstance(obj, dict):
        raise ValueError("line is not a JSON object")
    missing = [f for f in _FIELDS if f not in obj]
    extra = sorted(set(obj) - set(_FIELDS) - set(_OPTIONAL))
    if missing or extra:
        raise ValueError(f"missing fields {missing}, extra fields {extra}")
    for name, kind in {**_FIELDS, **_OPTIONAL}.items():
        if name in obj and not isinstance(obj[name], kind):
            raise ValueError(f"field {name!r} must be {kind.__name__}")
    if obj["type"] not in QUESTION_TYPES:
        raise ValueError(f"unknown type {obj['type']!r}")
    if not obj["id"].strip() or not obj["question"].strip():
        raise ValueError("id and question must be non-empty")

    forces = obj["relevant_forces"]
    # Any force names: others bring gold sets for reports we have never seen.
    if not all(isinstance(f, str) and f.strip() for f in forces):
        raise ValueError("relevant_forces must be non-empty force names")
    if not all(isinstance(f, str) for f in obj["answer_facts"]):
        raise ValueError("answer_facts must be strings")
    history = obj.get("history", [])
    if "history" in obj and not (history and all(isinstance(h, str) and h.strip() for h in history)):
        raise ValueError("history must be a non-empty list of non-empty questions (earlier turns, oldest first)")

    evidence = []
    for item in obj["evidence"]:
        if not isinstance(item, dict) or set(item) != {"force", "quote"}:
            raise ValueError("evidence items need exactly 'force' and 'quote'")
        force, quote = item["force"], item["quote"]
        if not isinstance(force, str) or not isinstance(quote, str):
            raise ValueError("evidence force and quote must be strings")
        if force not in forces:
            raise ValueError(f"evidence force {force!r} not in relevant_forces")
        # Count words after normalising so markup does not inflate the count.
        words = len(normalize(quote).split())
        if not MIN_QUOTE_WORDS <= words <= MAX_QUOTE_WORDS:
            raise ValueError(
                f"quote has {words} words, expected "
                f"{MIN_QUOTE_WORDS}-{MAX_QUOTE_WORDS}: {quote[:40]!r}"
            )
        evidence.append(Evidence(force, quote))

    # Unanswerable questions test refusal, so nothing may point at the corpus;
    # every other question must be grounded in at least one quote.
    if obj["type"] == "unanswerable":
        if forces or evidence or obj["answer_facts"]:
            raise ValueError("unanswerable question must have no forces, evidence or facts")
    elif not evidence:
        raise ValueError("answerable question has no evidence")

    return GoldQuestion(
        id=obj["id"],
        type=obj["type"],
        question=obj["question"],
        relevant_forces=tuple(forces),
        evidence=tuple(evidence),
        answer_facts=tuple(obj["answer_facts"]),
        reference_answer=obj["reference_answer"],
        history=tuple(history),
    )


def load_gold(path: str | Path = DEFAULT_GOLD) -> list[GoldQuestion]:
    """Load and validate a gold JSONL file; errors name file and line."""
    path = Path(path)
    questions: list[GoldQuestion] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue  # tolerate blank lines (e.g. trailing newline)
            where = f"{path}:{lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: invalid JSON: {exc.msg}") from None
            try:
                question = _parse(obj)
            except ValueError as exc:
                raise ValueError(f"{where}: {exc}") from None
            if question.id in seen:
                raise ValueError(
                    f"{where}: duplicate id {question.id!r} (first on line {seen[question.id]})"
                )
            seen[question.id] = lineno
            questions.append(question)
    return questions
