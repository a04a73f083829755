"""``python -m csperf_lib``: the same as the ``csperf`` command."""

from csperf_lib.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
