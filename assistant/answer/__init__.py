"""The answer stage: abstention gates, the extractive composer, the LLM answerer, and the
case-study and comparison views built on them."""

from assistant.answer.answerer import Answerer
from assistant.answer.findings import NO_EVIDENCE, case_studies, compare

__all__ = ["Answerer", "NO_EVIDENCE", "case_studies", "compare"]
