"""``summary.json``: the machine-readable results each stage contributes to.

Its contract — a ``schema_version``, typed models and a shipped JSON Schema — is in
:mod:`csperf_lib.core.summary`; every key written here must be one the contract knows.

Stages run one after another, so a read-modify-write of one JSON file is safe. Values are
converted to plain JSON (DataFrames become lists of records; NaN becomes null; timestamps ISO
strings), so schedulers and later reviews can read the file without pandas.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SUMMARY_FILE = "summary.json"
#: Version of the contract (:mod:`csperf_lib.core.summary`) stamped on every file written; bumped
#: when a key changes meaning or is removed (adding is compatible). Declared here, where it is
#: written, so the contract's models (which name a Finding) need not be imported to write a file.
SCHEMA_VERSION = "1.0"


def to_jsonable(value: Any) -> Any:
    """Convert ``value`` to plain JSON types (dict, list, str, float, int, bool, None)."""
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return to_jsonable(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(float(value)) or math.isinf(float(value)) else float(value)
    if value is pd.NA or value is pd.NaT or value is None:
        return None
    return value


def read_summary(run_dir: str | Path) -> dict[str, Any]:
    """The summary written so far in ``run_dir`` (empty when there is none)."""
    path = Path(run_dir) / SUMMARY_FILE
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def update_summary(run_dir: str | Path, **entries: Any) -> dict[str, Any]:
    """Add or replace top-level keys of ``run_dir/summary.json`` and return the whole summary.

    The file is written to a temporary name and renamed, so a reader never sees half a file.
    """

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    summary = read_summary(run_dir)
    summary.setdefault("schema_version", SCHEMA_VERSION)
    summary.update({k: to_jsonable(v) for k, v in entries.items()})
    tmp = run_dir / (SUMMARY_FILE + ".tmp")
    tmp.write_text(json.dumps(summary, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(tmp, run_dir / SUMMARY_FILE)
    return summary
