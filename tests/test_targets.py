"""Tests of targets as configuration (csperf_lib.methods.targets): parsing, validation with every problem
at once, precedence of segment / whole-population / indicative-benchmark targets, the benchmark
catalogue, the SMART check, regulatory compliance in the store's engine, and the demo's
targets.yaml."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from csperf_lib.core.config import load_config, parse_config
from csperf_lib.core.errors import ConfigError
from csperf_lib.core.tables import CANONICAL_TABLES, KIND_DTYPES
from csperf_lib.ingest.demo import generate_demo
from csperf_lib.ingest.demo_scenario import CSAT_TARGET, TARGETS_NAME
from csperf_lib.ingest.store import Store
from csperf_lib.methods.target_checks import regulatory_compliance, smart_check
from csperf_lib.methods.target_loading import load_benchmarks, load_targets, targets_from_config
from csperf_lib.methods.targets import (
    DEFAULT_REGULATORY_RULES,
    SOURCES,
    RegulatoryRule,
    Target,
    TargetSet,
    segment_label,
)

ROOT = Path(__file__).resolve().parents[1]

TARGETS_YAML = """
use_benchmarks: true
targets:
  - kpi: csat_mean
    target: 4.0
    tolerance: "5%"
    source: Internal Target
    owner: Head of Customer Service
    baseline: 3.9
    deadline: 2026-06-30
    rationale: Board objective
  - kpi: csat_mean
    segment: {region: North}
    target: 4.2
    tolerance: 0.1
    source: client SLA
    owner: North site manager
    review_date: 2026-04-30
  - kpi: service_level
    segment: {queue: Billing}
    target: 0.8
    source: client SLA
regulatory:
  - id: acknowledged_in_two_days
    description: Complaints acknowledged within 2 days
    source: internal reading of FCA DISP 1.6.1R
    table: complaints
    start: received_at
    end: [acknowledged_at, resolved_at]
    within_hours: 48
    required_rate: 0.9
"""

MINIMAL_CONFIG = """
organisation: Test Org
tables:
  contacts:
    source: {file: calls.csv}
    columns: {contact_id: id, arrived_at: start, answered: ans}
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- parsing ------------------------------------------------------------------------------------
def test_valid_file_parses_with_relative_tolerance_and_dates(tmp_path):
    ts = load_targets(write(tmp_path / "targets.yaml", TARGETS_YAML))
    assert ts.source == str((tmp_path / "targets.yaml").resolve())
    assert ts.use_benchmarks is True
    whole, north, billing = ts.targets
    assert whole.tolerance == pytest.approx(0.2)  # "5%" of 4.0
    assert dataclasses.replace(whole, tolerance=0.2) == Target(
        kpi="csat_mean", target=4.0, tolerance=0.2, tolerance_spec="5%",
        direction="higher_is_better", source="internal target", owner="Head of Customer Service",
        baseline=3.9, deadline=dt.date(2026, 6, 30), rationale="Board objective",
    )
    assert whole.origin == "targets file" and whole.segment == () and whole.label == "csat_mean"
    assert north.segment == (("region", "North"),) and north.tolerance == 0.1
    assert north.tolerance_spec == "0.1" and north.review_date == dt.date(2026, 4, 30)
    assert north.label == "csat_mean (region = North)"
    assert north.key == ("csat_mean", (("region", "North"),))
    assert billing.tolerance is None and billing.direction == "higher_is_better"
    (rule,) = ts.regulatory
    assert rule == RegulatoryRule(
        id="acknowledged_in_two_days", description="Complaints acknowledged within 2 days",
        source="internal reading of FCA DISP 1.6.1R", table="complaints", start="received_at",
        end=("acknowledged_at", "resolved_at"), within_s=48 * 3600.0, required_rate=0.9,
    )
    assert rule.window_label == "2 days"


def test_relative_tolerance_of_a_lower_is_better_kpi_uses_the_target_size():
    ts = load_targets({"targets": [
        {"kpi": "abandonment_rate", "target": 0.05, "tolerance": "20%", "source": "internal target"},
        {"kpi": "nps", "target": -20, "tolerance": "10%", "source": "internal target"},
    ]})
    assert ts.targets[0].tolerance == pytest.approx(0.01)
    assert ts.targets[0].direction == "lower_is_better"
    assert ts.targets[1].tolerance == pytest.approx(2.0)  # 10 % of |-20|


