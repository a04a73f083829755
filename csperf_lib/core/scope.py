"""What a review can cover, given the canonical tables it maps.

Not every review has contact records: a complaints register, a feedback export or an ACD interval
report is a review of its own. Each stage states what it needs here, once; the runner skips a
stage with nothing to work on (publishing a page that says why in one sentence) and the stage
notebooks, run by hand in JupyterLab, stop with the same sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from csperf_lib.core.errors import CsperfError

#: Plain names of the canonical tables, for sentences.
TABLE_NAMES = {
    "contacts": "contact records",
    "intervals": "interval (ACD) reports",
    "surveys": "survey or feedback responses",
    "qa_evaluations": "QA evaluations",
    "complaints": "complaints",
}


@dataclass(frozen=True)
class StageNeed:
    """What a stage needs.

    Attributes
    ----------
    any_of : tuple of str
        The stage has work when the review maps at least one of these tables.
    nothing_to_do : str
        Completes "This review has no <tables>, so ..." when none is mapped.
    """

    any_of: tuple[str, ...]
    nothing_to_do: str


#: Stage name (notebook stem) -> its needs. Stages not listed run for every review.
STAGE_NEEDS: dict[str, StageNeed] = {
    "02_sample": StageNeed(
        ("contacts", "complaints"),
        "there are no handled contacts or complaint cases to sample for quality review",
    ),
    "04_qualitative": StageNeed(
        ("surveys", "complaints", "qa_evaluations", "contacts"),
        "there is no customer feedback, complaint text or QA record to analyse",
    ),
}


class NothingToReviewError(CsperfError):
    """A stage was run on a review that gives it nothing to work on."""


def review_scope(tables: Iterable[str]) -> str:
    """One sentence describing the kind of review the mapped tables make.

    Examples
    --------
    >>> review_scope(["complaints"])
    'A complaints-only review: no contact records, interval (ACD) reports or survey or feedback responses were mapped.'
    """
    have = [t for t in TABLE_NAMES if t in set(tables)]
    primary = ("contacts", "intervals", "surveys", "complaints")
    missing = [TABLE_NAMES[t] for t in primary if t not in have]
    if "contacts" in have:
        return "A review of contact records" + (
            " with " + _join([TABLE_NAMES[t] for t in have if t != "contacts"]) if len(have) > 1 else ""
        ) + "."
    kinds = {
        "complaints": "complaints-only",
        "surveys": "feedback-only",
        "intervals": "interval-report",
    }
    main = [t for t in ("complaints", "surveys", "intervals") if t in have]
    if len(main) == 1:
        kind = kinds[main[0]]
        label = f"{'An' if kind[0] in 'aeiou' else 'A'} {kind} review"
    else:
        label = "A review of " + _join([TABLE_NAMES[t] for t in main])
    return f"{label}: no {_join(missing, 'or')} were mapped."


def skip_reason(stage: str, tables: Iterable[str]) -> str | None:
    """Why ``stage`` has nothing to work on with these tables, in one sentence; None if it has.

    Parameters
    ----------
    stage : str
        The stage notebook's name without ``.ipynb`` (e.g. ``"02_sample"``).
    tables : iterable of str
        The canonical tables the review maps (``ReviewConfig.tables``) or the store holds.
    """
    need = STAGE_NEEDS.get(stage)
    tables = set(tables)
    if need is None or tables & set(need.any_of):
        return None
    names = _join([TABLE_NAMES[t] for t in need.any_of], "or")
    return f"This review has no {names}, so {need.nothing_to_do}."


def require_stage(stage: str, tables: Iterable[str]) -> None:
    """Raise :class:`NothingToReviewError` with :func:`skip_reason` when the stage has no work."""
    reason = skip_reason(stage, tables)
    if reason:
        raise NothingToReviewError(reason)


def _join(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]
