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

    ranks = rank_scores([r[4] for r in rows], None, scheme.conventions.ranking)
    quota = quota or scheme.awards.quota
    calc: QuotaCalc | None = None
    statuses = [Status.NOT_SELECTED] * len(rows)
    if quota is not None:
        if quota.count is not None:
            calc = fixed_quota(len(rows), quota.count)
        else:
            calc = explain_quota(len(rows), quota.rate, quota.rounding or scheme.conventions.quota_rounding,
                                 quota.minimum)
        sel = select_under_quota([None if r[4] is None else (cents(r[4]),) for r in rows],
                                 [r[5] is None for r in rows], calc.quota)
        statuses = sel.statuses
    results = []
    for (unit, cats, total, maximum, rate, veto), rank, status in zip(rows, ranks, statuses):
        if total is None:
            trace = "输入有误，未计算"
        else:
            trace = " + ".join(f"{cid} {fmt(t.total)}" for cid, t in cats.items()) + f" = {fmt(total)}"
            if maximum != scheme.total_points:
                trace += f"；得分率 {fmt(total)} ÷ {fmt(maximum)} × {fmt(scheme.rate_base)} = {fmt(rate)}"
        if veto:
            trace += f"；不得评先：{veto}"
        elif status is Status.TIED:
            trace += "；待定：并列争最后名额，由考核办确定"
        elif status is Status.NOT_SELECTED and calc is not None and total is not None:
            trace += f"；{calc.passed_over()}"
        results.append(AuditUnitResult(unit.code, unit.name, unit.type, cats, total, maximum, rate, rank,
                                       status, veto, trace))
    return AuditResult(results, calc, problems)
