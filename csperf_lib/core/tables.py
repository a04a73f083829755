"""The canonical tables: their columns, kinds and event timestamps — the vocabulary every layer speaks.

Plain data, no validation library: the config models (:mod:`csperf_lib.core.config`) check a
mapping against these columns, the calendar knows each table's event timestamp, and the pandera
models that validate the rows (:mod:`csperf_lib.ingest.schemas`) are built over them.

Conventions: timestamps are naive local time of the contact centre (``datetime64``); durations
are float **seconds**; rates are proportions 0-1; identifiers, categories and free text are pandas
``string`` columns, flags nullable ``boolean``. A review maps at least one of
:data:`PRIMARY_TABLES`; the rest are optional.
"""


from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csperf_lib.core.settings import CHANNELS as _CHANNELS

#: The timestamp that says when a record of each table happened.
EVENT_COLUMNS = {
    "contacts": "arrived_at",
    "surveys": "responded_at",
    "qa_evaluations": "evaluated_at",
    "complaints": "received_at",
    # May be null throughout: daily queue reports often carry a row number and no date. The
    # manifest's first/last record is then None and the period check cannot apply (see validate).
    "intervals": "interval_start",
}

#: The contact channels, declared with the config models.
CHANNELS = _CHANNELS

#: The label of rows whose segment column has no value: counted in totals, never judged as a segment.
NOT_RECORDED = "(not recorded)"

#: The dimensions contacts are segmented by (group columns first, the individual agent last).
SEGMENT_DIMENSIONS = ("channel", "queue", "team", "region", "agent_id")
#: The groups of contacts among them (every dimension but the individual agent).
GROUP_DIMENSIONS = SEGMENT_DIMENSIONS[:-1]

#: Column kinds, used by the mapper to convert source values.
KINDS = ("id", "category", "text", "datetime", "duration", "bool", "number")


@dataclass(frozen=True)
class TableDef:
    """Plain description of a canonical table.

    Attributes
    ----------
    name : str
        Table name.
    columns : dict of str to str
        Column name -> kind (one of :data:`KINDS`), in canonical order.
    required_columns : tuple of str
        Columns every source of this table must map.
    key : str or None
        The unique identifier column.
    """

    name: str
    columns: dict[str, str]
    required_columns: tuple[str, ...]
    key: str | None


CANONICAL_TABLES: dict[str, TableDef] = {
    "contacts": TableDef(
        "contacts",
        {
            "contact_id": "id",
            "channel": "category",
            "queue": "category",
            "team": "category",
            "agent_id": "id",
            "region": "category",
            "arrived_at": "datetime",
            "wait_s": "duration",
            "answered": "bool",
            "abandoned": "bool",
            "talk_s": "duration",
            "hold_s": "duration",
            "wrap_s": "duration",
            "resolved_first_contact": "bool",
            "transferred": "bool",
            "escalated": "bool",
        },
        required_columns=("contact_id", "arrived_at", "answered"),
        key="contact_id",
    ),
    "surveys": TableDef(
        "surveys",
        {
            "response_id": "id",
            "contact_id": "id",
            "responded_at": "datetime",
            "queue": "category",
            "csat": "number",
            "nps": "number",
            "ces": "number",
            "comment": "text",
        },
        required_columns=("response_id",),
        key="response_id",
    ),
    "qa_evaluations": TableDef(
        "qa_evaluations",
        {
            "evaluation_id": "id",
            "contact_id": "id",
            "agent_id": "id",
            "evaluator_id": "id",
            "evaluated_at": "datetime",
            "item": "category",
            "score": "number",
            "max_score": "number",
            "critical": "bool",
        },
        required_columns=("evaluation_id", "agent_id", "item", "score", "max_score"),
        key=None,  # long format: (evaluation_id, item) is unique
    ),
    "complaints": TableDef(
        "complaints",
        {
            "complaint_id": "id",
            "received_at": "datetime",
            "channel": "category",
            "category": "category",
            "queue": "category",
            "region": "category",
            "acknowledged_at": "datetime",
            "resolved_at": "datetime",
            "upheld": "bool",
            "text": "text",
            "contact_id": "id",
            "customer_id": "id",
            "sub_category": "category",
            "status": "category",
            "outcome": "category",
            "timely": "bool",
            "forwarded_at": "datetime",
        },
        required_columns=("complaint_id", "received_at"),
        key="complaint_id",
    ),
    "intervals": TableDef(
        "intervals",
        {
            "interval_index": "id",
            "interval_start": "datetime",
            "interval_s": "duration",
            "queue": "category",
            "offered": "number",
            "answered": "number",
            "abandoned": "number",
            "answered_within_threshold": "number",
            "service_level": "number",
            "threshold_s": "duration",
            "wait_s_total": "duration",
            "talk_s_total": "duration",
            "handle_s_total": "duration",
            "agents_staffed": "number",
        },
        required_columns=("offered", "answered"),
        key=None,  # (queue, interval_start) or (queue, interval_index) is unique; see validate
    ),
}
#: Tables every review must map (none on its own: see :data:`PRIMARY_TABLES`).
REQUIRED_TABLES: tuple[str, ...] = ()
#: A review needs at least one of these: contact records, interval reports, survey or feedback
#: responses, or complaints. QA evaluations alone are not a review of the service.
PRIMARY_TABLES = ("contacts", "intervals", "surveys", "complaints")

#: pandas dtype of each kind in a canonical frame.
KIND_DTYPES = {
    "id": "string",
    "category": "string",
    "text": "string",
    "datetime": "datetime64[ns]",
    "duration": "float64",
    "bool": "boolean",
    "number": "float64",
}


def column_kind(table: str, column: str) -> str:
    """Kind of a canonical column (one of :data:`KINDS`)."""
    return CANONICAL_TABLES[table].columns[column]


#: Count columns of the intervals table (whole numbers >= 0).
INTERVAL_COUNTS = ("offered", "answered", "abandoned", "answered_within_threshold")


def empty_frame(table: str) -> pd.DataFrame:
    """An empty canonical frame of ``table`` with the canonical dtypes."""
    columns = CANONICAL_TABLES[table].columns
    return pd.DataFrame({c: pd.Series(dtype=KIND_DTYPES[k]) for c, k in columns.items()})
