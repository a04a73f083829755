"""How close ``csperf init`` comes to the configs a careful person writes.

Usage::

    python benchmarks/init_accuracy.py              # the corpus (tune and measure parts) and examples/
    python benchmarks/init_accuracy.py --part measure --review   # also run each written config to a report
    python benchmarks/init_accuracy.py --detail     # plus one line per canonical column
    python benchmarks/init_accuracy.py --part tune --export five9_call_log --detail   # some exports only

Three sets of exports, each with its reference config:

* ``measure`` and ``tune``: the corpus of ``benchmarks/init_corpus/`` (exports in the shapes real
  systems produce, built by ``init_corpus/build.py``; ``configs/`` holds the reference configs).
  ``tune`` was looked at while improving ``csperf init``; ``measure`` is only measured, and its
  figures are the ones the README reports.
* ``examples``: ``examples/*.yaml`` whose data (``../shared/real-data/``) is present.

For every export, ``csperf init --from <files> --out <tmp>/review.yaml`` runs as a user would
(its check included); then the written config is scored against the reference:

* **init exit**: 0, or the one line ``init`` printed when it refused;

* **same source**: share of the example's canonical columns that the generated config maps (active,
  not commented out) to the same source column (same constant, same ``hash_of`` columns);
* **compatible spec**: share whose values, read from the first 5,000 records with each config's
  own source options and spec, agree on at least 99 % of the records (so ``"%Y-%m-%d"`` and
  ``iso`` are compatible when they read the same timestamps);
* **suggested**: share mapped to the same source column actively *or* in a commented-out line;
* **loads / runs**: whether the generated config loads with ``load_config`` and the whole file
  maps end to end, with the share of records with a value that could not be read;
* **report** (with ``--review``): whether ``csperf review`` on the written config, unedited,
  exits 0 and publishes a report.

Nothing is asserted; the numbers are printed as tables.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CORPUS_DIR = ROOT / "benchmarks" / "init_corpus"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(CORPUS_DIR))

import build as build_corpus  # noqa: E402

from csperf_lib.core.config import ColumnSpec, SourceSpec, load_config  # noqa: E402
from csperf_lib.core.errors import CsperfError  # noqa: E402
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


def _cli(*args: str, timeout: float = 900, in_process: bool = False) -> subprocess.CompletedProcess:
    """``csperf <args>`` as a user runs it; ``in_process`` calls the same entry point
    (:func:`csperf_lib.cli.main`) without starting Python again (for the test suite's guard)."""
    if in_process:
        from csperf_lib.cli import main as csperf_main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = csperf_main(list(args))
        return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())
    return subprocess.run([sys.executable, "-m", "csperf_lib", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def score_example(example: Path, *, review: bool = False, in_process: bool = False) -> tuple[list[ColumnScore], dict] | None:
    """Run ``csperf init`` on a reference config's data and compare; None when its data is absent."""
    expected = load_config(example, check_files=False)
    files = []
    for source in expected.tables.values():
        if source.kind != "file" or source.path is None or not source.path.is_file():
            return None
        if source.path not in files:
            files.append(source.path)
    dataset = example.stem
    summary = {"dataset": dataset, "loads": False, "problems": "", "rows": 0, "bad": 0,
               "runs": False, "init": "", "report": ""}
    with tempfile.TemporaryDirectory(prefix="csperf-init-") as folder:
        out = Path(folder) / "review.yaml"
        args = ["init", "--out", str(out)]
        for path in files:
            args += ["--from", str(path)]
        done = _cli(*args, in_process=in_process)
        summary["init"] = "0" if done.returncode == 0 else f"{done.returncode}: {_last_line(done.stderr)}"
        if not out.exists():
            drafts = list(Path(folder).glob("*.draft.yaml"))
            out = drafts[0] if drafts else out
        text = out.read_text(encoding="utf-8") if out.exists() else ""
        generated = None
        if text:
            try:
                generated = load_config(out)
                summary["loads"] = True
            except CsperfError as exc:
                summary["problems"] = str(exc)
        if review and done.returncode == 0 and generated is not None:
            ran = _cli("review", "--config", str(out), "--out", str(Path(folder) / "reports"),
                       "--store", f"duckdb:///{folder}/store.duckdb", "--date", "2026-12-01", "--quiet")
            summary["report"] = "yes" if ran.returncode == 0 else f"no ({_last_line(ran.stderr)[:90]})"
        scores = _scores(dataset, expected, generated, _commented(text), summary)
    return scores, summary


def _scores(dataset: str, expected, generated, suggested: dict, summary: dict) -> list[ColumnScore]:
    scores = []
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
    return scores


def _table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    line = "| " + " | ".join(c.ljust(widths[c]) for c in columns) + " |"
    rule = "|-" + "-|-".join("-" * widths[c] for c in columns) + "-|"
    body = ["| " + " | ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) + " |"
            for r in rows]
    return "\n".join([line, rule, *body])


def _share(flags: list[bool]) -> str:
    return f"{sum(flags)}/{len(flags)} ({sum(flags) / len(flags):.0%})" if flags else "-"


def reference_configs(part: str) -> list[Path]:
    """The reference configs of one part: ``tune``, ``measure`` or ``examples``."""
    if part == "examples":
        return sorted(EXAMPLES.glob("*.yaml"))
    build_corpus.build(CORPUS_DIR / "exports")
    return [CORPUS_DIR / "configs" / f"{name}.yaml" for name, (_, which, _) in build_corpus.CORPUS.items()
            if which == part]


def benchmark_init(
    configs: list[Path], *, review: bool = False, in_process: bool = False
) -> tuple[list[ColumnScore], list[dict]]:
    """Score every reference config whose data exists; (per-column scores, per-export rows).
    ``in_process`` runs ``csperf init`` in this Python process (same entry point, no start-up)."""
    all_scores, rows = [], []
    for example in configs:
        try:
            result = score_example(example, review=review, in_process=in_process)
        except CsperfError as exc:
            rows.append({"export": example.stem, "problems": str(exc)[:80]})
            continue
        if result is None:
            continue
        scores, summary = result
        all_scores += scores
        rows.append({
            "export": example.stem,
            "columns": len(scores),
            "same source": _share([s.same_source for s in scores]),
            "compatible spec": _share([s.compatible for s in scores]),
            "suggested (incl. commented)": _share([s.suggested for s in scores]),
            "init exit": summary["init"][:70],
            "loads": "yes" if summary["loads"] else "no",
            "runs end to end": (
                f"yes, {summary['bad'] / summary['rows']:.1%} of {summary['rows']:,} records "
                "with an unreadable value" if summary["runs"] and summary["rows"] else "no"
            ),
            "report": summary["report"] or ("-" if not review else "no"),
        })
    if all_scores:
        rows.append({
            "export": "OVERALL",
            "columns": len(all_scores),
            "same source": _share([s.same_source for s in all_scores]),
            "compatible spec": _share([s.compatible for s in all_scores]),
            "suggested (incl. commented)": _share([s.suggested for s in all_scores]),
            "init exit": f"{sum(r.get('init exit') == '0' for r in rows)}/{len(rows)} exit 0",
            "loads": f"{sum(r.get('loads') == 'yes' for r in rows)}/{len(rows)}",
            "runs end to end": f"{sum(str(r.get('runs end to end', '')).startswith('yes') for r in rows)}/{len(rows)}",
            "report": f"{sum(r.get('report') == 'yes' for r in rows)}/{len(rows)}" if review else "-",
        })
    return all_scores, rows


COLUMNS = ["export", "columns", "same source", "compatible spec", "suggested (incl. commented)",
           "init exit", "loads", "runs end to end", "report"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["measure", "tune", "examples"], action="append",
                        help="which part(s) to score (default: all three)")
    parser.add_argument("--review", action="store_true",
                        help="also run csperf review on every written config (about a minute each)")
    parser.add_argument("--detail", action="store_true", help="one line per canonical column")
    parser.add_argument("--export", action="append", metavar="NAME",
                        help="score only these exports of the chosen parts (repeatable)")
    args = parser.parse_args(argv)
    for part in args.part or ["measure", "tune", "examples"]:
        configs = [c for c in reference_configs(part) if not args.export or c.stem in args.export]
        scores, rows = benchmark_init(configs, review=args.review)
        if not rows:
            print(f"\n## {part}: no reference config has its data present (../shared/real-data is absent?)")
            continue
        if args.detail:
            for dataset in dict.fromkeys(s.dataset for s in scores):
                print(f"\n### {dataset}\n")
                print(_table(
                    [{"column": f"{s.table}.{s.canonical}", "reference": s.expected,
                      "csperf init": s.generated, "same source": "yes" if s.same_source else "NO",
                      "compatible": "yes" if s.compatible else "NO"}
                     for s in scores if s.dataset == dataset],
                    ["column", "reference", "csperf init", "same source", "compatible"],
                ))
        print(f"\n## csperf init against the reference configs: {part}\n")
        print(_table(rows, COLUMNS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
