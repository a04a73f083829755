"""Tests of the assessment-criteria catalogue (csperf_lib/data/criteria.yaml), the evidence map
(notebooks/evidence_map.yaml) and the candidate-evidence templates (csperf_lib/data/candidate_evidence/).

Both YAML files ship with the repository, so these tests never skip; only the comparisons with the
unit documents themselves (codes, evidence requirements, copied wording) read ../shared/seeds and
skip when it is absent.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import pytest
import yaml
from conftest import shared_path

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "csperf_lib" / "data" / "criteria.yaml"
EVIDENCE_MAP = ROOT / "notebooks" / "evidence_map.yaml"
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = ROOT / "csperf_lib" / "data" / "candidate_evidence"

#: unit id -> number of criteria (performance + knowledge) and of knowledge criteria
COUNTS = {"CU852": 21, "CFACSD20": 21, "UNIT34": 28, "UNIT403": 16, "CFACC16": 27}
KNOWLEDGE_COUNTS = {"CU852": 7, "CFACSD20": 7, "UNIT34": 7, "UNIT403": 7, "CFACC16": 11}
#: unit id -> prefix of its source document in ../shared/seeds
SEED_PREFIX = {
    "CU852": "000_",
    "CFACSD20": "001_",
    "UNIT34": "002_",
    "UNIT403": "003_",
    "CFACC16": "004_",
}
KINDS = {"performance", "knowledge"}
STRENGTHS = {"evidenced", "partly"}
#: the evidence report (stage 07) is written after this map: its planned headings are accepted
#: before the notebook has them
EVIDENCE_REPORT = "07_evidence_report"
PLANNED_07_HEADINGS = {
    "Cover",
    "Executive summary",
    "Coverage of the assessment criteria",
    "Candidate recording form",
    "Appendix A: Methods and their sources",
    "Appendix B: Data-quality scorecard",
    "Appendix C: Glossary of KPIs",
}
TEMPLATE_FIELDS = (
    "Candidate",
    "Date",
    "Criteria covered",
    "What was done",
    "Outcome",
    "Signatures",
)
#: a run of more words than this shared with a unit document counts as copied wording
MAX_SHARED_WORDS = 12


@cache
def _load(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def catalogue() -> dict:
    return _load(CATALOGUE)


def evidence_map() -> dict:
    return _load(EVIDENCE_MAP)


def units() -> dict[str, dict]:
    return {u["unit"]: u for u in catalogue()["units"]}


def codes(unit: str) -> list[str]:
    return [c["code"] for c in units()[unit]["criteria"]]


def all_criteria() -> set[tuple[str, str]]:
    return {(u, c) for u in units() for c in codes(u)}


def section_strengths() -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for section in evidence_map()["sections"]:
        for unit, unit_codes in section["criteria"].items():
            for code in unit_codes:
                found[(unit, code)].add(section["strength"])
    return found


def candidate_entries() -> dict[tuple[str, str], dict]:
    return {(e["unit"], e["code"]): e for e in evidence_map()["candidate_evidence"]}


@cache
def notebook_headings(stage: str) -> tuple[str, ...]:
    """Markdown headings (text without the #'s) of notebooks/<stage>.ipynb, outside code fences."""
    nb = json.loads((NOTEBOOKS / f"{stage}.ipynb").read_text(encoding="utf-8"))
    headings = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        fenced = False
        for line in source.splitlines():
            if line.lstrip().startswith(("```", "~~~")):
                fenced = not fenced
                continue
            match = re.match(r"^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$", line)
            if match and not fenced:
                headings.append(match.group(1))
    return tuple(headings)


# ---------------------------------------------------------------------------------------------
# the catalogue
# ---------------------------------------------------------------------------------------------


def test_catalogue_loads_with_the_five_units():
    data = catalogue()
    assert data["version"] == 1
    ids = [u["unit"] for u in data["units"]]
    assert ids == list(COUNTS), ids
    for unit in data["units"]:
        for key in ("name", "title"):
            assert isinstance(unit[key], str) and unit[key].strip(), (unit["unit"], key)
        assert isinstance(unit.get("notes", []), list)
        assert isinstance(unit.get("evidence_requirements", []), list)


@pytest.mark.parametrize("unit", list(COUNTS))
def test_unit_has_exactly_its_criteria(unit):
    unit_codes = codes(unit)
    assert len(unit_codes) == COUNTS[unit]
    duplicates = [c for c, n in Counter(unit_codes).items() if n > 1]
    assert not duplicates, f"{unit}: codes repeated: {duplicates}"
    kinds = Counter(c["kind"] for c in units()[unit]["criteria"])
    assert set(kinds) <= KINDS, kinds
    assert kinds["knowledge"] == KNOWLEDGE_COUNTS[unit]


def test_codes_are_written_as_the_units_print_them():
    patterns = {
        "CU852": r"[1-3]\.\d",
        "CFACSD20": r"[PK]\d{1,2}",
        "UNIT34": r"[1-5]\.\d",
        "UNIT403": r"[1-3]\.\d",
        "CFACC16": r"PC \d{1,2}|K \([a-k]\)",
    }
    for unit, pattern in patterns.items():
        bad = [c for c in codes(unit) if not isinstance(c, str) or not re.fullmatch(pattern, c)]
        assert not bad, f"{unit}: codes not in the printed form: {bad}"


def test_every_criterion_has_a_short_one_line_paraphrase_and_an_outcome():
    for unit, info in units().items():
        for criterion in info["criteria"]:
            where = f"{unit} {criterion['code']}"
            assert set(criterion) <= {"code", "outcome", "paraphrase", "kind", "guidance"}, where
            assert isinstance(criterion["outcome"], str) and criterion["outcome"].strip(), where
            text = criterion["paraphrase"]
            assert isinstance(text, str) and text.strip(), where
            assert "\n" not in text and len(text) <= 120, (
                f"{where}: paraphrase must be one short line"
            )
            if "guidance" in criterion:
                assert isinstance(criterion["guidance"], str) and criterion["guidance"].strip(), (
                    where
                )


def test_evidence_requirement_refs_are_unique():
    for unit, info in units().items():
        refs = [r["ref"] for r in info.get("evidence_requirements", [])]
        assert len(refs) == len(set(refs)), unit
        assert all(isinstance(r, str) for r in refs), unit
        assert all(r["text"].strip() for r in info.get("evidence_requirements", [])), unit


# ---------------------------------------------------------------------------------------------
# against the unit documents (../shared/seeds)
# ---------------------------------------------------------------------------------------------


@cache
def _seed_text(unit: str) -> str:
    folder = shared_path("seeds")
    matches = sorted(folder.glob(f"{SEED_PREFIX[unit]}*.txt"))
    if not matches:
        pytest.skip(f"no {SEED_PREFIX[unit]}*.txt in {folder}")
    return matches[0].read_text(encoding="utf-8")


def _between(text: str, start: str, end: str | None) -> str:
    i = text.index(start)
    j = text.index(end, i) if end else len(text)
    return text[i:j]


def _seed_codes(unit: str) -> list[str]:
    text = _seed_text(unit)
    if unit in ("CU852", "UNIT34"):
        return re.findall(r"<p>(\d\.\d) ", text)
    if unit == "CFACSD20":
        return re.findall(r"^- ([PK]\d+) ", text, re.M)
    if unit == "UNIT403":
        return re.findall(r"(?<![\d.])(\d\.\d) [a-z]", text)
    pcs = re.findall(
        r"^- (\d+) ", _between(text, "Performance Criteria", "Knowledge and Understanding"), re.M
    )
    ks = re.findall(
        r"^- \(([a-k])\) ",
        _between(text, "Knowledge and Understanding", "Evidence Requirements"),
        re.M,
    )
    return [f"PC {n}" for n in pcs] + [f"K ({k})" for k in ks]


@pytest.mark.parametrize("unit", list(COUNTS))
def test_codes_match_the_unit_document(unit):
    assert _seed_codes(unit) == codes(unit)


def test_evidence_requirements_match_the_unit_documents():
    cu852 = _between(_seed_text("CU852"), "Evidence Requirements", None)
    assert [r["ref"] for r in units()["CU852"]["evidence_requirements"]] == re.findall(
        r"^(\d)\. ", cu852, re.M
    )
    cfacc16 = _between(_seed_text("CFACC16"), "Evidence Requirements", "Candidate Recording Form")
    assert [r["ref"] for r in units()["CFACC16"]["evidence_requirements"]] == re.findall(
        r"^- (\d) ", cfacc16, re.M
    )


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", re.sub(r"<[^>]+>", " ", text).lower())


def _our_texts() -> list[tuple[str, str]]:
    """Every sentence of prose in the catalogue and the map, with where it is."""
    texts = []
    for unit, info in units().items():
        texts += [(f"{unit} note", n) for n in info.get("notes", [])]
        texts += [
            (f"{unit} evidence requirement {r['ref']}", r["text"])
            for r in info.get("evidence_requirements", [])
        ]
        for c in info["criteria"]:
            texts.append((f"{unit} {c['code']} paraphrase", c["paraphrase"]))
            if "guidance" in c:
                texts.append((f"{unit} {c['code']} guidance", c["guidance"]))
    emap = evidence_map()
    texts += [("map note", n) for n in emap.get("notes", [])]
    texts += [
        (f"{s['stage']} / {s['heading']} note", s["note"])
        for s in emap["sections"]
        if s.get("note")
    ]
    texts += [(f"{e['unit']} {e['code']} why", e["why"]) for e in emap["candidate_evidence"]]
    return texts


def test_no_wording_is_copied_from_the_unit_documents():
    seed_words = [_words(_seed_text(unit)) for unit in COUNTS]
    n = MAX_SHARED_WORDS + 1
    shingles = {tuple(w[i : i + n]) for w in seed_words for i in range(len(w) - n + 1)}
    joined = [" " + " ".join(w) + " " for w in seed_words]
    copied = []
    for where, text in _our_texts():
        words = _words(text)
        if any(tuple(words[i : i + n]) in shingles for i in range(len(words) - n + 1)):
            copied.append(f"{where}: shares a run of {n}+ words with a unit document")
        # a whole paraphrase that is a criterion's text word for word, however short
        if where.endswith("paraphrase") and len(words) >= 5:
            if any(" " + " ".join(words) + " " in j for j in joined):
                copied.append(f"{where}: is the unit's own wording")
    assert not copied, "\n".join(copied)


# ---------------------------------------------------------------------------------------------
# the evidence map
# ---------------------------------------------------------------------------------------------


def test_evidence_map_loads():
    emap = evidence_map()
    assert emap["version"] == 1
    assert emap["sections"] and emap["candidate_evidence"] and emap["evidence_types"]
    for section in emap["sections"]:
        assert set(section) <= {
            "stage",
            "heading",
            "criteria",
            "requirements",
            "strength",
            "note",
            "needs",
        }, section
        from csperf_lib.core.tables import CANONICAL_TABLES

        for need in section.get("needs", []):
            assert all(t in CANONICAL_TABLES for t in need.split("|")), (section["heading"], need)
        assert re.fullmatch(r"\d\d_[a-z0-9_]+", section["stage"]), section["stage"]
        assert isinstance(section["heading"], str) and section["heading"].strip()
        assert section["strength"] in STRENGTHS, section
        assert isinstance(section["criteria"], dict) and section["criteria"], section
        for unit, unit_codes in section["criteria"].items():
            assert isinstance(unit_codes, list) and unit_codes, (section["heading"], unit)
            assert len(unit_codes) == len(set(unit_codes)), (section["heading"], unit)


def test_every_mapped_criterion_is_in_the_catalogue():
    known = all_criteria()
    unknown = [
        f"{s['stage']} / {s['heading']}: {u} {c}"
        for s in evidence_map()["sections"]
        for u, cs in s["criteria"].items()
        for c in cs
        if (u, c) not in known
    ]
    unknown += [
        f"candidate_evidence: {u} {c}" for (u, c) in candidate_entries() if (u, c) not in known
    ]
    assert not unknown, "\n".join(unknown)


def test_every_mapped_evidence_requirement_exists():
    refs = {
        u: {r["ref"] for r in info.get("evidence_requirements", [])} for u, info in units().items()
    }
    for section in evidence_map()["sections"]:
        for unit, unit_refs in section.get("requirements", {}).items():
            assert set(unit_refs) <= refs[unit], (section["heading"], unit, unit_refs)


def test_every_criterion_is_covered():
    """Each criterion is evidenced by a section, or the candidate is told what evidence to bring."""
    strengths = section_strengths()
    candidate = candidate_entries()
    uncovered = sorted(k for k in all_criteria() if not strengths.get(k) and k not in candidate)
    assert not uncovered, f"criteria in no section and no candidate evidence: {uncovered}"
    # honesty: a criterion only partly evidenced says what the candidate must add
    partly_only = sorted(
        k for k in all_criteria() if strengths.get(k) == {"partly"} and k not in candidate
    )
    assert not partly_only, f"partly evidenced but no candidate evidence named: {partly_only}"


def test_mapped_headings_are_real_headings_of_their_notebooks():
    problems = []
    for section in evidence_map()["sections"]:
        stage, heading = section["stage"], section["heading"]
        path = NOTEBOOKS / f"{stage}.ipynb"
        if stage == EVIDENCE_REPORT and heading in PLANNED_07_HEADINGS:
            continue
        if not path.exists():
            problems.append(f"{stage}: no notebook {path.name}")
            continue
        count = notebook_headings(stage).count(heading)
        if count != 1:
            problems.append(
                f"{stage}: heading {heading!r} found {count} times (its anchor must be unique)"
            )
    assert not problems, "\n".join(problems)


def test_candidate_evidence_entries_are_complete():
    emap = evidence_map()
    entries = emap["candidate_evidence"]
    keys = [(e["unit"], e["code"]) for e in entries]
    assert len(keys) == len(set(keys)), [k for k, n in Counter(keys).items() if n > 1]
    types = emap["evidence_types"]
    for entry in entries:
        where = f"{entry['unit']} {entry['code']}"
        assert set(entry) <= {"unit", "code", "evidence_type", "template", "why"}, where
        assert isinstance(entry["evidence_type"], list) and entry["evidence_type"], where
        assert set(entry["evidence_type"]) <= set(types), f"{where}: {entry['evidence_type']}"
        assert isinstance(entry["why"], str) and entry["why"].strip(), where


def test_every_template_referenced_exists_and_has_its_fields():
    emap = evidence_map()
    names = set(emap["evidence_types"].values())
    names |= {e["template"] for e in emap["candidate_evidence"] if e.get("template")}
    missing = sorted(n for n in names if not (TEMPLATES / n).is_file())
    assert not missing, f"templates missing from {TEMPLATES}: {missing}"
    for path in sorted(TEMPLATES.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# "), path.name
        absent = [f for f in TEMPLATE_FIELDS if f not in text]
        assert not absent, f"{path.name} lacks {absent}"


def test_templates_are_copied_into_the_report_folder(tmp_path):
    from csperf_lib.stages.evidence import copy_candidate_templates

    copied = copy_candidate_templates(tmp_path)
    assert sorted(copied) == sorted(f"candidate_evidence/{p.name}" for p in TEMPLATES.glob("*.md")) and copied
    for name in copied:
        assert (tmp_path / name).read_bytes() == (TEMPLATES / name.split("/")[1]).read_bytes()
