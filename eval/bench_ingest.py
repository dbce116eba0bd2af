"""`python -m eval.bench_ingest`: the older name of `python -m eval.bench.ingest`."""

from eval.bench.ingest import main

if __name__ == "__main__":
    main()
