"""The plan as typed, frozen data, loaded from plan.toml.

Every target, SLA, threshold and budget line of the plan is read here once. A malformed
file raises PlanError naming the key, so a page never fails deep inside a formula.
"""
from __future__ import annotations

import json
import math
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, TypeVar

from core.i18n import N_, _

DEFAULT_PLAN_PATH = Path(__file__).resolve().parent.parent / "plan.toml"
PLAN_ENV = "OPSPLAN_PLAN"  # the plan file every entry point reads (the app and each command), else plan.toml
OPS = (">", ">=", "<", "<=")
UNTYPED_SECTIONS = ("maintenance", "backup", "disaster_recovery", "alerting", "escalation_matrix",
                    "resource_allocation")
T = TypeVar("T")


class PlanError(ValueError):
    """plan.toml is missing a key or holds a value of the wrong type or range."""


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    area: str
    unit: str
    op: str
    target: float
    baseline: float
    measurement: str
    # How far from its target or baseline a value is still "at" that line (the KPI's unit; 0: only
    # an equal value). The means over n records (CSAT, first response, MTTR, FCR) use their 90 %
    # interval instead (kpi-definitions.md, Status).
    tolerance: float = 0.0

    @property
    def higher_is_better(self) -> bool:
        return self.op.startswith(">")


@dataclass(frozen=True)
class Severity:
    name: str
    response_minutes: float
    resolution_minutes: float
    escalation_after_minutes: float
    notification: str


@dataclass(frozen=True)
class Channel:
    name: str
    label: str
    first_response_seconds: float
    resolution_minutes: float  # 0: the plan sets no resolution target
    resolution_simple_only: bool  # the resolution target applies to simple issues only
    hours: str
    # local hours of each day the channel is open, [from, until) (read from `hours`: its first
    # whole-hour span "HH:00-HH:00", else "24/7" for all day)
    open_hours: tuple[int, int] = (0, 24)


@dataclass(frozen=True)
class Staffing:
    """How tier-1 support is staffed (plan.toml [staffing]). The plan names none of these values:
    they are settings, the defaults the ones the scenario model always used."""

    service_level_goal_pct: float = 80.0  # share of contacts answered within the channel's first-response target
    max_occupancy_pct: float = 85.0       # busiest share of an agent's staffed time spent on contacts
    shrinkage_pct: float = 30.0           # paid time away from contacts: leave, training, breaks
    hours_per_fte_week: float = 40.0
    handling_minutes: tuple[tuple[str, float], ...] = (("live_chat", 8.0), ("email", 15.0), ("phone", 10.0))

    def handling(self, channel: str) -> float:
        """Average handling time of one contact on `channel`, in minutes."""
        return dict(self.handling_minutes)[channel]


@dataclass(frozen=True)
class Threshold:
    group: str
    metric: str
    op: str
    value: float
    level: str


@dataclass(frozen=True)
class BudgetLine:
    name: str
    group: str
    annual_usd: float
    note: str
    fte: float | None
    # weights of the plan year's twelve months, its first month first (None: pro rata, 1/12 each)
    monthly_profile: tuple[float, ...] | None = None


@dataclass(frozen=True)
class OverBudgetTolerance:
    """A line is heading over budget only when its projected overrun exceeds both: `pct` of the
    line's annual budget and `usd` (kpi-definitions.md, Status). 0 and 0: any overrun."""

    pct: float = 0.0
    usd: float = 0.0

    def exceeded_by(self, overrun_usd: float, annual_usd: float) -> bool:
        return overrun_usd > self.usd and overrun_usd > annual_usd * self.pct / 100.0


@dataclass(frozen=True)
class SupportTier:
    name: str
    role: str
    team_size: int
    availability: str


@dataclass(frozen=True)
class Settings:
    failure_severities: tuple[str, ...]
    mttr_from: str
    high_priority: tuple[str, ...]
    support_cost_categories: tuple[str, ...]
    infrastructure_cost_categories: tuple[str, ...]
    escalation_immediate_minutes: float
    mtbf_confidence_pct: float
    scorecard_months: int
    trend_months: int
    training_window_months: int
    business_average_days: int
    uptime_judged_by: str  # "month" or "period": what a several-month period's uptime status judges
    relevant_certifications: tuple[str, ...]  # the certifications the certification KPI counts (empty: any)
    stale_after_days: int = 7  # a source whose data ends more than this many days before today is stale
    # observed growth / the plan's growth inside [low, high]: the plan's growth is borne out by the data
    growth_borne_out_ratio: tuple[float, float] = (0.8, 1.25)
    buddhist_era: bool = True  # Thai dates count years from the Buddha (2569 for 2026), as official Thai writing does


