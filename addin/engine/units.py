"""Departments (市直部门) and districts (区市): composite, ranks, awards and alerts.

composite = business + public + innovation bonus − per_criticism × 通报批评次数.
Departments are ranked and awarded within their sector group (分口) at a quota rate;
districts over the whole tier (top 2). A veto or fraud makes a unit ineligible; a tie at
the cutoff is 待定.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from addin import problems as P
from addin.engine.bonus import evaluate_lookup
from addin.engine.computed import Computed, failed
from addin.numbers import ZERO, cents, fmt, is_blank, q2, read_flag, read_number, read_veto
from addin.engine.quota import QuotaCalc, explain_quota, fixed_quota
from addin.engine.ranking import rank_scores
from addin.engine.selection import Status, select_under_quota
from addin.problems import Problem
from addin.scheme.models import Conventions, UnitTier

FRAUD = "弄虚作假"


@dataclass(frozen=True)
class UnitInput:
    """One department or district as the master's input row gives it (raw values)."""

    code: str
    name: str
    group: Any = None
    business: Mapping[str, Any] = field(default_factory=dict)
    """By business part name: 业务目标 (departments) or 经济目标/社会目标 (districts)."""
    public: Mapping[str, Any] = field(default_factory=dict)
    """By public target name, e.g. 党的建设."""
    criticisms: Any = None
    veto: Any = None
    """Blank, or the vetoing body (纪检, 安全生产, …)."""
    fraud: Any = None
    """是/否; blank means 否."""
    previous: Any = None
    """Last year's composite, optional."""
    innovations: Sequence[Any] = ()
    """(project, recognizer, level) records from 加分登记."""


@dataclass(frozen=True)
class UnitResult:
    code: str
    name: str
    group: str | None
    business: Decimal | None
    public: Decimal | None
    bonus: Decimal | None
    deduction: Decimal | None
    composite: Decimal | None
    rank: int | None
    award: Status
    ineligible: str | None
    trace: str


@dataclass(frozen=True)
class QuotaRow:
    group: str | None
    calc: QuotaCalc
    selected: int
    tied: int


@dataclass(frozen=True)
class Alert:
    """A line of the 预警 sheet."""

    record: str
    name: str
    kind: str
    message: str


@dataclass(frozen=True)
class UnitStanding:
    """What a unit's result means for its head (SPEC §3 links)."""

    awarded: bool
    merit: str | None
    barred: str | None
    head_excellent: bool = True
    """The scheme lets an awarded unit's head be 优秀 directly (``awards.head_excellent``)."""


@dataclass(frozen=True)
class TierResult:
    units: list[UnitResult]
    quotas: list[QuotaRow]
    alerts: list[Alert]
    problems: list[Problem]
    standings: dict[str, UnitStanding]

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


@dataclass
class _Scored:
    rec: UnitInput
    group: str | None
    business: Decimal | None = None
    public: Decimal | None = None
    bonus: Decimal | None = None
    deduction: Decimal | None = None
    composite: Decimal | None = None
    criticisms: Decimal | None = None
    veto: str | None = None
    fraud: bool = False
    previous: Decimal | None = None
    bonus_trace: str = ""
    problems: list[Problem] = field(default_factory=list)


def _sum_parts(parts, raw: Mapping[str, Any], where: dict[str, Any], problems: list[Problem]) -> Decimal | None:
    total = ZERO
    ok = True
    for part in parts:
        value, problem = read_number(raw.get(part.name), part.name, lo=0, hi=part.points,
                                     field=part.name, **where)
        if problem:
            problems.append(problem)
            ok = False
        else:
            total += value
    return total if ok else None


def score_unit(tier: UnitTier, rec: UnitInput) -> _Scored:
    """Validate one unit's inputs and compute its composite."""
    where = {"record": rec.code}
    s = _Scored(rec, None if is_blank(rec.group) else str(rec.group).strip())
    problems = s.problems
    if tier.awards.by_group and s.group is None:
        problems.append(P.missing(f"{rec.name} 分口", field="分口", **where))
    s.business = _sum_parts(tier.business, rec.business, where, problems)
    s.public = _sum_parts(tier.public, rec.public, where, problems)
    s.criticisms, problem = read_number(rec.criticisms, "通报批评次数", whole=True, field="通报批评次数", **where)
    if problem:
        problems.append(problem)
    s.veto, problem = read_veto(rec.veto, suggestions=tier.veto_bodies, field="一票否决", **where)
    if problem:
        problems.append(problem)
    fraud, problem = read_flag(rec.fraud, FRAUD, blank=False, field=FRAUD, **where)
    if problem:
        problems.append(problem)
    s.fraud = bool(fraud)
    s.previous, problem = read_number(rec.previous, "上年综合得分", required=False, field="上年综合得分", **where)
    if problem:
        problems.append(problem)
    s.bonus, s.bonus_trace, bonus_problems = evaluate_lookup(
        tier.innovation_bonus, rec.innovations, {"record": rec.code}
    )
    problems += bonus_problems
    if all(v is not None for v in (s.business, s.public, s.bonus, s.criticisms)):
        s.deduction = tier.deduction.per_criticism * s.criticisms
        s.composite = q2(s.business + s.public + s.bonus - s.deduction)
    return s


