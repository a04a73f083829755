"""Stage 00: read every source, map it onto the canonical tables, record provenance.

Raw files are opened read-only and never modified. Each source is streamed in chunks (bounded
memory), mapped by :mod:`csperf_lib.ingest.mapping`, and appended to ``collected_<table>`` in the store.
The provenance manifest records, per table: where the data came from (credentials stripped), the
SHA-256 of the file, rows read, when it was extracted, the period the records cover and every
assumption made while reading.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd

from csperf_lib.core.config import ReviewConfig, SourceSpec
from csperf_lib.core.errors import SourceError
from csperf_lib.core.results import clear_results, mark_stage_ran
from csperf_lib.core.tables import CANONICAL_TABLES, EVENT_COLUMNS
from csperf_lib.ingest.detect import date_order, date_patterns, number_format
from csperf_lib.ingest.manifest import LIST_FIELDS, SourceRecord, collected_name, manifest_frame
from csperf_lib.ingest.mapping import (
    ISSUES_COLUMN,
    PERSONAL_HEADERS,
    check_columns,
    has_utc_offsets,
    map_chunk,
    null_spellings,
)
from csperf_lib.ingest.readers import excel_header_hint, open_source
from csperf_lib.ingest.store import Store
from csperf_lib.methods.privacy import privacy_settings


def _clock_assumptions(spec: SourceSpec, chunk, *, timezone: str | None) -> list[str]:
    """Which timestamp columns carry a time zone or UTC offset, and what was done with it."""
    kinds = CANONICAL_TABLES[spec.table].columns
    columns = [c.column for c in spec.columns if kinds.get(c.canonical) == "datetime" and c.column in chunk.columns]
    aware = [c for c in dict.fromkeys(columns) if has_utc_offsets(chunk[c])]
    if not aware:
        return []
    named = ", ".join(f"'{c}'" for c in aware)
    if timezone:
        return [f"timestamps in {named} carry a time zone or UTC offset: converted to {timezone} (the config's timezone)"]
    return [f"timestamps in {named} carry a time zone or UTC offset: each kept on the clock it was written in "
            "(no timezone named in the config; name one to convert them)"]


def collect_table(
    spec: SourceSpec, store: Store, *, timezone: str | None = None, chunk_size: int = 250_000,
    pseudonym_key: bytes | None = None,
) -> SourceRecord:
    """Read one source, map it, and (re)write ``collected_<table>`` in the store.

    With ``pseudonym_key``, identifiers and categories holding personal data are made shareable
    as they are stored (:func:`csperf_lib.ingest.mapping.shareable`), and each column so changed
    is named among the assumptions.

    Raises
    ------
    SourceError
        When the source cannot be read or lacks a mapped column (one line, naming both).
    """
    extracted_at = dt.datetime.now().replace(microsecond=0).isoformat()
    info, chunks = open_source(spec, chunk_size=chunk_size)
    try:
        check_columns(spec, info.columns, location=Path(info.location).name if spec.kind == "file" else info.location,
                      repeated=info.repeated_columns)
    except SourceError as exc:
        wanted = {c for col in spec.columns for c in col.referenced_columns}
        hint = excel_header_hint(spec, wanted) if spec.format == "excel" else None
        if hint is None:
            raise
        raise SourceError(f"{exc}; {hint}") from None
    name = collected_name(spec.table)
    store.drop(name)
    rows = issues = skipped = 0
    extra: tuple[str, ...] = ()
    canonical = set(CANONICAL_TABLES[spec.table].columns)
    assumptions = list(info.assumptions)
    personal: dict[str, tuple[int, list[str]]] = {}
    try:
        for chunk in chunks:
            if rows == 0:
                spec, decided = _decide_date_order(spec, chunk)
                assumptions += decided
                spec, decided = _decide_number_format(spec, chunk)
                assumptions += decided
                assumptions += _clock_assumptions(spec, chunk, timezone=timezone)
                assumptions += _null_words(spec, chunk)
            mapped = map_chunk(chunk, spec, first_row=rows + 1, timezone=timezone, pseudonym_key=pseudonym_key)
            for column, (changed, kinds) in mapped.attrs.get("personal_data", {}).items():
                if column == PERSONAL_HEADERS and rows:
                    continue  # every chunk has the same headers: count them once
                before, seen = personal.get(column, (0, []))
                personal[column] = (before + changed, list(dict.fromkeys([*seen, *kinds])))
            if rows == 0:
                extra = tuple(c for c in mapped.columns if c not in canonical and not c.startswith("_"))
            if spec.skip_when_blank:
                blank = mapped[list(spec.skip_when_blank)].isna().all(axis=1) & mapped[ISSUES_COLUMN].eq("")
                skipped += int(blank.sum())
                kept = mapped[~blank.to_numpy()]
            else:
                kept = mapped
            store.write(name, kept, append=rows > 0)
            rows += len(mapped)
            issues += int(mapped[ISSUES_COLUMN].ne("").sum())
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:  # release a database cursor or file even when mapping fails
            close()
    table = store.table(name)
    assumptions += _fraction_notes(spec, table)
    assumptions += [_personal_words(column, changed, kinds, kind=CANONICAL_TABLES[spec.table].columns.get(column))
                    for column, (changed, kinds) in personal.items()]
    event = EVENT_COLUMNS[spec.table]
    bounds = table.aggregate(first=table[event].min(), last=table[event].max()).execute().iloc[0]
    return SourceRecord(
        table=spec.table,
        location=info.location,
        format=info.format,
        sha256=info.sha256,
        rows_read=rows,
        rows_skipped=skipped,
        rows_in=rows - skipped,
        rows_with_parse_issues=issues,
        columns_mapped=tuple(c.canonical for c in spec.columns),
        extra_columns=extra,
        extracted_at=extracted_at,
        first_record_at=None if pd.isna(bounds["first"]) else pd.Timestamp(bounds["first"]).isoformat(),
        last_record_at=None if pd.isna(bounds["last"]) else pd.Timestamp(bounds["last"]).isoformat(),
        assumptions=tuple(assumptions),
    )


def _personal_words(column: str, changed: int, kinds: list[str], *, kind: str | None) -> str:
    """What was done with personal data found outside free text, in words."""
    what = ", ".join(kinds)
    if column == PERSONAL_HEADERS:
        return f"{changed:,} column header(s) hold personal data ({what}): stored and shown redacted"
    done = "replaced by keyed pseudonyms (the same value gets the same pseudonym in every table)" if kind == "id" \
        else "stored and shown redacted"
    return f"{column}: {changed:,} value(s) hold personal data ({what}): {done}"


#: Survey scores answered in whole points (NPS must be whole: the schema quarantines a fraction).
WHOLE_POINT_SCORES = {"csat": "1-5", "ces": "1-7"}


def _fraction_notes(spec: SourceSpec, table) -> list[str]:
    """A note for each survey score column holding fractions (4.5 on a scale answered in whole
    points): kept as given, but said, since it may be an export of averages rather than answers."""
    if spec.table != "surveys":
        return []
    mapped = {c.canonical for c in spec.columns}
    notes = []
    for column, scale in WHOLE_POINT_SCORES.items():
        if column not in mapped:
            continue
        values = table[column]
        fractions = table.filter(values.notnull() & (values != values.round())).aggregate(
            n=values.count(), example=values.min()).execute().iloc[0]
        if int(fractions["n"]):
            notes.append(f"{column}: {int(fractions['n']):,} value(s) are not whole points on the {scale} scale "
                         f"(e.g. {float(fractions['example']):g}): kept as given; check whether the export holds "
                         "averages rather than answers")
    return notes


def _null_words(spec: SourceSpec, chunk: pd.DataFrame) -> list[str]:
    """Which mapped columns spell "no value" in words (NULL, N/A, -), read as missing (first chunk)."""
    said = []
    for column in dict.fromkeys(c for spec_col in spec.columns for c in spec_col.source_columns if c in chunk.columns):
        found = null_spellings(chunk[column])
        if found:
            shown = ", ".join(f"{word} ×{count:,}" for word, count in found.items())
            said.append(f"'{column}' spells no value as {shown} (in any case): read as missing")
    return said


def _decide_date_order(spec: SourceSpec, chunk: pd.DataFrame) -> tuple[SourceSpec, list[str]]:
    """Set ``dayfirst`` of each timestamp column without a format or an explicit ``dayfirst``,
    from the first chunk's values (see :func:`csperf_lib.ingest.detect.date_order`); the choices made."""
    columns, said = [], []
    for col in spec.columns:
        kind = CANONICAL_TABLES[spec.table].columns[col.canonical]
        if kind != "datetime" or col.format is not None or col.dayfirst is not None or col.column is None:
            columns.append(col)
            continue
        if col.column not in chunk.columns:
            columns.append(col)
            continue
        order = date_order(chunk[col.column])
        if order.conflict:
            said.append(f"dates in '{col.column}' do not agree on the order of day and month: {order.evidence}; each "
                        "is read in the only order its fields allow, and rows whose date could be either are "
                        "quarantined (set dayfirst, or correct the export)")
            columns.append(dataclasses.replace(col, dayfirst=False, dates_settle_each=True))
            continue
        if order.found:
            words = "day-first" if order.assumed else "month-first"
            if order.dayfirst is None:
                words += f" (undecidable: the convention of '{order.separator}' dates; set dayfirst)"
            said.append(f"dates in '{col.column}' read {words}: {order.evidence} (decided from the data)")
        said += _pattern_words(col.column, chunk[col.column])
        columns.append(dataclasses.replace(col, dayfirst=order.assumed if order.found else False))
    return dataclasses.replace(spec, columns=tuple(columns)), said


