"""Sentiment of comments: the fast VADER engine, the customer-service rules, the honesty check."""

from __future__ import annotations

import io
import math
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

from csperf_lib.core.errors import CsperfError
from csperf_lib.methods import sentiment as S
from csperf_lib.methods import sentiment_training as T
from csperf_lib.methods.sentiment_rules import CS_ALREADY_RIGHT, CS_RULES

ROOT = Path(__file__).resolve().parents[1]
ALEXA = ROOT.parent / "shared" / "real-data" / "amazon_alexa_reviews" / "amazon_alexa.tsv"


def _label(compound: float) -> str:
    return "positive" if compound >= 0.05 else ("negative" if compound <= -0.05 else "neutral")


# --- the engine is VADER, exactly --------------------------------------------------------------

README_SENTENCES = [
    "VADER is smart, handsome, and funny.",
    "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.",
    "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "The book was good.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today SUX!",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all",
    "Sentiment analysis has never been good.",
    "Sentiment analysis has never been this good!",
    "With VADER, sentiment analysis is the shit!",
    "On the other hand, VADER is quite bad ass",
    "Without a doubt, excellent idea.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "good but good but good",
    "",
    "   ",
    "!!!",
]

VOCAB = (
    "good great bad terrible love hate happy sad no not never without doubt isn't don't "
    "very extremely kind of sort slightly hardly least at so this but BUT GOOD BAD NOT "
    "the shit bomb bad ass yeah right kiss death to die for cut mustard nor or problem "
    "problems issue issues kindly please thanks thank you could couldn't be happier better "
    "worse work working stopped sorted fixed solved fault bothered enough recommend :) :( "
    "😁 💘 lol wtf ok okay fine meh"
).split()


def _adversarial(n: int, seed: int = 7) -> list[str]:
    rng = np.random.default_rng(seed)
    punct = ["", "", "", ".", "!", "?", ",", "!!", "??", "..."]
    out = []
    for _ in range(n):
        k = int(rng.integers(1, 14))
        words = [
            VOCAB[i] + punct[int(rng.integers(len(punct)))]
            for i in rng.integers(len(VOCAB), size=k)
        ]
        out.append(" ".join(words))
    return out


def test_plain_engine_equals_vadersentiment_exactly():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    reference = SentimentIntensityAnalyzer()
    engine = S._vader()
    texts = README_SENTENCES + _adversarial(3000)
    mismatches = [
        t
        for t in texts
        if engine.compound(t, adjust=False) != reference.polarity_scores(t)["compound"]
    ]
    assert mismatches == []


def test_adjust_false_is_plain_vader_through_the_api():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    reference = SentimentIntensityAnalyzer()
    texts = pd.Series(README_SENTENCES[:16])
    out = S.score_sentiment(texts, adjust=False)
    expected = [reference.polarity_scores(t)["compound"] for t in texts]
    assert out["compound"].tolist() == expected
    assert set(out["model"]) == {"vader"}


# --- the customer-service adjustment -----------------------------------------------------------

RULE_CASES = [(r.name, text, want) for r in CS_RULES for text, want in r.examples]


@pytest.mark.parametrize(
    ("rule", "text", "want"), RULE_CASES, ids=[f"{r}:{t}" for r, t, _ in RULE_CASES]
)
def test_each_rule_example_gets_its_label(rule, text, want):
    out = S.score_sentiment(pd.Series([text]))
    assert out["label"].iloc[0] == want, (rule, text, out["compound"].iloc[0])


@pytest.mark.parametrize("rule", CS_RULES, ids=lambda r: r.name)
def test_each_rule_fixes_something_plain_vader_gets_wrong(rule):
    engine = S._vader()
    wrong = [t for t, want in rule.examples if _label(engine.compound(t, adjust=False)) != want]
    assert wrong, f"{rule.name}: plain VADER already labels every example right"
    assert rule.reason


@pytest.mark.parametrize(("text", "want"), CS_ALREADY_RIGHT)
def test_adjustment_keeps_what_vader_already_gets_right(text, want):
    engine = S._vader()
    assert _label(engine.compound(text, adjust=False)) == want
    assert _label(engine.compound(text)) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("I could not be happier", "positive"),
        ("Couldn't be happier with the service", "positive"),
        ("No complaints here", "positive"),
        ("Nothing to complain about", "positive"),
        ("Kindly refund my money", "neutral"),
        ("The agent kindly explained everything", "positive"),
        ("Thank you so much, brilliant", "positive"),
        ("Thank you for nothing", "negative"),
        ("No issues at all, very quick.", "positive"),
        ("I have not had any issues", "positive"),
        ("It no longer works", "negative"),
        ("Problem not resolved", "negative"),
        ("Nobody could be bothered", "negative"),
        ("They fixed nothing.", "neutral"),
        ("I am not waiting any longer, awful", "negative"),
    ],
)
def test_issue_phrases(text, want):
    assert S.score_sentiment(pd.Series([text]))["label"].iloc[0] == want


