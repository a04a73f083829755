"""Every significant shortfall has an action or a stated reason (csperf_lib/methods/action_coverage.py)
and each team's briefing leads with its own points (csperf_lib/methods/team_notes.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from csperf_lib.core.findings import FindingsLedger
from csperf_lib.methods.action_coverage import action_coverage, unaddressed_sentence, without_action
from csperf_lib.methods.team_notes import team_inputs


def _ledger():
    ledger = FindingsLedger("05_benchmarks")
    acted = ledger.add("kpi_gap", kpi="csat_mean", dimension="region", segment="Scotland", direction="down",
                       favourable=False, estimate=3.6, comparator=4.0, n=1000, q_value=1e-6, significant=True,
                       attributes={"kpi_name": "CSAT", "status": "missed"})
    same_subject = ledger.add("kpi_gap", kpi="fcr_rate", dimension="region", segment="Scotland", direction="down",
                              favourable=False, estimate=0.6, comparator=0.75, n=1000, q_value=1e-5, significant=True,
                              attributes={"kpi_name": "FCR", "status": "missed"})
    tolerance = ledger.add("kpi_gap", kpi="qa_score_mean", direction="down", favourable=False, estimate=0.79,
                           comparator=0.8, n=2000, q_value=1e-3, significant=True,
                           attributes={"kpi_name": "QA score", "status": "within_tolerance"})
    orphan = ledger.add("kpi_gap", kpi="aht_s", dimension="channel", segment="chat", direction="up", favourable=False,
                        estimate=800.0, comparator=600.0, n=1000, q_value=1e-4, significant=True,
                        attributes={"kpi_name": "Average handling time", "status": "missed"})
    noise = ledger.add("kpi_gap", kpi="aht_s", dimension="team", segment="Kestrel", direction="up", favourable=False,
                       estimate=610.0, comparator=600.0, n=100, q_value=0.3, significant=False)
    good = ledger.add("kpi_gap", kpi="aht_s", dimension="team", segment="Falcon", direction="down", favourable=True,
                      estimate=500.0, comparator=600.0, n=100, q_value=1e-3, significant=True)
    return ledger.findings, acted, same_subject, tolerance, orphan, noise, good


def test_every_significant_shortfall_is_acted_on_or_says_why_not():
    findings, acted, same_subject, tolerance, orphan, noise, good = _ledger()
    recs = [{"id": "R01", "finding_ids": [acted.id]}]
    coverage = action_coverage(findings, recs).set_index("finding_id")
    assert set(coverage.index) == {acted.id, same_subject.id, tolerance.id, orphan.id}  # not noise, not good news
    assert coverage.loc[acted.id, "acted_on_by"] == "R01" and coverage.loc[acted.id, "reason"] == ""
    assert coverage.loc[same_subject.id, "reason"].startswith("Covered by R01, which acts on region Scotland")
    assert coverage.loc[tolerance.id, "reason"].startswith("Below target but within the agreed tolerance")
    assert coverage.loc[orphan.id, "reason"].startswith("No rule in the rule set acts on this kind of finding for Average handling time")
    assert without_action(action_coverage(findings, recs))["subject"].tolist() == ["region Scotland", "channel chat"]
    assert unaddressed_sentence(action_coverage(findings, recs)) == (
        "1 of 4 significant shortfalls are acted on by a recommendation; 1 are within the tolerance band and watched; "
        "1 concern a subject another recommendation already acts on; 1 match no rule and are left to the reviewer "
        "(listed below).")
    assert unaddressed_sentence(action_coverage([], [])) == "No significant shortfall calls for an action."


def _rec(rid, subject, segment, kind="training", finding_ids=()):
    return SimpleNamespace(id=rid, subject=subject, segment=segment, kind=kind, action=f"Do {rid}.", owner="Team leader",
                           review_date="2026-05-01", finding_ids=tuple(finding_ids),
                           evidence=(SimpleNamespace(text=f"Because of {rid}.", supporting=False),))


def test_team_briefings_lead_with_the_team_own_points_and_never_name_an_agent():
    ledger = FindingsLedger("05_benchmarks")
    merlin = ledger.add("kpi_gap", kpi="complaint_upheld_rate", dimension="team", segment="Merlin", direction="up",
                        favourable=False, estimate=0.51, comparator=0.45, n=80, q_value=0.01, significant=True,
                        attributes={"status": "missed"})
    recs = [_rec("R01", "queue Billing", {"queue": "Billing"}, kind="service_improvement"),
            _rec("R02", "team Kestrel", {"team": "Kestrel"}),
            _rec("R03", "agent P-1", {"agent_id": "P-1", "team": "Kestrel"}, kind="coaching"),
            _rec("R04", "agent P-2", {"agent_id": "P-2", "team": "Kestrel"}, kind="coaching")]
    gaps = pd.DataFrame([{"kpi": "aht_s", "dimension": "team", "segment": t, "status": "met", "target": 600,
                          "value": 550, "unit": "seconds"} for t in ("Kestrel", "Merlin")])
    changes, targets, actions, teams = team_inputs(recs, gaps=gaps, findings=[merlin], kpi_label=lambda k: k.upper())
    assert teams == ["Kestrel", "Merlin"] and len(targets) == 2
    kestrel = changes[changes["team"].isin(["Kestrel", "all"])]
    assert kestrel["text"].tolist()[:3] == ["we meet 1 of 1 targets", "team Kestrel: training needed",
                                            "2 of us have a one-to-one coaching plan from the quality review "
                                            "(discussed individually, not here)"]
    merlin_rows = changes[changes["team"].isin(["Merlin", "all"])]
    assert merlin_rows["text"].tolist()[:2] == ["we meet 1 of 1 targets", "our COMPLAINT_UPHELD_RATE: kpi gap to watch"]
    assert merlin_rows["why"].tolist()[1] == merlin.sentence
    blob = changes.to_csv() + actions.to_csv()
    assert "P-1" not in blob and "P-2" not in blob  # individual coaching never reaches a team note
    assert actions["team"].tolist() == ["all", "Kestrel"]
