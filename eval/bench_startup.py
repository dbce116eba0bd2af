"""`python -m eval.bench_startup`: the older name of `python -m eval.bench.startup`."""

from eval.bench.startup import main

if __name__ == "__main__":
    main()
