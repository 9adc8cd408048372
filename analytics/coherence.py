"""Relations the plan implies but does not state, as 'plan says / data says / gap' rows.

Each check is computed from plan.toml and, where the data can speak, from measured KPIs.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.plan import Plan


@dataclass(frozen=True)
class Check:
    name: str
    plan_says: str
    data_says: str
    gap: str
    why: str


def implied_availability_pct(mtbf_hours: float, mttr_hours: float) -> float:
    """Availability if every failure were a full outage: MTBF / (MTBF + MTTR).

    With MTBF = operating hours / failures, a period of n failures lasts n (MTBF + MTTR).
    """
    return 100.0 * mtbf_hours / (mtbf_hours + mttr_hours)


def max_outage_share_pct(uptime_pct: float, mtbf_hours: float, mttr_hours: float) -> float:
    """Share of failure hours that may be full outages for an uptime to hold:
    (1 - uptime) MTBF / MTTR, counting failures as period / MTBF, as kpi-definitions.md does
    (about 9 % at the baselines, at most 8.4 % at the targets)."""
    return 100.0 * (1.0 - uptime_pct / 100.0) * mtbf_hours / mttr_hours


def error_budget_minutes(uptime_target_pct: float, days: float = 30.0) -> float:
    """Unplanned downtime allowed in `days` at the uptime target (43.2 min in 30 days at 99.9 %)."""
    return (1.0 - uptime_target_pct / 100.0) * days * 24 * 60


def _line(plan: Plan, name: str) -> float:
    return next(b.annual_usd for b in plan.budget_lines if b.name == name)


def _fmt(value: float | None, unit: str, digits: int = 1) -> str:
    return "no data" if value is None else f"{value:,.{digits}f}{unit}"


def reliability_checks(plan: Plan, measured: dict[str, float | None]) -> list[Check]:
    """Uptime, MTBF and MTTR: do the plan's numbers fit together, and does the data?"""
    up, mtbf, mttr = (plan.kpi(k) for k in ("uptime_pct", "mtbf_hours", "mttr_hours"))
    rows = []
    for label, u, b, r in (("baseline", up.baseline, mtbf.baseline, mttr.baseline),
                           ("target", up.target, mtbf.target, mttr.target)):
        implied = implied_availability_pct(b, r)
        rows.append(Check(f"Availability implied by MTBF and MTTR ({label})",
                          f"uptime {u:g} % with MTBF {b:g} h, MTTR {r:g} h",
                          f"{implied:.1f} % if every failure were a full outage",
                          f"{u - implied:+.1f} points",
                          f"at most {max_outage_share_pct(u, b, r):.1f} % of failure hours may be full outages"))
    m_up, m_bf, m_tr = (measured.get(k) for k in ("uptime_pct", "mtbf_hours", "mttr_hours"))
    if None not in (m_up, m_bf, m_tr):
        share = max_outage_share_pct(m_up, m_bf, m_tr)
        rows.append(Check("Full outages as a share of failure hours (measured)",
                          f"at most {max_outage_share_pct(up.target, mtbf.target, mttr.target):.1f} % at the targets",
                          f"{share:.1f} %", f"{share - max_outage_share_pct(up.target, mtbf.target, mttr.target):+.1f} points",
                          "from measured uptime, MTBF and MTTR"))
    return rows


def budget_checks(plan: Plan) -> list[Check]:
    """The contingency's real share, and headcount in the budget against the team tables."""
    contingency = _line(plan, "contingency")
    rest = plan.budget_total_usd - contingency
    real = 100.0 * contingency / rest
    budget_fte = sum(b.fte or 0.0 for b in plan.budget_lines)
    tier_people = sum(t.team_size for t in plan.support_tiers)
    allocation = plan.section("resource_allocation")
    alloc_fte = sum(allocation.values())
    paid = ", ".join(f"{b.name} {b.fte:g}" for b in plan.budget_lines if b.fte)
    return [
        Check("Contingency share", f"{plan.contingency_stated_pct:g} % buffer",
              f"{real:.1f} % of the other ${rest:,.0f}", f"{real - plan.contingency_stated_pct:+.1f} points",
              f"${contingency:,.0f} would be {plan.contingency_stated_pct:g} % of ${contingency / plan.contingency_stated_pct * 100:,.0f}"),
        Check("Headcount in the budget vs the support tiers", f"{budget_fte:g} FTE paid ({paid})",
              f"{tier_people} people in tiers 1-3; {alloc_fte:g} FTE in the resource allocation",
              f"{tier_people - budget_fte:+g} people", "the tier table and the budget name different teams"),
    ]


def users_checks(plan: Plan, measured_active_users: float | None) -> list[Check]:
    """Active users that the support-cost baseline and target imply for the budgeted support cost."""
    kpi = plan.kpi("support_cost_per_user_usd")
    monthly = sum(_line(plan, n) for n in plan.settings.support_cost_categories) / 12.0
    at_baseline, at_target = monthly / kpi.baseline, monthly / kpi.target
    return [Check("Active users implied by support cost per user",
                  f"${monthly:,.0f}/month at ${kpi.baseline:g}/user = {at_baseline:,.0f} users",
                  _fmt(measured_active_users, " monthly active users (latest)", 0),
                  f"{at_target:,.0f} users needed for the ${kpi.target:g} target at this cost",
                  "or support cost must fall to "
                  f"${kpi.target * (measured_active_users or at_baseline):,.0f}/month")]


def coherence(plan: Plan, measured: dict[str, float | None], active_users: float | None) -> list[Check]:
    """Every coherence check, plan first then data."""
    return reliability_checks(plan, measured) + budget_checks(plan) + users_checks(plan, active_users)
