from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from csperf_lib.ingest.mapping import (
    apply_values,
    to_bool,
    to_datetime,
    to_duration,
    to_number,
    to_time_of_day,
)


def test_duration_spellings_of_real_exports():
    values, bad = to_duration(pd.Series(["0:02:23", "1:00:00", "4:32", "17", "-0:00:05", None, "", "25:61:00", "soon",
                                         "n/a", "NULL", " - ", "NaN"]))
    assert values.iloc[:5].tolist() == [143.0, 3600.0, 272.0, 17.0, -5.0]
    assert values.iloc[5:7].isna().all() and not bad.iloc[5:7].any()  # blank is missing, not bad
    assert bad.iloc[7] and bad.iloc[8]  # minutes 61 and free text are unreadable, flagged
    # issue 20, item 7: the spellings of "no value" are missing, not unreadable (n/a used to be flagged)
    assert values.iloc[9:].isna().all() and not bad.iloc[9:].any()


def test_clock12_duration_means_elapsed_time():
    # The PwC semicolon export writes 2 min 23 s as "12:02:23 AM"; 12 PM is noon.
    values, bad = to_duration(pd.Series(["12:02:23 AM", "12:59:59 AM", "01:00:00 PM", "13:00:00 PM"]), fmt="clock12")
    assert values.iloc[:3].tolist() == [143.0, 3599.0, 13 * 3600.0]
    assert bad.tolist() == [False, False, False, True]


def test_durations_from_excel_cells_units_and_day_fractions():
    values, _ = to_duration(pd.Series([dt.time(0, 2, 23), dt.timedelta(minutes=1)], dtype=object))
    assert values.tolist() == [143.0, 60.0]
    minutes, _ = to_duration(pd.Series(["1.5", "2"]), unit="minutes")
    assert minutes.tolist() == [90.0, 120.0]
    fraction, _ = to_duration(pd.Series([0.5, 0.25]), fmt="day_fraction")
    assert fraction.tolist() == [43200.0, 21600.0]


def test_booleans_and_value_mappings():
    values, bad = to_bool(pd.Series(["Y", "n", "YES", "false", "1", "maybe", None]))
    assert values.iloc[:5].tolist() == [True, False, True, False, True]
    assert bad.tolist() == [False] * 5 + [True, False]
    mapped = apply_values(pd.Series(["Voice", "Email", "Fax", None]), {"Voice": "phone", "Email": "email"})
    assert mapped.tolist()[:3] == ["phone", "email", "Fax"] and mapped.iloc[3] is None


def test_numbers_with_comma_decimals_thousands_and_percent():
    values, bad = to_number(pd.Series(["1.234,5", "94,01%", "x"]), decimal=",", thousands=".")
    assert values.iloc[0] == pytest.approx(1234.5) and values.iloc[1] == pytest.approx(94.01)
    assert bad.tolist() == [False, False, True]


def test_datetimes_formats_dayfirst_excel_serial_and_time_zones():
    fixed, bad = to_datetime(pd.Series(["01/02/2026 10:00:00", "31/13/2026 10:00:00"]), fmt="%d/%m/%Y %H:%M:%S")
    assert fixed.iloc[0] == pd.Timestamp("2026-02-01 10:00") and bad.tolist() == [False, True]
    dayfirst, _ = to_datetime(pd.Series(["01/02/2026 10:00"]), dayfirst=True)
    assert dayfirst.iloc[0] == pd.Timestamp("2026-02-01 10:00")
    serial, _ = to_datetime(pd.Series([45658.5]), fmt="excel_serial")
    assert serial.iloc[0] == pd.Timestamp("2025-01-01 12:00")  # Excel serial 45658 = 2025-01-01
    aware, _ = to_datetime(pd.Series(["2026-07-01T10:00:00+00:00"]), timezone="Europe/London")
    assert aware.iloc[0] == pd.Timestamp("2026-07-01 11:00")  # BST, then made naive
    assert aware.dtype == np.dtype("datetime64[ns]")


def test_time_of_day_rejects_values_past_midnight():
    times, bad = to_time_of_day(pd.Series([0.38400462962963, 1.2]), fmt="day_fraction")
    assert times.iloc[0] == pd.Timedelta(seconds=round(0.38400462962963 * 86400))
    assert bad.tolist() == [False, True]


