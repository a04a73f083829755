"""How complaint cases are handled: volumes by product or service area, open cases and their age.

:func:`case_handling` → :class:`CaseHandling` counts complaints by queue (the product or service
area), category, region and channel, the share still open (Wilson interval) and how long the open
ones have waited (days, as of the data's last timestamp); :func:`open_cases` marks a case open
when it has no resolution time or its status is not one of :data:`CLOSED_STATUSES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csperf_lib.methods.complaints import (
    DAY_S,
    _days,
    _labels,
    _pct,
    _quantile_with_ci,
    _rate_ci,
    _require_frame,
    _timestamps,
    _wilson,
    data_as_of,
)
from csperf_lib.methods.stats import wilson_interval

#: Status values (lower case) that mean a case is finished.
CLOSED_STATUSES = frozenset({"closed", "resolved", "completed", "complete", "done", "cancelled", "canceled"})


#: Dimensions whose complaint volumes are tabulated (those the table records).
VOLUME_DIMENSIONS = ("queue", "category", "sub_category", "region", "channel")


#: How sentences name each dimension.
DIMENSION_WORDS = {"queue": "product or service area (queue)", "category": "category", "region": "region",
                   "channel": "channel", "sub_category": "sub-category"}


@dataclass(frozen=True)
class CaseHandling:
    """How complaint cases were handled, beyond the time targets.

    Attributes
    ----------
    volumes : DataFrame
        ``dimension, segment, complaints, share, ci_low, ci_high`` (Wilson 95 %), the largest
        segments of each recorded dimension first (at most ``top`` per dimension; the rest pooled
        as "(other N)").
    mix : DataFrame
        ``field, value, complaints, share, ci_low, ci_high`` for ``status`` and ``outcome``.
    response : DataFrame
        One row per measure: ``measure, n, value, ci_low, ci_high, unit, note`` — the timely
        response rate (proportion), days to forward (median with its order-statistic interval,
        and the 90th percentile in ``note``), the open share and the age of open cases in days.
    findings : tuple of str
        Plain-English sentences with their numbers, intervals and n.
    """

    volumes: pd.DataFrame
    mix: pd.DataFrame
    response: pd.DataFrame
    findings: tuple[str, ...]


def _share_rows(values: pd.Series, *, top: int | None, confidence: float) -> pd.DataFrame:
    labels = _labels(values)
    counts = labels.value_counts()
    if top is not None and len(counts) > top + 1:
        rest = counts.iloc[top:]
        counts = pd.concat([counts.iloc[:top], pd.Series({f"(other {len(rest)})": int(rest.sum())})])
    n = int(len(labels))
    low, high = _wilson(counts.to_numpy(), np.full(len(counts), n), confidence)
    return pd.DataFrame({"segment": counts.index.astype(str), "complaints": counts.to_numpy(dtype=int),
                         "share": counts.to_numpy() / n if n else np.nan, "ci_low": low, "ci_high": high})


def open_cases(frame: pd.DataFrame) -> pd.Series | None:
    """Boolean: which complaints are still open; None when nothing says.

    The status decides where recorded (anything but closed / resolved / completed is open);
    otherwise a missing ``resolved_at`` means open, when the source records resolutions at all.
    """
    status = frame["status"] if "status" in frame.columns else None
    resolved = _timestamps(frame, "resolved_at")
    by_status = None
    if status is not None and status.notna().any():
        by_status = ~status.astype("string").str.strip().str.lower().isin(CLOSED_STATUSES)
        by_status = by_status.where(status.notna())
    by_date = resolved.isna() if resolved is not None and resolved.notna().any() else None
    if by_status is None:
        return by_date
    if by_date is None:
        return by_status.fillna(False).astype(bool)
    return by_status.fillna(by_date).astype(bool)


def case_handling(
    frame: pd.DataFrame,
    *,
    dimensions: Sequence[str] = VOLUME_DIMENSIONS,
    as_of: pd.Timestamp | str | None = None,
    top: int = 10,
    confidence: float = 0.95,
) -> CaseHandling:
    """Complaint volumes by dimension, status and outcome mix, timely responses, forwarding time
    and the open backlog.

    Shares carry Wilson intervals (:func:`csperf_lib.methods.stats.wilson_interval`); the median days to
    forward carries the distribution-free order-statistic interval (Conover 1999, §3.2, as in
    :func:`timeliness`). The age of an open case is ``as_of - received_at``.

    Parameters
    ----------
    frame : DataFrame
        The canonical complaints table.
    dimensions : sequence of str, keyword-only
        Columns tabulated (those absent or never recorded are left out).
    as_of : Timestamp or str, optional, keyword-only
        'Now' for the age of open cases (default: the latest timestamp in the data).
    top : int, keyword-only
        Most segments listed per dimension.
    confidence : float, keyword-only
        Confidence level of every interval.
    """
    frame = _require_frame(frame)
    n = len(frame)
    volumes = []
    for d in dimensions:
        if d in frame.columns and frame[d].notna().any():
            volumes.append(_share_rows(frame[d], top=top, confidence=confidence).assign(dimension=d))
    volumes = (pd.concat(volumes, ignore_index=True)[["dimension", "segment", "complaints", "share", "ci_low", "ci_high"]]
               if volumes else pd.DataFrame(columns=["dimension", "segment", "complaints", "share", "ci_low", "ci_high"]))
    mix = []
    for f in ("status", "outcome"):
        if f in frame.columns and frame[f].notna().any():
            mix.append(_share_rows(frame[f], top=None, confidence=confidence).rename(columns={"segment": "value"}).assign(field=f))
    mix = (pd.concat(mix, ignore_index=True)[["field", "value", "complaints", "share", "ci_low", "ci_high"]]
           if mix else pd.DataFrame(columns=["field", "value", "complaints", "share", "ci_low", "ci_high"]))

    rows, findings = [], []
    if "timely" in frame.columns and frame["timely"].notna().any():
        flags = frame["timely"].dropna().astype(bool)
        k, m = int(flags.sum()), int(len(flags))
        low, high = wilson_interval(k, m, confidence=confidence)
        rows.append({"measure": "timely response", "n": m, "value": k / m, "ci_low": low, "ci_high": high,
                     "unit": "proportion", "note": f"{m - k:,} not timely"})
        rate, interval = _rate_ci(k / m, low, high)
        findings.append(f"{rate} % of complaints were answered in time as the source records it ({interval}, n = {m:,}); "
                        f"{m - k:,} were not.")
    forwarded = _timestamps(frame, "forwarded_at")
    received = _timestamps(frame, "received_at")
    if forwarded is not None and received is not None and forwarded.notna().any():
        days = ((forwarded - received).dt.total_seconds() / DAY_S).dropna().to_numpy()
        median, low, high = _quantile_with_ci(days, 0.5, confidence)
        p90 = float(np.quantile(days, 0.9))
        same_day = float(np.mean(days <= 0))
        rows.append({"measure": "days to forward", "n": int(days.size), "value": median, "ci_low": low, "ci_high": high,
                     "unit": "days", "note": f"90th percentile {p90:.1f} days; mean {days.mean():.2f}; {same_day:.0%} the same day"})
        findings.append(f"Complaints were forwarded to the organisation that must answer them in a median of "
                        f"{median:.0f} days (95 % CI {low:.0f}–{high:.0f}; 90th percentile {p90:.1f} days, n = {days.size:,}); "
                        f"{same_day:.0%} the day they arrived.")
    is_open = open_cases(frame)
    if is_open is not None and received is not None:
        moment = pd.Timestamp(as_of) if as_of is not None else data_as_of(frame)
        k = int(is_open.sum())
        low, high = wilson_interval(k, n, confidence=confidence)
        rows.append({"measure": "open share", "n": n, "value": k / n if n else np.nan, "ci_low": low, "ci_high": high,
                     "unit": "proportion", "note": f"{k:,} open at {moment:%d %b %Y %H:%M}"})
        rate, interval = _rate_ci(k / n, low, high)
        sentence = f"{k:,} of {n:,} complaints ({rate} %, {interval}) were still open at {moment:%d %b %Y %H:%M} (the open backlog)"
        if k:
            age = ((moment - received[is_open]).dt.total_seconds() / DAY_S).dropna().to_numpy()
            median, low, high = _quantile_with_ci(age, 0.5, confidence)
            rows.append({"measure": "age of open cases", "n": int(age.size), "value": median, "ci_low": low, "ci_high": high,
                         "unit": "days", "note": f"oldest {age.max():.1f} days"})
            sentence += f"; their median age is {_days(median * DAY_S)} and the oldest {_days(age.max() * DAY_S)}"
        findings.append(sentence + ".")
    for d in ("queue", "category", "region", "channel"):
        part = volumes[volumes["dimension"] == d]
        if len(part) > 1:
            first = part.iloc[0]
            rate, interval = _rate_ci(first["share"], first["ci_low"], first["ci_high"])
            findings.append(f"By {DIMENSION_WORDS.get(d, d)}: '{first['segment']}' has the most complaints, "
                            f"{first['complaints']:,} ({rate} %, {interval}) of {n:,}.")
    for f in ("outcome", "status"):
        part = mix[mix["field"] == f]
        if len(part) > 1:
            listed = "; ".join(f"{r.value} {_pct(r.share)} %" for r in part.head(4).itertuples())
            findings.append(f"{f.capitalize()} mix: {listed}.")
    response = pd.DataFrame(rows, columns=["measure", "n", "value", "ci_low", "ci_high", "unit", "note"])
    return CaseHandling(volumes=volumes, mix=mix, response=response, findings=tuple(findings))
