"""The findings ledger (csperf_lib.core.findings) and the one formatting module."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csperf_lib.core import formatting as fmt
from csperf_lib.core.findings import (
    FINDINGS_TABLE,
    KINDS,
    Finding,
    FindingsLedger,
    finding_id,
    read_findings,
    select,
)
from csperf_lib.core.summary_io import read_summary
from csperf_lib.ingest.store import Store

#: The kinds the issue names; other parts and acceptance checks rely on every one of them.
CONTRACT_KINDS = {
    "data_quality", "source_risk", "segment_difference", "trend", "special_cause", "change_point", "driver",
    "theme_spike", "emerging_issue", "complaint_pattern", "sentiment_check", "calibration", "escalation",
    "high_risk", "kpi_gap", "strength", "target_review", "regulatory_breach", "staffing_shortfall",
    "staffing_surplus", "coaching_need", "training_need",
}
CONTRACT_FIELDS = [
    "id", "stage", "kind", "kpi", "dimension", "segment", "period_start", "period_end", "direction", "favourable",
    "estimate", "ci_low", "ci_high", "n", "comparator", "comparator_label", "p_value", "q_value", "significant",
    "effect_name", "effect_size", "attributes", "sentence", "evidence",
]


def test_the_model_has_exactly_the_contract_fields_and_kinds():
    assert list(Finding.model_fields) == CONTRACT_FIELDS
    assert CONTRACT_KINDS <= set(KINDS)


def test_ids_are_stable_and_readable():
    assert finding_id("trend", kpi="aht_s", dimension="team", segment="Falcon") == "trend:aht_s:team=Falcon"
    assert finding_id("kpi_gap", kpi="service_level") == "kpi_gap:service_level"
    assert finding_id("coaching_need", dimension="agent", segment="A-1", item="accuracy") == "coaching_need:agent=A-1:item=accuracy"


def _trend(ledger: FindingsLedger, **over):
    fields = dict(
        kpi="aht_s", dimension="team", segment="Falcon", direction="up", favourable=False, estimate=340.0,
        ci_low=330.0, ci_high=350.0, n=1200, comparator=300.0, comparator_label="first period", p_value=0.001,
        q_value=0.01, significant=True, effect_name="sens_slope_per_week", effect_size=3.4,
        attributes={"kpi_name": "Average handling time", "unit": "seconds", "periods": 12},
        period_start="2026-01-05", period_end="2026-03-23", evidence=["03_quantitative.html#Trends"],
    )
    fields.update(over)
    return ledger.add("trend", **fields)


def test_the_ledger_renders_the_sentence_from_the_fields():
    ledger = FindingsLedger("03_quantitative")
    finding = _trend(ledger)
    assert finding.id == "trend:aht_s:team=Falcon" and finding.stage == "03_quantitative"
    assert finding.sentence.startswith("Average handling time in team Falcon is rising (worsening)")
    assert "5 min 0 s" in finding.sentence and "5 min 40 s" in finding.sentence and "adjusted p = 0.01" in finding.sentence
    with pytest.raises(ValueError, match="rendered"):
        ledger.add("trend", kpi="x", sentence="written by hand")


def test_missing_numbers_become_null_never_nan():
    ledger = FindingsLedger("03_quantitative")
    finding = _trend(ledger, ci_low=math.nan, ci_high=float("inf"), p_value=None, n=12.0)
    assert finding.ci_low is None and finding.ci_high is None and finding.p_value is None and finding.n == 12
    assert "nan" not in finding.sentence.lower() and "None" not in finding.sentence


def test_a_repeated_subject_is_kept_with_a_deterministic_suffix():
    ledger = FindingsLedger("03_quantitative")
    first, second = _trend(ledger), _trend(ledger)
    assert (first.id, second.id) == ("trend:aht_s:team=Falcon", "trend:aht_s:team=Falcon#2")


def test_saving_replaces_only_this_stages_findings_in_store_and_summary(tmp_path):
    store = Store("duckdb://")
    try:
        three = FindingsLedger("03_quantitative")
        _trend(three)
        _trend(three, segment="Kestrel", direction="down", favourable=True)
        three.save(store, tmp_path)
        five = FindingsLedger("05_benchmarks")
        five.add("kpi_gap", kpi="service_level", direction="down", favourable=False, estimate=0.7, comparator=0.8,
                 comparator_label="target", n=5000, q_value=0.001, significant=True,
                 attributes={"kpi_name": "Service level", "unit": "proportion", "status": "missed"})
        five.save(store, tmp_path)
        assert [f.stage for f in read_findings(store)] == ["03_quantitative", "03_quantitative", "05_benchmarks"]
        again = FindingsLedger("03_quantitative")
        _trend(again)
        everything = again.save(store, tmp_path)
        stored = read_findings(store)
        assert [f.id for f in stored] == [f.id for f in everything] == ["trend:aht_s:team=Falcon", "kpi_gap:service_level"]
        assert stored[0] == again.findings[0]  # a faithful round trip, attributes and evidence included
        summary = read_summary(tmp_path)
        assert [f["id"] for f in summary["findings"]] == ["trend:aht_s:team=Falcon", "kpi_gap:service_level"]
        assert summary["findings"][0]["evidence"] == ["03_quantitative.html#Trends"]
        assert json.loads(json.dumps(summary))  # plain JSON
        assert read_findings(store, stage="05_benchmarks")[0].kpi == "service_level"
        assert store.has(FINDINGS_TABLE)
        empty = FindingsLedger("05_benchmarks").save(store)
        assert [f.stage for f in empty] == ["03_quantitative"]
    finally:
        store.close()


def test_select_matches_by_fields_never_text():
    ledger = FindingsLedger("03_quantitative")
    _trend(ledger)
    _trend(ledger, segment="Kestrel", significant=False, effect_size=0.1)
    ledger.add("segment_difference", kpi="csat_mean", dimension="region", segment="Leeds", direction="down",
               favourable=False, estimate=3.9, comparator=4.2, n=900, q_value=0.001, significant=True,
               effect_name="hedges_g", effect_size=-0.31, attributes={"unit": "score_1_5", "kpi_name": "Mean CSAT"})
    found = ledger.findings
    assert [f.segment for f in select(found, kind="trend", significant=True)] == ["Falcon"]
    assert [f.segment for f in select(found, dimension=["region"], min_effect=0.3)] == ["Leeds"]
    assert select(found, kind="trend", dimension="all") == []
    assert [f.segment for f in select(found, unit="score_1_5")] == ["Leeds"]


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (0.8123, "proportion", "81.2 %"),
        (312, "seconds", "5 min 12 s"),
        (67.46, "seconds", "67.5 s"),
        (7260, "seconds", "2 h 01 min"),
        (4.111, "score_1_5", "4.11"),
        (1234.4, "count", "1,234"),
        (-12.34, "nps", "−12.3"),
        (1.55, "days", "1.6 days"),
        (3.2, "per_1000_contacts", "3.20 per 1,000 contacts"),
        (math.nan, "proportion", "n/a"),
        (None, "seconds", "n/a"),
    ],
)
def test_values_read_the_same_everywhere(value, unit, expected):
    assert fmt.format_value(value, unit) == expected


def test_intervals_and_p_values():
    assert fmt.format_interval(0.8, 0.821, "proportion") == "95 % CI 80.0 % to 82.1 %"
    assert fmt.format_interval(None, 1, "proportion") == ""
    assert fmt.format_p(0.0004, adjusted=True) == "adjusted p < 0.001"
    assert fmt.format_p(0.034) == "p = 0.03" and fmt.format_p(0.0042) == "p = 0.0042"
    assert fmt.format_count(1, "contacts") == "1 contact" and fmt.format_count(2500, "contacts") == "2,500 contacts"
    assert fmt.format_date("2026-01-05") == "5 Jan 2026"
    assert fmt.format_week("2026-01-05", "2026-01-18") == "the weeks from 5 Jan 2026 to 18 Jan 2026"
    assert fmt.subject("agent_id", "A-1") == "agent A-1" and fmt.subject(None, None) == "the whole centre"


_numbers = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6))


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(sorted(CONTRACT_KINDS)),
    estimate=_numbers, ci_low=_numbers, ci_high=_numbers, comparator=_numbers, q=_numbers,
    n=st.one_of(st.none(), st.integers(0, 10**7)),
    direction=st.sampled_from([None, "up", "down"]), favourable=st.sampled_from([None, True, False]),
    unit=st.sampled_from(["proportion", "seconds", "days", "count", "score_1_5", "nps", "", "per_1000_contacts"]),
    segment=st.one_of(st.none(), st.text(min_size=1, max_size=12)),
)
def test_every_kind_renders_a_sentence_without_raw_values(kind, estimate, ci_low, ci_high, comparator, q, n,
                                                          direction, favourable, unit, segment):
    """Whatever numbers a finding holds, its sentence never shows None, nan or a raw unit key."""
    ledger = FindingsLedger("99_test")
    finding = ledger.add(
        kind, kpi="service_level", dimension=None if segment is None else "queue", segment=segment,
        estimate=estimate, ci_low=ci_low, ci_high=ci_high, comparator=comparator, q_value=q, n=n,
        direction=direction, favourable=favourable, significant=bool(q is not None),
        attributes={"kpi_name": "Service level", "unit": unit},
    )
    text = finding.sentence
    assert text.strip() and text.rstrip().endswith("."), text
    for raw in ("None", "nan", "NaN", "inf ", "score_1_5", "per_1000_contacts", "lower_is_better"):
        assert raw not in text, (raw, text)
