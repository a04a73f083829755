"""Team briefings and the action plan export (csperf_lib.report.briefing)."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from csperf_lib.report.briefing import (
    ACTION_COLUMNS,
    SECTION_HEADINGS,
    action_plan_export,
    slug,
    team_briefing,
    team_briefings,
    write_briefings,
)


def inputs():
    changes = pd.DataFrame(
        {
            "team": ["Kestrel", "Osprey", None, "Kestrel"],
            "text": [
                "Talk time has grown by about 1.4 % a week since January.",
                "Osprey-only change.",
                "Customers in Scotland rate satisfaction lower than elsewhere.",
                "AG027 keeps giving wrong information.",
            ],
            "why": [
                "Longer calls mean customers wait longer to get through.",
                "Osprey reason.",
                None,
                None,
            ],
            "agent_id": [None, None, None, "AG027"],  # an individual matter
        }
    )
    actions = pd.DataFrame(
        {
            "team": ["Kestrel", "Osprey", "all", "Kestrel"],
            "action": [
                "Use the new billing FAQ instead of holding to ask a colleague",
                "Osprey action",
                "Read the price-change briefing before each shift",
                "Coach AG027 on accuracy",
            ],
            "owner": ["Team leader", "Osprey lead", "Operations manager", "Team leader"],
            "review_date": ["2026-04-26", "2026-04-26", "2026-04-30", "2026-04-26"],
            "agent": [None, None, None, "AG027"],
        }
    )
    targets = pd.DataFrame(
        {
            "kpi": ["aht_s", "csat_mean", "service_level", "aht_s"],
            "label": ["Average handling time", "Customer satisfaction", "Calls answered in 20 s",
                      "Average handling time"],
            "target": [360.0, 4.0, 0.8, 360.0],
            "value": [402.0, 4.1, 0.76, 300.0],
            "status": ["not met", "met", "within tolerance", "met"],
            "unit": ["seconds", "score_1_5", "proportion", "seconds"],
            "team": ["Kestrel", None, None, "Osprey"],
        }
    )
    return changes, actions, targets


def test_note_has_the_five_parts_in_order_for_its_team_only():
    changes, actions, targets = inputs()
    note = team_briefing(
        "Kestrel", changes=changes, actions=actions, targets=targets,
        review_date="2026-04-26", organisation="Northwind", period="2026-01-05 to 2026-03-29",
    )
    positions = [note.index(f"## {h}") for h in SECTION_HEADINGS]
    assert positions == sorted(positions) and len(SECTION_HEADINGS) == 5
    assert note.startswith("# Team briefing: Kestrel\n")
    assert "Northwind" in note and "26 April 2026" in note
    assert "Talk time has grown" in note and "Scotland" in note  # own and shared changes
    assert "Longer calls mean customers wait longer" in note
    assert "Use the new billing FAQ" in note and "led by Team leader" in note
    assert "Read the price-change briefing" in note
    assert "Osprey" not in note  # another team's rows never appear
    assert "AG027" not in note  # individual rows are left out
    # targets: the team's own AHT row (6 min 42 s), shared rows for the rest
    assert "| Average handling time | 6 min 00 s | 6 min 42 s | not met |" in note
    assert "| Calls answered in 20 s | 80 % | 76 % | within tolerance |" in note
    assert "5 min 00 s" not in note  # Osprey's value
    assert len(note.splitlines()) < 60  # one page


def test_empty_inputs_still_give_five_plain_sections():
    note = team_briefing("Merlin", changes=None, actions=None, targets=None,
                         review_date=pd.Timestamp("2026-05-01"))
    for heading in SECTION_HEADINGS:
        assert f"## {heading}" in note
    assert "No targets have been set" in note and "1 May 2026" in note


def test_data_values_are_html_escaped_and_cannot_break_the_note():
    changes = pd.DataFrame({"team": ["<b>T</b>"], "text": ["<script>alert(1)</script> rose"],
                            "why": ["a | b\n## injected"]})
    actions = pd.DataFrame({"team": ["<b>T</b>"], "action": ["<img src=x onerror=alert(1)>"],
                            "owner": ["<i>boss</i>"]})
    targets = pd.DataFrame({"kpi": ["k"], "label": ["<script>x</script>"], "target": [1.0],
                            "value": ["<u>2</u>"], "status": ["<b>met</b>"]})
    note = team_briefing("<b>T</b>", changes=changes, actions=actions, targets=targets,
                         review_date="2026-04-26", organisation="<Org & Co>")
    assert "<script>" not in note and "<img" not in note and "<b>" not in note
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in note
    assert "&lt;img src=x onerror=alert(1)&gt;" in note
    assert "&lt;Org &amp; Co&gt;" in note
    assert "\n## injected" not in note  # a line break in a value cannot start a heading
    table_rows = [line for line in note.splitlines() if line.startswith("| &lt;script")]
    assert len(table_rows) == 1 and table_rows[0].count("|") == 5


def test_redacted_identifiers_never_appear():
    changes = pd.DataFrame({"team": ["Kestrel"], "text": ["Calls by AG027 and AG0271 were long"]})
    note = team_briefing("Kestrel", changes=changes, actions=None, targets=None,
                         review_date="2026-04-26", redact=["AG027", "AG0271"])
    assert "AG027" not in note and "a colleague and a colleague" in note


def test_team_briefings_and_safe_file_names(tmp_path):
    changes, actions, targets = inputs()
    notes = team_briefings(changes=changes, actions=actions, targets=targets,
                           review_date="2026-04-26")
    assert list(notes) == ["Kestrel", "Osprey"]
    assert "Kestrel" not in notes["Osprey"].split("\n", 1)[1]
    weird = {"../../etc/passwd": "x", "Équipe Nord": "y", "a/b": "z", "A B": "w", "": "v",
             "con": "u", "a b": "t"}
    paths = write_briefings({**notes, **weird}, tmp_path / "out")
    names = [p.name for p in paths]
    assert names[:2] == ["briefing_kestrel.md", "briefing_osprey.md"]
    assert "briefing_etc-passwd.md" in names and "briefing_equipe-nord.md" in names
    assert "briefing_team.md" in names and "briefing_a-b-2.md" in names
    assert len(set(names)) == len(names)
    for path in paths:
        assert path.parent == tmp_path / "out" and path.is_file()
        assert path.name.startswith("briefing_") and path.suffix == ".md"
        stem = path.stem[len("briefing_"):]
        assert stem and all(c.isascii() and (c.isalnum() or c == "-") for c in stem)
    assert (tmp_path / "out" / "briefing_kestrel.md").read_text(encoding="utf-8") == notes["Kestrel"]
    assert slug("  --Kestrel  Team!! ") == "kestrel-team"


def test_action_plan_export_is_formula_safe_and_csv_matches_xlsx(tmp_path):
    actions = pd.DataFrame(
        {
            "id": ["A1", "A2", "A3", "A4", "A5"],
            "team": ["Kestrel", "Osprey", "all", "Kestrel", "Merlin"],
            "action": ["=HYPERLINK(\"http://x\",\"click\")", "+1+1", "-2+3", "@SUM(A1:A2)",
                       "Plain action, with a comma"],
            "kind": ["coaching", "training", "process", "target", "staffing"],
            "owner": ["Team leader"] * 5,
            "priority": ["high", "medium", "low", "high", "medium"],
            "evidence": ["AHT −39 points", "n = 40", "p < 0.001", "\tTabbed", "ok"],
            "review_date": pd.to_datetime(["2026-04-26"] * 4 + [None]),
            "extra": ["not exported"] * 5,
        }
    )
    before = actions.copy(deep=True)
    xlsx, csv = action_plan_export(actions, tmp_path / "reports" / "2026-03-30")
    pd.testing.assert_frame_equal(actions, before)
    assert (xlsx.name, csv.name) == ("actions.xlsx", "actions.csv")
    assert xlsx.parent == csv.parent == tmp_path / "reports" / "2026-03-30"

    from_csv = pd.read_csv(csv, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    expected = ["id", "team", *ACTION_COLUMNS[1:]]
    assert list(from_csv.columns) == expected
    assert from_csv["action"].tolist()[:4] == [
        "'=HYPERLINK(\"http://x\",\"click\")", "'+1+1", "'-2+3", "'@SUM(A1:A2)"
    ]
    assert from_csv.loc[3, "evidence"] == "'\tTabbed"
    assert from_csv["status"].tolist() == ["open"] * 5

    book = load_workbook(xlsx)
    sheet = book.active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0] == expected
    for r in sheet.iter_rows(min_row=2):
        for cell in r:
            assert cell.data_type != "f"  # never a formula
    assert len(values) - 1 == len(from_csv) == 5
    for i, xl_row in enumerate(values[1:]):
        csv_row = from_csv.iloc[i]
        for name, value in zip(expected, xl_row, strict=True):
            if name == "review_date":
                text = "" if value is None else value.strftime("%Y-%m-%d")
                assert csv_row[name] == text
            else:
                assert csv_row[name] == ("" if value is None else str(value))


def test_action_plan_defaults_ids_and_requires_action(tmp_path):
    _, csv = action_plan_export(pd.DataFrame({"action": ["Do a thing", "Do another"]}), tmp_path)
    table = pd.read_csv(csv, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(table.columns) == list(ACTION_COLUMNS)
    assert table["id"].tolist() == ["A001", "A002"]
    with pytest.raises(ValueError):
        action_plan_export(pd.DataFrame({"what": ["x"]}), tmp_path)
