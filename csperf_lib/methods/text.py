"""Free-text analysis: codebook themes, theme spikes, emerging issues and representative verbatims.

Every function here expects text that has already been through :func:`csperf_lib.methods.privacy.redact`;
:func:`prepare_texts` does that and is what the qualitative stage calls first.

What is delegated and what is written here:

* **Theme discovery** (candidate themes for the texts the codebook leaves uncoded) lives in
  :mod:`csperf_lib.methods.theme_discovery`.
* **Codebook coding** is hand-written: it is a deterministic dictionary method (keywords with
  wildcards, phrases, regular expressions and exclusions, multi-label), which is what qualitative
  researchers call a "coding frame" applied deductively. No maintained library applies a YAML coding
  frame with these semantics; the code is a thin layer over :mod:`re`, compiled once per theme and run
  on distinct texts only.
* **Spike tests** use the exact conditional test for two Poisson rates (Przyborowski & Wilenski 1940),
  which is a binomial tail from :mod:`scipy.stats`; the Benjamini–Hochberg correction is
  :func:`csperf_lib.methods.stats.fdr_bh`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats as _st

from csperf_lib.core.calendar import week_start
from csperf_lib.core.errors import ConfigError
from csperf_lib.core.formatting import format_p, format_q
from csperf_lib.core.settings import section_settings
from csperf_lib.core.tables import NOT_RECORDED
from csperf_lib.methods.privacy import redact_series
from csperf_lib.methods.stats import fdr_bh, wilson_interval

DEFAULT_CODEBOOK = "codebook.yaml"
THEME_FIELDS = ("label", "description", "keywords", "phrases", "patterns", "exclude")
#: Placeholders written by :func:`csperf_lib.methods.privacy.redact` and masks found in real exports
#: (``XXXX``, ``XX/XX/2019``): never words a theme or a discovered topic may be built on.
MASK_PATTERN = re.compile(r"\[[A-Z_ ]+\]|\b[X]{2,}\b|\bX{2}/X{2}/\d{2,4}\b")
#: What social-media text carries that is not what a customer says about the service: @handles,
#: #hashtags, links, and the initials support staff sign their replies with ("^JD", "-AB" at the
#: end). Removed before any term is counted, so none can become a theme or an emerging issue.
SOCIAL_PATTERN = re.compile(
    r"(?<![\w@])@\w{1,30}|(?<![\w&])#\w+|(?i:\bhttps?://\S+|\bwww\.\S+)|(?:^|\s)[\^*~-]\s?[A-Z]{2,3}\s*$"
)


# --- codebook -----------------------------------------------------------------------------------
def _term_regex(term: str) -> str:
    """Regex of a keyword or phrase: whole words, any spacing, ``*`` at a word's end = any ending."""
    words = term.strip().lower().split()
    parts = []
    for word in words:
        star = word.endswith("*")
        core = re.escape(word.rstrip("*"))
        parts.append(core + (r"[\w'’-]*" if star else ""))
    body = r"\s+".join(parts)
    # \b only where the term starts/ends with a word character ("t&cs" ends in one, "&" is not)
    lead = r"\b" if re.match(r"\w", words[0]) else r"(?<!\w)"
    tail = r"\b" if re.search(r"[\w*]$", words[-1]) else r"(?!\w)"
    return lead + body + tail


class TermMatcher:
    """Compiled matching rules of a text class (a codebook :class:`Theme`, a high-risk marker):
    its ``keywords``, ``phrases`` and ``patterns`` in one alternation, and its ``exclude`` terms.
    Classes using it declare those four tuples of str."""

    keywords: tuple[str, ...]
    phrases: tuple[str, ...]
    patterns: tuple[str, ...]
    exclude: tuple[str, ...]

    @cached_property
    def matcher(self) -> re.Pattern[str]:
        """One compiled alternation of every keyword, phrase and pattern."""
        return compile_terms(self.keywords, self.phrases, self.patterns)

    @cached_property
    def excluder(self) -> re.Pattern[str] | None:
        """Compiled exclusions (terms and regexes alike), or None."""
        return compile_exclusions(self.exclude)


@dataclass(frozen=True)
class Theme(TermMatcher):
    """One theme of a codebook.

    Attributes
    ----------
    name : str
        Identifier (snake_case), used as a column name.
    label : str
        How the theme is shown in reports.
    description : str
        What belongs to the theme.
    keywords, phrases, patterns, exclude : tuple of str
        Matching rules (see ``csperf_lib/data/codebook.yaml`` for their syntax). A text carries the
        theme when any keyword, phrase or pattern matches once the ``exclude`` matches are blanked out.
    """

    name: str
    label: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def matches(self, text: str) -> bool:
        """Whether ``text`` carries this theme."""
        if self.excluder is not None:
            text = self.excluder.sub(" ", text)
        return self.matcher.search(text) is not None


