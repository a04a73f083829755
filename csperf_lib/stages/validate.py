"""Stage 01: validate what was collected, quarantine what cannot be used, account for every row.

Checks, all collected at once (nothing stops at the first failure):

1. values the collect stage could not read (``_issues``);
2. the pandera schema of each canonical table (types, ranges, allowed values, row-level business
   rules such as "abandoned contacts are not answered"), validated lazily chunk by chunk;
3. rules that need the config: event timestamps inside the review period, no timestamp in the
   future (beyond a clock-skew tolerance);
4. rules across rows, run in the store's engine: duplicate identifiers, survey and QA rows that
   reference unknown contacts;
5. authenticity: each file's SHA-256 still matches the manifest written at collection.

Every row failing any check goes to the ``quarantine`` table with all its reasons; the others form
the usable ``<table>``. ``rows_in = rows_usable + rows_quarantined`` holds exactly per table. The
review stops (:class:`ValidationThresholdError`) only when a table's usable share falls below
``validation.min_usable_share``.

Interval reports (``intervals``) have no key column: a row is identified by ``(queue,
interval_start)``, or ``(queue, interval_index)`` for exports without timestamps, and a repeat of
that pair is quarantined as a duplicate (it would count the same calls twice). A row without
``interval_start`` is *kept*: the review period cannot be applied to it, so it is not judged
outside the period (as for any null timestamp); :func:`csperf_lib.methods.interval_review.intervals_review`
says so in its notes when a period is configured. Quarantining such rows instead would throw
away every row of an undated daily export.

Data-quality dimensions follow the usual definitions (DAMA UK, "The six primary dimensions for data
quality assessment", 2013): completeness = non-null values / rows; validity = non-null values
passing every check on the column / non-null values; uniqueness = distinct / non-null values of an
identifier; timeliness = non-null timestamps inside the period and not in the future / non-null
timestamps. All are proportions 0-1.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pandera.errors as pa_errors

from csperf_lib.core.config import ReviewConfig
from csperf_lib.core.errors import ValidationThresholdError
from csperf_lib.core.results import mark_stage_ran
from csperf_lib.core.sections import section_link
from csperf_lib.core.tables import CANONICAL_TABLES, EVENT_COLUMNS
from csperf_lib.ingest.manifest import collected_name, read_manifest
from csperf_lib.ingest.mapping import ISSUES_COLUMN, ROW_COLUMN
from csperf_lib.ingest.readers import file_sha256
from csperf_lib.ingest.schemas import MODELS
from csperf_lib.ingest.store import Store
from csperf_lib.methods.categories import label_quality
from csperf_lib.methods.privacy import redact_series

#: Validation order: contacts first, so references to them can be checked.
TABLE_ORDER = ("contacts", "surveys", "qa_evaluations", "complaints", "intervals")
#: Identifier columns (one or several) that must be unique per table.
UNIQUE_KEYS = {
    "contacts": ("contact_id",),
    "surveys": ("response_id",),
    "qa_evaluations": ("evaluation_id", "item"),
    "complaints": ("complaint_id",),
    # the time part is interval_start, or interval_index where no row has one (see _unique_key)
    "intervals": ("interval_start", "queue"),
}
#: Key parts that may be null and still identify a row (a single-queue export has no queue).
NULLABLE_KEY_PARTS = {"intervals": ("queue",)}
REFERENCES = {"surveys": "contact_id", "qa_evaluations": "contact_id", "complaints": "contact_id"}
TABLE_LEVEL = "(row)"


@dataclass(frozen=True)
class ValidationResult:
    """What the validate stage found.

    Attributes
    ----------
    accounting : DataFrame
        Per table: ``table, rows_in, rows_usable, rows_quarantined, usable_share, threshold, passed``.
    failures : DataFrame
        Per table, column and check: ``table, column, check, rows, example_records`` (record
        numbers in the source), most frequent first.
    quarantine : DataFrame
        Every quarantined row: ``table, _row, record_id, reasons``.
    scorecard : DataFrame
        Per table and canonical column: ``table, column, completeness, validity, uniqueness,
        timeliness`` (proportions 0-1; NaN where a dimension does not apply).
    authenticity : DataFrame
        Per source: ``table, location, sha256_collected, sha256_now, unchanged`` (None for SQL
        sources, which have no file to re-hash).
    labels : DataFrame
        Label columns a segment rests on that cannot be trusted as they stand
        (:func:`csperf_lib.methods.categories.label_quality`): missing values and spellings of
        one value (case, spacing, punctuation, truncation). Reported, never merged silently.
    """

    accounting: pd.DataFrame
    failures: pd.DataFrame
    quarantine: pd.DataFrame
    scorecard: pd.DataFrame
    authenticity: pd.DataFrame
    labels: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["table", "column", "check", "rows", "n", "share", "details"]))


_CHECK_WORDS = [
    (re.compile(r"^greater_than_or_equal_to\((.*)\)$"), r"must be >= \1"),
    (re.compile(r"^greater_than\((.*)\)$"), r"must be > \1"),
    (re.compile(r"^less_than_or_equal_to\((.*)\)$"), r"must be <= \1"),
    (re.compile(r"^in_range\((.*), (.*)\)$"), r"must be between \1 and \2"),
    (re.compile(r"^isin\((.*)\)$"), r"must be one of \1"),
    (re.compile(r"^not_nullable$"), "is missing"),
    (re.compile(r"^coerce_dtype\('(.*)'\)$"), r"cannot be read as \1"),
]


def _plain_check(check: str) -> str:
    for pattern, words in _CHECK_WORDS:
        if pattern.match(check):
            return pattern.sub(words, check)
    return check


def _pandera_failures(chunk: pd.DataFrame, table: str) -> pd.DataFrame:
    """Row-level failures of the table's pandera model: ``_row, column, check``."""
    columns = list(CANONICAL_TABLES[table].columns)
    try:
        MODELS[table].validate(chunk[columns], lazy=True)
    except pa_errors.SchemaErrors as err:
        cases = err.failure_cases
        cases = cases[cases["index"].notna()]
        rows = chunk[ROW_COLUMN].to_numpy()[cases["index"].astype("int64").to_numpy()]
        return pd.DataFrame(
            {
                ROW_COLUMN: rows,
                "column": cases["column"].fillna(TABLE_LEVEL).where(
                    cases["schema_context"].ne("DataFrameSchema"), TABLE_LEVEL
                ).to_numpy(),
                "check": cases["check"].astype(str).map(_plain_check).to_numpy(),
            }
        )
    return pd.DataFrame(columns=[ROW_COLUMN, "column", "check"])