def _pattern_words(column: str, values: pd.Series) -> list[str]:
    """Say so when one column writes its dates in more than one way (each is read by its own pattern)."""
    patterns = date_patterns(values)
    if len(patterns) < 2:
        return []
    shown = ", ".join(f"{count:,} {name} (e.g. {example})" for name, (count, example) in patterns.items())
    return [f"dates in '{column}' are written in {len(patterns)} ways: {shown}; each is read by its own pattern, "
            "and a year-first date is never reordered"]


def collect(config: ReviewConfig, store: Store, *, chunk_size: int = 250_000) -> pd.DataFrame:
    """Collect every table of the config into the store and write the ``manifest`` table.

    Tables of an earlier run that this config no longer supplies are dropped, so a stage never
    reads stale data.

    Returns
    -------
    DataFrame
        The manifest: one row per table with the fields of :class:`SourceRecord`.
    """
    key = privacy_settings(config)[0]
    records = [
        collect_table(spec, store, timezone=config.timezone, chunk_size=chunk_size, pseudonym_key=key)
        for spec in config.tables.values()
    ]
    for table in CANONICAL_TABLES:
        if table not in config.tables:
            store.drop(collected_name(table))
        store.drop(table)
    store.drop("quarantine")
    clear_results(store)  # a new collection starts a new review: no earlier stage's results or findings
    manifest = manifest_frame(records)
    stored = manifest.assign(**{c: manifest[c].map(json.dumps) for c in LIST_FIELDS})
    # an undated interval report has no first or last record: keep the columns typed as text
    stored = stored.astype({"first_record_at": "string", "last_record_at": "string"})
    store.write("manifest", stored)
    mark_stage_ran(store, "00_collect")
    return manifest


