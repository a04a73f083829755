"""Charts. Each function takes a computed frame and an optional ``ax`` and returns the Axes
(the seaborn convention), so notebooks only arrange and caption them."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

DIMENSIONS = ("completeness", "validity", "uniqueness", "timeliness")


def quality_heatmap(scorecard: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Heatmap of the data-quality scorecard: table.column rows x dimensions, 0-100 %.

    Blank cells are dimensions that do not apply (uniqueness of a non-identifier, timeliness of a
    non-timestamp).
    """
    frame = scorecard.assign(field=scorecard["table"] + "." + scorecard["column"]).set_index("field")
    values = frame[list(DIMENSIONS)].astype(float) * 100
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.32 * len(values) + 1.5))
    sns.heatmap(
        values,
        ax=ax,
        vmin=80,
        vmax=100,
        cmap="RdYlGn",
        annot=True,
        fmt=".1f",
        linewidths=0.5,
        cbar_kws={"label": "% of values (floor 80 %)"},
    )
    ax.set_title("Data-quality scorecard (% of values meeting each dimension)")
    ax.set_xlabel("Quality dimension")
    ax.set_ylabel("Table.column")
    return ax


def row_accounting_chart(accounting: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Stacked horizontal bars per table: usable vs quarantined rows (counts)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.6 * len(accounting) + 1.2))
    frame = accounting.set_index("table")[["rows_usable", "rows_quarantined"]]
    frame.columns = ["usable", "quarantined"]
    frame.plot.barh(stacked=True, ax=ax, color=["#2e7d32", "#c62828"])
    ax.set_title("Rows in = usable + quarantined, per table")
    ax.set_xlabel("Rows (count)")
    ax.set_ylabel("Table")
    ax.invert_yaxis()
    return ax


def sample_mix_chart(mix: pd.DataFrame, *, ax: plt.Axes | None = None, weighted: bool = True) -> plt.Axes:
    """Population vs sample mix (% of contacts) per category of each variable, as paired bars.

    ``mix`` is :func:`csperf_lib.sampling.sample_mix`'s tidy frame; ``weighted`` plots the sample
    as the estimates see it (design-weighted) rather than raw counts.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.28 * max(len(mix), 1) + 1.5))
    ax.set_title("Mix of the population and of the sample, by variable")
    if mix.empty:
        ax.text(0.5, 0.5, "No variable to compare", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    frame = mix.assign(label=mix["variable"].astype(str) + ": " + mix["category"].astype(str))
    share = "weighted_share" if weighted else "sample_share"
    values = frame.set_index("label")[["population_share", share]] * 100
    values.columns = ["population", "sample (weighted)" if weighted else "sample"]
    values.plot.barh(ax=ax, color=["#90a4ae", "#1565c0"], width=0.8)
    ax.invert_yaxis()
    ax.set_title("Mix of the population and of the sample, by variable")
    ax.set_xlabel("% of contacts")
    ax.set_ylabel("Variable: category")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax
