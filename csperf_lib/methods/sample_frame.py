"""The sampling frame: the population a QA sample is drawn from, and its strata.

:func:`sampling_frame` builds one row per reviewable unit (a contact, or a complaint case with
:func:`complaint_frame`) with the stratum columns derived from it (hour band, weekday); the
population helpers say what the unit is, how large each stratum is and which strata are usable.
The design that samples from the frame (sample size, allocation, the draw) is in
:mod:`csperf_lib.methods.sampling`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csperf_lib.core.calendar import WEEKDAYS
from csperf_lib.methods.privacy import pseudonymise_column

__all__ = [
    "population_overview",
    "sampling_frame",
    "usable_strata",
]

#: Default stratification: only those the data has values for are used.
DEFAULT_STRATA = ("channel", "queue", "team")
AGENT = "agent_id"
#: Time-of-day bands (start hour, label) derived from the arrival time.
HOUR_BANDS = ((0, "night 00-08"), (8, "morning 08-12"), (12, "afternoon 12-17"), (17, "evening 17-24"))
#: Categorical columns :func:`sampling_frame` pulls (when the contacts table has them).
FRAME_CATEGORIES = ("channel", "queue", "team", "region", "agent_id")
#: Categorical columns :func:`complaint_frame` pulls (when the complaints table has them).
COMPLAINT_CATEGORIES = ("queue", "category", "channel", "region", "status")
#: Flags :func:`sampling_frame` pulls, usable with ``oversample``.
FRAME_FLAGS = ("escalated", "transferred")


def _hour_band(hours: np.ndarray) -> pd.Categorical:
    starts = np.array([s for s, _ in HOUR_BANDS])
    codes = np.searchsorted(starts, np.asarray(hours), side="right") - 1
    return pd.Categorical.from_codes(codes.astype("int8"), categories=[label for _, label in HOUR_BANDS], ordered=True)


def _weekday(index: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(index).astype("int8"), categories=list(WEEKDAYS), ordered=True)


def _with_derived(frame: pd.DataFrame, wanted: Sequence[str]) -> pd.DataFrame:
    """``frame`` with ``weekday`` / ``hour_band`` derived from ``arrived_at`` when wanted and absent."""
    missing = [c for c in ("weekday", "hour_band") if c in wanted and c not in frame]
    if not missing or "arrived_at" not in frame:
        return frame
    arrived = pd.to_datetime(frame["arrived_at"])
    extra = {}
    blank = arrived.isna().to_numpy()
    if "weekday" in missing:
        codes = np.where(blank, -1, arrived.dt.day_of_week.fillna(0).to_numpy(dtype=np.int64))
        extra["weekday"] = pd.Categorical.from_codes(codes.astype("int8"), categories=list(WEEKDAYS), ordered=True)
    if "hour_band" in missing:
        band = _hour_band(arrived.dt.hour.fillna(0).to_numpy(dtype=np.int64))
        codes = np.where(blank, -1, band.codes)
        extra["hour_band"] = pd.Categorical.from_codes(codes.astype("int8"), categories=band.categories, ordered=True)
    return frame.assign(**extra)


def _frame_query(pop: Any, names: set[str], categories: list[str]) -> tuple[Any, list[str], list[str]]:
    """The engine query of the frame's columns, and which numeric and flag columns it has."""
    select: dict[str, Any] = {"contact_id": pop.contact_id.cast("string")}
    for column in categories:
        select[column] = pop[column].cast("string")
    select["arrived_at"] = pop.arrived_at
    select["_weekday"] = pop.arrived_at.day_of_week.index().cast("int8")
    select["_hour"] = pop.arrived_at.hour().cast("int8")
    numbers = []
    if "talk_s" in names:
        handle = pop.talk_s
        for part in ("hold_s", "wrap_s"):
            if part in names:
                handle = handle + pop[part].fill_null(0)
        select["handle_s"] = handle.cast("float64")
        numbers.append("handle_s")
    if "wait_s" in names:
        select["wait_s"] = pop.wait_s.cast("float64")
        numbers.append("wait_s")
    flags = [f for f in FRAME_FLAGS if f in names]
    for flag in flags:
        select[flag] = pop[flag].cast("boolean")
    select["_order"] = pop["_row" if "_row" in names else "contact_id"]
    return pop.select(**select), numbers, flags


def _levels(pop: Any, column: str) -> pd.Index:
    """The sorted distinct values of a text column, computed in the engine."""
    values = pop.select(v=pop[column].cast("string")).distinct().filter(ibis._.v.notnull()).execute()["v"]
    return pd.Index(sorted(values.astype(str)))


def _source_order(order_values: np.ndarray | None, order_parts: list, *, rows: int) -> np.ndarray | None:
    """The permutation putting rows back in source-record order, or None when they already are."""
    permutation = None
    if rows > 1 and order_values is not None:
        if not (order_values[1:] > order_values[:-1]).all():
            permutation = np.argsort(order_values, kind="stable")
    elif rows > 1:
        order = pa.chunked_array(order_parts, type=pa.large_string())
        if not pc.all(pc.greater(order[1:], order[:-1])).as_py():
            permutation = pc.sort_indices(order).to_numpy()
        del order
    return permutation


