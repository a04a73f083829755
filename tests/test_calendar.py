"""The review calendar (csperf_lib.core.calendar): ISO weeks from Monday, complete periods, cut-off."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from csperf_lib.core.calendar import build_calendar, week_start


def test_weeks_start_on_monday():
    assert week_start("2026-01-07") == dt.date(2026, 1, 5)  # a Wednesday
    assert week_start(dt.date(2026, 1, 5)) == dt.date(2026, 1, 5)
    assert week_start(pd.Timestamp("2026-01-11 23:00")) == dt.date(2026, 1, 5)  # Sunday ends the week


def test_partial_first_and_last_weeks_are_not_complete():
    cal = build_calendar(first_event="2026-01-07 08:00", last_event="2026-01-28 17:00")
    weeks = cal.periods("week")
    assert [p.start for p in weeks] == [dt.date(2026, 1, 5), dt.date(2026, 1, 12), dt.date(2026, 1, 19), dt.date(2026, 1, 26)]
    assert [p.complete for p in weeks] == [False, True, True, False]
    assert weeks[1].label == "week of 12 Jan 2026"
    assert cal.cutoff == pd.Timestamp("2026-01-28 17:00") and cal.source == "the data"


def test_the_config_period_bounds_the_window_and_the_cutoff():
    cal = build_calendar(period_start=dt.date(2026, 1, 5), period_end=dt.date(2026, 3, 29),
                         first_event="2026-01-05 00:10", last_event="2026-04-30 10:00", censoring_horizon_days=56)
    weeks = cal.periods("week")
    assert len(weeks) == 12 and all(p.complete for p in weeks)
    assert cal.cutoff.date() == dt.date(2026, 3, 29)
    assert cal.censored_from() == cal.cutoff - pd.Timedelta(days=56)
    months = cal.periods("month")
    assert [m.label for m in months] == ["Jan 2026", "Feb 2026", "Mar 2026"]
    assert [m.complete for m in months] == [False, True, False]  # the window starts 5 Jan and ends 29 Mar
    summary = cal.as_dict()
    assert summary["weeks"] == 12 and summary["complete_weeks"] == 12 and summary["first_week"] == "2026-01-05"


def test_data_that_stops_early_leaves_the_last_weeks_incomplete():
    cal = build_calendar(period_start=dt.date(2026, 1, 5), period_end=dt.date(2026, 1, 25), first_event="2026-01-05",
                         last_event="2026-01-14 12:00")
    assert [p.complete for p in cal.periods("week")] == [True, False, False]
    assert cal.is_complete("2026-01-06") and not cal.is_complete("2026-01-20")


def test_no_dates_no_periods():
    cal = build_calendar()
    assert cal.periods("week") == [] and cal.cutoff is None and not cal.has_dates
    assert cal.as_dict()["weeks"] == 0
