"""``csperf init``: profiling unknown exports, proposing mappings, writing a loadable review.yaml."""

from __future__ import annotations

import re

import pytest
import yaml

from csperf_lib.cli import main
from csperf_lib.core.config import load_config
from csperf_lib.core.errors import CsperfError, SourceError
from csperf_lib.ingest.autoconfig import init_config
from csperf_lib.ingest.config_writer import write_config
from csperf_lib.ingest.profiling import ExportProfile, inspect_export
from csperf_lib.ingest.proposal import propose_mapping
from tests.conftest import shared_path

CALLS_HEADER = "Call Id;Agent;Date;Time;Answered (Y/N);Talk time;Satisfaction rating"


def _calls(rows: int = 40, *, dates: list[str] | None = None) -> list[str]:
    dates = dates or [f"{(i % 28) + 1:02d}.01.2026" for i in range(rows)]
    lines = [CALLS_HEADER]
    for i in range(rows):
        answered = "Y" if i % 5 else "N"
        talk = f"12:0{i % 9}:{i % 60:02d} AM" if answered == "Y" else ""
        rating = str(i % 5 + 1) if answered == "Y" else ""
        lines.append(f"C{i:04d};Agent {i % 4};{dates[i]};09:{i % 60:02d}:00;{answered};{talk};{rating}")
    return lines


def _write(path, lines, *, encoding="utf-8", newline="\n", bom=False):
    data = newline.join(lines) + newline
    raw = data.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + raw)
    return path


# ------------------------------------------------------------------ detection


def test_bom_semicolon_crlf_and_column_types(tmp_path):
    path = _write(tmp_path / "calls.csv", _calls(), newline="\r\n", bom=True)
    profile = inspect_export(path)
    assert isinstance(profile, ExportProfile)
    assert (profile.format, profile.encoding, profile.delimiter) == ("csv", "utf-8-sig", ";")
    assert profile.line_endings == "CRLF"
    assert profile.skip_rows == 0
    assert profile.rows_sampled == 40 and profile.sample_complete
    types = {c.name: c.type for c in profile.columns}
    assert types["Call Id"] == "identifier"
    assert types["Agent"] == "categorical"
    assert types["Date"] == "date"
    assert types["Time"] == "time"
    assert types["Answered (Y/N)"] == "flag"
    assert types["Talk time"] == "duration"
    assert types["Satisfaction rating"] == "integer"
    answered = profile.column("Answered (Y/N)")
    assert answered.flag_values == ("Y", "N")
    talk = profile.column("Talk time")
    assert talk.value_format == "clock12"
    assert talk.blank_share == pytest.approx(0.2)
    assert talk.blank_when == "`Answered (Y/N)` = N"


def test_cp1252_and_tab_delimiter(tmp_path):
    lines = ["id\tcomment\tscore"] + [f"{i}\tTrès bien, café n°{i}\t{i % 5 + 1}" for i in range(30)]
    path = _write(tmp_path / "survey.tsv", lines, encoding="cp1252")
    profile = inspect_export(path)
    assert profile.encoding == "cp1252"
    assert profile.delimiter == "\t"
    assert profile.column("comment").examples[0].startswith("Très bien")


def test_stray_lines_before_the_header(tmp_path):
    lines = ["Report generated 2026-03-01 by ACD", "  page 1 of 1"] + [
        line.replace(";", ",") for line in _calls(30)
    ]
    path = _write(tmp_path / "calls.csv", lines)
    profile = inspect_export(path)
    assert profile.delimiter == ","
    assert profile.skip_rows == 2
    assert profile.stray_lines[0].startswith("Report generated")
    assert profile.columns[0].name == "Call Id"


