"""Retrieval: plan the query, then hybrid search with per-force coverage."""

from assistant.retrieve.hybrid import HybridRetriever, rrf
from assistant.retrieve.plan import Planner, check_question

__all__ = ["HybridRetriever", "Planner", "check_question", "rrf"]