@dataclass(frozen=True)
class Capacity:
    user_growth_pct_per_quarter: float
    peak_traffic_growth_pct: float
    data_growth_pct_per_month: float
    feature_complexity_pct: float
    monitor_pct: float
    scale_up_pct: float
    scale_down_pct: float
    reserve_pct: float
    peak_months: tuple[int, ...]


@dataclass(frozen=True)
class AlertRules:
    """What the alert check adds to the plan's own lines (plan.toml [alerts])."""

    capacity_within_days: int = 30  # a capacity line the measured forecast reaches this soon is an alert
    sla_floor_pct: float = 90.0     # severity SLAs and channel resolution: on-time share at least this
    sla_min_records: int = 5        # an on-time share over fewer records is not judged


@dataclass(frozen=True)
class Plan:
    name: str
    timezone: str
    first_year_start: str
    settings: Settings
    kpis: tuple[Kpi, ...]
    severities: tuple[Severity, ...]
    channels: tuple[Channel, ...]
    thresholds: tuple[Threshold, ...]
    budget_total_usd: float
    contingency_stated_pct: float
    budget_lines: tuple[BudgetLine, ...]
    support_tiers: tuple[SupportTier, ...]
    capacity: Capacity
    raw_json: str  # sections not typed above (maintenance, backup, DR ...), as JSON so the plan stays hashable
    over_budget_tolerance: OverBudgetTolerance = OverBudgetTolerance()
    adherence: "Adherence | None" = None  # the schedules plan adherence checks (None: the file has none)
    staffing: Staffing = Staffing()  # absent [staffing]: the defaults
    alerts: AlertRules = AlertRules()  # absent [alerts]: the defaults

    def kpi(self, key: str) -> Kpi:
        return _by_name(self.kpis, "key", key)

    def severity(self, name: str) -> Severity:
        return _by_name(self.severities, "name", name)

    def channel(self, name: str) -> Channel:
        return _by_name(self.channels, "name", name)

    def section(self, name: str) -> Any:
        return json.loads(self.raw_json)[name]


def _by_name(items: tuple[T, ...], attr: str, value: str) -> T:
    for item in items:
        if getattr(item, attr) == value:
            return item
    raise KeyError(value)


def _get(table: dict, path: str, kind: type | tuple[type, ...], check: Callable[[Any], bool] | None = None,
         rule: str = "") -> Any:
    """Read a dotted key, checking type (and an optional rule); PlanError names the key."""
    node: Any = table
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise PlanError(_("plan.toml: missing key '{key}'").format(key=path))
        node = node[part]
    if kind is float and isinstance(node, int) and not isinstance(node, bool):
        node = float(node)
    if not isinstance(node, kind) or isinstance(node, bool) and kind is not bool:
        raise PlanError(_("plan.toml: key '{key}' must be {kind}, got {value}").format(
            key=path, kind=getattr(kind, "__name__", kind), value=repr(node)))
    if check is not None and not check(node):
        raise PlanError(_("plan.toml: key '{key}' = {value} breaks the rule: {rule}").format(
            key=path, value=repr(node), rule=_(rule)))
    return node


def _strings(table: dict, path: str) -> tuple[str, ...]:
    values = _get(table, path, list)
    if not all(isinstance(v, str) for v in values):
        raise PlanError(_("plan.toml: key '{key}' must be a list of strings").format(key=path))
    return tuple(values)


def _nonneg(table: dict, path: str) -> float:
    return _get(table, path, float, lambda v: math.isfinite(v) and v >= 0, N_("a finite number >= 0"))