@pytest.mark.parametrize(
    ("dates", "order", "fmt"),
    [
        (["13/01/2026", "02/01/2026", "03/02/2026"], "day-first", "%d/%m/%Y"),
        (["01/13/2026", "01/02/2026", "02/03/2026"], "month-first", "%m/%d/%Y"),
        (["2026-01-13", "2026-01-02", "2026-02-03"], "year-first", "%Y-%m-%d"),
        (["01/02/2026", "02/03/2026", "03/04/2026"], "undecidable", "%m/%d/%Y"),
        (["31-Jul-18", "01-Jun-18", "15-May-18"], "month name", "%d-%b-%y"),
    ],
)
def test_date_order_is_decided_from_the_data(tmp_path, dates, order, fmt):
    lines = ["ticket,opened"] + [f"T{i},{dates[i % 3]}" for i in range(30)]
    profile = inspect_export(_write(tmp_path / "t.csv", lines))
    col = profile.column("opened")
    assert col.type == "date"
    assert col.date_order == order
    assert col.date_format == fmt
    if order == "undecidable":
        assert "undecidable" in col.note


def test_datetime_with_am_pm_and_iso(tmp_path):
    lines = ["key,created,closed"] + [
        f"{i},05/{i % 28 + 1:02d}/2022 0{i % 9 + 1}:15:0{i % 10} PM,2022-05-{i % 28 + 1:02d}T10:00:00.000"
        for i in range(30)
    ]
    profile = inspect_export(_write(tmp_path / "x.csv", lines))
    assert profile.column("created").type == "datetime"
    assert profile.column("created").date_format == "%m/%d/%Y %I:%M:%S %p"
    assert profile.column("closed").date_format == "%Y-%m-%dT%H:%M:%S.%f"


def test_durations_times_and_day_fractions(tmp_path):
    lines = ["start;handle;frac;clock"] + [
        f"{8 + i % 9:02d}:{i % 60:02d}:00;0:0{i % 9}:{i % 60:02d};0.{384004629 + i:09d};"
        f"{1 + i % 11}:{i % 60:02d}:00 PM"
        for i in range(30)
    ]
    profile = inspect_export(_write(tmp_path / "d.csv", lines))
    assert profile.column("start").type == "time"
    assert profile.column("handle").type == "duration"
    assert profile.column("handle").value_format == "hh:mm:ss"
    frac = profile.column("frac")
    assert (frac.type, frac.value_format) == ("time", "day_fraction")
    clock = profile.column("clock")  # afternoon clock times are times of day, not durations
    assert (clock.type, clock.value_format) == ("time", "%I:%M:%S %p")


def test_percent_strings_and_thousands_separators(tmp_path):
    lines = ["day,Offered,Service Level"] + [
        f'{i},"{1 + i % 3},{i % 1000:03d}",{70 + i % 30}.{i % 100:02d}%' for i in range(30)
    ]
    profile = inspect_export(_write(tmp_path / "sl.csv", lines))
    assert profile.thousands == ","
    assert profile.decimal == "."
    assert profile.column("Offered").type == "integer"
    assert profile.column("Offered").maximum >= 1000
    assert profile.column("Service Level").type == "percent"


def test_decimal_comma_with_dot_thousands(tmp_path):
    lines = ["id;amount"] + [f"{i};{1 + i % 3}.{i:03d},{i % 100:02d}" for i in range(30)]
    profile = inspect_export(_write(tmp_path / "eu.csv", lines))
    assert (profile.decimal, profile.thousands) == (",", ".")
    assert profile.column("amount").type == "number"


def test_missing_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        inspect_export(tmp_path / "nope.csv")


def test_input_file_is_not_modified(tmp_path):
    path = _write(tmp_path / "calls.csv", _calls())
    before = path.read_bytes()
    init_config([path], out=tmp_path / "review.yaml")
    assert path.read_bytes() == before


# ------------------------------------------------------------------ proposals


