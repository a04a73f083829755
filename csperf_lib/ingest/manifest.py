"""The provenance manifest of a collection and the store tables it fills.

Stage 00 (:mod:`csperf_lib.stages.collect`) writes one :class:`SourceRecord` per canonical table to
the store's ``manifest`` table and the collected rows to ``collected_<table>``; stage 01 and the
report read them back through here, so no stage imports another.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from csperf_lib.core.summary_io import to_jsonable
from csperf_lib.ingest.store import Store


@dataclass(frozen=True)
class SourceRecord:
    """Provenance of one collected table.

    Attributes
    ----------
    table : str
        Canonical table.
    location : str
        File path, or database URL without credentials.
    format : str
        csv, excel, parquet or sql.
    sha256 : str or None
        SHA-256 of the file (of the query text for SQL).
    rows_read : int
        Records read from the source.
    rows_skipped : int
        Records that are not rows of this table by the config's ``skip_when_blank`` rule.
    rows_in : int
        Rows of this table handed to validation: ``rows_read - rows_skipped``.
    rows_with_parse_issues : int
        Records with at least one value that could not be read (quarantined by the validate stage).
    columns_mapped : tuple of str
        Canonical columns the mapping fills.
    extra_columns : tuple of str
        Source columns kept as-is for segmentation.
    extracted_at : str
        ISO timestamp when the source was read.
    first_record_at, last_record_at : str or None
        Earliest and latest event timestamp in the records (the period covered).
    assumptions : tuple of str
        Every assumption made while reading (encoding, delimiter, header offset, sheet).
    """

    table: str
    location: str
    format: str
    sha256: str | None
    rows_read: int
    rows_skipped: int
    rows_in: int
    rows_with_parse_issues: int
    columns_mapped: tuple[str, ...]
    extra_columns: tuple[str, ...]
    extracted_at: str
    first_record_at: str | None
    last_record_at: str | None
    assumptions: tuple[str, ...] = field(default_factory=tuple)


def collected_name(table: str) -> str:
    """Store table holding the collected (not yet validated) rows of ``table``."""
    return f"collected_{table}"


LIST_FIELDS = ("columns_mapped", "extra_columns", "assumptions")


def manifest_frame(records: list[SourceRecord]) -> pd.DataFrame:
    """Manifest records as a DataFrame (one row per table)."""
    columns = list(SourceRecord.__dataclass_fields__)
    return pd.DataFrame([asdict(r) for r in records], columns=columns)


def read_manifest(store: Store) -> pd.DataFrame:
    """The manifest written by :func:`collect`, list fields decoded."""
    manifest = store.to_pandas("manifest")
    for column in LIST_FIELDS:
        manifest[column] = manifest[column].map(lambda v: tuple(json.loads(v)))
    return manifest


def write_manifest_json(manifest: pd.DataFrame, path: str | Path) -> Path:
    """Write the manifest as JSON (the audit trail of the run folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_jsonable(manifest), indent=2) + "\n", encoding="utf-8")
    return path
