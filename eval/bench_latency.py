"""`python -m eval.bench_latency`: the older name of `python -m eval.bench.latency`."""

from eval.bench.latency import main

if __name__ == "__main__":
    raise SystemExit(main())
