"""The review calendar: one definition of periods, complete periods, the data cut-off and censoring.

Every stage labels time the same way through one :class:`ReviewCalendar`, built from the config's
review period and the data (:func:`build_calendar`):

* **weeks** are ISO weeks, Monday to Sunday, labelled by their Monday ("the week of 5 Jan 2026");
  **months** are calendar months. A period is *complete* when the whole of it lies inside the
  review window (from the review start to the data cut-off); trend tests and persistence count
  complete periods, and pages mark a partial first or last period as such;
* the **data cut-off** is the latest event in the data, or the end of the review period when that
  comes first — "now" for ages of open cases;
* the **censoring horizon** is how long a case may take by its target (the complaint resolution
  target): a case received less than a horizon before the cut-off has not had the time to close, so
  open shares and resolution times over recent periods are right-censored and are not trends.

Hand-written: it is a few date rules the project owns (pandas' ``W-SUN`` periods give the weeks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from csperf_lib.core.settings import ComplaintsSettings
from csperf_lib.core.tables import EVENT_COLUMNS

__all__ = ["DAY_NAMES", "GRAINS", "WEEKDAYS", "Period", "ReviewCalendar", "build_calendar", "event_span", "period_end",
           "review_calendar", "week_start"]

GRAINS = ("week", "month")
#: Weekday labels in ISO order (Monday = 0, as ``Timestamp.weekday()`` and DuckDB's ``isodow - 1``).
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: The same weekdays in full, for sentences.
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def week_start(value) -> dt.date:
    """The Monday of the ISO week holding ``value`` (a date, datetime or ISO string)."""
    day = pd.Timestamp(value).date()
    return day - dt.timedelta(days=day.weekday())


def _month_start(value) -> dt.date:
    day = pd.Timestamp(value).date()
    return day.replace(day=1)


def period_end(start, grain: str) -> dt.date:
    """The last day (inclusive) of the ``day``, ``week`` or ``month`` starting on ``start``."""
    start = pd.Timestamp(start).date()
    if grain == "day":
        return start
    if grain == "week":
        return start + dt.timedelta(days=6)
    nxt = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """One period of the calendar.

    Attributes
    ----------
    grain : {"week", "month"}
    start, end : datetime.date
        First and last day (inclusive).
    complete : bool
        Whether the whole period lies inside the review window.
    label : str
        "week of 5 Jan 2026" or "Jan 2026".
    """

    grain: str
    start: dt.date
    end: dt.date
    complete: bool
    label: str


@dataclass(frozen=True)
class ReviewCalendar:
    """The review's periods, cut-off and censoring horizon.

    Attributes
    ----------
    start : datetime.date or None
        First day of the review window: the config's period start, else the first event's date.
    end : datetime.date or None
        Last day: the config's period end, else the last event's date.
    cutoff : pandas.Timestamp or None
        The data cut-off: the latest event timestamp, or the end of the review period's last day
        when that comes first. None for data without timestamps.
    censoring_horizon_days : float or None
        Days a case may take by its target; cases received within it before the cut-off are
        right-censored (see :meth:`censored_from`).
    source : str
        Where the window comes from, in words.
    """

    start: dt.date | None
    end: dt.date | None
    cutoff: pd.Timestamp | None
    censoring_horizon_days: float | None = None
    source: str = ""

    @property
    def has_dates(self) -> bool:
        """Whether the review has a dated window at all."""
        return self.start is not None and self.end is not None

    def periods(self, grain: str = "week") -> list[Period]:
        """Every period of ``grain`` touching the review window, in order."""
        if grain not in GRAINS:
            raise ValueError(f"grain must be one of {', '.join(GRAINS)}")
        if not self.has_dates:
            return []
        first = week_start(self.start) if grain == "week" else _month_start(self.start)
        out = []
        current = first
        last_day = self.last_day
        while current <= self.end:
            end = period_end(current, grain)
            complete = current >= self.start and end <= last_day
            out.append(Period(grain, current, end, complete, self.label(current, grain)))
            current = end + dt.timedelta(days=1)
        return out

    @property
    def last_day(self) -> dt.date | None:
        """The last day of the window the data reaches: the end of the window, or the cut-off's
        day when the data stops earlier."""
        if self.end is None:
            return None
        if self.cutoff is None:
            return self.end
        return min(self.end, self.cutoff.date())

    def period_of(self, value, grain: str = "week") -> Period:
        """The period holding ``value``."""
        start = week_start(value) if grain == "week" else _month_start(value)
        end = period_end(start, grain)
        complete = self.has_dates and start >= self.start and end <= (self.last_day or self.end)
        return Period(grain, start, end, bool(complete), self.label(start, grain))

    @staticmethod
    def label(start, grain: str = "week") -> str:
        """"week of 5 Jan 2026" or "Jan 2026"."""
        day = pd.Timestamp(start).date()
        if grain == "week":
            return f"week of {day.day} {day:%b %Y}"
        return f"{day:%b %Y}"

    def is_complete(self, start, grain: str = "week") -> bool:
        """Whether the period starting ``start`` is complete."""
        return self.period_of(start, grain).complete

    def censored_from(self) -> pd.Timestamp | None:
        """Cases received at or after this moment had less than the censoring horizon to close
        before the cut-off (None without a horizon or a cut-off)."""
        if self.cutoff is None or self.censoring_horizon_days is None:
            return None
        return self.cutoff - pd.Timedelta(days=self.censoring_horizon_days)

    def as_dict(self) -> dict:
        """Plain JSON for ``summary.json["calendar"]``."""
        weeks = self.periods("week")
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "cutoff": self.cutoff.isoformat() if self.cutoff is not None else None,
            "censoring_horizon_days": self.censoring_horizon_days,
            "censored_from": self.censored_from().isoformat() if self.censored_from() is not None else None,
            "weeks": len(weeks),
            "complete_weeks": sum(p.complete for p in weeks),
            "first_week": weeks[0].start.isoformat() if weeks else None,
            "last_week": weeks[-1].start.isoformat() if weeks else None,
            "source": self.source,
        }


def build_calendar(*, period_start: dt.date | None = None, period_end: dt.date | None = None,
                   first_event=None, last_event=None,
                   censoring_horizon_days: float | None = None) -> ReviewCalendar:
    """The review calendar from the config's period and the data's first and last events.

    Parameters
    ----------
    period_start, period_end : datetime.date, optional, keyword-only
        The config's review period (inclusive); either may be None ("whatever the data covers").
    first_event, last_event : timestamp-like, optional, keyword-only
        The earliest and latest event in the usable data (None when the data has no dates).
    censoring_horizon_days : float, optional, keyword-only
        The complaint resolution target in days, when complaints are reviewed.
    """
    first = None if first_event is None or pd.isna(first_event) else pd.Timestamp(first_event)
    last = None if last_event is None or pd.isna(last_event) else pd.Timestamp(last_event)
    start = period_start or (first.date() if first is not None else None)
    end = period_end or (last.date() if last is not None else None)
    cutoff = last
    if period_end is not None:
        period_close = pd.Timestamp(period_end) + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
        cutoff = period_close if cutoff is None or cutoff > period_close else cutoff
    if start is not None and end is not None and end < start:
        end = start
    source = ("the config's review period" if period_start and period_end
              else "the data" if not (period_start or period_end) else "the config's period and the data")
    return ReviewCalendar(start=start, end=end, cutoff=cutoff, censoring_horizon_days=censoring_horizon_days,
                          source=source)


def event_span(store, tables: Iterable[str]) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The earliest and latest event timestamp over the usable ``tables`` of ``store``."""

    first = last = None
    for table in tables:
        column = EVENT_COLUMNS.get(table)
        if column is None or not store.has(table) or column not in store.table(table).columns:
            continue
        t = store.table(table)
        row = t.aggregate(first=t[column].min(), last=t[column].max()).execute().iloc[0]
        if pd.isna(row["first"]):
            continue
        first = row["first"] if first is None else min(first, row["first"])
        last = row["last"] if last is None else max(last, row["last"])
    return (None if first is None else pd.Timestamp(first)), (None if last is None else pd.Timestamp(last))


def review_calendar(store, *, config=None) -> ReviewCalendar:
    """The review's calendar: the config's period and the usable data's first and last events in
    ``store``; when complaints are reviewed, their resolution target (the config's ``complaints:``
    section, 8 weeks by default) is the censoring horizon. The one place a stage builds it."""
    first, last = event_span(store, tuple(EVENT_COLUMNS))
    horizon = None
    if store.has("complaints"):
        section = getattr(getattr(config, "settings", None), "complaints", None) or ComplaintsSettings()
        horizon = float(section.resolve_within_days)
    return build_calendar(period_start=getattr(config, "period_start", None),
                          period_end=getattr(config, "period_end", None), first_event=first, last_event=last,
                          censoring_horizon_days=horizon)