def sampling_frame(contacts, *, chunk_size: int = 1_000_000) -> pd.DataFrame:
    """The population to sample: answered contacts, only the columns sampling needs.

    Runs in the store's engine (an Ibis table): filters answered contacts and selects the
    identifier, the stratification columns, the agent, the arrival time with its weekday
    (0 = Monday) and hour, handle time (``talk_s + hold_s + wrap_s``, seconds; missing hold/wrap
    count as 0), wait time and the escalation/transfer flags. The result is streamed in batches of
    ``chunk_size`` rows into preallocated arrays: text categories become pandas categoricals
    straight from Arrow's dictionary indices (1-2 bytes a row, no Python strings), so a
    10M-contact population takes about 50 bytes a contact. Rows are in source-record order (they
    are reordered only if the engine returned them otherwise), so the same store and seed always
    give the same sample.

    Parameters
    ----------
    contacts : ibis.Table
        The usable ``contacts`` table (``store.table("contacts")``).
    chunk_size : int, keyword-only
        Rows transferred at a time (memory bound).

    Returns
    -------
    DataFrame
        ``contact_id`` (string), the categorical columns of :data:`FRAME_CATEGORIES` the table has
        (``category``), ``arrived_at``, ``weekday`` and ``hour_band`` (ordered categories),
        ``handle_s`` and ``wait_s`` (float seconds) and the flags of :data:`FRAME_FLAGS` (boolean)
        when the table has their sources. All-null columns are kept: :func:`usable_strata` says so.
    """
    names = set(contacts.columns)
    pop = contacts.filter(contacts.answered.fill_null(False))
    categories = [c for c in FRAME_CATEGORIES if c in names]
    expr, numbers, flags = _frame_query(pop, names, categories)
    rows = int(pop.count().execute())
    levels = {column: _levels(pop, column) for column in categories}
    # the smallest integer type pandas uses for these categories, so from_codes does not copy
    codes = {c: np.full(rows, -1, dtype=np.int8 if len(levels[c]) < 127 else np.int16 if len(levels[c]) < 32_767 else np.int32) for c in categories}
    arrived = np.empty(rows, dtype="datetime64[us]")
    weekday = np.empty(rows, dtype=np.int8)
    hour = np.empty(rows, dtype=np.int8)
    values = {c: np.full(rows, np.nan) for c in numbers}
    flag_values = {f: np.zeros(rows, dtype=bool) for f in flags}
    flag_blank = {f: np.ones(rows, dtype=bool) for f in flags}
    numeric_order = "_row" in names
    order_values = np.empty(rows, dtype=np.int64) if numeric_order else None
    ids, order_parts = [], []
    at = 0
    for batch in expr.to_pyarrow_batches(chunk_size=chunk_size):
        size = batch.num_rows
        if not size:
            continue
        stop = min(at + size, rows)
        size = stop - at  # guard: the table cannot grow between the count and the scan
        col = {name: batch.column(name).slice(0, size) for name in batch.schema.names}
        # Copies, not views: an array imported from the engine keeps its whole batch alive.
        ids.append(pa.concat_arrays([col["contact_id"].cast(pa.large_string())]))
        for column in categories:
            encoded = pc.dictionary_encode(col[column])
            lookup = levels[column].get_indexer(encoded.dictionary.to_pandas().astype(str))
            index = encoded.indices.to_numpy(zero_copy_only=False)
            valid = ~np.asarray(encoded.is_null())
            target = codes[column][at:stop]
            target[valid] = lookup[index[valid].astype(np.int64)]
        arrived[at:stop] = col["arrived_at"].cast(pa.timestamp("us")).to_numpy(zero_copy_only=False)
        weekday[at:stop] = col["_weekday"].to_numpy(zero_copy_only=False)
        hour[at:stop] = col["_hour"].to_numpy(zero_copy_only=False)
        for column in numbers:
            values[column][at:stop] = col[column].to_numpy(zero_copy_only=False)
        for flag in flags:
            present = col[flag].is_valid().to_numpy(zero_copy_only=False)
            flag_blank[flag][at:stop] = ~present
            flag_values[flag][at:stop] = col[flag].fill_null(False).to_numpy(zero_copy_only=False)
        if numeric_order:
            order_values[at:stop] = col["_order"].to_numpy(zero_copy_only=False)
        else:
            order_parts.append(pa.concat_arrays([col["_order"].cast(pa.large_string())]))
        at = stop
        del batch, col
    rows = at
    permutation = _source_order(order_values[:rows] if numeric_order else None, order_parts, rows=rows)
    del order_values, order_parts

    def arranged(array: np.ndarray) -> np.ndarray:
        array = array[:rows]
        return array if permutation is None else array[permutation]

    id_array = pa.chunked_array(ids, type=pa.large_string()) if ids else pa.chunked_array([], type=pa.large_string())
    if permutation is not None:
        id_array = id_array.take(pa.array(permutation))
    out: dict[str, Any] = {"contact_id": pd.array(pd.arrays.ArrowStringArray(id_array), dtype="string")}
    for column in categories:
        out[column] = pd.Categorical.from_codes(arranged(codes.pop(column)), categories=levels[column])
    out["arrived_at"] = arranged(arrived)
    out["weekday"] = _weekday(arranged(weekday))
    out["hour_band"] = _hour_band(arranged(hour))
    for column in numbers:
        out[column] = arranged(values.pop(column))
    for flag in flags:
        out[flag] = pd.arrays.BooleanArray(arranged(flag_values[flag]), arranged(flag_blank[flag]))
    return pd.DataFrame(out, copy=False)


