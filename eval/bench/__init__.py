"""Benchmarks, run on their own (not in the test suite): `python -m eval.bench.<name>`.

ingest (ours against llama-index on the same files), latency (warm search / ask), scale
(synthetic corpora of 100-1,000 reports), load (concurrent app clients), startup (start
to first answer, cache on and off). `synth` makes the synthetic corpora; `chroma_server`
runs a `chroma run` server for them and for the server-mode tests.
"""