def _issue_failures(chunk: pd.DataFrame) -> pd.DataFrame:
    """Parse problems recorded by the collect stage, one row per problem."""
    bad = chunk[chunk[ISSUES_COLUMN].fillna("").ne("")]
    if bad.empty:
        return pd.DataFrame(columns=[ROW_COLUMN, "column", "check"])
    split = bad[ISSUES_COLUMN].str.split("; ").explode()
    column = split.str.extract(r"^([a-z_]+):")[0].fillna(TABLE_LEVEL)
    detail = split.str.replace(r"^[a-z_]+: ", "", regex=True)
    return pd.DataFrame(
        {
            ROW_COLUMN: bad.loc[split.index, ROW_COLUMN].to_numpy(),
            "column": column.to_numpy(),
            # grouped without the value so one summary row covers every unreadable value
            "check": detail.str.replace(r"cannot read '.*' from", "cannot read the value from", regex=True).to_numpy(),
            "detail": detail.to_numpy(),
        }
    )


def _time_failures(
    chunk: pd.DataFrame, table: str, config: ReviewConfig, *, now: pd.Timestamp
) -> tuple[pd.DataFrame, dict[str, tuple[int, int]]]:
    """Period and future checks; also returns per datetime column (timely, non-null) counts."""
    frames, timeliness = [], {}
    start = pd.Timestamp(config.period_start) if config.period_start else None
    end = pd.Timestamp(config.period_end) + pd.Timedelta(days=1) if config.period_end else None
    limit = now + pd.Timedelta(seconds=config.validation.future_tolerance_s)
    for column, kind in CANONICAL_TABLES[table].columns.items():
        if kind != "datetime":
            continue
        values = pd.to_datetime(chunk[column])
        future = (values > limit).fillna(False).to_numpy(dtype=bool)
        outside = np.zeros(len(values), dtype=bool)
        if column == EVENT_COLUMNS[table]:
            if start is not None:
                outside |= (values < start).fillna(False).to_numpy(dtype=bool)
            if end is not None:
                outside |= (values >= end).fillna(False).to_numpy(dtype=bool)
        for mask, words in ((future, "is in the future"), (outside & ~future, f"is outside the review period {config.period_label}")):
            if mask.any():
                frames.append(pd.DataFrame({ROW_COLUMN: chunk[ROW_COLUMN].to_numpy()[mask], "column": column, "check": words}))
        present = int(values.notna().sum())
        timeliness[column] = (present - int((future | outside).sum()), present)
    failures = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[ROW_COLUMN, "column", "check"])
    return failures, timeliness


