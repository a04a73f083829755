"""Tests of the review runner (:mod:`csperf_lib.report.runner`) on tiny dummy stage notebooks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from conftest import make_stage

from csperf_lib.core.errors import ConfigError, CsperfError, StageError
from csperf_lib.report.runner import RunResult, discover_stages, run_review

RUN_DATE = "2026-11-22"

COLLECT_SOURCE = """\
HIDDEN_SOURCE_MARKER_7731 = "collect"
from csperf_lib.core.summary_io import update_summary
update_summary(run_dir, sources=[{"table": "contacts", "location": "calls.csv", "format": "csv", "rows_read": 3, "rows_skipped": 0, "rows_in": 3}])
print("PARAMS", config_path, run_dir, store_url, run_date, sep="|")
print("<script>alert('pwned')</script>")
"""

VALIDATE_SOURCE = """\
print("validated OK")
"""

FAILING_SOURCE = """\
from csperf_lib.core.errors import ValidationThresholdError
print("about to fail")
raise ValidationThresholdError("contacts: 85.0 % usable rows is below the 90 % threshold")
"""


@pytest.fixture()
def config_path(tmp_path: Path) -> Path:
    """A minimal valid review.yaml with one tiny CSV export."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "calls.csv").write_text(
        "id,t,a\n1,2026-01-05 09:00,Y\n2,2026-01-05 09:05,N\n3,2026-01-06 10:00,Y\n",
        encoding="utf-8",
    )
    path = data / "review.yaml"
    path.write_text(
        "organisation: Acme <Support> & Co\n"
        "reviewer: Test Reviewer\n"
        "period: {start: 2026-01-05, end: 2026-01-11}\n"
        "tables:\n"
        "  contacts:\n"
        "    source: {file: calls.csv}\n"
        "    columns: {contact_id: id, arrived_at: t, answered: a}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture()
def stages(tmp_path: Path) -> Path:
    """Two passing stages."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    make_stage(folder, "00_collect", COLLECT_SOURCE, title="Collect the sources")
    make_stage(folder, "01_validate", VALIDATE_SOURCE)
    return folder


def run(config_path: Path, stages: Path, out: Path, **kw) -> RunResult:
    lines: list[str] = []
    kw.setdefault("log", lines.append)
    result = run_review(
        config_path,
        out_dir=out,
        run_date=RUN_DATE,
        notebooks_dir=stages,
        progress=False,
        **kw,
    )
    return result


def stage_outputs(notebook: Path) -> str:
    """All stream text printed by an executed notebook."""
    nb = nbformat.read(notebook, as_version=4)
    return "".join(
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )


def test_discover_stages_sorts_numerically(tmp_path: Path) -> None:
    for name in ("10_late.ipynb", "2_early.ipynb", "00_first.ipynb", "notes.ipynb", "03_x.txt"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "04_folder.ipynb").mkdir()
    assert [p.stem for p in discover_stages(tmp_path)] == ["00_first", "2_early", "10_late"]


def test_bad_config_raises_before_anything_runs(tmp_path: Path, stages: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("tables: {}\norganisaton: typo\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        run(bad, stages, tmp_path / "reports")
    assert not (tmp_path / "reports").exists()


def test_no_stage_notebooks_is_an_error(tmp_path: Path, config_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CsperfError, match="no stage notebooks"):
        run(config_path, empty, tmp_path / "reports")


def test_store_url_with_password_is_refused(
    tmp_path: Path, config_path: Path, stages: Path
) -> None:
    with pytest.raises(CsperfError, match="password"):
        run(config_path, stages, tmp_path / "reports", store_url="postgresql://u:secret@h/db")


def test_bad_run_date(tmp_path: Path, config_path: Path, stages: Path) -> None:
    with pytest.raises(CsperfError, match="not a date"):
        run_review(config_path, out_dir=tmp_path, run_date="2026-13-40", notebooks_dir=stages)


@pytest.mark.slow
def test_review_writes_a_complete_report(tmp_path: Path, config_path: Path, stages: Path) -> None:
    out = tmp_path / "reports"
    lines: list[str] = []
    result = run(config_path, stages, out, log=lines.append, store_url="duckdb:///tmp/x.duckdb")

    run_dir = out / RUN_DATE
    assert result.run_dir == run_dir.resolve()
    assert result.run_date == RUN_DATE
    assert [s.name for s in result.stages] == ["00_collect", "01_validate"]
    assert all(s.status == "ok" for s in result.stages)
    for name in ("00_collect", "01_validate"):
        assert (run_dir / f"{name}.ipynb").is_file()
        assert (run_dir / f"{name}.html").is_file()
    assert (run_dir / "index.html").is_file()
    assert result.summary_path == run_dir.resolve() / "summary.json"
    # nothing temporary left behind
    assert sorted(p.name for p in out.iterdir()) == [RUN_DATE]

    # progress lines
    assert "[1/2] 00_collect ..." in lines
    assert any(re.fullmatch(r"\[2/2\] 01_validate done in \d+\.\d s", line) for line in lines)

    # summary: the runner's keys and the stage's own key
    summary = json.loads(result.summary_path.read_text(encoding="utf-8"))
    assert summary["run_date"] == RUN_DATE
    assert summary["period"] == {"start": "2026-01-05", "end": "2026-01-11"}
    assert summary["organisation"] == "Acme <Support> & Co"
    assert summary["reviewer"] == "Test Reviewer"
    assert summary["csperf_version"]
    assert summary["config"] == str(config_path.resolve())
    assert summary["status"] == "complete"
    assert [(s["name"], s["status"]) for s in summary["stages"]] == [
        ("00_collect", "ok"),
        ("01_validate", "ok"),
    ]
    assert all(isinstance(s["seconds"], float) for s in summary["stages"])
    assert summary["sources"] == [{"table": "contacts", "location": "calls.csv", "format": "csv", "rows_read": 3,
                                   "rows_skipped": 0, "rows_in": 3}]

    # the parameters reached the notebook (run_dir was the temporary folder, then moved)
    printed = stage_outputs(run_dir / "00_collect.ipynb")
    params = next(line for line in printed.splitlines() if line.startswith("PARAMS|"))
    _, cfg, rdir, store, date = params.split("|")
    assert cfg == str(config_path.resolve())
    assert Path(rdir).is_absolute() and f".{RUN_DATE}.partial-" in rdir
    assert store == "duckdb:///tmp/x.duckdb"
    assert date == RUN_DATE

    # the HTML hides code but shows output, escapes printed markup, and loads nothing remote
    page = (run_dir / "00_collect.html").read_text(encoding="utf-8")
    assert "HIDDEN_SOURCE_MARKER_7731" not in page
    assert "PARAMS|" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "<title>Collect the sources" in page

    index = (run_dir / "index.html").read_text(encoding="utf-8")
    assert "Acme &lt;Support&gt; &amp; Co" in index
    assert "Acme <Support>" not in index
    for target in ("00_collect.html", "00_collect.ipynb", "01_validate.html", "summary.json"):
        assert f'href="{target}"' in index
    assert "2026-01-05 to 2026-01-11" in index
    assert RUN_DATE in index


@pytest.mark.slow
def test_failing_stage_keeps_previous_report(
    tmp_path: Path, config_path: Path, stages: Path
) -> None:
    out = tmp_path / "reports"
    good = run(config_path, stages, out)
    good_files = {p.name: p.read_bytes() for p in good.run_dir.iterdir()}

    make_stage(stages, "02_check", FAILING_SOURCE)
    with pytest.raises(StageError) as caught:
        run(config_path, stages, out)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("stage 02_check failed: ValidationThresholdError: contacts: 85.0 %")
    assert "\x1b[" not in message

    failed = [p for p in out.iterdir() if p.name.startswith(f"{RUN_DATE}.failed-")]
    assert len(failed) == 1
    assert re.fullmatch(rf"{RUN_DATE}\.failed-\d{{6}}", failed[0].name)
    assert f"{failed[0].name}/02_check.ipynb" in message.replace("\\", "/")
    assert (failed[0] / "02_check.ipynb").is_file()
    assert (failed[0] / "02_check.html").is_file()
    assert "about to fail" in stage_outputs(failed[0] / "02_check.ipynb")
    summary = json.loads((failed[0] / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "failed"
    assert summary["stages"][-1]["name"] == "02_check"
    assert summary["stages"][-1]["status"] == "failed"

    # the good report is untouched and no temporary folder is left
    assert {p.name: p.read_bytes() for p in good.run_dir.iterdir()} == good_files
    assert sorted(p.name for p in out.iterdir()) == sorted([RUN_DATE, failed[0].name])


@pytest.mark.slow
def test_second_run_same_date_replaces_the_report(
    tmp_path: Path, config_path: Path, stages: Path
) -> None:
    out = tmp_path / "reports"
    first = run(config_path, stages, out)
    (first.run_dir / "stale-marker.txt").write_text("from the first run")
    (stages / "01_validate.ipynb").unlink()

    second = run(config_path, stages, out)
    assert second.run_dir == first.run_dir
    assert not (second.run_dir / "stale-marker.txt").exists()
    assert not (second.run_dir / "01_validate.ipynb").exists()
    assert (second.run_dir / "00_collect.html").is_file()
    assert sorted(p.name for p in out.iterdir()) == [RUN_DATE]