def _is_plain(term: str) -> bool:
    return re.fullmatch(r"[\w\s'’&*-]+", term) is not None


def compile_terms(keywords: Iterable[str] = (), phrases: Iterable[str] = (), patterns: Iterable[str] = ()) -> re.Pattern[str]:
    """One case-insensitive alternation of whole-word keywords (``*`` = any ending), phrases (any
    spacing) and regular expressions; matches nothing when all are empty. Used by codebook themes
    and by the high-risk markers of :mod:`csperf_lib.methods.escalations`."""
    alternatives = [_term_regex(t) for t in (*keywords, *phrases)]
    alternatives += [f"(?:{p})" for p in patterns]
    return re.compile("|".join(alternatives) or r"(?!x)x", re.IGNORECASE)


def compile_exclusions(exclude: Iterable[str]) -> re.Pattern[str] | None:
    """Exclusions (plain terms as whole words, anything else as a regex), or None when empty."""
    exclude = tuple(exclude)
    if not exclude:
        return None
    alternatives = [_term_regex(t) if _is_plain(t) else f"(?:{t})" for t in exclude]
    return re.compile("|".join(alternatives), re.IGNORECASE)


@dataclass(frozen=True)
class Codebook:
    """An ordered set of themes.

    Attributes
    ----------
    themes : tuple of Theme
        In report order.
    sources : tuple of str
        Where the themes came from (the default file, a user file, the review config).
    """

    themes: tuple[Theme, ...]
    sources: tuple[str, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        """Theme identifiers in order."""
        return [t.name for t in self.themes]

    @property
    def labels(self) -> dict[str, str]:
        """Theme identifier -> label."""
        return {t.name: t.label for t in self.themes}

    def table(self) -> pd.DataFrame:
        """The codebook as a table a reviewer can read (one row per theme)."""
        return pd.DataFrame(
            {
                "theme": [t.name for t in self.themes],
                "label": [t.label for t in self.themes],
                "description": [t.description for t in self.themes],
                "keywords and phrases": [", ".join((*t.keywords, *t.phrases)) for t in self.themes],
                "patterns": [len(t.patterns) for t in self.themes],
                "exclusions": [", ".join(t.exclude) for t in self.themes],
            }
        )


def _as_strings(value: Any, key: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{key}: must be a list of non-empty strings")
        return ()
    return tuple(v.strip() for v in value)


def term_rules(spec: Mapping[str, Any], key: str, problems: list[str]) -> dict[str, tuple[str, ...]]:
    """The ``keywords``, ``phrases``, ``patterns`` and ``exclude`` of a theme or a high-risk marker,
    checked (lists of non-empty strings, valid regular expressions, at least one term to match);
    every problem is appended with its key."""
    rules = {f: _as_strings(spec.get(f), f"{key}.{f}", problems) for f in ("keywords", "phrases", "patterns", "exclude")}
    for pattern in (*rules["patterns"], *(e for e in rules["exclude"] if not _is_plain(e))):
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"{key}: pattern {pattern!r} is not a valid regular expression ({exc})")
    if not (rules["keywords"] or rules["phrases"] or rules["patterns"]):
        problems.append(f"{key}: needs at least one keyword, phrase or pattern")
    return rules


def _parse_themes(raw: Any, where: str, problems: list[str]) -> dict[str, Theme]:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: must map theme names to their rules")
        return {}
    themes: dict[str, Theme] = {}
    for name, spec in raw.items():
        key = f"{where}.{name}"
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            problems.append(f"{key}: theme names are lower-case snake_case (letters, digits, _)")
            continue
        if not isinstance(spec, Mapping):
            problems.append(f"{key}: must be a mapping with keywords, phrases or patterns")
            continue
        for option in spec:
            if option not in THEME_FIELDS:
                close = [f for f in THEME_FIELDS if f.startswith(str(option)[:3])]
                hint = f" (did you mean {close[0]}?)" if close else ""
                problems.append(f"{key}.{option}: unknown option{hint}")
        rules = term_rules(spec, key, problems)
        themes[name] = Theme(
            name=name,
            label=str(spec.get("label") or name.replace("_", " ").capitalize()),
            description=" ".join(str(spec.get("description") or "").split()),
            **rules,
        )
    return themes


def _read_yaml(path: Path | None) -> tuple[Any, str]:
    if path is None:
        text = resources.files("csperf_lib.data").joinpath(DEFAULT_CODEBOOK).read_text(encoding="utf-8")
        return yaml.safe_load(text), f"csperf default codebook ({DEFAULT_CODEBOOK})"
    path = Path(path)
    if not path.is_file():
        raise ConfigError(str(path), ["codebook file not found"])
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")), str(path)
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), [f"not valid YAML: {exc}"]) from exc


