"""Category columns a reviewer cannot trust as they stand: missing values and mangled spellings.

A segment is only as good as its labels. Two faults are common in exports and both quietly change
what a review concludes:

* **Missing values.** Rows with no queue, team or region cannot be judged as a segment: "(not
  recorded)" is not a part of the service, so it must never be compared with a target or with the
  rest. :func:`missing_values` counts them per column, so the review can say how many there are.
* **Variants of one value.** "Brooklyn", "BROOKLYN", "Brooklyn " and a truncated "BROOKLY" are
  one borough, but analysed as written they are four segments, each smaller and noisier, and the
  real one looks better or worse than it is. :func:`category_variants` finds spellings that differ
  only by case, spacing or punctuation, and values cut short mid-word (a value that is the start of
  exactly one longer value, cut inside a word). They are reported, never merged silently: a
  reviewer who agrees maps them in the config (the column's ``values:`` mapping).

Written by hand: the grouping is a normalisation key and a prefix test on the distinct values of a
column, a few lines that no library offers in this form (fuzzy-matching libraries score any two
strings alike, which would also merge "North" with "North East").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from csperf_lib.core.tables import CANONICAL_TABLES, GROUP_DIMENSIONS
from csperf_lib.ingest.store import Store
from csperf_lib.methods.privacy import redact_series

__all__ = ["LABEL_COLUMNS", "MIN_TRUNCATED_LENGTH", "category_variants", "label_quality", "missing_values",
           "variants_from_counts"]

#: Shortest value read as a truncation of a longer one ("Bro" of "Brooklyn" is too short to say).
MIN_TRUNCATED_LENGTH = 4

_PUNCTUATION = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
VARIANT_COLUMNS = ("value", "variant", "rows", "value_rows", "reason")


def _key(value: str) -> str:
    """Case, spacing and punctuation removed: the key two spellings of one value share."""
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", value.casefold())).strip()


def category_variants(values: pd.Series, *, min_length: int = MIN_TRUNCATED_LENGTH) -> pd.DataFrame:
    """Spellings of one category column that look like the same value.

    Parameters
    ----------
    values : Series
        The column (never modified); missing values are ignored.
    min_length : int, keyword-only
        Shortest normalised value read as a truncation of a longer one.

    Returns
    -------
    DataFrame
        One row per variant: ``value`` (the spelling taken as the value: the most frequent full
        spelling of its group, ties to the longer then the alphabetically first), ``variant`` (another spelling),
        ``rows`` (rows with the variant), ``value_rows`` (rows with the value) and ``reason``
        (``"case, spacing or punctuation"`` or ``"truncated"``). Empty when every value is distinct.

    Notes
    -----
    Two spellings are one value when their keys are equal: case-folded, punctuation replaced by
    spaces, runs of white space collapsed. A key of at least ``min_length`` characters is a
    truncation when it is the start of exactly one other key and the cut falls inside a word (the
    longer key continues with a letter or digit), so "North" is not taken for "North East".
    """
    return variants_from_counts(values.dropna().astype("string").value_counts(), min_length=min_length)


def variants_from_counts(counts: pd.Series, *, min_length: int = MIN_TRUNCATED_LENGTH) -> pd.DataFrame:
    """:func:`category_variants` from a column's value counts (spelling -> rows), e.g. counted in
    the store's engine."""
    counts = counts[counts.index.astype(str).str.strip() != ""]
    if counts.empty:
        return pd.DataFrame(columns=list(VARIANT_COLUMNS))
    frame = pd.DataFrame({"spelling": counts.index.astype(str), "rows": counts.to_numpy(dtype="int64")})
    frame["key"] = frame["spelling"].map(_key)
    frame = frame[frame["key"] != ""]
    keys = frame.groupby("key")["rows"].sum()
    parent = {key: _longer(key, keys.index, min_length=min_length) for key in keys.index}
    frame["group"] = frame["key"].map(lambda k: parent[k] or k)
    rows = []
    for key, group in frame.groupby("group", sort=True):
        if len(group) < 2:
            continue
        # the value is a full (not truncated) spelling: the most frequent, ties to the longer
        ranked = group.assign(full=group["key"] == key, length=group["spelling"].str.len()).sort_values(
            ["full", "rows", "length", "spelling"], ascending=[False, False, False, True], kind="stable")
        value = ranked.iloc[0]
        for variant in ranked.iloc[1:].itertuples(index=False):
            reason = "case, spacing or punctuation" if variant.full else "truncated"
            rows.append({"value": value.spelling, "variant": variant.spelling, "rows": int(variant.rows),
                         "value_rows": int(value.rows), "reason": reason})
    return pd.DataFrame(rows, columns=list(VARIANT_COLUMNS))


