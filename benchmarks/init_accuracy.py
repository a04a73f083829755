"""How close ``csperf init`` comes to the hand-written example configs.

Usage::

    python benchmarks/init_accuracy.py            # every examples/*.yaml whose data file exists
    python benchmarks/init_accuracy.py --detail   # plus one line per canonical column

For every example config in ``examples/`` whose data file(s) exist, the inference runs on the same
file(s) (``csperf_lib.ingest.autoconfig.init_config``, written to a temporary folder) and is scored
against the example, which is the reference answer:

* **same source**: share of the example's canonical columns that the generated config maps (active,
  not commented out) to the same source column (same constant, same ``hash_of`` columns);
* **compatible spec**: share whose values, read from the first 5,000 records with each config's
  own source options and spec, agree on at least 99 % of the records (so ``"%Y-%m-%d"`` and
  ``iso`` are compatible when they read the same timestamps);
* **suggested**: share mapped to the same source column actively *or* in a commented-out line;
* **loads / runs**: whether the generated config loads with ``load_config`` and the whole file
  maps end to end, with the share of records with a value that could not be read.

Nothing is asserted; the numbers are printed as tables.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(ROOT))

from csperf_lib.core.config import ColumnSpec, SourceSpec, load_config  # noqa: E402
from csperf_lib.core.errors import CsperfError  # noqa: E402
from csperf_lib.ingest.autoconfig import init_config  # noqa: E402
from csperf_lib.ingest.mapping import map_chunk  # noqa: E402
from csperf_lib.ingest.readers import open_source  # noqa: E402

SAMPLE = 5_000


@dataclass(frozen=True)
class ColumnScore:
    """One canonical column of one example, compared with the generated config."""

    dataset: str
    table: str
    canonical: str
    expected: str
    generated: str
    same_source: bool
    compatible: bool
    suggested: bool


def _describe(spec: ColumnSpec | None) -> str:
    if spec is None:
        return "-"
    if spec.hash_of:
        return "hash_of[" + ", ".join(spec.hash_of) + "]"
    if spec.column is None:
        return f"= {spec.value!r}"
    extras = [f"{k}={getattr(spec, k)}" for k in ("format", "time_column", "average_of")
              if getattr(spec, k, None)]
    if spec.values:
        extras.append("values")
    return spec.column + (f" ({', '.join(extras)})" if extras else "")


def _origin(spec: ColumnSpec) -> tuple:
    if spec.hash_of:
        return ("hash", frozenset(spec.hash_of))
    if spec.column is None:
        return ("value", str(spec.value))
    return ("column", spec.column)


def _mapped(source: SourceSpec) -> pd.DataFrame:
    info, chunks = open_source(source, chunk_size=SAMPLE)
    return map_chunk(next(chunks), source, first_row=1)


def _agree(a: pd.Series, b: pd.Series) -> bool:
    n = min(len(a), len(b))
    a, b = a.iloc[:n].reset_index(drop=True), b.iloc[:n].reset_index(drop=True)
    both_null = a.isna().to_numpy() & b.isna().to_numpy()
    equal = (a.astype(object) == b.astype(object)).fillna(False).to_numpy(dtype=bool)
    if pd.api.types.is_float_dtype(a.dtype) and pd.api.types.is_float_dtype(b.dtype):
        equal = np.isclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=1e-9)
    return n > 0 and float(np.mean(both_null | equal)) >= 0.99


def _commented(text: str) -> dict[tuple[str, str], set[str]]:
    """Source columns suggested in commented-out lines, per (table, canonical)."""
    found: dict[tuple[str, str], set[str]] = {}
    table = None
    for line in text.splitlines():
        top = re.match(r"^  (\w+):\s*$", line)
        if top:
            table = top.group(1)
            continue
        match = re.match(r"^\s+# (\w+): (.+)$", line)
        if table and match:
            try:
                value = yaml.safe_load(match.group(2))
            except yaml.YAMLError:
                continue
            column = value.get("column") if isinstance(value, dict) else value
            if isinstance(column, str):
                found.setdefault((table, match.group(1)), set()).add(column)
    return found


def _run_whole(source: SourceSpec) -> tuple[int, int]:
    """Records and records with an unreadable value, mapping the whole file."""
    info, chunks = open_source(source, chunk_size=100_000)
    rows = bad = 0
    first = 1
    for chunk in chunks:
        frame = map_chunk(chunk, source, first_row=first)
        first += len(chunk)
        rows += len(frame)
        bad += int(frame["_issues"].ne("").sum())
    return rows, bad


def score_example(example: Path) -> tuple[list[ColumnScore], dict] | None:
    """Run ``csperf init`` on an example's data and compare; None when its data is absent."""
    expected = load_config(example, check_files=False)
    files = []
    for source in expected.tables.values():
        if source.kind != "file" or source.path is None or not source.path.is_file():
            return None
        if source.path not in files:
            files.append(source.path)
    dataset = example.stem
    with tempfile.TemporaryDirectory(prefix="csperf-init-") as folder:
        out = Path(folder) / "review.yaml"
        written, _ = init_config(files, out=out)
        text = out.read_text(encoding="utf-8")
        try:
            generated = load_config(out)
            problems = ""
        except CsperfError as exc:
            generated = None
            problems = str(exc)
    suggested = _commented(text)
    scores = []
    summary = {"dataset": dataset, "loads": generated is not None, "problems": problems,
               "rows": 0, "bad": 0, "runs": False}
    for table, exp_source in expected.tables.items():
        gen_source = generated.tables.get(table) if generated else None
        gen_specs = {s.canonical: s for s in gen_source.columns} if gen_source else {}
        exp_frame = gen_frame = None
        try:
            exp_frame = _mapped(exp_source)
            gen_frame = _mapped(gen_source) if gen_source else None
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, never stops
            summary["problems"] += f" {table}: {exc}"
        for spec in exp_source.columns:
            gen = gen_specs.get(spec.canonical)
            same = gen is not None and _origin(gen) == _origin(spec)
            compatible = False
            if gen is not None and exp_frame is not None and gen_frame is not None:
                compatible = _agree(exp_frame[spec.canonical], gen_frame[spec.canonical])
            hint = suggested.get((table, spec.canonical), set())
            scores.append(ColumnScore(
                dataset, table, spec.canonical, _describe(spec), _describe(gen), same,
                compatible, same or (spec.column in hint),
            ))
        if gen_source is not None:
            try:
                rows, bad = _run_whole(gen_source)
                summary["rows"] += rows
                summary["bad"] += bad
                summary["runs"] = True
            except Exception as exc:  # noqa: BLE001
                summary["problems"] += f" {table}: {exc}"
    return scores, summary


