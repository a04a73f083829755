"""Codebook coding, theme discovery, spike tests, emerging issues and verbatims (csperf_lib.methods.text)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from csperf_lib.core.errors import ConfigError
from csperf_lib.methods.text import (
    code_texts,
    codebook_from_config,
    emerging_issues,
    escape_for_html,
    load_codebook,
    long_themes,
    prepare_texts,
    representative_verbatims,
    theme_coverage,
    theme_trends,
)
from csperf_lib.methods.theme_discovery import discover_themes
from tests.conftest import ROOT

ISSUE_THEMES = {
    "waiting_time", "repeat_contact", "staff_attitude", "knowledge", "resolution",
    "billing", "delivery", "digital", "communication", "policy",
}


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def coded_one(codebook, text: str) -> set[str]:
    coded = code_texts(pd.Series([text], dtype="string"), codebook=codebook)
    return {t for t in codebook.names if coded.loc[0, t]}


def test_default_codebook_has_the_customer_service_themes(codebook):
    assert set(codebook.names) == ISSUE_THEMES
    assert all(t.label and t.description for t in codebook.themes)
    table = codebook.table()
    assert list(table["theme"]) == codebook.names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Waited 45 minutes on hold before anyone answered", {"waiting_time"}),
        ("I was charged twice and still haven't had a refund", {"billing", "resolution"}),
        ("The agent was rude and didn't know the answer", {"staff_attitude", "knowledge"}),
        ("Third time I have called about the same issue", {"repeat_contact"}),
        ("The APP keeps logging me out", {"digital"}),
        ("Parcel never arrived", {"delivery"}),
        ("Nobody told me what was happening", {"communication"}),
        ("The early termination fee in the contract is unfair", {"policy", "billing"}),
        ("Lovely helpful lady, sorted in one go", {"staff_attitude", "resolution"}),
        ("I did it in order to save time", set()),  # "in order to" is excluded from delivery
        ("It was kind of fine", set()),  # "kind of" is not kindness
        ("Great, thanks", set()),
    ],
)
def test_codebook_codes_multi_label(codebook, text, expected):
    assert coded_one(codebook, text) == expected


def test_wildcards_phrases_and_spacing(codebook):
    assert "waiting_time" in coded_one(codebook, "kept WAITING")  # wait* style keywords, any case
    assert "delivery" in coded_one(codebook, "my   order is lost")  # phrase with extra spaces
    assert "billing" in coded_one(codebook, "Direct\ndebit taken early")


def test_code_texts_missing_text_and_no_mutation(codebook):
    texts = pd.Series(["Waited ages", None, "", "rude agent"], index=[10, 11, 12, 13], dtype="string")
    before = texts.copy()
    coded = code_texts(texts, codebook=codebook)
    pd.testing.assert_series_equal(texts, before)
    assert list(coded.index) == [10, 11, 12, 13]
    assert coded["has_text"].tolist() == [True, False, True, True]
    assert coded["n_themes"].tolist() == [1, 0, 0, 1]
    coverage = theme_coverage(coded.assign(has_text=[True, False, False, True]), codebook=codebook)
    any_row = coverage.set_index("theme").loc["any theme"]
    assert any_row["n"] == 2 and any_row["count"] == 2 and any_row["share"] == 1.0


def test_coverage_interval_is_wilson(codebook):
    texts = pd.Series(["waited"] * 81 + ["fine"] * 182, dtype="string")
    cov = theme_coverage(code_texts(texts, codebook=codebook), codebook=codebook).set_index("theme")
    # Newcombe (1998), Statistics in Medicine 17:857-872, Table I example 81/263: Wilson 0.2553-0.3662
    assert cov.loc["waiting_time", "ci_low"] == pytest.approx(0.2553, abs=5e-5)
    assert cov.loc["waiting_time", "ci_high"] == pytest.approx(0.3662, abs=5e-5)
    assert cov.loc["uncoded", "count"] == 182


def test_codebook_errors_are_reported_at_once(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text(
        "themes:\n"
        "  Bad Name: {keywords: [x]}\n"
        "  empty: {label: Empty}\n"
        "  broken: {patterns: ['(unclosed'], keywrds: [a]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_codebook(path)
    message = str(err.value)
    for expected in ("Bad Name", "empty: needs at least one keyword", "not a valid regular expression", "keywrds: unknown option (did you mean keywords?)"):
        assert expected in message


def test_config_extends_and_overrides_the_default(tmp_path):
    class Config:
        path = tmp_path / "review.yaml"
        raw = {"text": {"themes": {"smart_meter": {"label": "Smart meters", "keywords": ["meter*"]}, "billing": {"keywords": ["invoice"]}}}}

    codebook = codebook_from_config(Config)
    assert "smart_meter" in codebook.names and len(codebook.names) == 11
    assert coded_one(codebook, "The meters are wrong") == {"smart_meter"}
    assert coded_one(codebook, "my bill") == set()  # billing was replaced by the config's rules
    Config.raw = {"text": {"codebok": "x.yaml"}}
    with pytest.raises(ConfigError, match="text.codebok: unknown option"):
        codebook_from_config(Config)


def test_prepare_texts_redacts_before_anything_else():
    raw = pd.Series(["Ring me on 07700 900123 or jo@example.com", "  ", None, "card 4539 1488 0343 6467"])
    out = prepare_texts(raw)
    assert out[0] == "Ring me on [PHONE] or [EMAIL]"
    assert out[1] is pd.NA and out[2] is pd.NA
    assert "[CARD]" in out[3] and "4539" not in out[3]


def _topic_corpus(seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    sound = ["speaker sound quality is brilliant", "bass and sound quality are poor", "the speaker volume and sound quality"]
    wifi = ["keeps dropping the wifi connection", "wifi connection lost every night", "cannot hold a wifi connection to the router"]
    music = ["plays music from spotify playlist", "music playlist stops randomly", "asks to play music but picks the wrong playlist"]
    texts = [f"{rng.choice(group)} {i}" for i in range(60) for group in (sound, wifi, music)]
    return pd.Series(texts, dtype="string")


def test_discovery_is_deterministic_and_finds_the_topics():
    corpus = _topic_corpus()
    a = discover_themes(corpus, n_themes=3, random_state=1)
    b = discover_themes(corpus.sample(frac=1, random_state=3), n_themes=3, random_state=1)
    pd.testing.assert_frame_equal(a.candidates, b.candidates)  # input order does not matter
    firsts = [set(t.split(", ")[:3]) for t in a.candidates["top_terms"]]
    for words in ({"sound", "quality"}, {"wifi", "connection"}, {"music", "playlist"}):
        assert any(words & f for f in firsts), (words, firsts)
    assert all(len(e) == 3 for e in a.candidates["examples"])
    assert "keywords: [" in a.snippet()


def test_discovery_with_too_few_texts_says_so():
    result = discover_themes(pd.Series(["a b c"] * 5, dtype="string"))
    assert result.candidates.empty and "too few" in result.note


def _weekly_texts(counts_theme, counts_other, start="2026-01-05"):
    rows = []
    for w, (a, b) in enumerate(zip(counts_theme, counts_other, strict=True)):
        day = pd.Timestamp(start) + pd.Timedelta(days=7 * w + 2)
        rows += [("The parcel never arrived", day)] * a + [("Lovely helpful agent", day)] * b
    frame = pd.DataFrame(rows, columns=["text", "when"])
    return frame["text"].astype("string"), frame["when"]


def test_spike_is_found_and_quiet_series_is_not(codebook):
    texts, when = _weekly_texts([3, 4, 3, 2, 4, 3, 15, 14, 3, 4, 3, 3], [30] * 12)
    trends = theme_trends(code_texts(texts, codebook=codebook), when, start="2026-01-05", labels=codebook.labels)
    spikes = trends.spikes
    assert list(spikes["theme"]) == ["delivery"]
    assert (spikes.loc[0, "first_week"], spikes.loc[0, "last_week"]) == (7, 8)
    assert "Delivery and visits" in spikes.loc[0, "finding"]
    weekly = trends.weekly[trends.weekly["theme"] == "delivery"]
    assert weekly["count"].tolist()[6] == 15 and weekly["total"].tolist()[6] == 45

    quiet_texts, quiet_when = _weekly_texts([3, 4, 3, 2, 4, 3, 5, 4, 3, 4, 3, 3], [30] * 12)
    assert theme_trends(code_texts(quiet_texts, codebook=codebook), quiet_when).spikes.empty


def test_spike_p_value_is_the_exact_conditional_poisson_test(codebook):
    from statsmodels.stats.rates import test_poisson_2indep

    texts, when = _weekly_texts([3, 4, 3, 2, 4, 3, 15, 14, 3, 4, 3, 3], [30] * 12)
    tests = theme_trends(code_texts(texts, codebook=codebook), when).tests
    row = tests[(tests["theme"] == "delivery") & (tests["first_week"] == 7) & (tests["last_week"] == 7)].iloc[0]
    # by definition (issue 18: the theme's texts against the texts *without* it, and against its
    # own weeks; the larger p-value): P(X >= 15) for X ~ Binomial(61, 30 / 360) and for
    # X ~ Binomial(61, 1 / 12) -- the same here, as every week has 30 other texts
    def tail(p):
        return sum(math.comb(61, k) * p**k * (1 - p) ** (61 - k) for k in range(15, 62))

    assert row["p_value"] == pytest.approx(max(tail(30 / 360), tail(1 / 12)), rel=1e-9)
    # statsmodels' exact conditional test of two Poisson rates (Przyborowski & Wilenski 1940)
    against_others = test_poisson_2indep(15, 30, 46, 330, method="exact-cond", alternative="larger").pvalue
    against_weeks = test_poisson_2indep(15, 1, 46, 11, method="exact-cond", alternative="larger").pvalue
    assert row["p_value"] == pytest.approx(max(against_others, against_weeks), rel=1e-9)


def test_spikes_within_segments(codebook):
    texts, when = _weekly_texts([2, 2, 2, 2, 2, 2, 12, 12, 2, 2, 2, 2], [20] * 12)
    queue = pd.Series(np.where(np.arange(len(texts)) % 2 == 0, "A", "B"), name="queue")
    trends = theme_trends(code_texts(texts, codebook=codebook), when, by=queue)
    assert {"queue"} <= set(trends.spikes.columns)


def test_emerging_issue_finds_a_new_phrase_and_describes_it(codebook):
    rng = np.random.default_rng(5)
    base = ["Customer billed at the wrong tariff.", "Order not delivered on time.", "Adviser was rude on the phone.", "Refund not applied to the account."]
    rows = []
    for w in range(12):
        day = pd.Timestamp("2026-01-05") + pd.Timedelta(days=7 * w + 1)
        for _ in range(30):
            rows.append((base[rng.integers(0, 4)], day, "Billing" if rng.random() < 0.5 else "Sales"))
        if w in (7, 8):
            rows += [("Charged twice after the price change.", day, "Billing")] * 6
    frame = pd.DataFrame(rows, columns=["text", "when", "queue"])
    texts = frame["text"].astype("string")
    coded = code_texts(texts, codebook=codebook)
    found = emerging_issues(texts, frame["when"], context=frame[["queue"]], coded=coded, labels=codebook.labels)
    issues = found.issues
    assert len(issues) == 1
    top = issues.iloc[0]
    assert "price change" in top["terms"] and (top["first_week"], top["last_week"]) == (8, 9)
    assert top["queue"] == "Billing" and top["queue_share"] == 1.0 and top["theme"] == "Billing and payments"
    assert top["count"] == 12 and top["rate_ratio"] == np.inf
    assert f"Emerging issue '{top['terms'].split(', ')[0]}' in weeks 8–9" in top["finding"]
    assert {"price change", "charged twice"} <= set(top["terms"].split(", "))


def test_verbatims_are_deterministic_redacted_and_escapable(codebook):
    raw = pd.Series(
        ["Rude agent, call me on 07700 900123", "Rude agent <script>alert(1)</script>", "Very rude adviser",
         "Lovely friendly agent", "Friendly and polite", "Friendly staff", "So friendly"],
    )
    texts = prepare_texts(raw)
    coded = code_texts(texts, codebook=codebook)
    sentiment = pd.Series(["negative"] * 3 + ["positive"] * 4)
    a = representative_verbatims(texts, coded, sentiment=sentiment, n=2)
    b = representative_verbatims(texts, coded, sentiment=sentiment, n=2)
    pd.testing.assert_frame_equal(a, b)
    assert set(a["kind"]) == {"shortfall", "effective service"}
    assert not a["text"].str.contains("07700").any()
    escaped = escape_for_html(a)
    assert not escaped["text"].str.contains("<script>").any()
    assert "<script>" in a["text"].str.cat()  # the plain frame keeps the text; pandas escapes on display
    rendered = a.to_html()
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered


def test_long_themes_one_row_per_theme(codebook):
    coded = code_texts(pd.Series(["rude and charged twice", "fine"], dtype="string"), codebook=codebook)
    themed = long_themes(coded)
    assert sorted(themed["theme"]) == ["billing", "staff_attitude"] and set(themed["row"]) == {0}


def test_demo_complaint_spike_is_found():
    """The planted duplicate-direct-debit spike in the demo complaints (week 8, Billing queue)."""
    folder = ROOT / "data" / "raw" / "demo"
    if not (folder / "planted.json").is_file():
        pytest.skip("demo data not generated: run `make demo-data`")
    planted = json.loads((folder / "planted.json").read_text())
    spike = planted["signals"]["complaint_spike"]
    raw = pd.read_excel(folder / "complaints.xlsx", sheet_name="Complaints")
    if "Customer No" not in raw.columns:
        pytest.skip("demo data predates the customer and personal-data columns: run `make demo-data`")
    codebook = load_codebook()
    texts = prepare_texts(raw["Summary"])
    coded = code_texts(texts, codebook=codebook)
    context = raw[["Product Area", "Complaint Category"]].rename(columns={"Product Area": "queue", "Complaint Category": "category"})
    found = emerging_issues(texts, raw["Date Received"], start=planted["period"]["start"], context=context, coded=coded, labels=codebook.labels)
    hits = found.issues[
        (found.issues["first_week"] >= min(spike["weeks"])) & (found.issues["last_week"] <= max(spike["weeks"]))
        & (found.issues["queue"] == spike["segment"]["queue"]) & (found.issues["category"] == spike["segment"]["category"])
    ]
    assert len(hits), found.issues[["terms", "first_week", "last_week"]]
    assert any(k in hits.iloc[0]["terms"] for k in spike["keywords"])


def test_spike_weeks_are_the_review_calendars_and_expected_is_the_rest_of_the_periods_rate():
    """Weeks run Monday to Sunday (as on every page) and "expected" is what the window would hold at
    the theme's rate in the rest of the period, so count / expected is the rate ratio."""
    import numpy as np
    import pandas as pd

    from csperf_lib.methods.text import theme_trends

    days = pd.date_range("2026-01-07", periods=8 * 7, freq="D")  # starts on a Wednesday
    when = pd.Series(np.repeat(days, 10))
    theme = np.zeros(len(when), dtype=bool)
    theme[::10] = True  # one text in ten every day
    spike = (when >= "2026-02-09") & (when < "2026-02-16")  # a whole Monday-to-Sunday week
    theme[spike.to_numpy()] = True
    coded = pd.DataFrame({"billing": theme, "n_themes": theme.astype(int), "has_text": True})
    result = theme_trends(coded, when, windows=(1,))
    assert result.start == pd.Timestamp("2026-01-05")  # the Monday of the first text's week
    top = result.spikes.iloc[0]
    assert top["week_start"] == pd.Timestamp("2026-02-09") and top["first_week"] == 6
    assert top["rate_ratio"] == pytest.approx(top["count"] / top["expected"])