def test_inline_mapping_and_file_named_by_the_review_config(tmp_path, write_yaml):
    write(tmp_path / "targets.yaml", TARGETS_YAML)
    by_file = targets_from_config(load_config(write_yaml(MINIMAL_CONFIG + "targets: targets.yaml\n"), check_files=False))
    assert by_file.source == str((tmp_path / "targets.yaml").resolve()) and len(by_file.targets) == 3

    inline = targets_from_config(parse_config(
        {"tables": {"contacts": {"source": {"file": "c.csv"},
                                 "columns": {"contact_id": "i", "arrived_at": "a", "answered": "b"}}},
         "targets": {"use_benchmarks": False,
                     "targets": [{"kpi": "fcr_rate", "target": 0.75, "source": "internal target"}]}},
        check_files=False,
    ))
    assert inline.source == "review config" and inline.use_benchmarks is False
    assert [t.kpi for t in inline.targets] == ["fcr_rate"]
    # issue 18: no regulatory section names no jurisdiction, so no rules (they were the UK's by default)
    assert inline.regulatory == () and inline.rule_set is None

    none = targets_from_config(load_config(write_yaml(MINIMAL_CONFIG), check_files=False))
    assert none.targets == () and none.use_benchmarks and none.regulatory == ()
    assert {t.origin for t in none.all_targets()} == {"indicative benchmark"}

    with pytest.raises(ConfigError) as info:
        targets_from_config(load_config(write_yaml(MINIMAL_CONFIG + "targets: nowhere.yaml\n"), check_files=False))
    assert "targets: the targets file" in info.value.problems[0]


def test_inline_problems_are_keyed_under_the_targets_section(write_yaml):
    text = MINIMAL_CONFIG + "targets:\n  targets:\n    - {kpi: fcr_rate, target: 75, source: internal target}\n"
    with pytest.raises(ConfigError) as info:
        targets_from_config(load_config(write_yaml(text), check_files=False))
    assert info.value.problems == [
        "targets.targets[0].target: target 75 is outside the KPI's scale: a proportion 0-1 "
        "(a proportion: write 0.75 for 75 %)"
    ]


def test_custom_kpis_of_the_config_can_have_targets(write_yaml):
    text = MINIMAL_CONFIG + """
kpis:
  custom:
    - id: hold_rate
      name: Contacts put on hold
      table: contacts
      numerator: {column: hold_s, gt: 0}
      denominator: {column: answered, equals: true}
      direction: lower_is_better
      unit: proportion
targets:
  targets:
    - {kpi: hold_rate, target: 0.2, source: internal target, owner: Ops}
"""
    ts = targets_from_config(load_config(write_yaml(text), check_files=False))
    assert ts.targets[0].direction == "lower_is_better"
    row = smart_check(ts).iloc[0]
    assert not row["measurable"] and "KPI has no plain-language definition" in row["missing"]


# --- lookup precedence ----------------------------------------------------------------------------
def test_lookup_prefers_segment_then_whole_population_then_indicative_benchmark(tmp_path):
    ts = load_targets(write(tmp_path / "t.yaml", TARGETS_YAML))
    assert ts.lookup("csat_mean", {"region": "North"}).target == 4.2
    assert ts.lookup("csat_mean", (("region", "North"), ("queue", "Sales"))).target == 4.2  # part of it
    assert ts.lookup("csat_mean", {"region": "South"}).target == 4.0
    assert ts.lookup("csat_mean").target == 4.0
    assert ts.lookup("service_level", {"queue": "Billing"}).source == "client SLA"
    fallback = ts.lookup("service_level", {"queue": "Sales"})
    assert fallback.origin == "indicative benchmark" and fallback.source == "indicative benchmark"
    assert fallback.target == 0.80 and fallback.segment == () and "convention" in fallback.caveat
    assert ts.lookup("abandonment_rate").target == 0.05 and ts.lookup("abandonment_rate").tolerance == 0.03
    assert ts.lookup("contacts_offered") is None  # neutral: never a target
    assert ts.lookup("csat_top2box") is None  # no catalogue entry


def test_reference_only_entries_never_fall_back():
    ts = load_targets({})
    assert ts.benchmark("csat_mean").comparable is False
    assert ts.lookup("csat_mean") is None and ts.lookup("complaint_resolution_days") is None


