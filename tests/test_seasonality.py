"""STL decomposition: known trend + weekly cycle recovered, noise not called seasonal, short
series explained, and the components equal a direct statsmodels call."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.seasonal import STL

from csperf_lib.methods.seasonality import decompose, plot_decomposition

AMPLITUDE = 10.0


def _daily(values, start="2025-01-06") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kpi": "aht_s",
            "period": pd.date_range(start, periods=len(values), freq="D"),
            "value": values,
        }
    )


@pytest.fixture(scope="module")
def seasonal_frame() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    t = np.arange(140)
    values = 300 + 0.5 * t + AMPLITUDE * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1, t.size)
    return _daily(values)


def test_trend_plus_weekly_cycle_is_recovered(seasonal_frame):
    before = seasonal_frame.copy()
    result = decompose(seasonal_frame)
    pd.testing.assert_frame_equal(seasonal_frame, before)  # input untouched
    assert result.seasonal_period == 7 and result.spacing == "day" and result.filled == 0
    assert result.strength_seasonal > 0.9
    assert result.strength_trend > 0.9
    assert list(result.frame.columns) == ["period", "observed", "trend", "seasonal", "resid"]
    # the recovered weekly profile (mean by day of cycle) matches the true sampled sine
    t = np.arange(len(seasonal_frame))
    true = pd.Series(AMPLITUDE * np.sin(2 * np.pi * t / 7)).groupby(t % 7).mean()
    got = result.frame["seasonal"].groupby(t % 7).mean()
    true_amp, got_amp = np.ptp(true.to_numpy()) / 2, np.ptp(got.to_numpy()) / 2
    assert abs(got_amp - true_amp) / true_amp < 0.10
    np.testing.assert_allclose(
        result.frame[["trend", "seasonal", "resid"]].sum(axis=1),
        result.frame["observed"],
        atol=1e-9,
    )


def test_components_equal_a_direct_statsmodels_call(seasonal_frame):
    result = decompose(seasonal_frame)
    series = pd.Series(
        seasonal_frame["value"].to_numpy(), index=pd.DatetimeIndex(seasonal_frame["period"])
    )
    direct = STL(series, period=7, robust=True).fit()
    np.testing.assert_array_equal(result.frame["trend"], direct.trend.to_numpy())
    np.testing.assert_array_equal(result.frame["seasonal"], direct.seasonal.to_numpy())
    np.testing.assert_array_equal(result.frame["resid"], direct.resid.to_numpy())
    r, s, tr = direct.resid.to_numpy(), direct.seasonal.to_numpy(), direct.trend.to_numpy()
    assert result.strength_seasonal == pytest.approx(max(0, 1 - np.var(r) / np.var(s + r)))
    assert result.strength_trend == pytest.approx(max(0, 1 - np.var(r) / np.var(tr + r)))


def test_pure_noise_has_weak_seasonality():
    values = np.random.default_rng(3).normal(50, 5, 140)
    result = decompose(_daily(values))
    assert result.decomposed
    assert result.strength_seasonal < 0.3


def test_too_short_series_is_explained_not_raised():
    result = decompose(_daily(np.arange(10.0)))
    assert not result.decomposed
    assert "fewer than two full cycles" in result.note
    assert np.isnan(result.strength_seasonal)
    weekly = pd.DataFrame(
        {"period": pd.date_range("2025-01-06", periods=60, freq="W-MON"), "value": 1.0}
    )
    result = decompose(weekly)
    assert result.seasonal_period == 52 and not result.decomposed
    assert "fewer than two full cycles" in result.note


def test_missing_days_are_interpolated_and_counted(seasonal_frame):
    gappy = seasonal_frame.drop(index=[10, 11, 50])
    result = decompose(gappy)
    assert result.filled == 3 and "3 missing day(s) filled" in result.note
    assert len(result.frame) == len(seasonal_frame)
    filled = result.frame.set_index("period")["observed"]
    day = seasonal_frame["period"]
    expected = (seasonal_frame.loc[9, "value"] * 2 + seasonal_frame.loc[12, "value"]) / 3
    assert filled[day[10]] == pytest.approx(expected)
    assert result.strength_seasonal > 0.9


def test_bad_input_is_rejected():
    two = pd.concat([_daily(np.ones(20)), _daily(np.ones(20)).assign(kpi="asa_s")])
    with pytest.raises(ValueError, match="several KPIs"):
        decompose(two)
    with pytest.raises(ValueError, match="period and value"):
        decompose(pd.DataFrame({"value": [1.0]}))


def test_plot_has_four_labelled_panels(seasonal_frame):
    fig = plot_decomposition(decompose(seasonal_frame), title="AHT", unit="seconds")
    axes = fig.get_axes()
    assert len(axes) == 4
    assert [a.get_title(loc="left").split(" ")[0] for a in axes] == [
        "Observed",
        "Trend",
        "Seasonal,",
        "Remainder",
    ]
    assert all("seconds" in a.get_title(loc="left") for a in axes)
    # a skipped decomposition still plots
    assert len(plot_decomposition(decompose(_daily(np.arange(5.0))), title="x").get_axes()) == 4


def test_mostly_interpolated_series_is_refused(seasonal_frame):
    """Issue 18: a seasonal strength of 1.00 was reported on a daily series that was 97 % interpolated.
    Below MIN_OBSERVED_SHARE observed days nothing is decomposed, and the note says how many were missing."""
    from csperf_lib.methods.seasonality import MIN_OBSERVED_SHARE

    keep = np.arange(len(seasonal_frame)) % 5 < 3  # three days in five observed: 40 % interpolated
    sparse = seasonal_frame[keep]
    result = decompose(sparse)
    assert result.frame["seasonal"].isna().all() and result.filled > 0
    assert "no seasonal decomposition" in result.note and "have data" in result.note
    observed_share = len(sparse) / len(result.frame)
    assert observed_share < MIN_OBSERVED_SHARE
    few_gaps = seasonal_frame.drop(seasonal_frame.index[[3, 10, 11]])
    assert not decompose(few_gaps).frame["seasonal"].isna().all()  # a few missing days are still fine


def test_the_sentence_never_prints_a_missing_strength():
    from csperf_lib.methods.seasonality import Decomposition

    frame = pd.DataFrame({"period": pd.date_range("2026-01-01", periods=3), "observed": [1.0, 2.0, 3.0],
                          "trend": np.nan, "seasonal": np.nan, "resid": np.nan})
    refused = Decomposition(frame=frame, seasonal_period=7, note="no seasonal decomposition: too few days")
    assert refused.sentence == "No seasonal decomposition: too few days" and "nan" not in refused.sentence
    done = Decomposition(frame=frame, seasonal_period=7, strength_seasonal=0.61, strength_trend=0.2, note="weekly cycle")
    assert done.sentence == "Seasonal strength 0.61, trend strength 0.20. Weekly cycle"
