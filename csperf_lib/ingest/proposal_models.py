"""What ``csperf init`` proposes: :class:`ColumnProposal`, :class:`TableProposal`,
:class:`MappingProposal` (made by :mod:`csperf_lib.ingest.proposal` and
:mod:`csperf_lib.ingest.derived_columns`, written by :mod:`csperf_lib.ingest.config_writer`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from csperf_lib.core import config as config_module
from csperf_lib.ingest.profiling import ExportProfile

__all__ = ["ColumnProposal", "MappingProposal", "TableProposal", "config_supports"]


@dataclass(frozen=True)
class ColumnProposal:
    """How one canonical column would be read.

    Attributes
    ----------
    canonical : str
        Canonical column name.
    spec : str or dict
        The config spec: a source column name or a mapping (``column``, ``format``...).
    source : str or None
        The source column it reads (None for constants and digests).
    confidence : {"high", "medium", "low"}
    evidence : str
        Why, in words.
    alternatives : tuple of ColumnProposal
        Other candidates worth a look (written commented out).
    active : bool
        False when the choice is low-confidence or ambiguous: written commented out.
    """

    canonical: str
    spec: Any
    source: str | None
    confidence: str
    evidence: str
    score: float = 0.0
    alternatives: tuple[ColumnProposal, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class TableProposal:
    """What one file would feed into one canonical table.

    Attributes
    ----------
    table : str
        Canonical table.
    score : float
        How well the file fits the table (higher is better; compare tables of one file).
    evidence : str
        Why this table.
    columns : tuple of ColumnProposal
        Proposed canonical columns, in canonical order.
    missing_required : tuple of str
        Required canonical columns with no active proposal.
    unmapped : tuple of str
        Source columns the table does not use.
    skip_when_blank : tuple of str
        Canonical columns whose blankness means "not a row of this table".
    """

    table: str
    score: float
    evidence: str
    columns: tuple[ColumnProposal, ...]
    missing_required: tuple[str, ...]
    unmapped: tuple[str, ...]
    skip_when_blank: tuple[str, ...] = ()

    def column(self, canonical: str) -> ColumnProposal | None:
        """The proposal for ``canonical``, or None."""
        return next((c for c in self.columns if c.canonical == canonical), None)


@dataclass(frozen=True)
class MappingProposal:
    """Everything proposed for one file.

    Attributes
    ----------
    profile : ExportProfile
    tables : tuple of TableProposal
        The table(s) the file feeds, best first (a call export with ratings feeds two).
    table_scores : dict of str to float
        Score of every canonical table, for the record.
    unmapped : tuple of str
        Source columns no proposed table uses.
    """

    profile: ExportProfile
    tables: tuple[TableProposal, ...]
    table_scores: Mapping[str, float]
    unmapped: tuple[str, ...]


def config_supports(option: str) -> bool:
    """Whether the config schema knows a column option (a proposal offers only what loads)."""

    return option in getattr(config_module, "COLUMN_OPTIONS", ())