def test_use_benchmarks_false_in_the_file_or_the_call_disables_the_fallback():
    target = {"kpi": "fcr_rate", "target": 0.75, "source": "internal target"}
    off_in_file = load_targets({"use_benchmarks": False, "targets": [target]})
    off_in_call = load_targets({"targets": [target]}, use_benchmarks=False)
    for ts in (off_in_file, off_in_call):
        assert ts.use_benchmarks is False
        assert ts.lookup("service_level") is None and ts.lookup("fcr_rate").target == 0.75
        assert [t.kpi for t in ts.all_targets()] == ["fcr_rate"]
        assert len(ts.table()) == 1


def test_all_targets_and_table_cover_file_targets_then_fallbacks(tmp_path):
    ts = load_targets(write(tmp_path / "t.yaml", TARGETS_YAML))
    kpis = [t.kpi for t in ts.all_targets()]
    # csat_mean has a whole-population target; service_level only a queue one, so it falls back
    assert kpis == ["csat_mean", "csat_mean", "service_level", "service_level", "abandonment_rate",
                    "fcr_rate", "nps"]
    assert [t.kpi for t in ts.all_targets(["service_level", "nps"])] == ["service_level", "service_level", "nps"]
    table = ts.table()
    assert list(table["segment"][:3]) == ["whole population", "region = North", "queue = Billing"]
    assert list(table["origin"]) == ["targets file"] * 3 + ["indicative benchmark"] * 4
    assert table.loc[3, "caveat"] and table.loc[3, "tolerance_spec"] == "0.05"


def test_kpi_options_that_differ_make_a_benchmark_not_comparable(write_yaml):
    config = load_config(write_yaml(MINIMAL_CONFIG + "kpis: {service_level_threshold_s: 30}\n"), check_files=False)
    ts = targets_from_config(config)
    assert ts.lookup("service_level") is None
    assert "service_level_threshold_s = 30" in ts.benchmark("service_level").caveat
    assert load_benchmarks()[0].comparable  # the shipped catalogue is untouched


def test_segment_label_forms():
    assert segment_label(()) == segment_label(None) == segment_label("") == "whole population"
    assert segment_label({"region": "North", "queue": "Billing"}) == "queue = Billing, region = North"
    assert segment_label("queue = Billing") == "queue = Billing"


