"""The regression corpus of malformed and hostile inputs (issue 20), run through the command line.

Each case under ``tests/corpus/cases/`` (made by ``tests/corpus/build.py``; its docstring describes
``case.yaml``) is laid over the valid base export in a temporary folder and run through
``csperf config-check --data``, which collects and validates every table into a store. For every
case: the exit code is the expected one; a failure prints exactly one ``csperf: error:`` line and
no traceback (any other exception fails the test); the raw files are byte-identical afterwards;
rows in = usable + quarantined with the expected counts; stored values are the ones the export
holds; and nothing listed under ``absent`` appears in what was printed or stored for a reader.

The hostile cases (those with ``absent``) are also merged into one review and run through every
stage (marked slow): no listed value may appear in any output file, and no spreadsheet cell of an
output may be a formula.
"""

from __future__ import annotations

import copy
import hashlib
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from csperf_lib.cli import main
from csperf_lib.ingest.store import Store

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES = sorted(p for p in (CORPUS / "cases").iterdir() if (p / "case.yaml").is_file())


def _spec(folder: Path) -> dict:
    return yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))


def _merge(base: dict, change: dict) -> dict:
    """``change`` laid over ``base`` key by key; a None value deletes the key."""
    out = copy.deepcopy(base)
    for key, value in change.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def lay_out(folder: Path, work: Path) -> Path:
    """The case's files over the base's in ``work``; the config path to pass."""
    spec = _spec(folder)
    shutil.copytree(CORPUS / "base", work, dirs_exist_ok=True)
    for path in folder.rglob("*"):
        if path.is_file() and path.name != "case.yaml":
            target = work / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    config = work / "review.yaml"
    if "config_text" in spec:
        config.write_text(spec["config_text"], encoding="utf-8")
    elif "config" in spec:
        base = yaml.safe_load(config.read_text(encoding="utf-8"))
        config.write_text(yaml.safe_dump(_merge(base, spec["config"]), sort_keys=False), encoding="utf-8")
    return work if spec.get("config_arg") == "folder" else config


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".duckdb" and ".wal" not in p.name}


def _assert_one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one error line, got:\n{err}"
    assert lines[0].startswith("csperf: error: ") and "Traceback" not in err
    return lines[0]


def _stored(store: Store, table: str, row: int, column: str):
    frame = store.to_pandas(table)
    match = frame[frame["_row"] == row]
    assert len(match) == 1, f"record {row} is not among the usable {table} rows"
    value = match[column].iloc[0]
    if pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return str(value)
    return value.item() if hasattr(value, "item") else value


def _check_store(spec: dict, store: Store) -> str:
    """Row accounting, stored values and quarantine reasons; the stored text a reader may see."""
    quarantine = store.to_pandas("quarantine") if store.has("quarantine") else pd.DataFrame(columns=["table", "_row", "reasons"])
    for table, (rows_in, usable, held) in (spec.get("rows") or {}).items():
        collected = store.count(f"collected_{table}")
        assert (collected, store.count(table), int((quarantine["table"] == table).sum())) == (rows_in, usable, held), table
        assert collected == usable + held
    for expected in spec.get("values") or []:
        got = _stored(store, expected["table"], expected["row"], expected["column"])
        assert got == expected["equals"], f"{expected}: stored {got!r}"
    for expected in spec.get("quarantined") or []:
        reasons = quarantine[(quarantine["table"] == expected["table"]) & (quarantine["_row"] == expected["row"])]["reasons"]
        assert len(reasons) == 1, f"record {expected['row']} of {expected['table']} is not quarantined"
        assert re.search(expected["reason"], reasons.iloc[0]), reasons.iloc[0]
    manifest = store.to_pandas("manifest")
    return " ".join([quarantine["reasons"].astype(str).str.cat(sep=" "), manifest.astype(str).to_string()])


@pytest.mark.parametrize("folder", CASES, ids=[p.name for p in CASES])
def test_corpus_case(folder: Path, tmp_path: Path, capsys) -> None:
    spec = _spec(folder)
    work = tmp_path / "case"
    config = lay_out(folder, work)
    before = _hashes(work)
    store_url = f"duckdb://{tmp_path / 'store.duckdb'}"
    args = [str(a).replace("{work}", str(work)) for a in spec.get("args") or ["--store", store_url]]
    if spec.get("command") == "review":  # a case about the review command's own arguments (it fails before any stage)
        argv = ["review", "--config", str(config), "--date", "2026-02-02", *args]
    else:
        argv = ["config-check", "--config", str(config), "--data", *args]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == spec["exit"], f"exit {code}, expected {spec['exit']}:\n{out}\n{err}"
    if code:
        line = _assert_one_error_line(err)
        assert re.search(spec["line"], line), line
    else:
        assert not err.strip(), err
    assert _hashes(work) == before, "a raw file was changed"
    shown = out + err
    if code == 0 or "rows" in spec:
        with Store(store_url) as store:
            shown += _check_store(spec, store)
        if "assumed" in spec:
            assumptions = [ln for ln in out.splitlines() if ln.startswith("  assumed for ")]
            for pattern in spec["assumed"]:
                assert any(re.search(pattern, a) for a in assumptions), f"no assumption matches {pattern!r}: {assumptions}"
    for value in spec.get("absent") or []:
        assert value not in shown, f"{value!r} reached the output"


