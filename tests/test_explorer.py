"""The KPI explorer's callbacks: right numbers, filters in the engine, one-line errors, a widget
that builds and updates without a display, and the time per call on 200k contacts."""

from __future__ import annotations

import statistics

import ibis
import numpy as np
import pandas as pd
import pytest

from csperf_lib.core.config import load_config
from csperf_lib.ingest.demo import generate_demo
from csperf_lib.ingest.store import Store
from csperf_lib.methods.kpis import compute_kpis
from csperf_lib.report import explorer as explorer_module
from csperf_lib.report.explorer import (
    ExplorerView,
    explore,
    filter_choices,
    kpi_explorer,
    render_view,
)
from csperf_lib.stages.collect import collect
from csperf_lib.stages.validate import validate

TABLES = ("contacts", "surveys", "qa_evaluations", "complaints")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    """A 20k-contact demo store in a DuckDB file (closed: tests open it as they need)."""
    folder = tmp_path_factory.mktemp("explorer")
    demo = generate_demo(folder / "demo", contacts=20_000, seed=7)
    config = load_config(demo.config_path)
    url = f"duckdb://{folder / 'store.duckdb'}"
    with Store(url) as store:
        collect(config, store)
        validate(config, store)
    return url


@pytest.fixture(scope="module")
def store(demo_url):
    with Store(demo_url) as opened:
        yield opened


@pytest.fixture(scope="module")
def frames(store):
    return {name: store.to_pandas(name) for name in TABLES if store.has(name)}


def _pandas_filtered(
    frames: dict[str, pd.DataFrame], filters: dict[str, list]
) -> dict[str, pd.DataFrame]:
    """The documented filter semantics, in pandas: own column, else through contact_id."""
    contacts = frames["contacts"]
    for column, values in filters.items():
        contacts = contacts[contacts[column].isin(values)]
    out = {"contacts": contacts}
    for name, frame in frames.items():
        if name == "contacts":
            continue
        for column, values in filters.items():
            if column in frame.columns:
                frame = frame[frame[column].isin(values)]
            elif "contact_id" in frame.columns:
                frame = frame[frame["contact_id"].isin(contacts["contact_id"])]
            else:
                frame = None  # complaints have no contact link: not supplied
                break
        if frame is not None:
            out[name] = frame
    return out


def _same(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected) > 0
    for column in actual.columns:
        a, e = actual[column].reset_index(drop=True), expected[column].reset_index(drop=True)
        if pd.api.types.is_float_dtype(e):
            np.testing.assert_allclose(
                a.to_numpy(float), e.to_numpy(float), rtol=1e-9, equal_nan=True
            )
        else:
            assert a.astype(str).tolist() == e.astype(str).tolist(), column


@pytest.mark.parametrize(
    ("kpi", "dimension", "filters"),
    [
        ("aht_s", "queue", {"channel": ["phone"]}),
        ("service_level", None, {"channel": ["phone"], "queue": ["Billing", "Sales"]}),
        ("csat_mean", "region", {"team": ["Falcon", "Kestrel"]}),  # surveys via contact_id
        ("qa_score_mean", "team", {"channel": ["phone", "chat"]}),  # QA via contact_id
        ("complaints_per_1000", "queue", {"channel": ["email"]}),  # complaints: own column
    ],
)
def test_numbers_equal_compute_kpis_on_pandas_filtered_data(store, frames, kpi, dimension, filters):
    view = explore(store, kpi=kpi, dimension=dimension, period="week", filters=filters)
    assert isinstance(view, ExplorerView) and view.note == ""
    expected = _pandas_filtered(frames, filters)
    by = (dimension,) if dimension else ()
    _same(view.table, compute_kpis(expected, kpis=[kpi], by=by))
    weekly = compute_kpis(expected, kpis=[kpi], period="week")
    _same(view.series, weekly.dropna(subset=["value"]).sort_values("period").reset_index(drop=True))
    if dimension:
        _same(view.segment_series, compute_kpis(expected, kpis=[kpi], by=by, period="week"))
        # a segment with no value recorded (the demo leaves some regions blank) gets no trend
        assert list(view.trend["segment"]) == ["all", *sorted(view.table[dimension].dropna())]
    # the chart and signals are of the overall series
    assert view.chart.n == len(view.series)
    assert np.isclose(view.chart.center, view.series["value"].mean())
    assert set(view.signals["position"]) <= set(range(len(view.series)))
    assert view.seconds > 0


