"""The full review on every real public data set, through the ready-made configs in ``examples/``.

Each test runs ``csperf review`` end to end on one export in ``../shared/real-data`` and checks the
headline figures against an independent pandas computation written here, from the raw file. The
data is not part of the project: without ``../shared/real-data`` the tests skip, saying why.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from csperf_lib.core.summary import shipped_schema
from csperf_lib.report.runner import run_review

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real-data"
EXAMPLES = ROOT / "examples"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-data is absent: the real public data sets are not bundled"),
]


@pytest.fixture(scope="module")
def reviews(tmp_path_factory):
    """Run each example's review once per test module; name -> (summary, run folder)."""
    done: dict[str, tuple[dict, Path]] = {}

    def run(name: str) -> tuple[dict, Path]:
        if name not in done:
            out = tmp_path_factory.mktemp(name)
            result = run_review(
                EXAMPLES / f"{name}.yaml", out_dir=out, run_date="2026-11-23",
                store_url=f"duckdb:///{out / 'store.duckdb'}", progress=False, log=lambda _m: None,
            )
            summary = json.loads(result.summary_path.read_text(encoding="utf-8"))
            # every example's summary.json fits the published contract, and its findings back its actions
            jsonschema.validate(summary, shipped_schema())
            ids = {f["id"] for f in summary["findings"]}
            assert all(set(r["finding_ids"]) <= ids for r in summary.get("recommendations") or []), name
            done[name] = (summary, result.run_dir)
        return done[name]

    return run


def kpi(summary: dict, kpi_id: str) -> dict:
    return next(k for k in summary["kpis"]["overall"] if k["kpi"] == kpi_id)


def accounting(summary: dict, table: str) -> dict:
    return next(r for r in summary["validation"]["accounting"] if r["table"] == table)


def stage_status(summary: dict) -> dict[str, str]:
    return {s["name"]: s["status"] for s in summary["stages"]}


def test_pwc_excel_and_semicolon_exports_give_the_same_review(reviews):
    raw = pd.read_excel(REAL / "pwc_callcentre" / "call_center_dataset.xlsx")
    answered = raw["Answered (Y/N)"].eq("Y")
    for name in ("pwc_callcentre_xlsx", "pwc_callcentre_semicolon"):
        summary, _ = reviews(name)
        assert set(stage_status(summary).values()) == {"ok"}, name
        rows = accounting(summary, "contacts")
        assert rows["rows_in"] == 5000 and rows["rows_usable"] + rows["rows_quarantined"] == 5000
        assert kpi(summary, "answer_rate")["value"] == pytest.approx(answered.mean(), abs=1e-9)
        assert kpi(summary, "answer_rate")["n"] == 5000
        assert kpi(summary, "csat_mean")["value"] == pytest.approx(raw["Satisfaction rating"].mean(), abs=1e-9)
        assert kpi(summary, "csat_mean")["n"] == int(raw["Satisfaction rating"].notna().sum())
        resolved = raw.loc[answered, "Resolved"].eq("Y")
        assert kpi(summary, "fcr_rate")["value"] == pytest.approx(resolved.mean(), abs=1e-9)
        talk = pd.to_timedelta(raw.loc[answered, "AvgTalkDuration"].astype(str)).dt.total_seconds()
        assert kpi(summary, "talk_s")["value"] == pytest.approx(talk.mean(), abs=0.5)
        # every stage has work: sampling per agent, staffing by interval
        assert summary["sampling"]["sample_size"] > 0
        assert summary["staffing"]["interval_minutes"] == 30 and summary["staffing"]["peak"]["required"] > 0