def test_corpus_is_big_enough_and_pins_every_item() -> None:
    """Issue 20: at least 60 cases, and every numbered item pinned by at least one."""
    specs = [_spec(p) for p in CASES]
    assert len(specs) >= 60
    assert {s["item"] for s in specs} >= set(range(1, 8))
    assert all(s["exit"] == 0 or "line" in s for s in specs)


# --------------------------------------------------------------------------------------------
# the hostile values, all at once, through every stage

HOSTILE = CORPUS / "hostile_review"
RUN_DATE = "2026-02-02"


def _hostile_specs() -> list[dict]:
    return [s for s in map(_spec, CASES) if s["exit"] == 0 and (s.get("absent") or s.get("absent_html") or s.get("formulas"))]


def _values(key: str) -> list[str]:
    return list(dict.fromkeys(v for s in _hostile_specs() for v in s.get(key) or []))


def test_the_hostile_review_carries_every_hostile_value() -> None:
    """The full review below is only a proof if its export holds every hostile case's values."""
    import csv
    import io

    given = " ".join(cell for p in HOSTILE.glob("*.csv") for row in csv.reader(io.StringIO(p.read_text(encoding="utf-8")))
                     for cell in row)
    for value in _values("absent") + _values("absent_html") + _values("formulas"):
        assert value in given, f"{value!r} of a hostile case is missing from hostile_review/"


def _output_texts(folder: Path) -> dict[str, str]:
    """Every output file's text as a reader or a program would see it."""
    import subprocess
    import zipfile

    texts = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        name = str(path.relative_to(folder))
        if path.suffix in {".html", ".ipynb", ".json", ".csv", ".md", ".txt", ".yaml", ".svg"}:
            texts[name] = path.read_text(encoding="utf-8", errors="replace")
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                texts[name] = " ".join(book.read(n).decode("utf-8", "replace") for n in book.namelist() if n.endswith(".xml"))
        elif path.suffix == ".pdf" and shutil.which("pdftotext"):
            done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, timeout=120)
            texts[name] = done.stdout
    return texts


def _formula_cells(folder: Path) -> list[str]:
    """Spreadsheet cells of the outputs that a spreadsheet program would run as formulas."""
    import csv
    import io

    from openpyxl import load_workbook

    found = []
    for path in folder.rglob("*.csv"):
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            found += [f"{path.name}: {cell}" for cell in row if cell[:1] in ("=", "+", "@") or
                      (cell[:1] == "-" and not re.fullmatch(r"-[\d.,]+%?", cell))]
    for path in folder.rglob("*.xlsx"):
        book = load_workbook(path)
        for sheet in book.worksheets:
            found += [f"{path.name}: {c.value}" for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    return found


@pytest.mark.slow
def test_hostile_values_reach_no_output_of_a_full_review(tmp_path: Path) -> None:
    import subprocess
    import sys

    work = tmp_path / "hostile"
    shutil.copytree(HOSTILE, work)
    before = _hashes(work)
    cmd = [sys.executable, "-m", "csperf_lib", "review", "--config", str(work / "review.yaml"), "--date", RUN_DATE,
           "--out", str(tmp_path / "reports"), "--store", f"duckdb://{tmp_path / 'hostile.duckdb'}", "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert _hashes(work) == before, "a raw file was changed"
    report = tmp_path / "reports" / RUN_DATE
    texts = _output_texts(report)
    assert any(name.endswith(".pdf") for name in texts) or not shutil.which("pdftotext")
    leaks = [f"{value!r} in {name}" for name, text in texts.items() for value in _values("absent") if value in text]
    leaks += [f"{value!r} in {name}" for name, text in texts.items() if name.endswith(".html")
              for value in _values("absent_html") if value in text]
    leaks += [f"{value!r} in {name}" for name, text in texts.items() for value in ("alert(1)",)
              if name.endswith(".html") and "<script>alert(1)" in text]
    leaks += [f"{value!r} in {done.stderr!r}" for value in _values("absent") if value in done.stdout + done.stderr]
    assert not leaks, "\n".join(leaks)
    assert not _formula_cells(report), _formula_cells(report)
    # nothing left behind: no partial or old folders beside the report
    assert not [p.name for p in (tmp_path / "reports").iterdir() if p.name.startswith(".")]