def _tolerance(t: dict, path: str) -> float:
    """An optional tolerance (absent: 0): a number, neither negative nor NaN nor infinite."""
    node: Any = t
    for part in path.split(".")[:-1]:
        node = node.get(part, {}) if isinstance(node, dict) else {}
    if not isinstance(node, dict) or path.rsplit(".", 1)[-1] not in node:
        return 0.0
    return _get(t, path, float, lambda v: math.isfinite(v) and v >= 0, N_("a finite number >= 0 (not NaN)"))


# The range a KPI's target and baseline can take, by its unit (anything else: a finite number >= 0).
UNIT_RANGES = {"%": (0.0, 100.0), "% of revenue": (0.0, 100.0), "/5": (1.0, 5.0)}


def _kpi_value(t: dict, path: str) -> float:
    """A target or baseline: finite, and within its unit's range (a percentage is 0-100)."""
    unit = t.get("kpis", {}).get(path.split(".")[1], {}).get("unit")
    lo, hi = UNIT_RANGES.get(unit, (0.0, math.inf))
    rule = f"a finite number from {lo:g} to {hi:g} ({unit})" if math.isfinite(hi) else "a finite number >= 0"
    return _get(t, path, float, lambda v: math.isfinite(v) and lo <= v <= hi, rule)


def _kpi(t: dict, key: str) -> Kpi:
    p = f"kpis.{key}"
    return Kpi(key, _get(t, f"{p}.label", str), _get(t, f"{p}.area", str), _get(t, f"{p}.unit", str),
               _get(t, f"{p}.op", str, lambda v: v in OPS, f"one of {OPS}"),
               _kpi_value(t, f"{p}.target"), _kpi_value(t, f"{p}.baseline"),
               _get(t, f"{p}.measurement", str), _tolerance(t, f"{p}.tolerance"))


def _severity(t: dict, name: str) -> Severity:
    p = f"severities.{name}"
    return Severity(name, _nonneg(t, f"{p}.response_minutes"), _nonneg(t, f"{p}.resolution_minutes"),
                    _nonneg(t, f"{p}.escalation_after_minutes"), _get(t, f"{p}.notification", str))


def _channel(t: dict, name: str) -> Channel:
    p = f"channels.{name}"
    hours = _get(t, f"{p}.hours", str)
    return Channel(name, _get(t, f"{p}.label", str), _nonneg(t, f"{p}.first_response_seconds"),
                   _nonneg(t, f"{p}.resolution_minutes"), _get(t, f"{p}.resolution_simple_only", bool),
                   hours, _open_hours(hours, f"{p}.hours"))


OPEN_SPAN = re.compile(r"([01]\d|2[0-3]):00-([01]\d|2[0-4]):00")


def _open_hours(text: str, path: str) -> tuple[int, int]:
    """A channel's daily opening hours from the plan's words: the first whole-hour span "HH:00-HH:00"
    (phone: "08:00-20:00 UTC+7, critical hotline 24/7"), else all day for "24/7"."""
    span = OPEN_SPAN.search(text)
    if span and int(span[1]) < int(span[2]):
        return int(span[1]), int(span[2])
    if span is None and "24/7" in text:
        return 0, 24
    raise PlanError(_("plan.toml: key '{key}' = {value} breaks the rule: whole local hours 'HH:00-HH:00' (from "
                      "before until), or '24/7'").format(key=path, value=repr(text)))


def _staffing(t: dict) -> Staffing:
    """The [staffing] settings; an absent section (an older plan file) keeps the defaults."""
    if "staffing" not in t:
        return Staffing()
    s = "staffing"
    share = (lambda v: math.isfinite(v) and 0 < v < 100, N_("a percentage above 0 and below 100"))
    minutes = _get(t, f"{s}.handling_minutes", dict)
    channels = tuple(_get(t, "channels", dict))
    if set(minutes) != set(channels):
        raise PlanError(_("plan.toml: key '{key}' must give every channel {channels}, not {given}").format(
            key=f"{s}.handling_minutes", channels=sorted(channels), given=sorted(minutes)))
    return Staffing(_get(t, f"{s}.service_level_goal_pct", float, *share),
                    _get(t, f"{s}.max_occupancy_pct", float, lambda v: math.isfinite(v) and 0 < v <= 100,
                         N_("a percentage above 0, at most 100")),
                    _get(t, f"{s}.shrinkage_pct", float, lambda v: math.isfinite(v) and 0 <= v < 100,
                         N_("a percentage from 0, below 100")),
                    _positive(t, f"{s}.hours_per_fte_week"),
                    tuple((c, _positive(t, f"{s}.handling_minutes.{c}")) for c in channels))