def test_proposes_contacts_and_surveys_from_a_call_export(tmp_path):
    path = _write(tmp_path / "calls.csv", _calls())
    proposal = propose_mapping(inspect_export(path))
    contacts, surveys = proposal.tables
    assert contacts.table == "contacts" and surveys.table == "surveys"
    specs = {c.canonical: c for c in contacts.columns}
    assert specs["contact_id"].spec == "Call Id"
    assert specs["agent_id"].spec == "Agent"
    assert specs["answered"].spec == {"column": "Answered (Y/N)", "values": {"Y": True, "N": False}}
    assert specs["abandoned"].spec == {"column": "Answered (Y/N)", "values": {"Y": False, "N": True}}
    assert specs["talk_s"].spec == {"column": "Talk time", "format": "clock12"}
    assert specs["arrived_at"].spec == {"column": "Date", "format": "%d.%m.%Y", "time_column": "Time",
                                        "time_format": "%H:%M:%S"}
    assert specs["channel"].spec == {"value": "phone"}
    assert specs["contact_id"].confidence == "high"
    assert "name matches" in specs["contact_id"].evidence
    assert contacts.missing_required == ()
    assert surveys.skip_when_blank == ("csat",)
    assert surveys.column("csat").spec == "Satisfaction rating"
    assert surveys.column("response_id").spec == "Call Id"


def test_flags_with_other_words_get_a_values_mapping(tmp_path):
    lines = ["Complaint ID,Date received,Upheld"] + [
        f"{i},2026-01-{i % 28 + 1:02d},{'Not upheld' if i % 3 else 'Upheld'}" for i in range(30)
    ]
    proposal = propose_mapping(inspect_export(_write(tmp_path / "c.csv", lines)))
    table = proposal.tables[0]
    assert table.table == "complaints"
    assert table.column("upheld").spec == {
        "column": "Upheld", "values": {"Upheld": True, "Not upheld": False}
    }


def test_percent_column_gets_format_percent(tmp_path):
    lines = ["Interval;Offered;Answered;Service Level (20 Seconds)"] + [
        f"2026-01-01 {8 + i // 2:02d}:{30 * (i % 2):02d};{100 + i};{90 + i};{70 + i % 30}.5%"
        for i in range(20)
    ]
    proposal = propose_mapping(inspect_export(_write(tmp_path / "intervals.csv", lines)))
    table = proposal.tables[0]
    if table.table != "intervals":
        pytest.skip("this csperf has no intervals table")
    assert table.column("service_level").spec == {"column": "Service Level (20 Seconds)",
                                                  "format": "percent"}
    assert table.column("threshold_s").spec == {"value": 20}


def test_ambiguous_columns_are_commented_out_with_alternatives(tmp_path):
    lines = ["Call Id,Date,Answered,Agent,Agent Name"] + [
        f"C{i},2026-01-{i % 28 + 1:02d},Y,A{i % 3},B{i % 4}" for i in range(30)
    ]
    path = _write(tmp_path / "calls.csv", lines)
    proposal = propose_mapping(inspect_export(path))
    agent = proposal.tables[0].column("agent_id")
    assert not agent.active and agent.confidence == "low"
    assert {agent.source, *(a.source for a in agent.alternatives)} == {"Agent", "Agent Name"}
    out = tmp_path / "review.yaml"
    write_config(proposal, out=out)
    text = out.read_text()
    assert "      # agent_id: Agent\n" in text and "      # agent_id: Agent Name\n" in text
    assert "\n      agent_id:" not in text
    assert "ambiguous" in text
    assert "agent_id" not in {c.canonical for c in load_config(out).tables["contacts"].columns}


def test_missing_required_column_gets_a_todo(tmp_path):
    lines = ["Call Id,Agent,Answered"] + [f"C{i},A{i % 3},{'Y' if i % 2 else 'N'}" for i in range(30)]
    out = tmp_path / "review.yaml"
    written, _ = init_config([_write(tmp_path / "calls.csv", lines)], out=out)
    assert not written.loads
    assert "# TODO required column arrived_at" in out.read_text()
    assert any("arrived_at" in p for p in written.problems)


# ------------------------------------------------------------------ writing


