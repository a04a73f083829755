from __future__ import annotations

import json

import numpy as np
import pandas as pd

from csperf_lib.core.exports import neutralise_formulas, write_csv
from csperf_lib.core.summary_io import read_summary, update_summary
from csperf_lib.ingest.readers import decide_encoding, detect_layout, safe_location, scan_file


def test_formula_cells_are_neutralised_numbers_untouched(tmp_path):
    frame = pd.DataFrame(
        {"text": ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tcmd", "ok"], "n": [-1.5, 2, 3, 4, 5, 6]}
    )
    safe = neutralise_formulas(frame)
    assert safe["text"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\tcmd", "ok"]
    assert safe["n"].tolist() == frame["n"].tolist()
    assert frame["text"].iloc[0].startswith("=")  # the input is not mutated
    text = write_csv(frame, tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert "\n=" not in text and ",=" not in text


def test_summary_is_plain_json_and_updates_merge(tmp_path):
    update_summary(tmp_path, run_date="2026-11-22", kpis=pd.DataFrame({"kpi": ["a"], "value": [np.nan]}))
    summary = update_summary(tmp_path, sources=[{"rows": np.int64(3), "at": pd.Timestamp("2026-01-01")}])
    assert summary == read_summary(tmp_path)
    raw = json.loads((tmp_path / "summary.json").read_text())
    assert raw["run_date"] == "2026-11-22"
    assert raw["kpis"] == [{"kpi": "a", "value": None}]
    assert raw["sources"] == [{"rows": 3, "at": "2026-01-01T00:00:00"}]


def _encoding(tmp_path, data: bytes):
    """The encoding decision for a file holding ``data`` (readers.decide_encoding, as collect makes it)."""
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    return decide_encoding(data, scan_file(path))


def test_layout_detection_on_real_export_shapes(tmp_path):
    assert detect_layout("a;b;c\r\n1;2;3\r\n4;5;6\r\n") == (";", 0)
    assert detect_layout("a\tb\n1\t2\n") == ("\t", 0)
    stray = "Archive:  x.zip\n  inflating: y.csv\nDate,Product,Issue\n1,2,3\n4,\"5,5\",6\n"
    assert detect_layout(stray) == (",", 2)
    # one encoding decision for collect and init (it was detect_encoding on a sample)
    assert _encoding(tmp_path, "café au lait".encode()).read_as == "utf-8-sig"
    assert _encoding(tmp_path, "café au lait".encode("cp1252")).config_value == "cp1252"


def test_database_locations_lose_user_and_password():
    shown = safe_location("postgresql+psycopg://alice:s3cret@db.example:5432/cc")
    assert "s3cret" not in shown and "alice" not in shown and "db.example:5432/cc" in shown
