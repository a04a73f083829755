"""High-risk markers: the words, phrases and patterns that flag a case needing attention whatever
its rating (vulnerability, a regulator or the media named, legal action, a data breach, safety),
loaded from ``csperf_lib/data/high_risk_markers.yaml`` and extended by the config's
``escalations.markers``; a negated mention ("not vulnerable") does not count unless the marker says so.
Used by :mod:`csperf_lib.methods.escalations`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from csperf_lib.core.errors import ConfigError
from csperf_lib.core.settings import MARKER_SEVERITIES, did_you_mean, section_settings
from csperf_lib.methods.text import TermMatcher, term_rules

__all__ = [
    "Marker",
    "Markers",
    "load_markers",
    "DEFAULT_MARKERS",
    "MARKER_FIELDS",
    "SEVERITIES",
]

DEFAULT_MARKERS = "high_risk_markers.yaml"


SEVERITIES = MARKER_SEVERITIES


MARKER_FIELDS = ("category", "label", "reason", "severity", "keywords", "phrases", "patterns", "exclude", "negation")


NEGATION_WINDOW = 3


_NEGATION = re.compile(r"^(?:not|no|never|without|nor|none|cannot|\w+n[’']t)$", re.IGNORECASE)


_CLAUSE_END = re.compile(r"[.;:!?,\n()]")


_WORD = re.compile(r"[\w’']+")


@dataclass(frozen=True)
class Marker(TermMatcher):
    """One high-risk marker.

    Attributes
    ----------
    name : str
        Identifier (snake_case), shown as the reason a case was flagged.
    category : str
        Group of markers (vulnerability, regulator, media, legal, data_breach, safety, …).
    label : str
        How the marker is shown in reports.
    reason : str
        Why a case carrying it needs attention.
    severity : str
        One of :data:`SEVERITIES`.
    keywords, phrases, patterns, exclude : tuple of str
        Matching rules, as in the codebook (whole words, case-insensitive).
    negation : bool
        Whether a negated mention is ignored (see :mod:`csperf_lib.methods.escalations`).
    """

    name: str
    category: str
    label: str
    reason: str
    severity: str
    keywords: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    negation: bool = True

    def matches(self, text: str) -> bool:
        """Whether ``text`` carries the marker (exclusions blanked, negated mentions ignored)."""
        if self.excluder is not None:
            text = self.excluder.sub(lambda m: " " * len(m.group(0)), text)
        for m in self.matcher.finditer(text):
            if not (self.negation and _negated(text, m.start())):
                return True
        return False


def _negated(text: str, start: int) -> bool:
    """A negation word among the NEGATION_WINDOW words before ``start`` within the same clause."""
    before = text[max(0, start - 80):start]
    cut = max((m.end() for m in _CLAUSE_END.finditer(before)), default=0)
    words = _WORD.findall(before[cut:])[-NEGATION_WINDOW:]
    return any(_NEGATION.match(w) for w in words)


@dataclass(frozen=True)
class Markers:
    """An ordered set of high-risk markers.

    Attributes
    ----------
    markers : tuple of Marker
    sources : tuple of str
        Where the markers came from.
    """

    markers: tuple[Marker, ...]
    sources: tuple[str, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        """Marker identifiers in order."""
        return [m.name for m in self.markers]

    @property
    def categories(self) -> list[str]:
        """Distinct categories in order of first appearance."""
        return list(dict.fromkeys(m.category for m in self.markers))

    def table(self) -> pd.DataFrame:
        """The markers as a table a reviewer can read."""
        return pd.DataFrame({
            "marker": self.names, "category": [m.category for m in self.markers],
            "label": [m.label for m in self.markers], "severity": [m.severity for m in self.markers],
            "reason": [m.reason for m in self.markers],
            "keywords and phrases": [", ".join((*m.keywords, *m.phrases)) for m in self.markers],
            "patterns": [len(m.patterns) for m in self.markers],
            "exclusions": [len(m.exclude) for m in self.markers],
            "negation": [m.negation for m in self.markers],
        })


def _parse_marker(name: str, spec: Mapping[str, Any], key: str, problems: list[str]) -> Marker | None:
    before = len(problems)
    for option in spec:
        if option not in MARKER_FIELDS:
            problems.append(f"{key}.{option}: unknown option{did_you_mean(option, MARKER_FIELDS)}")
    rules = term_rules(spec, key, problems)
    category = spec.get("category")
    if not isinstance(category, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", category):
        problems.append(f"{key}.category: required, lower-case snake_case (e.g. vulnerability, legal)")
    severity = spec.get("severity")
    if severity not in SEVERITIES:
        problems.append(f"{key}.severity: must be one of {', '.join(SEVERITIES)} (got {severity!r})")
    reason = spec.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        problems.append(f"{key}.reason: required, one sentence saying why the case needs attention")
    negation = spec.get("negation", True)
    if not isinstance(negation, bool):
        problems.append(f"{key}.negation: must be true or false")
    if len(problems) > before:
        return None
    return Marker(
        name=name, category=category, label=str(spec.get("label") or name.replace("_", " ").capitalize()),
        reason=" ".join(reason.split()), severity=severity, negation=negation, **rules,
    )


def _parse_markers(raw: Any, where: str, problems: list[str], base: Mapping[str, Mapping] | None = None) -> dict[str, Any]:
    """Marker specs by name (merged over ``base`` when a name exists there); None = removed."""
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: must map marker names to their rules")
        return {}
    out: dict[str, Any] = {}
    for name, spec in raw.items():
        key = f"{where}.{name}"
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            problems.append(f"{key}: marker names are lower-case snake_case (letters, digits, _)")
            continue
        if spec is None:
            out[name] = None
            continue
        if not isinstance(spec, Mapping):
            problems.append(f"{key}: must be a mapping with category, reason, severity and keywords, phrases or patterns")
            continue
        merged = {**((base or {}).get(name) or {}), **spec}
        marker = _parse_marker(name, merged, key, problems)
        if marker is not None:
            out[name] = merged
    return out


def load_markers(config=None, *, path: str | Path | None = None) -> Markers:
    """The high-risk markers: the bundled file (or ``path``) extended by ``escalations.markers``.

    Parameters
    ----------
    config : ReviewConfig or mapping, optional
        A :class:`csperf_lib.core.config.ReviewConfig`, the whole parsed review YAML, or the
        ``escalations`` section itself. Its ``markers`` mapping adds markers; a name already
        defined is merged (the fields given replace the built-in ones); ``null`` removes it.
    path : str or Path, optional, keyword-only
        A markers file replacing the bundled one (top-level ``markers`` mapping).

    Raises
    ------
    ConfigError
        Listing every problem in the file and the config at once, each with its key.
    """
    if path is None:
        text = resources.files("csperf_lib.data").joinpath(DEFAULT_MARKERS).read_text(encoding="utf-8")
        source = f"csperf default markers ({DEFAULT_MARKERS})"
    else:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(str(path), ["high-risk markers file not found"])
        text, source = path.read_text(encoding="utf-8"), str(path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(source, [f"not valid YAML: {exc}"]) from exc
    if not isinstance(raw, Mapping) or not isinstance(raw.get("markers"), Mapping):
        raise ConfigError(source, ["a markers file is a YAML mapping with a 'markers' section"])
    problems: list[str] = []
    specs = _parse_markers(raw["markers"], "markers", problems)
    if problems:
        raise ConfigError(source, problems)
    sources = [source]
    config_path, section = section_settings(config, "escalations", bare=True)
    if section.markers is not None:
        # the config's markers are checked against MarkerSettings already; what is left to judge
        # is the marker they make merged over a built-in one of the same name
        for name, spec in section.markers.items():
            if spec is None:
                specs[name] = None
                continue
            merged = {**(specs.get(name) or {}), **spec.model_dump(exclude_none=True)}
            if _parse_marker(name, merged, f"escalations.markers.{name}", problems) is not None:
                specs[name] = merged
        sources.append("review config (escalations.markers)")
    if problems:
        raise ConfigError(config_path, problems)
    markers = tuple(_parse_marker(n, s, n, []) for n, s in specs.items() if s is not None)
    return Markers(markers=markers, sources=tuple(sources))
