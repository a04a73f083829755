"""The canonical data contract: one pandera ``DataFrameModel`` per canonical table.

Every source is mapped onto these tables (see :mod:`csperf_lib.core.config`). Conventions:

* timestamps are naive local time of the contact centre (``datetime64``), never mixed with
  timezone-aware values;
* durations are float **seconds**; rates are proportions 0-1;
* identifiers, categories and free text are pandas ``string`` columns, flags are nullable
  ``boolean``.

A review maps at least one of :data:`PRIMARY_TABLES`; the rest are optional. Extra source columns are kept beside the canonical ones for
segmentation; the models are not ``strict`` so they pass through.

Row-level rules that need nothing but the row live here as pandera checks, so the schema *is* the
documentation. Rules that need the config (the review period, "not in the future") or other rows
(duplicate IDs, references to unknown contacts) live in :mod:`csperf_lib.stages.validate`, which runs in
the store's engine.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from csperf_lib.core.tables import CHANNELS, INTERVAL_COUNTS


def _nonneg(**kwargs) -> pa.Field:
    return pa.Field(ge=0, nullable=True, **kwargs)


#: The longest duration a contact can plausibly have, in seconds (366 days): ``inf`` and ``1e308``
#: are quarantined here, before an aggregate in the engine overflows on them.
MAX_DURATION_S = 366 * 86400.0
#: The largest count or total an export can plausibly hold (finite, and small enough that sums and
#: variances over millions of rows stay finite in float64).
MAX_AMOUNT = 1e12
DURATION_CHECK = f"must be a finite duration of at most 366 days ({MAX_DURATION_S:,.0f} s)"
AMOUNT_CHECK = f"must be a finite number of at most {MAX_AMOUNT:,.0f}"


def _at_most(series: pd.Series, limit: float) -> pd.Series:
    """Missing, or finite and not above ``limit`` (NaN and infinities fail the comparison)."""
    return series.isna() | (series.abs() <= limit)


class ContactsModel(pa.DataFrameModel):
    """One row per contact (call, e-mail, chat, social message) offered to the service."""

    contact_id: Series[pd.StringDtype] = pa.Field(nullable=False)
    channel: Series[pd.StringDtype] = pa.Field(isin=list(CHANNELS), nullable=True)
    queue: Series[pd.StringDtype] = pa.Field(nullable=True)
    team: Series[pd.StringDtype] = pa.Field(nullable=True)
    agent_id: Series[pd.StringDtype] = pa.Field(nullable=True)
    region: Series[pd.StringDtype] = pa.Field(nullable=True)
    arrived_at: Series[pa.DateTime] = pa.Field(nullable=False)
    wait_s: Series[float] = _nonneg()
    answered: Series[pd.BooleanDtype] = pa.Field(nullable=False)
    abandoned: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    talk_s: Series[float] = _nonneg()
    hold_s: Series[float] = _nonneg()
    wrap_s: Series[float] = _nonneg()
    resolved_first_contact: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    transferred: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    escalated: Series[pd.BooleanDtype] = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = True

    @pa.check("wait_s", "talk_s", "hold_s", "wrap_s", name=DURATION_CHECK)
    def plausible_duration(cls, series: Series[float]) -> Series[bool]:
        return _at_most(series, MAX_DURATION_S)

    @pa.dataframe_check(name="abandoned contacts are not answered")
    def abandoned_not_answered(cls, df: pd.DataFrame) -> Series[bool]:
        return ~(df["abandoned"].fillna(False) & df["answered"].fillna(False))

    @pa.dataframe_check(name="answered contacts have an agent")
    def answered_has_agent(cls, df: pd.DataFrame) -> Series[bool]:
        # Only enforceable when the source maps agents at all.
        if df["agent_id"].isna().all():
            return pd.Series(True, index=df.index)
        return ~(df["answered"].fillna(False) & df["agent_id"].isna())


class SurveysModel(pa.DataFrameModel):
    """One row per survey or feedback response; scores on their published scales.

    ``queue`` is the product or service area the response is about, for feedback that is not
    linked to a contact record (product reviews, web feedback forms); linked responses take their
    segments from the contact.
    """

    response_id: Series[pd.StringDtype] = pa.Field(nullable=False)
    contact_id: Series[pd.StringDtype] = pa.Field(nullable=True)
    responded_at: Series[pa.DateTime] = pa.Field(nullable=True)
    queue: Series[pd.StringDtype] = pa.Field(nullable=True)
    csat: Series[float] = pa.Field(in_range={"min_value": 1, "max_value": 5}, nullable=True)
    nps: Series[float] = pa.Field(in_range={"min_value": 0, "max_value": 10}, nullable=True)
    ces: Series[float] = pa.Field(in_range={"min_value": 1, "max_value": 7}, nullable=True)
    comment: Series[pd.StringDtype] = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = True

    @pa.dataframe_check(name="at least one of csat, nps, ces is given")
    def has_a_score(cls, df: pd.DataFrame) -> Series[bool]:
        return df[["csat", "nps", "ces"]].notna().any(axis=1)

    @pa.dataframe_check(name="nps is a whole number 0-10")
    def nps_whole(cls, df: pd.DataFrame) -> Series[bool]:
        return df["nps"].isna() | (df["nps"] == df["nps"].round())


class QaEvaluationsModel(pa.DataFrameModel):
    """Long format: one row per scorecard item of a QA evaluation."""

    evaluation_id: Series[pd.StringDtype] = pa.Field(nullable=False)
    contact_id: Series[pd.StringDtype] = pa.Field(nullable=True)
    agent_id: Series[pd.StringDtype] = pa.Field(nullable=False)
    evaluator_id: Series[pd.StringDtype] = pa.Field(nullable=True)
    evaluated_at: Series[pa.DateTime] = pa.Field(nullable=True)
    item: Series[pd.StringDtype] = pa.Field(nullable=False)
    score: Series[float] = pa.Field(ge=0, nullable=False)
    max_score: Series[float] = pa.Field(gt=0, nullable=False)
    critical: Series[pd.BooleanDtype] = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = True

    @pa.check("score", "max_score", name=AMOUNT_CHECK)
    def finite_score(cls, series: Series[float]) -> Series[bool]:
        return _at_most(series, MAX_AMOUNT)

    @pa.dataframe_check(name="score is within 0..max_score")
    def score_within_max(cls, df: pd.DataFrame) -> Series[bool]:
        return df["score"].isna() | df["max_score"].isna() | (df["score"] <= df["max_score"])


class ComplaintsModel(pa.DataFrameModel):
    """One row per complaint (or public-service request handled as a case).

    ``sub_category`` refines ``category``; ``status`` is the case status as the source names it
    (open, closed, in progress...); ``outcome`` the organisation's response or resolution type;
    ``timely`` whether the source records the response as within its own deadline; ``forwarded_at``
    when the case was passed to the organisation or department that must answer it (a regulator or
    a 311 service forwards cases).
    """

    complaint_id: Series[pd.StringDtype] = pa.Field(nullable=False)
    received_at: Series[pa.DateTime] = pa.Field(nullable=False)
    channel: Series[pd.StringDtype] = pa.Field(nullable=True)
    category: Series[pd.StringDtype] = pa.Field(nullable=True)
    queue: Series[pd.StringDtype] = pa.Field(nullable=True)
    region: Series[pd.StringDtype] = pa.Field(nullable=True)
    acknowledged_at: Series[pa.DateTime] = pa.Field(nullable=True)
    resolved_at: Series[pa.DateTime] = pa.Field(nullable=True)
    upheld: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    text: Series[pd.StringDtype] = pa.Field(nullable=True)
    contact_id: Series[pd.StringDtype] = pa.Field(nullable=True)
    customer_id: Series[pd.StringDtype] = pa.Field(nullable=True)
    sub_category: Series[pd.StringDtype] = pa.Field(nullable=True)
    status: Series[pd.StringDtype] = pa.Field(nullable=True)
    outcome: Series[pd.StringDtype] = pa.Field(nullable=True)
    timely: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    forwarded_at: Series[pa.DateTime] = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = True

    @pa.dataframe_check(name="acknowledged_at is not before received_at")
    def ack_after_receipt(cls, df: pd.DataFrame) -> Series[bool]:
        return df["acknowledged_at"].isna() | (df["acknowledged_at"] >= df["received_at"])

    @pa.dataframe_check(name="resolved_at is not before received_at")
    def resolved_after_receipt(cls, df: pd.DataFrame) -> Series[bool]:
        return df["resolved_at"].isna() | (df["resolved_at"] >= df["received_at"])


class IntervalsModel(pa.DataFrameModel):
    """One row per interval (and queue) of an ACD interval or daily queue report.

    For centres that only have aggregate reports, not contact records. ``interval_start`` may be
    null: some exports carry only a row number or label (``interval_index``). ``interval_s`` is the
    length of the interval (1800 for half-hourly rows, 86400 for daily rows). Counts are whole
    numbers; ``service_level`` is the export's own proportion 0-1 answered within ``threshold_s``,
    for exports that give a percentage instead of the count ``answered_within_threshold``. Wait,
    talk and handle times are interval TOTALS in seconds (an export's averages are multiplied by
    their count when mapped, see ``average_of`` in :mod:`csperf_lib.core.config`), so that period
    figures can be weighted correctly (:mod:`csperf_lib.methods.intervals`).

    ``answered + abandoned <= offered`` is enforced with no tolerance: the three are whole counts
    from one report row, so any excess is an export or mapping error (e.g. abandoned counted over
    a different population), not rounding. Calls that are neither answered nor abandoned (still
    queued at the interval's end, overflowed, deflected) are allowed.
    """

    interval_index: Series[pd.StringDtype] = pa.Field(nullable=True)
    interval_start: Series[pa.DateTime] = pa.Field(nullable=True)
    interval_s: Series[float] = pa.Field(gt=0, nullable=True)
    queue: Series[pd.StringDtype] = pa.Field(nullable=True)
    offered: Series[float] = pa.Field(ge=0, nullable=False)
    answered: Series[float] = pa.Field(ge=0, nullable=False)
    abandoned: Series[float] = _nonneg()
    answered_within_threshold: Series[float] = _nonneg()
    service_level: Series[float] = pa.Field(in_range={"min_value": 0, "max_value": 1}, nullable=True)
    threshold_s: Series[float] = _nonneg()
    wait_s_total: Series[float] = _nonneg()
    talk_s_total: Series[float] = _nonneg()
    handle_s_total: Series[float] = _nonneg()
    agents_staffed: Series[float] = _nonneg()

    class Config:
        strict = False
        coerce = True

    @pa.check("offered", "answered", "abandoned", "answered_within_threshold", "agents_staffed", "interval_s",
              "threshold_s", "wait_s_total", "talk_s_total", "handle_s_total", name=AMOUNT_CHECK)
    def finite_amount(cls, series: Series[float]) -> Series[bool]:
        return _at_most(series, MAX_AMOUNT)

    @pa.dataframe_check(name="counts are whole numbers")
    def counts_whole(cls, df: pd.DataFrame) -> Series[bool]:
        counts = df[list(INTERVAL_COUNTS)]
        return (counts.isna() | (counts == counts.round())).all(axis=1)

    @pa.dataframe_check(name="answered + abandoned is not more than offered")
    def within_offered(cls, df: pd.DataFrame) -> Series[bool]:
        total = df["answered"] + df["abandoned"].fillna(0)
        return df["offered"].isna() | df["answered"].isna() | (total <= df["offered"])

    @pa.dataframe_check(name="answered within threshold is not more than answered")
    def within_answered(cls, df: pd.DataFrame) -> Series[bool]:
        return (
            df["answered_within_threshold"].isna()
            | df["answered"].isna()
            | (df["answered_within_threshold"] <= df["answered"])
        )


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "contacts": ContactsModel,
    "surveys": SurveysModel,
    "qa_evaluations": QaEvaluationsModel,
    "complaints": ComplaintsModel,
    "intervals": IntervalsModel,
}