def explain_composite(tier: UnitTier, s: _Scored) -> str:
    detail = s.bonus_trace.rsplit(" = ", 1)[0] if s.bonus else ""
    return _composite_trace(tier, s.business, s.public, s.bonus, s.criticisms, s.composite, detail)


def _composite_trace(tier: UnitTier, business, public, bonus, criticisms, composite, bonus_detail="") -> str:
    text = f"业务 {fmt(business)} + 公共 {fmt(public)}"
    if bonus:
        text += f" + 加分 {fmt(bonus)}" + (f"（{bonus_detail}）" if bonus_detail else "")
    if criticisms:
        text += f" − 通报批评 {fmt(tier.deduction.per_criticism)}×{fmt(criticisms)}"
    return f"{text} = {fmt(composite)}"


def assess_composite(
    tier: UnitTier, business: Sequence[Any], public: Sequence[Any], bonus: Any = 0, criticisms: Any = 0
) -> Computed[Decimal]:
    """One unit's composite from raw values, as a formula gets them.

    ``business``: the business score, or its item scores (summed, within the business
    points). ``public``: the public score, or one score per public target in scheme order,
    each within its own points.
    """
    problems: list[Problem] = []

    def take(pair):
        value, problem = pair
        if problem:
            problems.append(problem)
        return value

    b_points = sum((p.points for p in tier.business), ZERO)
    p_points = sum((p.points for p in tier.public), ZERO)
    if len(business) == 1:
        b_total = take(read_number(business[0], "业务目标 business", lo=0, hi=b_points, field="business"))
    else:
        values = [take(read_number(v, f"业务目标第{i}项 business", lo=0, field="business"))
                  for i, v in enumerate(business, start=1)]
        b_total = None if None in values else sum(values, ZERO)
        if b_total is not None and b_total > b_points:
            problems.append(P.out_of_range("业务目标各项合计 business", b_total, 0, b_points, field="business"))
            b_total = None
    if len(public) == 1:
        p_total = take(read_number(public[0], "公共目标 public", lo=0, hi=p_points, field="public"))
    elif len(public) == len(tier.public):
        values = [take(read_number(v, f"公共目标·{part.name} public", lo=0, hi=part.points, field="public"))
                  for v, part in zip(public, tier.public)]
        p_total = None if None in values else sum(values, ZERO)
    else:
        names = "、".join(p.name for p in tier.public)
        problems.append(Problem(
            "bad_shape",
            f"公共目标 public 应为1个总分或{len(tier.public)}项得分（{names}），实际为{len(public)}项 "
            f"[public: give the total or {len(tier.public)} scores, got {len(public)}]",
            field="public", value=len(public), allowed=f"1 或 {len(tier.public)}"))
        p_total = None
    bonus_v = take(read_number(bonus, "加分 bonus", lo=0, field="bonus"))
    crit = take(read_number(criticisms, "通报批评次数 criticisms", whole=True, field="criticisms"))
    if problems:
        return failed(problems)
    composite = q2(b_total + p_total + bonus_v - tier.deduction.per_criticism * crit)
    return Computed(composite, _composite_trace(tier, b_total, p_total, bonus_v, crit, composite))


def _ineligible(tier: UnitTier, s: _Scored) -> str | None:
    reasons = []
    if s.veto and tier.awards.veto_excludes:
        reasons.append(f"一票否决（{s.veto}）")
    if s.fraud and tier.awards.fraud_excludes:
        reasons.append(FRAUD)
    return "、".join(reasons) or None


def _barred(tier: UnitTier, s: _Scored) -> str | None:
    reasons = []
    if s.veto and "veto" in tier.awards.head_barred_by:
        reasons.append(f"一票否决（{s.veto}）")
    if s.fraud and "fraud" in tier.awards.head_barred_by:
        reasons.append(FRAUD)
    return "、".join(reasons) or None


def _tie_key(tier: UnitTier, s: _Scored) -> tuple[int, ...] | None:
    if s.composite is None:
        return None
    extra = {"business": s.business, "public": s.public, "bonus": s.bonus}
    return (cents(s.composite), *(cents(extra[k]) for k in tier.awards.tie_break))