def _unique_key(t: ibis.Table, table: str) -> list[str]:
    """The identifying columns of ``table``; for intervals without any start time, the index."""
    keys = list(UNIQUE_KEYS[table])
    if table == "intervals" and int(t.interval_start.count().execute()) == 0:
        keys[0] = "interval_index"
    return keys


def _duplicate_failures(store: Store, table: str) -> pd.DataFrame:
    """Rows repeating an identifier already seen in an earlier record (engine-side)."""
    t = store.table(collected_name(table))
    keys = _unique_key(t, table)
    nullable = NULLABLE_KEY_PARTS.get(table, ())
    ranked = t.filter(*[t[k].notnull() for k in keys if k not in nullable]).mutate(
        _rank=ibis.row_number().over(group_by=keys, order_by=t[ROW_COLUMN])
    )
    dups = ranked.filter(ranked._rank > 0).select(ROW_COLUMN).execute()
    label = " + ".join(keys)
    return pd.DataFrame({ROW_COLUMN: dups[ROW_COLUMN].to_numpy(), "column": keys[0], "check": f"duplicate {label} of an earlier record"})


def _reference_failures(store: Store, table: str) -> pd.DataFrame:
    """Rows referencing a contact that is not in the contacts source (engine-side)."""
    column = REFERENCES.get(table)
    if column is None or not store.has(collected_name("contacts")):
        return pd.DataFrame(columns=[ROW_COLUMN, "column", "check"])
    t = store.table(collected_name(table))
    contacts = store.table(collected_name("contacts")).select(contact_id_ref=lambda c: c.contact_id).distinct()
    orphans = t.filter(t[column].notnull()).anti_join(contacts, t[column] == contacts.contact_id_ref)
    rows = orphans.select(ROW_COLUMN).execute()
    return pd.DataFrame({ROW_COLUMN: rows[ROW_COLUMN].to_numpy(), "column": column, "check": "refers to an unknown contact"})


