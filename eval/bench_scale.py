"""`python -m eval.bench_scale`: the older name of `python -m eval.bench.scale`."""

from eval.bench.scale import main

if __name__ == "__main__":
    main()