def _alert_rules(t: dict) -> AlertRules:
    """The [alerts] settings; an absent section (an older plan file) keeps the defaults."""
    if "alerts" not in t:
        return AlertRules()
    positive_int = (lambda v: v > 0, N_("must be > 0"))
    return AlertRules(_get(t, "alerts.capacity_within_days", int, *positive_int),
                      _get(t, "alerts.sla_floor_pct", float, lambda v: math.isfinite(v) and 0 < v <= 100,
                           N_("a percentage above 0, at most 100")),
                      _get(t, "alerts.sla_min_records", int, *positive_int))


def _thresholds(t: dict) -> tuple[Threshold, ...]:
    out = []
    for group in _get(t, "monitoring", dict):
        for metric in _get(t, f"monitoring.{group}", dict):
            p = f"monitoring.{group}.{metric}"
            out.append(Threshold(group, metric, _get(t, f"{p}.op", str, lambda v: v in OPS, f"one of {OPS}"),
                                 _get(t, f"{p}.value", float, math.isfinite, N_("a finite number")),
                                 _get(t, f"{p}.level", str)))
    return tuple(out)


def _budget_line(t: dict, name: str) -> BudgetLine:
    p = f"budget.lines.{name}"
    fte = _nonneg(t, f"{p}.fte") if "fte" in t["budget"]["lines"][name] else None
    profile = None
    if "monthly_profile" in t["budget"]["lines"][name]:
        profile = tuple(float(w) for w in _get(
            t, f"{p}.monthly_profile", list,
            lambda v: len(v) == 12 and all(isinstance(w, (int, float)) and math.isfinite(w) and w >= 0 for w in v)
            and sum(v) > 0,
            "12 weights >= 0, not all 0, one per month of the plan year"))
    return BudgetLine(name, _get(t, f"{p}.group", str), _nonneg(t, f"{p}.annual_usd"),
                      _get(t, f"{p}.note", str), fte, profile)


def _tier(t: dict, name: str) -> SupportTier:
    p = f"support_tiers.{name}"
    return SupportTier(name, _get(t, f"{p}.role", str),
                       _get(t, f"{p}.team_size", int, lambda v: v >= 0, N_("must be >= 0")),
                       _get(t, f"{p}.availability", str))


def _settings(t: dict) -> Settings:
    s = "settings"
    positive_int = (lambda v: v > 0, N_("must be > 0"))
    return Settings(
        _strings(t, f"{s}.failure_severities"),
        _get(t, f"{s}.mttr_from", str, lambda v: v in ("started", "detected"), N_("'started' or 'detected'")),
        _strings(t, f"{s}.high_priority"), _strings(t, f"{s}.support_cost_categories"),
        _strings(t, f"{s}.infrastructure_cost_categories"), _nonneg(t, f"{s}.escalation_immediate_minutes"),
        _get(t, f"{s}.mtbf_confidence_pct", float, lambda v: 0 < v < 100, N_("between 0 and 100")),
        _get(t, f"{s}.scorecard_months", int, *positive_int), _get(t, f"{s}.trend_months", int, *positive_int),
        _get(t, f"{s}.training_window_months", int, *positive_int),
        _get(t, f"{s}.business_average_days", int, *positive_int),
        _get(t, f"{s}.uptime_judged_by", str, lambda v: v in ("month", "period"), N_("'month' or 'period'")),
        _strings(t, f"{s}.relevant_certifications"),
        _get(t, f"{s}.stale_after_days", int, lambda v: v >= 0, N_("must be >= 0"))
        if "stale_after_days" in t.get(s, {}) else Settings.stale_after_days,
        _ratio_band(t, f"{s}.growth_borne_out_ratio") if "growth_borne_out_ratio" in t.get(s, {})
        else Settings.growth_borne_out_ratio,
        _get(t, f"{s}.buddhist_era", bool) if "buddhist_era" in t.get(s, {}) else Settings.buddhist_era)