def test_rules_do_not_fire_on_unrelated_text():
    engine = S._vader()
    for text in ["The weather is fine today.", "I love it!", "Terrible, awful service.", "Okay."]:
        assert engine.compound(text) == engine.compound(text, adjust=False)


# --- score_sentiment: shape, missing text, thresholds, no mutation -----------------------------


def test_missing_and_blank_text_get_no_score():
    texts = pd.Series(
        ["Great help", None, np.nan, pd.NA, "", "   ", "Awful"], index=list("abcdefg")
    )
    out = S.score_sentiment(texts)
    assert list(out.index) == list("abcdefg")
    assert list(out.columns) == ["compound", "label", "model"]
    assert out["compound"].isna().tolist() == [False, True, True, True, True, True, False]
    assert out["label"].isna().tolist() == [False, True, True, True, True, True, False]
    assert list(out["label"].cat.categories) == list(S.LABELS)
    assert out.loc["a", "label"] == "positive" and out.loc["g", "label"] == "negative"


def test_non_string_and_list_input():
    out = S.score_sentiment(["good", 3, None])
    assert out["label"].tolist()[:2] == ["positive", "neutral"]
    assert pd.isna(out["label"].iloc[2])


def test_thresholds_are_vaders_published_plus_minus_0_05():
    got = S._labels_from_compound(np.array([0.05, 0.0499, 0.0, -0.0499, -0.05, 0.9, -0.9, np.nan]))
    assert got.tolist() == [2, 1, 1, 1, 0, 2, 0, -1]
    assert (S.POSITIVE_THRESHOLD, S.NEGATIVE_THRESHOLD) == (0.05, -0.05)
    out = S.score_sentiment(pd.Series(_adversarial(300, seed=3)))
    assert (out["label"].astype(str) == out["compound"].map(_label)).all()
    assert out["compound"].between(-1, 1).all()


def test_repeated_texts_score_identically_and_input_is_not_mutated():
    texts = pd.Series(["Lovely staff", "Rude agent", "Lovely staff", None] * 3, index=range(10, 22))
    before = texts.copy()
    out = S.score_sentiment(texts)
    pd.testing.assert_series_equal(texts, before)
    assert out["compound"].iloc[0] == out["compound"].iloc[2] == out["compound"].iloc[4]
    assert list(out.index) == list(range(10, 22))


def test_unknown_model_is_a_csperf_error():
    with pytest.raises(CsperfError, match="Unknown sentiment model"):
        S.score_sentiment(pd.Series(["x"]), model="bert")


def test_heavy_model_without_its_extra_names_the_extra(monkeypatch):
    real = S.importlib.util.find_spec
    monkeypatch.setattr(
        S.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "wordllama" else real(name, *a),
    )
    S._wordllama.cache_clear()
    try:
        with pytest.raises(CsperfError, match=r"csperf\[sentiment\]"):
            S.score_sentiment(pd.Series(["fine"]), model="wordllama")
    finally:
        S._wordllama.cache_clear()


