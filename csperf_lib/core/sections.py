"""The report sections findings and recommendations link to: one registry for every stage.

A link is the rendered stage page and the anchor nbconvert gives a heading (spaces become ``-``,
then URL-quoted). The headings here must match the Markdown headings of the stage notebooks;
``tests/test_sections.py`` checks that every one exists.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["SECTIONS", "anchor_id", "section_link"]

#: key -> (stage notebook stem, heading).
SECTIONS: dict[str, tuple[str, str]] = {
    "accounting": ("01_validate", "Row accounting"),
    "quarantine": ("01_validate", "Why rows were quarantined"),
    "labels": ("01_validate", "Labels to check: missing values and variant spellings"),
    "sources": ("01_validate", "Sources of information: currency, credibility and coverage"),
    "nonresponse": ("01_validate", "Survey response and non-response bias"),
    "reliability": ("01_validate", "Reliability of the scorecard and the survey"),
    "sample": ("02_sample", "Is the sample representative?"),
    "headline": ("03_quantitative", "Headline KPIs for the review period"),
    "differences": ("03_quantitative", "Questions raised: segments that differ from the rest"),
    "trends": ("03_quantitative", "Trends over the review period"),
    "drivers": ("03_quantitative", "Drivers of satisfaction"),
    "themes": ("04_qualitative", "Themes in survey comments"),
    "sentiment": ("04_qualitative", "Sentiment, and how far to trust it"),
    "spikes": ("04_qualitative", "Theme trends, spikes and emerging issues"),
    "complaints": ("04_qualitative", "Complaints"),
    "calibration": ("04_qualitative", "Reviewer calibration: do QA evaluators score consistently?"),
    "escalations": ("04_qualitative", "Escalations and high-risk issues"),
    "high_risk": ("04_qualitative", "Cases flagged for immediate attention"),
    "gaps": ("05_benchmarks", "Biggest gaps, ranked by impact"),
    "all_gaps": ("05_benchmarks", "Every KPI against its target (whole review period)"),
    "strengths": ("05_benchmarks", "Instances of effective service"),
    "target_review": ("05_benchmarks", "Target review: still challenging and achievable?"),
    "regulatory": ("05_benchmarks", "Regulatory and organisational rules"),
    "actions": ("06_recommendations", "The action plan"),
    "staffing": ("06_recommendations", "Resourcing: agents required against agents deployed"),
    "coaching": ("06_recommendations", "Coaching and training"),
}


def anchor_id(heading: str) -> str:
    """The id nbconvert gives a heading (spaces to ``-``, then URL-quoted)."""
    return quote(heading.replace(" ", "-"), safe="?/:@!$&'()*+,;=")


def section_link(key: str) -> str:
    """Link to one of :data:`SECTIONS`: ``<stage>.html#<anchor>``."""
    stage, heading = SECTIONS[key]
    return f"{stage}.html#{anchor_id(heading)}"