def _longer(key: str, keys: Sequence[str], *, min_length: int) -> str | None:
    """The one longer key that ``key`` is the start of, cut inside a word; else None."""
    if len(key) < min_length:
        return None
    longer = [k for k in keys if len(k) > len(key) and k.startswith(key) and k[len(key)].isalnum()]
    return longer[0] if len(longer) == 1 else None


def missing_values(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Rows with no value (missing or blank) in each of ``columns`` the frame has.

    Returns
    -------
    DataFrame
        ``column, rows, n, share`` (share of the ``n`` rows, proportion 0-1), only columns with a
        missing value, most missing first.
    """
    rows = []
    n = len(frame)
    for column in columns:
        if column not in frame.columns or n == 0:
            continue
        text = frame[column].astype("string")
        missing = int((text.isna() | (text.str.strip() == "")).sum())
        if missing:
            rows.append({"column": column, "rows": missing, "n": n, "share": missing / n})
    out = pd.DataFrame(rows, columns=["column", "rows", "n", "share"])
    return out.sort_values(["rows", "column"], ascending=[False, True], kind="stable").reset_index(drop=True)


#: Category columns whose labels are checked, per table: the segment dimensions and a complaint's
#: category. Agents and teams are blank on unanswered contacts by design, so among contacts they
#: are counted as missing only on answered ones.
LABEL_COLUMNS = (*GROUP_DIMENSIONS, "category", "sub_category")
_ANSWERED_ONLY = {("contacts", "team"), ("contacts", "agent_id")}


def label_quality(store: Store, tables: Sequence[str], *,
                  mapped: Mapping[str, Iterable[str]] | None = None) -> pd.DataFrame:
    """Missing values and spelling variants of the label columns of ``tables`` in ``store``.

    Counted in the store's engine (one ``GROUP BY`` a column); only value counts come back. With
    ``mapped`` (table -> the canonical columns its source maps, as the collect manifest records
    them), a column no source maps is not checked: it is absent, not missing.

    Returns
    -------
    DataFrame
        One row per table, column and check: ``table, column, check`` (``missing_values`` or
        ``category_variants``), ``rows`` (rows affected), ``n`` (rows considered), ``share``
        (proportion 0-1), ``details`` (for variants, each as "'BROOKLY' (3 rows, truncated) for
        'Brooklyn' (50)", personal data redacted; empty for missing values).
    """
    out = []
    for table in tables:
        if not store.has(table):
            continue
        data = store.table(table)
        kinds = CANONICAL_TABLES[table].columns
        wanted = set(mapped[table]) if mapped is not None and table in mapped else None
        for column in (c for c in LABEL_COLUMNS if c in data.columns and kinds.get(c) == "category"
                       and (wanted is None or c in wanted)):
            scope = data.filter(data.answered.fill_null(False)) if (table, column) in _ANSWERED_ONLY else data
            counts = scope.group_by(v=scope[column]).aggregate(rows=scope.count()).execute()
            n = int(counts["rows"].sum())
            blank = counts["v"].isna() | (counts["v"].astype("string").str.strip() == "")
            missing = int(counts.loc[blank, "rows"].sum())
            if missing:
                out.append({"table": table, "column": column, "check": "missing_values", "rows": missing, "n": n,
                            "share": missing / n, "details": ""})
            variants = variants_from_counts(counts.loc[~blank].set_index("v")["rows"])
            if len(variants):
                rows = int(variants["rows"].sum())
                out.append({"table": table, "column": column, "check": "category_variants", "rows": rows, "n": n,
                            "share": rows / n, "details": _variant_words(variants)})
    return pd.DataFrame(out, columns=["table", "column", "check", "rows", "n", "share", "details"])


def _variant_words(variants: pd.DataFrame) -> str:
    """Each variant in words, personal data redacted (labels can hold a phone number)."""
    value = redact_series(variants["value"].astype("string"))
    variant = redact_series(variants["variant"].astype("string"))
    return "; ".join(f"'{v}' ({r:,} rows, {why}) for '{k}' ({kr:,})" for v, r, why, k, kr in zip(
        variant, variants["rows"], variants["reason"], value, variants["value_rows"], strict=True))

