"""Stage results stored once in the processed store, read by later stages.

A stage writes the tables it computes (KPI breakdowns, trends, gaps, theme shares…) with
:func:`save_results`; a later stage reads them with :func:`read_result` and never recomputes
them. Each result is a store table ``stage<NN>_<name>`` (``stage05_gaps``); the ``stage_results``
table records which stage wrote which result, when, and which columns hold JSON (a column of
dicts or lists, e.g. a theme's sentiment, is stored as JSON text and decoded on reading).

:func:`require_stage` is what a stage opened alone calls first: when an earlier stage it reads
has not run, it raises :class:`MissingStageError` with one sentence naming the stage to run.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping

import pandas as pd

from csperf_lib.core.errors import CsperfError

__all__ = [
    "REGISTRY_TABLE",
    "MissingStageError",
    "STAGE_TITLES",
    "clear_results",
    "has_result",
    "mark_stage_ran",
    "read_result",
    "require_stage",
    "result_table",
    "save_results",
    "stages_recorded",
]

REGISTRY_TABLE = "stage_results"
#: The one column of a stored result that had no columns at all.
EMPTY_MARKER = "_no_columns"

#: Stage titles, for sentences.
STAGE_TITLES = {
    "00_collect": "Collect",
    "01_validate": "Validate",
    "02_sample": "Sample for quality review",
    "03_quantitative": "Quantitative analysis",
    "04_qualitative": "Qualitative analysis",
    "05_benchmarks": "Benchmark gaps and target review",
    "06_recommendations": "Recommendations, resourcing and coaching",
    "07_evidence_report": "Evidence report",
}


class MissingStageError(CsperfError):
    """A stage needs what an earlier stage stores, and that stage has not run on this store."""


def result_table(stage: str, name: str) -> str:
    """The store table of a stage's result: ``stage05_gaps``."""
    return f"stage{stage[:2]}_{name}"


def _json_columns(frame: pd.DataFrame) -> list[str]:
    out = []
    for column in frame.columns:
        if frame[column].dtype != object:
            continue
        sample = frame[column].dropna()
        if len(sample) and sample.map(lambda v: isinstance(v, (dict, list, tuple))).any():
            out.append(column)
    return out


def _storable(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """A copy the engine can store: JSON text for dict/list columns, strings for mixed objects."""
    frame = frame.reset_index(drop=True).copy()
    if not len(frame.columns):  # an engine table needs a column: an empty result keeps a marker
        return pd.DataFrame({EMPTY_MARKER: pd.Series(dtype="boolean")}), []
    encoded = _json_columns(frame)
    for column in encoded:
        frame[column] = frame[column].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v))
                                          else json.dumps(v, default=str, ensure_ascii=False))
    for column in frame.columns:
        if column in encoded or frame[column].dtype != object:
            continue
        values = frame[column].dropna()
        if len(values) and not values.map(lambda v: isinstance(v, str)).all():
            if values.map(lambda v: isinstance(v, (bool,))).all():
                frame[column] = frame[column].astype("boolean")
            elif values.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)).all():
                frame[column] = pd.to_numeric(frame[column], errors="coerce")
            elif values.map(lambda v: isinstance(v, (dt.date, dt.datetime, pd.Timestamp))).all():
                frame[column] = pd.to_datetime(frame[column], errors="coerce")
            else:
                frame[column] = frame[column].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
        if frame[column].dtype == object and frame[column].isna().all():
            frame[column] = frame[column].astype("string")
    return frame, encoded


