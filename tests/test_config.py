from __future__ import annotations

import pytest

from csperf_lib.config import load_config, parse_config
from csperf_lib.errors import ConfigError

GOOD = """
organisation: Test Org
reviewer: Tester
period: {start: 2026-01-01, end: 2026-01-31}
tables:
  contacts:
    source: {file: calls.csv, delimiter: ";"}
    columns:
      contact_id: Call ID
      arrived_at: {column: Start, format: "%d/%m/%Y %H:%M"}
      answered: {column: Ans, values: {"Y": true, "N": false}}
      wait_s: {column: Queue, format: "hh:mm:ss"}
      channel: {value: phone}
"""


def test_good_config_resolves_paths_and_specs(tmp_path, write_yaml):
    (tmp_path / "calls.csv").write_text("Call ID;Start;Ans;Queue\n", encoding="utf-8")
    config = load_config(write_yaml(GOOD))
    assert config.organisation == "Test Org"
    assert str(config.period_start) == "2026-01-01" and str(config.period_end) == "2026-01-31"
    source = config.tables["contacts"]
    assert source.path == (tmp_path / "calls.csv").resolve()
    assert source.format == "csv" and source.options["delimiter"] == ";"
    specs = {c.canonical: c for c in source.columns}
    assert specs["contact_id"].column == "Call ID"
    assert specs["arrived_at"].format == "%d/%m/%Y %H:%M"
    assert specs["channel"].column is None and specs["channel"].value == "phone"
    assert specs["answered"].values == {"Y": True, "N": False}
    assert config.validation.min_usable_share == 0.9


def test_every_problem_is_reported_at_once_with_its_key(write_yaml):
    bad = """
organisation: X
perod: {start: 2026-01-01}
period: {start: 2026-02-01, end: 2026-01-01}
validation: {min_usable_share: 1.5}
tables:
  contacts:
    source: {file: missing.csv, delimter: ","}
    columns:
      contact_id: ID
      arived_at: Start
      wait_s: {column: Q, format: "fortnights"}
  surveys:
    source: {sql: {url: "postgresql://u:secret@h/db", query: "select 1"}}
    columns: {response_id: R}
"""
    with pytest.raises(ConfigError) as err:
        load_config(write_yaml(bad))
    problems = err.value.problems
    text = " | ".join(problems)
    assert "perod: unknown section (did you mean 'period'?)" in text
    assert "period: end 2026-01-01 is before start 2026-02-01" in text
    assert "validation.min_usable_share" in text
    assert "tables.contacts.source.delimter: unknown option (did you mean 'delimiter'?)" in text
    assert "tables.contacts.source.file:" in text and "does not exist" in text
    assert "tables.contacts.columns.arived_at: not a canonical column of contacts (did you mean 'arrived_at'?)" in text
    assert "tables.contacts.columns.wait_s.format: 'fortnights' is not a duration format" in text
    assert "tables.contacts.columns.arrived_at: required column is not mapped" in text
    assert "tables.surveys.source.sql.url: contains a password" in text
    assert "secret" not in str(err.value)
    assert len(problems) >= 9


def test_no_primary_table_and_unknown_table(tmp_path):
    with pytest.raises(ConfigError) as err:
        parse_config({"tables": {"calls": {}}}, path=tmp_path / "r.yaml")
    text = str(err.value)
    assert "tables.calls: not a canonical table" in text
    assert "a review needs at least one of contacts, intervals, surveys, complaints" in text


def test_complaints_only_review_needs_no_contacts(tmp_path):
    (tmp_path / "c.csv").write_text("id,date\n1,2026-01-02\n", encoding="utf-8")
    config = parse_config(
        {"tables": {"complaints": {"source": {"file": "c.csv"},
                                   "columns": {"complaint_id": "id", "received_at": "date"}}}},
        path=tmp_path / "r.yaml",
    )
    assert set(config.tables) == {"complaints"}


def test_not_yaml_and_missing_file_are_one_clear_error(write_yaml, tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_config(write_yaml("tables: [unclosed\n  - x: {"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
