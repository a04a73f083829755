"""Collect and validate on small hand-made exports with known bad rows: exact row accounting."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from conftest import SAMPLE_CONFIG

from csperf_lib.core.config import load_config
from csperf_lib.core.errors import SourceError, ValidationThresholdError
from csperf_lib.ingest.manifest import read_manifest
from csperf_lib.ingest.readers import file_sha256
from csperf_lib.ingest.store import Store
from csperf_lib.stages.collect import collect
from csperf_lib.stages.validate import check_usable_share, validate

CALLS = """Call ID;Start;Ans;Aband;Agent;Queue Time;Talk;Team
C1;05/01/2026 09:00:00;Y;N;A1;0:00:10;120;Red
C2;05/01/2026 09:05:00;Y;N;A2;0:00:20;200;Red
C3;05/01/2026 09:10:00;N;Y;;0:01:30;;Blue
C4;05/01/2026 09:15:00;Y;Y;A1;0:00:05;90;Blue
C5;05/01/2026 09:20:00;Y;N;;0:00:05;90;Blue
C6;05/01/2026 09:25:00;Y;N;A2;-0:00:05;60;Red
C7;32/01/2026 09:30:00;Y;N;A2;0:00:05;60;Red
C2;05/01/2026 09:05:00;Y;N;A2;0:00:20;200;Red
C8;05/03/2026 09:00:00;Y;N;A1;0:00:05;60;Red
C9;05/01/2026 10:00:00;Y;N;A1;25:61:00;60;Red
C10;06/01/2026 10:00:00;Y;N;A1;0:00:07;70;Red
C11;06/01/2026 10:05:00;Y;N;A2;0:00:08;80;Blue
"""
SURVEYS = """rid,call,csat,comment
R1,C1,5,great
R2,C2,7,hmm
R3,C99,4,unknown call
R4,C10,,no score
R5,C11,3,=HYPERLINK("http://x")
"""


@pytest.fixture
def sources(tmp_path, write_yaml):
    (tmp_path / "calls.csv").write_text(CALLS, encoding="utf-8")
    (tmp_path / "surveys.csv").write_text(SURVEYS, encoding="utf-8")
    return load_config(write_yaml(SAMPLE_CONFIG))


def test_collect_records_provenance_and_never_touches_raw_files(sources, tmp_path):
    raw = tmp_path / "calls.csv"
    before = (file_sha256(raw), os.stat(raw).st_mtime_ns)
    with Store("duckdb://") as store:
        manifest = collect(sources, store)
        collected = store.to_pandas("collected_contacts")
        assert read_manifest(store)["sha256"].tolist() == manifest["sha256"].tolist()
    assert (file_sha256(raw), os.stat(raw).st_mtime_ns) == before
    contacts = manifest.set_index("table").loc["contacts"]
    assert contacts["rows_in"] == 12 and contacts["sha256"] == before[0]
    assert contacts["rows_with_parse_issues"] == 2  # 32/01 and 25:61:00
    assert "delimiter ';' (detected)" in contacts["assumptions"]
    # unmapped columns are kept for segmentation; "Team" would clash with canonical "team"
    assert "src_Team" in contacts["extra_columns"]
    assert collected["src_Team"].tolist()[:2] == ["Red", "Red"]


def test_every_bad_row_is_quarantined_with_its_reason(sources):
    with Store("duckdb://") as store:
        collect(sources, store)
        result = validate(sources, store)
        usable = store.to_pandas("contacts")
    accounting = result.accounting.set_index("table")
    for table in ("contacts", "surveys"):
        row = accounting.loc[table]
        assert row["rows_in"] == row["rows_usable"] + row["rows_quarantined"]
    reasons = result.quarantine.set_index(["table", "_row"])["reasons"]
    expect = {
        4: "abandoned contacts are not answered",  # C4 answered and abandoned
        5: "answered contacts have an agent",  # C5 answered, no agent
        6: "wait_s: must be >= 0",  # negative queue time
        7: "arrived_at: cannot read '32/01/2026 09:30:00'",
        8: "contact_id: duplicate contact_id of an earlier record",  # C2 again
        9: "arrived_at: is outside the review period",  # March
        10: "wait_s: cannot read '25:61:00'",
    }
    for row, words in expect.items():
        assert words in reasons.loc[("contacts", row)], (row, reasons.loc[("contacts", row)])
    assert set(reasons.loc["contacts"].index) == set(expect)
    assert "is missing" not in reasons.loc[("contacts", 7)]  # reported once, as unreadable
    grouped = result.failures.set_index(["table", "column", "check"])
    assert ("contacts", "arrived_at", "cannot read the value from 'Start' as datetime") in grouped.index
    assert sorted(usable["contact_id"]) == sorted(["C1", "C2", "C3", "C10", "C11"])
    survey_reasons = reasons.loc["surveys"]
    assert "csat: must be between 1 and 5" in survey_reasons.loc[2]
    assert "contact_id: refers to an unknown contact" in survey_reasons.loc[3]
    assert "at least one of csat, nps, ces is given" in survey_reasons.loc[4]
    assert set(survey_reasons.index) == {2, 3, 4}
    assert accounting.loc["contacts", "rows_usable"] == 5 and accounting.loc["surveys", "rows_usable"] == 2
    # record ids let a reviewer find the row at source
    assert set(result.quarantine.query("table == 'contacts'")["record_id"]) >= {"C4", "C5", "C2"}
    score = result.scorecard.set_index(["table", "column"])
    assert score.loc[("contacts", "contact_id"), "uniqueness"] == pytest.approx(11 / 12)
    assert score.loc[("contacts", "wait_s"), "completeness"] == pytest.approx(11 / 12)
    assert score.loc[("contacts", "arrived_at"), "timeliness"] == pytest.approx(10 / 11)
    assert result.authenticity["unchanged"].all()


def test_threshold_stops_with_one_line_naming_table_and_threshold(sources):
    with Store("duckdb://") as store:
        collect(sources, store)
        result = validate(sources, store)
    strict = result.accounting.assign(threshold=0.9, passed=lambda a: a["usable_share"] >= 0.9)
    with pytest.raises(ValidationThresholdError) as err:
        check_usable_share(strict)
    message = str(err.value)
    assert "contacts: 41.7% of 12 rows usable, below the 90% threshold" in message
    assert "\n" not in message
    check_usable_share(result.accounting)  # the config's 0.3 threshold passes


def test_authenticity_detects_a_changed_file(sources, tmp_path):
    with Store("duckdb://") as store:
        collect(sources, store)
        (tmp_path / "surveys.csv").write_text(SURVEYS + "R9,C1,4,late edit\n", encoding="utf-8")
        result = validate(sources, store)
    flags = result.authenticity.set_index("table")["unchanged"]
    assert bool(flags["contacts"]) is True and bool(flags["surveys"]) is False


def test_missing_mapped_column_is_one_clear_error(tmp_path, write_yaml):
    (tmp_path / "calls.csv").write_text("id,when\n1,2026-01-05\n", encoding="utf-8")
    config = load_config(
        write_yaml(
            "tables:\n  contacts:\n    source: {file: calls.csv}\n"
            "    columns: {contact_id: id, arrived_at: when, answered: Answered}\n"
        )
    )
    with Store("duckdb://") as store, pytest.raises(SourceError) as err:
        collect(config, store)
    assert "'Answered' (for answered) not found in calls.csv" in str(err.value)
    assert "\n" not in str(err.value)


def test_stray_lines_cp1252_and_literal_na(tmp_path, write_yaml):
    body = "Archive:  export.zip\n  inflating: calls.csv\nid;when;ans;queue\n1;2026-01-05 10:00;Y;Caf\xe9\n2;2026-01-05 11:00;N/A;N/A\n"
    (tmp_path / "calls.csv").write_bytes(body.encode("cp1252"))
    config = load_config(
        write_yaml(
            "tables:\n  contacts:\n    source: {file: calls.csv, na_values: ['N/A']}\n"
            "    columns: {contact_id: id, arrived_at: when, answered: ans, queue: queue}\n"
        )
    )
    with Store("duckdb://") as store:
        manifest = collect(config, store)
        rows = store.to_pandas("collected_contacts")
    assumptions = manifest.loc[0, "assumptions"]
    assert "encoding cp1252 (detected)" in assumptions
    assert "skipped 2 line(s) before the header (detected)" in assumptions
    assert rows["queue"].tolist()[0] == "Café"
    assert pd.isna(rows["answered"].tolist()[1])  # N/A is missing, not unreadable


def test_parquet_source_with_native_types(tmp_path, write_yaml):
    frame = pd.DataFrame(
        {
            "id": ["P1", "P2", "P3"],
            "started": pd.to_datetime(["2026-01-05 09:00", "2026-01-05 09:30", None]),
            "answered": [True, False, True],
            "wait": pd.to_timedelta([10, 95, None], unit="s"),
            "talk_min": [2.5, None, 1.0],
        }
    )
    frame.to_parquet(tmp_path / "calls.parquet")
    config = load_config(
        write_yaml(
            "period: {start: 2026-01-05, end: 2026-01-05}\n"
            "tables:\n  contacts:\n    source: {file: calls.parquet}\n"
            "    columns:\n      contact_id: id\n      arrived_at: started\n      answered: answered\n"
            "      wait_s: wait\n      talk_s: {column: talk_min, unit: minutes}\n"
        )
    )
    with Store("duckdb://") as store:
        manifest = collect(config, store)
        result = validate(config, store)
        usable = store.to_pandas("contacts").set_index("contact_id")
    assert manifest.loc[0, "format"] == "parquet" and manifest.loc[0, "rows_in"] == 3
    assert usable.loc["P1", "wait_s"] == 10.0 and usable.loc["P1", "talk_s"] == 150.0
    assert usable.loc["P2", "answered"] == False  # noqa: E712 (numpy bool)
    # P3 has no arrival time: quarantined, not dropped
    assert result.quarantine["record_id"].tolist() == ["P3"]
    assert "arrived_at: is missing" in result.quarantine["reasons"].iloc[0]


def test_quarantine_reasons_never_quote_personal_data(tmp_path, write_yaml):
    (tmp_path / "calls.csv").write_text(
        "id,when,ans\nC1,2026-01-05 10:00,Y\nC2,call jane.doe@example.com on 07700 900123,Y\n", encoding="utf-8"
    )
    config = load_config(write_yaml("tables:\n  contacts:\n    source: {file: calls.csv}\n    columns: {contact_id: id, arrived_at: when, answered: ans}\n"))
    with Store("duckdb://") as store:
        collect(config, store)
        result = validate(config, store)
        stored = store.to_pandas("quarantine")
    for reasons in (result.quarantine["reasons"], stored["reasons"]):
        text = " ".join(reasons)
        assert "jane.doe@example.com" not in text and "07700 900123" not in text
        assert "[EMAIL]" in text and "[PHONE]" in text


def test_a_personal_header_is_counted_once_however_many_chunks(tmp_path):
    """The headers are the same in every chunk: an e-mail used as a header is one header, not one per chunk."""
    from csperf_lib.core.config import load_config
    from csperf_lib.ingest.store import Store
    from csperf_lib.stages.collect import collect

    lines = ["id,when,ans,bob.smith@example.com"] + [f"C{i},2026-01-05 10:{i % 60:02d},Y,x" for i in range(50)]
    (tmp_path / "calls.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "review.yaml").write_text("tables:\n  contacts:\n    source: {file: calls.csv}\n"
                                          "    columns: {contact_id: id, arrived_at: when, answered: ans}\n", encoding="utf-8")
    with Store("duckdb://") as store:
        manifest = collect(load_config(tmp_path / "review.yaml"), store, chunk_size=10)
        columns = store.table("collected_contacts").columns
    said = [a for a in manifest.loc[0, "assumptions"] if "header" in a]
    assert said == ["1 column header(s) hold personal data (email): stored and shown redacted"]
    assert "[EMAIL]" in columns and not any("example.com" in c for c in columns)