def test_import_has_no_side_effects():
    code = (
        "import sys, csperf_lib.methods.sentiment as s; "
        "print(s._vader.cache_info().currsize, s._wordllama.cache_info().currsize, "
        "'vaderSentiment' in sys.modules, 'wordllama' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "0", "False", "False"]


def test_wordllama_model_scores_offline():
    pytest.importorskip("wordllama")
    texts = pd.Series(["Brilliant, sorted in minutes", None, "Rude and useless, still broken"])
    out = S.score_sentiment(texts, model="wordllama")
    assert out["model"].iloc[0] == "wordllama"
    assert out["label"].iloc[0] == "positive" and out["label"].iloc[2] == "negative"
    assert pd.isna(out["compound"].iloc[1])
    assert out["compound"].dropna().between(-1, 1).all()


def test_shipped_head_records_its_provenance():
    import json

    head = S._head()
    meta = json.loads(str(head["meta"]))
    assert "Hutto & Gilbert (2014)" in meta["trained_on"]
    assert sum(meta["rows"].values()) == 23703
    assert head["coef"].shape == head["mean"].shape == head["scale"].shape == (257,)


def test_read_ground_truth_from_the_nested_sdist_archive(tmp_path):
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as tar:
        for i, name in enumerate(T.GROUND_TRUTH_SETS):
            data = f"{i}_1\t{i - 1.5}\tsentence {i}\r\n{i}_2\t0.25\tanother\r\n".encode()
            info = tarfile.TarInfo(f"hutto_ICWSM_2014/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    sdist = tmp_path / "vaderSentiment-3.3.2.tar.gz"
    with tarfile.open(sdist, mode="w:gz") as tar:
        info = tarfile.TarInfo("vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz")
        info.size = len(inner.getvalue())
        tar.addfile(info, io.BytesIO(inner.getvalue()))
    gt = T.read_ground_truth(sdist)
    assert len(gt) == 8
    assert list(gt.columns) == ["corpus", "id", "mean_rating", "text"]
    assert gt["mean_rating"].iloc[0] == -1.5
    with pytest.raises(CsperfError, match="not found"):
        T.read_ground_truth(tmp_path)


# --- the honesty check -------------------------------------------------------------------------


def _scored(labels, compound, index=None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "compound": compound,
            "label": pd.Categorical(labels, categories=list(S.LABELS)),
            "model": "vader+cs",
        },
        index=index,
    )


def test_rating_band():
    band = S.rating_band(pd.Series([1, 2, 3, 4, 5, 0, 6, np.nan]))
    assert band.astype(object).where(band.notna(), None).tolist() == [
        "negative",
        "negative",
        "neutral",
        "positive",
        "positive",
        None,
        None,
        None,
    ]
    assert S.rating_band([0, 5, 10], scale=(0, 10)).tolist() == ["negative", "neutral", "positive"]
    assert "neutral" not in S.rating_band([1, 2, 3, 4], scale=(1, 4)).tolist()
    with pytest.raises(CsperfError):
        S.rating_band([1], scale=(5, 1))


def test_sentiment_vs_rating_against_a_hand_computed_example():
    ratings = pd.Series([1, 2, 3, 3, 4, 5, 5, 5, np.nan, 4])
    labels = [
        "negative",
        "positive",
        "neutral",
        "positive",
        "positive",
        "positive",
        "negative",
        "positive",
        "positive",
        None,
    ]
    compound = [-0.6, 0.2, 0.0, 0.3, 0.5, 0.7, -0.1, 0.9, 0.4, np.nan]
    scored = _scored(labels, compound)
    before = scored.copy()
    check = S.sentiment_vs_rating(scored, ratings)
    pd.testing.assert_frame_equal(scored, before)
    # rows 8 (no rating) and 9 (no comment) are left out
    assert check.n == 8
    expected = pd.DataFrame(
        [[1, 0, 1], [0, 1, 1], [1, 0, 3]],
        index=pd.Index(list(S.LABELS), name="rating band"),
        columns=pd.Index(list(S.LABELS), name="sentiment"),
    )
    pd.testing.assert_frame_equal(check.confusion, expected)
    # by hand: accuracy 5/8; F1 negative 1/2, neutral 2/3, positive 2/3; kappa (5/8-26/64)/(1-26/64)
    assert check.accuracy == pytest.approx(5 / 8)
    assert check.f1 == pytest.approx({"negative": 0.5, "neutral": 2 / 3, "positive": 2 / 3})
    assert check.macro_f1 == pytest.approx(11 / 18)
    assert check.kappa == pytest.approx(7 / 19)
    assert check.recall == pytest.approx({"negative": 0.5, "neutral": 0.5, "positive": 0.75})
    # and the same as scikit-learn / scipy
    y = [
        "negative",
        "negative",
        "neutral",
        "neutral",
        "positive",
        "positive",
        "positive",
        "positive",
    ]
    p = labels[:8]
    assert check.accuracy == pytest.approx(accuracy_score(y, p))
    assert check.macro_f1 == pytest.approx(f1_score(y, p, average="macro"))
    assert check.kappa == pytest.approx(cohen_kappa_score(y, p))
    rho = st.spearmanr(compound[:8], ratings[:8]).statistic
    assert check.spearman == pytest.approx(rho)
    se = math.sqrt((1 + rho**2 / 2) / (8 - 3))
    assert check.spearman_low == pytest.approx(math.tanh(math.atanh(rho) - 1.959963984540054 * se))
    assert check.spearman_low < check.spearman < check.spearman_high
    assert check.verdict == (
        "Sentiment agrees with the customer's own rating on 62 % of comments "
        "(macro-F1 0.61, n = 8); it recognises at least half of every rating band."
    )


def test_verdict_names_the_band_it_misses():
    ratings = [3, 3, 3, 5, 5, 1]
    scored = _scored(
        ["positive", "positive", "neutral", "positive", "positive", "negative"],
        [0.5, 0.4, 0.0, 0.8, 0.9, -0.7],
    )
    check = S.sentiment_vs_rating(scored, ratings)
    assert check.verdict.endswith(
        "it misses most neutral ratings (33 % recognised, most read as positive)."
    )


def test_sentiment_vs_rating_with_nothing_to_compare():
    check = S.sentiment_vs_rating(_scored([None, None], [np.nan, np.nan]), [4, 5])
    assert check.n == 0 and math.isnan(check.accuracy)
    assert "cannot be checked" in check.verdict


# --- per segment or theme ----------------------------------------------------------------------


def test_sentiment_by_matches_t_and_wilson_intervals():
    from statsmodels.stats.proportion import proportion_confint

    scored = _scored(
        ["positive", "negative", "positive", "neutral", "negative", "negative", None],
        [0.6, -0.4, 0.8, 0.0, -0.5, -0.7, np.nan],
        index=list("abcdefg"),
    )
    frame = pd.DataFrame({"team": ["A", "A", "A", "B", "B", "B", "B"]}, index=list("abcdefg"))
    before = frame.copy()
    out = S.sentiment_by(scored, frame, by="team")
    pd.testing.assert_frame_equal(frame, before)
    a = out.loc["A"]
    assert a["n"] == 3
    values = np.array([0.6, -0.4, 0.8])
    low, high = st.t.interval(0.95, 2, loc=values.mean(), scale=values.std(ddof=1) / math.sqrt(3))
    assert (a["mean_compound"], a["mean_low"], a["mean_high"]) == pytest.approx(
        (values.mean(), low, high)
    )
    wl, wh = proportion_confint(2, 3, method="wilson")
    assert (a["share_positive"], a["positive_low"], a["positive_high"]) == pytest.approx(
        (2 / 3, wl, wh)
    )
    b = out.loc["B"]
    assert b["n"] == 3  # the unscored comment g is left out
    wl, wh = proportion_confint(2, 3, method="wilson")
    assert (b["share_negative"], b["negative_low"], b["negative_high"]) == pytest.approx(
        (2 / 3, wl, wh)
    )


def test_sentiment_by_themes_with_repeated_index():
    scored = _scored(["positive", "negative"], [0.5, -0.5], index=[1, 2])
    themes = pd.DataFrame({"theme": ["staff", "waiting", "staff"]}, index=[1, 2, 2])
    out = S.sentiment_by(scored, themes, by=["theme"])
    assert out.loc["staff", "n"] == 2 and out.loc["waiting", "n"] == 1
    assert math.isnan(out.loc["waiting", "mean_low"])
    with pytest.raises(CsperfError, match="no column"):
        S.sentiment_by(scored, themes, by="queue")
    exploded = themes.join(scored)  # one table, passed as both arguments
    again = S.sentiment_by(exploded[["compound", "label"]], exploded, by="theme")
    pd.testing.assert_frame_equal(again, out)
    with pytest.raises(CsperfError, match="unique index"):
        S.sentiment_by(exploded[["compound", "label"]], themes.iloc[:2], by="theme")


# --- real data regression guard ----------------------------------------------------------------


@pytest.mark.skipif(
    not ALEXA.is_file(), reason="../shared/real-data (Amazon Alexa reviews) is absent"
)
def test_alexa_reviews_quality_does_not_regress():
    """Default model on the 3,070 non-blank Alexa reviews: measured macro-F1 0.495, accuracy 0.827
    (plain VADER 0.481 / 0.823); guard with a 0.01 tolerance."""
    raw = pd.read_csv(ALEXA, sep="\t", encoding="utf-8-sig", dtype={"verified_reviews": str})
    raw = raw[raw["verified_reviews"].fillna("").str.strip() != ""]
    scored = S.score_sentiment(raw["verified_reviews"])
    check = S.sentiment_vs_rating(scored, raw["rating"])
    assert check.n == S.MEASURED["vader+cs"]["n"] == 3070
    assert check.macro_f1 >= S.MEASURED["vader+cs"]["macro_f1"] - 0.01
    assert check.accuracy >= S.MEASURED["vader+cs"]["accuracy"] - 0.01
    plain = S.sentiment_vs_rating(
        S.score_sentiment(raw["verified_reviews"], adjust=False), raw["rating"]
    )
    assert plain.macro_f1 == pytest.approx(S.MEASURED["vader"]["macro_f1"], abs=0.001)
    assert check.macro_f1 > plain.macro_f1  # the adjustment helps on this held-out set


def test_the_customers_own_rating_wins_over_the_model():
    """Issue 18: where the customer's own rating exists, use it rather than predicted sentiment."""
    from csperf_lib.methods.sentiment import customer_labels, score_sentiment

    texts = pd.Series(["Great service, thank you", "Terrible, waited an hour", "It was fine"], dtype="string")
    scored = score_sentiment(texts)
    out = customer_labels(scored, [1, np.nan, 5])
    assert list(out["label"]) == ["negative", scored["label"][1], "positive"]
    assert list(out["label_source"]) == ["customer rating", "model", "customer rating"]
    assert list(out["model_label"]) == list(scored["label"]) and list(scored["label"]) == list(score_sentiment(texts)["label"])
    assert customer_labels(scored, [3, 0, 9])["label_source"].tolist() == ["customer rating", "model", "model"]  # off the scale
