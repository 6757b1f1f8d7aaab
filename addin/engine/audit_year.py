"""The audit bureau's year from the master's 审计 table: each unit's final category scores
(taken in from its 审计目标考评表), its veto and its self-assessed total, checked, summed,
compared by score rate, ranked and selected under the audit scheme's quota.

The item scoring is done at intake (:func:`addin.engine.audit.assess_audit` on the form's
inputs); the master keeps the category scores, as it keeps a department's table totals.
A category's score is a number ≥ 0 with no upper bound here: declared bonuses (a major finding, AO expert
experience, press articles) count above a category's points, without a cap the seed would state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from addin import problems as P
from addin.engine.audit import rank_and_select
from addin.engine.quota import QuotaCalc
from addin.engine.selection import Status
from addin.numbers import ZERO, fmt, q2, read_number, read_veto
from addin.problems import Problem
from addin.scheme.audit_columns import KEY, SELF_TOTAL, TYPE, VETO, category_header
from addin.scheme.models import AuditScheme, Quota


@dataclass(frozen=True)
class AuditRow:
    """One unit as the master's 审计 table holds it (raw cell values)."""

    code: str
    name: str
    type: Any
    """科室 or 县市区局 (the scheme's ``unit_types``)."""
    categories: Mapping[str, Any] = field(default_factory=dict)
    """Category id → the final score of the category."""
    veto: Any = None
    """Blank, or what vetoed the unit (the integrity item's reason)."""
    self_total: Any = None
    """The unit's self-assessed total (自评总分); blank when it gave none."""


@dataclass(frozen=True)
class AuditStanding:
    code: str
    name: str
    type: str
    categories: dict[str, Decimal]
    total: Decimal | None
    applicable_max: Decimal | None
    rate: Decimal | None
    rank: int | None
    award: Status
    veto: str | None
    self_total: Decimal | None
    difference: Decimal | None
    """The final total less the self-assessed one (negative: the leadership group scored lower)."""
    trace: str
    note: str = ""
    """Why the unit was or was not selected: 入选…, 待定…, 不得评先…, 未入选… (part of ``trace``)."""


@dataclass(frozen=True)
class AuditYear:
    units: list[AuditStanding]
    quota: QuotaCalc | None
    selected: int
    tied: int
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


def signed(value: Decimal) -> str:
    """A difference with its sign: +3, −13.5, 0."""
    return "0" if value == 0 else ("+" if value > 0 else "−") + fmt(abs(value))


def _read(scheme: AuditScheme, row: AuditRow, vetoes: list[str]) -> tuple[dict, list[Problem]]:
    where = {"record": row.code}
    problems: list[Problem] = []
    unit_type = None if row.type is None else str(row.type).strip()
    if unit_type not in scheme.unit_types:
        problems.append(P.unknown_choice(f"{row.code} {TYPE}", row.type, scheme.unit_types, field=TYPE, **where))
        unit_type = None
    cats: dict[str, Decimal | None] = {}
    for cat in scheme.categories:
        header = category_header(cat)
        cats[cat.id], problem = read_number(row.categories.get(cat.id), f"{row.code} {header}", lo=0, field=header,
                                            **where)
        if problem:
            problems.append(problem)
    veto, problem = read_veto(row.veto, f"{row.code} {VETO}", suggestions=vetoes, field=VETO, **where)
    if problem:
        problems.append(problem)
    self_total, problem = read_number(row.self_total, f"{row.code} {SELF_TOTAL}", lo=0, required=False,
                                      field=SELF_TOTAL, **where)
    if problem:
        problems.append(problem)
    return {"type": unit_type, "cats": cats, "veto": veto, "self": self_total}, problems


def assess_audit_year(scheme: AuditScheme, rows: Sequence[AuditRow], quota: Quota | None = None) -> AuditYear:
    """Every unit's total (the sum of its category scores), its score rate (total ÷ the
    applicable maximum of its type × ``rate_base``), its rank by rate and the selection
    under ``quota`` (else the scheme's ``awards.quota``; none set: ranks only, and a
    warning). Every problem is collected; a unit with errors gets no total."""
    vetoes = sorted({item.veto.reason for cat in scheme.categories for item in cat.items if item.veto})
    problems: list[Problem] = []
    read = []
    seen: set[str] = set()
    for row in rows:
        values, unit_problems = _read(scheme, row, vetoes)
        problems += unit_problems
        if row.code in seen:
            problems.append(Problem("duplicate", f"单位编码 {row.code} 重复 [duplicate unit code {row.code}]",
                                    record=row.code, field=KEY, value=row.code))
        seen.add(row.code)
        total = maximum = rate = None
        if not unit_problems:
            total = q2(sum(values["cats"].values(), ZERO))
            maximum = scheme.applicable_max(values["type"])
            rate = q2(total / maximum * scheme.rate_base)
        read.append((row, values, total, maximum, rate))
    if rows and scheme.awards.quota is None and quota is None:
        problems.append(Problem(
            "no_quota", f"审计局{scheme.awards.title}限额未设定，本次只排名次、不评选：请在审计考核方案的 awards.quota 中填写比例"
                        f"（rate，如 20%）或名额（count） [the audit scheme sets no quota (awards.quota): ranked, "
                        f"nobody selected]", severity="warning", field="awards.quota"))
    standing = rank_and_select(scheme, [r[4] for r in read], [r[1]["veto"] for r in read], quota)
    units = []
    for (row, values, total, maximum, rate), rank, status, note in zip(read, standing.ranks, standing.statuses,
                                                                       standing.notes):
        units.append(_standing(scheme, row, values, total, maximum, rate, rank, status, note))
    return AuditYear(units, standing.quota, standing.selected, standing.tied, problems)


def _standing(scheme: AuditScheme, row: AuditRow, values: dict, total, maximum, rate, rank, status,
              note: str) -> AuditStanding:
    self_total = values["self"]
    difference = None if total is None or self_total is None else q2(total - self_total)
    if total is None:
        trace = "输入有误，未计算"
    else:
        trace = " + ".join(f"{cid} {fmt(v)}" for cid, v in values["cats"].items()) + f" = {fmt(total)}"
        if maximum != scheme.total_points:
            trace += f"；得分率 {fmt(total)} ÷ {fmt(maximum)} × {fmt(scheme.rate_base)} = {fmt(rate)}"
    parts = [trace, note]
    if difference == 0:
        parts.append(f"自评 {fmt(self_total)}，与最终评定一致")
    elif difference is not None:
        parts.append(f"自评 {fmt(self_total)}，最终评定较自评 {signed(difference)}")
    elif total is not None:
        parts.append("未填自评")
    cats = {k: v for k, v in values["cats"].items() if v is not None}
    return AuditStanding(row.code, str(row.name or ""), values["type"] or str(row.type or ""), cats, total, maximum,
                         rate, rank, status, values["veto"], self_total, difference, "；".join(p for p in parts if p),
                         note)
