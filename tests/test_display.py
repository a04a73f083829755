"""Tables as a reader sees them: no index column, no None, nan, NaT or <NA> (issues 18 and 19)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames

from csperf_lib.core.display import (
    MISSING,
    reader_frame,
    reader_html,
    reader_value,
    show_frames_for_people,
)

RAW_MISSING = re.compile(r"(?<![\w<])(None|nan|NaN|NaT|<NA>|&lt;NA&gt;)(?![\w>])")


def test_every_kind_of_missing_value_reads_as_a_dash():
    frame = pd.DataFrame({
        "float": [1.5, np.nan], "int": pd.array([1, None], dtype="Int64"), "flag": pd.array([True, None], dtype="boolean"),
        "when": [pd.Timestamp("2026-01-05 10:30"), pd.NaT], "text": ["x", None], "na": ["y", pd.NA],
        "list": [["a", "b"], []], "dict": [{"k": 1}, {}],
    })
    shown = reader_frame(frame)
    assert list(shown.iloc[1]) == [MISSING] * 8
    assert list(shown.iloc[0]) == ["1.5", "1", "yes", "5 Jan 2026 10:30", "x", "y", "a, b", "k: 1"]
    assert not RAW_MISSING.search(reader_html(frame))
    assert frame["float"].isna().sum() == 1  # the data are not changed


def test_p_values_dates_numbers_and_the_index():
    frame = pd.DataFrame({"p_value": [1.13e-312, 0.0342], "q_value": [0.2, np.nan], "value": [1.134716e-12, 11643.0],
                          "day": [dt.date(2026, 3, 2), pd.Timestamp("2026-03-02")]}, index=[5, 9])
    shown = reader_frame(frame)
    assert list(shown.columns) == ["", "p", "q", "Value", "Day"]  # a meaningful index is kept, unnamed
    assert list(shown["p"]) == ["< 0.001", "0.03"] and list(shown["q"]) == ["0.20", MISSING]
    assert list(shown["Value"]) == ["≈ 0", "11,643"] and list(shown["Day"]) == ["2 Mar 2026", "2 Mar 2026"]
    plain = reader_frame(frame.reset_index(drop=True))
    assert list(plain.columns) == ["p", "q", "Value", "Day"]  # 0, 1, 2 … is never shown
    assert reader_value(True) == "yes" and reader_value(np.bool_(False)) == "no" and reader_value(float("inf")) == "∞"


def test_html_is_escaped_and_long_tables_are_cut_with_a_count():
    html = reader_html(pd.DataFrame({"a": ["<script>alert(1)</script>"] * 60}), max_rows=10)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("</tr>") == 11 and "The first 10 of 60 rows are shown." in html


def test_registration_is_a_no_op_outside_ipython():
    assert show_frames_for_people() is False


@settings(max_examples=60, deadline=None)
@given(data_frames([column("f", dtype=float), column("s", elements=st.one_of(st.none(), st.text(max_size=5))),
                    column("b", elements=st.one_of(st.none(), st.booleans()))]))
def test_no_table_shows_a_raw_missing_marker(frame):
    shown = reader_frame(frame)
    assert len(shown) == len(frame) and not shown.isna().any().any()
    for value in shown.to_numpy().ravel():
        assert value not in ("None", "nan", "NaN", "NaT", "<NA>")


def test_snake_case_names_read_as_words_with_their_units():
    from csperf_lib.core.display import human_label

    assert [human_label(n) for n in ("rows_usable", "wait_s", "ci_low", "aht_s", "review_date", "p_value", "kpi")] == [
        "Rows usable", "Wait (s)", "CI low", "AHT (s)", "Review date", "p", "KPI"]
    assert human_label("Agents needed") == "Agents needed" and human_label(3) == 3  # not snake_case: as given
    shown = reader_frame(pd.DataFrame({"rows_in": [5], "mean_pct": [0.45]}))
    assert list(shown.columns) == ["Rows in", "Mean pct"] and list(shown.iloc[0]) == ["5", "0.45"]


def test_identifiers_in_cells_read_as_words_or_their_labels():
    from csperf_lib.core.display import reader_text

    labels = {"aht_s": "Average handling time", "agent_id": "agent"}
    assert reader_text("aht_s", labels=labels) == "Average handling time"
    assert reader_text("within_tolerance") == "Within tolerance"
    assert reader_text("qa_evaluations") == "QA evaluations"
    assert reader_text("aht_s in agent_id 'P-1' is 439", labels=labels) == "Average handling time in agent 'P-1' is 439"
    assert reader_text("duplicate contact_id of an earlier record") == "duplicate contact ID of an earlier record"
    assert reader_text("score: wrap_up_notes (0-5)") == "score: wrap up notes (0-5)"
    # file names, e-mail addresses and ordinary text are left alone
    for text in ("contacts_export.csv", "a_b@example.com", "plain words", "C000013591"):
        assert reader_text(text) == text
    frame = pd.DataFrame({"status": ["within_tolerance", "met"], "score: needs_analysis (0-5)": [True, False]})
    shown = reader_frame(frame, labels=labels)
    assert list(shown.columns) == ["Status", "score: needs analysis (0-5)"]
    assert shown.iloc[:, 0].tolist() == ["Within tolerance", "met"] and shown.iloc[:, 1].tolist() == ["yes", "no"]


def test_long_tables_are_complete_and_scroll():
    frame = pd.DataFrame({"n": range(120), "sentence": ["a long sentence " * 12] * 120})
    html = reader_html(frame)
    assert html.count("</tr>") == 121 and 'class="reader-scroll"' in html  # every row is in the page
    assert "All 120 rows; scroll the table to see them." in html and "max-height: none" in html  # printed in full
    short = reader_html(frame.head(5))
    assert "reader-scroll\"" not in short and "All " not in short


def test_an_empty_table_is_a_sentence():
    html = reader_html(pd.DataFrame(columns=["candidate", "top_terms"]))
    assert "<table" not in html and "Nothing to list." in html
