"""Which significant shortfalls the recommendations act on, and why the others have no action.

A review that finds a statistically real shortfall must either act on it or say why not. This
module lists every significant, unfavourable finding of the kinds a manager acts on (a KPI that
misses its target, a worsening trend, an under-staffed cell, a regulatory breach, a coaching
need) and says, for each, the recommendation that cites it, or the reason there is none:

* **within tolerance** — the KPI is below target but inside the agreed tolerance band: watched at
  the next review, not acted on (the tolerance is the organisation's own decision);
* **covered by** — another recommendation acts on the same subject (same dimension and segment);
* **no rule** — the rule set has no action for this kind of finding on this KPI: the reviewer
  decides, and may add a rule (``recommendations.rules`` in the config).

Hand-written: a few lines of bookkeeping over the findings ledger and the recommendations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from csperf_lib.core.findings import Finding, ranked
from csperf_lib.core.formatting import subject

__all__ = ["ACTIONABLE_KINDS", "action_coverage", "unaddressed_sentence", "without_action"]

#: Finding kinds that call for a management action when significant and unfavourable.
ACTIONABLE_KINDS = ("kpi_gap", "trend", "staffing_shortfall", "regulatory_breach", "coaching_need")

_COLUMNS = ["finding", "subject", "acted_on_by", "reason", "finding_id"]


def action_coverage(findings: Iterable[Finding], recommendations: Sequence[Any]) -> pd.DataFrame:
    """Every significant unfavourable finding of :data:`ACTIONABLE_KINDS`, most significant first,
    with the recommendation acting on it or the reason there is none.

    Parameters
    ----------
    findings : iterable of Finding
        The review's findings ledger.
    recommendations : sequence
        Objects (or mappings) with ``id`` and ``finding_ids`` (and ``segment``: dimension → value).

    Returns
    -------
    pandas.DataFrame
        ``finding`` (its sentence), ``subject``, ``acted_on_by`` (recommendation ids, '' when
        none), ``reason`` (empty when acted on) and ``finding_id``.
    """
    def field(rec, name):
        return rec.get(name) if isinstance(rec, Mapping) else getattr(rec, name, None)

    cited: dict[str, list[str]] = {}
    by_subject: dict[tuple[str, str], list[str]] = {}
    chosen = [f for f in ranked(findings)
              if f.kind in ACTIONABLE_KINDS and f.significant and f.favourable is False]
    ids = {f.id: f for f in findings}
    for rec in recommendations:
        for fid in field(rec, "finding_ids") or []:
            cited.setdefault(fid, []).append(str(field(rec, "id")))
            f = ids.get(fid)
            if f is not None and f.segment is not None:
                by_subject.setdefault((str(f.dimension), str(f.segment)), []).append(str(field(rec, "id")))
    rows = []
    for f in chosen:
        acted = list(dict.fromkeys(cited.get(f.id, [])))
        if acted:
            reason = ""
        elif f.attributes.get("status") == "within_tolerance":
            reason = "Below target but within the agreed tolerance: watched at the next review, no action."
        elif f.segment is not None and (same := by_subject.get((str(f.dimension), str(f.segment)))):
            reason = f"Covered by {', '.join(dict.fromkeys(same))}, which acts on {subject(f.dimension, f.segment)}."
        else:
            what = f.attributes.get("kpi_name") or (f.kpi or f.kind).replace("_", " ")
            reason = (f"No rule in the rule set acts on this kind of finding for {what}: the reviewer decides "
                      "(a rule can be added under recommendations.rules in the config).")
        rows.append({"finding": f.sentence, "subject": subject(f.dimension, f.segment), "acted_on_by": ", ".join(acted),
                     "reason": reason, "finding_id": f.id})
    return pd.DataFrame(rows, columns=_COLUMNS)


def unaddressed_sentence(coverage: pd.DataFrame) -> str:
    """One sentence: how many significant shortfalls are acted on, and why the rest are not."""
    if coverage.empty:
        return "No significant shortfall calls for an action."
    acted = int((coverage["acted_on_by"] != "").sum())
    tolerance = int(coverage["reason"].str.startswith("Below target but within").sum())
    covered = int(coverage["reason"].str.startswith("Covered by").sum())
    norule = len(coverage) - acted - tolerance - covered
    parts = [f"{acted:,} of {len(coverage):,} significant shortfalls are acted on by a recommendation"]
    if tolerance:
        parts.append(f"{tolerance:,} are within the tolerance band and watched")
    if covered:
        parts.append(f"{covered:,} concern a subject another recommendation already acts on")
    if norule:
        parts.append(f"{norule:,} match no rule and are left to the reviewer (listed below)")
    return "; ".join(parts) + "."


def without_action(coverage: pd.DataFrame) -> pd.DataFrame:
    """The shortfalls no recommendation acts on, outside the tolerance band: subject, finding and
    the reason (what a reviewer must decide)."""
    keep = (coverage["acted_on_by"] == "") & ~coverage["reason"].str.startswith("Below target but within")
    return coverage.loc[keep, ["subject", "finding", "reason"]].reset_index(drop=True)