# --- validation: every problem at once -----------------------------------------------------------
def test_every_problem_is_reported_at_once_with_its_key():
    raw = {
        "use_benchmark": True,
        "targets": [
            {"kpi": "csat_maen", "target": 4, "source": "internal target"},
            {"kpi": "contacts_offered", "target": 1000, "source": "internal target"},
            {"kpi": "csat_mean", "target": "high", "source": "internal target"},
            {"kpi": "service_level", "target": 80, "source": "client SLA"},
            {"kpi": "fcr_rate", "target": 0.7, "tolerance": "five%", "source": "internal target"},
            {"kpi": "aht_s", "target": 600, "segment": {"queu": "Billing"}, "source": "internal target"},
            {"kpi": "asa_s", "target": 30, "source": "internal targt"},
            {"kpi": "nps", "target": 20, "source": "internal target"},
            {"kpi": "nps", "target": 30, "source": "regulator"},
            {"kpi": "ces_mean", "target": 5, "source": "internal target", "deadline": "2026-13-01", "colour": "red"},
            {"kpi": "qa_score_mean", "target": 80, "tolerance": 150, "source": "internal target"},
            {"kpi": "nps", "segment": {"channel": "phone"}, "target": 0, "tolerance": "10%", "source": "internal target"},
            {"kpi": "transfer_rate", "target": 0.1, "tolerance": -0.01},
            {"kpi": "csat_top2box", "target": 0.8, "tolerance": 5, "source": "internal target"},
        ],
        "regulatory": [
            {"id": "r1", "source": "x", "table": "complaint", "start": "received_at", "end": "resolved_at", "within_days": 56},
            {"id": "r2", "source": "x", "table": "complaints", "start": "received_at", "end": "upheld", "within_days": 5},
            {"id": "r3", "source": "x", "table": "complaints", "start": "received_at", "end": "resolved_at"},
            {"id": "r4", "source": "x", "table": "complaints", "start": "received_at", "end": "resolved_on",
             "within_days": 5, "within_hours": 2},
        ],
    }
    with pytest.raises(ConfigError) as info:
        load_targets(raw)
    problems = info.value.problems
    expected = [
        "use_benchmark: unknown key (did you mean 'use_benchmarks'?)",
        "targets[0].kpi: 'csat_maen' is not a KPI (did you mean 'csat_mean'?)",
        "targets[1].kpi: contacts_offered is 'neutral'",
        "targets[2].target: 'high' is not a number (a score 1-5)",
        "targets[3].target: target 80 is outside the KPI's scale: a proportion 0-1 (a proportion: write 0.8 for 80 %)",
        "targets[4].tolerance: 'five%' is not a percentage",
        "targets[5].segment.queu: not a segment dimension",
        "(did you mean 'queue'?)",
        "targets[6].source: 'internal targt' is not a known source (did you mean 'internal target'?)",
        "targets[8]: a second target for nps (the first is targets[7])",
        "targets[9].colour: unknown key",
        "targets[9].deadline: '2026-13-01' is not a date",
        "targets[10].tolerance: 150 is wider than the whole scale (a percentage 0-100)",
        "targets[11].tolerance: a relative tolerance of a target of 0 is 0",
        "targets[12].tolerance: must not be negative",
        "targets[12].source: required",
        "targets[13].tolerance: 5 is wider than the whole scale (a proportion 0-1); for 5 percentage points write 0.05",
        "regulatory[0].table: 'complaint' is not a canonical table (did you mean 'complaints'?)",
        "regulatory[1].end: 'upheld' is a bool column of complaints, not a timestamp",
        "regulatory[2]: give exactly one window: within_days, within_hours or within_s",
        "regulatory[3].end: 'resolved_on' is not a column of complaints (did you mean 'resolved_at'?)",
        "regulatory[3]: give exactly one window: within_days, within_hours or within_s (got within_days, within_hours)",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert len(problems) == len(expected) - 1  # "did you mean 'queue'" is part of targets[5]'s problem
    assert info.value.path == "<targets>"
    assert f"{len(problems)} problem(s)" in str(info.value)


def test_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_targets(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_targets(write(tmp_path / "bad.yaml", "targets: [\n  - kpi: x\n"))
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_targets(write(tmp_path / "scalar.yaml", "just text\n"))
    write(tmp_path / "t.yaml", "targets: []\n")
    relative = load_targets("t.yaml", base=tmp_path)
    assert relative.targets == () and relative.source == str((tmp_path / "t.yaml").resolve())


def test_target_dataclass_rejects_bad_values():
    with pytest.raises(ValueError, match="direction"):
        Target(kpi="x", target=1.0, direction="neutral", source="internal target")
    with pytest.raises(ValueError, match="source"):
        Target(kpi="x", target=1.0, direction="higher_is_better", source="gut feeling")
    assert Target(kpi="x", target=1, direction="lower_is_better", source="regulator",
                  segment={"region": "N", "queue": "Q"}).segment == (("queue", "Q"), ("region", "N"))


# --- the benchmark catalogue ----------------------------------------------------------------------
def test_catalogue_entries_have_source_and_caveat_and_honest_flags():
    entries = load_benchmarks()
    assert len({e.kpi for e in entries}) == len(entries) >= 6
    for entry in entries:
        assert entry.source.strip() and entry.caveat.strip() and entry.convention.strip()
        if entry.indicative_target is None:
            continue
        assert entry.comparable
    by_kpi = {e.kpi: e for e in entries}
    assert by_kpi["service_level"].indicative_target == 0.80
    assert dict(by_kpi["service_level"].options) == {"service_level_threshold_s": 20}
    assert "not a standard" in by_kpi["service_level"].caveat
    assert (by_kpi["abandonment_rate"].band_low, by_kpi["abandonment_rate"].band_high) == (0.05, 0.08)
    assert by_kpi["abandonment_rate"].tolerance == 0.03
    assert (by_kpi["fcr_rate"].band_low, by_kpi["fcr_rate"].band_high) == (0.70, 0.79)
    assert "SQM" in by_kpi["fcr_rate"].source
    assert by_kpi["csat_mean"].indicative_target is None and not by_kpi["csat_mean"].comparable
    assert "Institute of Customer Service" in by_kpi["csat_mean"].source
    assert "sector" in by_kpi["nps"].caveat
    assert "DISP 1.6.2R" in by_kpi["complaint_resolution_days"].source
    assert "indicative benchmark" in SOURCES


def test_template_parses():
    ts = load_targets(ROOT / "templates" / "targets.yaml")
    assert len(ts.targets) == 4 and len(ts.regulatory) == 2
    assert ts.regulatory[0].end == ("acknowledged_at", "resolved_at")


# --- SMART check ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return generate_demo(tmp_path_factory.mktemp("demo_targets"), contacts=1_000, seed=3)


def test_demo_targets_file_parses_and_matches_the_planted_signals(demo):
    config = load_config(demo.config_path)
    assert config.raw["targets"] == TARGETS_NAME
    ts = targets_from_config(config)
    assert ts.source == str(demo.out_dir / TARGETS_NAME)
    assert len(ts.targets) == 8 and ts.use_benchmarks
    csat = ts.lookup("csat_mean", {"region": demo.planted["signals"]["region_csat"]["segment"]["region"]})
    assert csat.target == CSAT_TARGET == demo.planted["signals"]["region_csat"]["target"]["value"]
    assert csat.tolerance == 0.1 and csat.source == "internal target"
    assert csat.owner and csat.baseline is not None and csat.deadline and csat.rationale
    assert ts.lookup("service_level", {"queue": "Complaints"}).target == 0.9
    assert ts.lookup("service_level", {"queue": "Sales"}).target == 0.8
    assert ts.lookup("abandonment_rate").tolerance == pytest.approx(0.01)
    assert ts.lookup("qa_score_mean").target == 80
    assert ts.targets[0].deadline == dt.date(2026, 6, 30)  # end of the quarter after the period's
    assert ts.regulatory == DEFAULT_REGULATORY_RULES and ts.rule_set == "uk_fca_disp"  # named: a UK centre


def test_smart_check_finds_the_planted_gaps_in_the_demo_targets(demo):
    check = smart_check(targets_from_config(load_config(demo.config_path)))
    assert len(check) == 8
    aht = check.set_index("kpi").loc["aht_s"]
    assert aht["missing"] == "no owner; no deadline or review date"
    assert not aht["specific"] and not aht["time_bound"] and not aht["complete"]
    others = check[check["kpi"] != "aht_s"]
    assert others["missing"].eq("").all() and others["complete"].all()
    assert others["specific"].all() and others["time_bound"].all() and check["measurable"].all()
    assert check["achievable"].isna().all()  # no evidence given


def test_smart_check_achievable_from_evidence_and_realistic_against_the_catalogue():
    ts = load_targets({"targets": [
        {"kpi": "fcr_rate", "target": 0.95, "source": "internal target", "owner": "A", "baseline": 0.7,
         "deadline": "2026-06-30", "rationale": "why"},
        {"kpi": "fcr_rate", "segment": {"queue": "Sales"}, "target": 0.6, "source": "internal target"},
        {"kpi": "abandonment_rate", "target": 0.0, "source": "internal target"},
        {"kpi": "abandonment_rate", "segment": {"team": "Kestrel"}, "target": 0.04, "source": "internal target"},
        {"kpi": "csat_mean", "target": 4.5, "source": "internal target"},
    ]})
    evidence = pd.DataFrame({
        "kpi": ["fcr_rate", "fcr_rate", "abandonment_rate"],
        "segment": [(), "queue = Sales", {"team": "Kestrel"}],
        "status": ["not_achievable", "met", "insufficient data"],
    })
    before = evidence.copy()
    check = smart_check(ts, evidence=evidence).set_index("label")
    pd.testing.assert_frame_equal(evidence, before)  # never mutated
    top = check.loc["fcr_rate"]
    assert top["achievable"] is not pd.NA and not top["achievable"] and not top["realistic"]
    assert top["missing"] == ("not achievable per the evidence; beyond the indicative benchmark range "
                              "(0.7-0.79; SQM Group, call-centre FCR benchmarking (2022 industry "
                              "benchmark, post-call customer survey method).)")
    sales = check.loc["fcr_rate (queue = Sales)"]
    assert sales["achievable"] and sales["realistic"]
    assert "less ambitious than the indicative benchmark range" in sales["notes"]
    zero = check.loc["abandonment_rate"]
    assert not pd.isna(zero["realistic"]) and not zero["realistic"] and "best end of the scale (0)" in zero["missing"]
    kestrel = check.loc["abandonment_rate (team = Kestrel)"]
    assert pd.isna(kestrel["achievable"]) and kestrel["realistic"]  # 0.04: not beyond 0.05 - 0.03
    assert pd.isna(check.loc["csat_mean", "realistic"])  # UKCSI is not comparable

    # the target review's layout: dimension + segment value, "all" for the whole population
    review = pd.DataFrame({"kpi": ["fcr_rate", "fcr_rate"], "dimension": ["all", "queue"],
                           "segment": ["all", "Sales"], "status": ["keep", "not_achievable"]})
    check = smart_check(ts, evidence=review).set_index("label")["achievable"]
    assert check["fcr_rate"] and not check["fcr_rate (queue = Sales)"]
    assert pd.isna(check["csat_mean"])


# --- regulatory compliance ----------------------------------------------------------------------------
def complaints_frame(rows: list[tuple]) -> pd.DataFrame:
    """Canonical complaints with canonical dtypes from (id, received, acknowledged, resolved)."""
    ids, received, acknowledged, resolved = zip(*rows, strict=True)
    frame = pd.DataFrame({
        "complaint_id": list(ids),
        "received_at": pd.to_datetime(list(received)),
        "acknowledged_at": pd.to_datetime(list(acknowledged)),
        "resolved_at": pd.to_datetime(list(resolved)),
    })
    kinds = CANONICAL_TABLES["complaints"].columns
    return frame.astype({c: KIND_DTYPES[kinds[c]] for c in frame.columns})


#: received, acknowledged, resolved; judged as of 2026-04-20 (the latest timestamp)
HAND_BUILT = [
    ("C1", "2026-01-01", "2026-01-02", "2026-01-20"),  # ack 1 d, resolved 19 d
    ("C2", "2026-01-01", "2026-01-05", "2026-03-10"),  # ack 4 d (late), resolved 68 d (late)
    ("C3", "2026-01-02", None, "2026-01-03"),          # no ack, resolved in 1 d: acknowledges too
    ("C4", "2026-01-03", "2026-01-04", None),          # open 107 d: past the 8 weeks
    ("C5", "2026-04-01", "2026-04-02", None),          # open 19 d: pending
    ("C6", "2026-01-05", None, "2026-01-04"),          # resolved before received: excluded
    ("C7", "2026-04-20", None, None),                  # received at the as-of moment: pending
]


@pytest.fixture
def store():
    with Store("duckdb://") as s:
        s.write("complaints", complaints_frame(HAND_BUILT))
        yield s


def rules_with(required: dict[str, float | None]) -> tuple[RegulatoryRule, ...]:
    return tuple(
        dataclasses.replace(r, required_rate=required.get(r.id)) for r in DEFAULT_REGULATORY_RULES
    )


def test_hand_computed_rates_breaches_and_pending(store):
    result = regulatory_compliance(store, DEFAULT_REGULATORY_RULES)
    summary = result.summary.set_index("rule")
    ack = summary.loc["complaints_acknowledged_promptly"]
    # ack within 3 d: C1, C3 (by resolution), C4, C5 comply; C2 late; C7 pending; C6 excluded
    assert (ack["n"], ack["compliant"], ack["breaches"], ack["late"], ack["open_past_window"]) == (5, 4, 1, 1, 0)
    assert (ack["pending"], ack["excluded"], ack["rate"]) == (1, 1, 0.8)
    res = summary.loc["complaints_resolved_within_8_weeks"]
    # resolved within 56 d: C1, C3 comply; C2 late; C4 open past the window; C5, C7 pending
    assert (res["n"], res["compliant"], res["breaches"], res["late"], res["open_past_window"]) == (4, 2, 2, 1, 1)
    assert (res["pending"], res["excluded"], res["rate"]) == (2, 1, 0.5)
    assert res["as_of"] == pd.Timestamp("2026-04-20") and res["window"] == "8 weeks"
    assert res["status"] == "no required rate" and pd.isna(res["required_rate"])
    # Wilson 2/4 at 95 %: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n) = 0.5 ± 0.3500...
    z = 1.959963984540054
    half = z * (0.25 / 4 + z * z / 64) ** 0.5 / (1 + z * z / 4)
    assert res["ci_low"] == pytest.approx(0.5 - half) and res["ci_high"] == pytest.approx(0.5 + half)

    cases = result.failing_cases
    assert list(cases.columns) == ["rule", "complaint_id", "start", "end", "elapsed_days", "reason"]
    resolve = cases[cases["rule"] == "complaints_resolved_within_8_weeks"]
    assert list(resolve["complaint_id"]) == ["C4", "C2"]  # longest first
    assert list(resolve["reason"]) == ["still open past the window", "late"]
    assert resolve["elapsed_days"].tolist() == pytest.approx([107.0, 68.0])
    assert pd.isna(resolve["end"].iloc[0]) and resolve["end"].iloc[1] == pd.Timestamp("2026-03-10")
    ack_cases = cases[cases["rule"] == "complaints_acknowledged_promptly"]
    assert ack_cases["complaint_id"].tolist() == ["C2"] and ack_cases["elapsed_days"].tolist() == [4.0]
    assert result.findings[1].startswith(
        "Complaints resolved (final response) within 8 weeks of receipt: 50.0% of 4 judged cases "
        "comply (95% CI 15.0%-85.0%); 2 breaches (1 late, 1 still open past the window), 2 still "
        "within the window (FCA DISP 1.6.2R"
    )


def test_required_rates_give_each_status(store):
    rules = rules_with({"complaints_resolved_within_8_weeks": 0.9, "complaints_acknowledged_promptly": 0.8})
    summary = regulatory_compliance(store, rules).summary.set_index("rule")
    assert summary.loc["complaints_resolved_within_8_weeks", "status"] == "not compliant"  # 0.85 < 0.9
    assert summary.loc["complaints_acknowledged_promptly", "status"] == "compliant"  # 0.8 >= 0.8
    rules = rules_with({"complaints_resolved_within_8_weeks": 0.8})
    status = regulatory_compliance(store, rules).summary.set_index("rule")["status"]
    assert status["complaints_resolved_within_8_weeks"] == "below required rate but not significantly"


def test_as_of_and_max_cases(store):
    early = regulatory_compliance(store, DEFAULT_REGULATORY_RULES, as_of="2026-02-01").summary.set_index("rule")
    res = early.loc["complaints_resolved_within_8_weeks"]
    # as of 1 Feb: C1, C3 comply; C2 (resolved later) and C4 are open but inside 8 weeks
    assert (res["n"], res["compliant"], res["pending"], res["excluded"]) == (2, 2, 2, 1)
    limited = regulatory_compliance(store, DEFAULT_REGULATORY_RULES, max_cases=1)
    assert limited.failing_cases["rule"].value_counts().to_dict() == {
        "complaints_acknowledged_promptly": 1, "complaints_resolved_within_8_weeks": 1}
    assert limited.summary["breaches"].tolist() == [1, 2]  # counts are never limited


def test_wilson_interval_against_newcombe_1998():
    # Newcombe RG (1998), Statistics in Medicine 17:857-872, Table I: 81/263, Wilson 0.2553-0.3662
    rows = [(f"N{i:03d}", "2026-01-01", None, "2026-01-03" if i < 81 else "2026-01-30") for i in range(263)]
    rule = RegulatoryRule(id="within_10_days", description="d", source="s", table="complaints",
                          start="received_at", end="resolved_at", within_s=10 * 86_400.0, required_rate=0.5)
    with Store("duckdb://") as s:
        s.write("complaints", complaints_frame(rows))
        row = regulatory_compliance(s, [rule], max_cases=5).summary.iloc[0]
    assert (row["n"], row["compliant"]) == (263, 81)
    assert round(row["ci_low"], 4) == 0.2553 and round(row["ci_high"], 4) == 0.3662
    assert row["status"] == "not compliant"


def test_absent_table_or_column_is_not_assessed(store):
    with Store("duckdb://") as empty:
        # the rules are named (issue 18: none applies unless named)
        result = regulatory_compliance(empty, targets_from_config({"tables": {}, "targets": {"regulatory": "uk_fca_disp"}}))
        assert result.summary.equals(regulatory_compliance(empty, TargetSet(regulatory=DEFAULT_REGULATORY_RULES)).summary)
    assert result.summary["status"].tolist() == ["not assessed: no complaints table"] * 2
    assert result.findings[0].startswith("Complaints acknowledged promptly (within 3 calendar days "
                                         "of receipt): not assessed: no complaints table")
    assert result.failing_cases.empty and list(result.failing_cases.columns)[0] == "rule"
    store.write("complaints", complaints_frame([("X", "2026-01-01", None, None)]))
    status = regulatory_compliance(store, DEFAULT_REGULATORY_RULES).summary["status"].tolist()
    assert status == ["not assessed: acknowledged_at is never recorded in the complaints table",
                      "not assessed: resolved_at is never recorded in the complaints table"]


def test_complaint_deadlines_are_configured_once():
    """The complaints: section sets the complaint deadlines the named UK rule set checks."""
    from csperf_lib.methods.complaints import DAY_S
    from csperf_lib.methods.targets import complaint_rules

    named = {"tables": {}, "complaints": {"resolve_within_days": 42}, "targets": {"regulatory": "uk_fca_disp"}}
    rules = {r.id: r for r in targets_from_config(named).regulatory}
    assert rules["complaints_resolved_within_8_weeks"].within_s == 42 * DAY_S
    assert "within 6 weeks of receipt" in rules["complaints_resolved_within_8_weeks"].description
    assert rules["complaints_acknowledged_promptly"].within_s == 3 * DAY_S
    assert complaint_rules() == DEFAULT_REGULATORY_RULES
    assert DEFAULT_REGULATORY_RULES[1].within_s == 56 * DAY_S  # FCA DISP 1.6.2R: 8 weeks
    # a targets section with its own regulatory rules replaces them (here: none)
    assert targets_from_config({"tables": {}, "complaints": {"resolve_within_days": 42}, "targets": {"regulatory": []}}).regulatory == ()


# --- no jurisdiction's rules unless named (issue 18) ----------------------------------------------------
def test_regulatory_rules_apply_only_when_named(tmp_path):
    """Absent: no rules (US data is not judged by the FCA's); a named set: its rules, built from the
    config's own complaint deadlines; an unknown name: one clear problem with a did-you-mean."""
    base = {"tables": {"complaints": {"source": {"file": "k.csv"},
                                      "columns": {"complaint_id": "i", "received_at": "r"}}}}
    absent = targets_from_config(parse_config(base, check_files=False))
    assert absent.regulatory == () and absent.rule_set is None

    named = targets_from_config(parse_config({**base, "targets": {"regulatory": "uk_fca_disp"}}, check_files=False))
    assert named.rule_set == "uk_fca_disp" and named.regulatory == DEFAULT_REGULATORY_RULES

    quicker = targets_from_config(parse_config(
        {**base, "complaints": {"resolve_within_days": 28}, "targets": {"regulatory": "uk_fca_disp"}}, check_files=False))
    resolve = {r.id: r for r in quicker.regulatory}["complaints_resolved_within_8_weeks"]
    assert resolve.within_s == 28 * 86_400  # the deadline is the config's, configured once

    with pytest.raises(ConfigError) as err:
        targets_from_config(parse_config({**base, "targets": {"regulatory": "uk_fca_dsp"}}, check_files=False))
    assert "uk_fca_disp" in str(err.value)


def test_rule_set_names_agree_with_the_config_model():
    from typing import get_args

    from csperf_lib.core.settings import TargetsDocument
    from csperf_lib.methods.targets import RULE_SETS

    annotation = TargetsDocument.model_fields["regulatory"].annotation
    literal = next(a for a in get_args(annotation) if get_args(a) and all(isinstance(x, str) for x in get_args(a)))
    assert set(get_args(literal)) == set(RULE_SETS)


def test_no_rules_says_so_on_the_page(tmp_path):
    from csperf_lib.methods.targets import TargetSet

    class NoStore:
        def has(self, table):
            return False

    result = regulatory_compliance(NoStore(), TargetSet())
    assert result.summary.empty and "never assumed" in result.note



def test_failing_cases_beside_an_extra_column_named_reason():
    # A complaints export's own "Reason" column is kept as an extra column; the failing cases'
    # computed reason must not meet it (the engine compares names without regard to case).
    frame = complaints_frame(HAND_BUILT).assign(Reason="Billing", Elapsed_Days="n/a")
    with Store("duckdb://") as s:
        s.write("complaints", frame)
        cases = regulatory_compliance(s, DEFAULT_REGULATORY_RULES).failing_cases
    resolve = cases[cases["rule"] == "complaints_resolved_within_8_weeks"]
    assert list(resolve["reason"]) == ["still open past the window", "late"]
    assert resolve["elapsed_days"].tolist() == pytest.approx([107.0, 68.0])
