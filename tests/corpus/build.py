"""Write the regression corpus of malformed and hostile inputs: ``python tests/corpus/build.py``.

Every case is a folder under ``cases/`` holding ``case.yaml`` (what it is and what must happen) and
the files it changes; the rest comes from ``base/`` (a small valid contacts + surveys export and its
``review.yaml``). ``tests/test_corpus.py`` runs each case through ``csperf config-check --data``
(collect and validate) and the hostile ones, together, through a full review.

``case.yaml`` fields:

about       what the case is, in one line
item        the issue-20 item it pins (0 for the everyday faults)
config      changes to the base review.yaml (a mapping merged key by key; null deletes a key), or
config_text the whole review.yaml as text (for configs that are not valid YAML)
args        extra command-line arguments ({work} is the case's folder)
command     "review" to run ``csperf review`` instead (for cases about its own arguments, which fail
            before any stage runs)
config_arg  what to pass as --config instead of the case's review.yaml ("folder": the case folder)
exit        the expected exit code
line        for a non-zero exit, a regular expression the one error line must match
rows        per table [rows in, usable, quarantined]
values      [{table, row, column, equals}]: a stored usable value (row = record number in the source)
quarantined [{table, row, reason}]: a quarantined record and a regular expression its reasons match
assumed     regular expressions that must each match one assumption of the manifest
absent      strings that must appear in no output (personal data and credentials)
absent_html markup that must appear in no HTML page unescaped
formulas    values that no spreadsheet output may hold as a formula (or a CSV cell starting with =, +, -, @)

Cases with any of the last three are hostile: ``hostile_review/`` holds one export carrying every
hostile value of them at once, which the slow test runs through the full review.

The files are written once and committed; this script is how they were made, kept so that a case
can be regenerated or added the same way. Binary files (Excel, Parquet, garbage) are generated
here with a fixed seed.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import random
import shutil
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
BASE = HERE / "base"
CASES = HERE / "cases"


def base_rows(name: str) -> list[list[str]]:
    with open(BASE / name, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def to_csv(rows: list[list[str]], *, delimiter: str = ",", newline: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue()


def edited(name: str, changes: dict[int, dict[str, str]]) -> str:
    """A base file with some cells changed: {record number: {header: value}}."""
    rows = base_rows(name)
    header = rows[0]
    for record, cells in changes.items():
        for column, value in cells.items():
            rows[record][header.index(column)] = value
    return to_csv(rows)


def contacts_with(changes: dict[int, dict[str, str]]) -> str:
    return edited("contacts.csv", changes)


def surveys_with(changes: dict[int, dict[str, str]]) -> str:
    return edited("surveys.csv", changes)


def case(name: str, about: str, *, item: int = 0, files: dict[str, str | bytes] | None = None, **expect) -> None:
    folder = CASES / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for file, content in (files or {}).items():
        path = folder / file
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    spec = {"about": about, "item": item, **expect}
    (folder / "case.yaml").write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=110),
                                      encoding="utf-8")


def ok(contacts=(60, 60, 0), surveys=(30, 30, 0)) -> dict:
    return {"exit": 0, "rows": {"contacts": list(contacts), "surveys": list(surveys)}}


def xlsx(sheets: dict[str, list[list]], *, merged: str | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.properties.created = datetime.datetime(2026, 1, 1)  # the same bytes on every build (see _fixed_zip)
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if merged and title == next(iter(sheets)):
            sheet.merge_cells(merged)
    out = io.BytesIO()
    book.save(out)
    return _fixed_zip(out.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The workbook with its save time and its zip entries' times fixed: the same bytes on every build."""
    import re
    import zipfile

    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", content)
            target.writestr(zipfile.ZipInfo(item.filename, date_time=(2026, 1, 1, 0, 0, 0)), content,
                            compress_type=zipfile.ZIP_DEFLATED)
    return fixed.getvalue()


