"""Tests of the ``csperf`` command line (:mod:`csperf_lib.cli`)."""

from __future__ import annotations

import subprocess
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import make_stage

import csperf_lib
import csperf_lib.report.runner
from csperf_lib.cli import main
from csperf_lib.core.errors import CsperfError


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


def assert_one_error_line(err: str) -> str:
    lines = error_lines(err)
    assert len(lines) == 1, err
    assert lines[0].startswith("csperf: error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture()
def config_path(tmp_path: Path) -> Path:
    (tmp_path / "calls.csv").write_text("id,t,a\n1,2026-01-05 09:00,Y\n", encoding="utf-8")
    path = tmp_path / "review.yaml"
    path.write_text(
        "organisation: CLI Test\n"
        "tables:\n"
        "  contacts:\n"
        "    source: {file: calls.csv}\n"
        "    columns: {contact_id: id, arrived_at: t, answered: a}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--help"], ["review", "demo-data", "examples:"]),
        (["review", "--help"], ["--config", "--date", "--out", "--store", "--quiet", "examples:"]),
        (["demo-data", "--help"], ["--out", "--contacts", "--seed", "--weeks", "examples:"]),
    ],
)
def test_help_explains_every_command(argv, expected, capsys) -> None:
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: csperf")
    for word in expected:
        assert word in out


def test_version(capsys) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"csperf {csperf_lib.__version__}"


def test_no_command_is_one_line(capsys) -> None:
    assert main([]) == 2
    assert "review" in assert_one_error_line(capsys.readouterr().err)


def test_unknown_command_is_one_line(capsys) -> None:
    assert main(["bogus"]) == 2
    assert_one_error_line(capsys.readouterr().err)


def test_bad_config_exit_2_one_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "review.yaml"
    bad.write_text("organisaton: typo\ntables:\n  contacts: 3\n", encoding="utf-8")
    assert main(["review", "--config", str(bad), "--out", str(tmp_path / "r")]) == 2
    line = assert_one_error_line(capsys.readouterr().err)
    assert "organisaton" in line and "did you mean 'organisation'" in line
    assert not (tmp_path / "r").exists()


def test_missing_config_one_line(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["review", "--config", str(missing)]) == 2
    line = assert_one_error_line(capsys.readouterr().err)
    assert "does not exist" in line


def test_missing_config_argument_one_line(capsys) -> None:
    assert main(["review"]) == 2
    assert "--config" in assert_one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("date", ["2026-02-30", "22.11.2026", "yesterday", "2026-1-5"])
def test_invalid_date_one_line(date, config_path: Path, capsys) -> None:
    assert main(["review", "--config", str(config_path), "--date", date]) == 2
    line = assert_one_error_line(capsys.readouterr().err)
    assert "--date" in line and "YYYY-MM-DD" in line


@pytest.mark.parametrize("period", ["{start: 2026-01-05, end: 2026-02-30}", "{start: 2026-13-01, end: 2026-12-31}"])
def test_impossible_date_in_the_config_is_one_line_exit_2(period, config_path: Path, tmp_path: Path, capsys) -> None:
    """Issue 20, item 4: PyYAML builds dates while parsing, so 2026-02-30 used to escape as a traceback."""
    config_path.write_text(config_path.read_text(encoding="utf-8") + f"period: {period}\n", encoding="utf-8")
    assert main(["review", "--config", str(config_path), "--out", str(tmp_path / "r")]) == 2
    line = assert_one_error_line(capsys.readouterr().err)
    assert "a date that does not exist" in line and "YYYY-MM-DD" in line
    assert not (tmp_path / "r").exists()


def test_out_naming_a_file_is_one_line(config_path: Path, tmp_path: Path, capsys) -> None:
    """Issue 20, item 4: --out naming an existing file used to raise FileExistsError."""
    taken = tmp_path / "reports"
    taken.write_text("not a folder", encoding="utf-8")
    # an argument error: exit 2, like every other usage error (issue 20, item 7)
    assert main(["review", "--config", str(config_path), "--out", str(taken)]) == 2
    line = assert_one_error_line(capsys.readouterr().err)
    assert "is a file" in line and "--out" in line
    assert taken.read_text(encoding="utf-8") == "not a folder"


def test_store_with_password_refused(config_path: Path, tmp_path: Path, capsys) -> None:
    argv = ["review", "--config", str(config_path), "--store", "postgresql://u:pw@h/db"]
    # the help says 2 for argument errors (issue 20, item 7: it used to exit 1)
    assert main([*argv, "--notebooks", str(tmp_path)]) == 2
    line = assert_one_error_line(capsys.readouterr().err)
    assert "password" in line and "pw@" not in line


