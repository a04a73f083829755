"""The ``csperf`` command line: run a review, generate demo data.

Every error a user can cause is reported as one line ``csperf: error: <message>`` on stderr, never a
traceback. Exit codes: 0 success, 1 a failed review or other csperf error, 2 an invalid config or
invalid command-line arguments, 130 interrupted (Ctrl-C).

Heavy libraries (papermill, nbconvert, pandas) are imported only by the command that needs them,
so ``csperf --help`` answers at once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from csperf_lib import __version__
from csperf_lib.core.errors import CsperfError, UsageError

__all__ = ["build_parser", "main"]

PROG = "csperf"

MAIN_DESCRIPTION = """\
csperf reviews contact-centre customer-service performance.

A review reads the exports named in a review.yaml (contacts, surveys, ...), runs the stage
notebooks in order (collect, validate, KPIs, ...) and publishes a dated report folder: one HTML page
per stage (code hidden), the executed notebooks, summary.json and an index.html to start from."""

MAIN_EPILOG = """\
examples:
  csperf init --from exports/calls.csv              write a first review.yaml from an export
  csperf demo-data --out data/raw/demo              generate a synthetic contact centre
  csperf review --config data/raw/demo/review.yaml  review it; open reports/<date>/index.html
  csperf config-check --config review.yaml          check a config without running anything
  csperf config-schema > review.schema.json         the JSON Schema of review.yaml, for editors
  csperf review --help                              all options of a command

exit codes: 0 ok, 1 a stage or other step failed, 2 invalid config or arguments, 130 interrupted"""

REVIEW_DESCRIPTION = """\
Run a review: validate the config, execute every stage notebook NN_name.ipynb in numeric order
and publish <out>/<date>/ with one HTML report per stage, the executed notebooks, summary.json and
index.html.

The new report replaces an earlier one of the same date only once every stage ran. When a stage
fails, the run is kept as <out>/<date>.failed-HHMMSS/ (executed notebook included) and the exit
code is 1."""

REVIEW_EPILOG = """\
examples:
  csperf review --config review.yaml
  csperf review --config review.yaml --date 2026-03-31 --out /srv/reports
  csperf review --config review.yaml --store duckdb:///data/processed/northwind.duckdb --quiet

The report folder is printed on stdout at the end; progress goes to stderr."""

DEMO_DESCRIPTION = """\
Generate a synthetic but realistic contact centre (contacts, agents, surveys, ...) as export files
plus a ready-to-use review.yaml, reproducible from the seed."""

DEMO_EPILOG = """\
examples:
  csperf demo-data --out data/raw/demo
  csperf demo-data --out /tmp/demo --contacts 5000 --seed 1 --weeks 4
  csperf review --config data/raw/demo/review.yaml   then review what was generated"""


INIT_DESCRIPTION = """\
Inspect one or more exports (CSV/TSV/TXT, Excel, Parquet) and write a first review.yaml: the
canonical table each file feeds, a column mapping with a confidence and the evidence for every
column, low-confidence or ambiguous choices commented out with their alternatives, and a TODO for
every required column that was not found. Review the file before running a review.

The exports are then read through the config (collect and validate, as a review would) and the
rows usable per table printed. The exit code is 0 only when the config loads and every table keeps
the share of usable rows a review needs (validation.min_usable_share, 90 % unless set); otherwise
one line says what is missing or what made rows unusable (the draft stays for you to complete)."""

INIT_EPILOG = """\
examples:
  csperf init --from exports/calls.csv
  csperf init --from calls.xlsx --from complaints.csv --out review/review.yaml
  csperf review --config review.yaml                 once the config has been checked"""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other csperf error."""

    def error(self, message: str) -> NoReturn:
        """Print ``csperf: error: <message>`` and exit with code 2."""
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def _iso_date(text: str) -> str:
    """argparse type: a YYYY-MM-DD date, returned as ISO text."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError(text)
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a valid date (use YYYY-MM-DD, e.g. 2026-03-31)"
        ) from None


def _positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _int(text: str) -> int:
    """argparse type: a whole number."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None