def _table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    line = "| " + " | ".join(c.ljust(widths[c]) for c in columns) + " |"
    rule = "|-" + "-|-".join("-" * widths[c] for c in columns) + "-|"
    body = ["| " + " | ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) + " |"
            for r in rows]
    return "\n".join([line, rule, *body])


def _share(flags: list[bool]) -> str:
    return f"{sum(flags)}/{len(flags)} ({sum(flags) / len(flags):.0%})" if flags else "-"


def benchmark_init(examples: Path = EXAMPLES) -> tuple[list[ColumnScore], list[dict]]:
    """Score every example config whose data exists; (per-column scores, per-data-set rows)."""
    all_scores, rows = [], []
    for example in sorted(examples.glob("*.yaml")):
        try:
            result = score_example(example)
        except CsperfError as exc:
            rows.append({"data set": example.stem, "problems": str(exc)[:80]})
            continue
        if result is None:
            continue
        scores, summary = result
        all_scores += scores
        rows.append({
            "data set": example.stem,
            "columns": len(scores),
            "same source": _share([s.same_source for s in scores]),
            "compatible spec": _share([s.compatible for s in scores]),
            "suggested (incl. commented)": _share([s.suggested for s in scores]),
            "loads": "yes" if summary["loads"] else "no",
            "runs end to end": (
                f"yes, {summary['bad'] / summary['rows']:.1%} of {summary['rows']:,} records "
                "with an unreadable value" if summary["runs"] and summary["rows"] else "no"
            ),
        })
    if all_scores:
        rows.append({
            "data set": "OVERALL",
            "columns": len(all_scores),
            "same source": _share([s.same_source for s in all_scores]),
            "compatible spec": _share([s.compatible for s in all_scores]),
            "suggested (incl. commented)": _share([s.suggested for s in all_scores]),
            "loads": f"{sum(r.get('loads') == 'yes' for r in rows)}/{len(rows)}",
            "runs end to end": f"{sum(str(r.get('runs end to end', '')).startswith('yes') for r in rows)}/{len(rows)}",
        })
    return all_scores, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detail", action="store_true", help="one line per canonical column")
    args = parser.parse_args(argv)
    scores, rows = benchmark_init()
    if not rows:
        print("no example config has its data file present (../shared/real-data is absent?)")
        return 0
    if args.detail:
        for dataset in dict.fromkeys(s.dataset for s in scores):
            print(f"\n## {dataset}\n")
            print(_table(
                [{"column": f"{s.table}.{s.canonical}", "example": s.expected,
                  "csperf init": s.generated, "same source": "yes" if s.same_source else "NO",
                  "compatible": "yes" if s.compatible else "NO"}
                 for s in scores if s.dataset == dataset],
                ["column", "example", "csperf init", "same source", "compatible"],
            ))
    print("\n## csperf init against the hand-written example configs\n")
    print(_table(rows, ["data set", "columns", "same source", "compatible spec",
                        "suggested (incl. commented)", "loads", "runs end to end"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