def load_codebook(path: str | Path | None = None, *, extend: Mapping[str, Any] | None = None) -> Codebook:
    """Read a codebook YAML file (default: the bundled customer-service codebook) and extend it.

    Parameters
    ----------
    path : str or Path, optional
        A codebook file with a top-level ``themes`` mapping; None reads the default.
    extend : mapping, optional, keyword-only
        Further themes (name -> rules); a name already in the codebook replaces that theme.

    Raises
    ------
    ConfigError
        Listing every problem in the file and the extension at once.
    """
    raw, source = _read_yaml(Path(path) if path is not None else None)
    problems: list[str] = []
    if not isinstance(raw, Mapping) or "themes" not in raw:
        raise ConfigError(source, ["a codebook is a YAML mapping with a 'themes' section"])
    themes = _parse_themes(raw["themes"], "themes", problems)
    sources = [source]
    if extend:
        themes.update(_parse_themes(extend, "text.themes", problems))
        sources.append("review config (text.themes)")
    if problems:
        raise ConfigError(source, problems)
    return Codebook(themes=tuple(themes.values()), sources=tuple(sources))


def codebook_from_config(config=None) -> Codebook:
    """The codebook a review uses: ``text.codebook`` (or the default) extended by ``text.themes``
    (the typed ``text`` section, :class:`csperf_lib.core.settings.TextSettings`)."""

    if config is None:
        return load_codebook()
    path, text = section_settings(config, "text")
    codebook = None
    if text.codebook is not None:
        codebook = Path(text.codebook)
        if not codebook.is_absolute():
            codebook = Path(path).parent / codebook
    extend = {name: theme.model_dump(exclude_none=True) for name, theme in (text.themes or {}).items()}
    return load_codebook(codebook, extend=extend or None)


# --- preparing and coding -----------------------------------------------------------------------
def prepare_texts(values: pd.Series) -> pd.Series:
    """Redacted, whitespace-normalised texts; blank or missing values become ``<NA>``.

    This is the only door through which free text enters the analysis: personal data is replaced by
    typed placeholders (:func:`csperf_lib.methods.privacy.redact`) before anything else sees it.
    """
    text = values.astype("string").str.replace(r"\s+", " ", regex=True).str.strip()
    text = text.mask(text.fillna("").eq(""))
    return redact_series(text).astype("string")


