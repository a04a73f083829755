"""The summary.json contract: schema_version, the shipped JSON Schema, a closed top level."""

from __future__ import annotations

import json

import jsonschema
import pytest

from csperf_lib.core.findings import FindingsLedger
from csperf_lib.core.summary import (
    SCHEMA_VERSION,
    SummaryContractError,
    shipped_schema,
    summary_json_schema,
    validate_summary,
)
from csperf_lib.core.summary_io import read_summary, update_summary

REGENERATE = ("python -c \"import json; from csperf_lib.core.summary import summary_json_schema as s; "
              "open('csperf_lib/data/summary.schema.json', 'w').write(json.dumps(s(), indent=2, sort_keys=True) + '\\n')\"")


def test_the_shipped_schema_is_the_one_the_models_generate():
    assert shipped_schema() == json.loads(json.dumps(summary_json_schema(), sort_keys=True)), \
        f"csperf_lib/data/summary.schema.json is out of date: regenerate it with {REGENERATE}"
    jsonschema.Draft202012Validator.check_schema(shipped_schema())


def test_every_summary_carries_the_schema_version_and_fits_the_contract(tmp_path):
    ledger = FindingsLedger("05_benchmarks")
    finding = ledger.add("kpi_gap", kpi="service_level", direction="down", favourable=False, estimate=0.7, comparator=0.8,
                         n=100, q_value=0.001, significant=True, attributes={"unit": "proportion", "status": "missed"})
    update_summary(tmp_path, run_date="2026-11-22", stages=[{"name": "00_collect", "status": "ok", "seconds": 1.0}],
                   findings=[finding.model_dump(mode="json")],
                   recommendations=[{"id": "R01", "action": "Act.", "kind": "resource_change", "subject": "the whole centre",
                                     "segment": {}, "rule": "r", "evidence": [], "priority": 100.0, "owner": "Ops",
                                     "review_date": "2026-04-26", "smart": "Act.", "finding_ids": [finding.id]}])
    summary = read_summary(tmp_path)
    assert summary["schema_version"] == SCHEMA_VERSION
    typed = validate_summary(summary)
    assert typed.findings[0] == finding and typed.recommendations[0].finding_ids == [finding.id]
    jsonschema.validate(summary, shipped_schema())


def test_a_renamed_key_or_a_recommendation_without_findings_breaks_the_contract(tmp_path):
    update_summary(tmp_path, run_date="2026-11-22", gapz=[])
    with pytest.raises(SummaryContractError, match="gapz"):
        validate_summary(read_summary(tmp_path))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(read_summary(tmp_path), shipped_schema())
    bad = {"schema_version": SCHEMA_VERSION, "recommendations": [{"id": "R01", "action": "a", "kind": "k", "subject": "s",
           "rule": "r", "priority": 1, "owner": "o", "review_date": "2026-01-01", "smart": "s", "finding_ids": []}]}
    with pytest.raises(SummaryContractError, match="finding_ids"):
        validate_summary(bad)