def test_csperf_error_exit_1(monkeypatch, config_path: Path, capsys) -> None:
    def boom(*args, **kwargs):
        raise CsperfError("something\nwent wrong")

    monkeypatch.setattr(csperf_lib.report.runner, "run_review", boom)
    assert main(["review", "--config", str(config_path)]) == 1
    assert assert_one_error_line(capsys.readouterr().err) == "csperf: error: something went wrong"


def test_keyboard_interrupt_exit_130(monkeypatch, config_path: Path, capsys) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(csperf_lib.report.runner, "run_review", interrupted)
    assert main(["review", "--config", str(config_path)]) == 130
    err = capsys.readouterr().err
    assert err.strip() == "csperf: interrupted"


def test_review_passes_options(monkeypatch, config_path: Path, tmp_path: Path, capsys) -> None:
    seen = {}

    def fake_run_review(config, **kwargs):
        seen.update(kwargs, config=config)
        return types.SimpleNamespace(run_dir=tmp_path / "out" / "2026-03-31")

    monkeypatch.setattr(csperf_lib.report.runner, "run_review", fake_run_review)
    argv = ["review", "--config", str(config_path), "--date", "2026-03-31"]
    argv += ["--out", str(tmp_path / "out"), "--store", "duckdb:///x.duckdb", "--quiet"]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "out" / "2026-03-31")
    assert seen["config"] == str(config_path)
    assert seen["run_date"] == "2026-03-31"
    assert seen["out_dir"] == str(tmp_path / "out")
    assert seen["store_url"] == "duckdb:///x.duckdb"
    assert seen["progress"] is False


def test_demo_data(monkeypatch, tmp_path: Path, capsys) -> None:
    calls = {}

    @dataclass
    class FakeDemo:
        config_path: Path
        rows: dict

    def generate_demo(out, *, contacts, seed, weeks):
        calls.update(out=Path(out), contacts=contacts, seed=seed, weeks=weeks)
        return FakeDemo(Path(out) / "review.yaml", {"contacts": contacts, "surveys": 12})

    fake = types.ModuleType("csperf_lib.ingest.demo")
    fake.generate_demo = generate_demo
    monkeypatch.setitem(sys.modules, "csperf_lib.ingest.demo", fake)
    out = tmp_path / "demo"
    argv = ["demo-data", "--out", str(out), "--contacts", "500", "--seed", "3", "--weeks", "2"]
    assert main(argv) == 0
    assert calls == {"out": out, "contacts": 500, "seed": 3, "weeks": 2}
    printed = capsys.readouterr().out
    assert "contacts" in printed and "500" in printed and "surveys" in printed
    assert str(out / "review.yaml") in printed


def test_demo_data_rejects_zero_contacts(capsys) -> None:
    assert main(["demo-data", "--contacts", "0"]) == 2
    assert "--contacts" in assert_one_error_line(capsys.readouterr().err)


def test_python_m_bad_config_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "review.yaml"
    bad.write_text("tables: [\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "csperf_lib", "review", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    line = assert_one_error_line(proc.stderr)
    assert "not valid YAML" in line


@pytest.mark.slow
def test_review_end_to_end(config_path: Path, tmp_path: Path, capsys) -> None:
    stages = tmp_path / "notebooks"
    make_stage(stages, "00_hello", "print('hello from', run_date)")
    out = tmp_path / "reports"
    argv = ["review", "--config", str(config_path), "--date", "2026-03-31", "--out", str(out)]
    assert main([*argv, "--notebooks", str(stages), "--quiet"]) == 0
    captured = capsys.readouterr()
    run_dir = out / "2026-03-31"
    assert captured.out.strip() == str(run_dir.resolve())
    assert (run_dir / "index.html").is_file()
    assert (run_dir / "00_hello.html").is_file()

    make_stage(stages, "01_broken", "raise ValueError('\\x1b[31mbroken\\x1b[0m input')")
    assert main([*argv, "--notebooks", str(stages), "--quiet"]) == 1
    line = assert_one_error_line(capsys.readouterr().err)
    assert line.startswith("csperf: error: stage 01_broken failed: ValueError: broken input (see ")
    assert "2026-03-31.failed-" in line
    assert (run_dir / "00_hello.html").is_file()