def test_unfiltered_and_a_single_value_filter(store, frames):
    whole = explore(store, kpi="answer_rate", period="month")
    _same(whole.table, compute_kpis(store, kpis=["answer_rate"]))
    one = explore(store, kpi="answer_rate", filters={"channel": "chat", "queue": []})  # [] = all
    assert one.filters == {"channel": ("chat",)}
    _same(
        one.table,
        compute_kpis(_pandas_filtered(frames, {"channel": ["chat"]}), kpis=["answer_rate"]),
    )


def test_filters_are_applied_in_the_engine(store, monkeypatch):
    seen = {}
    real = explorer_module.compute_kpi_breakdowns

    def spy(tables, **kwargs):
        seen.update(tables)
        return real(tables, **kwargs)

    monkeypatch.setattr(explorer_module, "compute_kpi_breakdowns", spy)
    monkeypatch.setattr(
        Store, "to_pandas", lambda *a, **k: pytest.fail("a table was pulled into pandas")
    )
    explore(store, kpi="csat_mean", filters={"queue": ["Billing"]})
    assert all(isinstance(t, ibis.Table) for t in seen.values())
    assert "WHERE" in ibis.to_sql(seen["contacts"]) and "'Billing'" in ibis.to_sql(seen["contacts"])
    survey_sql = ibis.to_sql(seen["surveys"])
    assert "contact_id" in survey_sql and "'Billing'" in survey_sql  # through the contact link
    assert "'Billing'" in ibis.to_sql(seen["complaints"])  # complaints have queue themselves


def test_a_filter_complaints_cannot_take_makes_complaint_kpis_unavailable(store):
    view = explore(store, kpi="complaints_per_1000", filters={"team": ["Falcon"]})
    assert view.table.empty and view.series.empty
    assert "complaints cannot be filtered by team" in view.note
    assert render_view(view).axes  # draws the reason instead of a chart