def save_results(store, stage: str, **frames: pd.DataFrame) -> None:
    """Write ``frames`` as the results of ``stage`` (each replaces its earlier version) and record
    them, and the stage as having run, in the ``stage_results`` registry."""
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    rows = []
    for name, frame in frames.items():
        stored, encoded = _storable(pd.DataFrame(frame))
        store.write(result_table(stage, name), stored)
        rows.append({"stage": stage, "name": name, "table": result_table(stage, name), "rows": len(stored),
                     "json_columns": json.dumps(encoded), "written_at": now})
    if not rows:  # a stage that ran and stores nothing still records that it ran
        rows.append({"stage": stage, "name": "", "table": "", "rows": 0, "json_columns": "[]", "written_at": now})
    registry = _registry(store)
    names = {r["name"] for r in rows}
    keep = registry[~((registry["stage"] == stage) & registry["name"].isin(names))] if len(registry) else registry
    store.write(REGISTRY_TABLE, pd.concat([keep, pd.DataFrame(rows)], ignore_index=True).astype(
        {"stage": "string", "name": "string", "table": "string", "rows": "int64", "json_columns": "string",
         "written_at": "string"}))


def mark_stage_ran(store, stage: str) -> None:
    """Record that ``stage`` ran on this store (what :func:`require_stage` checks)."""
    save_results(store, stage)


def clear_results(store) -> None:
    """Drop every stored stage result, the registry and the findings ledger (a new collection
    starts a new review: nothing of an earlier one may be read as this one's)."""
    registry = _registry(store)
    for table in set(registry["table"]) if len(registry) else ():
        if table:
            store.drop(table)
    store.drop(REGISTRY_TABLE)
    store.drop("findings")


def _registry(store) -> pd.DataFrame:
    if not store.has(REGISTRY_TABLE):
        return pd.DataFrame(columns=["stage", "name", "table", "rows", "json_columns", "written_at"])
    return store.to_pandas(REGISTRY_TABLE)


def stages_recorded(store) -> set[str]:
    """Stages that recorded results (or that they ran) in this store."""
    return set(_registry(store)["stage"])


def has_result(store, stage: str, name: str) -> bool:
    """Whether ``stage`` stored a result called ``name``."""
    registry = _registry(store)
    return bool(((registry["stage"] == stage) & (registry["name"] == name)).any()) and store.has(result_table(stage, name))


def read_result(store, stage: str, name: str, *, needed_by: str | None = None) -> pd.DataFrame:
    """A result an earlier stage stored, with JSON columns decoded.

    Raises
    ------
    MissingStageError
        When the stage has not stored it, naming the stage to run first.
    """
    registry = _registry(store)
    entry = registry[(registry["stage"] == stage) & (registry["name"] == name)]
    if entry.empty or not store.has(result_table(stage, name)):
        raise MissingStageError(missing_sentence(stage, needed_by=needed_by))
    frame = store.to_pandas(result_table(stage, name))
    if list(frame.columns) == [EMPTY_MARKER]:
        return pd.DataFrame()
    for column in json.loads(entry.iloc[-1]["json_columns"] or "[]"):
        if column in frame:
            frame[column] = frame[column].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else json.loads(v))
    return frame


def missing_sentence(stage: str, *, needed_by: str | None = None) -> str:
    """"Run stage 05_benchmarks (Benchmark gaps and target review) first: …" in one sentence."""
    title = STAGE_TITLES.get(stage, stage)
    who = f"Stage {needed_by}" if needed_by else "This stage"
    return (f"{who} reads what stage {stage} ({title}) stores, and the processed store has no record of it: "
            f"run stage {stage} first (csperf review runs every stage in order).")


def require_stage(store, stages: str | Iterable[str], *, needed_by: str | None = None,
                  skipped: Mapping[str, str] | None = None) -> None:
    """Raise :class:`MissingStageError` for the first of ``stages`` that has not run on this store.

    ``skipped`` maps stages the review legitimately skips (nothing to work on) to the reason;
    those are not required.
    """
    recorded = stages_recorded(store)
    for stage in [stages] if isinstance(stages, str) else stages:
        if stage in recorded or stage in (skipped or {}):
            continue
        raise MissingStageError(missing_sentence(stage, needed_by=needed_by))
