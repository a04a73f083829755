"""Read every source of a config and account for every row, without running the review.

``csperf config-check --data`` (and the corpus of hostile inputs in ``tests/corpus/``) use it: the
collect and validate stages run into a store (a throwaway in-memory one by default), and the result
is what a reviewer needs before committing to a run: per table the rows in, usable and quarantined,
and every assumption made while reading. Like :mod:`csperf_lib.stages.config_check` it sits above
the stage modules it calls; no stage imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csperf_lib.core.config import ReviewConfig
from csperf_lib.ingest.store import Store
from csperf_lib.stages.collect import collect
from csperf_lib.stages.validate import validate

__all__ = ["DataCheck", "check_data", "data_check_lines", "table_below_threshold", "table_without_rows"]


@dataclass(frozen=True)
class DataCheck:
    """What reading the sources found.

    Attributes
    ----------
    accounting : DataFrame
        Per table: ``table, rows_in, rows_usable, rows_quarantined, usable_share, threshold, passed``
        (:func:`csperf_lib.stages.validate.validate`); ``rows_in = rows_usable + rows_quarantined``.
    assumptions : DataFrame
        ``table, assumption``: each assumption made while reading (encoding, delimiter, date order...).
    quarantine : DataFrame
        ``table, _row, record_id, reasons``: every quarantined row and why (personal data redacted).
    """

    accounting: pd.DataFrame
    assumptions: pd.DataFrame
    quarantine: pd.DataFrame


def check_data(config: ReviewConfig, store: Store) -> DataCheck:
    """Collect and validate every table of ``config`` into ``store``; nothing is published.

    Raises
    ------
    SourceError
        A source cannot be read or mapped (one line naming the table and the file).
    """
    manifest = collect(config, store)
    result = validate(config, store)
    assumptions = pd.DataFrame(
        [{"table": r.table, "assumption": a} for r in manifest.itertuples() for a in (r.assumptions or ())],
        columns=["table", "assumption"],
    )
    return DataCheck(accounting=result.accounting, assumptions=assumptions, quarantine=result.quarantine)


def data_check_lines(check: DataCheck) -> list[str]:
    """The check as lines for a terminal: one per table, then the assumptions and the commonest
    reasons for quarantine (the verdict is :func:`csperf_lib.stages.validate.check_usable_share`'s).
    """
    lines = []
    for row in check.accounting.itertuples():
        share = "no rows" if not row.rows_in else f"{row.usable_share:.1%} usable"
        lines.append(f"{row.table}: {row.rows_in:,} rows in, {row.rows_usable:,} usable, "
                     f"{row.rows_quarantined:,} quarantined ({share})")
    lines += [f"  assumed for {r.table}: {r.assumption}" for r in check.assumptions.itertuples()]
    if len(check.quarantine):
        reasons = check.quarantine.assign(reason=check.quarantine["reasons"].str.split("; ")).explode("reason")
        common = reasons.groupby(["table", "reason"], sort=False).size().sort_values(ascending=False, kind="stable")
        lines += [f"  quarantined in {table}: {count:,} row(s): {reason}" for (table, reason), count in common.head(5).items()]
    return lines


def table_without_rows(check: DataCheck) -> tuple[str, str] | None:
    """The first table with rows of which none is usable, and its commonest reason; None when every
    table keeps a usable row."""
    empty = check.accounting[(check.accounting["rows_in"] > 0) & (check.accounting["rows_usable"] == 0)]
    if empty.empty:
        return None
    table = str(empty["table"].iloc[0])
    return table, _commonest_reason(check, table)


def table_below_threshold(check: DataCheck) -> tuple[str, float, float, str] | None:
    """The first table whose usable share is below the review's threshold
    (``validation.min_usable_share``, the verdict validate gives), as ``(table, usable share,
    threshold, commonest reason)``; None when every table passes, so that a review would go on
    (what ``csperf init`` refuses to leave behind otherwise)."""
    failed = check.accounting[(check.accounting["rows_in"] > 0) & ~check.accounting["passed"].astype(bool)]
    if failed.empty:
        return None
    row = failed.iloc[0]
    table = str(row["table"])
    return table, float(row["usable_share"]), float(row["threshold"]), _commonest_reason(check, table)


def _commonest_reason(check: DataCheck, table: str) -> str:
    reasons = check.quarantine.loc[check.quarantine["table"] == table, "reasons"].str.split("; ").explode()
    return str(reasons.value_counts().index[0]) if len(reasons) else "no reason recorded"