def population_unit(frame: pd.DataFrame) -> str:
    """What the rows of a sampling frame are: ``"contacts"`` or ``"complaints"`` (``frame.attrs``)."""
    return frame.attrs.get("unit", "contacts")


def complaint_frame(complaints) -> pd.DataFrame:
    """The population to sample in a review without contact records: every usable complaint.

    A complaint-handling quality review scores how each case was handled and answered. The frame
    has the case identifier as ``complaint_id``, the complaint's categories (``queue`` = product or
    service area, ``category``, ``channel``, ``region``, ``status``) as categoricals, and the
    receipt time as ``arrived_at`` so that weekday and time-of-day bands are derived as for
    contacts. Rows are in source-record order so the same store and seed give the same sample.

    Parameters
    ----------
    complaints : ibis.Table
        The usable ``complaints`` table.

    Returns
    -------
    DataFrame
        With ``attrs["unit"] = "complaints"`` (see :func:`population_unit`).
    """
    names = set(complaints.columns)
    picks = ["complaint_id", *[c for c in COMPLAINT_CATEGORIES if c in names]]
    order = "_row" if "_row" in names else "complaint_id"
    frame = complaints.select(*picks, arrived_at=complaints.received_at, _order=complaints[order]).execute()
    frame = frame.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)
    frame["complaint_id"] = frame["complaint_id"].astype("string")
    for column in picks[1:]:
        frame[column] = frame[column].astype("category")
    frame["arrived_at"] = pd.to_datetime(frame["arrived_at"])
    frame = _with_derived(frame, ("weekday", "hour_band"))
    frame.attrs["unit"] = "complaints"
    return frame


def review_population(store, *, pseudonym_key: bytes | str | None = None) -> pd.DataFrame:
    """What a review samples for quality review: answered contacts (:func:`sampling_frame`), or in
    a review without contact records every complaint (:func:`complaint_frame`).

    With ``pseudonym_key`` the agent column holds keyed pseudonyms
    (:func:`csperf_lib.methods.privacy.pseudonymise_column`), as everywhere in a shareable report:
    the sample, the coverage and the reviewer worksheet then name no agent in clear.
    """
    if store.has("contacts"):
        frame = sampling_frame(store.table("contacts"))
    else:
        frame = complaint_frame(store.table("complaints"))
    return pseudonymise_column(frame, AGENT, key=pseudonym_key) if pseudonym_key is not None else frame


def population_overview(frame: pd.DataFrame, *, agent: str = AGENT) -> pd.DataFrame:
    """One-row description of the population: contacts (or complaints), agents, first and last arrival."""
    arrived = frame["arrived_at"] if "arrived_at" in frame else pd.Series(dtype="datetime64[ns]")
    if population_unit(frame) == "complaints":
        return pd.DataFrame([{"complaints": len(frame), "first_received": arrived.min() if len(arrived) else pd.NaT,
                              "last_received": arrived.max() if len(arrived) else pd.NaT}])
    return pd.DataFrame(
        [
            {
                "answered_contacts": len(frame),
                "agents": int(frame[agent].nunique()) if agent in frame else 0,
                "first_contact": arrived.min() if len(arrived) else pd.NaT,
                "last_contact": arrived.max() if len(arrived) else pd.NaT,
            }
        ]
    )


def usable_strata(frame: pd.DataFrame, strata: Sequence[str] | None = None) -> tuple[tuple[str, ...], dict[str, str]]:
    """Split ``strata`` into the columns that can divide the population and the skipped ones.

    A column is skipped when the data does not have it, when it has no values, or when it has a
    single value (it cannot divide anything). ``weekday`` and ``hour_band`` are derived from
    ``arrived_at`` when asked for.

    Returns
    -------
    (tuple of str, dict of str to str)
        Columns used, in the order given; skipped column -> reason in plain words.
    """
    strata = tuple(DEFAULT_STRATA if strata is None else ([strata] if isinstance(strata, str) else strata))
    frame = _with_derived(frame, strata)
    used, skipped = [], {}
    for column in dict.fromkeys(strata):
        if column not in frame:
            skipped[column] = "the data has no such column (it is not mapped for this source)"
            continue
        values = frame[column]
        present = values.notna().to_numpy()
        if not present.any():
            skipped[column] = "it has no values (not mapped for this source, or blank in every row)"
        elif present.all() and values.nunique() == 1:
            skipped[column] = f"it has a single value ({values.iloc[0]}), so it cannot divide the population"
        else:
            used.append(column)
    return tuple(used), skipped
