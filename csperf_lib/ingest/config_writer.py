"""A first ``review.yaml`` written from a mapping proposal, with a comment on every line.

Step 3 of ``csperf init`` (:mod:`csperf_lib.ingest.autoconfig`): :func:`write_config` renders a
:class:`~csperf_lib.ingest.proposal.MappingProposal` as YAML, with ambiguous or low-confidence
choices commented out beside their alternatives and a ``# TODO`` for each required column not
found, validates it with :func:`csperf_lib.core.config.parse_config` and only then writes it
(:class:`WrittenConfig` says where and what). Written by hand, not with a YAML dumper, because
the comments are the point: PyYAML cannot emit them.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from csperf_lib.core.config import parse_config
from csperf_lib.core.errors import ConfigError, CsperfError
from csperf_lib.core.tables import CANONICAL_TABLES
from csperf_lib.ingest.profiling import ExportProfile, _replace
from csperf_lib.ingest.proposal import (
    _PLAIN,
    _YAML_WORDS,
    ColumnProposal,
    MappingProposal,
    TableProposal,
)

__all__ = [
    "WrittenConfig",
    "write_config",
]


def _scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if (
        _PLAIN.match(text) and text.lower() not in _YAML_WORDS and not text.endswith(" ")
        and ": " not in text and " #" not in text and text.strip() == text
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


@dataclass(frozen=True)
class WrittenConfig:
    """The result of :func:`write_config`.

    Attributes
    ----------
    path : Path
        The file written.
    loads : bool
        Whether the config passes :func:`csperf_lib.core.config.load_config` as written.
    problems : tuple of str
        What stops it from loading (required columns missing...), empty when it loads.
    tables : tuple of TableProposal
        The table proposals written, after resolving two files proposing the same table.
    """

    path: Path
    loads: bool
    problems: tuple[str, ...]
    tables: tuple[TableProposal, ...]


def _comment_lines(text: str, indent: str, *, width: int = 96) -> list[str]:

    return [
        f"{indent}# {line}"
        for line in textwrap.wrap(text, width=width - len(indent) - 2, break_on_hyphens=False)
    ] or [f"{indent}#"]


def _source_block(profile: ExportProfile, base: Path, indent: str) -> list[str]:
    rel = os.path.relpath(profile.path, base)
    lines = [f"{indent}source:", f"{indent}  file: {_scalar(Path(rel).as_posix())}"]
    if profile.format == "csv":
        bits = []
        if profile.line_endings:
            bits.append(f"{profile.line_endings} line endings")
        bits.append(f"{profile.rows_sampled:,} rows sampled"
                    + ("" if profile.sample_complete else " (the file has more)"))
        lines.append(f"{indent}  delimiter: {_scalar(profile.delimiter)}   # detected; "
                     + ", ".join(bits))
        enc_note = {
            "utf-8-sig": "UTF-8 with a byte-order mark",
            "utf-8": "UTF-8",
            "cp1252": "not valid UTF-8: read as Windows-1252",
            "utf-16": "UTF-16 with a byte-order mark",
        }.get(profile.encoding or "", "")
        if profile.encoding:
            lines.append(f"{indent}  encoding: {profile.encoding}   # detected: {enc_note}")
        else:  # naming one encoding would misread the other lines
            lines.append(f"{indent}  # encoding: not set: the file mixes UTF-8 and Windows-1252 lines, and collect "
                         "reads each line in its own encoding")
        if profile.skip_rows and not profile.lines_under_header:
            stray = "; ".join(repr(s) for s in profile.stray_lines)[:120]
            lines.append(f"{indent}  skip_rows: {profile.skip_rows}   # stray lines: {stray}")
        lines += _header_lines(profile, indent)
    elif profile.format == "excel":
        sheet_note = f"   # {profile.sheet_choice}" if profile.sheet_choice else ""
        lines.append(f"{indent}  sheet: {_scalar(profile.sheet)}{sheet_note}")
        if profile.skip_rows and not profile.lines_under_header:
            lines.append(f"{indent}  skip_rows: {profile.skip_rows}   # rows above the header")
        lines += _header_lines(profile, indent)
    if profile.na_values:
        lines.append(f"{indent}  na_values: {_flow(list(profile.na_values))}   # placeholders "
                     "for a missing value found in the data")
    if profile.decimal != ".":
        lines.append(f"{indent}  decimal: {_scalar(profile.decimal)}   # detected in numbers")
    if profile.thousands:
        lines.append(f"{indent}  thousands: {_scalar(profile.thousands)}   # detected in numbers")
    return lines


def _header_lines(profile: ExportProfile, indent: str) -> list[str]:
    """``skip_rows`` and ``header_names`` for a file without a header line, or with lines of
    question text under it."""
    if not profile.header_names:
        return []
    if profile.lines_under_header:
        lines = [f"{indent}  # {profile.lines_under_header} line(s) under the header describe the columns "
                 "(question text) and are not records: they are skipped with the header, whose names follow",
                 f"{indent}  skip_rows: {profile.skip_rows}"]
    else:
        lines = [f"{indent}  # the file has no header line (its first line reads as a record): each column is "
                 "named after what it holds; rename them freely"]
    return lines + [f"{indent}  header_names: {_flow(list(profile.header_names))}"]


def _column_lines(prop: ColumnProposal, indent: str) -> list[str]:
    lines = _comment_lines(f"{prop.confidence}: {prop.evidence}", indent)
    line = f"{prop.canonical}: {_flow(prop.spec)}"
    if prop.active:
        lines.append(f"{indent}{line}")
    else:
        lines.append(f"{indent}# {line}")
    for alt in prop.alternatives:
        lines += _comment_lines(f"alternative ({alt.confidence}): {alt.evidence}", indent)
        lines.append(f"{indent}# {alt.canonical}: {_flow(alt.spec)}")
    return lines


def _render(
    plans: list[tuple[MappingProposal, TableProposal]],
    skipped: list[tuple[MappingProposal, str]],
    *, base: Path, disabled: Mapping[tuple[str, str], str],
) -> str:

    files = sorted({str(p.profile.path.name) for p, _ in plans} | {p.profile.path.name for p, _ in skipped})
    out = [
        f"# Generated by `csperf init` on {dt.date.today().isoformat()} from: {', '.join(files)}.",
        "# REVIEW EVERY LINE BEFORE RUNNING A REVIEW. Each column carries the confidence of the",
        "# guess (high / medium / low) and the evidence. Low-confidence or ambiguous choices are",
        "# commented out with their alternatives: uncomment the right one. '# TODO' marks required",
        "# columns that were not found. Column specs are documented in csperf_lib/core/config.py.",
        "organisation: Unnamed organisation   # TODO: shown on the report cover",
        "reviewer: Unnamed reviewer           # TODO: the quality reviewer",
    ]
    periods = []
    for prop, table in plans:
        for c in table.columns:
            if c.active and c.source and CANONICAL_TABLES[table.table].columns.get(c.canonical) == "datetime":
                col = prop.profile.column(c.source)
                if col.first and col.last:
                    periods.append((col.first[:10], col.last[:10]))
                break
    duplicated = [(p.profile.path.name, p.profile.duplicate_rows / p.profile.rows_sampled)
                  for p, _ in plans if p.profile.rows_sampled and p.profile.duplicate_rows]
    worst = max((share for _, share in duplicated), default=0.0)
    if worst > 0.05:
        # Exact repeats are quarantined as duplicates; above 10 % the default usable-share
        # threshold (90 %) would stop the review, so the config says so and proposes a threshold.
        listed = ", ".join(f"{name} {share:.0%}" for name, share in duplicated)
        threshold = max(0.5, math.floor((1 - worst - 0.05) * 20) / 20)
        out += _comment_lines(f"exact repeated rows in the sample: {listed}. They will be quarantined as "
                              "duplicates (when the identifier repeats too); the review stops below the "
                              "usable-share threshold, 90 % by default.", "")
        line = f"validation: {{min_usable_share: {threshold:g}}}"
        out.append(line if worst > 0.1 else "# " + line)
    if periods:
        start = min(p[0] for p in periods)
        end = max(p[1] for p in periods)
        out.append(f"# period: {{start: {start}, end: {end}}}   # the sampled data covers "
                   f"{start} to {end}; uncomment to restrict the review")
    out.append("tables:")
    for prop, table in plans:
        ind = "  "
        out.append(f"{ind}{table.table}:")
        out += _comment_lines(f"from {prop.profile.path.name}: {table.evidence}", ind + "  ")
        if table.skip_when_blank:
            out.append(f"{ind}  skip_when_blank: {_flow(list(table.skip_when_blank))}")
        out += _source_block(prop.profile, base, ind + "  ")
        out.append(f"{ind}  columns:")
        cind = ind + "    "
        for col in table.columns:
            reason = disabled.get((table.table, col.canonical))
            if reason:
                col = _replace(col, active=False, evidence=col.evidence + f"; rejected by the "
                               f"config check: {reason}")
            out += _column_lines(col, cind)
        active = {c.canonical for c in table.columns if c.active
                  and (table.table, c.canonical) not in disabled}
        for req in CANONICAL_TABLES[table.table].required_columns:
            if req not in active:
                out.append(f"{cind}# TODO required column {req}: no source column recognised; "
                           f"map it before running ({req}: <source column>)")
        if table.unmapped:
            out += _comment_lines(
                "not mapped (kept beside the canonical columns as extra columns): "
                + ", ".join(table.unmapped), cind,
            )
    for prop, why in skipped:
        out += _comment_lines(f"{prop.profile.path.name}: not used ({why})", "")
    return "\n".join(out) + "\n"


def _plan(proposals: Sequence[MappingProposal]) -> tuple[list, list]:
    """Resolve two files proposing the same table: the better-scoring file keeps it."""
    claims: dict[str, tuple[MappingProposal, TableProposal]] = {}
    skipped = []
    for prop in proposals:
        for table in prop.tables:
            held = claims.get(table.table)
            if held is None or table.score > held[1].score:
                if held is not None:
                    skipped.append((held[0], f"{table.table} comes from {prop.profile.path.name}"))
                claims[table.table] = (prop, table)
            else:
                skipped.append((prop, f"{table.table} comes from {held[0].profile.path.name}"))
    used_files = {id(p) for p, _ in claims.values()}
    skipped = [(p, why) for p, why in skipped if id(p) not in used_files]
    plans = sorted(claims.values(), key=lambda pt: [p.profile.path for p in proposals].index(
        pt[0].profile.path) * 10 + [t.table for t in pt[0].tables].index(pt[1].table))
    return plans, skipped


def write_config(
    proposals: MappingProposal | Sequence[MappingProposal], *, out: str | Path, force: bool = False
) -> WrittenConfig:
    """Write a commented ``review.yaml`` from one or more proposals.

    File paths are written relative to the config's folder. The text is checked with
    :func:`csperf_lib.core.config.parse_config`; a column spec the config rejects is commented out with
    the reason, so what is written loads whenever the required columns were found.

    Parameters
    ----------
    proposals : MappingProposal or sequence of MappingProposal
        From :func:`propose_mapping`, one per file.
    out : str or Path, keyword-only
        The YAML file to write.
    force : bool, keyword-only
        Overwrite an existing file.

    Returns
    -------
    WrittenConfig

    Raises
    ------
    CsperfError
        When ``out`` exists and ``force`` is False.
    """

    if isinstance(proposals, MappingProposal):
        proposals = [proposals]
    out = Path(out).expanduser()
    if out.exists() and not force:
        raise CsperfError(f"{out} already exists; choose another --out or pass --force to overwrite it")
    base = out.resolve().parent
    plans, skipped = _plan(list(proposals))
    disabled: dict[tuple[str, str], str] = {}
    text = _render(plans, skipped, base=base, disabled=disabled)
    problems: list[str] = []
    for _ in range(5):
        try:
            parse_config(yaml.safe_load(text), path=base / out.name, check_files=False)
            problems = []
            break
        except ConfigError as exc:
            problems = list(exc.problems)
        except yaml.YAMLError as exc:  # a bug here, never the user's: say so plainly
            raise CsperfError(f"csperf init produced invalid YAML ({exc}); please report it") from None
        fixed = False
        for problem in problems:
            match = re.match(r"tables\.(\w+)\.columns\.(\w+)[.:]", problem)
            if match and "required column is not mapped" not in problem:
                key = (match.group(1), match.group(2))
                if key not in disabled:
                    disabled[key] = problem.split(": ", 1)[-1]
                    fixed = True
        if not fixed:
            break
        text = _render(plans, skipped, base=base, disabled=disabled)
    base.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return WrittenConfig(
        path=out, loads=not problems, problems=tuple(problems),
        tables=tuple(t for _, t in plans),
    )
