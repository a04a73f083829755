"""Complaints: what people complain about, how fast they hear back, how often they are right, and
who complains again — overall and by queue and region.

Public API (every function takes the canonical ``complaints`` frame first, options keyword-only,
and never mutates its input):

- :class:`ComplaintTargets` — time targets in seconds, with :meth:`ComplaintTargets.from_config`.
- :func:`pareto` — categories (or themes) by count, cumulative share and
  the "vital few" (Juran).
- :func:`timeliness` — share acknowledged and resolved within target, with Wilson intervals, and
  the median and 90th percentile of the elapsed time with order-statistic intervals.
- :func:`upheld_rate` — share of decided complaints upheld, with Wilson intervals.
- :func:`repeat_complainants`, :func:`repeat_summary` — complaints per pseudonymised customer
  and the share of complainants who complain more than once.
- :func:`segment_differences` — which queues or regions differ from the rest (Fisher exact
  tests, Benjamini–Hochberg false-discovery-rate control).

Everything the complaints section of a review shows, with plain-English findings, is gathered by
:func:`csperf_lib.methods.complaint_review.complaints_review`; case volumes and open cases by
:mod:`csperf_lib.methods.case_handling`; the Pareto chart is
:func:`csperf_lib.report.plots.pareto_chart`.

Conventions
-----------
* Durations are **seconds** (``*_s``), rates are **proportions 0–1**; every rate carries its
  ``n`` and a two-sided 95 % interval (``ci_low``, ``ci_high``).
* A missing category, queue or region is shown as ``"(not recorded)"``, never dropped, so the
  counts always add up to the number of complaints.
* Nothing is called a shortfall unless it is statistically real: a segment is reported as
  different from the rest only when its Fisher exact test survives the Benjamini–Hochberg
  correction over every comparison made, and a rate is called below a required share only when
  its whole interval lies below it.
* Customer identifiers never leave this module in the clear: repeat complainants are listed by
  a keyed pseudonym (:func:`csperf_lib.methods.privacy.pseudonymise_series`).

Regulatory context (UK)
-----------------------
FCA Handbook DISP 1.6.1R requires a *prompt* written acknowledgement of a complaint and
DISP 1.6.2R a final response (or a holding response explaining the delay) by the end of eight
weeks after receipt. DISP 1.5 lets a firm close a complaint with a summary resolution
communication by the close of the third business day after receipt — which is why a final
response sent before any acknowledgement counts as the acknowledgement here (see
:func:`timeliness`). The data cannot show whether a holding response was sent, so "not resolved
within eight weeks" is a service measure, not proof of a rule breach.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from csperf_lib.core.errors import ConfigError
from csperf_lib.core.settings import ComplaintsSettings, section_settings
from csperf_lib.core.tables import NOT_RECORDED
from csperf_lib.methods.compare import benjamini_hochberg, compare_proportions
from csperf_lib.methods.privacy import pseudonymise_series
from csperf_lib.methods.stats import wilson_interval

__all__ = [
    "DEFAULT_ACKNOWLEDGE_S",
    "DEFAULT_RESOLVE_S",
    "NOT_RECORDED",
    "ComplaintTargets",
    "RepeatSummary",
    "data_as_of",
    "duration_words",
    "pareto",
    "repeat_complainants",
    "repeat_summary",
    "segment_differences",
    "timeliness",
    "upheld_rate",
]

DAY_S = 86_400.0
WEEK_S = 7 * DAY_S
#: Default acknowledgement target: 3 calendar days (see :class:`ComplaintTargets`).
DEFAULT_ACKNOWLEDGE_S = ComplaintsSettings.model_fields["acknowledge_within_days"].default * DAY_S
#: Default resolution target: 8 weeks = 56 days = 4,838,400 s (FCA DISP 1.6.2R).
DEFAULT_RESOLVE_S = ComplaintsSettings.model_fields["resolve_within_days"].default * DAY_S
#: The timeliness measures, in the order they are reported.
MEASURES = ("acknowledge", "resolve")
#: Segment dimensions compared by default.
DEFAULT_SEGMENTS = ("queue", "region")
#: A dimension with more distinct values than this is not compared segment by segment.
MAX_SEGMENT_LEVELS = 50
#: Confidence level of every interval reported by the review.
CONFIDENCE = 0.95

_END_COLUMNS = {"acknowledge": ("acknowledged_at", "resolved_at"), "resolve": ("resolved_at",)}
_STATUSES = ("within", "late", "open_overdue", "pending", "invalid", "unavailable")
#: The statistic columns of a :func:`pareto` frame (the others name the category and any groups).
PARETO_STATS = ("count", "share", "ci_low", "ci_high", "cumulative_share", "vital_few")


# --------------------------------------------------------------------------------------------
# targets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintTargets:
    """Time targets for complaint handling, in seconds of elapsed calendar time.

    Attributes
    ----------
    acknowledge_s : float
        Time from receipt to acknowledgement (or to the final response, if that came first),
        default 3 calendar days = 259,200 s. DISP 1.6.1R asks only for a *prompt*
        acknowledgement; three days is anchored on the DISP 1.5 window (close of the third
        business day after receipt, after which a complaint needs the full DISP 1.6 handling).
        Calendar rather than business days because the data carry no business calendar (bank
        holidays differ between the UK nations); over a weekend three calendar days is
        stricter than three business days — set 5 days to allow for that.
    resolve_s : float
        Time from receipt to final response, default 8 weeks = 4,838,400 s (DISP 1.6.2R).
    required_share : float or None
        Optional service goal: the proportion 0–1 of complaints that should meet each time
        target (e.g. 0.95). When set, a rate is reported as below the goal only when its whole
        95 % interval lies below it. None (default): no goal, rates are reported as they are.
    """

    acknowledge_s: float = DEFAULT_ACKNOWLEDGE_S
    resolve_s: float = DEFAULT_RESOLVE_S
    required_share: float | None = None

    def __post_init__(self) -> None:
        problems = _target_problems(
            {"acknowledge_s": self.acknowledge_s, "resolve_s": self.resolve_s},
            self.required_share,
            unit="seconds",
            prefix="",
        )
        if problems:
            raise ValueError("; ".join(problems))

    def target_s(self, measure: str) -> float:
        """The target of ``measure`` (``"acknowledge"`` or ``"resolve"``) in seconds."""
        if measure == "acknowledge":
            return float(self.acknowledge_s)
        if measure == "resolve":
            return float(self.resolve_s)
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}")

    def label(self, measure: str) -> str:
        """The target of ``measure`` in words, e.g. ``"8 weeks"`` or ``"3 days"``."""
        return duration_words(self.target_s(measure))

    @classmethod
    def from_config(cls, raw: Any = None, *, path: str = "<config>") -> ComplaintTargets:
        """Targets from the ``complaints:`` section of a review config.

        Example section (all keys optional)::

            complaints:
              acknowledge_within_days: 3     # calendar days, > 0 (fractions allowed)
              resolve_within_days: 56        # calendar days, > 0; FCA DISP 1.6.2R: 8 weeks
              required_share: 0.95           # optional goal, proportion 0-1 (or null)

        Parameters
        ----------
        raw : ReviewConfig, mapping or None
            A :class:`csperf_lib.core.config.ReviewConfig`, the whole parsed review YAML (a mapping
            with a ``complaints`` or ``tables`` key), or the ``complaints:`` section itself.
            None, or a config without the section, gives the defaults.
        path : str, keyword-only
            File named in the error (taken from a ``ReviewConfig`` when one is given).

        Returns
        -------
        ComplaintTargets

        Raises
        ------
        ConfigError
            Listing every problem of the section at once, each with its key
            (``complaints.<option>``).
        """

        try:
            own_path, typed = section_settings(raw, "complaints", bare=True)
        except ConfigError as exc:
            raise ConfigError(path if exc.path == "<config>" else exc.path, exc.problems) from None
        path = path if own_path == "<config>" else own_path
        acknowledge, resolve = float(typed.acknowledge_within_days), float(typed.resolve_within_days)
        if acknowledge > resolve:  # the shape is the model's; the order of the two is this module's rule
            raise ConfigError(path, [f"complaints.acknowledge_within_days: {acknowledge:g} is longer than "
                                     f"resolve_within_days ({resolve:g}); an acknowledgement comes before the "
                                     "final response"])
        return cls(acknowledge_s=acknowledge * DAY_S, resolve_s=resolve * DAY_S,
                   required_share=None if typed.required_share is None else float(typed.required_share))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool | np.bool_)


def _target_problems(times: dict[str, Any], required: Any, *, unit: str, prefix: str) -> list[str]:
    """Every problem with two time targets (in ``unit``) and an optional required share."""
    problems = []
    valid = {}
    for name, value in times.items():
        if not _is_number(value) or not math.isfinite(float(value)) or float(value) <= 0:
            problems.append(f"{prefix}{name}: must be a number of {unit} greater than 0, got {value!r}")
        else:
            valid[name] = float(value)
    if len(valid) == 2:
        acknowledge, resolve = valid.values()
        if acknowledge > resolve:
            first, second = times
            problems.append(f"{prefix}{first}: {acknowledge:g} is longer than {second} "
                            f"({resolve:g}); an acknowledgement comes before the final response")
    if required is not None and not (_is_number(required) and 0 < float(required) <= 1):
        problems.append(f"{prefix}required_share: must be a proportion in (0, 1] such as 0.95, or "
                        f"null, got {required!r}")
    return problems


def duration_words(seconds: float) -> str:
    """A duration in the largest whole unit that fits: ``"8 weeks"``, ``"3 days"``, ``"36 hours"``.

    Falls back to days with two decimals (``"2.50 days"``) when no unit divides it exactly.
    """
    if seconds is None or not math.isfinite(seconds):
        return "n/a"
    for size, name in ((WEEK_S, "week"), (DAY_S, "day"), (3600.0, "hour"), (60.0, "minute")):
        count = seconds / size
        if count >= 1 and math.isclose(count, round(count), abs_tol=1e-9):
            count = int(round(count))
            return f"{count} {name}{'' if count == 1 else 's'}"
    return f"{seconds / DAY_S:.2f} days"


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------


def _labels(values: pd.Series) -> pd.Series:
    """Values as text, missing or blank ones as :data:`NOT_RECORDED` (a new Series)."""
    text = values.astype("string").str.strip()
    return text.mask(text.isna() | (text == ""), NOT_RECORDED).astype(object)


def _by_columns(frame: pd.DataFrame, by: str | Sequence[str] | None) -> list[str]:
    columns = [] if by is None else [by] if isinstance(by, str) else list(by)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"segment column(s) {missing} are not columns of the complaints frame")
    return columns


def _segment_sort(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Sort by segment labels alphabetically, with ``(not recorded)`` last."""
    if not columns or frame.empty:
        return frame.reset_index(drop=True)
    keys = {f"_k{i}": frame[c].eq(NOT_RECORDED) for i, c in enumerate(columns)}
    order = frame.assign(**keys).sort_values(
        [k for pair in zip(keys, columns, strict=True) for k in pair], kind="stable"
    )
    return order.drop(columns=list(keys)).reset_index(drop=True)