def _validate_table(
    store: Store, table: str, config: ReviewConfig, *, now: pd.Timestamp, chunk_size: int, mapped: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Failures (``_row, column, check``), scorecard rows, and rows in, for one table."""
    name = collected_name(table)
    columns = list(CANONICAL_TABLES[table].columns)
    key = CANONICAL_TABLES[table].key
    failures = []
    non_null: dict[str, int] = defaultdict(int)
    timely: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rows_in = 0
    for chunk in store.batches(name, chunk_size=chunk_size, order_by=ROW_COLUMN):
        rows_in += len(chunk)
        chunk = chunk.reset_index(drop=True)
        failures += [_issue_failures(chunk), _pandera_failures(chunk, table)]
        time_fail, timeliness = _time_failures(chunk, table, config, now=now)
        failures.append(time_fail)
        for column in columns:
            non_null[column] += int(chunk[column].notna().sum())
        for column, (ok, present) in timeliness.items():
            timely[column][0] += ok
            timely[column][1] += present
    failures += [_duplicate_failures(store, table), _reference_failures(store, table)]
    failures = [f for f in failures if not f.empty]
    frame = pd.concat(failures, ignore_index=True) if failures else pd.DataFrame(columns=[ROW_COLUMN, "column", "check"])
    if "detail" not in frame:
        frame["detail"] = pd.NA
    frame["detail"] = frame["detail"].fillna(frame["check"])
    # An unreadable value also leaves the column null: report it once, as unreadable.
    unreadable = frame.loc[frame["check"].str.startswith("cannot read"), [ROW_COLUMN, "column"]]
    flagged = frame[[ROW_COLUMN, "column"]].merge(
        unreadable.drop_duplicates().assign(_unreadable=True), on=[ROW_COLUMN, "column"], how="left"
    )["_unreadable"]
    echo = frame["check"].eq("is missing").to_numpy() & flagged.eq(True).to_numpy()
    frame = frame[~echo].reset_index(drop=True)
    frame.insert(0, "table", table)

    score_rows = []
    distinct = {}
    if key is not None and rows_in:
        t = store.table(name)
        distinct[key] = int(t[key].nunique().execute())
    for column in columns:
        if column not in mapped:
            continue
        present = non_null[column]
        bad_rows = frame.loc[frame["column"].eq(column) & ~frame["check"].eq("is missing"), ROW_COLUMN].nunique()
        score_rows.append(
            {
                "table": table,
                "column": column,
                "completeness": present / rows_in if rows_in else np.nan,
                "validity": (present - bad_rows) / present if present else np.nan,
                "uniqueness": distinct[column] / present if column in distinct and present else np.nan,
                "timeliness": timely[column][0] / timely[column][1] if timely[column][1] else np.nan,
            }
        )
    return frame, pd.DataFrame(score_rows), rows_in


def _record_ids(store: Store, table: str, rows: pd.Series) -> pd.DataFrame:
    key = UNIQUE_KEYS[table][0]
    t = store.table(collected_name(table))
    wanted = ibis.memtable(pd.DataFrame({"_wanted": rows.astype("int64").unique()}))
    record_id = t[key]
    if table == "intervals":  # the export's row label, else the interval's start
        record_id = t.interval_index.fill_null(t.interval_start.cast("string"))
    found = t.inner_join(wanted, t[ROW_COLUMN] == wanted._wanted).select(ROW_COLUMN, record_id=record_id).execute()
    return found


def authenticity(store: Store) -> pd.DataFrame:
    """Re-hash every file source and compare with the manifest written at collection."""
    manifest = read_manifest(store)
    rows = []
    for record in manifest.itertuples():
        now = None
        if record.format != "sql" and Path(record.location).is_file():
            now = file_sha256(record.location)
        rows.append(
            {
                "table": record.table,
                "location": record.location,
                "sha256_collected": record.sha256,
                "sha256_now": now,
                "unchanged": None if record.format == "sql" else bool(now == record.sha256),
            }
        )
    return pd.DataFrame(rows, columns=["table", "location", "sha256_collected", "sha256_now", "unchanged"])


def validate(
    config: ReviewConfig, store: Store, *, now: dt.datetime | None = None, chunk_size: int = 250_000
) -> ValidationResult:
    """Validate every collected table, write ``<table>`` and ``quarantine`` to the store.

    Parameters
    ----------
    config : ReviewConfig
        Supplies the review period and the thresholds.
    store : Store
        Holds ``collected_<table>`` and ``manifest`` from the collect stage.
    now : datetime, keyword-only
        "Now" for the future-timestamp check (default: the latest extraction time in the manifest).
    chunk_size : int, keyword-only
        Rows validated at a time (memory bound).

    Returns
    -------
    ValidationResult
    """
    manifest = read_manifest(store)
    if now is None:
        now = pd.Timestamp(manifest["extracted_at"].max()) if len(manifest) else pd.Timestamp.now()
    now = pd.Timestamp(now)
    mapped_by_table = {r.table: set(r.columns_mapped) for r in manifest.itertuples()}
    accounting, all_failures, quarantines, scorecards = [], [], [], []
    store.drop("quarantine")
    for table in TABLE_ORDER:
        if table not in mapped_by_table:
            continue
        failures, scorecard, rows_in = _validate_table(
            store, table, config, now=now, chunk_size=chunk_size, mapped=mapped_by_table[table]
        )
        scorecards.append(scorecard)
        all_failures.append(failures)
        reasons = (
            failures.assign(reason=failures["column"].where(failures["column"].ne(TABLE_LEVEL), "row") + ": " + failures["detail"])
            .drop_duplicates([ROW_COLUMN, "reason"])
            .groupby(ROW_COLUMN, sort=True)["reason"]
            .agg("; ".join)
            .reset_index()
            .rename(columns={"reason": "reasons"})
        )
        if not reasons.empty:
            ids = _record_ids(store, table, reasons[ROW_COLUMN])
            reasons = reasons.merge(ids, on=ROW_COLUMN, how="left")
        else:
            reasons["record_id"] = pd.Series(dtype="string")
        reasons.insert(0, "table", table)
        # reasons quote unreadable source values, which may hold personal data
        reasons["reasons"] = redact_series(reasons["reasons"].astype("string"))
        quarantine = reasons[["table", ROW_COLUMN, "record_id", "reasons"]].astype({ROW_COLUMN: "int64", "record_id": "string", "reasons": "string", "table": "string"})
        quarantines.append(quarantine)
        store.write("quarantine", quarantine, append=True)

        collected = store.table(collected_name(table))
        held = store.table("quarantine")
        rejected = held.filter(held.table == table).select(_q_row=held[ROW_COLUMN])
        usable = collected.anti_join(rejected, collected[ROW_COLUMN] == rejected._q_row).drop(ISSUES_COLUMN)
        store.write(table, usable.order_by(ROW_COLUMN))
        rows_usable = store.count(table)
        rows_quarantined = len(quarantine)
        share = rows_usable / rows_in if rows_in else np.nan
        accounting.append(
            {
                "table": table,
                "rows_in": rows_in,
                "rows_usable": rows_usable,
                "rows_quarantined": rows_quarantined,
                "usable_share": share,
                "threshold": config.validation.min_usable_share,
                "passed": bool(rows_in == 0 or share >= config.validation.min_usable_share),
            }
        )
        assert rows_in == rows_usable + rows_quarantined, f"row accounting broken for {table}"

    failures = pd.concat(all_failures, ignore_index=True) if all_failures else pd.DataFrame(columns=["table", ROW_COLUMN, "column", "check"])
    summary = (
        failures.groupby(["table", "column", "check"], sort=False)[ROW_COLUMN]
        .agg(rows="nunique", example_records=lambda r: ", ".join(str(x) for x in sorted(set(r))[:5]))
        .reset_index()
        .sort_values(["table", "rows"], ascending=[True, False], kind="stable")
        .reset_index(drop=True)
    )
    mark_stage_ran(store, "01_validate")  # later stages read the usable tables written here
    return ValidationResult(
        accounting=pd.DataFrame(accounting),
        failures=summary,
        quarantine=pd.concat(quarantines, ignore_index=True) if quarantines else pd.DataFrame(columns=["table", ROW_COLUMN, "record_id", "reasons"]),
        scorecard=pd.concat(scorecards, ignore_index=True) if scorecards else pd.DataFrame(),
        authenticity=authenticity(store),
        labels=label_quality(store, [a["table"] for a in accounting], mapped=mapped_by_table),
    )


_LABEL_CHECK_WORDS = {"missing_values": "no value recorded", "category_variants": "spellings of one value"}


def label_table(labels: pd.DataFrame) -> pd.DataFrame:
    """The label checks as a reviewer reads them: table, column, what is wrong, rows and share."""
    return pd.DataFrame({
        "table": labels["table"].map(lambda t: str(t).replace("_", " ")),
        "column": labels["column"].map(lambda c: str(c).replace("_", " ")),
        "problem": labels["check"].map(_LABEL_CHECK_WORDS),
        "rows": labels["rows"].map(lambda v: f"{int(v):,}"),
        "share of rows": labels["share"].map(lambda v: f"{v:.1%}".replace("%", " %")),
        "spellings": labels["details"].fillna(""),
    })


def check_usable_share(accounting: pd.DataFrame) -> None:
    """Raise :class:`ValidationThresholdError` naming every table below its usable-share threshold."""
    failed = accounting[~accounting["passed"]]
    if failed.empty:
        return
    parts = [
        f"{r.table}: {r.usable_share:.1%} of {r.rows_in} rows usable, below the {r.threshold:.0%} threshold"
        for r in failed.itertuples()
    ]
    raise ValidationThresholdError(
        "; ".join(parts) + " (validation.min_usable_share); see the quarantine table for the reasons"
    )


def sources_summary(manifest: pd.DataFrame, accounting: pd.DataFrame) -> list[dict]:
    """The ``sources`` entry of summary.json: per table location, hash and row accounting."""
    merged = manifest.merge(accounting, on=["table", "rows_in"], how="left")
    return [
        {
            "table": r.table,
            "location": r.location,
            "format": r.format,
            "sha256": r.sha256,
            "rows_read": int(r.rows_read),
            "rows_skipped": int(r.rows_skipped),
            "rows_in": int(r.rows_in),
            "rows_usable": None if pd.isna(r.rows_usable) else int(r.rows_usable),
            "rows_quarantined": None if pd.isna(r.rows_quarantined) else int(r.rows_quarantined),
            "first_record_at": r.first_record_at,
            "last_record_at": r.last_record_at,
        }
        for r in merged.itertuples()
    ]


def accounting_table(accounting: pd.DataFrame) -> pd.DataFrame:
    """Row accounting as a reviewer reads it (shares as percentages, a plain verdict)."""
    return pd.DataFrame(
        {
            "table": accounting["table"],
            "rows in": accounting["rows_in"],
            "usable": accounting["rows_usable"],
            "quarantined": accounting["rows_quarantined"],
            "usable share": accounting["usable_share"].map(lambda v: f"{v:.2%}" if pd.notna(v) else "n/a"),
            "threshold": accounting["threshold"].map(lambda v: f"{v:.0%}"),
            "verdict": accounting["passed"].map({True: "enough usable rows", False: "BELOW THRESHOLD"}),
        }
    )


# --- findings -------------------------------------------------------------------------------------
def validation_findings(result: ValidationResult, *, ledger) -> None:
    """``data_quality`` findings of the validate stage: every check that quarantined rows, every
    table's usable share against the threshold (``significant`` when it stops the review), and
    every label column with missing values or variant spellings of one value (``attributes.check``
    ``missing_values`` / ``category_variants``; the rows stay usable, and a missing value is never
    judged as a segment).
    """

    accounting = result.accounting.set_index("table") if len(result.accounting) else result.accounting
    for row in result.accounting.to_dict(orient="records"):
        if not row["rows_quarantined"] and row["passed"]:
            continue
        ledger.add(
            "data_quality", dimension="table", segment=row["table"], key={"check": "usable_share"},
            direction="down" if not row["passed"] else None, favourable=bool(row["passed"]),
            estimate=row["usable_share"], n=row["rows_in"], comparator=row["threshold"],
            comparator_label="the usable share the review needs", significant=not bool(row["passed"]),
            attributes={"table": row["table"], "rows_usable": row["rows_usable"],
                        "rows_quarantined": row["rows_quarantined"], "unit": "proportion"},
            evidence=[section_link("accounting")],
        )
    for row in result.labels.to_dict(orient="records"):
        ledger.add(
            "data_quality", dimension="table", segment=row["table"], key={"column": row["column"], "check": row["check"]},
            estimate=row["share"], n=row["n"], significant=True, favourable=False,
            attributes={"table": row["table"], "column": row["column"], "check": row["check"], "rows": row["rows"],
                        "details": row["details"], "unit": "proportion", "quarantined": False},
            evidence=[section_link("labels")],
        )
    for row in result.failures.to_dict(orient="records"):
        rows_in = accounting.loc[row["table"], "rows_in"] if row["table"] in accounting.index else None
        ledger.add(
            "data_quality", dimension="table", segment=row["table"],
            key={"column": row.get("column"), "check": row["check"]},
            estimate=row["rows"] / rows_in if rows_in else None, n=rows_in, significant=True, favourable=False,
            attributes={"table": row["table"], "column": row.get("column"), "check": row["check"], "rows": row["rows"],
                        "unit": "proportion"},
            evidence=[section_link("quarantine")],
        )
