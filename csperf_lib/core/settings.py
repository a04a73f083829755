"""The review config as typed models: every section of ``review.yaml`` declared once.

Each section is a pydantic v2 model (unknown keys refused, types, ranges and allowed values
declared), so :func:`csperf_lib.core.config.load_config` checks the whole file before any stage starts,
stages receive typed objects (``ReviewConfig.settings``), and ``csperf config-schema`` prints the
JSON Schema generated from these models (editors use it for completion and checking).

What a section means is documented where it is used (the module named in each model's docstring);
this module only declares its shape. Checks that need a module's own knowledge — a custom KPI's
filter grammar against the canonical columns, a codebook's regular expressions, a targets file's
KPI ids — run at load too, through :func:`csperf_lib.stages.config_check.check_config`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    WithJsonSchema,
    field_validator,
)

from csperf_lib.core.errors import ConfigError
from csperf_lib.core.findings import KINDS as FINDING_KINDS

__all__ = [
    "CHANNELS",
    "COACHING_METHOD_NAMES",
    "DEFERRED_CHANNELS",
    "MARKER_SEVERITIES",
    "ColumnMapping",
    "ComplaintsSettings",
    "EscalationsSettings",
    "FileSource",
    "KpisSettings",
    "PeriodSettings",
    "PrivacySettings",
    "RecommendationsSettings",
    "ReviewSettings",
    "SamplingSettingsModel",
    "SqlSource",
    "StaffingSettings",
    "StoreSettings",
    "TableSettings",
    "TextSettings",
    "ValidationSettingsModel",
    "config_json_schema",
    "did_you_mean",
    "model_problems",
    "section_settings",
    "settings_problems",
]

#: Contact channels of the canonical tables (:mod:`csperf_lib.core.tables`).
CHANNELS = ("phone", "email", "chat", "social", "other")
#: Channels answered from a backlog (hours, not seconds): an Erlang queue does not describe them.
DEFERRED_CHANNELS = ("email", "social")
#: Coaching methods a config may name (CFACSD20 K7), plus classroom training for team-wide needs.
COACHING_METHOD_NAMES = ("side-by-side listening", "call review", "role play", "e-learning", "buddying",
                         "classroom training")
#: Severities of a high-risk marker, most urgent first.
MARKER_SEVERITIES = ("critical", "high", "medium")


def did_you_mean(word: Any, known: Sequence[str] | set[str] | frozenset[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``known`` to ``word``, or ``""`` — the one
    "did you mean" of every config message."""
    close = difflib.get_close_matches(str(word), sorted(str(k) for k in known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _a_number(value: Any) -> Any:
    """Refuse true/false where a number is meant (pydantic would read true as 1)."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


def _share(value: Any) -> Any:
    """A share 0-1; a percentage written as 70 gets the hint to write 0.7."""
    _a_number(value)
    if isinstance(value, int | float) and not 0 <= value <= 1:
        hint = f" (write {value / 100:g} for {value:g} %)" if 1 < value <= 100 else ""
        raise ValueError(f"{value:g} is not a share between 0 and 1{hint}")
    return value


#: A finite number, never true/false (pydantic's lax mode would read true as 1), NaN or infinity;
#: strict mode still accepts a whole number for a float.
Number = Annotated[float, Strict(), AllowInfNan(False)]
#: A share between 0 and 1.
Proportion = Annotated[float, BeforeValidator(_share), AllowInfNan(False),
                       WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1})]
#: A whole number, never true/false.
Whole = Annotated[int, Strict()]
PositiveDays = Annotated[Number, Field(gt=0)]
SnakeName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


def _channel(name: str) -> str:
    if name not in CHANNELS:
        raise ValueError(f"unknown channel '{name}'{did_you_mean(name, CHANNELS)}")
    return name


def _queued_channel(name: str) -> str:
    if name in DEFERRED_CHANNELS:
        raise ValueError(f"{name} is answered from a backlog, not queued in real time; an Erlang model "
                         "does not apply (backlog staffing is deferred work)")
    return _channel(name)


def _coaching_method(name: str) -> str:
    if name.strip().lower() not in COACHING_METHOD_NAMES:
        raise ValueError(f"'{name}' is not a coaching method{did_you_mean(name, COACHING_METHOD_NAMES)}")
    return name.strip().lower()


def _one_or_more(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _one_or_more_of(names: Sequence[str]) -> dict[str, Any]:
    """The JSON Schema of "one of ``names``, or a list of them"."""
    one = {"type": "string", "enum": list(names)}
    return {"anyOf": [one, {"type": "array", "items": one, "minItems": 1}]}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _regexes(values: Sequence[str] | None) -> Sequence[str] | None:
    for pattern in values or ():
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a valid regular expression ({exc})") from None
    return values


# --- the data sources ---------------------------------------------------------------------------
class FileSource(_Section):
    """A file export (:mod:`csperf_lib.ingest.readers`): CSV/TSV/TXT, Excel or Parquet."""

    file: str = Field(description="Path of the export, relative to the config file's folder.")
    format: Literal["csv", "excel", "parquet"] | None = Field(None, description="Reader; by default from the file's suffix.")
    delimiter: str | None = Field(None, description="CSV delimiter; sniffed when absent.")
    encoding: str | None = Field(None, description="Text encoding; UTF-8 (with or without BOM), else cp1252, when absent.")
    skip_rows: Annotated[Whole, Field(ge=0)] | None = Field(None, description="Stray lines before the header.")
    header_names: list[str] | None = Field(
        None, description="The file has no header line: the names of its columns, in order (csperf init writes them "
        "when it finds the first line is a record).")
    sheet: str | int | None = Field(None, description="Excel sheet name or index.")
    na_values: list[str] | None = Field(None, description="Extra strings meaning 'missing'.")
    decimal: str | None = Field(None, description="Decimal separator of numbers; decided from the data when absent.")
    thousands: str | None = Field(None, description="Thousands separator of numbers; decided from the data when absent.")


class SqlQuery(_Section):
    """A query on a SQLAlchemy URL; the password comes from an environment variable, never the file."""

    url: str = Field(description="SQLAlchemy URL without a password, e.g. postgresql+psycopg://user@host/db.")
    query: str = Field(description="The SELECT that returns the rows.")
    password_env: str | None = Field(None, description="Environment variable holding the password.")


class SqlSource(_Section):
    """A database source."""

    sql: SqlQuery


class ColumnMapping(_Section):
    """How one canonical column is read (:mod:`csperf_lib.core.config`, "Column specs")."""

    column: str | None = Field(None, description="The source column.")
    value: Any = Field(None, description="A constant for every row (instead of column).")
    values: dict[Any, Any] | None = Field(None, description="Source value -> canonical value, applied before conversion.")
    format: str | None = Field(None, description="strftime format, iso, excel_serial; a duration format; or percent.")
    unit: Literal["milliseconds", "seconds", "minutes", "hours", "days"] | None = Field(None, description="Unit of plain numbers for a duration.")
    dayfirst: bool | None = Field(None, description="Read 01/02/2026 as 1 February (true) or 2 January (false).")
    time_column: str | None = Field(None, description="A separate time-of-day column added to the date.")
    time_format: str | None = Field(None, description="Format of time_column (%H:%M:%S style, or day_fraction).")
    hash_of: list[str] | None = Field(None, description="Source columns whose values together identify a record.")
    average_of: str | None = Field(None, description="Canonical count column this per-row average is over.")


class TableSettings(_Section):
    """One canonical table: where it comes from and how its columns map (:mod:`csperf_lib.core.tables`)."""

    source: FileSource | SqlSource
    columns: dict[str, str | ColumnMapping] = Field(description="Canonical column -> source column or a column spec.")
    skip_when_blank: str | list[str] | None = Field(
        None, description="Canonical columns that, all blank, mean a record is not a row of this table.")


# --- top-level sections -------------------------------------------------------------------------
class PeriodSettings(_Section):
    """The review period, inclusive; either end may be left open (whatever the data covers)."""

    start: dt.date | None = None
    end: dt.date | None = None


class StoreSettings(_Section):
    """The processed store (:mod:`csperf_lib.ingest.store`)."""

    url: str | None = Field(None, description="duckdb:///path.duckdb, or any Ibis backend URL without a password.")
    password_env: str | None = Field(None, description="Environment variable holding the store's password.")


class ValidationSettingsModel(_Section):
    """Thresholds of the validate stage (:mod:`csperf_lib.stages.validate`)."""

    min_usable_share: Proportion = Field(0.9, description="Stop the review below this share of usable rows in any table.")
    future_tolerance_s: Annotated[Number, Field(ge=0)] = Field(
        300.0, description="Seconds a timestamp may lie after the extraction before it is 'in the future'.")


class CustomKpi(_Section):
    """A KPI of the review's own, with the catalogue's fields (``csperf_lib/data/kpis.yaml``)."""

    id: SnakeName
    name: str
    definition: str | None = None
    table: Literal["contacts", "surveys", "qa_evaluations", "complaints", "intervals"]
    grain: str | None = None
    kind: Literal["count", "proportion", "mean", "nps", "rate_per_1000", "ratio"] | None = None
    statistic: Literal["mean", "nps", "ratio_of_sums"] | None = None
    where: Any = None
    numerator: Any = None
    denominator: Any = None
    value: Any = None
    denominator_table: str | None = None
    unit: Literal["count", "proportion", "percent", "seconds", "days", "score_1_5", "score_1_7", "nps",
                  "per_1000_contacts", "ratio", "number"] | None = None
    direction: Literal["higher_is_better", "lower_is_better", "neutral"] | None = None
    ci: Literal["wilson", "t", "nps_multinomial", "poisson", "delta", "none"] | None = None
    applies_to: str | list[str] | None = None
    requires: list[str] | None = None


class KpisSettings(_Section):
    """Options of the KPI catalogue and custom KPIs (:mod:`csperf_lib.methods.kpis`)."""

    service_level_threshold_s: Annotated[Number, Field(ge=0)] = Field(
        20, description="Seconds within which an answered contact counts towards the service level.")
    exclude_short_abandons_s: Annotated[Number, Field(ge=0)] | None = Field(
        None, description="Abandons quicker than this leave the service level's offered contacts.")
    csat_top2box_min: Annotated[Number, Field(ge=1, le=5)] = Field(4, description="Lowest CSAT counted as satisfied.")
    qa_critical_pass_ratio: Proportion = Field(1.0, description="A critical QA item fails below this share of its maximum.")
    confidence: Annotated[Number, Field(ge=0.5, le=0.999)] = Field(0.95, description="Two-sided level of every interval.")
    custom: list[CustomKpi] = Field(default_factory=list, description="KPIs of the review's own.")


class SamplingSettingsModel(_Section):
    """The QA sampling design (:mod:`csperf_lib.stages.sample`, :mod:`csperf_lib.methods.sampling`)."""

    margin: Annotated[Number, Field(gt=0, lt=1)] | None = Field(None, description="Margin of error, proportion (default 0.05).")
    confidence: Annotated[Number, Field(gt=0, lt=1)] | None = Field(None, description="Confidence level (default 0.95).")
    strata: list[str] | None = Field(None, description="Stratification columns (default channel, queue, team).")
    allocation: Literal["proportional", "neyman", "equal"] | None = None
    per_agent: Annotated[Whole, Field(ge=0)] | None = Field(None, description="Least contacts sampled per agent (default 2).")
    seed: Whole | None = Field(None, description="Random seed of the draw (default 2026).")
    filled_worksheet: str | None = Field(None, description="A worksheet filled in after an earlier run.")
    aql: Annotated[Number, Field(gt=0)] | None = Field(None, description="ISO 2859-1 acceptance quality limit, percent.")


class TargetSettings(_Section):
    """One target (:mod:`csperf_lib.methods.targets`; template ``templates/targets.yaml``)."""

    kpi: str
    segment: dict[str, Any] | str | None = None
    target: Number
    tolerance: Number | str | None = None
    source: str | None = None
    owner: str | None = None
    baseline: Number | None = None
    deadline: dt.date | str | None = None
    review_date: dt.date | str | None = None
    rationale: str | None = None
    caveat: str | None = None


class RegulatoryRuleSettings(_Section):
    """A regulatory or organisational time rule, checked as a compliance rate."""

    id: SnakeName
    description: str | None = None
    source: str | None = None
    table: str | None = None
    start: str | None = None
    end: str | None = None
    required_rate: Proportion | None = None
    caveat: str | None = None
    within_days: Annotated[Number, Field(gt=0)] | None = None
    within_hours: Annotated[Number, Field(gt=0)] | None = None
    within_s: Annotated[Number, Field(gt=0)] | None = None


class TargetsDocument(_Section):
    """Targets inline in the config (or the content of a targets file)."""

    use_benchmarks: bool = Field(True, description="KPIs without a target fall back to indicative benchmarks.")
    targets: list[TargetSettings] = Field(default_factory=list)
    regulatory: Literal["uk_fca_disp"] | list[RegulatoryRuleSettings] | None = Field(
        None, description="Regulatory rules judged case by case: a built-in rule set by name (uk_fca_disp: "
        "UK FCA DISP 1.6 complaint deadlines from the complaints: section), or the rules themselves. "
        "None apply unless named: a jurisdiction's rules are never assumed.")


class _Matcher(_Section):
    """What a theme or a marker matches in text: words, phrases, regular expressions, exclusions."""

    keywords: list[str] | None = Field(None, description="Single words; a trailing * matches any ending.")
    phrases: list[str] | None = Field(None, description="Word sequences matched as whole words.")
    patterns: list[str] | None = Field(None, description="Python regular expressions, case-insensitive.")
    exclude: list[str] | None = Field(None, description="Keywords, phrases or patterns that cannot count.")

    @field_validator("patterns", "exclude")
    @classmethod
    def _valid_patterns(cls, value):
        return _regexes(value)


class ThemeSettings(_Matcher):
    """A codebook theme (``csperf_lib/data/codebook.yaml``)."""

    label: str | None = None
    description: str | None = None


class TextSettings(_Section):
    """The codebook of free-text themes (:mod:`csperf_lib.methods.text`)."""

    codebook: str | None = Field(None, description="A codebook file replacing the default one.")
    themes: dict[SnakeName, ThemeSettings] | None = Field(None, description="Themes added to (or overriding) the codebook.")


class StaffingSettings(_Section):
    """The resourcing review (:mod:`csperf_lib.methods.staffing_review`)."""

    channels: Annotated[list[Annotated[str, AfterValidator(_queued_channel)]], BeforeValidator(_one_or_more),
                        Field(min_length=1), WithJsonSchema(_one_or_more_of(
                            [c for c in CHANNELS if c not in DEFERRED_CHANNELS]))] | None = Field(
        None, description="Queued real-time channels modelled (default phone); not email or social.")
    interval_minutes: Annotated[Whole, Field(gt=0, le=1440)] | None = Field(
        None, description="Planning interval, minutes; divides a day (15, 30, 60 ...).")
    target_s: Annotated[Number, Field(gt=0)] | None = Field(None, description="Service-level threshold, seconds.")
    service_level: Annotated[Number, Field(gt=0, lt=1)] | None = Field(None, description="Service-level target, proportion.")
    max_occupancy: Annotated[Number, Field(gt=0, le=1)] | None = Field(None, description="Occupancy cap.")
    shrinkage: Annotated[Number, Field(ge=0, lt=1)] | None = Field(None, description="Share of paid time not on the phones.")
    min_offered: Annotated[Number, Field(ge=0)] | None = Field(None, description="Mean contacts per interval below which a cell is not judged.")

    @field_validator("interval_minutes")
    @classmethod
    def _divides_a_day(cls, value):
        if value is not None and 1440 % value:
            raise ValueError(f"{value} minutes does not divide a day; use 15, 30, 60 ...")
        return value


class RuleOption(_Section):
    """One way to act, judged from the customer's point of view."""

    name: str
    customer: str
    benefit: str
    risk: str


OneOrMore = str | list[str]
FindingKindName = Literal[FINDING_KINDS]  # type: ignore[valid-type]


class FindingConditions(_Section):
    """The fields a recommendation rule matches findings by (:func:`csperf_lib.stages.recommendations.match_findings`);
    a list means "any of"."""

    kind: FindingKindName | list[FindingKindName] | None = Field(None, description="Finding kind(s).")
    kpi: OneOrMore | None = Field(None, description="KPI ids.")
    dimension: OneOrMore | None = Field(None, description="all (the whole review), channel, queue, team, region, agent …")
    segment: OneOrMore | None = None
    significant: bool | None = None
    favourable: bool | None = None
    direction: Literal["up", "down"] | None = None
    min_effect: Number | None = Field(None, description="Smallest absolute effect size.")
    min_n: Whole | None = Field(None, description="Smallest n behind the estimate.")
    attributes: dict[str, Any] | None = Field(None, description="Attributes that must equal a value (or one of a list).")
    min: dict[str, float] | None = Field(None, description="Attributes that must be at least a value.")


RULE_PATTERNS = ("kpi_shortfall", "kpi_trend", "agent_weakness", "training_need", "complaint_issue",
                 "target_review", "calibration", "regulatory", "escalation_outlier", "escalation_cause",
                 "staffing_shortfall")
ACTION_KINDS = ("resource_change", "training", "coaching", "root_cause", "target_change", "service_improvement",
                "calibration", "compliance", "authority_boundaries")


class RuleSettings(_Section):
    """A recommendation rule (``csperf_lib/data/recommendation_rules.yaml``), built-in or the config's."""

    id: str = Field(min_length=1)
    pattern: Literal[RULE_PATTERNS] = Field(description="How matched findings are grouped and the action filled.")  # type: ignore[valid-type]
    finding: FindingConditions | None = Field(None, description="Conditions on the fields of the findings acted on.")
    when: dict[str, Any] | None = Field(None, description="Grouping and other needs of the pattern (group, understaffed, supporting_themes).")
    kind: Literal[ACTION_KINDS]  # type: ignore[valid-type]
    owner: str = Field(min_length=1)
    action: str = Field(min_length=1)
    measure: str | None = None
    review_days: Annotated[Whole, Field(gt=0)] = Field(28, description="Days after the review period's end when progress is reviewed.")
    options: list[RuleOption] = Field(description="At least two, judged from the customer's point of view; the first is recommended.")

    @field_validator("options")
    @classmethod
    def _two_options(cls, value):
        if len(value) < 2:
            raise ValueError("at least two options are needed, to compare")
        return value


class RecommendationsSettings(_Section):
    """Coaching thresholds and the recommendation rules (:mod:`csperf_lib.methods.coaching`, :mod:`csperf_lib.stages.recommendations`)."""

    min_evaluations: Annotated[Whole, Field(ge=2)] | None = Field(None, description="Fewest QA evaluations to judge an agent.")
    item_threshold: Proportion | dict[str, Proportion] | None = Field(
        None, description="Standard per scorecard item (a share of its maximum), or per item with a default.")
    training_share: Proportion | None = Field(None, description="Share of agents below standard that makes team training.")
    follow_up_days: Annotated[Whole, Field(ge=1)] | None = None
    coaching_methods: dict[str, Annotated[list[Annotated[str, AfterValidator(_coaching_method)]],
                                          BeforeValidator(_one_or_more), Field(min_length=1),
                                          WithJsonSchema(_one_or_more_of(COACHING_METHOD_NAMES))]] | None = Field(
        None, description="Item kind or item name -> the coaching method(s) for it, e.g. knowledge: [call review].")
    rules: list[RuleSettings] | None = None
    owners: dict[str, str] | None = None


class MarkerSettings(_Matcher):
    """A high-risk marker (``csperf_lib/data/high_risk_markers.yaml``); fields merge over a built-in one."""

    category: SnakeName | None = None
    label: str | None = None
    reason: str | None = None
    severity: Literal[MARKER_SEVERITIES] | None = None  # type: ignore[valid-type]
    negation: bool | None = None


class EscalationsSettings(_Section):
    """Escalations and high-risk markers (:mod:`csperf_lib.methods.escalations`)."""

    markers: dict[SnakeName, MarkerSettings | None] | None = Field(None, description="Markers added, changed or (null) removed.")
    recurrence_window_days: Annotated[Whole, Field(gt=0)] | None = Field(None, description="Follow-up window for complaints after an escalation (default 30).")


class ComplaintsSettings(_Section):
    """Complaint handling targets (:mod:`csperf_lib.methods.complaints`)."""

    acknowledge_within_days: PositiveDays = Field(3.0, description="Calendar days to acknowledge (default 3).")
    resolve_within_days: PositiveDays = Field(56.0, description="Calendar days to resolve (default 56, 8 weeks).")
    required_share: Proportion | None = Field(None, description="Share of complaints that should meet each target.")


class PrivacySettings(_Section):
    """Pseudonymisation (:mod:`csperf_lib.methods.privacy`)."""

    key_env: str = Field("CSPERF_PSEUDONYM_KEY", description="Environment variable holding the pseudonymisation key.")
    key_file: str | None = Field(
        None, description="File holding the pseudonymisation key when the environment variable is not set (relative "
        "to the config); created once, readable by its owner only. Default: csperf/pseudonym.key in the user's "
        "configuration folder ($XDG_CONFIG_HOME, else ~/.config).")


class ReviewSettings(_Section):
    """A whole ``review.yaml``."""

    organisation: str = Field("Unnamed organisation", description="Shown on the report cover.")
    reviewer: str = Field("Unnamed reviewer", description="The candidate or quality reviewer.")
    period: PeriodSettings = Field(default_factory=PeriodSettings)
    timezone: str | None = Field(None, description="Zone that source timestamps with a time zone or UTC offset are "
                                 "converted to (e.g. Europe/London); none: each keeps the clock it was written in.")
    store: StoreSettings = Field(default_factory=StoreSettings)
    validation: ValidationSettingsModel = Field(default_factory=ValidationSettingsModel)
    tables: dict[Literal["contacts", "intervals", "surveys", "qa_evaluations", "complaints"], TableSettings]
    kpis: KpisSettings = Field(default_factory=KpisSettings)
    sampling: SamplingSettingsModel = Field(default_factory=SamplingSettingsModel)
    targets: str | TargetsDocument | list[TargetSettings] | None = Field(
        None, description="A targets file (relative to the config), or the targets inline.")
    text: TextSettings = Field(default_factory=TextSettings)
    staffing: StaffingSettings = Field(default_factory=StaffingSettings)
    recommendations: RecommendationsSettings = Field(default_factory=RecommendationsSettings)
    escalations: EscalationsSettings = Field(default_factory=EscalationsSettings)
    complaints: ComplaintsSettings = Field(default_factory=ComplaintsSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)


#: The sections the hand-written reader of :mod:`csperf_lib.core.config` checks in detail (with the
#: canonical schema); the models above still declare their shape for the JSON Schema.
DETAILED_SECTIONS = ("organisation", "reviewer", "period", "timezone", "store", "validation", "tables")


def _path(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _model_at(loc: Sequence[Any], root: type[BaseModel]) -> type[BaseModel] | None:
    """The model whose field the location ends in (for "did you mean")."""
    model: Any = root
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        field = getattr(model, "model_fields", {}).get(str(part))
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


_TAG = re.compile(r"^(str|int|float|bool|none|date|datetime|[A-Z]\w*|(list|dict|tuple|set|literal|union|nullable|"
                  r"function-\w+|lax-or-strict|json-or-python|chain|tagged-union|is-instance|constrained-\w+)\[.*\]|"
                  r"constrained-\w+)$")


def _is_tag(part: Any) -> bool:
    """Whether a part of an error location names a union member pydantic tried (not a key)."""
    return isinstance(part, str) and bool(_TAG.match(part))


def _type_words(kind: str, message: str) -> str:
    words = re.sub(r" or instance of \w+", "", message.replace("Input should be ", ""))
    words = words.replace("a valid dictionary", "a mapping")
    return words.replace("a valid ", "a ").replace("an object", "a mapping")


def settings_problems(raw: Mapping[str, Any], *, skip: Sequence[str] = DETAILED_SECTIONS) -> list[str]:
    """Every problem of the config's sections against :class:`ReviewSettings`, each as
    ``key.path: message`` (an unknown key with a "did you mean"); sections in ``skip`` are left to
    their detailed reader.

    Where a value may take several shapes (a targets file name, a document or a list), the
    problems of the shape the value has are reported, not "is not a string" for each other shape.
    """
    subset = {k: v for k, v in raw.items() if k not in skip}
    known = set(ReviewSettings.model_fields)
    problems = []
    for key in subset:
        if key not in known:
            close = difflib.get_close_matches(str(key), sorted(known), n=1)
            problems.append(f"{key}: unknown section" + (f" (did you mean '{close[0]}'?)" if close else ""))
    subset = {k: v for k, v in subset.items() if k in known}
    probe = {"tables": {}, **{k: (v if v is not None else {}) if k != "targets" else v for k, v in subset.items()}}
    return list(dict.fromkeys(problems + model_problems(ReviewSettings, probe)))


def model_problems(model: type[BaseModel], data: Any, *, prefix: str = "") -> list[str]:
    """Every problem of ``data`` against ``model``, each as ``prefix + key.path: message`` — the
    one translation of pydantic's errors into csperf's config messages (an unknown key with a
    "did you mean"; for a value that may take several shapes, the problems of its own shape)."""
    try:
        model.model_validate(data)
    except ValidationError as err:
        return _translate(err, model, prefix)
    return []


def _translate(err: ValidationError, root: type[BaseModel], prefix: str) -> list[str]:
    problems: list[str] = []
    groups: dict[tuple, list[dict]] = {}
    for e in err.errors():
        loc = list(e["loc"])
        first_tag = next((i for i, p in enumerate(loc) if _is_tag(p)), len(loc))
        groups.setdefault(tuple(loc[:first_tag]), []).append(e)

    def at(loc) -> str:
        path = _path(loc)
        if not prefix:
            return path
        return prefix + (path if not path or path.startswith("[") else "." + path)

    for base, errors in groups.items():
        # a type error right at a union member only says the value has another shape; errors
        # inside a member's structure are the value's own problems
        structural = [e for e in errors if not e["type"].endswith("_type") and e["type"] not in ("literal_error",)
                      or len([p for p in e["loc"] if _is_tag(p)]) == 0 or len(e["loc"]) > len(base) + 1]
        deep = [e for e in structural if len(e["loc"]) > len(base) + 1] or structural
        if not deep:
            shapes = sorted({_type_words(e["type"], e["msg"]) for e in errors})
            got = errors[0].get("input")
            problems.append(f"{at(base)}: must be {' or '.join(shapes)}" + (f" (got {got!r})" if not isinstance(got, (dict, list)) else ""))
            continue
        for e in deep:
            loc = [p for p in e["loc"] if not _is_tag(p)]
            if loc and loc[-1] == "[key]":
                problems.append(f"{at(loc[:-1])}: a name here must be lower-case snake_case (letters, digits, _)")
                continue
            if e["type"] == "extra_forbidden":
                found = _model_at(loc, root)
                fields = sorted(found.model_fields) if found is not None else []
                problems.append(f"{at(loc)}: unknown option{did_you_mean(loc[-1], fields)}")
            elif e["type"] == "model_type":
                found = _model_at([*loc, "?"], root)
                fields = ", ".join(found.model_fields) if found is not None else ""
                problems.append(f"{at(loc)}: must be a mapping of options" + (f" ({fields})" if fields else ""))
            else:
                message = (e["msg"].replace("Value error, ", "").replace("Input should be", "must be")
                           .replace("String should match", "must match").replace("List should have", "needs")
                           .replace("a valid number, unable to parse string as a number", "a number")
                           .replace("a valid dictionary", "a mapping").replace("a valid list", "a list")
                           .replace("a valid integer, unable to parse string as an integer", "a whole number")
                           .replace("a valid number", "a number").replace("a valid integer", "a whole number"))
                got = e.get("input")
                said = isinstance(got, str | int | float) and (repr(got) in message or f"{got} " in message)
                shown = "" if isinstance(got, (dict, list)) or e["type"] == "missing" or said else f" (got {got!r})"
                problems.append(f"{at(loc)}: {message}{shown}")
    return problems


def parse_settings(raw: Mapping[str, Any]) -> ReviewSettings:
    """The typed settings of a config that passed :func:`settings_problems` (tables as written)."""
    data = {k: v for k, v in raw.items() if k in ReviewSettings.model_fields and v is not None}
    return ReviewSettings.model_validate({**data, "tables": data.get("tables") or {}})


def section_settings(config: Any, name: str, *, bare: bool = False) -> tuple[str, BaseModel]:
    """A config's section as its typed model, and the config's path (for messages).

    Parameters
    ----------
    config : ReviewConfig, ReviewSettings, the section's model, mapping or None
        A loaded :class:`csperf_lib.core.config.ReviewConfig` (its ``settings``, checked at load), the
        settings themselves or the section's model (returned as they are); for library use, the
        parsed YAML mapping (or anything with ``raw`` and ``path``), whose section is checked here
        against the same model; None: the section's defaults.
    name : str
        The section, a field of :class:`ReviewSettings`.
    bare : bool, keyword-only
        Also accept the section itself as the mapping (one without a ``name`` or ``tables`` key),
        for readers that have always been called with just their section.

    Raises
    ------
    ConfigError
        Every problem of the section, each with its key.
    """

    field = ReviewSettings.model_fields[name]
    own = _inner_model(field.annotation)
    settings = getattr(config, "settings", config)
    path = str(getattr(config, "path", None) or "<config>")
    if isinstance(settings, ReviewSettings):
        return path, getattr(settings, name)
    if own is not None and isinstance(config, own):
        return path, config
    raw = getattr(config, "raw", config) if config is not None else {}
    if not isinstance(raw, Mapping):
        if bare:
            section = raw
        else:
            raise TypeError("config must be a ReviewConfig, the parsed review YAML (a mapping) or None")
    elif bare and name not in raw and "tables" not in raw:
        section = raw
    else:
        section = raw.get(name)
    probe = {"tables": {}, name: ({} if own is not None else None) if section is None else section}
    try:  # validated once: the typed section, or every problem of it
        return path, getattr(ReviewSettings.model_validate(probe), name)
    except ValidationError as err:
        raise ConfigError(path, _translate(err, ReviewSettings, "")) from None


def config_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``review.yaml``, generated from :class:`ReviewSettings`."""
    schema = ReviewSettings.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "csperf review config (review.yaml)"
    return schema