def _on_unique(texts: pd.Series, func) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``func`` to each distinct non-missing text; return (codes of each row, results)."""
    codes, uniques = pd.factorize(texts, use_na_sentinel=True)
    return codes, np.asarray([func(u) for u in uniques], dtype=object) if len(uniques) else np.empty(0, object)


def code_texts(texts: pd.Series, *, codebook: Codebook) -> pd.DataFrame:
    """Apply a codebook to texts, multi-label.

    Parameters
    ----------
    texts : pandas.Series
        Redacted texts (see :func:`prepare_texts`); missing values carry no theme.
    codebook : Codebook, keyword-only

    Returns
    -------
    DataFrame
        Indexed like ``texts``: one boolean column per theme (codebook order), then ``n_themes``
        (themes per text) and ``has_text``.
    """
    texts = texts.astype("string")
    codes, uniques = pd.factorize(texts, use_na_sentinel=True)
    lowered = [u.lower() for u in uniques]
    out: dict[str, np.ndarray] = {}
    valid = codes >= 0
    for theme in codebook.themes:
        hit = np.fromiter((theme.matches(u) for u in lowered), dtype=bool, count=len(lowered))
        col = np.zeros(len(texts), dtype=bool)
        col[valid] = hit[codes[valid]]
        out[theme.name] = col
    frame = pd.DataFrame(out, index=texts.index)
    frame["n_themes"] = frame[codebook.names].sum(axis=1).astype(int) if codebook.names else 0
    frame["has_text"] = valid
    return frame


def theme_names(coded: pd.DataFrame) -> list[str]:
    """The theme columns of a :func:`code_texts` frame."""
    return [c for c in coded.columns if c not in ("n_themes", "has_text")]


def theme_coverage(coded: pd.DataFrame, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """How many texts each theme covers, with Wilson 95 % intervals.

    ``share`` = texts with the theme / texts with any text (0–1); the last two rows are
    ``any theme`` (the codebook's coverage) and ``uncoded`` (the remainder left for discovery).
    Wilson (1927) score interval.
    """
    n = int(coded["has_text"].sum())
    labels = codebook.labels if codebook else {}
    rows = [(t, labels.get(t, t.replace("_", " ").capitalize()), int(coded[t].sum())) for t in theme_names(coded)]
    any_theme = int((coded["n_themes"] > 0).sum())
    rows += [("any theme", "Any theme (coverage)", any_theme), ("uncoded", "No theme (uncoded)", n - any_theme)]
    frame = pd.DataFrame(rows, columns=["theme", "label", "count"])
    frame["n"] = n
    frame["share"] = frame["count"] / n if n else np.nan
    lo, hi = wilson_interval(frame["count"].to_numpy(), np.full(len(frame), max(n, 1)))
    frame["ci_low"], frame["ci_high"] = (lo, hi) if n else (np.nan, np.nan)
    return frame


def long_themes(coded: pd.DataFrame) -> pd.DataFrame:
    """One row per (text, theme) for texts with themes: columns ``row`` (the index) and ``theme``."""
    names = theme_names(coded)
    stacked = coded[names].stack()
    stacked = stacked[stacked]
    return pd.DataFrame({"row": stacked.index.get_level_values(0), "theme": stacked.index.get_level_values(1)})


def _for_vectorising(texts: pd.Series) -> pd.Series:
    """Texts as terms are counted from: placeholders, masks, handles, hashtags, links and staff
    sign-offs removed (:data:`MASK_PATTERN`, :data:`SOCIAL_PATTERN`)."""
    return texts.str.replace(MASK_PATTERN, " ", regex=True).str.replace(SOCIAL_PATTERN, " ", regex=True)


# --- trends and spikes --------------------------------------------------------------------------
@dataclass(frozen=True)
class ThemeTrends:
    """Weekly theme counts and the spikes that are statistically real.

    Attributes
    ----------
    weekly : DataFrame
        ``theme, [by], week, week_start, count, total, share``: ``week`` is 1-based, Monday-to-Sunday
        weeks of the review calendar from the week holding ``start``; ``total`` is the number of
        texts that week (in the segment).
    tests : DataFrame
        One row per theme (× segment) × window of 1..max consecutive weeks: ``first_week,
        last_week, count, total, expected, rate_ratio, p_value, q_value``; ``expected`` is the
        texts the window would hold at the theme's rate in the rest of the period, so
        ``rate_ratio = count / expected``.
    spikes : DataFrame
        Non-overlapping windows flagged as spikes (``q_value < alpha``, ``count >= min_count`` and
        ``rate_ratio >= min_ratio``), most significant first, with a ``finding`` sentence.
    start : pandas.Timestamp
        Start of week 1.
    """

    weekly: pd.DataFrame
    tests: pd.DataFrame
    spikes: pd.DataFrame
    start: pd.Timestamp


def _monday(value) -> pd.Timestamp:
    """The Monday of the review-calendar week holding ``value`` (weeks run Monday to Sunday)."""

    return pd.Timestamp(week_start(value))


def _window_tests(counts: np.ndarray, totals: np.ndarray, windows: Iterable[int], *,
                  exposure: np.ndarray | None = None) -> list[tuple]:
    """One-sided exact tests of each window's count against the rest of the period.

    ``exposure`` (default ``totals``) is what the count is a rate of; ``totals`` only reports the
    window's texts.
    """
    exposure = totals if exposure is None else exposure
    big_c, big_e = counts.sum(), exposure.sum()
    out = []
    for length in windows:
        for first in range(0, len(counts) - length + 1):
            c = int(counts[first : first + length].sum())
            t = int(totals[first : first + length].sum())
            e = int(exposure[first : first + length].sum())
            if t == 0 or e == big_e:
                continue
            # Conditional test of two Poisson rates (Przyborowski & Wilenski 1940): given the theme's
            # C texts overall, the number inside the window is Binomial(C, e / E) when rates are equal.
            p0 = e / big_e
            p = float(_st.binom.sf(c - 1, big_c, p0)) if c > 0 else 1.0
            outside_rate = (big_c - c) / (big_e - e)
            ratio = (c / e if e else np.inf) / outside_rate if outside_rate > 0 else (np.inf if c else np.nan)
            # "expected": the window's exposure at the rate of the rest of the period (ratio = c / expected)
            out.append((first + 1, first + length, c, t, outside_rate * e, ratio, p))
    return out


def _spike_tests(counts: np.ndarray, totals: np.ndarray, windows: Iterable[int]) -> list[tuple]:
    """Each window tested twice, and a spike only where both agree (intersection-union test,
    p = the larger p-value; Berger 1982, Technometrics 24:295-300): against the texts *without* the
    theme (so a theme that makes up most of the texts is not hidden by the texts its own spike adds)
    and against the theme's own count per week with texts (so a theme does not "spike" merely
    because the other texts fell). The rate ratio and expected count reported are the test's with
    the smaller ratio."""
    others = _window_tests(counts, totals, windows, exposure=totals - counts)
    in_time = {r[:2]: r for r in _window_tests(counts, totals, windows, exposure=(totals > 0).astype(int))}
    out = []
    for row in others:
        timed = in_time.get(row[:2])
        if timed is None:
            continue
        weaker = row if not (timed[5] < row[5]) else timed
        out.append((*row[:4], weaker[4], weaker[5], max(row[6], timed[6])))
    return out


def theme_trends(
    coded: pd.DataFrame,
    when: pd.Series,
    *,
    start=None,
    by: pd.Series | None = None,
    windows: Iterable[int] = (1, 2),
    alpha: float = 0.05,
    min_count: int = 3,
    min_ratio: float = 1.5,
    labels: Mapping[str, str] | None = None,
) -> ThemeTrends:
    """Weekly theme counts and a test for spikes against each theme's own baseline.

    For each theme (within each segment of ``by``, when given) and each window of 1 to
    ``max(windows)`` consecutive weeks, the count of texts with the theme inside the window is tested
    against the rest of the period, twice (:func:`_spike_tests`, a spike only where both agree):
    relative to the number of texts *without* the theme (so a theme that makes up most of a
    segment's texts is not hidden by the texts its own spike adds), ``X_window | X_total ~
    Binomial(X_total, O_window / O_total)`` where ``O`` counts the texts without the theme, and
    relative to the weeks with texts (the theme's own history) — each the exact conditional test of
    two Poisson rates (Przyborowski & Wilenski 1940; statsmodels ``test_poisson_2indep``,
    ``method="exact-cond"``), one-sided. P-values are adjusted with Benjamini & Hochberg (1995) over
    every window of every theme and segment. A spike must also be material: at least ``min_count``
    texts and a rate ratio of at least ``min_ratio``. Overlapping flagged windows are merged by
    keeping the most significant.

    Parameters
    ----------
    coded : DataFrame
        From :func:`code_texts`.
    when : pandas.Series of datetime
        Timestamp of each text (aligned with ``coded``); rows with a missing time are ignored.
    start : date-like, optional, keyword-only
        A day of week 1 (default: the earliest timestamp). Weeks are the review calendar's:
        Monday to Sunday (:mod:`csperf_lib.core.calendar`), week 1 the one holding ``start``.
    by : pandas.Series, optional, keyword-only
        Segment of each text (e.g. queue): spikes are sought within each segment.
    """
    names = theme_names(coded)
    ok = coded["has_text"].to_numpy() & when.notna().to_numpy()
    stamps = pd.to_datetime(when[ok])
    start = _monday(start if start is not None else (stamps.min() if len(stamps) else pd.Timestamp("1970-01-05")))
    week = ((stamps - start).dt.days // 7 + 1).to_numpy()
    keep = week >= 1
    frame = coded.loc[ok, names].iloc[keep]
    week = week[keep]
    n_weeks = int(week.max()) if len(week) else 0
    segments = by[ok].iloc[keep].astype("string").fillna(NOT_RECORDED) if by is not None else None
    seg_name = by.name if by is not None and by.name else "segment"

    weekly_rows, test_rows = [], []
    groups = [(None, np.ones(len(frame), dtype=bool))] if segments is None else [
        (s, (segments == s).to_numpy()) for s in sorted(segments.unique())
    ]
    for segment, mask in groups:
        totals = np.bincount(week[mask], minlength=n_weeks + 1)[1:]
        for theme in names:
            counts = np.bincount(week[mask & frame[theme].to_numpy()], minlength=n_weeks + 1)[1:]
            for w in range(n_weeks):
                weekly_rows.append((theme, segment, w + 1, start + pd.Timedelta(days=7 * w), int(counts[w]), int(totals[w])))
            if counts.sum() == 0:
                continue
            for row in _spike_tests(counts, totals, windows):
                test_rows.append((theme, segment, *row))

    weekly = pd.DataFrame(weekly_rows, columns=["theme", seg_name, "week", "week_start", "count", "total"])
    weekly["share"] = weekly["count"] / weekly["total"].where(weekly["total"] > 0)
    tests = pd.DataFrame(
        test_rows, columns=["theme", seg_name, "first_week", "last_week", "count", "total", "expected", "rate_ratio", "p_value"]
    )
    tests["q_value"] = fdr_bh(tests["p_value"]) if len(tests) else []
    if segments is None:
        weekly = weekly.drop(columns=seg_name)
        tests = tests.drop(columns=seg_name)
    flagged = tests[(tests["q_value"] < alpha) & (tests["count"] >= min_count) & (tests["rate_ratio"] >= min_ratio)]
    flagged = flagged.sort_values(["p_value", "first_week"], kind="stable")
    chosen, taken = [], {}
    for idx, row in flagged.iterrows():
        key = (row["theme"], row[seg_name] if segments is not None else None)
        span = set(range(int(row["first_week"]), int(row["last_week"]) + 1))
        if taken.get(key, set()) & span:
            continue
        taken.setdefault(key, set()).update(span)
        chosen.append(idx)
    spikes = flagged.loc[chosen].reset_index(drop=True)
    labels = labels or {}
    spikes["week_start"] = [start + pd.Timedelta(days=7 * (int(w) - 1)) for w in spikes["first_week"]]
    spikes["finding"] = [
        _spike_sentence(r, labels.get(r["theme"], r["theme"]), r[seg_name] if segments is not None else None, seg_name)
        for _, r in spikes.iterrows()
    ]
    return ThemeTrends(weekly=weekly, tests=tests, spikes=spikes, start=start)


def _spike_sentence(row: pd.Series, label: str, segment, seg_name: str) -> str:
    weeks = f"week {row['first_week']}" if row["first_week"] == row["last_week"] else f"weeks {row['first_week']}–{row['last_week']}"
    where = f" in {seg_name} {segment}" if segment is not None else ""
    return (
        f"'{label}' spiked{where} in {weeks} (from {row['week_start']:%d %b %Y}): {int(row['count'])} texts "
        f"against {row['expected']:.1f} expected at its rate in the rest of the period (rate ratio {row['rate_ratio']:.1f}, "
        f"{format_p(row['p_value'])}, FDR-adjusted {format_q(row['q_value'])})."
    )


# --- verbatims ----------------------------------------------------------------------------------
def representative_verbatims(
    texts: pd.Series,
    coded: pd.DataFrame,
    *,
    sentiment: pd.Series | None = None,
    n: int = 3,
    max_chars: int = 280,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Representative redacted comments per theme: shortfalls and instances of effective service.

    For each theme, distinct texts carrying it are split by sentiment label (``negative`` →
    ``shortfall``, ``positive`` → ``effective service``; without sentiment, one ``all`` group) and
    ranked by cosine similarity of their TF-IDF vector to the group's centroid — the most typical
    wording first; ties break alphabetically, so the choice is deterministic.

    Returns
    -------
    DataFrame
        ``theme, label, kind, rank, text, mentions`` (how many texts read exactly so). ``text`` is
        plain (not HTML-escaped): display it through pandas or :func:`escape_for_html`.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    labels = labels or {}
    columns = ["theme", "label", "kind", "rank", "text", "mentions"]
    kinds = {"negative": "shortfall", "positive": "effective service"}
    have = coded["has_text"].to_numpy()
    rows = []
    for theme in theme_names(coded):
        mask = have & coded[theme].to_numpy()
        if not mask.any():
            continue
        group_of = (
            sentiment[mask].map(kinds).fillna("") if sentiment is not None else pd.Series("all", index=texts.index[mask])
        )
        subset = texts[mask]
        for kind in ("shortfall", "effective service", "all"):
            chosen = subset[(group_of == kind).to_numpy()].astype(str)
            if chosen.empty:
                continue
            counts = chosen.value_counts()
            distinct = pd.Series(sorted(counts.index))
            if len(distinct) <= n:
                ranked = list(distinct)
            else:
                try:
                    vec = TfidfVectorizer(sublinear_tf=True).fit_transform(_for_vectorising(distinct))
                    centroid = np.asarray(vec.mean(axis=0)).ravel()
                    norm = np.linalg.norm(centroid) or 1.0
                    sim = np.asarray(vec @ centroid).ravel() / norm
                    order = np.lexsort((np.arange(len(distinct)), -np.round(sim, 12)))
                except ValueError:
                    order = np.arange(len(distinct))
                ranked = list(distinct.iloc[order[:n]])
            for i, text in enumerate(ranked[:n], start=1):
                shown = text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"
                rows.append((theme, labels.get(theme, theme), kind, i, shown, int(counts[text])))
    return pd.DataFrame(rows, columns=columns)


def escape_for_html(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell HTML-escaped, for renderers that do not escape (Markdown, Styler)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: html.escape(v) if isinstance(v, str) else v)
    return out


# --- emerging issues ----------------------------------------------------------------------------
@dataclass(frozen=True)
class EmergingIssues:
    """Words and phrases whose use jumps in a window of weeks: new issues a codebook theme can hide.

    A broad theme (billing) moves little when one new problem (a duplicate direct debit after a
    price change) adds a dozen texts to its weekly hundreds; the phrase the customers share
    ("price change") moves from nothing to a dozen. Testing phrases finds such issues early.

    Attributes
    ----------
    issues : DataFrame
        One row per issue, most significant first: ``terms`` (the phrase, then up to four others
        that mark the same texts), ``first_week, last_week, week_start, count`` (texts in the window
        using the phrase), ``expected`` (from its use in the rest of the period), ``rate_ratio,
        p_value, q_value``, ``rows`` (index labels of those texts), then for each context column
        its most common value and that value's share (``queue``, ``queue_share``, …, ``theme``,
        ``theme_share``), and ``finding``.
    n_terms_tested : int
        Distinct words and phrases tested (used in at least ``min_count`` texts).
    n_tests : int
        Phrase × window tests in the false-discovery-rate family.
    """

    issues: pd.DataFrame
    n_terms_tested: int
    n_tests: int


def _term_window_tests(counts: np.ndarray, totals: np.ndarray, *, windows: Sequence[int], n_terms: int) -> list[pd.DataFrame]:
    """For every window of consecutive weeks and every term: the texts using it in the window, the
    count expected at its rate in the rest of the period, the rate ratio and the one-sided
    binomial p of so many (the conditional test of two Poisson rates; Przyborowski & Wilenski 1940)."""
    n_weeks = len(totals)
    big_c, big_t = counts.sum(axis=0), totals.sum()
    tests = []
    for length in windows:
        for first in range(0, n_weeks - length + 1):
            t = totals[first : first + length].sum()
            if t == 0 or t == big_t:
                continue
            c = counts[first : first + length].sum(axis=0)
            p0 = t / big_t
            p = np.where(c > 0, _st.binom.sf(c - 1, big_c, p0), 1.0)
            outside = (big_c - c) / (big_t - t)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(outside > 0, (c / t) / outside, np.inf)
            # "expected": the window's texts at the rate of the rest of the period (so ratio = c / expected)
            tests.append(pd.DataFrame({"term": np.arange(n_terms), "first": first, "length": length, "count": c, "expected": outside * t, "rate_ratio": ratio, "p_value": p}))
    return tests


def _group_issues(flagged: pd.DataFrame, *, week: np.ndarray, matrix: Any, terms: np.ndarray,
                  lowered: np.ndarray) -> list[dict[str, Any]]:
    """Flagged (term, window) tests merged into issues: a term whose texts mostly overlap an earlier
    issue's in an overlapping window joins it (up to five terms, verbatim phrases only)."""
    issues = []
    for row in flagged.itertuples():
        in_window = (week >= row.first) & (week < row.first + row.length)
        members = set(np.flatnonzero(in_window & (matrix[:, row.term].toarray().ravel() > 0)))
        term = terms[row.term]
        # a phrase built across dropped stop words ("charged twice price") is not shown to readers
        verbatim = sum(term in lowered[i] for i in members) * 2 >= len(members)
        for issue in issues:
            overlap = len(members & issue["members"]) / max(len(members), 1)
            if overlap >= 0.5 and not (row.first + row.length <= issue["first"] or issue["first"] + issue["length"] <= row.first):
                if verbatim and len(issue["terms"]) < 5 and term not in issue["terms"]:
                    issue["terms"].append(term)
                break
        else:
            issues.append({"members": members, "terms": [term] if verbatim else [], "fallback": term, "first": row.first, "length": row.length, "row": row})
    for issue in issues:
        issue["terms"] = issue["terms"] or [issue["fallback"]]
    return issues


def _issue_record(issue: dict[str, Any], *, index: pd.Index, start: pd.Timestamp, context: Any, coded: Any,
                  labels: Mapping[str, str]) -> dict[str, Any]:
    """One emerging issue as a row: its terms, weeks, counts, rate ratio, p and q, the texts, where
    it lives (a majority of its texts in one segment) and the finding sentence."""
    row = issue["row"]
    rows = sorted(index[sorted(issue["members"])])
    record = {
        "terms": ", ".join(issue["terms"]),
        "first_week": int(row.first) + 1,
        "last_week": int(row.first + row.length),
        "week_start": start + pd.Timedelta(days=7 * int(row.first)),
        "count": int(row.count),
        "expected": float(row.expected),
        "rate_ratio": float(row.rate_ratio),
        "p_value": float(row.p_value),
        "q_value": float(row.q_value),
        "rows": rows,
    }
    described = []
    for name, values in _issue_context(rows, context, coded, labels).items():
        record[name], record[f"{name}_share"] = values
        if values[1] >= 0.5:  # only a majority says where the issue lives
            described.append(f"{values[1]:.0%} {name} {values[0]}")
    weeks = f"week {record['first_week']}" if record["first_week"] == record["last_week"] else f"weeks {record['first_week']}–{record['last_week']}"
    record["finding"] = (
        f"Emerging issue '{issue['terms'][0]}' in {weeks} (from {record['week_start']:%d %b %Y}): {record['count']} texts against "
        f"{record['expected']:.1f} expected at its rate in the rest of the period (rate ratio {_ratio(record['rate_ratio'])}, {format_p(record['p_value'])}, "
        f"{format_q(record['q_value'])})" + (f"; {', '.join(described)}." if described else ".")
    )
    return record


def emerging_issues(
    texts: pd.Series,
    when: pd.Series,
    *,
    start=None,
    context: pd.DataFrame | None = None,
    coded: pd.DataFrame | None = None,
    windows: Iterable[int] = (1, 2),
    alpha: float = 0.05,
    min_count: int = 5,
    min_ratio: float = 3.0,
    ngram_range: tuple[int, int] = (1, 3),
    labels: Mapping[str, str] | None = None,
) -> EmergingIssues:
    """Find words and phrases whose use spikes in 1 to ``max(windows)`` consecutive weeks.

    Each word or phrase (1–3 words, English stop words dropped, used in at least ``min_count``
    texts) is tested like a theme in :func:`theme_trends`: the number of texts using it inside a
    window, given its total, against ``Binomial(total, texts in window / all texts)`` — the exact
    conditional test of two Poisson rates (Przyborowski & Wilenski 1940), one-sided; Benjamini &
    Hochberg (1995) adjustment over every phrase × window. An issue must be significant
    (``q < alpha``), used in at least ``min_count`` texts in the window and at ``min_ratio`` times its
    rate elsewhere. Phrases marking mostly the same texts (half or more in common) are reported as
    one issue under the most significant, longest phrase.

    Parameters
    ----------
    texts : pandas.Series
        Redacted texts.
    when : pandas.Series
        Timestamps aligned with ``texts``.
    start : date-like, optional, keyword-only
        A day of week 1 (default: the earliest timestamp). Weeks are the review calendar's:
        Monday to Sunday (:mod:`csperf_lib.core.calendar`), week 1 the one holding ``start``.
    context : DataFrame, optional, keyword-only
        Columns to describe each issue by (e.g. queue, category), aligned with ``texts``.
    coded : DataFrame, optional, keyword-only
        :func:`code_texts` output: each issue is attributed to its most common theme.
    """
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer
    columns = ["terms", "first_week", "last_week", "week_start", "count", "expected", "rate_ratio", "p_value", "q_value", "rows", "finding"]
    ok = texts.notna().to_numpy() & when.notna().to_numpy()
    docs, stamps = texts[ok].astype(str), pd.to_datetime(when[ok])
    start = _monday(start if start is not None else stamps.min()) if start is not None or len(stamps) else None
    if start is None or len(docs) < 2 * min_count:
        return EmergingIssues(pd.DataFrame(columns=columns), 0, 0)
    week = ((stamps - start).dt.days // 7).to_numpy()
    keep = week >= 0
    docs, week = docs[keep], week[keep]
    try:
        vectoriser = CountVectorizer(
            binary=True, stop_words="english", ngram_range=ngram_range, min_df=min_count,
            token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z']+\b",
        )
        matrix = vectoriser.fit_transform(_for_vectorising(docs)).tocsc()
    except ValueError:
        return EmergingIssues(pd.DataFrame(columns=columns), 0, 0)
    terms = vectoriser.get_feature_names_out()
    n_weeks = int(week.max()) + 1
    onehot = sparse.csr_matrix((np.ones(len(week)), (week, np.arange(len(week)))), shape=(n_weeks, len(week)))
    counts = np.asarray((onehot @ matrix).todense())  # weeks × terms
    totals = np.bincount(week, minlength=n_weeks)
    tests = _term_window_tests(counts, totals, windows=windows, n_terms=len(terms))
    if not tests:
        return EmergingIssues(pd.DataFrame(columns=columns), len(terms), 0)
    table = pd.concat(tests, ignore_index=True)
    table["q_value"] = fdr_bh(table["p_value"])
    flagged = table[(table["q_value"] < alpha) & (table["count"] >= min_count) & (table["rate_ratio"] >= min_ratio)].copy()
    flagged["words"] = [len(terms[i].split()) for i in flagged["term"]]
    flagged = flagged.sort_values(["p_value", "words", "first"], ascending=[True, False, True], kind="stable")
    index = docs.index
    lowered = docs.str.lower().str.replace(r"\s+", " ", regex=True).to_numpy()
    issues = _group_issues(flagged, week=week, matrix=matrix, terms=terms, lowered=lowered)
    labels = labels or {}
    records = [_issue_record(issue, index=index, start=start, context=context, coded=coded, labels=labels)
               for issue in issues]
    frame = pd.DataFrame(records) if records else pd.DataFrame(columns=columns)
    return EmergingIssues(frame, len(terms), len(table))


def _ratio(value: float) -> str:
    return "∞ (unused elsewhere)" if not np.isfinite(value) else f"{value:.1f}"


def _issue_context(rows, context, coded, labels) -> dict[str, tuple[str, float]]:
    out: dict[str, tuple[str, float]] = {}
    if context is not None:
        for name in context.columns:
            values = context.loc[rows, name].astype("string").fillna(NOT_RECORDED)
            if len(values):
                top = values.value_counts()
                out[name] = (str(top.index[0]), float(top.iloc[0] / len(values)))
    if coded is not None:
        sums = coded.loc[rows, theme_names(coded)].sum()
        if len(rows) and sums.max() > 0:
            name = str(sums.idxmax())
            out["theme"] = (labels.get(name, name), float(sums.max() / len(rows)))
    return out