def _timestamps(frame: pd.DataFrame, column: str) -> pd.Series | None:
    """A column as naive datetime64, or None when absent or never recorded."""
    if column not in frame.columns:
        return None
    values = frame[column]
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = pd.to_datetime(values, errors="coerce")
    if values.notna().sum() == 0:
        return None
    return values


def data_as_of(frame: pd.DataFrame) -> pd.Timestamp | None:
    """The latest timestamp recorded in ``received_at``, ``acknowledged_at`` or ``resolved_at``.

    This is the default "as of" moment of :func:`timeliness`: the data's own now, so the same
    extract always gives the same answer (the wall clock never enters a result). None for a
    frame with no timestamps.
    """
    latest = [s.max() for c in ("received_at", "acknowledged_at", "resolved_at")
              if (s := _timestamps(frame, c)) is not None]
    latest = [t for t in latest if pd.notna(t)]
    return pd.Timestamp(max(latest)) if latest else None


def _wilson(successes, n, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    low, high = wilson_interval(np.asarray(successes, dtype=float), np.asarray(n, dtype=float),
                                confidence=confidence)
    return np.atleast_1d(low), np.atleast_1d(high)


def _quantile_with_ci(values: np.ndarray, q: float, confidence: float) -> tuple[float, float, float]:
    """Sample quantile (linear, Hyndman & Fan type 7) and its distribution-free interval.

    The interval is between two order statistics chosen from the Binomial(n, q) distribution
    (Conover 1999, *Practical Nonparametric Statistics*, §3.2; scipy ``quantile_test``); NaN
    when n is too small for the confidence level (n < 6 for a 95 % median interval).
    """
    if values.size == 0:
        return math.nan, math.nan, math.nan
    estimate = float(np.quantile(values, q))
    interval = sps.quantile_test(values, p=q).confidence_interval(confidence_level=confidence)
    low, high = float(interval.low), float(interval.high)
    return estimate, (low if math.isfinite(low) else math.nan), (high if math.isfinite(high) else math.nan)


def _require_frame(frame: Any) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame of complaints, got {type(frame).__name__}")
    return frame


# --------------------------------------------------------------------------------------------
# Pareto
# --------------------------------------------------------------------------------------------


def pareto(
    frame: pd.DataFrame,
    *,
    by: str = "category",
    within: str | None = None,
    threshold: float = 0.8,
    confidence: float = 0.95,
) -> pd.DataFrame:
    r"""Complaints per category (or theme), largest first, with the cumulative share.

    Juran's Pareto principle ("the vital few and the trivial many"; Juran 1951, *Quality Control
    Handbook*): a few categories usually account for most complaints, and fixing their causes
    removes most of the volume.

    Parameters
    ----------
    frame : DataFrame
        Canonical complaints, or for multi-label themes an exploded frame with one row per
        (complaint, theme); the counts are then mentions and the shares are of mentions.
    by : str, keyword-only
        The column counted, default ``"category"``. Missing or blank values are counted as
        ``"(not recorded)"``, never dropped.
    within : str, optional, keyword-only
        A segment column (e.g. ``"queue"``): a separate Pareto per segment, shares within it.
    threshold : float, keyword-only
        Cumulative share (proportion 0–1) that defines the vital few, default 0.8.
    confidence : float, keyword-only
        Level of the share intervals, default 0.95.

    Returns
    -------
    DataFrame
        ``[within,] <by>, count, share, ci_low, ci_high, cumulative_share, vital_few``, sorted by
        count descending (ties alphabetically). With :math:`N` rows and counts sorted
        :math:`c_1 \ge c_2 \ge \dots`:

        * ``share`` :math:`= c_i / N` with its Wilson (1927) interval;
        * ``cumulative_share`` :math:`= \sum_{j \le i} c_j / N`;
        * ``vital_few`` — the smallest run of top categories whose cumulative share reaches
          ``threshold``, plus any category tied in count with the last of them (so the set does
          not depend on how ties are ordered).
    """
    frame = _require_frame(frame)
    if by not in frame.columns:
        raise ValueError(f"column {by!r} is not in the complaints frame")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be a proportion in (0, 1], got {threshold!r}")
    groups = _by_columns(frame, within)
    data = pd.DataFrame({by: _labels(frame[by])})
    for column in groups:
        data[column] = _labels(frame[column])
    columns = [*groups, by, *PARETO_STATS]
    if data.empty:
        return pd.DataFrame(columns=columns)
    parts = []
    grouped = data.groupby(groups, sort=False) if groups else [((), data)]
    for key, part in grouped:
        counts = part[by].value_counts().rename_axis(by).reset_index(name="count")
        counts = counts.sort_values(["count", by], ascending=[False, True], kind="stable")
        total = int(counts["count"].sum())
        cumulative = counts["count"].cumsum()
        counts["share"] = counts["count"] / total
        low, high = _wilson(counts["count"], total, confidence)
        counts["ci_low"], counts["ci_high"] = low, high
        counts["cumulative_share"] = cumulative / total
        # the first category whose cumulative count reaches the threshold closes the vital few
        crossing = int(np.argmax(cumulative.to_numpy() >= threshold * total - 1e-9))
        counts["vital_few"] = counts["count"] >= counts["count"].iloc[crossing]
        for column, value in zip(groups, key if isinstance(key, tuple) else (key,), strict=True):
            counts[column] = value
        parts.append(counts)
    out = pd.concat(parts, ignore_index=True)
    out["count"] = out["count"].astype(int)
    out["vital_few"] = out["vital_few"].astype(bool)
    if groups:
        order = _segment_sort(out[groups].drop_duplicates(), groups).reset_index(names="_order")
        out = out.merge(order, on=groups, how="left").sort_values("_order", kind="stable")
    return out[columns].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# timeliness
# --------------------------------------------------------------------------------------------


def _end_times(frame: pd.DataFrame, measure: str, *, resolution_acknowledges: bool) -> list[pd.Series]:
    columns = _END_COLUMNS[measure] if resolution_acknowledges else _END_COLUMNS[measure][:1]
    ends = [_timestamps(frame, c) for c in columns]
    if ends[0] is None:  # the measure's own column is missing or never recorded
        return []
    return [e for e in ends if e is not None]


def _statuses(
    received: pd.Series, ends: list[pd.Series], *, as_of: pd.Timestamp, target_s: float
) -> tuple[pd.Series, pd.Series]:
    """Status of each complaint against one target, and the elapsed seconds of completed ones.

    Statuses: ``within`` / ``late`` (completed by ``as_of``), ``open_overdue`` (not completed by
    ``as_of`` and older than the target: a breach already), ``pending`` (not completed, still
    inside the target: not yet judgeable), ``invalid`` (no receipt time, or only completion times
    before receipt).
    """
    completed = pd.Series(pd.NaT, index=received.index, dtype=received.dtype)
    before_receipt = pd.Series(False, index=received.index)
    for end in ends:
        end = end.astype(received.dtype)
        usable = end.notna() & (end >= received) & (end <= as_of)
        completed = completed.where(~usable | (completed.notna() & (completed <= end)), end)
        before_receipt |= end.notna() & (end < received)
    elapsed = (completed - received).dt.total_seconds()
    age = (as_of - received).dt.total_seconds()
    status = np.select(
        [received.isna(), completed.notna() & (elapsed <= target_s), completed.notna(),
         before_receipt, age > target_s],
        ["invalid", "within", "late", "invalid", "open_overdue"],
        default="pending",
    )
    return pd.Series(status, index=received.index), elapsed.where(completed.notna())


#: The statistic columns of :func:`timeliness` (after ``measure`` and the segment columns).
_TIMELINESS_STATS = ("n", "within_target", "rate", "ci_low", "ci_high", "n_completed", "n_late", "n_open_overdue",
                     "n_pending", "n_invalid", "median_s", "median_ci_low", "median_ci_high", "p90_s", "p90_ci_low",
                     "p90_ci_high", "target_s", "note")


def _stamped(frame: pd.DataFrame, *, as_of: pd.Timestamp | None) -> pd.DataFrame:
    frame.attrs["as_of"] = as_of
    return frame


def _with_rates(out: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """The share within target of each row, with its Wilson interval (NaN where n = 0)."""
    out["rate"] = np.where(out["n"] > 0, out["within_target"] / out["n"].where(out["n"] > 0, 1), np.nan)
    out["ci_low"], out["ci_high"] = _wilson(out["within_target"], out["n"], confidence) if len(out) else ([], [])
    return out


def _judged(received: pd.Series, ends: Any, *, measure: str, as_of: pd.Timestamp,
            target_s: float) -> tuple[pd.Series, pd.Series, str]:
    """Each complaint's status and elapsed seconds for one measure, or "unavailable" with a note
    when no completion time of that measure is recorded."""
    if ends:
        status, elapsed = _statuses(received, ends, as_of=as_of, target_s=target_s)
        return status, elapsed, ""
    what = "acknowledgement" if measure == "acknowledge" else "resolution"
    note = (f"No {what} dates are recorded (the `{_END_COLUMNS[measure][0]}` column is absent "
            f"or never filled in), so the time to {measure} cannot be measured")
    return pd.Series("unavailable", index=received.index), pd.Series(np.nan, index=received.index), note


def _timeliness_record(part: pd.DataFrame, *, measure: str, target: float, note: str,
                       confidence: float) -> dict[str, Any]:
    """One segment's counts by status and the order-statistic intervals of its median and 90th
    percentile elapsed time (completed complaints only)."""
    counts = part["_status"].value_counts().reindex(_STATUSES, fill_value=0)
    done = part.loc[part["_status"].isin(["within", "late"]), "_elapsed"].to_numpy(dtype=float)
    median = _quantile_with_ci(done, 0.5, confidence)
    p90 = _quantile_with_ci(done, 0.9, confidence)
    n = int(counts["within"] + counts["late"] + counts["open_overdue"])
    return {"measure": measure, "n": n, "within_target": int(counts["within"]),
            "n_completed": int(counts["within"] + counts["late"]), "n_late": int(counts["late"]),
            "n_open_overdue": int(counts["open_overdue"]), "n_pending": int(counts["pending"]),
            "n_invalid": int(counts["invalid"]), "median_s": median[0],
            "median_ci_low": median[1], "median_ci_high": median[2], "p90_s": p90[0],
            "p90_ci_low": p90[1], "p90_ci_high": p90[2], "target_s": target, "note": note}


def timeliness(
    frame: pd.DataFrame,
    *,
    targets: ComplaintTargets,
    by: str | Sequence[str] | None = None,
    as_of: pd.Timestamp | str | None = None,
    resolution_acknowledges: bool = True,
    confidence: float = 0.95,
) -> pd.DataFrame:
    r"""Share of complaints acknowledged and resolved within target, and how long they took.

    Each complaint is judged against each target as of the moment ``as_of``:

    * completed by ``as_of``: *within* if elapsed :math:`\le` target, else *late*;
    * still open and older than the target: *open overdue* — a breach already, counted as not
      within target (leaving them out would flatter a backlog);
    * still open and younger than the target: *pending* — not yet judgeable, counted in
      ``n_pending`` only;
    * no receipt time, or a completion time before receipt: *invalid*, counted in ``n_invalid``
      only (validation normally quarantines such rows).

    Complaints received after ``as_of`` are left out, and completions after ``as_of`` are
    treated as not yet happened, so an earlier ``as_of`` reproduces the view at that moment.

    Parameters
    ----------
    frame : DataFrame
        Canonical complaints: ``received_at`` and, for the measures, ``acknowledged_at`` and
        ``resolved_at`` (NaT = not yet). A column that is absent or never filled in makes that
        measure unavailable (a row with ``n = 0`` and a ``note``), not an error: a source where
        no complaint was ever acknowledged is far likelier not to record it.
    targets : ComplaintTargets, keyword-only
        The time targets (seconds).
    by : str or sequence of str, optional, keyword-only
        Segment column(s); missing values become ``"(not recorded)"``.
    as_of : Timestamp or str, optional, keyword-only
        The moment open complaints are aged to. Default: the latest timestamp in the data
        (:func:`data_as_of`) — never the wall clock, so results are reproducible. Pass the
        extract date when it is known and later than the last recorded event.
    resolution_acknowledges : bool, keyword-only
        Count a final response sent before any acknowledgement as the acknowledgement (default
        True; DISP 1.5 lets a complaint resolved within three business days be closed with a
        summary resolution communication, with no separate acknowledgement).
    confidence : float, keyword-only
        Level of the intervals, default 0.95.

    Returns
    -------
    DataFrame
        One row per measure (``acknowledge``, ``resolve``) and segment:

        ``n``
            Complaints that can be judged: within + late + open overdue.
        ``within_target``, ``rate``, ``ci_low``, ``ci_high``
            :math:`x` complaints within target, :math:`\hat p = x/n` (proportion 0–1) and its
            Wilson (1927) score interval (:func:`csperf_lib.methods.stats.wilson_interval`); NaN when
            ``n = 0``.
        ``n_completed``, ``n_late``, ``n_open_overdue``, ``n_pending``, ``n_invalid``
            Counts by status (``n_completed = within_target + n_late``).
        ``median_s``, ``median_ci_low``, ``median_ci_high``, ``p90_s``, ``p90_ci_low``, ``p90_ci_high``
            Median and 90th percentile of the elapsed time in seconds among completed
            complaints (linear interpolation), with distribution-free order-statistic intervals
            (Conover 1999; NaN when too few values). Open complaints are not in them, so they
            understate the time taken when many old complaints are open.
        ``target_s``
            The target in seconds.
        ``note``
            Empty, or why the measure is unavailable.

        ``attrs["as_of"]`` holds the moment used.
    """
    frame = _require_frame(frame)
    groups = _by_columns(frame, by)
    columns = ["measure", *groups, *_TIMELINESS_STATS]
    if "received_at" not in frame.columns:
        raise ValueError("timeliness needs the received_at column of the complaints frame")
    moment = pd.Timestamp(as_of) if as_of is not None else data_as_of(frame)
    received = _timestamps(frame, "received_at")
    if received is None or moment is None:  # no rows, or no receipt time recorded at all
        return _stamped(pd.DataFrame(columns=columns), as_of=moment)
    in_view = received.isna() | (received <= moment)
    data = frame.loc[in_view]
    received = received.loc[in_view]
    segments = pd.DataFrame({c: _labels(data[c]) for c in groups}, index=data.index)
    rows = []
    for measure in MEASURES:
        target = targets.target_s(measure)
        ends = _end_times(data, measure, resolution_acknowledges=resolution_acknowledges)
        status, elapsed, note = _judged(received, ends, measure=measure, as_of=moment, target_s=target)
        parts = segments.assign(_status=status, _elapsed=elapsed)
        grouped = parts.groupby(groups, sort=False, dropna=False) if groups else [((), parts)]
        for key, part in grouped:
            record = _timeliness_record(part, measure=measure, target=target, note=note, confidence=confidence)
            record.update(zip(groups, key if isinstance(key, tuple) else (key,), strict=True))
            rows.append(record)
    out = _with_rates(pd.DataFrame(rows, columns=[c for c in columns if c not in ("rate", "ci_low", "ci_high")]),
                      confidence)
    out = pd.concat([_segment_sort(out[out["measure"] == m], groups) for m in MEASURES], ignore_index=True)[columns]
    return _stamped(out, as_of=moment)


# --------------------------------------------------------------------------------------------
# upheld rate
# --------------------------------------------------------------------------------------------


def upheld_rate(
    frame: pd.DataFrame, *, by: str | Sequence[str] | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    r"""Share of decided complaints that were upheld (found in the complainant's favour).

    Parameters
    ----------
    frame : DataFrame
        Canonical complaints with ``upheld`` (nullable boolean; NA while open or undecided).
    by : str or sequence of str, optional, keyword-only
        Segment column(s); missing values become ``"(not recorded)"``.
    confidence : float, keyword-only
        Level of the intervals, default 0.95.

    Returns
    -------
    DataFrame
        ``[by...], n, upheld, rate, ci_low, ci_high, n_undecided, note``: ``n`` complaints with a
        decision recorded, ``upheld`` of them upheld, ``rate`` :math:`= \text{upheld}/n`
        (proportion 0–1) with its Wilson (1927) interval, ``n_undecided`` complaints with no
        decision (open, or not recorded). When ``upheld`` is absent or never filled in, ``n``
        is 0 and ``note`` says so. The rate is not "good" or "bad" by itself: a low rate can mean
        good service or a complaints process that finds against customers too readily.
    """
    frame = _require_frame(frame)
    groups = _by_columns(frame, by)
    columns = [*groups, "n", "upheld", "rate", "ci_low", "ci_high", "n_undecided", "note"]
    available = "upheld" in frame.columns and frame["upheld"].notna().any()
    decided = frame["upheld"].astype("boolean") if available else pd.Series(pd.NA, index=frame.index, dtype="boolean")
    note = "" if available else ("No upheld decisions are recorded (the upheld column is absent or "
                                 "never filled in), so the upheld rate cannot be measured")
    parts = pd.DataFrame({c: _labels(frame[c]) for c in groups}, index=frame.index)
    parts["_decided"] = decided.notna().astype(int)
    parts["_upheld"] = decided.fillna(False).astype(bool).astype(int)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    if groups:
        sums = parts.groupby(groups, sort=False, dropna=False).agg(
            n=("_decided", "sum"), upheld=("_upheld", "sum"), rows=("_decided", "size")).reset_index()
    else:
        sums = pd.DataFrame({"n": [parts["_decided"].sum()], "upheld": [parts["_upheld"].sum()],
                             "rows": [len(parts)]})
    sums["n_undecided"] = sums["rows"] - sums["n"]
    sums["rate"] = np.where(sums["n"] > 0, sums["upheld"] / sums["n"].where(sums["n"] > 0, 1), np.nan)
    sums["ci_low"], sums["ci_high"] = _wilson(sums["upheld"], sums["n"], confidence)
    sums["note"] = note
    for column in ("n", "upheld", "n_undecided"):
        sums[column] = sums[column].astype(int)
    return _segment_sort(sums[columns], groups)


# --------------------------------------------------------------------------------------------
# repeat complainants
# --------------------------------------------------------------------------------------------

_REPEAT_COLUMNS = ["customer", "complaints", "first_received", "last_received", "shortest_gap_days",
                   "categories", "repeat"]


def _key_note(frame: pd.DataFrame, key: str) -> str:
    if key not in frame.columns:
        return ("The complaints table has no customer identifier, so repeat complainants cannot be "
                f"identified; map a customer identifier to `{key}` to see them.")
    if frame[key].astype("string").str.strip().replace("", pd.NA).notna().sum() == 0:
        return ("The customer identifier is never filled in, so repeat complainants cannot be identified; map a "
                f"customer identifier to `{key}` to see them.")
    return ""


def repeat_complainants(
    frame: pd.DataFrame,
    *,
    key: str = "customer_id",
    pseudonym_key: bytes | str,
    window_days: float | None = None,
) -> pd.DataFrame:
    """Complaints per customer, customers named only by a keyed pseudonym.

    Parameters
    ----------
    frame : DataFrame
        Canonical complaints with ``key`` and ``received_at`` (``category`` if present).
    key : str, keyword-only
        The customer identifier column, default ``"customer_id"``. Complaints without one are
        not attributed to anybody (see :func:`repeat_summary` for how many).
    pseudonym_key : bytes or str, keyword-only
        Secret key of :func:`csperf_lib.methods.privacy.pseudonymise_series` (HMAC-SHA256). Customers are
        grouped on the raw identifier (surrounding spaces ignored), so a pseudonym collision can
        never merge two customers; only the pseudonym is returned.
    window_days : float, optional, keyword-only
        When given, a customer is a repeat complainant only if two consecutive complaints are at
        most this many days apart (e.g. 28); None (default): any second complaint counts.

    Returns
    -------
    DataFrame
        One row per customer: ``customer`` (pseudonym ``C-`` + 12 hex digits), ``complaints``,
        ``first_received``, ``last_received``, ``shortest_gap_days`` (days between the closest
        two consecutive complaints; NaN for one complaint), ``categories`` (distinct categories
        in order of receipt, ``"; "``-joined) and ``repeat``; repeat complainants first, most
        complaints first. Empty, with ``attrs["note"]`` explaining, when ``key`` is absent or
        never filled in. The raw identifier never appears.
    """
    frame = _require_frame(frame)
    if window_days is not None and not (_is_number(window_days) and window_days > 0):
        raise ValueError(f"window_days must be a number of days > 0 or None, got {window_days!r}")
    note = _key_note(frame, key)
    if note:
        empty = pd.DataFrame(columns=_REPEAT_COLUMNS)
        empty.attrs["note"] = note
        return empty
    raw = frame[key].astype("string").str.strip().replace("", pd.NA)
    received = _timestamps(frame, "received_at")
    if received is None:
        received = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    data = pd.DataFrame({
        "_raw": raw,
        "received": received,
        "category": _labels(frame["category"]) if "category" in frame.columns else NOT_RECORDED,
    }).loc[raw.notna()]
    data = data.sort_values(["_raw", "received"], kind="stable")
    data["gap_days"] = data.groupby("_raw")["received"].diff().dt.total_seconds() / DAY_S
    grouped = data.groupby("_raw", sort=False)
    people = grouped.agg(
        complaints=("received", "size"),
        first_received=("received", "min"),
        last_received=("received", "max"),
        shortest_gap_days=("gap_days", "min"),
    )
    people["categories"] = grouped["category"].agg(lambda s: "; ".join(dict.fromkeys(s)))
    within = people["shortest_gap_days"] <= window_days if window_days is not None else True
    people["repeat"] = (people["complaints"] >= 2) & within
    names = pseudonymise_series(pd.Series(people.index, index=people.index), key=pseudonym_key,
                                prefix="C-", length=12)
    people.insert(0, "customer", names.astype(object))
    people = people.sort_values(["repeat", "complaints", "first_received", "customer"],
                                ascending=[False, False, True, True], kind="stable")
    out = people.reset_index(drop=True)[_REPEAT_COLUMNS]
    out["complaints"] = out["complaints"].astype(int)
    out["repeat"] = out["repeat"].astype(bool)
    out.attrs["note"] = ""
    return out


@dataclass(frozen=True)
class RepeatSummary:
    """How many complainants complain more than once.

    Attributes
    ----------
    customers : DataFrame
        :func:`repeat_complainants` (pseudonymised; empty when no key is available).
    n_complainants : int
        Distinct customers with at least one complaint.
    n_repeat : int
        Of them, repeat complainants (two or more complaints, within ``window_days`` if set).
    rate, ci_low, ci_high : float
        ``n_repeat / n_complainants`` (proportion 0–1) with its Wilson (1927) interval; NaN
        when no customer is identified.
    complaints_attributed : int
        Complaints with a customer identifier.
    complaints_unattributed : int
        Complaints without one (not in any count above).
    complaints_from_repeaters : int
        Complaints made by repeat complainants.
    window_days : float or None
        The repeat window used.
    note : str
        Empty, or why repeat complainants could not be analysed.
    """

    customers: pd.DataFrame
    n_complainants: int
    n_repeat: int
    rate: float
    ci_low: float
    ci_high: float
    complaints_attributed: int
    complaints_unattributed: int
    complaints_from_repeaters: int
    window_days: float | None
    note: str = ""


def repeat_summary(
    frame: pd.DataFrame,
    *,
    key: str = "customer_id",
    pseudonym_key: bytes | str | None,
    window_days: float | None = None,
    confidence: float = 0.95,
) -> RepeatSummary:
    """:func:`repeat_complainants` and the overall repeat rate with its Wilson interval.

    Parameters as for :func:`repeat_complainants`; ``pseudonym_key=None`` gives a summary whose
    ``note`` says a key is needed (customer identifiers are never shown unpseudonymised).
    """
    frame = _require_frame(frame)
    if pseudonym_key is None:
        note = _key_note(frame, key) or ("No pseudonymisation key was given, so repeat "
                                         "complainants were not analysed (customer identifiers are "
                                         "only ever shown pseudonymised).")
        customers = pd.DataFrame(columns=_REPEAT_COLUMNS)
    else:
        customers = repeat_complainants(frame, key=key, pseudonym_key=pseudonym_key, window_days=window_days)
        note = customers.attrs.get("note", "")
    attributed = int(customers["complaints"].sum()) if len(customers) else 0
    n = len(customers)
    repeaters = customers[customers["repeat"].astype(bool)] if n else customers
    low, high = _wilson(len(repeaters), n, confidence)
    return RepeatSummary(
        customers=customers,
        n_complainants=n,
        n_repeat=len(repeaters),
        rate=len(repeaters) / n if n else math.nan,
        ci_low=float(low[0]),
        ci_high=float(high[0]),
        complaints_attributed=attributed,
        complaints_unattributed=(len(frame) - attributed) if not note else len(frame),
        complaints_from_repeaters=int(repeaters["complaints"].sum()) if len(repeaters) else 0,
        window_days=window_days,
        note=note,
    )


# --------------------------------------------------------------------------------------------
# segment differences
# --------------------------------------------------------------------------------------------


def _difference_interval(x1, n1, x2, n2, confidence: float) -> tuple[float, float]:
    r"""Newcombe's hybrid score interval for :math:`p_1 - p_2` (Newcombe 1998, method 10).

    With Wilson intervals :math:`(l_i, u_i)` of each proportion and :math:`d = \hat p_1 - \hat p_2`:
    :math:`L = d - \sqrt{(\hat p_1 - l_1)^2 + (u_2 - \hat p_2)^2}`,
    :math:`U = d + \sqrt{(u_1 - \hat p_1)^2 + (\hat p_2 - l_2)^2}`.
    """
    if n1 <= 0 or n2 <= 0:
        return math.nan, math.nan
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, confidence=confidence)
    l2, u2 = wilson_interval(x2, n2, confidence=confidence)
    d = p1 - p2
    return (d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
            d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


def segment_differences(
    rates: pd.DataFrame, *, alpha: float = 0.05, confidence: float = 0.95
) -> pd.DataFrame:
    r"""Which segments differ from the rest of the complaints, after false-discovery control.

    Parameters
    ----------
    rates : DataFrame
        Long frame of counts: ``measure, dimension, segment, n, successes`` — one row per
        segment of each (measure, dimension), covering all complaints judged on that measure
        (so the rest of a segment is the total minus the segment). :func:`complaints_review`
        builds it from :func:`timeliness` and :func:`upheld_rate`.
    alpha : float, keyword-only
        False discovery rate over every segment-versus-rest comparison in ``rates``.
    confidence : float, keyword-only
        Level of the intervals.

    Returns
    -------
    DataFrame
        One row per segment tested: ``measure, dimension, segment, n, successes, rate, ci_low,
        ci_high, rest_n, rest_successes, rest_rate, difference, difference_ci_low,
        difference_ci_high, overall_test, overall_p, p, p_adjusted, significant``.

    Notes
    -----
    * ``overall_p``: chi-square test of homogeneity of the segments × (success, failure) table
      (scipy ``chi2_contingency``), for context; marked approximate when an expected count is
      below 5.
    * ``p``: two-sided Fisher exact test of the 2×2 table segment versus rest (scipy
      ``fisher_exact``) — exact, so valid for the small counts of complaint data.
    * ``p_adjusted``, ``significant``: Benjamini & Hochberg (1995, JRSS B 57:289–300) step-up
      procedure over all the Fisher tests (:func:`csperf_lib.methods.compare.benjamini_hochberg`);
      significant when the adjusted p is below ``alpha``.
    * ``difference`` :math:`= \hat p - \hat p_\text{rest}` with Newcombe's (1998, Statistics in
      Medicine 17:873–890, method 10) hybrid score interval built from the two Wilson intervals.
    * ``"(not recorded)"`` segments are part of every rest but are not tested themselves (not
      an actionable segment).
    """
    columns = ["measure", "dimension", "segment", "n", "successes", "rate", "ci_low", "ci_high",
               "rest_n", "rest_successes", "rest_rate", "difference", "difference_ci_low",
               "difference_ci_high", "overall_test", "overall_p", "p", "p_adjusted", "significant"]
    rows = []
    for (measure, dimension), group in rates.groupby(["measure", "dimension"], sort=False):
        n = group["n"].to_numpy(dtype=float)
        x = group["successes"].to_numpy(dtype=float)
        total_n, total_x = n.sum(), x.sum()
        recorded = (group["segment"] != NOT_RECORDED).to_numpy() & (n > 0)
        table = np.column_stack([x, n - x])[recorded]
        overall_p, overall_test = math.nan, "chi-square test of homogeneity"
        if len(table) >= 2 and (table.sum(axis=0) > 0).all():
            chi = sps.chi2_contingency(table)
            overall_p = float(chi.pvalue)
            if (chi.expected_freq < 5).any():
                overall_test += " (approximate: some expected counts below 5)"
        if recorded.sum() < 2:
            continue
        for i, segment in enumerate(group["segment"]):
            if not recorded[i] or total_n - n[i] <= 0:
                continue
            rest_n, rest_x = total_n - n[i], total_x - x[i]
            p = compare_proportions(x[i], n[i], rest_x, rest_n, exact_below=math.inf).p  # always exact
            d_low, d_high = _difference_interval(x[i], n[i], rest_x, rest_n, confidence)
            low, high = wilson_interval(x[i], n[i], confidence=confidence)
            rows.append({
                "measure": measure, "dimension": dimension, "segment": segment, "n": int(n[i]),
                "successes": int(x[i]), "rate": x[i] / n[i], "ci_low": low, "ci_high": high,
                "rest_n": int(rest_n), "rest_successes": int(rest_x), "rest_rate": rest_x / rest_n,
                "difference": x[i] / n[i] - rest_x / rest_n, "difference_ci_low": d_low,
                "difference_ci_high": d_high, "overall_test": overall_test, "overall_p": overall_p,
                "p": p,
            })
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows)
    out["p_adjusted"], out["significant"] = benjamini_hochberg(out["p"], alpha=alpha)
    return out[columns]


# --------------------------------------------------------------------------------------------
# the review
# --------------------------------------------------------------------------------------------


def _pcts(*proportions: float) -> list[str]:
    """Proportions as percentages for one sentence, all with the same number of decimals: one
    where whole numbers would mislead (0.996 is not "100 %"), none otherwise."""
    values = [100 * p if p is not None and math.isfinite(p) else math.nan for p in proportions]
    finite = [v for v in values if math.isfinite(v)]
    # one decimal when whole numbers would round 0.996 to "100" or show an interval as "2–2"
    fine = any((0 < v < 1) or (99 < v < 100) for v in finite) or (
        len({f"{v:.0f}" for v in finite}) < len({round(v, 6) for v in finite}))
    return [("n/a" if not math.isfinite(v) else f"{v:.1f}" if fine else f"{v:.0f}") for v in values]


def _pct(p: float) -> str:
    return _pcts(p)[0]


def _rate_ci(rate: float, low: float, high: float) -> tuple[str, str]:
    """``("82", "95 % CI 78–85 %")`` for a rate and its interval, formatted alike."""
    text_rate, text_low, text_high = _pcts(rate, low, high)
    if not (math.isfinite(low) and math.isfinite(high)):
        return text_rate, "95 % CI not available"
    return text_rate, f"95 % CI {text_low}–{text_high} %"


def _days(*seconds: float) -> str:
    """One duration, or a range of durations sharing a unit: ``"17.4 hours"``, ``"4.6–5.4 days"``."""
    if not all(math.isfinite(s) for s in seconds):
        return "n/a"
    hours = max(seconds) < 2 * DAY_S
    size, unit = (3600.0, "hours") if hours else (DAY_S, "days")
    return "–".join(f"{s / size:.1f}" for s in seconds) + f" {unit}"