def provenance_table(manifest: pd.DataFrame) -> pd.DataFrame:
    """The manifest as a reviewer reads it: one row per table, short hash, period covered."""
    return pd.DataFrame(
        {
            "table": manifest["table"],
            "source": manifest["location"].map(lambda loc: Path(loc).name if "://" not in loc else loc),
            "format": manifest["format"],
            "SHA-256 (first 16)": manifest["sha256"].fillna("").str.slice(0, 16),
            "records read": manifest["rows_read"],
            "not rows of this table": manifest["rows_skipped"],
            "rows in": manifest["rows_in"],
            "with unreadable values": manifest["rows_with_parse_issues"],
            "first record": manifest["first_record_at"],
            "last record": manifest["last_record_at"],
            "extracted at": manifest["extracted_at"],
        }
    )


def assumptions_table(manifest: pd.DataFrame) -> pd.DataFrame:
    """Every assumption made while reading, one row each (empty when none were needed)."""
    rows = [
        {"table": r.table, "assumption": a}
        for r in manifest.itertuples()
        for a in (r.assumptions or ())
    ]
    return pd.DataFrame(rows, columns=["table", "assumption"])


#: 12:02:23 AM: a duration written as a clock time (some ACD exports).
_CLOCK12 = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?\s*[AaPp][Mm]$")


