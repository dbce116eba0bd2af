"""`python -m eval.bench_load`: the older name of `python -m eval.bench.load`."""

from eval.bench.load import main

if __name__ == "__main__":
    raise SystemExit(main())
