"""Speed and memory of csperf, printed as a table (never asserted in tests).

Usage::

    python benchmarks/run.py                      # 100k and 1M demo contacts
    python benchmarks/run.py --sizes 100000 1000000 10000000
    python benchmarks/run.py --sizes 1000000 --skip-review   # only the aggregation comparison

For each size it generates the seeded demo data, runs ``csperf review`` end to end in a separate
process (wall time, peak resident memory of the review and its notebook kernels, seconds per
stage from summary.json), and compares KPI-style aggregation side by side in one run over the same
Parquet file: one hand-written DuckDB ``GROUPING SETS`` query against a plain pandas groupby of the
same sums and counts, and csperf's own ``compute_kpis`` (benchmarks/kpi_bench.py). Comparisons are
reported as ratios, measured in the same process in interleaved rounds. Targets (from the foundation issue): full review of 1M contacts <= 45 s, of 10M <= 3 min
with peak memory <= 2 GB; csperf's KPI aggregation within 1.3x of the DuckDB query and >= 5x faster
than pandas at 10M. Text (qualitative issue): redaction, coding and sentiment of 100k comments at
>= 5,000 comments/s (benchmarks/text_bench.py); sentiment quality of each model on the Alexa reviews
(benchmarks/sentiment_bench.py, macro-F1 target 0.70).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs inside a child process so its peak memory (and that of the notebook kernels it starts and
# reaps) is measured on its own: RUSAGE_CHILDREN of this child covers every kernel.
REVIEW_PROBE = """
import json, resource, sys, time
from csperf_lib.report.runner import run_review
start = time.perf_counter()
result = run_review(sys.argv[1], out_dir=sys.argv[2], run_date="2026-11-22", store_url=sys.argv[3], progress=False, log=lambda *a, **k: None)
wall = time.perf_counter() - start
peak_kib = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"wall_s": wall, "peak_mib": peak_kib / 1024, "stages": [[s.name, s.seconds] for s in result.stages]}))
"""



def _table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    line = "| " + " | ".join(c.ljust(widths[c]) for c in columns) + " |"
    rule = "|-" + "-|-".join("-" * widths[c] for c in columns) + "-|"
    body = ["| " + " | ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) + " |" for r in rows]
    return "\n".join([line, rule, *body])


def generate(size: int, folder: Path) -> tuple[Path, float]:
    from csperf_lib.ingest.demo import generate_demo

    start = time.perf_counter()
    result = generate_demo(folder, contacts=size, seed=7)
    return result.config_path, time.perf_counter() - start


def review(config: Path, folder: Path) -> dict:
    store = f"duckdb://{folder / 'store.duckdb'}"
    done = subprocess.run(
        [sys.executable, "-c", REVIEW_PROBE, str(config), str(folder / "reports"), store],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(f"review failed at this size:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def aggregation(folder: Path) -> dict:
    """csperf's ``compute_kpis`` vs one hand-written DuckDB GROUPING SETS query vs a pandas
    groupby, side by side over the same Parquet export of the usable contacts (see kpi_bench)."""
    import duckdb

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from kpi_bench import benchmark_kpis

    parquet = folder / "contacts.parquet"
    con = duckdb.connect(str(folder / "store.duckdb"), read_only=True)
    con.execute(f"COPY contacts TO '{parquet}' (FORMAT parquet)")
    con.close()
    return benchmark_kpis(parquet)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000], help="demo contacts")
    parser.add_argument("--skip-review", action="store_true", help="only generate and compare aggregation")
    parser.add_argument("--keep", action="store_true", help="keep the generated data (prints where)")
    parser.add_argument("--skip-text", action="store_true", help="skip the text-processing and sentiment benchmarks")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from sampling_bench import benchmark_draw

    review_rows, stage_rows, agg_rows, sampling_rows = [], [], [], []
    for size in args.sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"csperf-bench-{size}-"))
        try:
            config, gen_s = generate(size, folder / "demo")
            if args.skip_review:
                from csperf_lib.core.config import load_config
                from csperf_lib.ingest.store import Store
                from csperf_lib.stages.collect import collect
                from csperf_lib.stages.validate import validate

                cfg = load_config(config)
                with Store(f"duckdb://{folder / 'store.duckdb'}") as store:
                    collect(cfg, store)
                    validate(cfg, store)
            else:
                measured = review(config, folder)
                review_rows.append(
                    {"contacts": f"{size:,}", "generate demo (s)": f"{gen_s:.1f}",
                     "csperf review wall (s)": f"{measured['wall_s']:.1f}",
                     "peak memory (MiB)": f"{measured['peak_mib']:.0f}"}
                )
                for stage, seconds in measured["stages"]:
                    stage_rows.append({"contacts": f"{size:,}", "stage": stage, "seconds": f"{seconds:.1f}"})
            timing = aggregation(folder)
            agg_rows.append(
                {"contacts": f"{size:,}", "csperf compute_kpis (s)": f"{timing['csperf_s']:.3f}",
                 "DuckDB GROUPING SETS (s)": f"{timing['duckdb_s']:.3f}",
                 "pandas groupby (s)": f"{timing['pandas_s']:.3f}",
                 "csperf / DuckDB": f"{timing['csperf_over_duckdb']:.2f}x",
                 "pandas / csperf": f"{timing['pandas_over_csperf']:.1f}x",
                 "max relative difference": f"{timing['max_rel_diff']:.1e}"}
            )
            draw = benchmark_draw(size)
            sampling_rows.append(
                {"contacts": f"{size:,}", "population (answered)": f"{draw['population']:,}",
                 "sample": f"{draw['sample']:,}", "frame from engine (s)": f"{draw['frame_s']:.2f}",
                 "draw (s)": f"{draw['draw_s']:.2f}", "representativeness (s)": f"{draw['representativeness_s']:.2f}",
                 "total (s)": f"{draw['total_s']:.2f}", "peak memory (MiB)": f"{draw['peak_mib']:.0f}"}
            )
        finally:
            if args.keep:
                print(f"kept {folder}", file=sys.stderr)
            else:
                shutil.rmtree(folder, ignore_errors=True)

    if review_rows:
        print("## End-to-end `csperf review` on demo data\n")
        print(_table(review_rows, list(review_rows[0])))
        print("\n## Seconds per stage (kernel start included)\n")
        print(_table(stage_rows, ["contacts", "stage", "seconds"]))
    print("\n## KPI aggregation over the same Parquet, side by side (best of 5, interleaved)\n")
    print(_table(agg_rows, list(agg_rows[0])))
    print("\n## Sampling stage: draw a stratified QA sample (synthetic store, separate process)\n")
    print(_table(sampling_rows, list(sampling_rows[0])))
    if not args.skip_text:
        from sentiment_bench import ALEXA, benchmark_sentiment
        from text_bench import benchmark_text

        print("\n## Text processing: redaction + codebook coding + sentiment, 100k comments (target >= 5,000/s)\n")
        text = benchmark_text(100_000)
        print(_table(text.astype(str).to_dict(orient="records"), list(text.columns)))
        from staffing_bench import benchmark_staffing, summarise

        staffing = benchmark_staffing()
        if staffing.empty:
            print(f"\n(Erlang C comparison skipped: {staffing.attrs.get('skipped', 'pyworkforce not installed')}; pip install -e '.[bench]')")
        else:
            print("\n## Erlang C staffing: csperf against pyworkforce, same cases side by side\n")
            summary = summarise(staffing)
            print(_table(summary.astype(str).to_dict(orient="records"), list(summary.columns)))
        if ALEXA.is_file():
            print("\n## Sentiment models on the Amazon Alexa reviews (labels from stars; target macro-F1 >= 0.70)\n")
            sentiment = benchmark_sentiment(path=ALEXA)
            print(_table(sentiment.round(3).astype(str).to_dict(orient="records"), list(sentiment.columns)))
        else:
            print(f"\n(sentiment quality skipped: {ALEXA} is absent)")
    from init_accuracy import COLUMNS, benchmark_init, reference_configs

    # csperf init against reference configs: the corpus' measured part (benchmarks/init_corpus)
    # and the real exports of examples/ (these need ../shared). "Runs to a report" is measured by
    # `python benchmarks/init_accuracy.py --part measure --review` (a review per export).
    for part in ("measure", "examples"):
        _, init_rows = benchmark_init(reference_configs(part))
        if init_rows:
            print(f"\n## csperf init against the reference configs: {part} (benchmarks/init_accuracy.py)\n")
            print(_table(init_rows, COLUMNS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
