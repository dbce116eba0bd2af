"""The load test's reply check: malformed replies count as errors."""

from __future__ import annotations

from eval.bench.load import check_reply


def test_malformed_replies_count_as_errors() -> None:
    assert check_reply("/ask", {"text": "An answer [1]."}) is None
    assert check_reply("/ask", "An answer") is not None
    assert check_reply("/search", [{"text": "a passage"}]) is None
    assert check_reply("/search", {"error": "x"}) is not None
