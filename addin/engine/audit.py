"""The audit bureau's 400-point scheme: category totals, score rate, ranks, selection.

Items may apply to some unit types only (``applies_to``: county bureaus are not assessed on
every item), so units are compared by score rate = total ÷ applicable maximum × rate base.
The quota is entered by the office. An item's ``veto`` input (a verified integrity
violation) vetoes the unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from addin import problems as P
from addin.numbers import ZERO, cents, fmt, q2
from addin.engine.quota import QuotaCalc, explain_quota, fixed_quota
from addin.engine.ranking import rank_scores
from addin.engine.selection import Status, select_under_quota
from addin.engine.tables import TableScore, score_items
from addin.problems import Problem
from addin.scheme.models import AuditScheme, Quota


@dataclass(frozen=True)
class AuditUnitInput:
    code: str
    name: str
    type: str
    """科室 (a division) or 县市区局 (a county bureau)."""
    items: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Raw inputs by item id, then input name."""


@dataclass(frozen=True)
class AuditUnitResult:
    code: str
    name: str
    type: str
    categories: dict[str, TableScore]
    total: Decimal | None
    applicable_max: Decimal | None
    rate: Decimal | None
    rank: int | None
    award: Status
    veto: str | None
    trace: str


@dataclass(frozen=True)
class AuditResult:
    units: list[AuditUnitResult]
    quota: QuotaCalc | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


def score_audit_unit(scheme: AuditScheme, unit: AuditUnitInput) -> tuple[dict[str, TableScore], list[Problem]]:
    cats = {
        c.id: score_items(c.id, c.points, c.items, unit.items, cap_total=False, unit_type=unit.type,
                          record=unit.code)
        for c in scheme.categories
    }
    return cats, [p for t in cats.values() for p in t.problems]


def assess_audit(scheme: AuditScheme, units: Sequence[AuditUnitInput], quota: Quota | None = None) -> AuditResult:
    """Score every unit, rank by score rate, select under ``quota`` (or the scheme's)."""
    problems: list[Problem] = []
    rows = []
    for unit in units:
        if unit.type not in scheme.unit_types:
            problems.append(P.unknown_choice("单位类型", unit.type, scheme.unit_types, record=unit.code, field="单位类型"))
            rows.append((unit, {}, None, None, None, None))
            continue
        cats, unit_problems = score_audit_unit(scheme, unit)
        problems += unit_problems
        vetoes = [v for t in cats.values() for v in t.vetoes]
        if any(t.total is None for t in cats.values()):
            rows.append((unit, cats, None, None, None, vetoes[0] if vetoes else None))
            continue
        total = q2(sum((t.total for t in cats.values()), ZERO))
        maximum = scheme.applicable_max(unit.type)
        rate = q2(total / maximum * scheme.rate_base)
        rows.append((unit, cats, total, maximum, rate, vetoes[0] if vetoes else None))

    standing = rank_and_select(scheme, [r[4] for r in rows], [r[5] for r in rows], quota)
    results = []
    for (unit, cats, total, maximum, rate, veto), rank, status, note in zip(
            rows, standing.ranks, standing.statuses, standing.notes):
        if total is None:
            trace = "输入有误，未计算"
        else:
            trace = " + ".join(f"{cid} {fmt(t.total)}" for cid, t in cats.items()) + f" = {fmt(total)}"
            if maximum != scheme.total_points:
                trace += f"；得分率 {fmt(total)} ÷ {fmt(maximum)} × {fmt(scheme.rate_base)} = {fmt(rate)}"
        if note:
            trace += f"；{note}"
        results.append(AuditUnitResult(unit.code, unit.name, unit.type, cats, total, maximum, rate, rank,
                                       status, veto, trace))
    calc = standing.quota
    return AuditResult(results, calc, problems)


BOARD = "局考评考核领导小组"
"""Who makes the final assessment (seed: 局考评考核领导小组进行最终评定), and so decides a 待定."""


@dataclass(frozen=True)
class Standing:
    """Ranks by score rate and the selection under the quota, aligned with the units."""

    ranks: list[int | None]
    statuses: list[Status]
    notes: list[str]
    """Why each unit was or was not selected (说明): 入选, 不得评先, 待定, 未入选 or 未评选."""
    quota: QuotaCalc | None
    selected: int = 0
    tied: int = 0


def rank_and_select(scheme: AuditScheme, rates: Sequence[Decimal | None], vetoes: Sequence[str | None],
                    quota: Quota | None = None) -> Standing:
    """Rank by score rate (ties share a rank) and select under ``quota`` (else the scheme's
    ``awards.quota``), counted on every unit: a vetoed unit is 不得评先, a tie at the cutoff
    that does not fit is 待定 for every tied unit. Without a quota nobody is selected and each
    note says the quota is not set."""
    ranks = rank_scores(list(rates), None, scheme.conventions.ranking)
    quota = quota or scheme.awards.quota
    eligible = [v is None for v in vetoes]
    if quota is None:
        statuses = [Status.NOT_SELECTED if ok else Status.INELIGIBLE for ok in eligible]
        notes = [f"不得评先：{v}" if v else ("未评选：未设定先进集体限额" if r is not None else "")
                 for v, r in zip(vetoes, rates)]
        return Standing(ranks, statuses, notes, None)
    if quota.count is not None:
        calc = fixed_quota(len(rates), quota.count)
    else:
        calc = explain_quota(len(rates), quota.rate, quota.rounding or scheme.conventions.quota_rounding,
                             quota.minimum)
    sel = select_under_quota([None if r is None else (cents(r),) for r in rates], eligible, calc.quota)
    notes = []
    for status, veto, rate in zip(sel.statuses, vetoes, rates):
        if status is Status.INELIGIBLE:
            notes.append(f"不得评先：{veto}")
        elif status is Status.TIED:
            notes.append(f"待定：{sel.tied}个单位并列争{sel.slots_left}个名额，由{BOARD}确定")
        elif status is Status.SELECTED:
            notes.append(f"入选{scheme.awards.title}（限额{calc.quota}）")
        elif rate is None:
            notes.append("")
        else:
            notes.append(calc.passed_over())
    return Standing(ranks, sel.statuses, notes, calc, sel.selected, sel.tied)