def test_cfpb_complaints_only_review(reviews):
    summary, run_dir = reviews("cfpb_complaints")
    raw = pd.read_csv(REAL / "cfpb_complaints" / "complaints_sample.csv", skiprows=2, keep_default_na=False, dtype=str)
    status = stage_status(summary)
    assert status["02_sample"] == "ok" and all(v in ("ok", "skipped") for v in status.values())
    rows = accounting(summary, "complaints")
    assert rows["rows_in"] == len(raw) == 6623
    assert rows["rows_usable"] + rows["rows_quarantined"] == rows["rows_in"]
    assert kpi(summary, "complaints_received")["value"] == rows["rows_usable"]
    timely = raw["Timely response?"].eq("Yes")
    assert kpi(summary, "complaint_timely_rate")["value"] == pytest.approx(timely.mean(), abs=1e-9)
    response = raw["Company response to consumer"]
    relief = response.isin(["Closed with monetary relief", "Closed with non-monetary relief"])
    decided = response.isin(["Closed with monetary relief", "Closed with non-monetary relief", "Closed with explanation", "Closed"])
    assert kpi(summary, "complaint_upheld_rate")["value"] == pytest.approx(relief.sum() / decided.sum(), abs=1e-9)
    days = (pd.to_datetime(raw["Date sent to company"]) - pd.to_datetime(raw["Date received"])).dt.days
    assert kpi(summary, "complaint_forwarding_days")["value"] == pytest.approx(days.mean(), abs=1e-9)
    # contact KPIs are unavailable with a reason, not zero
    assert kpi(summary, "answer_rate")["available"] is False
    # volumes by product, sampling stratified by product
    volumes = pd.DataFrame(summary["complaints"]["handling"]["volumes"])
    top = volumes[volumes["dimension"] == "queue"].iloc[0]
    assert top["complaints"] == raw["Product"].value_counts().iloc[0]
    assert summary["sampling"]["strata"] == ["queue"]
    # the stray lines above the header are reported, not a traceback
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert any("line" in a for src in manifest for a in src.get("assumptions", []))