@pytest.mark.parametrize(
    ("kwargs", "listed"),
    [
        ({"kpi": "aht"}, "aht_s"),
        ({"kpi": "aht_s", "dimension": "colour"}, "queue"),
        ({"kpi": "aht_s", "period": "quarter"}, "month"),
        ({"kpi": "aht_s", "filters": {"colour": "red"}}, "channel"),
    ],
)
def test_invalid_inputs_give_a_one_line_value_error(store, kwargs, listed):
    with pytest.raises(ValueError, match="unknown") as caught:
        explore(store, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and "choose one of" in message and listed in message


def test_inputs_are_not_mutated(store):
    filters = {"channel": ["phone"], "queue": "Billing"}
    explore(store, kpi="aht_s", filters=filters)
    assert filters == {"channel": ["phone"], "queue": "Billing"}


def test_filter_choices_come_from_the_engine(store, frames):
    choices = filter_choices(store, columns=("channel", "queue", "nope"), max_values=3)
    assert set(choices) == {"channel", "queue"}
    assert choices["queue"] == sorted(frames["contacts"]["queue"].dropna().unique())[:3]
    full = filter_choices(store)
    assert full["channel"] == sorted(frames["contacts"]["channel"].dropna().unique())


def test_render_view_has_the_control_chart_and_the_segment_intervals(store):
    one = render_view(explore(store, kpi="aht_s"))
    assert len(one.axes) == 1 and "control chart" in one.axes[0].get_title()
    two = render_view(explore(store, kpi="aht_s", dimension="queue"))
    assert len(two.axes) == 2 and "by queue" in two.axes[1].get_title()


def test_widget_builds_headless_and_updates_on_change(store):
    pytest.importorskip("ipywidgets")
    box = kpi_explorer(store)
    c = box.controls
    first = c["output"].outputs
    assert first and any("image/png" in o["data"] for o in first)
    c["kpi"].value = "csat_mean"
    c["dimension"].value = "region"  # the observer runs synchronously
    html = c["output"].outputs[0]["data"]["text/html"]
    assert "Customer satisfaction" in html
    assert "Scotland" in html and "s" in c["status"].value
    c["column"].value = "channel"
    assert "phone" in c["values"].options
    c["values"].value = ("phone",)
    assert "channel in ['phone']" in c["output"].outputs[0]["data"]["text/html"]
    assert c["release"].disabled  # an open store given by the caller is never closed
    assert store.has("contacts")


def test_widget_from_a_url_owns_and_releases_its_store(demo_url):
    pytest.importorskip("ipywidgets")
    box = kpi_explorer(demo_url)
    assert not box.controls["release"].disabled
    box.release()
    assert "released" in box.controls["status"].value
    box.controls["period"].value = "month"  # reopens the store
    assert "month" in box.controls["output"].outputs[0]["data"]["text/html"]
    box.release()


def test_seconds_per_call_on_200k_contacts(store):
    """Printed, not asserted: the demo store scaled to ~200k contacts (x10, ids suffixed)."""
    with Store("duckdb://") as big:
        for name, key in (
            ("contacts", "contact_id"),
            ("surveys", "response_id"),
            ("qa_evaluations", "evaluation_id"),
            ("complaints", "complaint_id"),
        ):
            ids = [key] + (["contact_id"] if name in ("surveys", "qa_evaluations") else [])
            replace = ", ".join(f"{c} || '-' || k AS {c}" for c in ids)
            big.con.con.register(f"src_{name}", store.table(name).to_pyarrow())
            big.con.raw_sql(
                f"CREATE TABLE {name} AS SELECT * REPLACE ({replace}) FROM src_{name}, range(10) r(k)"
            )
            big.con.con.unregister(f"src_{name}")
        n = big.count("contacts")
        cases = [
            {"kpi": "aht_s"},
            {"kpi": "aht_s", "dimension": "queue"},
            {
                "kpi": "service_level",
                "dimension": "team",
                "period": "day",
                "filters": {"channel": "phone"},
            },
            {"kpi": "csat_mean", "dimension": "region", "filters": {"queue": ["Billing", "Sales"]}},
            {"kpi": "qa_score_mean", "dimension": "team"},
        ]
        explore(big, kpi="aht_s")  # warm-up
        print(f"\nexplore on {n:,} contacts (median of 3):")
        for kwargs in cases:
            seconds = [explore(big, **kwargs).seconds for _ in range(3)]
            print(f"  {statistics.median(seconds):.3f} s  {kwargs}")
        assert n > 190_000


def test_a_store_held_by_another_process_says_how_to_release_it(tmp_path):
    """Issue 19: `csperf review` while the explorer holds the DuckDB store names the way out."""
    import subprocess
    import sys
    import time

    from csperf_lib.core.errors import StoreError
    from csperf_lib.ingest.store import Store

    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); con.execute('create table t (x int)'); "
        "print('ready', flush=True); time.sleep(60)"), str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        started = time.time()
        with pytest.raises(StoreError) as caught:
            Store(f"duckdb://{path}")
        message = str(caught.value)
        assert "\n" not in message and "Release store" in message and time.time() - started < 30
    finally:
        holder.kill()
        holder.wait()


def test_explorer_trend_verdicts_are_adjusted_like_the_report():
    from csperf_lib.report.explorer import TREND_COLUMNS
    from csperf_lib.stages.quantitative import adjust_trends

    assert "p_adjusted" in TREND_COLUMNS
    # three series: one clear trend, one only "significant" before adjustment, one not at all
    tested = pd.DataFrame({"segment": ["a", "b", "c"], "periods": [12] * 3,
                           "trend": ["increasing", "increasing", "decreasing"], "slope": [1.0, 0.1, -0.1],
                           "slope_unit": ["per day"] * 3, "p": [0.001, 0.04, 0.2], "tau": [0.9, 0.4, -0.4],
                           "note": [""] * 3})
    adjusted = adjust_trends(tested, alpha=0.05)
    assert adjusted["trend"].tolist() == ["increasing", "no trend", "no trend"]
    assert adjusted["p_adjusted"].tolist() == pytest.approx([0.003, 0.06, 0.2])  # BH: p_(i) m / i, monotone