def _numeric_texts(spec: SourceSpec, chunk: pd.DataFrame) -> tuple[pd.Series, list]:
    """Distinct text values of the columns read as plain numbers, and the duration specs without
    a format (for the clock-time check)."""
    kinds = CANONICAL_TABLES[spec.table].columns
    texts, durations = [], []
    for col in spec.columns:
        if col.column is None or col.column not in chunk.columns or col.values:
            continue
        kind = kinds[col.canonical]
        values = chunk[col.column]
        if not (pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype)):
            continue
        if kind == "duration" and col.format is None:
            durations.append(col)
        if kind in ("number", "duration") and col.format is None:
            texts.append(values.dropna().astype(str).str.strip())
    distinct = pd.concat(texts).drop_duplicates() if texts else pd.Series(dtype=object)
    return distinct, durations


def _decide_number_format(spec: SourceSpec, chunk: pd.DataFrame) -> tuple[SourceSpec, list[str]]:
    """Decimal and thousands separators of plain-number columns, and clock-style durations
    ("12:02:23 AM"), decided from the first chunk when the config does not say; the choices made.

    The evidence rules are :func:`csperf_lib.ingest.detect.number_format`'s, the same ``csperf init``
    uses; an undecidable reading is said to be one.
    """
    said: list[str] = []
    options = dict(spec.options)
    texts, durations = _numeric_texts(spec, chunk)
    found = number_format(texts, delimiter=options.get("delimiter")) if "decimal" not in options and "thousands" not in options else None
    if found is not None and found.decimal == ",":
        options.update(decimal=",", **({"thousands": found.thousands} if found.thousands else {}))
        if found.thousands:
            said.append(f"numbers read with a decimal comma and '{found.thousands}' thousands: e.g. {found.example} (decided from the data)")
        elif found.sure:
            said.append(f"numbers read with a decimal comma: {found.count:,} values such as {found.example} (decided from the data)")
        else:
            said.append(f"numbers read with a decimal comma: e.g. {found.example} (undecidable from the data: fields split by "
                        "';' suggest a decimal comma, but it could be a thousands comma; set decimal/thousands)")
    elif found is not None and found.thousands:
        options["thousands"] = found.thousands
        said.append(f"numbers read with ',' as thousands separator: e.g. {found.example}"
                    + (" (decided from the data)" if found.sure else
                       " (undecidable from the data: it could be a decimal comma; set decimal/thousands)"))
    columns = list(spec.columns)
    for col in durations:
        values = chunk[col.column].dropna().astype(str).str.strip()
        values = values[values != ""]
        if len(values) and values.str.match(_CLOCK12).all():
            columns[columns.index(col)] = dataclasses.replace(col, format="clock12")
            said.append(f"durations in '{col.column}' are written as clock times ({values.iloc[0]}): "
                        "read as hours, minutes and seconds from 12:00 AM (decided from the data)")
    if not said:
        return spec, said
    return dataclasses.replace(spec, options=options, columns=tuple(columns)), said
