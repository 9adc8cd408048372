"""Relations the plan implies but does not state, as 'plan says / data says / gap' rows.

Each check is computed from plan.toml and, where the data can speak, from measured KPIs.
"""
from __future__ import annotations

from dataclasses import dataclass

from core import i18n
from core.i18n import _
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


def _n(value: float, digits: int = 1) -> str:
    """A number with thousands separators in the language's symbols."""
    return i18n.number(value, digits)


def _signed(value: float, digits: int = 1) -> str:
    return ("+" if value >= 0 else "") + i18n.number(value, digits)


def reliability_checks(plan: Plan, measured: dict[str, float | None]) -> list[Check]:
    """Uptime, MTBF and MTTR: do the plan's numbers fit together, and does the data?"""
    up, mtbf, mttr = (plan.kpi(k) for k in ("uptime_pct", "mtbf_hours", "mttr_hours"))
    rows = []
    for name, u, b, r in ((_("Availability implied by MTBF and MTTR (baseline)"), up.baseline, mtbf.baseline,
                           mttr.baseline),
                          (_("Availability implied by MTBF and MTTR (target)"), up.target, mtbf.target, mttr.target)):
        implied = implied_availability_pct(b, r)
        rows.append(Check(name,
                          _("uptime {uptime} % with MTBF {mtbf} h, MTTR {mttr} h").format(
                              uptime=f"{u:g}", mtbf=f"{b:g}", mttr=f"{r:g}"),
                          _("{pct} % if every failure were a full outage").format(pct=_n(implied)),
                          _("{points} points").format(points=_signed(u - implied)),
                          _("at most {pct} % of failure hours may be full outages").format(
                              pct=_n(max_outage_share_pct(u, b, r)))))
    m_up, m_bf, m_tr = (measured.get(k) for k in ("uptime_pct", "mtbf_hours", "mttr_hours"))
    if None not in (m_up, m_bf, m_tr):
        share = max_outage_share_pct(m_up, m_bf, m_tr)
        at_targets = max_outage_share_pct(up.target, mtbf.target, mttr.target)
        rows.append(Check(_("Full outages as a share of failure hours (measured)"),
                          _("at most {pct} % at the targets").format(pct=_n(at_targets)),
                          f"{_n(share)} %", _("{points} points").format(points=_signed(share - at_targets)),
                          _("from measured uptime, MTBF and MTTR")))
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
    stated = plan.contingency_stated_pct
    return [
        Check(_("Contingency share"), _("{pct} % buffer").format(pct=f"{stated:g}"),
              _("{pct} % of the other ${rest}").format(pct=_n(real), rest=_n(rest, 0)),
              _("{points} points").format(points=_signed(real - stated)),
              _("${amount} would be {pct} % of ${whole}").format(amount=_n(contingency, 0), pct=f"{stated:g}",
                                                                 whole=_n(contingency / stated * 100, 0))),
        Check(_("Headcount in the budget vs the support tiers"),
              _("{fte} FTE paid ({lines})").format(fte=f"{budget_fte:g}", lines=paid),
              _("{people} people in tiers 1-3; {fte} FTE in the resource allocation").format(
                  people=tier_people, fte=f"{alloc_fte:g}"),
              _("{people} people").format(people=f"{tier_people - budget_fte:+g}"),
              _("the tier table and the budget name different teams")),
    ]


def users_checks(plan: Plan, measured_active_users: float | None) -> list[Check]:
    """Active users that the support-cost baseline and target imply for the budgeted support cost."""
    kpi = plan.kpi("support_cost_per_user_usd")
    monthly = sum(_line(plan, n) for n in plan.settings.support_cost_categories) / 12.0
    at_baseline, at_target = monthly / kpi.baseline, monthly / kpi.target
    measured = _("no data") if measured_active_users is None else \
        _("{users} monthly active users (latest)").format(users=_n(measured_active_users, 0))
    return [Check(_("Active users implied by support cost per user"),
                  _("${monthly}/month at ${per_user}/user = {users} users").format(
                      monthly=_n(monthly, 0), per_user=f"{kpi.baseline:g}", users=_n(at_baseline, 0)),
                  measured,
                  _("{users} users needed for the ${target} target at this cost").format(
                      users=_n(at_target, 0), target=f"{kpi.target:g}"),
                  _("or support cost must fall to ${amount}/month").format(
                      amount=_n(kpi.target * (measured_active_users or at_baseline), 0)))]


def coherence(plan: Plan, measured: dict[str, float | None], active_users: float | None) -> list[Check]:
    """Every coherence check, plan first then data."""
    return reliability_checks(plan, measured) + budget_checks(plan) + users_checks(plan, active_users)
