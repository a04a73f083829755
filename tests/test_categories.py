"""Honest segments (issue 18): labels with no value are never judged; variant spellings are reported."""

from __future__ import annotations

import pandas as pd
import pytest

from csperf_lib.core.findings import FindingsLedger
from csperf_lib.ingest.store import Store
from csperf_lib.methods.categories import category_variants, label_quality, missing_values
from csperf_lib.methods.kpis import NOT_RECORDED
from csperf_lib.methods.patterns import segment_differences


def test_spellings_of_one_value_are_grouped_and_distinct_values_are_not():
    values = pd.Series(["Brooklyn"] * 50 + ["BROOKLYN"] * 5 + ["Brooklyn "] * 2 + ["BROOKLY"] * 3
                       + ["North"] * 20 + ["North East"] * 10 + ["Staten Island"] * 8 + ["STATEN IS"] * 2
                       + ["Queens"] * 30 + ["Que"] * 1 + ["St. Helens"] * 4 + ["St Helens"] * 2 + [None] * 4)
    out = category_variants(values)
    found = {(r.value, r.variant): (r.rows, r.reason) for r in out.itertuples()}
    assert found == {
        ("Brooklyn", "BROOKLYN"): (5, "case, spacing or punctuation"),
        ("Brooklyn", "Brooklyn "): (2, "case, spacing or punctuation"),
        ("Brooklyn", "BROOKLY"): (3, "truncated"),
        ("Staten Island", "STATEN IS"): (2, "truncated"),
        ("St. Helens", "St Helens"): (2, "case, spacing or punctuation"),
    }
    assert out.set_index("variant").loc["BROOKLY", "value_rows"] == 50
    # "North" ends where "North East" has a space: a different region, not a truncation;
    # "Que" is too short to call a truncation of "Queens"
    assert not {"North", "North East", "Que"} & set(out["variant"]) | set(out["value"]) & {"North", "Que"}


def test_a_truncated_spelling_never_becomes_the_value_even_when_commoner():
    out = category_variants(pd.Series(["MANHATT"] * 9 + ["Manhattan"] * 2))
    assert out.to_dict(orient="records") == [
        {"value": "Manhattan", "variant": "MANHATT", "rows": 9, "value_rows": 2, "reason": "truncated"}]


def test_no_variants_and_no_values():
    assert category_variants(pd.Series(["a", "b", None])).empty
    assert category_variants(pd.Series([], dtype="string")).empty


def test_missing_values_count_blank_and_null():
    frame = pd.DataFrame({"queue": ["A", None, " ", "B"], "team": ["x", "y", "z", "w"]})
    out = missing_values(frame, ["queue", "team", "region"])
    assert out.to_dict(orient="records") == [{"column": "queue", "rows": 2, "n": 4, "share": 0.5}]


def test_label_quality_in_the_engine_with_agents_judged_on_answered_contacts_only():
    contacts = pd.DataFrame({
        "contact_id": [f"C{i}" for i in range(8)],
        "answered": [True, True, True, True, False, False, True, True],
        "team": ["Falcon", "falcon", "Falcon", None, None, None, "Osprey", "Osprey"],
        "region": ["Bronx", "Bronx", None, "Bronx", "Bronx", "Call 07700 900123", "Bronx", "BRONX"],
    })
    with Store("duckdb://") as store:
        store.write("contacts", contacts)
        out = label_quality(store, ["contacts", "surveys"])
        only_region = label_quality(store, ["contacts"], mapped={"contacts": ["contact_id", "region"]})
    rows = {(r.column, r.check): r for r in out.itertuples()}
    team_missing = rows[("team", "missing_values")]
    assert (team_missing.rows, team_missing.n) == (1, 6)  # unanswered contacts have no team by design
    assert rows[("region", "missing_values")].rows == 1 and rows[("region", "missing_values")].n == 8
    variants = rows[("region", "category_variants")]
    assert variants.rows == 1 and "'BRONX' (1 rows, case, spacing or punctuation) for 'Bronx' (5)" in variants.details
    assert rows[("team", "category_variants")].rows == 1
    assert "07700" not in " ".join(out["details"])  # labels can hold personal data
    assert set(only_region["column"]) == {"region"}  # a column no source maps is absent, not missing


def test_label_findings_are_data_quality_and_read_as_sentences():
    from csperf_lib.stages.validate import ValidationResult, validation_findings

    empty = pd.DataFrame(columns=["table", "rows_in", "rows_usable", "rows_quarantined", "usable_share",
                                  "threshold", "passed"])
    labels = pd.DataFrame([
        {"table": "contacts", "column": "region", "check": "missing_values", "rows": 4, "n": 200, "share": 0.02,
         "details": ""},
        {"table": "complaints", "column": "queue", "check": "category_variants", "rows": 12, "n": 300,
         "share": 0.04, "details": "'BROOKLY' (12 rows, truncated) for 'BROOKLYN' (280)"},
    ])
    result = ValidationResult(accounting=empty, failures=pd.DataFrame(columns=["table", "column", "check", "rows"]),
                              quarantine=pd.DataFrame(), scorecard=pd.DataFrame(), authenticity=pd.DataFrame(),
                              labels=labels)
    ledger = FindingsLedger("01_validate")
    validation_findings(result, ledger=ledger)
    found = {f.attributes["check"]: f for f in ledger.findings}
    assert {f.kind for f in ledger.findings} == {"data_quality"}
    assert "4 of 200 contact records" in found["missing_values"].sentence
    assert "never judged as a segment" in found["missing_values"].sentence
    assert "'BROOKLY' (12 rows, truncated)" in found["category_variants"].sentence
    assert "None" not in found["category_variants"].sentence and "nan" not in found["missing_values"].sentence


def test_a_not_recorded_segment_is_never_a_segment_difference():
    """4 orphan surveys with no region were once 'significantly better'; they must never be judged."""
    kpis = pd.DataFrame({
        "kpi": "csat_mean", "region": ["North", "South", "Wales", NOT_RECORDED],
        "value": [4.0, 4.02, 3.98, 4.9], "n": [400, 400, 400, 400], "sd": [0.8, 0.8, 0.8, 0.3],
    })
    out = segment_differences(kpis, segment="region", kinds={"csat_mean": "mean"})
    unrecorded = out[out["segment"] == NOT_RECORDED].iloc[0]
    assert pd.isna(unrecorded["p"]) and not unrecorded["significant"] and not unrecorded["material"]
    assert unrecorded["finding"] == ""


def test_a_not_recorded_segment_is_never_judged_against_a_target():
    from csperf_lib.methods.target_loading import load_targets
    from csperf_lib.stages.benchmarks import benchmark_gaps

    kpis = pd.DataFrame({
        "kpi": "csat_mean", "dimension": ["all", "region", "region"], "segment": ["all", "North", NOT_RECORDED],
        "period": pd.NaT, "value": [4.1, 4.0, 4.9], "ci_low": [4.0, 3.9, 4.8], "ci_high": [4.2, 4.1, 5.0],
        "n": [800, 400, 40], "sd": [0.8, 0.8, 0.3],
    })
    targets = load_targets({"targets": [{"kpi": "csat_mean", "target": 4.0, "tolerance": 0.1,
                                         "source": "internal target"}]})
    gaps = benchmark_gaps(kpis, targets)
    assert NOT_RECORDED not in set(gaps["segment"].astype(str))
    assert {"all", "North"} <= set(gaps["segment"].astype(str))


@pytest.mark.parametrize("value", ["", "   "])
def test_blank_labels_are_not_variants(value):
    assert category_variants(pd.Series([value, "A", "A"])).empty
