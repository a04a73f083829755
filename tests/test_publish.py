"""Atomic publish and the sweep of what killed runs leave behind (issue 20, item 6)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_stage

from csperf_lib.report import publish as publishing
from csperf_lib.report.publish import publish, sweep_stale


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def _report(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(text, encoding="utf-8")
    return folder


def test_publish_replaces_a_report_by_swapping_it(tmp_path: Path) -> None:
    final = _report(tmp_path / "2026-03-31", "old")
    partial = _report(tmp_path / f".2026-03-31.partial-{os.getpid()}", "new")
    publish(partial, final)
    assert (final / "index.html").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-03-31"]


def test_publish_without_the_swap_call_still_replaces(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(publishing, "_exchange", lambda first, second: False)
    final = _report(tmp_path / "2026-03-31", "old")
    publish(_report(tmp_path / f".2026-03-31.partial-{os.getpid()}", "new"), final)
    assert (final / "index.html").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-03-31"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is a Linux system call")
def test_the_swap_is_one_system_call_on_linux(tmp_path: Path) -> None:
    first, second = _report(tmp_path / "a", "a"), _report(tmp_path / "b", "b")
    assert publishing._exchange(first, second)
    assert (first / "index.html").read_text(encoding="utf-8") == "b"


def test_sweep_removes_dead_runs_work_and_restores_a_report_moved_aside(tmp_path: Path) -> None:
    dead, alive = _dead_pid(), os.getpid()
    _report(tmp_path / f".2026-03-30.partial-{dead}", "half")
    _report(tmp_path / f".2026-03-31.old-{dead}", "the previous report")  # killed between the two renames
    _report(tmp_path / f".2026-04-01.partial-{alive}", "a run in progress")
    _report(tmp_path / "2026-04-02", "kept")
    said = sweep_stale(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".2026-04-01.partial-{alive}", "2026-03-31", "2026-04-02"]
    assert (tmp_path / "2026-03-31" / "index.html").read_text(encoding="utf-8") == "the previous report"
    assert len(said) == 2 and any("restored" in s for s in said)


@pytest.mark.slow
def test_sigterm_leaves_no_partial_folder_and_exits_130(tmp_path: Path) -> None:
    (tmp_path / "calls.csv").write_text("id,when,ans\nC1,2026-01-05 10:00,Y\n", encoding="utf-8")
    config = tmp_path / "review.yaml"
    config.write_text("tables:\n  contacts:\n    source: {file: calls.csv}\n"
                      "    columns: {contact_id: id, arrived_at: when, answered: ans}\n", encoding="utf-8")
    stages = tmp_path / "notebooks"
    make_stage(stages, "00_slow", "import pathlib, time\npathlib.Path(run_dir, 'started').touch()\ntime.sleep(120)")
    out = tmp_path / "reports"
    cmd = [sys.executable, "-m", "csperf_lib", "review", "--config", str(config), "--date", "2026-03-31",
           "--out", str(out), "--notebooks", str(stages), "--store", f"duckdb://{tmp_path / 's.duckdb'}", "--quiet"]
    process = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    deadline = time.monotonic() + 120
    while not list(out.glob(".*/started")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(out.glob(".*/started")), "the stage never started"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert list(out.iterdir()) == [], [p.name for p in out.iterdir()]
