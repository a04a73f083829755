"""Stage results stored once and read by later stages (csperf_lib.core.results)."""

from __future__ import annotations

import pandas as pd
import pytest

from csperf_lib.core.findings import FindingsLedger, read_findings
from csperf_lib.core.results import (
    MissingStageError,
    clear_results,
    has_result,
    read_result,
    require_stage,
    result_table,
    save_results,
    stages_recorded,
)
from csperf_lib.ingest.store import Store


@pytest.fixture
def store():
    with Store("duckdb://") as s:
        yield s


def test_results_round_trip_with_json_columns_and_empty_frames(store):
    themes = pd.DataFrame([
        {"theme": "billing", "share": 0.2, "interval": [0.18, 0.22], "sentiment": {"share_negative": 0.4}},
        {"theme": "speed", "share": 0.1, "interval": [0.08, 0.12], "sentiment": None},
    ])
    save_results(store, "04_qualitative", themes=themes, nothing=pd.DataFrame())
    assert store.has(result_table("04_qualitative", "themes")) and result_table("04_qualitative", "themes") == "stage04_themes"
    back = read_result(store, "04_qualitative", "themes")
    assert back["interval"].tolist() == [[0.18, 0.22], [0.08, 0.12]]
    assert back["sentiment"].tolist() == [{"share_negative": 0.4}, None]
    assert back["share"].tolist() == [0.2, 0.1]
    assert read_result(store, "04_qualitative", "nothing").empty
    assert has_result(store, "04_qualitative", "themes") and not has_result(store, "05_benchmarks", "gaps")
    assert isinstance(themes.loc[0, "interval"], list)  # the input is not changed


def test_a_missing_stage_is_named_in_one_sentence(store):
    with pytest.raises(MissingStageError) as err:
        read_result(store, "05_benchmarks", "gaps", needed_by="06_recommendations")
    text = str(err.value)
    assert text.startswith("Stage 06_recommendations reads what stage 05_benchmarks") and "run stage 05_benchmarks first" in text
    FindingsLedger("03_quantitative").save(store)  # saving a ledger records that the stage ran
    assert stages_recorded(store) == {"03_quantitative"}
    require_stage(store, ["03_quantitative", "04_qualitative"], skipped={"04_qualitative": "no free text"})
    with pytest.raises(MissingStageError, match="run stage 04_qualitative first"):
        require_stage(store, ["03_quantitative", "04_qualitative"])


def test_a_new_collection_clears_every_earlier_result_and_finding(store):
    ledger = FindingsLedger("03_quantitative")
    ledger.add("trend", kpi="aht_s", estimate=1.0, significant=True)
    ledger.save(store)
    save_results(store, "05_benchmarks", gaps=pd.DataFrame({"kpi": ["aht_s"], "value": [300.0]}))
    clear_results(store)
    assert read_findings(store) == [] and stages_recorded(store) == set()
    assert not store.has(result_table("05_benchmarks", "gaps"))


def test_a_stage_opened_alone_names_the_stage_to_run_and_creates_no_store(tmp_path):
    from conftest import SAMPLE_CONFIG, load_into_store

    from csperf_lib.stages.context import stage_context

    (tmp_path / "calls.csv").write_text("Call ID,Start,Ans,Aband,Agent,Queue Time,Talk\n"
                                        "C1,05/01/2026 10:00:00,Y,N,A1,5,100\n", encoding="utf-8")
    (tmp_path / "surveys.csv").write_text("rid,call,csat,comment\nR1,C1,4,fine\n", encoding="utf-8")
    (tmp_path / "review.yaml").write_text(SAMPLE_CONFIG, encoding="utf-8")
    path = tmp_path / "store.duckdb"
    ctx = stage_context(tmp_path / "review.yaml", tmp_path / "run", f"duckdb://{path}", "2026-11-22", stage="03_quantitative")
    with pytest.raises(MissingStageError) as err:
        ctx.open_store()
    assert "run stage 00_collect first" in str(err.value) and not path.exists()
    config, store = load_into_store(tmp_path / "review.yaml", f"duckdb://{path}")  # collect and validate
    store.close()
    with ctx.open_store() as opened:  # stage 03 needs only what 01 stores
        assert opened.has("contacts")
    later = stage_context(tmp_path / "review.yaml", tmp_path / "run", f"duckdb://{path}", "2026-11-22", stage="05_benchmarks")
    with pytest.raises(MissingStageError, match="run stage 03_quantitative first"):
        later.open_store()