def _ratio_band(t: dict, path: str) -> tuple[float, float]:
    """[low, high]: two finite numbers with 0 < low <= 1 <= high (a ratio of 1 is always inside)."""
    band = _get(t, path, list, lambda v: len(v) == 2 and all(_number(x) for x in v) and 0 < v[0] <= 1 <= v[1],
                N_("two numbers [low, high] with 0 < low <= 1 <= high"))
    return float(band[0]), float(band[1])


def _capacity(t: dict) -> Capacity:
    names = [n for n in Capacity.__dataclass_fields__ if n != "peak_months"]
    months = _get(t, "capacity.peak_months", list, lambda v: all(isinstance(m, int) and 1 <= m <= 12 for m in v),
                  N_("months 1-12"))
    return Capacity(**{n: _nonneg(t, f"capacity.{n}") for n in names}, peak_months=tuple(months))


def parse_plan(t: dict) -> Plan:
    """Type and check a parsed plan.toml; PlanError names the first bad key."""
    sev_names = tuple(_get(t, "severities", dict))
    plan = Plan(
        name=_get(t, "plan.name", str), timezone=_get(t, "plan.timezone", str, _known_zone,
                                                       N_("a known IANA time zone, e.g. Asia/Bangkok")),
        first_year_start=_get(t, "plan.first_year_start", str, _real_date, N_("a real date, YYYY-MM-DD")),
        settings=_settings(t),
        kpis=tuple(_kpi(t, k) for k in _get(t, "kpis", dict)),
        severities=tuple(_severity(t, s) for s in sev_names),
        channels=tuple(_channel(t, c) for c in _get(t, "channels", dict)),
        thresholds=_thresholds(t),
        budget_total_usd=_nonneg(t, "budget.total_usd"),
        contingency_stated_pct=_nonneg(t, "budget.contingency_stated_pct"),
        budget_lines=tuple(_budget_line(t, b) for b in _get(t, "budget.lines", dict)),
        support_tiers=tuple(_tier(t, s) for s in _get(t, "support_tiers", dict)),
        capacity=_capacity(t),
        raw_json=json.dumps({k: v for k, v in t.items() if k in UNTYPED_SECTIONS}, sort_keys=True),
        over_budget_tolerance=OverBudgetTolerance(_tolerance(t, "budget.over_tolerance_pct"),
                                                  _tolerance(t, "budget.over_tolerance_usd")),
        adherence=_adherence(t),
        staffing=_staffing(t),
        alerts=_alert_rules(t),
    )
    unknown = set(plan.settings.failure_severities + plan.settings.high_priority) - set(sev_names)
    if unknown:
        raise PlanError(_("plan.toml: settings name unknown severities {names}").format(names=sorted(unknown)))
    lines = {b.name for b in plan.budget_lines}
    missing = set(plan.settings.support_cost_categories + plan.settings.infrastructure_cost_categories) - lines
    if missing:
        raise PlanError(_("plan.toml: settings name unknown budget lines {names}").format(names=sorted(missing)))
    _check_budget_sum(plan)
    for section in UNTYPED_SECTIONS:
        _check_section(t, section)
    return plan


def _known_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


def _real_date(text: str) -> bool:
    """YYYY-MM-DD naming a day that exists (2025-02-30 does not)."""
    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)) and date.fromisoformat(text) is not None
    except ValueError:
        return False


