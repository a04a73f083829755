"""Shared fixtures: paths to ../shared (tests skip with a reason when it is absent) and small sources."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import nbformat
import pytest

# A pseudonymisation key file created by a test (csperf_lib.methods.privacy.read_or_create_key)
# goes to a throwaway folder, never the user's ~/.config; reviews run as subprocesses inherit it.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="csperf-test-config-")

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CSPERF_SHARED", ROOT.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or skip the test saying what is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared real/reference data is not beside this checkout")
    return path


@pytest.fixture
def write_yaml(tmp_path):
    """Write a review.yaml into tmp_path and return its path."""

    def _write(text: str, name: str = "review.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


PARAMETERS_SOURCE = "config_path = None\nrun_dir = None\nstore_url = None\nrun_date = None\n"


def make_stage(folder: Path, name: str, source: str, *, title: str | None = None) -> Path:
    """Write a minimal papermill-ready stage notebook ``folder/name.ipynb``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    parameters = nbformat.v4.new_code_cell(PARAMETERS_SOURCE)
    parameters.metadata["tags"] = ["parameters"]
    cells = [parameters, nbformat.v4.new_code_cell(source)]
    if title:
        cells.insert(0, nbformat.v4.new_markdown_cell(f"# {title}\n\nWhat this stage does."))
    nb.cells = cells
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


#: Config of the hand-made exports with planted bad rows (tests/test_collect_validate.py, the
#: PostgreSQL store test): calls.csv and surveys.csv beside it.
SAMPLE_CONFIG = """
organisation: Test Org
reviewer: Tester
period: {start: 2026-01-05, end: 2026-01-31}
validation: {min_usable_share: 0.3}
tables:
  contacts:
    source: {file: calls.csv}
    columns:
      contact_id: Call ID
      arrived_at: {column: Start, format: "%d/%m/%Y %H:%M:%S"}
      answered: Ans
      abandoned: Aband
      agent_id: Agent
      wait_s: Queue Time
      talk_s: Talk
      channel: {value: phone}
  surveys:
    source: {file: surveys.csv}
    columns: {response_id: rid, contact_id: call, csat: csat, comment: comment}
"""


def load_into_store(config_path: str | Path, url: str = "duckdb://"):
    """Collect and validate a config into a store; returns ``(config, store)`` (close the store)."""
    from csperf_lib.core.config import load_config
    from csperf_lib.ingest.store import Store
    from csperf_lib.stages.collect import collect
    from csperf_lib.stages.validate import validate

    config = load_config(config_path)
    store = Store(url)
    collect(config, store)
    validate(config, store)
    return config, store


def analyse_into_store(config, store, run_dir=None) -> None:
    """What stages 03, 04 and 05 store (findings and results), as their notebooks do."""
    from csperf_lib.core.results import save_results
    from csperf_lib.methods.escalations import escalation_findings, escalation_review
    from csperf_lib.methods.interval_review import intervals_review
    from csperf_lib.methods.privacy import privacy_settings
    from csperf_lib.stages.benchmarks import benchmark_findings, benchmark_review
    from csperf_lib.stages.benchmarks import stored_results as benchmark_results
    from csperf_lib.stages.qualitative import (
        prepared_texts,
        qualitative_findings,
        qualitative_review,
    )
    from csperf_lib.stages.qualitative import stored_results as qualitative_results
    from csperf_lib.stages.quantitative import quantitative_findings, quantitative_review
    from csperf_lib.stages.quantitative import stored_results as quantitative_results

    review = quantitative_review(store, config=config)
    intervals = intervals_review(store, config=config)
    save_results(store, "03_quantitative", **quantitative_results(review, intervals=intervals))
    quantitative_findings(review, config=config, intervals=intervals).save(store, run_dir)
    qualitative = qualitative_review(store, config=config)
    ledger = qualitative_findings(qualitative)
    escalations = escalation_review(store, config=config, pseudonym_key=privacy_settings(config)[0],
                                    codebook=qualitative.codebook, texts=prepared_texts(qualitative))
    escalation_findings(escalations, ledger=ledger)
    save_results(store, "04_qualitative", **qualitative_results(qualitative))
    ledger.save(store, run_dir)
    benchmark = benchmark_review(store, config=config, run_dir=run_dir)
    save_results(store, "05_benchmarks", **benchmark_results(benchmark))
    benchmark_findings(benchmark, config=config).save(store, run_dir)