def test_alexa_feedback_only_review(reviews):
    summary, run_dir = reviews("amazon_alexa_reviews")
    raw = pd.read_csv(REAL / "amazon_alexa_reviews" / "amazon_alexa.tsv", sep="\t", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    status = stage_status(summary)
    assert status["02_sample"] == "skipped" and status["03_quantitative"] == "ok"
    # the skipped stage says why, on its own page and on the index
    reason = "no handled contacts or complaint cases to sample for quality review"
    assert reason in (run_dir / "02_sample.html").read_text(encoding="utf-8")
    assert reason in (run_dir / "index.html").read_text(encoding="utf-8")
    rows = accounting(summary, "surveys")
    assert rows["rows_in"] == 3150
    unique = raw.drop_duplicates()
    assert rows["rows_usable"] == len(unique) == 2436  # the exact repeats are quarantined as duplicates
    ratings = unique["rating"].astype(float)
    assert kpi(summary, "csat_mean")["value"] == pytest.approx(ratings.mean(), abs=1e-9)
    assert kpi(summary, "csat_top2box")["value"] == pytest.approx((ratings >= 4).mean(), abs=1e-9)
    by_variation = pd.DataFrame(summary["kpis"]["by_queue"])
    top2 = by_variation[by_variation["kpi"] == "csat_top2box"].set_index("queue")["value"]
    expected = unique.assign(v=unique["variation"].str.strip(), r=ratings).groupby("v")["r"].apply(lambda r: (r >= 4).mean())
    pd.testing.assert_series_equal(top2.sort_index(), expected.sort_index(), check_names=False, atol=1e-9)
    assert summary["sentiment"]["n"] > 2000


@pytest.mark.parametrize("name, file, closed", [
    ("nyc311_web", "nyc311_web_export_2022-05-01.csv", "Closed Date"),
    ("nyc311_api", "nyc311_api_export_2024-05-27.csv", "closed_date"),
])
def test_nyc311_public_service_review(reviews, name, file, closed):
    summary, run_dir = reviews(name)
    raw = pd.read_csv(REAL / "nyc311" / file, dtype=str)
    rows = accounting(summary, "complaints")
    assert rows["rows_in"] == len(raw) and rows["rows_usable"] + rows["rows_quarantined"] == len(raw)
    assert kpi(summary, "complaints_received")["value"] == rows["rows_usable"]
    assert kpi(summary, "complaint_open_share")["value"] == pytest.approx(raw[closed].isna().mean(), abs=1e-9)
    # two or three hours of data: the quantitative stage says trends cannot be judged
    notebook = (run_dir / "03_quantitative.ipynb").read_text(encoding="utf-8")
    assert "too short for trend analysis" in notebook
    # nor can an 8-week resolution target be judged on hours of data
    resolve = summary["complaints"]["timeliness"]["resolve"]
    assert resolve["rate"] is None and "cannot be judged" in resolve["note"]
    regions = pd.DataFrame(summary["complaints"]["handling"]["volumes"])
    regions = regions[regions["dimension"] == "region"]
    borough = "Borough" if "Borough" in raw else "borough"
    expected = raw[borough].replace("Unspecified", pd.NA).dropna().value_counts()
    assert regions.iloc[0]["segment"] == expected.index[0] and regions.iloc[0]["complaints"] == expected.iloc[0]


def test_daily_interval_report_review(reviews):
    summary, run_dir = reviews("callcentre_daily")
    raw = pd.read_csv(REAL / "callcentre_daily" / "call_center_daily.csv", sep=";")
    status = stage_status(summary)
    assert status["02_sample"] == "skipped" and status["04_qualitative"] == "skipped"
    kpis = summary["intervals"]["kpis"]
    offered, answered = raw["Incoming Calls"].sum(), raw["Answered Calls"].sum()
    assert kpis["answer_rate"]["value"] == pytest.approx(answered / offered, abs=1e-12)
    asa = (pd.to_timedelta(raw["Answer Speed (AVG)"]).dt.total_seconds() * raw["Answered Calls"]).sum() / answered
    assert kpis["asa_s"]["value"] == pytest.approx(asa, rel=1e-9)
    naive = raw["Answer Rate"].str.rstrip("%").astype(float).mean() / 100
    averaging = {r["kpi"]: r for r in summary["intervals"]["averaging"]}
    assert averaging["answer_rate"]["naive_mean"] == pytest.approx(naive, abs=1e-9)
    assert "no start time" in summary["staffing"]["note"]
    gaps = {g["kpi"]: g for g in summary["gaps"] if g["dimension"] == "all"}
    assert gaps["service_level"]["status"] == "missed" and gaps["service_level"]["n"] < offered  # effective n
    assert f"of {offered:,} calls, as days vary more than chance" in gaps["service_level"]["finding"]


EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
RAW_MISSING = r"(?<![\w<])(None(?! of\b)|nan|NaN|NaT|<NA>)(?![\w>])"  # "None of the KPIs …" is English


def _page_text(page: Path) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for tag in soup(["script", "style"]):
        tag.decompose()
    return soup.get_text(" ")


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_example_says_nothing_the_data_cannot_support(reviews, name):
    """Issue 18: on every example, no finding rests on a handle, a hashtag, a censored or
    non-contiguous series or a missing-value segment, and no page prints None, nan or NaT."""
    import re

    summary, run_dir = reviews(name)
    findings = summary["findings"]
    # a missing-value segment is a data-quality finding, never a segment judged
    assert not [f["sentence"] for f in findings if f.get("segment") == "(not recorded)" and f["kind"] != "data_quality"]
    # no term of an emerging issue or theme spike is a handle, a hashtag or a link
    for f in findings:
        if f["kind"] in ("emerging_issue", "theme_spike"):
            terms = str(f["attributes"].get("terms") or f["attributes"].get("term") or "")
            assert not re.search(r"(^|[\s,])[@#]\w|https?://", terms), f["sentence"]
    # trends only over contiguous periods (the span is exactly the periods tested), and a complaint
    # outcome (resolution, acknowledgement, open share, upheld) only over periods that had the time to close
    censored_from = (summary.get("calendar") or {}).get("censored_from")
    # (the KPIs that need a handling outcome the cut-off can censor; a source's own "timely" flag is not one)
    outcome = ("complaint_resolution_days", "complaint_ack_days", "complaint_open_share", "complaint_upheld_rate",
               "complaint_forwarding_days")
    for f in findings:
        if f["kind"] != "trend" or f["attributes"].get("period_word") != "weeks":
            continue
        days = (pd.Timestamp(f["period_end"]) - pd.Timestamp(f["period_start"])).days + 1
        assert days == 7 * f["attributes"]["periods"], f["sentence"]
        if f["kpi"] in outcome and censored_from:
            assert pd.Timestamp(f["period_end"]) < pd.Timestamp(censored_from), f["sentence"]
    # pages for people
    shown = {page.name: re.findall(RAW_MISSING, _page_text(page)) for page in sorted(run_dir.glob("[0-9][0-9]_*.html"))}
    assert shown and not any(shown.values()), {k: len(v) for k, v in shown.items() if v}
    # issue 19: every page (and the evidence PDF) passes the reading audit
    from csperf_lib.report.audit import audit_folder

    assert audit_folder(run_dir) == {}
    if name == "cfpb_complaints":  # one example also as Chromium shows it
        from test_browser import reader_problems_in_browser

        pages = [run_dir / p for p in ("evidence_report.html", "04_qualitative.html", "05_benchmarks.html")]
        assert reader_problems_in_browser(pages) == {}