def _check_budget_sum(plan: Plan) -> None:
    """The lines add up to the total, to the cent."""
    total = sum(b.annual_usd for b in plan.budget_lines)
    if round(total, 2) != round(plan.budget_total_usd, 2):
        raise PlanError(_("plan.toml: key 'budget.total_usd' = {total} but the budget.lines add up to {lines} "
                          "(difference {difference})").format(total=f"{plan.budget_total_usd:,.2f}",
                                                              lines=f"{total:,.2f}",
                                                              difference=f"{total - plan.budget_total_usd:+,.2f}"))


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CLOCK = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")
# Rules for the keys of the sections read as plain tables, by key name or suffix: (test, rule).
SECTION_RULES: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    (r"(start|end|at)", lambda v: isinstance(v, str) and bool(CLOCK.fullmatch(v)), N_("a local time HH:MM")),
    (r"weekday", lambda v: v in WEEKDAYS, N_("a weekday name, e.g. Sunday")),
    (r"week_of_month", lambda v: type(v) is int and 1 <= v <= 5, N_("a whole number 1-5")),
    (r"(every_minutes|restore_test_every_days)", lambda v: _number(v) and v > 0, N_("a finite number > 0")),
    (r".*_(minutes|days|fte|pct)(_min|_max)?", lambda v: _number(v) and v >= 0 or isinstance(v, list) and bool(v)
     and all(_number(x) and x >= 0 for x in v), N_("a finite number >= 0 (or a list of them)")),
    (r"(suppress|is|enabled)_.*", lambda v: isinstance(v, bool), N_("true or false")),
    (r".*", lambda v: isinstance(v, (str, dict)), N_("text")),
)
# Keys a page or the demo reads from these sections: a plan without one fails here, not on a page.
SECTION_REQUIRED = {
    "maintenance": ("daily.start", "daily.duration_minutes", "weekly.start", "weekly.duration_minutes_min",
                    "weekly.duration_minutes_max", "monthly.start", "monthly.week_of_month",
                    "monthly.duration_minutes_min", "monthly.duration_minutes_max", "security_patches.start",
                    "security_patches.end"),
    "backup": ("full.every_minutes", "full.at", "full.retention_days", "incremental.every_minutes",
               "incremental.retention_days", "transaction_log.every_minutes", "transaction_log.retention_days"),
    "disaster_recovery": ("rto_minutes", "rpo_minutes", "mtd_minutes", "restore_test_every_days"),
    "alerting": ("duplicate_suppression_minutes", "suppress_during_maintenance"),
    "escalation_matrix": (),
    "resource_allocation": (),
}


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_section(t: dict, section: str) -> None:
    """A plain section: present, each key by its rule (nested tables walked), the keys pages read present."""
    table = _get(t, section, dict)
    for key in SECTION_REQUIRED[section]:
        node: Any = table
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise PlanError(_("plan.toml: missing key '{key}'").format(key=f"{section}.{key}"))
            node = node[part]

    def walk(node: dict, prefix: str) -> None:
        for key, value in node.items():
            path = f"{prefix}.{key}"
            if isinstance(value, dict):
                walk(value, path)
                continue
            test, rule = next((f, r) for pattern, f, r in SECTION_RULES if re.fullmatch(pattern, key))
            if not test(value):
                raise PlanError(_("plan.toml: key '{key}' = {value} breaks the rule: {rule}").format(
                    key=path, value=repr(value), rule=_(rule)))
            if section == "resource_allocation" and not _number(value):
                raise PlanError(_("plan.toml: key '{key}' = {value} breaks the rule: {rule}").format(
                    key=path, value=repr(value), rule=_("a finite number >= 0 (FTE)")))
    walk(table, section)


def plan_path() -> Path:
    """The plan file to read: $OPSPLAN_PLAN when set, else plan.toml beside the code."""
    return Path(os.environ.get(PLAN_ENV) or DEFAULT_PLAN_PATH)


def load_plan(path: str | Path | None = None) -> Plan:
    """Read and type the plan (`path`, else plan_path()); a syntax error or a bad value is a PlanError
    with the key or line."""
    path = plan_path() if path is None else path
    try:
        with open(path, "rb") as fh:
            table = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(_("{path}: not valid TOML: {problem}").format(path=path, problem=exc)) from None
    except OSError as exc:
        raise PlanError(_("{path}: cannot read the plan file: {problem}").format(path=path,
                                                                                problem=exc.strerror)) from None
    return parse_plan(table)


# ---------------------------------------------------------------------------
# Plan adherence: the schedules and promises checked by analytics/adherence.py.

SECURITY_ACTIVITIES = ("patching", "internal_audit", "external_audit", "access_review", "penetration_test",
                       "api_key_rotation")


@dataclass(frozen=True)
class Vendor:
    name: str
    label: str
    sla_pct: float


