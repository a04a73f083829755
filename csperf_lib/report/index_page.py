"""The report folder's cover page, ``index.html``: the evidence report first, then every file a
reviewer acts on (action plan, QA worksheet, team briefings, candidate-evidence templates), the
stage reports and the records.

Rendered with Jinja2 (``csperf_lib/templates/index.html.j2``, autoescaped), so every data value
(organisation, reviewer, stage reasons, file names) is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from csperf_lib import __version__

__all__ = ["FILE_GROUPS", "RECORDS", "file_groups", "render_index"]

#: What a reviewer acts on, in reading order: (title, what it is for, glob patterns in the folder).
FILE_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Action plan", "Every recommendation with its owner, priority, review date and the findings it rests on.",
     ("actions.xlsx", "actions.csv")),
    ("Quality review worksheet", "The contacts sampled for quality review, with the scorecard to fill in; "
     "a filled worksheet is read back by the sample stage.", ("sample/qa_worksheet.xlsx", "sample/qa_worksheet.csv")),
    ("Team briefings", "One note per team: what changed, why, its targets and its actions (plain text).",
     ("briefings/*.md",)),
    ("Candidate-evidence templates", "Forms for the evidence only the candidate can bring; the evidence report's "
     "coverage matrix says which criterion needs which.", ("candidate_evidence/*.md",)),
)

#: Records kept for audit: file name and what it holds.
RECORDS: tuple[tuple[str, str], ...] = (
    ("manifest.json", "the sources read, their SHA-256 fingerprints and row counts"),
    ("quarantine.csv", "every row set aside, with the reason"),
)

_FILE_NOTES = {".xlsx": "Excel", ".csv": "CSV, formulas neutralised", ".md": "Markdown text"}


def _first_heading(path: Path) -> str:
    """A Markdown file's first ``# `` heading, else its name in words."""
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    except (OSError, UnicodeDecodeError):
        pass
    return path.stem.replace("_", " ")


def file_groups(folder: str | Path) -> list[dict[str, Any]]:
    """The groups of :data:`FILE_GROUPS` present in ``folder``, each with its files (``href``,
    ``label``, ``note``); Markdown files are labelled by their first heading."""
    folder = Path(folder)
    groups = []
    for title, about, patterns in FILE_GROUPS:
        files = []
        for pattern in patterns:
            for path in sorted(folder.glob(pattern)):
                if path.is_file():
                    label = _first_heading(path) if path.suffix == ".md" else path.name
                    files.append({"href": path.relative_to(folder).as_posix(), "label": label,
                                  "note": _FILE_NOTES.get(path.suffix, "")})
        if files:
            groups.append({"title": title, "about": about, "files": files})
    return groups


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("csperf_lib", "templates"),
                              autoescape=True, keep_trailing_newline=True)


def render_index(
    folder: str | Path,
    *,
    title: str,
    date: str,
    organisation: str,
    reviewer: str,
    period: str,
    config_name: str,
    stages: Sequence[Mapping[str, Any]],
    summary_file: str,
    css: str,
    evidence: Mapping[str, Any] | None = None,
    evidence_pdf_name: str = "",
    error: str | None = None,
    linked: set[str] | frozenset[str] = frozenset(),
) -> str:
    """The cover page's HTML for the report ``folder``.

    ``stages`` rows hold ``name``, ``heading``, ``status``, ``status_text``, ``reason``,
    ``seconds``, ``html`` and ``notebook`` (file names or None). Files at the top of ``folder``
    that no section links (besides ``linked``) are listed under *Records*.
    """
    folder = Path(folder)
    groups = file_groups(folder)
    grouped = {f["href"] for g in groups for f in g["files"]}
    records = [{"href": name, "label": name, "note": note} for name, note in RECORDS if (folder / name).is_file()]
    known = set(linked) | grouped | {r["href"] for r in records} | {summary_file}
    records += [{"href": p.name, "label": p.name, "note": ""} for p in sorted(folder.iterdir())
                if p.is_file() and p.name not in known and not p.name.startswith(".")]
    template = _environment().get_template("index.html.j2")
    return template.render(
        title=title, date=date, organisation=organisation, reviewer=reviewer, period=period,
        config_name=config_name, stages=stages, summary_file=summary_file, css=css, evidence=evidence,
        evidence_pdf_name=evidence_pdf_name, error=error, groups=groups, records=records, version=__version__,
    )
