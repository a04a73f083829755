"""Reviewer calibration statistics (csperf_lib.methods.agreement) against published reference values."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from csperf_lib.core.errors import CsperfError
from csperf_lib.methods.agreement import (
    Agreement,
    _interval_alpha_parts,
    _interval_alpha_weighted,
    _pairable_units,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
)
from csperf_lib.methods.calibration import (
    NO_CALIBRATION_NOTE,
    CalibrationReview,
    calibration_review,
    evaluator_bias,
    item_agreement,
    summary_entries,
)

# --------------------------------------------------------------------------------------------
# reference data
# --------------------------------------------------------------------------------------------


def pairs_from_table(table):
    """Two rating vectors (row category, column category) from a square contingency table."""
    t = np.asarray(table, dtype=int)
    a, b = [], []
    for i in range(t.shape[0]):
        for j in range(t.shape[1]):
            a += [i] * t[i, j]
            b += [j] * t[i, j]
    return a, b


def ratings_from_counts(counts):
    """Subjects × raters labels from a subjects × categories count table."""
    t = np.asarray(counts, dtype=int)
    return np.array([np.repeat(np.arange(t.shape[1]), row) for row in t])


# 3x3 table of a SAS PROC FREQ agreement example with its printout (kappa, ASE, 95 % limits, ASE
# under H0), as reproduced in statsmodels' statsmodels/stats/tests/test_inter_rater.py
# (TestUnweightedCohens / TestWeightedCohens: "comparison to printout of a SAS example"); the SAS
# weighted kappa uses Cicchetti-Allison (= linear) weights.
SAS_3X3 = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]
SAS_3X3_SIMPLE = (0.4842, 0.1380, 0.2137, 0.7547, 0.1484)
SAS_3X3_WEIGHTED = (0.4701, 0.1457, 0.1845, 0.7558, 0.1426)

# SAS/STAT User's Guide, The FREQ Procedure, Getting Started: "Agreement Study" (skin condition
# rated terrible/poor/marginal/clear by two dermatologists, n = 88; data in the guide's Table
# "Skin Condition Data"). Output "Kappa Statistics": simple kappa 0.3449, ASE 0.0724, 95 % limits
# 0.2030 0.4868; weighted kappa (Cicchetti-Allison) 0.5082, ASE 0.0655, limits 0.3798 0.6366.
# (The data were checked against the guide; its output table could not be re-read when this test
# was written, so these printed values are quoted from memory of it. They agree to 4 decimals.)
SKIN = [[10, 4, 1, 0], [5, 10, 12, 2], [2, 4, 12, 5], [0, 2, 6, 13]]
SKIN_SIMPLE = (0.3449, 0.0724, 0.2030, 0.4868)
SKIN_WEIGHTED = (0.5082, 0.0655, 0.3798, 0.6366)

# R package irr, data set `anxiety` (20 subjects rated by 3 raters), and kappa2() results for raters
# 2 and 3 as quoted in statsmodels' test_inter_rater.py (test_cohens_kappa_irr): unweighted
# -0.006289308 (z -0.0604067), "equal" (linear) 0.1459075 (z 1.282472), "squared" (quadratic)
# 0.2520325 (z 1.437451). irr uses only the observed levels (level 5 is unused by these raters).
ANXIETY = [
    [3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3],
    [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4],
    [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2],
]
IRR_KAPPA2 = {
    None: (-0.006289308, -0.0604067),
    "linear": (0.1459075, 1.282472),
    "quadratic": (0.2520325, 1.437451),
}

# Fleiss JL (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin
# 76:378-382: 30 patients, 6 psychiatrists each, 5 diagnoses; kappa = .430. Raw ratings as in R's
# irr::diagnoses (copied in statsmodels' test_inter_rater.py); irr::kappam.fleiss gives
# kappa 0.4302445, z 17.65183 (Fleiss, Nee & Landis 1979 variance under H0).
DIAGNOSES = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip

# Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories (counts per
# category); P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210 (also statsmodels' test_fleiss_kappa).
WIKIPEDIA_FLEISS = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]  # fmt: skip

# Krippendorff K (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
# Communication, University of Pennsylvania: the worked example with observers A-D x 12 units,
# values 1-5 and missing values (nan). Published alphas: nominal .743, ordinal .815, interval
# .849, ratio .797 (the same data, and all but the interval value, are in the `krippendorff`
# package's tests and docstring, which cite that paper).
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
    [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
]
KRIPPENDORFF_2011_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

# 3 coders x 15 units with missing values; nominal 0.691358, interval 0.810845 (the `krippendorff`
# package's tests, pln-fing-udelar/fast-krippendorff tests/test_krippendorff.py).
KRIPPENDORFF_3X15 = [
    [np.nan, np.nan, np.nan, np.nan, np.nan, 3, 4, 1, 2, 1, 1, 3, 3, np.nan, 3],
    [1, np.nan, 2, 1, 3, 3, 4, 3, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
    [np.nan, np.nan, 2, 1, 3, 4, 4, np.nan, 2, 1, 1, 3, 3, np.nan, 4],
]


# --------------------------------------------------------------------------------------------
# Cohen's kappa
# --------------------------------------------------------------------------------------------


def _close(result: Agreement, expected, tol=6e-5):
    kappa, ase, low, high = expected[:4]
    assert result.value == pytest.approx(kappa, abs=tol)
    assert result.se == pytest.approx(ase, abs=tol)
    assert result.ci_low == pytest.approx(low, abs=tol)
    assert result.ci_high == pytest.approx(high, abs=tol)


def test_cohen_kappa_matches_sas_3x3_printout():
    a, b = pairs_from_table(SAS_3X3)
    simple = cohen_kappa(a, b, categories=[0, 1, 2])
    _close(simple, SAS_3X3_SIMPLE)
    assert simple.se_null == pytest.approx(SAS_3X3_SIMPLE[4], abs=6e-5)
    assert simple.n_subjects == 19 and simple.n_raters == 2
    assert simple.statistic == "Cohen's kappa"
    weighted = cohen_kappa(a, b, weights="linear", categories=[0, 1, 2])
    _close(weighted, SAS_3X3_WEIGHTED)
    assert weighted.se_null == pytest.approx(SAS_3X3_WEIGHTED[4], abs=6e-5)
    assert weighted.statistic == "Cohen's kappa (linear weights)"


def test_cohen_kappa_matches_sas_skin_condition_example():
    a, b = pairs_from_table(SKIN)
    _close(cohen_kappa(a, b), SKIN_SIMPLE)
    _close(cohen_kappa(a, b, weights="linear"), SKIN_WEIGHTED)
    # labels instead of codes, categories in their clinical order: the same numbers
    labels = np.array(["terrible", "poor", "marginal", "clear"], dtype=object)
    order = ["terrible", "poor", "marginal", "clear"]
    _close(cohen_kappa(labels[a], labels[b], weights="linear", categories=order), SKIN_WEIGHTED)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_r_irr_kappa2(weights):
    kappa, z = IRR_KAPPA2[weights]
    res = cohen_kappa(ANXIETY[1], ANXIETY[2], weights=weights)
    assert res.value == pytest.approx(kappa, abs=5e-8)
    assert res.value / res.se_null == pytest.approx(z, abs=5e-6)


def test_cohen_weights_depend_on_the_category_set():
    a, b = ANXIETY[1], ANXIETY[2]
    # unweighted kappa ignores unused categories; weighted kappa counts their distance
    assert cohen_kappa(a, b, categories=range(1, 7)).value == pytest.approx(cohen_kappa(a, b).value)
    observed = cohen_kappa(a, b, weights="quadratic").value
    full = cohen_kappa(a, b, weights="quadratic", categories=range(1, 7)).value
    assert full != pytest.approx(observed)
    # quadratic weights credit near misses more than linear ones, which credit more than none here
    lin = cohen_kappa(a, b, weights="linear").value
    assert cohen_kappa(a, b).value < lin < observed


def test_cohen_kappa_drops_incomplete_pairs_and_says_so():
    a, b = pairs_from_table(SKIN)
    full = cohen_kappa(a, b)
    a2 = list(a) + [None, 2, np.nan]
    b2 = list(b) + [1, float("nan"), np.nan]
    res = cohen_kappa(pd.Series(a2, index=range(100, 100 + len(a2))), b2)
    assert res.n_subjects == 88
    assert res.value == pytest.approx(full.value)
    assert res.se == pytest.approx(full.se)
    assert "3 pair(s) with a missing rating dropped" in res.note
    assert full.note == ""


def test_cohen_kappa_degenerate_cases():
    perfect = cohen_kappa([1, 2, 3, 1, 2, 3], [1, 2, 3, 1, 2, 3], weights="quadratic")
    assert perfect.value == pytest.approx(1.0)
    assert perfect.ci_high == pytest.approx(1.0) and perfect.se == pytest.approx(0.0, abs=1e-12)
    assert cohen_kappa(["y", "n", "y"], ["y", "n", "y"]).value == pytest.approx(1.0)
    one = cohen_kappa([5, 5, 5], [5, 5, 5])
    assert math.isnan(one.value) and "undefined" in one.note
    none = cohen_kappa([1, None], [None, 2])
    assert math.isnan(none.value) and none.n_subjects == 0


def test_cohen_kappa_rejects_bad_input():
    with pytest.raises(CsperfError, match="weights"):
        cohen_kappa([1, 2], [1, 2], weights="cubic")
    with pytest.raises(CsperfError, match="same subjects"):
        cohen_kappa([1, 2, 3], [1, 2])
    with pytest.raises(CsperfError, match="not among the categories"):
        cohen_kappa([1, 2, 7], [1, 2, 3], categories=[1, 2, 3])
    with pytest.raises(CsperfError, match="alpha"):
        cohen_kappa([1, 2], [1, 2], alpha=1.5)


def test_cohen_kappa_alpha_sets_the_interval():
    a, b = pairs_from_table(SKIN)
    res95, res90 = cohen_kappa(a, b), cohen_kappa(a, b, alpha=0.10)
    assert res90.confidence == pytest.approx(0.90)
    assert res95.ci_low < res90.ci_low < res90.value < res90.ci_high < res95.ci_high


# --------------------------------------------------------------------------------------------
# Fleiss' kappa
# --------------------------------------------------------------------------------------------


def test_fleiss_kappa_matches_fleiss_1971_and_irr():
    res = fleiss_kappa(pd.DataFrame(DIAGNOSES), n_boot=200)
    assert round(res.value, 3) == 0.430
    assert res.value == pytest.approx(0.4302445, abs=5e-8)
    assert res.value / res.se_null == pytest.approx(17.65183, abs=5e-5)
    assert res.n_subjects == 30 and res.n_raters == 6
    assert res.ci_low < res.value < res.ci_high
    assert "Fleiss, Nee & Landis (1979)" in res.method and "bootstrap" in res.method


def test_fleiss_kappa_matches_wikipedia_example():
    res = fleiss_kappa(ratings_from_counts(WIKIPEDIA_FLEISS), n_boot=0)
    assert round(res.value, 3) == 0.210
    assert math.isnan(res.ci_low)


def test_fleiss_kappa_missing_ratings():
    # an all-missing rater column changes nothing
    base = fleiss_kappa(DIAGNOSES, n_boot=0).value
    padded = np.hstack([np.asarray(DIAGNOSES, dtype=float), np.full((30, 1), np.nan)])
    assert fleiss_kappa(padded, n_boot=0).value == pytest.approx(base)
    # varying number of ratings: the Gwet (2014) generalisation, by hand:
    # P = (1 + 1/3 + 1)/3 = 7/9, pi = (4/9, 5/9), Pe = 41/81 -> kappa = 22/40
    ratings = [["a", "a", None], ["a", "b", "b"], ["b", "b", np.nan], ["a", None, None]]
    res = fleiss_kappa(ratings, n_boot=0)
    assert res.value == pytest.approx(22 / 40)
    assert res.n_subjects == 3
    assert "1 subject(s) with fewer than two ratings dropped" in res.note
    assert math.isnan(res.se_null) and "Gwet" in res.method


def test_fleiss_kappa_degenerate_and_deterministic():
    assert fleiss_kappa([[1, 1, 1], [2, 2, 2], [3, 3, 3]], n_boot=50).value == pytest.approx(1.0)
    same = fleiss_kappa([[1, 1], [1, 1]], n_boot=0)
    assert math.isnan(same.value) and "undefined" in same.note
    assert math.isnan(fleiss_kappa([[1, None], [None, 2]], n_boot=0).value)
    one = fleiss_kappa(DIAGNOSES, n_boot=300, random_state=3)
    two = fleiss_kappa(DIAGNOSES, n_boot=300, random_state=3)
    other = fleiss_kappa(DIAGNOSES, n_boot=300, random_state=4)
    assert (one.ci_low, one.ci_high, one.se) == (two.ci_low, two.ci_high, two.se)
    assert (one.ci_low, one.ci_high) != (other.ci_low, other.ci_high)


# --------------------------------------------------------------------------------------------
# Krippendorff's alpha
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "published"), sorted(KRIPPENDORFF_2011_ALPHA.items()))
def test_krippendorff_alpha_matches_krippendorff_2011(level, published):
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level=level), 3) == published


def test_krippendorff_alpha_other_example_and_inputs():
    assert round(krippendorff_alpha(KRIPPENDORFF_3X15, level="nominal"), 6) == 0.691358
    assert round(krippendorff_alpha(KRIPPENDORFF_3X15, level="interval"), 6) == 0.810845
    # DataFrame with None, and text labels: nominal alpha only depends on equality
    frame = (
        pd.DataFrame(KRIPPENDORFF_2011)
        .astype(object)
        .where(pd.notna(pd.DataFrame(KRIPPENDORFF_2011)), None)
    )
    assert krippendorff_alpha(frame) == pytest.approx(0.743421, abs=1e-6)
    words = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
    text = [[words.get(v) if v == v else None for v in row] for row in KRIPPENDORFF_2011]
    assert krippendorff_alpha(text) == pytest.approx(0.743421, abs=1e-6)
    domain = ["one", "two", "three", "four", "five"]
    assert round(krippendorff_alpha(text, level="ordinal", value_domain=domain), 3) == 0.815
    with pytest.raises(CsperfError, match="value_domain"):
        krippendorff_alpha(text, level="ordinal")
    with pytest.raises(CsperfError, match="level"):
        krippendorff_alpha(KRIPPENDORFF_2011, level="circular")


def test_interval_closed_form_equals_the_package():
    rng = np.random.default_rng(1)
    data = rng.normal(70, 10, size=(4, 40)).round(1)
    data[rng.random(data.shape) < 0.3] = np.nan
    parts = _interval_alpha_parts(_pairable_units(data))
    closed = _interval_alpha_weighted(np.ones((1, len(parts[0]))), *parts)[0]
    assert closed == pytest.approx(krippendorff_alpha(data, level="interval"), abs=1e-12)
    # bootstrap weights: a unit counted twice equals the unit duplicated
    full = rng.normal(70, 10, size=(3, 20)).round(1)
    parts = _interval_alpha_parts(_pairable_units(full))
    w = np.ones((1, 20))
    w[0, 0] = 2
    doubled = np.column_stack([full, full[:, :1]])
    assert _interval_alpha_weighted(w, *parts)[0] == pytest.approx(
        krippendorff_alpha(doubled, level="interval"), abs=1e-12
    )


def test_krippendorff_alpha_degenerate_cases():
    assert krippendorff_alpha([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]) == 1.0
    assert krippendorff_alpha([[1, 2, 3], [1, 2, 3]], level="interval") == 1.0
    assert math.isnan(krippendorff_alpha([[4, 4, 4], [4, 4, 4]]))  # no variation: 0/0
    assert math.isnan(krippendorff_alpha([[1, np.nan], [np.nan, 2]]))  # nothing pairable


# --------------------------------------------------------------------------------------------
# evaluator bias, item agreement, the review
# --------------------------------------------------------------------------------------------

ITEMS = (
    ("greeting", 5),
    ("accuracy", 5),
    ("empathy", 5),
    ("resolution", 5),
    ("compliance", 1),
    ("id_check", 1),
)


def make_qa(sessions, *, seed=0, n_items=ITEMS, prefix="C"):
    """Long-format QA evaluations.

    ``sessions``: list of (n_contacts, {evaluator: bias in points per 5-point item}).
    Scores: clip(round(quality + item noise + bias)) on 5-point items; pass/fail items follow the
    contact's quality.
    """
    rng = np.random.default_rng(seed)
    rows, ev = [], 0
    contact = 0
    for n_contacts, panel in sessions:
        for _ in range(n_contacts):
            quality = rng.normal(3.8, 0.6)
            contact += 1
            for evaluator, bias in panel.items():
                ev += 1
                for name, top in n_items:
                    if top == 1:
                        score = float(rng.random() < 1 / (1 + math.exp(-(quality - 2.5) * 2)))
                    else:
                        score = float(np.clip(np.rint(quality + bias + rng.normal(0, 0.5)), 0, 5))
                    rows.append(
                        (
                            f"EV{prefix}{ev:05d}",
                            f"{prefix}{contact:04d}",
                            "AG1",
                            evaluator,
                            name,
                            score,
                            float(top),
                            top == 1,
                        )
                    )
    return pd.DataFrame(
        rows,
        columns=[
            "evaluation_id",
            "contact_id",
            "agent_id",
            "evaluator_id",
            "item",
            "score",
            "max_score",
            "critical",
        ],
    )


PLANTED = [
    (60, {"qa.strict": -0.55, "qa.a": 0.0, "qa.b": 0.0}),
    (60, {"qa.c": 0.0, "qa.d": 0.0, "qa.e": 0.0}),
]


def test_evaluator_bias_finds_planted_strict_evaluator():
    # 60 contacts scored by a strict evaluator (10 percentage points: -0.55 points on each of four
    # 5-point items = -2.2 of 22 points) and two unbiased colleagues; 60 other contacts scored by
    # three unbiased evaluators only.
    qa = make_qa(PLANTED)
    before = qa.copy(deep=True)
    out = evaluator_bias(qa)
    item_agreement(qa)
    pd.testing.assert_frame_equal(qa, before)  # input not mutated
    assert list(out.columns[:5]) == [
        "evaluator",
        "n_subjects",
        "mean_percent",
        "consensus_percent",
        "mean_difference",
    ]
    row = out.set_index("evaluator").loc["qa.strict"]
    assert row["verdict"] == "strict" and row["n_subjects"] == 60
    assert row["ci_low"] < -10 < row["ci_high"]
    assert row["p_adjusted"] < 0.05
    assert out.iloc[0]["evaluator"] == "qa.strict"  # strictest first
    for unbiased in ("qa.c", "qa.d", "qa.e"):
        assert out.set_index("evaluator").loc[unbiased, "verdict"] == "in line"
    # bias is relative to colleagues: the strict evaluator's colleagues look more lenient by
    # about half its difference (two colleagues each), which the docstring states
    colleague = out.set_index("evaluator").loc["qa.a", "mean_difference"]
    assert colleague == pytest.approx(-row["mean_difference"] / 2, abs=2.5)


def test_evaluator_bias_lenient_sign_and_single_pairs():
    qa = make_qa([(40, {"qa.kind": +0.8, "qa.x": 0.0, "qa.y": 0.0, "qa.z": 0.0})], seed=2)
    out = evaluator_bias(qa).set_index("evaluator")
    assert out.loc["qa.kind", "verdict"] == "lenient" and out.loc["qa.kind", "mean_difference"] > 0
    # non-calibration contacts (one evaluator) are ignored
    solo = make_qa([(30, {"qa.solo": -2.0})], seed=3, prefix="S")
    both = evaluator_bias(pd.concat([qa, solo], ignore_index=True))
    assert "qa.solo" not in set(both["evaluator"])
    assert evaluator_bias(solo).empty


def test_item_agreement_levels_exact_agreement_and_notes():
    qa = make_qa([(30, {"qa.a": 0.0, "qa.b": 0.0, "qa.c": 0.0})], seed=4)
    out = item_agreement(qa).set_index("item")
    assert out.loc["compliance", "level"] == "nominal" and out.loc["greeting", "level"] == "ordinal"
    assert (out["n_subjects"] == 30).all() and (out["n_raters"] == 3).all()
    assert out["krippendorff_alpha"].between(-1, 1).all()
    assert (out["flag"] == (out["krippendorff_alpha"] < 0.667)).all()
    # exact agreement by hand on one item
    g = qa.loc[qa["item"] == "greeting"]
    pairs = agree = 0
    for _, s in g.groupby("contact_id")["score"]:
        v = s.to_numpy()
        for i in range(len(v)):
            for j in range(i + 1, len(v)):
                pairs += 1
                agree += v[i] == v[j]
    assert out.loc["greeting", "exact_agreement"] == pytest.approx(agree / pairs)
    # level override and too few contacts
    few = item_agreement(
        qa.loc[qa["contact_id"].isin(["C0001", "C0002", "C0003"])], level="interval"
    )
    assert (few["level"] == "interval").all()
    assert few["krippendorff_alpha"].isna().all() and not few["flag"].any()
    assert few["note"].str.contains("fewer than 5 calibration contacts").all()


def test_item_agreement_perfect_agreement_is_one():
    qa = make_qa([(10, {"qa.a": 0.0})], seed=5)
    twin = qa.assign(evaluator_id="qa.b", evaluation_id=qa["evaluation_id"] + "b")
    out = item_agreement(pd.concat([qa, twin], ignore_index=True)).set_index("item")
    varied = out.loc[out["note"] == ""]
    assert len(varied) >= 4
    assert (varied["krippendorff_alpha"] == 1.0).all() and (varied["exact_agreement"] == 1.0).all()


def test_calibration_review_on_planted_data():
    qa = make_qa(PLANTED)
    before = qa.copy(deep=True)
    review = calibration_review(qa, n_boot=300)
    pd.testing.assert_frame_equal(qa, before)  # input not mutated
    assert isinstance(review, CalibrationReview)
    assert review.n_subjects == 120 and review.n_evaluators == 6 and review.note == ""
    assert review.overall.statistic.startswith("Krippendorff's alpha (interval)")
    assert review.overall.ci_low < review.overall.value < review.overall.ci_high
    assert review.overall.n_subjects == 120 and review.overall.n_raters == 6
    assert 0 < review.fleiss.value < 1 and review.fleiss.ci_low < review.fleiss.ci_high
    assert review.flagged_items == review.items.loc[review.items["flag"], "item"].tolist()
    strict = [f for f in review.findings if f.startswith("Evaluator qa.strict scores")]
    assert len(strict) == 1 and "percentage points stricter than colleagues" in strict[0]
    assert "95 % CI" in strict[0] and "n = 60" in strict[0]
    assert review.findings[0].startswith("120 contacts were scored by two or more of 6 evaluators")
    # determinism
    again = calibration_review(qa, n_boot=300)
    assert (again.overall.ci_low, again.overall.ci_high) == (
        review.overall.ci_low,
        review.overall.ci_high,
    )
    assert again.findings == review.findings
    other = calibration_review(qa, n_boot=300, random_state=11)
    assert other.overall.value == review.overall.value
    assert (other.overall.ci_low, other.overall.ci_high) != (
        review.overall.ci_low,
        review.overall.ci_high,
    )
    # summary.json entry
    entries = summary_entries(review)
    text = json.dumps(entries)
    assert set(json.loads(text)) == {"calibration"}
    first = entries["calibration"][0]
    assert {"statistic", "value", "interval", "n", "items_flagged"} <= set(first)
    assert first["value"] == pytest.approx(review.overall.value) and first["n"] == 120
    assert first["items_flagged"] == review.flagged_items
    verdicts = {e["statistic"]: e.get("verdict") for e in entries["calibration"]}
    assert verdicts["Mean difference from colleagues, qa.strict (percentage points)"] == "strict"


def test_calibration_review_without_calibration_contacts():
    qa = make_qa([(20, {"qa.a": 0.0}), (20, {"qa.b": 0.0})])
    review = calibration_review(qa)
    assert review.note == NO_CALIBRATION_NOTE
    assert review.findings == [NO_CALIBRATION_NOTE]
    assert review.overall is None and review.fleiss is None and review.n_subjects == 0
    assert review.evaluators.empty and review.items.empty
    entries = summary_entries(review)
    json.dumps(entries)
    assert entries["calibration"][0]["value"] is None and entries["calibration"][0]["n"] == 0
    # an empty table too
    assert calibration_review(qa.iloc[0:0]).note == NO_CALIBRATION_NOTE


def test_calibration_review_rejects_bad_tables():
    with pytest.raises(CsperfError, match="lacks column"):
        calibration_review(pd.DataFrame({"contact_id": ["c"], "score": [1]}))
    with pytest.raises(CsperfError, match="min_raters"):
        calibration_review(make_qa([(5, {"qa.a": 0.0, "qa.b": 0.0})]), min_raters=1)


def test_min_raters_selects_calibration_contacts():
    qa = make_qa(
        [(20, {"qa.a": 0.0, "qa.b": 0.0}), (20, {"qa.c": 0.0, "qa.d": 0.0, "qa.e": 0.0})], seed=6
    )
    review = calibration_review(qa, min_raters=3, n_boot=100)
    assert review.n_subjects == 20 and review.n_evaluators == 3
