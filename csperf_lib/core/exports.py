"""Files reviewers open in a spreadsheet: formula-safe CSV and Excel exports.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula
by spreadsheet programs (CSV/formula injection, OWASP). Text cells starting so are prefixed with a
single quote, which spreadsheets show as text. Numbers are left alone: only text is neutralised.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            text = series.astype("string")
            risky = text.str.startswith(FORMULA_STARTS).fillna(False).astype(bool)
            if risky.any():
                out[column] = text.where(~risky, "'" + text)
    return out


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a formula-safe UTF-8 CSV (with BOM, so spreadsheet programs detect the encoding)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralise_formulas(frame).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def write_xlsx(frame: pd.DataFrame, path: str | Path, *, sheet: str = "Sheet1") -> Path:
    """Write a formula-safe Excel workbook with one sheet (openpyxl): bold frozen header, sized columns.

    Text cells are neutralised as in :func:`neutralise_formulas` and stored as text (never as a
    formula, whatever they start with); numbers, booleans and timestamps keep their types; missing
    values are empty cells.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe = neutralise_formulas(frame)
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append([str(c) for c in safe.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.data_type = "s"
    datetimes = {i for i, c in enumerate(safe.columns) if pd.api.types.is_datetime64_any_dtype(safe[c].dtype)}
    for row in safe.itertuples(index=False, name=None):
        values = []
        for i, value in enumerate(row):
            if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
                values.append(None)
            elif i in datetimes:
                values.append(pd.Timestamp(value).to_pydatetime())
            elif hasattr(value, "item") and not isinstance(value, str):
                values.append(value.item())
            else:
                values.append(value)
        ws.append(values)
    for column_cells in ws.iter_cols(min_row=1, max_row=ws.max_row):
        for cell in column_cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text, even if it looks like a formula
            elif cell.is_date:
                cell.number_format = "yyyy-mm-dd hh:mm"
    for i, column in enumerate(safe.columns, start=1):
        width = max([len(str(column))] + [len(str(v)) for v in safe[column].head(200).tolist()])
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(max(width + 2, 8), 48)
    ws.freeze_panes = "A2"
    book.save(path)
    return path