@dataclass(frozen=True)
class Adherence:
    """The plan's schedules in typed form: maintenance windows (local "HH:MM"), backups, disaster
    recovery, change control, the security schedule and vendor SLAs."""

    daily_window: tuple[str, str]
    weekly_window: tuple[str, str, str]          # weekday, start, end
    monthly_window: tuple[str, int, str, str]    # weekday, week of month, start, end
    security_patch_window: tuple[str, str, str]  # weekday, start, end
    backup_every_minutes: tuple[tuple[str, int], ...]  # (kind, minutes): full, incremental, transaction_log
    full_backup_at: str
    rto_minutes: float
    rpo_minutes: float
    mtd_minutes: float
    restore_test_every_days: int
    standard_lead_time_hours: float
    minor_lead_time_hours: float
    emergency_review_hours: float
    failure_incident_hours: float
    security_every_days: tuple[tuple[str, int], ...]  # (activity, longest allowed gap in days)
    vendors: tuple[Vendor, ...]

    def backup_every(self, kind: str) -> int:
        return dict(self.backup_every_minutes)[kind]


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _clock(t: dict, path: str) -> str:
    return _get(t, path, str, lambda v: len(v) == 5 and v[2] == ":" and v[:2].isdigit() and v[3:].isdigit()
                and int(v[:2]) < 24 and int(v[3:]) < 60, N_("a local time HH:MM"))


def _window(t: dict, path: str) -> tuple[str, str]:
    start, end = _clock(t, f"{path}.start"), _clock(t, f"{path}.end")
    if end <= start:
        raise PlanError(_("plan.toml: key '{key}' = {value} breaks the rule: after {start}").format(
            key=f"{path}.end", value=repr(end), start=f"{path}.start"))
    return start, end


def _weekday(t: dict, path: str) -> str:
    return _get(t, path, str, lambda v: v in WEEKDAYS, f"one of {WEEKDAYS}")


def _positive(t: dict, path: str) -> float:
    return _get(t, path, float, lambda v: math.isfinite(v) and v > 0, N_("a number > 0"))


def _positive_int(t: dict, path: str) -> int:
    return _get(t, path, int, lambda v: v > 0, N_("an integer > 0"))


def _adherence(t: dict) -> Adherence | None:
    """The typed schedules; None for a plan file written before they were added (no change_control)."""
    if "change_control" not in t:
        return None
    m, cc = "maintenance", "change_control"
    vendors = tuple(Vendor(v, _get(t, f"vendors.{v}.label", str),
                           _get(t, f"vendors.{v}.sla_pct", float, lambda x: 0 < x <= 100, N_("between 0 and 100")))
                    for v in _get(t, "vendors", dict))
    security = _get(t, "security.every_days", dict)
    unknown = set(security) - set(SECURITY_ACTIVITIES)
    if unknown:
        raise PlanError(_("plan.toml: key 'security.every_days' names unknown activities {names}; known: "
                          "{known}").format(names=sorted(unknown), known=SECURITY_ACTIVITIES))
    return Adherence(
        daily_window=_window(t, f"{m}.daily"),
        weekly_window=(_weekday(t, f"{m}.weekly.weekday"), *_window(t, f"{m}.weekly")),
        monthly_window=(_weekday(t, f"{m}.monthly.weekday"),
                        _get(t, f"{m}.monthly.week_of_month", int, lambda v: 1 <= v <= 4, N_("1 to 4")),
                        *_window(t, f"{m}.monthly")),
        security_patch_window=(_weekday(t, f"{m}.security_patches.weekday"), *_window(t, f"{m}.security_patches")),
        backup_every_minutes=tuple((k, _positive_int(t, f"backup.{k}.every_minutes"))
                                   for k in ("full", "incremental", "transaction_log")),
        full_backup_at=_clock(t, "backup.full.at"),
        rto_minutes=_positive(t, "disaster_recovery.rto_minutes"),
        rpo_minutes=_positive(t, "disaster_recovery.rpo_minutes"),
        mtd_minutes=_positive(t, "disaster_recovery.mtd_minutes"),
        restore_test_every_days=_positive_int(t, "disaster_recovery.restore_test_every_days"),
        standard_lead_time_hours=_nonneg(t, f"{cc}.standard_lead_time_hours"),
        minor_lead_time_hours=_nonneg(t, f"{cc}.minor_lead_time_hours"),
        emergency_review_hours=_positive(t, f"{cc}.emergency_review_hours"),
        failure_incident_hours=_positive(t, f"{cc}.failure_incident_hours"),
        security_every_days=tuple((a, _positive_int(t, f"security.every_days.{a}")) for a in security),
        vendors=vendors,
    )
