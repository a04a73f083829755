"""The two real PwC exports (Excel original and semicolon re-export) load through the example
configs and agree with each other and with an independent pandas reading of the raw file."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT, shared_path

from csperf_lib.core.config import load_config
from csperf_lib.ingest.store import Store
from csperf_lib.stages.collect import collect
from csperf_lib.stages.validate import validate

EXAMPLES = {
    "xlsx": ROOT / "examples" / "pwc_callcentre_xlsx.yaml",
    "semicolon": ROOT / "examples" / "pwc_callcentre_semicolon.yaml",
}


def _load(name: str):
    shared_path("real-data", "pwc_callcentre", "call_center_dataset.xlsx")
    config = load_config(EXAMPLES[name])
    with Store("duckdb://") as store:
        manifest = collect(config, store)
        result = validate(config, store)
        contacts = store.to_pandas("contacts")
        surveys = store.to_pandas("surveys")
    return manifest, result, contacts, surveys


@pytest.fixture(scope="module")
def loaded():
    return {name: _load(name) for name in EXAMPLES}


def test_both_exports_agree_on_calls_answered_and_satisfaction(loaded):
    figures = {}
    for name, (_, result, contacts, surveys) in loaded.items():
        accounting = result.accounting.set_index("table")
        assert (accounting["rows_in"] == accounting["rows_usable"] + accounting["rows_quarantined"]).all()
        figures[name] = (len(contacts), int(contacts["answered"].sum()), round(surveys["csat"].mean(), 10))
    assert figures["xlsx"] == figures["semicolon"]


def test_figures_match_an_independent_reading_of_the_raw_file(loaded):
    raw = pd.read_excel(shared_path("real-data", "pwc_callcentre", "call_center_dataset.xlsx"))
    _, result, contacts, surveys = loaded["xlsx"]
    assert len(contacts) == len(raw) == 5000
    assert int(contacts["answered"].sum()) == int((raw["Answered (Y/N)"] == "Y").sum())
    assert surveys["csat"].mean() == pytest.approx(raw["Satisfaction rating"].mean(), rel=1e-12)
    assert len(surveys) == int(raw["Satisfaction rating"].notna().sum())
    talk = pd.to_timedelta(raw["AvgTalkDuration"].astype(str)).dt.total_seconds()
    assert contacts["talk_s"].mean() == pytest.approx(talk.mean(), rel=1e-12)
    assert contacts["wait_s"].mean() == pytest.approx(raw["Speed of answer in seconds"].mean(), rel=1e-12)
    assert int(result.accounting["rows_quarantined"].sum()) == 0


def test_semicolon_export_times_and_durations_match_the_excel_original(loaded):
    a = loaded["xlsx"][2].set_index("contact_id")
    b = loaded["semicolon"][2].set_index("contact_id").loc[a.index]
    # The re-export stores the time of day as a fraction of a day: equal to the second.
    assert (a["arrived_at"] - b["arrived_at"]).abs().max() <= pd.Timedelta(seconds=1)
    assert a["talk_s"].fillna(-1).equals(b["talk_s"].fillna(-1))


def test_manifest_hash_matches_the_published_checksum(loaded):
    sums = {}
    for line in shared_path("real-data", "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.lstrip("*").split("/")[-1]] = digest
    manifest = loaded["xlsx"][0]
    assert manifest.loc[0, "sha256"] == sums["call_center_dataset.xlsx"]
    manifest = loaded["semicolon"][0]
    assert manifest.loc[0, "sha256"] == sums["call_center_dataset_semicolon_export.csv"]
