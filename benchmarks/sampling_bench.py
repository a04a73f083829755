"""Speed and memory of the sampling stage at scale (never asserted in tests).

Usage::

    python benchmarks/sampling_bench.py                 # 1M and 10M contacts
    python benchmarks/sampling_bench.py --rows 1000000

:func:`benchmark_draw` builds a synthetic ``contacts`` table of ``rows`` contacts directly in a
DuckDB store (SQL, seconds even at 10M: the demo generator and the collect/validate stages are
benchmarked by ``benchmarks/run.py``), then runs what the 02_sample stage does, in a child process
so its peak resident memory is measured on its own: pull the sampling frame from the engine
(answered contacts, only the columns sampling needs), size the sample (Cochran, ±5 % at 95 %),
allocate it over channel x queue x team, draw it with a per-agent minimum of 2, test its
representativeness (weighted) and build the reviewer worksheet.
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

# Deterministic synthetic contacts: 4 channels, 5 queues, 5 teams, one agent per 10,000 contacts
# (at least 40), 5 regions, 12 weeks, about 95 % answered, log-normal-ish handle and wait times.
CONTACTS_SQL = """
CREATE TABLE contacts AS
SELECT
    'C' || lpad(CAST(i AS VARCHAR), 10, '0') AS contact_id,
    (['phone', 'phone', 'phone', 'email', 'chat', 'social'])[1 + (hash(i, 1) % 6)::INT] AS channel,
    (['Billing', 'Technical Support', 'Sales', 'Accounts', 'Complaints'])[1 + (hash(i, 2) % 5)::INT] AS queue,
    (['Kestrel', 'Osprey', 'Falcon', 'Merlin', 'Harrier'])[1 + (agent % 5)::INT] AS team,
    'AG' || lpad(CAST(agent AS VARCHAR), 5, '0') AS agent_id,
    (['North', 'Midlands', 'South', 'Scotland', 'Wales'])[1 + (hash(i, 4) % 5)::INT] AS region,
    TIMESTAMP '2026-01-05' + to_seconds(CAST(hash(i, 5) % (84 * 86400) AS BIGINT)) AS arrived_at,
    (hash(i, 6) % 100) < 95 AS answered,
    60 + (hash(i, 7) % 900)::DOUBLE AS talk_s,
    (hash(i, 8) % 60)::DOUBLE AS hold_s,
    (hash(i, 9) % 90)::DOUBLE AS wrap_s,
    (hash(i, 10) % 300)::DOUBLE AS wait_s,
    (hash(i, 11) % 100) < 3 AS escalated,
    (hash(i, 12) % 100) < 7 AS transferred,
    i AS _row
FROM (SELECT i, hash(i, 3) % {agents} AS agent FROM range({rows}) t(i))
"""

# Runs in a child process: ru_maxrss of that process is the stage's peak memory.
PROBE = """
import json, resource, sys, time
t0 = time.perf_counter()
from csperf_lib.methods.sample_frame import sampling_frame
from csperf_lib.methods.sample_size import sample_size
from csperf_lib.methods import sample_checks as C
from csperf_lib.methods import sampling as S
from csperf_lib.stages import sample as SS
from csperf_lib.ingest.store import Store
timings = {}
start = time.perf_counter()
with Store(sys.argv[1]) as store:
    population = sampling_frame(store.table("contacts"))
timings["frame_s"] = time.perf_counter() - start
start = time.perf_counter()
n = sample_size(len(population), confidence=0.95, margin=0.05)
plan = S.allocate(population, n=n)
sample = S.draw_sample(population, n=n, per_agent=2, random_state=2026)
timings["draw_s"] = time.perf_counter() - start
start = time.perf_counter()
checks = C.representativeness(sample, population, weight="design_weight")
timings["representativeness_s"] = time.perf_counter() - start
start = time.perf_counter()
sheet = SS.reviewer_worksheet(sample)
timings["worksheet_s"] = time.perf_counter() - start
timings["total_s"] = time.perf_counter() - t0
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "population": len(population), "frame_mib": population.memory_usage(deep=True).sum() / 2**20,
    "strata": len(plan.table), "agents": int(population["agent_id"].nunique()), "n": n, "sample": len(sample),
    "weights_sum": float(sample["design_weight"].sum()),
    "verdicts": checks.set_index("variable")["verdict"].to_dict(), "peak_mib": peak_kib / 1024, **timings,
}))
"""


def make_store(rows: int, folder: Path) -> tuple[str, float]:
    """A DuckDB store holding ``rows`` synthetic contacts; returns its URL and the seconds it took."""
    import duckdb

    start = time.perf_counter()
    path = folder / "store.duckdb"
    con = duckdb.connect(str(path))
    con.execute(CONTACTS_SQL.format(rows=int(rows), agents=max(40, int(rows) // 10_000)))
    con.close()
    return f"duckdb://{path}", time.perf_counter() - start


def benchmark_draw(rows: int) -> dict:
    """Time and peak memory of the sampling stage's work on ``rows`` contacts.

    Returns
    -------
    dict
        ``rows``, ``generate_s`` (building the synthetic store, not part of the stage),
        ``population`` (answered contacts), ``frame_mib`` (the sampling frame in pandas), ``strata``,
        ``agents``, ``n`` (Cochran), ``sample`` (with the per-agent top-up), ``weights_sum``,
        ``verdicts`` (representativeness per variable), ``frame_s`` (engine query and transfer),
        ``draw_s`` (size, allocate, draw), ``representativeness_s``, ``worksheet_s``, ``total_s``
        (all of it, imports included) and ``peak_mib`` (peak resident memory of the process).
    """
    folder = Path(tempfile.mkdtemp(prefix=f"csperf-sampling-{rows}-"))
    try:
        url, generate_s = make_store(rows, folder)
        done = subprocess.run([sys.executable, "-c", PROBE, url], capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise RuntimeError(f"sampling benchmark failed at {rows} rows:\n{done.stderr[-2000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        return {"rows": int(rows), "generate_s": generate_s, **result}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000], help="contacts")
    args = parser.parse_args(argv)
    columns = ["rows", "population", "strata", "agents", "sample", "frame_s", "draw_s", "representativeness_s", "total_s", "peak_mib"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for rows in args.rows:
        result = benchmark_draw(rows)
        cells = [f"{result[c]:.2f}" if isinstance(result[c], float) else f"{result[c]:,}" for c in columns]
        print("| " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