def build_parser() -> argparse.ArgumentParser:
    """The ``csperf`` argument parser with its sub-commands.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = _Parser(prog=PROG, description=MAIN_DESCRIPTION, epilog=MAIN_EPILOG, formatter_class=_FORMATTER)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    _add_review(commands)
    _add_demo_data(commands)
    _add_init(commands)
    _add_config_commands(commands)
    return parser


_FORMATTER = argparse.RawDescriptionHelpFormatter


def _add_review(commands: Any) -> None:
    review = commands.add_parser("review", help="run a review and publish the dated report folder",
                                 description=REVIEW_DESCRIPTION, epilog=REVIEW_EPILOG, formatter_class=_FORMATTER)
    review.add_argument("--config", required=True, metavar="FILE", help="the review's review.yaml (required)")
    review.add_argument("--date", type=_iso_date, metavar="YYYY-MM-DD",
                        help="review date naming the report folder (default: today)")
    review.add_argument("--out", default="reports", metavar="DIR",
                        help="folder the dated report folders go to (default: ./reports)")
    review.add_argument("--store", metavar="URL",
                        help="processed store URL, e.g. duckdb:///path/store.duckdb (default: the config's "
                        "store, else data/processed/<name>.duckdb); never include a password")
    review.add_argument("--notebooks", metavar="DIR",
                        help="folder of the stage notebooks (default: the project's notebooks/)")
    review.add_argument("--quiet", action="store_true", help="no progress output, only the report folder")
    review.set_defaults(handler=_cmd_review)


def _add_demo_data(commands: Any) -> None:
    demo = commands.add_parser("demo-data", help="generate synthetic contact-centre exports and a review.yaml",
                               description=DEMO_DESCRIPTION, epilog=DEMO_EPILOG, formatter_class=_FORMATTER)
    demo.add_argument("--out", default="data/raw/demo", metavar="DIR",
                      help="folder to write the exports and review.yaml to (default: data/raw/demo)")
    demo.add_argument("--contacts", type=_positive_int, default=100_000, metavar="N",
                      help="number of contacts to generate (default: 100000)")
    demo.add_argument("--seed", type=_int, default=7, metavar="N", help="random seed (default: 7)")
    demo.add_argument("--weeks", type=_positive_int, default=12, metavar="N", help="weeks of history (default: 12)")
    demo.set_defaults(handler=_cmd_demo_data)


def _add_init(commands: Any) -> None:
    init = commands.add_parser("init", help="inspect exports and write a first, commented review.yaml",
                               description=INIT_DESCRIPTION, epilog=INIT_EPILOG, formatter_class=_FORMATTER)
    init.add_argument("--from", dest="sources", action="append", required=True, metavar="FILE",
                      help="an export to inspect (repeat for several files)")
    init.add_argument("--out", default="review.yaml", metavar="FILE",
                      help="config to write (default: ./review.yaml); paths in it are relative to its folder")
    init.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    init.add_argument("--check", action=argparse.BooleanOptionalAction, default=True,
                      help="read the exports through the written config (collect and validate) and print the "
                      "rows usable per table; a config under which a review would stop (a table below "
                      "validation.min_usable_share) is an error "
                      "(default: on; --no-check skips it for very large exports)")
    init.set_defaults(handler=_cmd_init)


def _add_config_commands(commands: Any) -> None:
    schema = commands.add_parser(
        "config-schema",
        help="print the JSON Schema of review.yaml (for editors' completion and checking)",
        description="Print the JSON Schema of review.yaml, generated from the typed models every section is "
                    "declared in (csperf_lib/core/settings.py). Point your editor's YAML support at it.",
        epilog="examples:\n  csperf config-schema > review.schema.json",
        formatter_class=_FORMATTER,
    )
    schema.set_defaults(handler=_cmd_config_schema)
    check = commands.add_parser(
        "config-check",
        help="check a review.yaml without running anything; list every problem at once",
        description="Load a review.yaml and check every section the way a review would (sources exist, "
                    "columns map, KPIs, targets, rules, markers ...): every problem at once, each with its key.",
        epilog="examples:\n  csperf config-check --config review.yaml\n"
               "  csperf config-check --config review.yaml --data   and read every source too",
        formatter_class=_FORMATTER,
    )
    check.add_argument("--config", required=True, metavar="FILE", help="the review's review.yaml (required)")
    check.add_argument("--data", action="store_true",
                       help="also read every source: rows in, usable and quarantined per table, and every "
                       "assumption made while reading (nothing is published)")
    check.add_argument("--store", metavar="URL",
                       help="with --data, the store to collect into (default: a throwaway in-memory store)")
    check.set_defaults(handler=_cmd_config_check)


def _cmd_config_schema(args: argparse.Namespace) -> int:
    """``csperf config-schema``: print the generated JSON Schema of review.yaml."""
    import json

    from csperf_lib.core.settings import config_json_schema

    print(json.dumps(config_json_schema(), indent=2))
    return 0


def _cmd_config_check(args: argparse.Namespace) -> int:
    """``csperf config-check``: load and check a config, say it is fine or list its problems."""
    from csperf_lib.core.config import check_store_argument, load_config
    from csperf_lib.stages.config_check import check_config

    check_store_argument(args.store)
    config = check_config(load_config(args.config))
    print(f"{config.path}: no problems ({', '.join(config.tables)} mapped)")
    if args.store and not args.data:
        raise UsageError("--store is only used with --data")
    if args.data:
        from csperf_lib.ingest.store import Store
        from csperf_lib.stages.data_check import check_data, data_check_lines
        from csperf_lib.stages.validate import check_usable_share

        with Store(args.store or "duckdb://") as store:
            check = check_data(config, store)
        print("\n".join(data_check_lines(check)))
        check_usable_share(check.accounting)
    return 0


def _cmd_review(args: argparse.Namespace) -> int:
    """``csperf review``: run the review and print the report folder."""
    from csperf_lib.report.runner import run_review

    result = run_review(
        args.config,
        out_dir=args.out,
        run_date=args.date,
        store_url=args.store,
        notebooks_dir=args.notebooks,
        progress=not args.quiet,
        log=_silent if args.quiet else None,
    )
    print(result.run_dir)
    return 0


def _cmd_demo_data(args: argparse.Namespace) -> int:
    """``csperf demo-data``: generate the demo data and say what was written."""
    try:
        from csperf_lib.ingest.demo import generate_demo
    except ModuleNotFoundError as exc:
        if exc.name != "csperf_lib.ingest.demo":
            raise
        raise CsperfError("the demo data generator (csperf_lib.ingest.demo) is not installed") from None

    out = Path(args.out)
    result = generate_demo(out, contacts=args.contacts, seed=args.seed, weeks=args.weeks)
    rows = dict(getattr(result, "rows", {}) or {})
    print(f"demo data written to {out} (seed {args.seed}, {args.weeks} weeks):")
    width = max((len(str(table)) for table in rows), default=0)
    for table, count in rows.items():
        print(f"  {str(table):<{width}}  {int(count):>10,} rows")
    print(f"config: {result.config_path}")
    print(f"next:   csperf review --config {result.config_path}")
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    """``csperf init``: inspect the exports, write the config, summarise what was mapped, and read
    the exports through it (collect and validate) so that a config that cannot make a usable review
    is an error, never a silent success."""
    from csperf_lib.ingest.autoconfig import init_config

    written, proposals = init_config(args.sources, out=args.out, force=args.force)
    for line in _init_summary(written, proposals):
        print(line)
    print(f"config: {written.path}")
    if not written.loads:
        raise CsperfError(f"no usable review yet: {'; '.join(written.problems[:3])}; {written.path} holds a draft "
                          "with a TODO for each")
    if args.check:
        _init_check(written.path)
    print(f"next:   check every line, then csperf review --config {written.path}")
    return 0


def _init_check(path: Path) -> None:
    """Read the exports through the written config; refuse a config under which a review would stop:
    a table keeping no row, or fewer usable rows than the review's threshold."""
    import os

    from csperf_lib.core.config import load_config
    from csperf_lib.ingest.store import Store
    from csperf_lib.stages.data_check import (
        check_data,
        data_check_lines,
        table_below_threshold,
        table_without_rows,
    )

    config = load_config(path)
    with Store("duckdb://") as store:
        check = check_data(config, store)
    print("\n".join(data_check_lines(check)))
    empty = table_without_rows(check)
    short = table_below_threshold(check)
    if empty is None and short is None:
        return
    draft = path.with_name(f"{path.stem}.draft{path.suffix}")
    os.replace(path, draft)  # a config a review would stop on is never left where a review would use it
    if empty is not None:
        table, reason = empty
        raise CsperfError(f"the mapping reads every row of {table} as unusable (most often: {reason}); the draft is "
                          f"kept as {draft} for you to correct")
    table, share, threshold, reason = short
    raise CsperfError(f"the mapping leaves {share:.1%} of the rows of {table} usable, below the {threshold:.0%} a "
                      f"review needs (validation.min_usable_share; most often: {reason}); the draft is kept as "
                      f"{draft} for you to correct")