def test_handles_hashtags_links_and_signoffs_never_become_emerging_issues():
    """Issue 18: emerging issues were built on @handles, hashtags and staff sign-offs of tweets."""
    import numpy as np

    from csperf_lib.methods.text import emerging_issues

    rng = np.random.default_rng(0)
    base = ["the app crashed again", "waited an hour on hold", "refund still not paid", "great help today",
            "delivery was late", "could not log in"]
    texts, when = [], []
    for week in range(8):
        for i in range(40):
            text = str(rng.choice(base))
            if week == 5:  # a burst of one account's replies, tagged and signed, plus a real spike
                text = f"@acmehelp {text} #acmefail https://t.co/AbC{i} ^JD"
                if i < 20:
                    text += " the parcel locker code never arrived"
            texts.append(text)
            when.append(pd.Timestamp("2026-01-05") + pd.Timedelta(days=7 * week + i % 7))
    found = emerging_issues(pd.Series(texts), pd.Series(when), min_count=5)
    terms = " ".join(found.issues["terms"]) if len(found.issues) else ""
    assert "locker" in terms or "parcel" in terms  # the real spike is found ...
    for artefact in ("acmehelp", "acmefail", "https", "t.co", "jd"):  # ... and none of the artefacts
        assert artefact not in terms.lower().split(", ") and artefact not in terms.lower()