@pytest.mark.parametrize(
    ("convert", "values", "options"),
    [
        (to_duration, ["0:02:23", "1:00:00", None, "25:61:00", "17", ""], {}),
        (to_bool, ["Y", "N", None, "maybe", "yes"], {}),
        (to_number, ["1,5", "2", None, "x"], {"decimal": ","}),
        (to_datetime, ["05/01/2026 09:00:00", None, "bad"], {"fmt": "%d/%m/%Y %H:%M:%S"}),
    ],
)
def test_converting_distinct_values_equals_converting_every_row(convert, values, options):
    from csperf_lib.ingest.mapping import per_unique

    rng = np.random.default_rng(3)
    series = pd.Series(rng.choice(np.array(values, dtype=object), size=5_000), index=np.arange(5_000) + 10)
    fast, fast_bad = per_unique(series, convert, **options)
    slow, slow_bad = convert(series, **options)
    pd.testing.assert_series_equal(fast, slow, check_dtype=False, check_names=False)
    assert fast_bad.tolist() == slow_bad.tolist()


def test_offsets_keep_the_source_clock_unless_a_time_zone_is_named():
    """Issue 18: timestamps were silently converted to UTC. Without a configured zone each value keeps
    the clock it was written in; with one, every value is converted to it."""
    import datetime as dt

    from csperf_lib.ingest.mapping import has_utc_offsets

    written = pd.Series(["2026-03-02T09:15:00-05:00", "2026-03-09T09:15:00-04:00", "2026-03-10T14:00:00Z"])
    kept, bad = to_datetime(written)
    assert kept.tolist() == [pd.Timestamp("2026-03-02 09:15"), pd.Timestamp("2026-03-09 09:15"),
                             pd.Timestamp("2026-03-10 14:00")] and not bad.any()
    converted, _ = to_datetime(written, timezone="America/New_York")
    assert converted.tolist() == [pd.Timestamp("2026-03-02 09:15"), pd.Timestamp("2026-03-09 09:15"),
                                  pd.Timestamp("2026-03-10 10:00")]  # 14:00 UTC is 10:00 EDT
    aware = pd.Series([dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))], dtype=object)
    assert to_datetime(aware)[0].iloc[0] == pd.Timestamp("2026-01-05 08:00")
    column = pd.Series(pd.to_datetime(["2026-01-05 08:00"]).tz_localize("Europe/Paris"))
    assert to_datetime(column)[0].iloc[0] == pd.Timestamp("2026-01-05 08:00")
    assert to_datetime(column, timezone="UTC")[0].iloc[0] == pd.Timestamp("2026-01-05 07:00")
    assert has_utc_offsets(written) and has_utc_offsets(column) and has_utc_offsets(aware)
    assert not has_utc_offsets(pd.Series(["2026-03-02 09:15", "05/03/2026"]))



def test_identifiers_categories_and_headers_with_personal_data_are_made_shareable():
    """Issue 20, item 3: the one privacy rule of the collect stage."""
    from csperf_lib.core.config import ColumnSpec, SourceSpec
    from csperf_lib.ingest.mapping import map_chunk, shareable
    from csperf_lib.methods.privacy import pseudonymise

    key = b"k" * 32
    ids = pd.Series(["C1", "jane@example.com", "C2", "jane@example.com"], dtype="string")
    out, changed, kinds = shareable(ids, "id", key=key)
    assert out.tolist() == ["C1", pseudonymise("jane@example.com", key=key), "C2", pseudonymise("jane@example.com", key=key)]
    assert (changed, kinds) == (2, ["email"])
    queues = pd.Series(["Billing", "Call 07700 900123", None], dtype="string")
    out, changed, kinds = shareable(queues, "category", key=key)
    assert out.tolist()[:2] == ["Billing", "Call [PHONE]"] and pd.isna(out.iloc[2]) and kinds == ["phone"]
    assert shareable(queues, "category", key=None)[0].tolist()[:2] == ["Billing", "Call 07700 900123"]
    raw = pd.DataFrame({"id": ["C1", "bob@example.com"], "when": ["2026-01-05", "2026-01-06"], "ans": ["Y", "Y"],
                        "queue": ["Call 07700 900123", "Sales"], "bob.smith@example.com": ["x", "y"],
                        ":@computed_region_x": ["1", "2"]})
    source = SourceSpec(table="contacts", kind="file", format="csv", columns=(
        ColumnSpec("contact_id", "id"), ColumnSpec("arrived_at", "when"), ColumnSpec("answered", "ans"),
        ColumnSpec("queue", "queue")))
    frame = map_chunk(raw, source, first_row=1, pseudonym_key=key)
    assert frame["contact_id"].tolist() == ["C1", pseudonymise("bob@example.com", key=key)]
    assert frame["queue"].tolist() == ["Call [PHONE]", "Sales"]
    assert "[EMAIL]" in frame.columns and ":@computed_region_x" in frame.columns  # a Socrata column is no person
    assert set(frame.attrs["personal_data"]) == {"contact_id", "queue", "column headers"}
    assert raw["id"].tolist() == ["C1", "bob@example.com"]  # the input is not mutated