def _init_summary(written: Any, proposals: Sequence[Any]) -> list[str]:
    """What ``csperf init`` mapped, file by file and column by column, with each confidence."""
    lines = []
    for proposal in proposals:
        profile = proposal.profile
        chosen = [t for t in written.tables if any(t is p for p in proposal.tables)]
        if not chosen:
            lines.append(f"{profile.path.name}: not used (another file feeds the same table)")
        for table in chosen:
            active = [c for c in table.columns if c.active]
            counts = {level: sum(c.confidence == level for c in active) for level in ("high", "medium")}
            parked = len(table.columns) - len(active)
            lines.append(
                f"{profile.path.name} -> {table.table}: {len(active)} column(s) mapped "
                f"({counts['high']} high, {counts['medium']} medium confidence)"
                + (f", {parked} left commented out for you to decide" if parked else "")
            )
            for column in table.columns:
                state = column.confidence if column.active else f"{column.confidence}, commented out"
                spec = column.spec if isinstance(column.spec, dict) else {}
                if column.source:
                    source = column.source
                elif "value" in spec:
                    source = f"constant {spec['value']!r}"
                else:
                    source = f"digest of {len(spec.get('hash_of', ()))} columns"
                lines.append(f"  {column.canonical:<24} <- {source}  [{state}]")
            if table.missing_required:
                lines.append(f"  TODO required: {', '.join(table.missing_required)}")
    return lines


def _silent(message: str) -> None:
    """A log function that drops progress messages (``--quiet``)."""


def _error(message: str) -> None:
    text = " ".join(str(message).split())
    print(f"{PROG}: error: {text}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``csperf`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit code: 0 ok, 1 a csperf error, 2 a config or usage error, 130 interrupted.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if getattr(args, "handler", None) is None:
        _error(f"choose a command ({', '.join(('review', 'demo-data', 'init', 'config-check', 'config-schema'))}); "
               f"see '{PROG} --help'")
        return 2
    try:
        return args.handler(args)
    except CsperfError as exc:
        _error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        # a kernel killed mid-cell leaves an unretrieved asyncio task whose report is only noise
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        print(f"{PROG}: interrupted", file=sys.stderr, flush=True)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