def parquet(rows: list[list[str]]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    header, body = rows[0], rows[1:]
    table = pa.table({name: [r[i] for r in body] for i, name in enumerate(header)})
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def everyday() -> None:
    contacts = (BASE / "contacts.csv").read_text(encoding="utf-8")
    lines = contacts.splitlines(keepends=True)
    case("empty_file", "a contacts export of zero bytes", files={"contacts.csv": ""},
         exit=1, line=r"contacts: contacts\.csv has no header line")
    case("header_only", "a contacts export with its header and no records", item=7, files={"contacts.csv": lines[0]},
         exit=1, line=r"contacts: contacts\.csv has a header line but no records")
    case("semicolon_delimiter", "fields split by ';' (detected)", files={"contacts.csv": contacts.replace(",", ";")},
         assumed=[r"delimiter ';' \(detected\)"], **ok())
    case("tab_delimiter", "fields split by tabs (detected)", files={"contacts.csv": contacts.replace(",", "\t")},
         assumed=[r"delimiter '\\t' \(detected\)"], **ok())
    case("wrong_delimiter_in_config", "the config says ';' but the file uses ','",
         config={"tables": {"contacts": {"source": {"delimiter": ";"}}}},
         exit=1, line=r"contacts: column\(s\) .* not found in contacts\.csv")
    case("utf8_bom", "a UTF-8 byte-order mark before the header", files={"contacts.csv": "\ufeff" + contacts}, **ok())
    case("crlf_line_ends", "Windows line ends", files={"contacts.csv": contacts.replace("\n", "\r\n")}, **ok(),
         values=[{"table": "contacts", "row": 60, "column": "abandoned", "equals": True}])
    case("no_final_newline", "the last record is whole but has no line break after it",
         files={"contacts.csv": contacts.rstrip("\n")}, **ok())
    case("truncated_last_line", "the export stops in the middle of its last record",
         files={"contacts.csv": contacts.rstrip("\n")[:-22]}, exit=0,
         rows={"contacts": [60, 59, 1], "surveys": [30, 30, 0]},
         quarantined=[{"table": "contacts", "row": 60, "reason": "the file ends inside this record"}])
    case("unbalanced_quote", "a quote opened in one record and never closed",
         files={"contacts.csv": "".join(lines[:10]) + lines[10].replace("Billing", '"Billing') + "".join(lines[11:])},
         exit=1, line=r"contacts: cannot read contacts\.csv: a quote is opened and never closed")
    surveys = base_rows("surveys.csv")
    surveys[3][4] = "Line one of the comment\nline two, with a comma"
    case("embedded_newline", "a quoted comment spanning two lines", files={"surveys.csv": to_csv(surveys)}, **ok(),
         values=[{"table": "surveys", "row": 3, "column": "comment",
                  "equals": "Line one of the comment\nline two, with a comma"}])
    case("duplicate_ids", "two records with the same contact id",
         files={"contacts.csv": contacts_with({12: {"Contact ID": "C1010"}})},
         exit=0, rows={"contacts": [60, 59, 1], "surveys": [30, 30, 0]},
         quarantined=[{"table": "contacts", "row": 12, "reason": "duplicate contact_id"}])
    rows = base_rows("contacts.csv")
    case("missing_column", "the config maps a column the export does not have",
         files={"contacts.csv": to_csv([r[:-1] for r in rows])},
         exit=1, line=r"column\(s\) 'Abandoned' \(for abandoned\) not found in contacts\.csv")
    case("extra_column", "the export has a column the config does not map",
         files={"contacts.csv": to_csv([r + (["Notes"] if i == 0 else ["n"]) for i, r in enumerate(rows)])}, **ok())
    renamed = [list(r) for r in rows]
    renamed[0][2] = "Agent"
    case("duplicate_mapped_column", "the header names the mapped column 'Agent' twice",
         files={"contacts.csv": to_csv(renamed)}, exit=1, line=r"'Agent' appear more than once in the header")
    twice = [r + ([("Notes")] * 2 if i == 0 else ["a", "b"]) for i, r in enumerate(rows)]
    case("duplicate_unmapped_column", "an unmapped column named twice in the header",
         files={"contacts.csv": to_csv(twice)}, **ok(), assumed=[r"column 'Notes' appears 2 times"])
    shifted = contacts_with({5: {"Queue": "Billing, refunds"}, 9: {"Queue": "Orders, web"}}).replace('"', "")
    case("unquoted_delimiter", "two records with an unquoted comma inside a value (one field too many)",
         files={"contacts.csv": shifted}, exit=0, rows={"contacts": [60, 58, 2], "surveys": [30, 30, 0]},
         quarantined=[{"table": "contacts", "row": 5, "reason": "the line has 10 fields, the header 9"}])
    case("stray_lines_above_header", "two report-title lines above the header",
         files={"contacts.csv": "Call report\nGenerated 2026-02-01 by ACD\n" + contacts}, **ok(),
         assumed=[r"skipped 2 line\(s\) before the header"])
    case("no_header_line", "an export without its header line, named by header_names in the config",
         files={"contacts.csv": "".join(lines[1:])},
         config={"tables": {"contacts": {"source": {"header_names": base_rows("contacts.csv")[0]}}}}, **ok(),
         values=[{"table": "contacts", "row": 1, "column": "contact_id", "equals": "C1000"}],
         assumed=[r"no header line: the 9 columns are named by the config"])
    long_text = ("The agent was helpful but the refund took weeks. " * 200)[:10_000]
    case("ten_thousand_characters", "a 10,000-character comment", files={"surveys.csv": surveys_with({4: {"Comment": long_text}})},
         **ok(), values=[{"table": "surveys", "row": 4, "column": "comment", "equals": long_text.strip()}])
    case("whitespace_padding", "values padded with spaces",
         files={"contacts.csv": contacts_with({7: {"Queue": "  Billing  ", "Wait (s)": " 42 "}})}, **ok(),
         values=[{"table": "contacts", "row": 7, "column": "queue", "equals": "Billing"},
                 {"table": "contacts", "row": 7, "column": "wait_s", "equals": 42.0}])
    case("bad_flag", "an answered flag that is neither yes nor no",
         files={"contacts.csv": contacts_with({8: {"Answered": "maybe"}})},
         exit=0, rows={"contacts": [60, 59, 1], "surveys": [30, 30, 0]},
         quarantined=[{"table": "contacts", "row": 8, "reason": "cannot read 'maybe' from 'Answered'"}])
    case("answered_and_abandoned", "a contact both answered and abandoned",
         files={"contacts.csv": contacts_with({11: {"Abandoned": "Y"}})},
         exit=0, rows={"contacts": [60, 59, 1], "surveys": [30, 30, 0]},
         quarantined=[{"table": "contacts", "row": 11, "reason": "abandoned contacts are not answered"}])
    case("unknown_contact_in_survey", "a survey about a contact the export does not have",
         files={"surveys.csv": surveys_with({6: {"Contact ID": "C9999"}})},
         exit=0, rows={"contacts": [60, 60, 0], "surveys": [30, 29, 1]},
         quarantined=[{"table": "surveys", "row": 6, "reason": "refers to an unknown contact"}])
    bad = {i: {"Wait (s)": "lots"} for i in range(1, 13)}
    case("below_threshold", "a fifth of the waits unreadable: below the 90 % usable threshold",
         files={"contacts.csv": contacts_with(bad)}, exit=1,
         line=r"contacts: 80\.0% of 60 rows usable, below the 90% threshold")


def dates_and_numbers() -> None:
    case("iso_mixed_with_day_first", "ISO dates beside dd/mm/yyyy ones: the ISO ones are never reordered", item=1,
         files={"contacts.csv": contacts_with({1: {"Arrived": "13/01/2026 09:00"}, 2: {"Arrived": "2026-01-06 09:30:00"}})},
         config={"period": {"start": "2025-01-01", "end": "2026-12-31"}}, **ok(),
         values=[{"table": "contacts", "row": 2, "column": "arrived_at", "equals": "2026-01-06 09:30:00"},
                 {"table": "contacts", "row": 1, "column": "arrived_at", "equals": "2026-01-13 09:00:00"}],
         assumed=[r"written in 2 ways"])
    case("three_date_formats", "ISO, day-first numeric and '6 Jan 2026' in one column",
         files={"contacts.csv": contacts_with({1: {"Arrived": "14/01/2026 10:15"}, 2: {"Arrived": "6 Jan 2026 11:00"},
                                               3: {"Arrived": "2026-01-07 08:45:00"}})}, **ok(),
         values=[{"table": "contacts", "row": 1, "column": "arrived_at", "equals": "2026-01-14 10:15:00"},
                 {"table": "contacts", "row": 2, "column": "arrived_at", "equals": "2026-01-06 11:00:00"},
                 {"table": "contacts", "row": 3, "column": "arrived_at", "equals": "2026-01-07 08:45:00"}],
         assumed=[r"written in 3 ways"])
    case("conflicting_date_orders", "day-first and month-first dates in one column: the ambiguous one is quarantined",
         item=1, files={"contacts.csv": contacts_with({1: {"Arrived": "13/01/2026 09:00"}, 2: {"Arrived": "01/14/2026 09:00"},
                                                       3: {"Arrived": "05/01/2026 09:00"}})},
         exit=0, rows={"contacts": [60, 59, 1], "surveys": [30, 30, 0]},
         values=[{"table": "contacts", "row": 1, "column": "arrived_at", "equals": "2026-01-13 09:00:00"},
                 {"table": "contacts", "row": 2, "column": "arrived_at", "equals": "2026-01-14 09:00:00"}],
         quarantined=[{"table": "contacts", "row": 3, "reason": "cannot read '05/01/2026 09:00'"}],
         assumed=[r"do not agree on the order of day and month"])
    case("impossible_date", "30 February", files={"contacts.csv": contacts_with({4: {"Arrived": "2026-02-30 10:00:00"}})},
         exit=0, rows={"contacts": [60, 59, 1], "surveys": [30, 30, 0]},
         quarantined=[{"table": "contacts", "row": 4, "reason": "cannot read '2026-02-30 10:00:00'"}])
    case("future_date", "a contact dated next year", files={"contacts.csv": contacts_with({4: {"Arrived": "2099-01-05 10:00:00"}})},
         config={"period": {"start": "2026-01-05", "end": "2099-12-31"}},
         exit=0, rows={"contacts": [60, 59, 1], "surveys": [30, 30, 0]},
         quarantined=[{"table": "contacts", "row": 4, "reason": "future"}])
    case("outside_period", "a contact before the review period",
         files={"contacts.csv": contacts_with({4: {"Arrived": "2025-12-01 10:00:00"}})},
         exit=0, rows={"contacts": [60, 59, 1], "surveys": [30, 30, 0]},
         quarantined=[{"table": "contacts", "row": 4, "reason": "outside the review period"}])
    case("negative_duration", "a negative wait", files={"contacts.csv": contacts_with({5: {"Wait (s)": "-5"}})},
         exit=0, rows={"contacts": [60, 59, 1], "surveys": [30, 30, 0]},
         quarantined=[{"table": "contacts", "row": 5, "reason": "wait_s: must be >= 0"}])
    case("textual_duration", "a wait written in words", files={"contacts.csv": contacts_with({5: {"Wait (s)": "about a minute"}})},
         exit=0, rows={"contacts": [60, 59, 1], "surveys": [30, 30, 0]},
         quarantined=[{"table": "contacts", "row": 5, "reason": "cannot read 'about a minute'"}])
    for name, value in (("infinite_duration", "inf"), ("huge_duration", "1e308"), ("minus_infinite_duration", "-inf")):
        case(name, f"a wait of {value} seconds", item=5, files={"contacts.csv": contacts_with({5: {"Wait (s)": value}})},
             exit=0, rows={"contacts": [60, 59, 1], "surveys": [30, 30, 0]},
             quarantined=[{"table": "contacts", "row": 5, "reason": "wait_s: must be"}])
    nulls = {3: {"Talk (s)": "NULL"}, 4: {"Talk (s)": "N/A"}, 5: {"Talk (s)": "-"}, 6: {"Talk (s)": "NaN"}}
    case("null_spellings", "NULL, N/A, - and NaN in a duration read as no value", item=7,
         files={"contacts.csv": contacts_with(nulls)}, **ok(), assumed=[r"'Talk \(s\)' spells no value as .*NULL ×1.* read as missing"],
         values=[{"table": "contacts", "row": 3, "column": "talk_s", "equals": None}])
    case("null_contact_id", "NULL as a contact id is no id", item=7,
         files={"contacts.csv": contacts_with({3: {"Contact ID": "NULL"}})},
         exit=0, rows={"contacts": [60, 59, 1], "surveys": [30, 29, 1]},
         quarantined=[{"table": "contacts", "row": 3, "reason": "contact_id: is missing"}])
    case("score_out_of_range", "CSAT 6 and 0 on a 1-5 scale",
         files={"surveys.csv": surveys_with({2: {"CSAT": "6"}, 3: {"CSAT": "0"}})},
         exit=0, rows={"contacts": [60, 60, 0], "surveys": [30, 28, 2]},
         quarantined=[{"table": "surveys", "row": 2, "reason": "csat: must be between 1 and 5"}])
    case("fractional_csat", "a CSAT of 4.5 on a scale answered in whole points: kept, and said", item=7,
         files={"surveys.csv": surveys_with({2: {"CSAT": "4.5"}})}, **ok(),
         assumed=[r"csat: 1 value\(s\) are not whole points on the 1-5 scale \(e\.g\. 4\.5\)"])
    case("decimal_comma", "durations written with a decimal comma in a ';' file",
         files={"contacts.csv": contacts_with({5: {"Wait (s)": "12,5"}}).replace(",", ";").replace("12;5", "12,5")},
         **ok(), values=[{"table": "contacts", "row": 5, "column": "wait_s", "equals": 12.5}])


def encodings_and_binaries() -> None:
    contacts = (BASE / "contacts.csv").read_text(encoding="utf-8")
    surveys = base_rows("surveys.csv")
    surveys[1][4] = "café naïve – £5"
    whole = to_csv(surveys)
    case("cp1252_file", "a whole file in Windows-1252", files={"surveys.csv": whole.encode("cp1252")}, **ok(),
         assumed=[r"encoding cp1252 \(detected\)"],
         values=[{"table": "surveys", "row": 1, "column": "comment", "equals": "café naïve – £5"}])
    surveys[2][4] = "Ça coûte 5 £"
    mixed = to_csv(surveys[:2]).encode("utf-8") + to_csv(surveys[2:3]).encode("cp1252") + to_csv(surveys[3:]).encode("utf-8")
    case("mixed_encodings", "one Windows-1252 row in a UTF-8 file: the UTF-8 text is not turned into mojibake", item=2,
         files={"surveys.csv": mixed}, **ok(), assumed=[r"mixed encodings: .* line\(s\) 3\b"],
         values=[{"table": "surveys", "row": 1, "column": "comment", "equals": "café naïve – £5"},
                 {"table": "surveys", "row": 2, "column": "comment", "equals": "Ça coûte 5 £"}])
    case("utf16_text", "Excel's 'Unicode text': UTF-16 with a byte-order mark, tab-separated",
         files={"contacts.csv": contacts.replace(",", "\t").encode("utf-16")}, **ok(),
         assumed=[r"encoding UTF-16"])
    case("unknown_encoding_name", "the config names an encoding that does not exist",
         config={"tables": {"contacts": {"source": {"encoding": "utf-9"}}}},
         exit=1, line=r"contacts: unknown encoding 'utf-9'")
    rng = random.Random(20)
    case("binary_garbage", "random bytes named contacts.csv", files={"contacts.csv": bytes(rng.randrange(256) for _ in range(4000))},
         exit=1, line=r"contacts: contacts\.csv is not a text export: it looks like binary data")
    rows = base_rows("contacts.csv")
    book = xlsx({"Calls": rows})
    case("excel_named_csv", "an Excel workbook saved with a .csv name", files={"contacts.csv": book},
         exit=1, line=r"is not a text export: it looks like an Excel workbook")
    numbered = [rows[0]] + [r[:5] + [int(r[5]), int(r[6]) if r[6] else None] + r[7:] for r in rows[1:]]
    notes = [["Exported from the ACD"], ["Filters: all queues"]]
    case("excel_two_sheets", "the calls are on the second sheet and the config names none", item=7,
         files={"contacts.xlsx": xlsx({"Notes": notes, "Calls": numbered})},
         config={"tables": {"contacts": {"source": {"file": "contacts.xlsx"}}}},
         exit=1, line=r"the columns are in row 1 of sheet 'Calls': set sheet: 'Calls'")
    case("excel_sheet_named", "the same workbook with the sheet named in the config",
         files={"contacts.xlsx": xlsx({"Notes": notes, "Calls": numbered})},
         config={"tables": {"contacts": {"source": {"file": "contacts.xlsx", "sheet": "Calls"}}}}, **ok())
    grouped = [["Call", None, "Routing", None, None, "Times", None, "Outcome", None]] + numbered
    case("excel_merged_group_header", "a merged group header above the real header", item=7,
         files={"contacts.xlsx": xlsx({"Calls": grouped}, merged="A1:B1")},
         config={"tables": {"contacts": {"source": {"file": "contacts.xlsx"}}}},
         exit=1, line=r"the columns are in row 2 of sheet 'Calls': set skip_rows: 1")
    case("corrupt_xlsx", "a workbook cut short", files={"contacts.xlsx": book[: len(book) // 2]},
         config={"tables": {"contacts": {"source": {"file": "contacts.xlsx"}}}},
         exit=1, line=r"contacts: cannot read contacts\.xlsx as Excel")
    table = parquet(rows)
    case("parquet_export", "the contacts as Parquet", files={"contacts.parquet": table},
         config={"tables": {"contacts": {"source": {"file": "contacts.parquet"}}}}, **ok())
    case("corrupt_parquet", "a Parquet file cut short", files={"contacts.parquet": table[: len(table) // 2]},
         config={"tables": {"contacts": {"source": {"file": "contacts.parquet"}}}},
         exit=1, line=r"contacts: cannot read contacts\.parquet as Parquet")


def config_mistakes() -> None:
    case("config_not_yaml", "a config that is not YAML", config_text="tables: [contacts\n  bad: :\n",
         exit=2, line=r"not valid YAML")
    case("config_empty", "an empty config file", config_text="", exit=2, line=r"must be a YAML mapping")
    case("config_a_list", "a config that is a YAML list", config_text="- contacts\n- surveys\n",
         exit=2, line=r"must be a YAML mapping")
    base_config = (BASE / "review.yaml").read_text(encoding="utf-8")
    case("config_impossible_period_end", "period.end: 2026-02-30", item=4,
         config_text=base_config.replace("end: 2026-01-31", "end: 2026-02-30"), exit=2, line=r"a date that does not exist")
    case("config_end_before_start", "the period ends before it starts",
         config={"period": {"start": "2026-02-01", "end": "2026-01-01"}}, exit=2, line=r"period: end 2026-01-01 is before start")
    case("config_unknown_table", "a table name that is not canonical",
         config={"tables": {"calls": {"source": {"file": "contacts.csv"}, "columns": {"contact_id": "Contact ID"}}}},
         exit=2, line=r"tables\.calls: not a canonical table")
    case("config_misspelt_column", "a canonical column name misspelt",
         config={"tables": {"contacts": {"columns": {"queue": None, "queu": "Queue"}}}},
         exit=2, line=r"queu")
    case("config_no_tables", "no tables at all", config={"tables": None}, exit=2, line=r"tables: required")
    case("config_organisation_list", "a list given as the organisation", item=7,
         config={"organisation": ["Corpus", "Centre"]}, exit=2, line=r"organisation: must be a name written as text, not a list")
    case("config_reviewer_number", "a number given as the reviewer", item=7,
         config={"reviewer": 42}, exit=2, line=r"reviewer: must be a name written as text, not 42")
    case("config_is_a_folder", "a folder given as --config", item=6, config_arg="folder",
         exit=2, line=r"is a folder, not a config file: name the review\.yaml in it")
    case("source_is_a_folder", "a folder given as a source file", item=6, files={"exports/.keep": ""},
         config={"tables": {"contacts": {"source": {"file": "exports"}, "columns": {"contact_id": "Contact ID"}}}},
         exit=2, line=r"tables\.contacts\.source\.file: .*exports is a folder, not a file")
    case("source_missing", "a source file that does not exist",
         config={"tables": {"contacts": {"source": {"file": "nowhere.csv"}}}}, exit=2, line=r"nowhere\.csv does not exist")
    case("config_password_in_store_url", "a password written into store.url",
         config={"store": {"url": "postgresql://csperf:hunter2@db.internal/review"}},
         exit=2, line=r"store\.url: contains a password", absent=["hunter2"])
    case("password_in_store_argument", "a password given in --store", item=7,
         args=["--store", "postgresql://csperf:hunter2@db.internal/review"],
         exit=2, line=r"contains a password", absent=["hunter2"])
    case("out_is_a_file", "--out names a file, not a folder", item=4, command="review", files={"reports": "a file"},
         args=["--out", "{work}/reports"], exit=2, line=r"--out: .*reports is a file")
    case("run_date_impossible", "--date 2026-02-30", item=4, command="review", args=["--date", "2026-02-30"],
         exit=2, line=r"'2026-02-30' is not a valid date")
    case("config_share_out_of_range", "min_usable_share of 1.5", config={"validation": {"min_usable_share": 1.5}},
         exit=2, line=r"validation\.min_usable_share: must be a proportion")
    case("config_unknown_format", "a source with an extension csperf cannot read",
         files={"contacts.dat": (BASE / "contacts.csv").read_text(encoding="utf-8")},
         config={"tables": {"contacts": {"source": {"file": "contacts.dat"}}}},
         exit=2, line=r"cannot tell the format of 'contacts\.dat'")
    case("config_unknown_section", "a misspelt section", config={"validaton": {"min_usable_share": 0.5}},
         exit=2, line=r"validaton")
    case("relative_sqlite_url", "a SQLite source named relative to the config, which does not exist", item=6,
         config={"tables": {"surveys": {"source": {"file": None, "sql": {"url": "sqlite:///surveys.sqlite",
                                                                         "query": "select * from surveys"}}}}},
         exit=2, line=r"the database file .*surveys\.sqlite does not exist")


def sqlite_bytes(rows: list[list[str]]) -> bytes:
    """A SQLite database file with one table ``surveys`` of ``rows`` (header first)."""
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "surveys.sqlite"
        with contextlib.closing(sqlite3.connect(path)) as con:
            names = ", ".join(f'"{c}"' for c in rows[0])
            con.execute(f"create table surveys ({names})")
            con.executemany(f"insert into surveys values ({', '.join('?' * len(rows[0]))})", rows[1:])
            con.commit()
        return path.read_bytes()


def databases() -> None:
    case("relative_sqlite_url_found", "a SQLite source named relative to the config's folder", item=6,
         files={"data/surveys.sqlite": sqlite_bytes(base_rows("surveys.csv"))},
         config={"tables": {"surveys": {"source": {"file": None, "sql": {"url": "sqlite:///data/surveys.sqlite",
                                                                         "query": "select * from surveys"}}}}},
         **ok())


def hostile() -> None:
    rows = base_rows("contacts.csv")
    header = rows[0]
    agents = {"A1": "jane.doe@example.com", "A2": "sam.lee@example.com"}
    emails = [[agents.get(v, v) if i == header.index("Agent") else v for i, v in enumerate(r)] for r in rows]
    case("email_agent_ids", "agent ids that are e-mail addresses", item=3, files={"contacts.csv": to_csv(emails)},
         **ok(), absent=["jane.doe@example.com", "sam.lee@example.com"])
    phone = contacts_with({i: {"Queue": "Call 07700 900123"} for i in range(1, 61, 3)})
    case("phone_in_queue", "a queue value holding a phone number", item=3, files={"contacts.csv": phone},
         **ok(), absent=["07700 900123"])
    headed = [r + (["bob.smith@example.com"] if i == 0 else ["x"]) for i, r in enumerate(rows)]
    case("email_header", "an e-mail address used as a column header", item=3, files={"contacts.csv": to_csv(headed)},
         **ok(), absent=["bob.smith@example.com"])
    case("lowercase_postcode", "a lower-case UK postcode in a comment", item=3,
         files={"surveys.csv": surveys_with({5: {"Comment": "Send it to postcode m1 1ae, Manchester"}})},
         **ok(), absent=["m1 1ae"])
    case("formula_injection", "spreadsheet formulas in a comment and a queue",
         files={"contacts.csv": contacts_with({2: {"Queue": "=1+1"}}),
                "surveys.csv": surveys_with({2: {"Comment": FORMULA}})},
         **ok(), formulas=["=1+1", FORMULA])
    case("markup_injection", "HTML in a comment and a team name",
         files={"contacts.csv": contacts_with({1: {"Team": "<b>North</b>"}}),
                "surveys.csv": surveys_with({1: {"Comment": "<script>alert(1)</script> rude"}})},
         **ok(), absent_html=["<script>alert(1)</script>", "<b>North</b>"])
    case("card_in_comment", "a card number and an IBAN in a comment",
         files={"surveys.csv": surveys_with({7: {"Comment": "Refund to 4111 1111 1111 1111 or GB82WEST12345698765432"}})},
         **ok(), absent=["4111 1111 1111 1111", "GB82WEST12345698765432"])
    case("handle_in_comment", "a social-media handle in a comment",
         files={"surveys.csv": surveys_with({8: {"Comment": "Ask @janedoe_77 about it"}})},
         **ok(), absent=["@janedoe_77"])


FORMULA = '=HYPERLINK("http://evil.example","click")'


def hostile_review() -> None:
    """One export carrying every hostile value of the hostile cases, for the full review."""
    folder = HERE / "hostile_review"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    shutil.copyfile(BASE / "review.yaml", folder / "review.yaml")
    rows = base_rows("contacts.csv")
    header = rows[0] + ["bob.smith@example.com"]
    agents = {"A1": "jane.doe@example.com", "A2": "sam.lee@example.com"}
    body = []
    for number, row in enumerate(rows[1:], start=1):
        row = [agents.get(v, v) if i == header.index("Agent") else v for i, v in enumerate(row)]
        if number % 3 == 1:
            row[header.index("Queue")] = "Call 07700 900123"
        if number == 2:
            row[header.index("Queue")] = "=1+1"
        if number == 1 and row[header.index("Team")]:
            row[header.index("Team")] = "<b>North</b>"
        body.append(row + ["x"])
    (folder / "contacts.csv").write_text(to_csv([header, *body]), encoding="utf-8")
    surveys = base_rows("surveys.csv")
    comments = {1: "<script>alert(1)</script> rude", 2: FORMULA, 5: "Send it to postcode m1 1ae, Manchester",
                7: "Refund to 4111 1111 1111 1111 or GB82WEST12345698765432", 8: "Ask @janedoe_77 about it"}
    for number, text in comments.items():
        surveys[number][4] = text
    (folder / "surveys.csv").write_text(to_csv(surveys), encoding="utf-8")


def main() -> None:
    if CASES.exists():
        shutil.rmtree(CASES)
    everyday()
    dates_and_numbers()
    encodings_and_binaries()
    config_mistakes()
    databases()
    hostile()
    hostile_review()
    print(f"{sum(1 for _ in CASES.iterdir())} cases written to {CASES}")


if __name__ == "__main__":
    main()