def test_coverage_counts_coded_texts_and_what_candidates_would_add(codebook):
    """Issue 18: candidate themes for the uncoded majority, and the coverage they would bring."""
    from csperf_lib.methods.theme_discovery import coverage_with_candidates

    rng = np.random.default_rng(4)
    topics = {
        "seats": ["cramped seat legroom row {n}", "seat legroom terrible row {n}", "no legroom seat {n} cramped"],
        "meals": ["inflight meal cold tray {n}", "meal tray cold inflight {n}", "cold inflight meal {n} tray"],
    }
    rows = [t.format(n=int(rng.integers(2, 99))) for texts in topics.values() for t in texts for _ in range(20)]
    rows += ["The agent was rude and unhelpful"] * 30  # the codebook's staff attitude
    texts = pd.Series(rows, dtype="string")
    coded = code_texts(texts, codebook=codebook)
    uncoded = texts[coded["n_themes"].to_numpy() == 0]
    found = discover_themes(uncoded, n_themes=2, random_state=0)
    got = coverage_with_candidates(texts, coded, found)
    assert got["texts"] == len(texts) and got["coded"] == int((coded["n_themes"] > 0).sum())
    assert got["coded"] + got["candidates"] + got["uncovered"] == got["texts"]
    assert got["candidate_share"] >= 0.5 and got["covered_share"] == pytest.approx(got["coded_share"] + got["candidate_share"])
    assert set(found.candidates["clear"]) and (found.candidates["clear"] <= found.candidates["size"]).all()
    assert set(found.assignments.values()) <= set(found.candidates["candidate"])
