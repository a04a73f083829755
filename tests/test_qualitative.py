"""Stage 04 library layer on the demo store: themes, spikes, sentiment check, complaints,
calibration, summary.json entries, and no personal data in anything the stage shows."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from csperf_lib.core.errors import ConfigError
from csperf_lib.core.summary_io import to_jsonable
from csperf_lib.methods.privacy import privacy_settings, pseudonym_key_table, pseudonymise
from csperf_lib.stages.qualitative import (
    markdown_list,
    placeholder_counts,
    qualitative_review,
    summary_entries,
)


@pytest.fixture(scope="module")
def demo_review(tmp_path_factory):
    """The review of the 100k-contact demo (the size at which its planted signals are visible)."""
    from conftest import ROOT, load_into_store

    from csperf_lib.ingest.demo import DemoResult, generate_demo

    folder = ROOT / "data" / "raw" / "demo"
    planted = json.loads((folder / "planted.json").read_text()) if (folder / "planted.json").is_file() else {}
    if planted.get("contacts") == 100_000 and planted.get("seed") == 7 and "pii" in planted:
        demo = DemoResult(folder, folder / "review.yaml", {}, planted["rows"], planted)
    else:
        demo = generate_demo(tmp_path_factory.mktemp("demo"), contacts=100_000, seed=7)
    config, store = load_into_store(demo.config_path)
    try:
        review = qualitative_review(store, config=config)
    finally:
        store.close()
    return demo, review


def _everything_shown(review) -> str:
    """Every text the stage can display or record, as one string."""
    parts = [*review.findings, *review.notes.values(), json.dumps(to_jsonable(summary_entries(review)))]
    for source in (review.comments, review.complaints):
        parts += [source.frame.to_csv(), source.verbatims.to_csv(), source.discovery.candidates.to_csv(), source.emerging.issues.to_csv()]
    cr = review.complaint_review
    parts += [cr.repeat.customers.to_csv(), cr.pareto.to_csv(), *cr.findings]
    return "\n".join(parts)


def test_no_planted_personal_data_survives(demo_review):
    demo, review = demo_review
    planted = demo.planted["pii"]
    values = [v["value"] for v in planted["surveys.comment"] + planted["complaints.text"]]
    assert len(values) >= 5, "the demo plants personal data in comments and complaint summaries"
    shown = _everything_shown(review)
    compact = "".join(shown.split())
    for value in values:
        assert value not in shown, value
        assert "".join(value.split()) not in compact, value  # nor with its spaces removed
    kinds = set(review.comments.redactions["kind"]) | set(review.complaints.redactions["kind"])
    assert kinds & {"PHONE", "EMAIL", "CARD", "POSTCODE", "SORT_CODE", "ACCOUNT"}
    customers = review.complaint_review.repeat.customers
    assert customers["customer"].str.startswith("C-").all() and not customers["customer"].str.contains("CUS").any()


def test_planted_complaint_spike_is_found_and_flagged_in_summary(demo_review):
    demo, review = demo_review
    spike = demo.planted["signals"]["complaint_spike"]
    issues = review.complaints.emerging.issues
    hit = issues[(issues["first_week"] >= min(spike["weeks"])) & (issues["last_week"] <= max(spike["weeks"]))]
    assert len(hit) and hit.iloc[0]["queue"] == "Billing" and hit.iloc[0]["category"] == "Billing error"
    themes = {(t["source"], t["theme"]): t for t in summary_entries(review)["themes"]}
    billing = themes[("complaints", "billing")]
    assert billing["spike"] and set(spike["weeks"]) <= set(billing["spike_weeks"]) and billing["emerging_terms"]
    assert not themes[("complaints", "delivery")]["spike"]  # a control
    for record in themes.values():
        assert {"theme", "count", "share", "interval", "spike", "trend"} <= set(record)
        assert 0 <= record["share"] <= 1 and record["interval"][0] <= record["share"] <= record["interval"][1]


def test_sentiment_is_checked_against_ratings(demo_review):
    _, review = demo_review
    check = review.sentiment_check
    assert check.n == len(review.comments.frame[review.comments.frame["csat"].notna()])
    assert 0 <= check.macro_f1 <= 1 and check.confusion.to_numpy().sum() == check.n
    by_theme = review.sentiment_by_theme
    assert len(by_theme) >= 8  # the demo's comments cover most themes
    entries = summary_entries(review)
    assert entries["sentiment"]["model"] == "vader" and entries["sentiment"]["n"] == check.n


def test_calibration_finds_the_strict_evaluator(demo_review):
    demo, review = demo_review
    cal = review.calibration
    assert cal.n_subjects >= 10 and cal.n_evaluators == 4
    verdicts = cal.evaluators.set_index("evaluator")["verdict"]
    assert verdicts["qa.patel"] == "in line"  # no bias planted
    entries = summary_entries(review)["calibration"]
    assert entries and {"statistic", "value", "interval", "items_flagged"} <= set(entries[0])


def test_codebook_coverage_and_discovery_on_demo(demo_review):
    _, review = demo_review
    cov = review.comments.coverage.set_index("theme")
    assert cov.loc["any theme", "share"] > 0.9  # the demo's comments are about the default themes
    assert cov.loc["any theme", "count"] + cov.loc["uncoded", "count"] == len(review.comments.frame)


def test_review_without_text_tables_explains_itself(tmp_path, write_yaml):
    from conftest import load_into_store

    (tmp_path / "calls.csv").write_text("id,when,ans\n" + "".join(f"C{i},2026-01-05 10:{i:02d},Y\n" for i in range(30)), encoding="utf-8")
    config_path = write_yaml("tables:\n  contacts:\n    source: {file: calls.csv}\n    columns: {contact_id: id, arrived_at: when, answered: ans}\n")
    config, store = load_into_store(config_path)
    with store:
        review = qualitative_review(store, config=config)
    assert review.comments is None and review.complaints is None and review.calibration is None
    assert {"comments", "complaints", "calibration"} <= set(review.notes)
    entries = summary_entries(review)
    assert entries["themes"] == [] and entries["calibration"] == []


def test_pseudonym_key_from_environment(monkeypatch, tmp_path):
    class Config:
        path = "review.yaml"
        raw = {"privacy": {"key_env": "MY_KEY"}}

    monkeypatch.setenv("MY_KEY", "s3cret")
    assert privacy_settings(Config) == (b"s3cret", True)
    monkeypatch.delenv("MY_KEY")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the key's folder would be", encoding="utf-8")
    Config.raw = {"privacy": {"key_env": "MY_KEY", "key_file": str(blocker / "pseudonym.key")}}
    key, stable = privacy_settings(Config)  # no key file can be made: a one-off key
    assert not stable and len(key) == 32
    Config.raw = {"privacy": {"key": "inline"}}
    with pytest.raises(ConfigError, match="privacy.key: unknown option"):
        privacy_settings(Config)


def test_pseudonym_key_file_is_created_once_and_kept_private(monkeypatch, tmp_path):
    monkeypatch.delenv("CSPERF_PSEUDONYM_KEY", raising=False)

    class Config:
        path = str(tmp_path / "review.yaml")
        raw = {"privacy": {"key_file": "keys/pseudonym.key"}}

    key, stable = privacy_settings(Config)
    key_file = tmp_path / "keys" / "pseudonym.key"
    assert stable and key_file.is_file() and len(key) == 64  # 32 random bytes as hex
    assert key_file.stat().st_mode & 0o077 == 0  # owner only
    assert privacy_settings(Config) == (key, True)  # read back, never replaced
    assert [p.name for p in key_file.parent.iterdir()] == ["pseudonym.key"]  # no temporary left
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home-config"))
    Config.raw = {}
    default_key, _ = privacy_settings(Config)
    assert (tmp_path / "home-config" / "csperf" / "pseudonym.key").is_file() and default_key != key


def test_pseudonym_key_table_maps_each_agent_once():
    table = pseudonym_key_table(pd.Series(["AG2", "AG1 ", None, "AG2", ""]), key=b"k")
    assert table["agent_id"].tolist() == ["AG1", "AG2"]
    assert table["pseudonym"].tolist() == [pseudonymise("AG1", key=b"k"), pseudonymise("AG2", key=b"k")]


def test_markdown_list_escapes_data_values():
    text = markdown_list(["Category <b>x</b> & co", None, "plain"])
    assert text == "- Category &lt;b&gt;x&lt;/b&gt; &amp; co\n- plain"


def test_placeholder_counts():
    counts = placeholder_counts(pd.Series(["[PHONE] and [PHONE]", "[EMAIL]", None, "none"], dtype="string"))
    assert counts.set_index("kind").loc["PHONE", "placeholders"] == 2
    assert counts.set_index("kind").loc["PHONE", "texts"] == 1
    assert counts.set_index("kind").loc["EMAIL", "texts"] == 1


def test_rated_comments_carry_the_customers_rating_band(demo_review):
    from csperf_lib.methods.sentiment import rating_band
    from csperf_lib.stages.qualitative import summary_entries

    _, review = demo_review
    frame = review.comments.frame
    rated = frame["csat"].between(1, 5)
    assert (frame.loc[rated, "label_source"] == "customer rating").all()
    assert (frame.loc[~rated, "label_source"] == "model").all()
    assert (frame.loc[rated, "label"].astype(str) == rating_band(frame.loc[rated, "csat"]).astype(str)).all()
    entry = summary_entries(review)["sentiment"]
    assert entry["labels_from_customer_ratings"] == int(rated.sum())
