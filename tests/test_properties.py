"""Property-based tests (hypothesis) of the readers, the value mapping and config loading (issue 20).

Whatever bytes a source holds and whatever YAML a config holds, csperf either reads them with exact
row accounting or stops with one :class:`~csperf_lib.core.errors.CsperfError` whose message is one
line — never another exception, never a row lost.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csperf_lib.core.config import parse_config
from csperf_lib.core.errors import ConfigError, CsperfError
from csperf_lib.ingest.mapping import to_bool, to_datetime, to_duration, to_number
from csperf_lib.ingest.store import Store
from csperf_lib.stages.data_check import check_data

SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FAST = settings(max_examples=300, deadline=None)

CONFIG = {
    "organisation": "Property Org",
    "period": {"start": "2026-01-01", "end": "2026-12-31"},
    "validation": {"min_usable_share": 0.0},
    "tables": {"contacts": {"source": {"file": "contacts.csv"},
                            "columns": {"contact_id": "id", "arrived_at": "when", "answered": "ans", "wait_s": "wait"}}},
}

#: Text that looks like an export: the header's names, delimiters, quotes, line ends and values.
_PIECES = st.sampled_from(["id", "when", "ans", "wait", ",", ";", "\t", '"', "\n", "\r\n", " ", "Y", "N", "12", "-5",
                           "2026-01-05 10:00", "05/01/2026", "inf", "NULL", "é", "\x00", "=1+1", "a@b.co"])
EXPORT_TEXT = st.lists(_PIECES, max_size=80).map("".join).map(lambda body: "id,when,ans,wait\n" + body)


def _one_line(exc: CsperfError) -> None:
    message = str(exc)
    assert message.strip() and "\n" not in message.strip(), repr(message)
    assert "Traceback" not in message


def _read(tmp_path, data: bytes):
    folder = tmp_path / "export"
    folder.mkdir(exist_ok=True)
    (folder / "contacts.csv").write_bytes(data)
    config = parse_config(CONFIG, path=folder / "review.yaml")
    with Store("duckdb://") as store:
        try:
            check = check_data(config, store)
        except CsperfError as exc:
            _one_line(exc)
            return None
        accounting = check.accounting.set_index("table")
        collected = store.count("collected_contacts")
    assert (folder / "contacts.csv").read_bytes() == data  # the raw file is never changed
    row = accounting.loc["contacts"]
    assert row.rows_in == collected == row.rows_usable + row.rows_quarantined
    return row


@SLOW
@given(data=st.binary(max_size=600))
def test_any_bytes_are_read_with_exact_accounting_or_one_error_line(tmp_path, data: bytes) -> None:
    _read(tmp_path, data)


@SLOW
@given(text=EXPORT_TEXT, encoding=st.sampled_from(["utf-8", "cp1252", "utf-16"]))
def test_any_export_shaped_text_is_read_with_exact_accounting_or_one_error_line(tmp_path, text: str, encoding: str) -> None:
    _read(tmp_path, text.encode(encoding, errors="replace"))


def test_records_are_never_lost_between_lines_and_rows(tmp_path) -> None:
    """A check of the check: every well-formed record is a row, usable or quarantined."""
    lines = ["id,when,ans,wait"] + [f"C{i},2026-01-05 10:{i % 60:02d},Y,{i}" for i in range(50)] + ["C50,oops,Y,x"]
    row = _read(tmp_path, ("\n".join(lines) + "\n").encode())
    assert (row.rows_in, row.rows_usable, row.rows_quarantined) == (51, 50, 1)


VALUE_TEXT = st.one_of(st.none(), st.text(max_size=25), st.sampled_from(
    ["", " ", "NULL", "n/a", "-", "0", "1", "1.5", "1,5", "1e308", "inf", "-inf", "nan", "0:02:23", "12:02:23 AM",
     "2026-01-05", "05/01/2026", "13/01/2026", "01/13/2026", "6 Jan 2026", "2026-02-30", "Y", "yes", "true"]))


@FAST
@given(values=st.lists(VALUE_TEXT, max_size=30))
@pytest.mark.parametrize("convert", [to_number, to_duration, to_bool, to_datetime],
                         ids=["number", "duration", "bool", "datetime"])
def test_converters_never_raise_and_flag_exactly_the_unreadable(convert, values) -> None:
    series = pd.Series(values, dtype=object)
    out, bad = convert(series)
    assert len(out) == len(series) and len(bad) == len(series)
    assert list(out.index) == list(series.index)
    for given_value, value, flagged in zip(values, out.tolist(), bad.tolist(), strict=True):
        missing = value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))
        if flagged:
            assert missing  # an unreadable value is never replaced by a guess
        if given_value is None or not str(given_value).strip():
            assert missing and not flagged  # nothing given: missing, not unreadable


@FAST
@given(day=st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2069, 12, 31)),
       dayfirst=st.booleans(), settle=st.booleans())
def test_iso_dates_are_never_reordered(day: dt.date, dayfirst: bool, settle: bool) -> None:
    out, bad = to_datetime(pd.Series([day.isoformat(), day.strftime("%Y/%m/%d")], dtype=object),
                           dayfirst=dayfirst, settle_each=settle)
    assert not bad.any() and [v.date() for v in out] == [day, day]


@FAST
@given(day=st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2068, 12, 31)), dayfirst=st.booleans())
def test_numeric_dates_follow_the_order_or_are_flagged(day: dt.date, dayfirst: bool) -> None:
    text = day.strftime("%d/%m/%Y" if dayfirst else "%m/%d/%Y")
    out, bad = to_datetime(pd.Series([text], dtype=object), dayfirst=dayfirst)
    assert not bad.iloc[0] and out.iloc[0].date() == day
    swapped, flagged = to_datetime(pd.Series([text], dtype=object), dayfirst=not dayfirst)
    if day.day > 12:  # only one order can read it: the other flags it instead of swapping silently
        assert flagged.iloc[0]
    elif day.day != day.month:
        assert not flagged.iloc[0] and swapped.iloc[0].date() != day


YAML_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=12),
                         st.dates(), st.sampled_from(["contacts", "surveys", "2026-01-05", "csat", "file", "sql"]))
YAML_VALUES = st.recursive(YAML_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(["tables", "period", "start", "end", "contacts", "surveys", "source", "file",
                                     "columns", "contact_id", "organisation", "reviewer", "store", "url", "validation",
                                     "min_usable_share", "targets", "kpis", "text", "sql", "query"]) | st.text(max_size=8),
                    inner, max_size=5)), max_leaves=25)


@FAST
@given(document=YAML_VALUES)
def test_any_yaml_document_loads_or_gives_one_config_error(tmp_path_factory, document) -> None:
    try:
        parse_config(document, path=tmp_path_factory.getbasetemp() / "review.yaml")
    except ConfigError as exc:
        _one_line(exc)


@SLOW
@given(text=st.text(max_size=200))
def test_any_config_text_loads_or_gives_one_config_error(tmp_path, text: str) -> None:
    from csperf_lib.core.config import load_config

    path = tmp_path / "review.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_config(path)
    except ConfigError as exc:
        _one_line(exc)


def test_the_yaml_strategy_reaches_real_configs() -> None:
    """The generated documents include configs that load: the strategy is not all noise."""
    text = yaml.safe_dump(CONFIG)
    assert isinstance(yaml.safe_load(text), dict)
