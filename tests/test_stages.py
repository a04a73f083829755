"""Each stage notebook executed with papermill on small demo data; read back what it recorded
(the microsoft/recommenders pattern), then the whole review end to end through the command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import papermill as pm
import pytest
from conftest import ROOT

from csperf_lib.demo import generate_demo
from csperf_lib.summary import read_summary

pytestmark = pytest.mark.slow
NOTEBOOKS = ROOT / "notebooks"
DEMO_CONTACTS = 4_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return generate_demo(tmp_path_factory.mktemp("demo"), contacts=DEMO_CONTACTS, seed=11)


@pytest.fixture(scope="module")
def staged(demo, tmp_path_factory):
    """Run 00_collect and 01_validate into one run folder and one store."""
    run_dir = tmp_path_factory.mktemp("run")
    params = {
        "config_path": str(demo.config_path),
        "run_dir": str(run_dir),
        "store_url": f"duckdb://{run_dir / 'store.duckdb'}",
        "run_date": "2026-11-22",
    }
    for stage in ("00_collect", "01_validate"):
        pm.execute_notebook(
            str(NOTEBOOKS / f"{stage}.ipynb"),
            str(run_dir / f"{stage}.ipynb"),
            parameters=params,
            cwd=str(NOTEBOOKS),
            progress_bar=False,
            kernel_name="python3",
        )
    return run_dir


def test_collect_records_every_source_row(staged, demo):
    summary = read_summary(staged)
    sources = {s["table"]: s for s in summary["sources"]}
    assert set(sources) == set(demo.rows)
    for table, rows in demo.rows.items():
        assert sources[table]["rows_read"] == rows, table
        assert len(sources[table]["sha256"]) == 64
    manifest = json.loads((staged / "manifest.json").read_text())
    assert {m["table"] for m in manifest} == set(demo.rows)


def test_validate_accounts_for_every_row_and_finds_the_planted_bad_rows(staged, demo):
    summary = read_summary(staged)
    quarantine = pd.read_csv(staged / "quarantine.csv", encoding="utf-8-sig")
    for source in summary["sources"]:
        assert source["rows_in"] == source["rows_usable"] + source["rows_quarantined"], source
        held = quarantine[quarantine["table"] == source["table"]]
        assert len(held) == source["rows_quarantined"]
    planted_bad = sum(sum(entry["counts"].values()) for entry in demo.planted["bad_rows"].values())
    assert len(quarantine) >= 0.8 * planted_bad > 0
    reasons = " ".join(quarantine["reasons"])
    for words in ("must be >= 0", "duplicate contact_id", "refers to an unknown contact", "cannot read"):
        assert words in reasons, words
    validate_nb = json.loads((staged / "01_validate.ipynb").read_text())
    outputs = json.dumps([c.get("outputs", []) for c in validate_nb["cells"]])
    assert "image/png" in outputs  # the accounting chart and the quality heatmap were drawn


def test_review_end_to_end_through_the_command_line(demo, tmp_path):
    out = tmp_path / "reports"
    store = f"duckdb://{tmp_path / 'store.duckdb'}"
    cmd = [sys.executable, "-m", "csperf_lib", "review", "--config", str(demo.config_path),
           "--date", "2026-11-22", "--out", str(out), "--store", store, "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr
    folder = out / "2026-11-22"
    stages = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for stage in stages:
        assert (folder / f"{stage}.ipynb").is_file() and (folder / f"{stage}.html").is_file()
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["run_date"] == "2026-11-22"
    assert summary["period"] == {"start": demo.planted["period"]["start"], "end": demo.planted["period"]["end"]}
    for source in summary["sources"]:
        assert {"table", "location", "sha256", "rows_in", "rows_usable", "rows_quarantined"} <= set(source)
        assert source["rows_in"] == source["rows_usable"] + source["rows_quarantined"]
    index = (folder / "index.html").read_text()
    assert all(f"{stage}.html" in index for stage in stages)
    html = (folder / "01_validate.html").read_text()
    assert "check_usable_share(" not in html  # code is hidden
    assert not list(out.glob(".*partial*"))


def test_too_few_usable_rows_stops_with_one_line(demo, tmp_path):
    config = tmp_path / "strict.yaml"
    text = demo.config_path.read_text().replace("min_usable_share: 0.9", "min_usable_share: 0.9999")
    assert text != demo.config_path.read_text()
    # keep relative source paths working from the new folder
    text = text.replace("file: ", f"file: {demo.out_dir}/")
    config.write_text(text)
    cmd = [sys.executable, "-m", "csperf_lib", "review", "--config", str(config), "--date", "2026-11-22",
           "--out", str(tmp_path / "reports"), "--store", f"duckdb://{tmp_path / 's.duckdb'}", "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode != 0
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "01_validate" in lines[0] and "ValidationThresholdError" in lines[0] and "threshold" in lines[0]
    assert list((tmp_path / "reports").glob("2026-11-22.failed-*/01_validate.ipynb"))
    assert not (tmp_path / "reports" / "2026-11-22").exists()


def test_bad_source_file_is_one_clear_line(tmp_path):
    (tmp_path / "calls.csv").write_text("id,when\n1,2026-01-05\n", encoding="utf-8")
    (tmp_path / "review.yaml").write_text(
        "tables:\n  contacts:\n    source: {file: calls.csv}\n"
        "    columns: {contact_id: id, arrived_at: when, answered: Answered}\n"
    )
    cmd = [sys.executable, "-m", "csperf_lib", "review", "--config", str(tmp_path / "review.yaml"),
           "--out", str(tmp_path / "reports"), "--store", f"duckdb://{tmp_path / 's.duckdb'}", "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 1
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "'Answered' (for answered) not found in calls.csv" in lines[0]


def test_hostile_text_in_a_source_is_escaped_in_every_report(tmp_path):
    hostile = "<img src=x onerror=\"document.title='pwned'\">"
    rows = ["id,when,ans"] + [f"C{i},2026-01-05 10:{i:02d},Y" for i in range(40)] + [f"BAD,{hostile},Y"]
    (tmp_path / "calls.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "review.yaml").write_text(
        "organisation: \"<script>alert(1)</script> Ltd\"\n"
        "tables:\n  contacts:\n    source: {file: calls.csv}\n"
        "    columns: {contact_id: id, arrived_at: when, answered: ans}\n"
    )
    cmd = [sys.executable, "-m", "csperf_lib", "review", "--config", str(tmp_path / "review.yaml"), "--date", "2026-11-22",
           "--out", str(tmp_path / "reports"), "--store", f"duckdb://{tmp_path / 's.duckdb'}", "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "reports" / "2026-11-22"
    validate_html = (folder / "01_validate.html").read_text()
    assert "&lt;img src=x onerror" in validate_html  # shown, as text
    for page in folder.glob("*.html"):
        text = page.read_text()
        assert "<img src=x onerror" not in text, page.name
        assert "<script>alert(1)</script>" not in text, page.name
