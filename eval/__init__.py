"""Evaluation tooling: gold set and scoring."""
