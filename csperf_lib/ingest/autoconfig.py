"""``csperf init``: inspect unknown exports and write a first, commented ``review.yaml``.

Three steps, each usable on its own:

1. :func:`csperf_lib.ingest.profiling.inspect_export` reads a sample of one file (CSV/TSV/TXT, Excel, Parquet) and describes it:
   encoding, delimiter, stray lines before the header, line endings, number separators, and per
   column an inferred type (integer, number, percent, flag, date, datetime, time of day, duration,
   categorical, identifier, free text) with its format, blank share, distinct count and examples.
2. :func:`csperf_lib.ingest.proposal.propose_mapping` matches the profile against every canonical table in
   :data:`csperf_lib.core.tables.CANONICAL_TABLES` (read at run time, so tables added later are
   considered): source column names against synonyms of each canonical column, and the inferred
   value types against the column's kind. It proposes the table(s) the file feeds, a spec per
   recognised column with a confidence and the evidence in words, and lists what it could not map.
3. :func:`csperf_lib.ingest.config_writer.write_config` writes the YAML with a comment on every line, ambiguous or low-confidence
   choices commented out with their alternatives, and a ``# TODO`` for required columns not found.
   The result is validated with :func:`csperf_lib.core.config.parse_config` before it is written.

:func:`init_config` runs the three on the files given to ``csperf init``.

What is hand-written and why: no library infers canonical contact-centre columns from an export.
Schema-inference tools (pandas' own dtype inference, frictionless, csvkit) guess storage types,
not meaning, and they do not know contact-centre spellings: "12:02:23 AM" as a 2 min 23 s talk
time, a time of day as a fraction of a day, Y/N flags, "94.01%" strings, or which of ``01/02``
is the day. The reading itself is pandas and :mod:`csv`; encoding and layout sniffing reuse
:func:`csperf_lib.ingest.readers.decide_encoding` and :func:`csperf_lib.ingest.readers.detect_layout`. The
synonym lists and scoring weights below are the judgement this module adds; every proposal says
which evidence it rests on so a reviewer can overrule it.

Input files are opened read-only and never modified.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from csperf_lib.core.errors import CsperfError
from csperf_lib.ingest.config_writer import WrittenConfig, write_config
from csperf_lib.ingest.profiling import inspect_export
from csperf_lib.ingest.proposal import MappingProposal, propose_mapping

__all__ = [
    "init_config",
]


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def init_config(
    paths: Iterable[str | Path], *, out: str | Path, force: bool = False,
    sheet: str | int | None = None,
) -> tuple[WrittenConfig, tuple[MappingProposal, ...]]:
    """Inspect each file, propose mappings and write the config (what ``csperf init`` runs).

    Parameters
    ----------
    paths : iterable of str or Path
        The exports.
    out : str or Path, keyword-only
        Config to write.
    force : bool, keyword-only
        Overwrite an existing config.
    sheet : str or int, optional, keyword-only
        Excel sheet to read (default: the first of each workbook).

    Returns
    -------
    (WrittenConfig, tuple of MappingProposal)
    """
    out = Path(out).expanduser()
    if out.exists() and not force:
        raise CsperfError(f"{out} already exists; choose another --out or pass --force to overwrite it")
    proposals = tuple(propose_mapping(inspect_export(p, sheet=sheet)) for p in paths)
    if not proposals:
        raise CsperfError("give at least one export with --from")
    return write_config(proposals, out=out, force=force), proposals