def assess_units(tier: UnitTier, records: Sequence[UnitInput], conventions: Conventions) -> TierResult:
    """Score, rank and award a whole tier; every problem is collected, none raised."""
    scored = [score_unit(tier, rec) for rec in records]
    problems = [p for s in scored for p in s.problems]
    seen: dict[str, int] = {}
    for s in scored:
        if s.rec.code in seen:
            problems.append(Problem("duplicate", f"单位编码 {s.rec.code} 重复 [duplicate unit code {s.rec.code}]",
                                    record=s.rec.code, field="单位编码", value=s.rec.code))
        seen.setdefault(s.rec.code, 0)
    groups = [s.group if tier.awards.by_group else None for s in scored]
    ranks = rank_scores([s.composite for s in scored], groups, conventions.ranking)

    members: dict[str | None, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        members[g].append(i)
    award: list[Status] = [Status.NOT_SELECTED] * len(scored)
    notes: list[str] = [""] * len(scored)
    quotas: list[QuotaRow] = []
    q = tier.awards.quota
    for g, idx in members.items():
        if q.count is not None:
            calc = fixed_quota(len(idx), q.count)
        else:
            calc = explain_quota(len(idx), q.rate, q.rounding or conventions.quota_rounding, q.minimum)
        reasons = [_ineligible(tier, scored[i]) for i in idx]
        sel = select_under_quota([_tie_key(tier, scored[i]) for i in idx], [r is None for r in reasons], calc.quota)
        for i, status, reason in zip(idx, sel.statuses, reasons):
            award[i] = status
            if status is Status.INELIGIBLE:
                notes[i] = f"不得评先：{reason}"
            elif status is Status.TIED:
                notes[i] = f"待定：{sel.tied}个单位并列争{sel.slots_left}个名额，由考核办确定"
            elif status is Status.SELECTED:
                notes[i] = f"入选{tier.awards.title}（限额{calc.quota}）"
            elif scored[i].composite is None:
                notes[i] = "未入选：综合得分未计算"
            else:  # every unit not awarded says why, a quota of 0 included
                notes[i] = calc.passed_over("本口" if tier.awards.by_group else "")
        quotas.append(QuotaRow(g, calc, sel.selected, sel.tied))

    units: list[UnitResult] = []
    alerts: list[Alert] = []
    standings: dict[str, UnitStanding] = {}
    for i, s in enumerate(scored):
        rec = s.rec
        trace = explain_composite(tier, s) if s.composite is not None else "输入有误，未计算"
        if notes[i]:
            trace += f"；{notes[i]}"
        reason = _ineligible(tier, s)
        units.append(UnitResult(rec.code, rec.name, s.group, s.business, s.public, s.bonus, s.deduction,
                                s.composite, ranks[i], award[i], reason, trace))
        barred = _barred(tier, s)
        awarded = award[i] is Status.SELECTED
        standings[rec.code] = UnitStanding(awarded, tier.awards.head_merit if awarded else None, barred,
                                           tier.awards.head_excellent)
        if barred:
            alerts.append(Alert(rec.code, rec.name, "主要负责人不得评优",
                                f"{barred}：主要负责人不能定为优秀等次，不予表彰"))
        low = tier.two_year_threshold
        previous = None if s.previous is None else q2(s.previous)  # both years at 2 places, as SPEC §1
        if tier.two_year_alert and s.composite is not None and previous is not None and s.composite < low \
                and previous < low:
            alerts.append(Alert(rec.code, rec.name, f"连续两年低于{fmt(low)}分",
                                f"上年 {fmt(previous)}、本年 {fmt(s.composite)} 均低于{fmt(low)}分：{tier.two_year_flag}"))
    return TierResult(units, quotas, alerts, problems, standings)


@dataclass(frozen=True)
class BookItem:
    """One business item of a department's 目标责任书: its points and, at year end, its score."""

    name: str
    points: Any
    score: Any = None


def score_business_book(
    tier: UnitTier, items: Sequence[BookItem], *, scored: bool = True, **where: Any
) -> tuple[Decimal | None, list[Problem]]:
    """Check a 目标责任书's business items (points sum to the business points) and, when
    ``scored``, sum their scores, each within 0..its points (scored by the sector group)."""
    problems: list[Problem] = []
    want = sum((p.points for p in tier.business), ZERO)
    points_total = ZERO
    score_total = ZERO
    for i, item in enumerate(items, start=1):
        what = f"业务目标第{i}项“{item.name}”"
        points, problem = read_number(item.points, f"{what}分值", lo=Decimal("0.01"), hi=want,
                                      item=item.name, field="分值", **where)
        if problem:
            problems.append(problem)
            continue
        points_total += points
        if scored:
            value, problem = read_number(item.score, f"{what}得分", lo=0, hi=points, item=item.name,
                                         field="得分", **where)
            if problem:
                problems.append(problem)
            else:
                score_total += value
    if not problems and points_total != want:
        problems.append(Problem(
            "book_total",
            f"业务目标各项分值合计 {fmt(points_total)}，应为 {fmt(want)} "
            f"[business items total {fmt(points_total)}, must be {fmt(want)}]",
            field="分值", value=points_total, allowed=fmt(want), **where))
    if problems or not scored:
        return None, problems
    return q2(score_total), problems
