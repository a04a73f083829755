from __future__ import annotations

from pathlib import Path

import pytest

from csperf_lib.core.config import load_config, parse_config
from csperf_lib.core.errors import ConfigError

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


LATE_TYPOS = GOOD + """
kpis: {confidance: 0.9, custom: [{id: hold_rate, name: Holds, table: contcts}]}
staffing: {interval_minutes: 30, shrinkge: 0.3, service_level: 1.5}
sampling: {allocation: random}
text: {themes: {bills: {label: Bills, patterns: ["(unclosed"]}}}
recommendations: {min_evaluations: 1, rules: [{id: x, pattern: horoscope, kind: coaching, owner: me, action: a, options: []}]}
escalations: {recurence_window_days: 30}
complaints: {resolve_within_days: -3}
privacy: {key: X}
targets: {targets: [{kpi: aht_s, target: fast}], use_benchmark: true}
"""


def test_every_section_is_checked_at_load_with_its_key_path_and_a_suggestion(tmp_path, write_yaml):
    """A typo in staffing:, kpis:, targets: … is one clear error before any stage starts."""
    (tmp_path / "calls.csv").write_text("Call ID;Start;Ans;Queue\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(write_yaml(LATE_TYPOS))
    text = " | ".join(err.value.problems)
    for expected in (
        "kpis.confidance: unknown option (did you mean 'confidence'?)",
        "kpis.custom[0].table: must be 'contacts', 'surveys', 'qa_evaluations', 'complaints' or 'intervals' (got 'contcts')",
        "staffing.shrinkge: unknown option (did you mean 'shrinkage'?)",
        "staffing.service_level: must be less than 1 (got 1.5)",
        "sampling.allocation: must be 'proportional', 'neyman' or 'equal' (got 'random')",
        "text.themes.bills.patterns: '(unclosed' is not a valid regular expression",
        "recommendations.min_evaluations: must be greater than or equal to 2 (got 1)",
        "recommendations.rules[0].pattern: must be 'kpi_shortfall'",
        "recommendations.rules[0].options: at least two options are needed, to compare",
        "escalations.recurence_window_days: unknown option (did you mean 'recurrence_window_days'?)",
        "complaints.resolve_within_days: must be greater than 0 (got -3)",
        "privacy.key: unknown option (did you mean 'key_env'?)",
        "targets.targets[0].target: must be a number",
        "targets.use_benchmark: unknown option (did you mean 'use_benchmarks'?)",
    ):
        assert expected in text, expected
    assert len(err.value.problems) == 14


def test_what_only_a_module_can_judge_is_judged_before_any_stage(tmp_path, write_yaml):
    from csperf_lib.stages.config_check import check_config

    (tmp_path / "calls.csv").write_text("Call ID;Start;Ans;Queue\n", encoding="utf-8")
    text = GOOD + """
kpis:
  custom:
    - {id: long_wait_rate, name: Long waits, table: contacts, kind: proportion, numerator: {column: wait_seconds, gt: 60}}
targets: {targets: [{kpi: no_such_kpi, target: 1}]}
"""
    config = load_config(write_yaml(text))  # the shapes are right
    with pytest.raises(ConfigError) as err:
        check_config(config)
    joined = " | ".join(err.value.problems)
    assert "kpis.custom[0]" in joined and "wait_seconds" in joined
    assert "targets.targets[0]" in joined and "no_such_kpi" in joined
    # a channel staffing cannot model is declared with the staffing model, so it is refused at load
    with pytest.raises(ConfigError) as err:
        load_config(write_yaml(text + "staffing: {channels: [email]}\n"))
    joined = " | ".join(err.value.problems)
    assert "staffing.channels" in joined and "backlog" in joined


def test_the_config_schema_is_generated_and_every_shipped_config_fits_it(tmp_path):
    import json
    import subprocess
    import sys

    import jsonschema
    import yaml
    from conftest import ROOT

    done = subprocess.run([sys.executable, "-m", "csperf_lib", "config-schema"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert {"tables", "kpis", "targets", "staffing", "recommendations", "text", "escalations", "complaints", "privacy",
            "sampling"} <= set(schema["properties"])
    configs = sorted((ROOT / "examples").glob("*.yaml")) + [ROOT / "templates" / "review.yaml"]
    for path in [p for p in configs if p.is_file()]:
        raw = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
        jsonschema.validate(raw, schema)
    bad = {"tables": {}, "staffing": {"shrinkge": 0.3}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_csperf_review_stops_on_a_late_section_typo_before_any_stage(tmp_path, write_yaml):
    import subprocess
    import sys

    (tmp_path / "calls.csv").write_text("Call ID;Start;Ans;Queue\n", encoding="utf-8")
    config = write_yaml(GOOD + "staffing: {shrinkge: 0.3}\n")
    done = subprocess.run([sys.executable, "-m", "csperf_lib", "review", "--config", str(config), "--out",
                           str(tmp_path / "reports"), "--quiet"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "staffing.shrinkge: unknown option (did you mean 'shrinkage'?)" in lines[0]
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


def test_configs_in_folders_of_the_same_name_never_share_a_default_store(tmp_path) -> None:
    """Issue 20, item 6: demo/review.yaml here and data/raw/demo/review.yaml there used to share one store."""
    from csperf_lib.core.paths import default_store_url

    here = default_store_url(tmp_path / "demo" / "review.yaml", root=tmp_path)
    there = default_store_url(tmp_path / "data" / "raw" / "demo" / "review.yaml", root=tmp_path)
    assert here != there
    assert here == default_store_url(tmp_path / "demo" / "review.yaml", root=tmp_path)  # stable for one config
    assert "demo_review-" in here and here.endswith(".duckdb")


def test_local_database_urls_are_relative_to_the_config(tmp_path) -> None:
    from csperf_lib.core.config import local_database_url

    assert local_database_url("sqlite:///db/s.sqlite", tmp_path) == (f"sqlite:///{tmp_path}/db/s.sqlite", tmp_path / "db" / "s.sqlite")
    assert local_database_url("sqlite:////srv/s.sqlite", tmp_path)[1] == Path("/srv/s.sqlite")
    assert local_database_url("duckdb://store.duckdb", tmp_path)[0] == f"duckdb://{tmp_path}/store.duckdb"
    assert local_database_url("duckdb://", tmp_path) == ("duckdb://", None)
    assert local_database_url("postgresql://u@h/db", tmp_path) == ("postgresql://u@h/db", None)
