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