def test_generated_config_loads_with_relative_paths(tmp_path):
    data = tmp_path / "exports"
    data.mkdir()
    path = _write(data / "calls.csv", _calls(), bom=True)
    out = tmp_path / "config" / "review.yaml"
    written, _ = init_config([path], out=out)
    assert written.loads, written.problems
    raw = yaml.safe_load(out.read_text())
    assert raw["tables"]["contacts"]["source"]["file"] == "../exports/calls.csv"
    config = load_config(out)
    assert config.tables["contacts"].path == path.resolve()
    assert config.tables["surveys"].skip_when_blank == ("csat",)
    assert out.read_text().startswith("# Generated by `csperf init`")


def test_refuses_to_overwrite_unless_forced(tmp_path):
    path = _write(tmp_path / "calls.csv", _calls())
    out = tmp_path / "review.yaml"
    out.write_text("organisation: mine\n")
    with pytest.raises(CsperfError, match="already exists"):
        init_config([path], out=out)
    assert out.read_text() == "organisation: mine\n"
    with pytest.raises(CsperfError, match="--force"):
        write_config(propose_mapping(inspect_export(path)), out=out)
    written, _ = init_config([path], out=out, force=True)
    assert written.loads and "organisation: mine" not in out.read_text()


def test_two_files_feed_two_tables(tmp_path):
    calls = _write(tmp_path / "calls.csv", _calls())
    complaints = _write(
        tmp_path / "complaints.csv",
        ["Complaint ID,Date received,Product,Consumer complaint narrative"]
        + [f"{i},2026-01-{i % 28 + 1:02d},P{i % 3},the agent was rude and did not call back "
           f"about case {i}" for i in range(30)],
    )
    written, _ = init_config([calls, complaints], out=tmp_path / "review.yaml")
    assert written.loads, written.problems
    assert set(load_config(written.path).tables) == {"contacts", "surveys", "complaints"}


# ------------------------------------------------------------------ command line


def test_cli_init_prints_a_summary_and_errors_in_one_line(tmp_path, capsys):
    path = _write(tmp_path / "calls.csv", _calls())
    out = tmp_path / "review.yaml"
    assert main(["init", "--from", str(path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "calls.csv -> contacts" in printed and "contact_id" in printed and "[high]" in printed
    assert load_config(out)
    assert main(["init", "--from", str(path), "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("csperf: error:") and "--force" in err and "\n" not in err
    assert main(["init", "--from", str(tmp_path / "missing.csv"), "--out", str(out), "--force"]) == 1
    assert "does not exist" in capsys.readouterr().err


# ------------------------------------------------------------------ real exports


def _real(tmp_path, *parts):
    path = shared_path("real-data", *parts)
    proposal = propose_mapping(inspect_export(path))
    written = write_config(proposal, out=tmp_path / "review.yaml")
    assert written.loads, written.problems
    config = load_config(written.path)
    return proposal, {
        table: {s.canonical: s for s in source.columns} for table, source in config.tables.items()
    }


@pytest.mark.parametrize(
    "name", ["call_center_dataset.xlsx", "call_center_dataset_semicolon_export.csv"]
)
def test_real_pwc(tmp_path, name):
    _, tables = _real(tmp_path, "pwc_callcentre", name)
    contacts, surveys = tables["contacts"], tables["surveys"]
    assert contacts["contact_id"].column == "Call Id"
    assert contacts["agent_id"].column == "Agent"
    assert contacts["answered"].column == "Answered (Y/N)"
    assert contacts["arrived_at"].column == "Date" and contacts["arrived_at"].time_column == "Time"
    assert contacts["wait_s"].column == "Speed of answer in seconds"
    assert contacts["talk_s"].column == "AvgTalkDuration"
    assert surveys["csat"].column == "Satisfaction rating"
    if name.endswith(".csv"):
        assert contacts["talk_s"].format == "clock12"
        assert contacts["arrived_at"].format == "%d.%m.%Y"
        assert contacts["arrived_at"].time_format == "day_fraction"


def test_real_cfpb(tmp_path):
    proposal, tables = _real(tmp_path, "cfpb_complaints", "complaints_sample.csv")
    assert proposal.profile.skip_rows == 2  # the unzip output above the header
    complaints = tables["complaints"]
    assert complaints["complaint_id"].column == "Complaint ID"
    assert complaints["received_at"].column == "Date received"
    assert complaints["text"].column == "Consumer complaint narrative"
    assert complaints["timely"].column == "Timely response?"


def test_real_alexa(tmp_path):
    proposal, tables = _real(tmp_path, "amazon_alexa_reviews", "amazon_alexa.tsv")
    assert (proposal.profile.encoding, proposal.profile.delimiter) == ("utf-8-sig", "\t")
    surveys = tables["surveys"]
    assert surveys["csat"].column == "rating"
    assert surveys["comment"].column == "verified_reviews"
    assert surveys["responded_at"].format == "%d-%b-%y"


@pytest.mark.parametrize(
    ("name", "key", "created", "closed", "borough"),
    [
        ("nyc311_web_export_2022-05-01.csv", "Unique Key", "Created Date", "Closed Date", "Borough"),
        ("nyc311_api_export_2024-05-27.csv", "unique_key", "created_date", "closed_date", "borough"),
    ],
)
def test_real_nyc311(tmp_path, name, key, created, closed, borough):
    proposal, tables = _real(tmp_path, "nyc311", name)
    complaints = tables["complaints"]
    assert complaints["complaint_id"].column == key
    assert complaints["received_at"].column == created
    assert complaints["resolved_at"].column == closed
    assert complaints["region"].column == borough
    if name.startswith("nyc311_web"):  # one day of May: the date order cannot be told
        assert proposal.profile.column(created).date_order == "undecidable"
        assert complaints["received_at"].format == "%m/%d/%Y %I:%M:%S %p"


def test_cli_init_never_leaves_a_config_that_keeps_no_row(tmp_path, capsys):
    """Issue 21: social-media threads were written as surveys without a score and init exited 0;
    the review then quarantined every row. Init now reads the exports through what it wrote, and a
    config under which a table keeps no row is moved aside as a draft, with one error line."""
    from csperf_lib.cli import _init_check

    lines = ["tweet_id,text"] + [f"{1000 + i},my phone {i} is broken" for i in range(30)]
    _write(tmp_path / "tweets.csv", lines)
    out = tmp_path / "review.yaml"
    out.write_text("tables:\n  surveys:\n    source: {file: tweets.csv}\n"
                   "    columns: {response_id: tweet_id, comment: text}\n", encoding="utf-8")
    with pytest.raises(CsperfError) as caught:
        _init_check(out)
    line = str(caught.value)
    assert "every row of surveys as unusable" in line and "at least one of csat, nps, ces" in line
    assert "review.draft.yaml" in line and "\n" not in line
    assert not out.exists() and (tmp_path / "review.draft.yaml").is_file()
    assert "surveys: 30 rows in, 0 usable" in capsys.readouterr().out


def test_cli_init_without_required_columns_exits_non_zero_keeping_the_draft(tmp_path, capsys):
    lines = ["Call Id,Agent,Answered"] + [f"C{i},A{i % 3},{'Y' if i % 2 else 'N'}" for i in range(30)]
    out = tmp_path / "review.yaml"
    assert main(["init", "--from", str(_write(tmp_path / "calls.csv", lines)), "--out", str(out)]) == 1
    line = capsys.readouterr().err.strip()
    assert line.startswith("csperf: error: no usable review yet:") and "arrived_at" in line and "\n" not in line
    assert "# TODO required column arrived_at" in out.read_text()


def test_cli_init_check_prints_the_rows_usable_per_table(tmp_path, capsys):
    out = tmp_path / "review.yaml"
    assert main(["init", "--from", str(_write(tmp_path / "calls.csv", _calls())), "--out", str(out), "--check"]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"contacts: [\d,]+ rows in, [\d,]+ usable", printed) and "next:" in printed
    assert main(["init", "--from", str(tmp_path / "calls.csv"), "--out", str(out), "--force", "--no-check"]) == 0
    assert "rows in" not in capsys.readouterr().out


def test_init_and_collect_read_a_mixed_encoding_file_alike(tmp_path):
    """Issue 20/21: init used to decide one encoding for the whole file (cp1252 for one pasted row)
    and write it into the config, which then turned every UTF-8 line into mojibake."""
    from csperf_lib.ingest.store import Store
    from csperf_lib.stages.collect import collect

    body = "Response ID,CSAT,Comment\n" + "".join(f"R{i},{1 + i % 5},café naïve {i}\n" for i in range(30))
    path = tmp_path / "mixed.csv"
    path.write_bytes(body.encode("utf-8") + "R99,3,Ça coûte 5 £\n".encode("cp1252"))
    written, _ = init_config([path], out=tmp_path / "review.yaml")
    text = written.path.read_text(encoding="utf-8")
    assert "encoding: cp1252" not in text and "# encoding: not set" in text
    with Store("duckdb://") as store:
        manifest = collect(load_config(written.path), store)
        comments = store.to_pandas("collected_surveys")["comment"].tolist()
    assert comments[0] == "café naïve 0" and comments[-1] == "Ça coûte 5 £"
    assert any("mixed encodings" in a and "line(s) 32)" in a for a in manifest.loc[0, "assumptions"])


def test_a_missing_header_line_is_found_and_no_record_is_lost(tmp_path):
    """Issue 21: a register exported without its header line lost its first case, and every column
    was named after one of its values."""
    lines = [f"{5000 + i},2026-01-{1 + i % 28:02d} 09:{i % 60:02d},Noise,{'BROOKLYN' if i % 2 else 'QUEENS'},"
             f"loud music at night {i}" for i in range(40)]
    path = _write(tmp_path / "requests.csv", lines)
    profile = inspect_export(path)
    assert profile.header_names and len(profile.header_names) == 5 and profile.rows_sampled == 40
    assert not any(name.startswith("5000") for name in profile.header_names)
    written, _ = init_config([path], out=tmp_path / "review.yaml")
    raw = yaml.safe_load(written.path.read_text(encoding="utf-8"))
    source = next(iter(raw["tables"].values()))["source"]
    assert source["header_names"] == list(profile.header_names)
    assert "has no header line" in written.path.read_text(encoding="utf-8")


def test_a_header_line_is_not_taken_for_a_record(tmp_path):
    for header in ("Call Id,Agent,Answered", "id,2019,2020"):  # names, even with years among them
        lines = [header] + [f"C{i},A{i % 3},{'Y' if i % 2 else 'N'}" for i in range(30)]
        assert not inspect_export(_write(tmp_path / "calls.csv", lines)).header_names, header


def test_cli_init_never_leaves_a_config_a_review_would_stop_on(tmp_path, capsys):
    """Issue 21: a written config whose table keeps some rows, but fewer than the review's threshold
    (an NPS score read as CSAT: most of 0-10 is off the 1-5 scale), passed init's check and then
    stopped the review at validate. Init applies the review's own threshold."""
    from csperf_lib.cli import _init_check

    lines = ["response_id,score"] + [f"R{i},{i % 11}" for i in range(44)]
    _write(tmp_path / "nps.csv", lines)
    out = tmp_path / "review.yaml"
    out.write_text("tables:\n  surveys:\n    source: {file: nps.csv}\n"
                   "    columns: {response_id: response_id, csat: score}\n", encoding="utf-8")
    with pytest.raises(CsperfError) as caught:
        _init_check(out)
    line = str(caught.value)
    assert "leaves 45.5% of the rows of surveys usable, below the 90% a review needs" in line  # 20 of 44
    assert "review.draft.yaml" in line and "\n" not in line
    assert not out.exists() and (tmp_path / "review.draft.yaml").is_file()
    assert "surveys: 44 rows in, 20 usable" in capsys.readouterr().out
