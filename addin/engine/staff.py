"""Staff (工作人员): totals, the democratic score, grades, quotas and unit-head links.

total = democratic (0–30) + completion weight × (business 0–90 + public 0–10).
Per unit and staff level, 优秀 goes to eligible staff inside the excellent quota with a
total ≥ the excellent line; 拟表彰 are chosen from them under the commended quota. The
head of an awarded unit (a department's 主要负责人, a district's 政府主要负责人) is 优秀 and
commended directly, outside the quota; the head of a vetoed unit cannot be 优秀. A
complaint, violation or fraud caps the grade at 基本称职. A district's 党委正职 is outside the
county-level assessment and its pools; a 市级领导 is scored and graded by the lines, in no
pool and no merit (:mod:`addin.engine.roles`). The 推荐表彰 column is checked against the
result (:mod:`addin.engine.merits`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from addin.engine.computed import Computed, failed
from addin.engine.merits import Recommendation, check_merits
from addin.engine.roles import (GOVERNMENT_HEAD, HEAD, LINKED, PARTY_SECRETARY, RoleRow, headless_awards, read_role,
                                resolve_roles)
from addin.numbers import CENT, ZERO, fmt, is_blank, q2, read_choice, read_flag, read_number
from addin.engine.quota import QuotaCalc, explain_quota
from addin.engine.ranking import rank_cents
from addin.engine.selection import Status, select_under_quota
from addin.engine.units import Alert, UnitStanding
from addin.problems import Problem
from addin.scheme.models import Conventions, StaffRoles, StaffScheme

EXCELLENT, COMPETENT, BASIC, INCOMPETENT = "优秀", "称职", "基本称职", "不称职"
GRADES = (EXCELLENT, COMPETENT, BASIC, INCOMPETENT)
PENDING = "待定"


@dataclass(frozen=True)
class PersonInput:
    code: str
    name: str
    unit: str
    level: Any
    is_head: Any = None
    """是/否; blank means 否."""
    democratic: Any = None
    """The democratic score 0–30; or leave blank and give ``votes``."""
    votes: Mapping[str, Any] | None = None
    """Vote counts by grade (优秀, 称职, 基本称职, 不称职)."""
    business: Any = None
    public: Any = None
    complaint: Any = None
    """是/否 (blank = 否): a complaint, violation or fraud in the year."""
    serious: Any = None
    """是/否 (blank = 否): a serious case → 待岗."""
    previous_grade: Any = None
    role: Any = None
    """角色: the scheme's role names (主要负责人, 党委正职, 政府主要负责人); blank: ``is_head`` decides."""
    recommended: Any = None
    """推荐表彰: one of the scheme's merit classes (记二等功, 记三等功, 嘉奖), or blank."""


@dataclass(slots=True)
class PersonResult:
    """One person's result (a plain record: built 20,000 at a time, so not frozen)."""

    code: str
    name: str
    unit: str
    level: str | None
    democratic: Decimal | None
    total: Decimal | None
    rank: int | None
    grade: str | None
    commended: Status
    merit: str | None
    outside_quota: bool
    notes: tuple[Any, ...] = ()
    # Parts of the trace: strings, or callables that render one (built on demand, so
    # grading 20,000 people doesn't format 20,000 explanations before they are written).

    @property
    def trace(self) -> str:
        return "；".join(n() if callable(n) else n for n in self.notes)


@dataclass(frozen=True)
class StaffQuotaRow:
    unit: str
    """The pool: a unit code, ``<分口>（分口）`` or 全市 (see :func:`pool_of`)."""
    level: str
    excellent: QuotaCalc
    excellent_selected: int
    excellent_tied: int
    commended: QuotaCalc
    commended_selected: int
    commended_tied: int


@dataclass(frozen=True)
class StaffResult:
    people: Sequence[PersonResult]
    """A list (the reference) or :class:`~addin.engine.people.PeopleRows` (the columnar path)."""
    quotas: list[StaffQuotaRow]
    alerts: list[Alert]
    problems: list[Problem]
    city_leaders: tuple[int, ...] = ()
    """The rows of the 市级领导 (a level with ``city_leaders``), in row order: their list
    for the 市委's circulation."""

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


def democratic_score(votes: Mapping[str, Decimal | int], scheme: StaffScheme) -> Decimal:
    """30 × Σ(weight × votes) ÷ total votes, to 2 places. Total votes must be > 0."""
    total = sum((Decimal(v) for v in votes.values()), ZERO)
    if total <= 0:
        raise ValueError("total votes must be > 0")
    weighted = sum((scheme.vote_weights[g] * Decimal(v) for g, v in votes.items()), ZERO)
    return q2(scheme.democratic_points * weighted / total)


def staff_total(democratic: Decimal, business: Decimal, public: Decimal, scheme: StaffScheme) -> Decimal:
    return q2(democratic + scheme.completion_weight * (business + public))


def _grade(t: Decimal, in_quota: bool, complaint: bool, scheme: StaffScheme) -> tuple[str, str, bool]:
    """(grade, the threshold it met, capped by a complaint)."""
    g = scheme.grades
    if in_quota and t >= g.excellent_min and not complaint:
        return EXCELLENT, "excellent", False
    if t >= g.competent_min:
        grade, line = COMPETENT, "competent"
    elif t >= g.basic_min:
        grade, line = BASIC, "basic"
    else:
        grade, line = INCOMPETENT, "below"
    if complaint and GRADES.index(grade) < GRADES.index(scheme.complaint_cap):
        return scheme.complaint_cap, line, True
    return grade, line, False


CAP_NOTE = "；被投诉或违纪违规、弄虚作假，不能定为称职以上等次"
"""Appended to the grade's note when a complaint capped it."""


def grade_lines(scheme: StaffScheme) -> dict[str, str]:
    """The note of each line a total met, as a template of the total's text."""
    g = scheme.grades
    return {"excellent": f"名额内且总分 {{}} ≥ {fmt(g.excellent_min)}", "competent": f"总分 {{}} ≥ {fmt(g.competent_min)}",
            "basic": f"总分 {{}} ≥ {fmt(g.basic_min)}", "below": f"总分 {{}} < {fmt(g.basic_min)}"}


def explain_grade(t: Decimal, line: str, capped: bool, scheme: StaffScheme) -> str:
    why = grade_lines(scheme)[line].format(fmt(t))
    return why + CAP_NOTE if capped else why


def staff_grade(total: Decimal, in_quota: bool, complaint: bool, scheme: StaffScheme) -> tuple[str, str]:
    """The grade and why, under the scheme's thresholds and the complaint cap."""
    t = q2(total)
    grade, line, capped = _grade(t, in_quota, complaint, scheme)
    return grade, explain_grade(t, line, capped, scheme)


def staff_total_from_raw(scheme: StaffScheme, democratic: Any, business: Any, public: Any) -> Computed[Decimal]:
    """The total from raw formula arguments, each checked against its range."""
    reads = [
        read_number(democratic, "民主测评 democratic", lo=0, hi=scheme.democratic_points, field="democratic"),
        read_number(business, "业务目标 business", lo=0, hi=scheme.business_points, field="business"),
        read_number(public, "公共目标 public", lo=0, hi=scheme.public_points, field="public"),
    ]
    problems = [p for _, p in reads if p]
    if problems:
        return failed(problems)
    d, b, p = (v for v, _ in reads)
    total = staff_total(d, b, p, scheme)
    return Computed(total, f"{fmt(d)} + {fmt(scheme.completion_weight)}×({fmt(b)} + {fmt(p)}) = {fmt(total)}")


def democratic_from_raw(scheme: StaffScheme, counts: Sequence[Any]) -> Computed[Decimal]:
    """The democratic score from vote counts in the order of ``scheme.vote_weights``."""
    grades = list(scheme.vote_weights)
    reads = [read_number(v, f"{g}票数", whole=True, field=g) for g, v in zip(grades, counts)]
    problems = [p for _, p in reads if p]
    if len(counts) != len(grades):
        problems.append(Problem("bad_shape", f"应有{len(grades)}类票数（{'、'.join(grades)}） "
                                f"[expected {len(grades)} vote counts]", allowed=str(len(grades))))
    if problems:
        return failed(problems)
    votes = {g: v for g, (v, _) in zip(grades, reads)}
    if sum(votes.values()) == 0:
        return failed([Problem("no_votes", "总票数为0，无法计算民主测评 [total votes are 0]",
                               field="votes", value=0, allowed="> 0")])
    score = democratic_score(votes, scheme)
    shown = " + ".join(f"{fmt(scheme.vote_weights[g])}×{fmt(v)}" for g, v in votes.items())
    return Computed(score, f"{fmt(scheme.democratic_points)} × ({shown}) ÷ {fmt(sum(votes.values()))} = {fmt(score)}")


def grade_from_raw(scheme: StaffScheme, total: Any, in_quota: Any = None, complaint: Any = None) -> Computed[str]:
    """The grade from raw formula arguments; a blank flag means 否 (FALSE)."""
    reads = [
        read_number(total, "总分 total", lo=0, hi=scheme.democratic_points + scheme.completion_weight * 100,
                    field="total"),
        read_flag(in_quota, "名额内 in_quota", blank=False, field="in_quota"),
        read_flag(complaint, "投诉或违纪 complaint", blank=False, field="complaint"),
    ]
    problems = [p for _, p in reads if p]
    if problems:
        return failed(problems)
    t, q, c = (v for v, _ in reads)
    grade, why = staff_grade(t, q, c, scheme)
    return Computed(grade, why)


@dataclass(slots=True)
class _Person:
    rec: PersonInput
    level: str | None = None
    is_head: bool = False
    democratic: Decimal | None = None
    target: Decimal | None = None
    total: Decimal | None = None
    complaint: bool = False
    serious: bool = False
    previous: str | None = None
    votes_trace: str = ""
    problems: list[Problem] = field(default_factory=list)
    role: str | None = None
    """The role's kind as the 角色 column states it (:mod:`addin.engine.roles`)."""
    unscored: bool = False
    """A 党委正职 whose score cells are all blank: outside the assessment, nothing to read."""


_PREVIOUS_NAMES = {g: g for g in GRADES} | {"合格": COMPETENT, "不合格": INCOMPETENT}


_FLAGS = {"是": True, "否": False, None: False, True: True, False: False}


def _fast_person(scheme: StaffScheme, rec: PersonInput, levels: dict[str, str]) -> _Person | None:
    """The common, clean row without the general reader; None sends it to the reader,
    which then reports whatever is wrong."""
    if rec.votes or rec.level not in levels or rec.role is not None:
        return None
    try:
        head, complaint, serious = _FLAGS[rec.is_head], _FLAGS[rec.complaint], _FLAGS[rec.serious]
    except (KeyError, TypeError):
        return None
    previous = rec.previous_grade
    if (serious and not complaint) or (previous is not None and previous not in _PREVIOUS_NAMES):
        return None
    d, b, pu = _plain(rec.democratic), _plain(rec.business), _plain(rec.public)
    if d is None or b is None or pu is None or not (
            0 <= d <= scheme.democratic_points and 0 <= b <= scheme.business_points and 0 <= pu <= scheme.public_points):
        return None
    target = b + pu
    total = (d + scheme.completion_weight * target).quantize(CENT, ROUND_HALF_UP)
    return _Person(rec, rec.level, head, d, target, total, complaint, serious,
                   None if previous is None else _PREVIOUS_NAMES[previous], "", [])


def _plain(raw: Any) -> Decimal | None:
    """A number cell as an exact Decimal; anything else (text, bool, blank) is None."""
    kind = type(raw)
    if kind is float:
        return Decimal(repr(raw)) if math.isfinite(raw) else None  # NaN and ∞ go to the reader
    if kind is int:
        return Decimal(raw)
    return None


def _read_person(scheme: StaffScheme, rec: PersonInput, levels: dict[str, str]) -> _Person:
    fast = _fast_person(scheme, rec, levels)
    if fast is not None:
        return fast
    where = {"record": rec.code}
    p = _Person(rec)
    out = p.problems

    def take(pair):
        value, problem = pair
        if problem:
            out.append(problem)
        return value

    p.level = take(read_choice(rec.level, "层级", levels, field="层级", **where))
    p.is_head = bool(take(read_flag(rec.is_head, "主要负责人", blank=False, field="主要负责人", **where)))
    p.role = take(read_role(rec.role, scheme.roles, **where))
    if p.role == PARTY_SECRETARY and not rec.votes and all(is_blank(v) for v in (rec.democratic, rec.business,
                                                                                 rec.public)):
        p.unscored = True  # outside the assessment: blank scores are not missing
    elif is_blank(rec.democratic) and rec.votes:
        counts = {}
        for grade in scheme.vote_weights:
            counts[grade] = take(read_number(rec.votes.get(grade), f"民主测评{grade}票数", whole=True,
                                             field=f"{grade}票", **where))
        if all(v is not None for v in counts.values()):
            if sum(counts.values()) == 0:
                out.append(Problem("no_votes", "民主测评总票数为0 [total votes are 0]", record=rec.code,
                                   field="民主测评", allowed="> 0"))
            else:
                p.democratic = democratic_score(counts, scheme)
                p.votes_trace = "按票数折算"
    else:
        p.democratic = take(read_number(rec.democratic, "民主测评", lo=0, hi=scheme.democratic_points,
                                        field="民主测评", **where))
    if p.unscored:
        business = public = None
    else:
        business = take(read_number(rec.business, "业务目标", lo=0, hi=scheme.business_points, field="业务目标",
                                    **where))
        public = take(read_number(rec.public, "公共目标", lo=0, hi=scheme.public_points, field="公共目标", **where))
    p.complaint = bool(take(read_flag(rec.complaint, "投诉或违纪", blank=False, field="投诉或违纪", **where)))
    p.serious = bool(take(read_flag(rec.serious, "情节严重", blank=False, field="情节严重", **where)))
    if p.serious and not p.complaint:
        out.append(Problem("inconsistent", "“情节严重”为是，但“投诉或违纪”为否 [serious case without a complaint]",
                           record=rec.code, field="情节严重", value=rec.serious, allowed="投诉或违纪为是时才可填是"))
    p.previous = take(read_choice(rec.previous_grade, "上年等次", _PREVIOUS_NAMES, required=False,
                                  field="上年等次", **where))
    if None not in (p.democratic, business, public):
        p.target = business + public
        p.total = staff_total(p.democratic, business, public, scheme)
    return p


def _in_quota_note(calc: QuotaCalc) -> str:
    return f"优秀名额内（{calc.trace}）"


def total_text(democratic: str, votes: str, weight: str, target: str, total: str) -> str:
    """The total's arithmetic from its shown numbers (both engines' 说明 start with it)."""
    return f"民主测评 {democratic}{votes} + {weight}×目标 {target} = {total}"


def total_trace(democratic: Decimal, votes_trace: str, target: Decimal, total: Decimal, weight: Decimal) -> str:
    """民主测评 28.5（按票数折算） + 0.7×目标 95 = 95.06."""
    return total_text(fmt(democratic), f"（{votes_trace}）" if votes_trace else "", fmt(weight), fmt(target), fmt(total))


def duplicate_codes(codes: Sequence[str]) -> list[Problem]:
    """A problem for each person code seen before, in row order."""
    problems: list[Problem] = []
    if len(set(codes)) == len(codes):
        return problems
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            problems.append(Problem("duplicate", f"人员编码 {code} 重复 [duplicate person code]",
                                    record=code, field="人员编码", value=code))
        seen.add(code)
    return problems


CITY_POOL = "全市"


def pool_of(pool: str, unit: str, units: Mapping[str, tuple[str, str | None]]) -> str:
    """The quota pool of a person of ``unit`` at a level whose pool is ``pool`` (see
    :class:`~addin.scheme.models.StaffLevel`); ``units`` gives each unit's tier (部门/区市)
    and sector group. A unit on no unit table keeps its own pool."""
    tier, group = units.get(unit, (None, None))
    if pool == "city" and tier is not None:
        return CITY_POOL
    if pool == "group" and tier == "部门" and group:
        return f"{group}（分口）"
    return unit


OUTSIDE_POOL = "区(市)党委正职"
"""The key of a district's Party secretaries: in no pool, no level's quota."""
OUTSIDE_NOTE = "区(市)党委正职除外：不参加县级工作人员考核，不占限额"
LEADER_NOTE = "市级领导：不占限额，不参加表彰，考核结果由市委通报"


def role_rows(persons: Sequence[_Person]) -> list[RoleRow]:
    """The people with a role (stated in 角色, or an old roster's 主要负责人 是), in row order."""
    return [RoleRow(i, p.rec.code, p.rec.unit, p.role or HEAD, p.role is not None)
            for i, p in enumerate(persons) if p.role or p.is_head]


def excluded_reason(kind: str | None, level: str | None, leaders: set[str], roles: StaffRoles) -> str | None:
    """Why a person can never be commended: a 党委正职 or a 市级领导 (the level's name)."""
    if kind == PARTY_SECRETARY:
        return roles.party_secretary
    return level if level in leaders else None


def head_title(kind: str | None, roles: StaffRoles) -> str:
    """How the notes name a linked head: a department's 主要负责人, a district's 政府主要负责人."""
    return roles.government_head if kind == GOVERNMENT_HEAD else roles.head


def barred_note(barred: str, kind: str | None, roles: StaffRoles) -> str:
    return f"所在单位{barred}，{head_title(kind, roles)}不能定为优秀等次"


def direct_note(merit: str | None, kind: str | None, roles: StaffRoles) -> str:
    return (f"所在单位获评先进集体，{head_title(kind, roles)}直接定为优秀并予表彰（不占名额）"
            + (f"，{merit}" if merit else ""))


def awarded_heads(standings: Mapping[str, UnitStanding]) -> dict[str, str | None]:
    """The units whose award goes to their head directly: code → the head's merit."""
    return {code: s.merit for code, s in standings.items() if s.awarded and s.head_excellent}


def assess_staff(
    scheme: StaffScheme,
    people: Sequence[PersonInput],
    standings: Mapping[str, UnitStanding],
    conventions: Conventions,
    units: Mapping[str, tuple[str, str | None]] | None = None,
) -> StaffResult:
    """Grade every person; quotas per pool and level (each level's ``pool`` in the scheme);
    unit-head links from ``standings``, per person's own unit and role; the recommended
    merits checked against the result."""
    levels = {lv.name: lv.name for lv in scheme.levels}
    persons = [_read_person(scheme, rec, levels) for rec in people]
    problems = [pr for p in persons for pr in p.problems] + duplicate_codes([p.rec.code for p in persons])
    pools = {lv.name: lv.pool for lv in scheme.levels}
    units = units or {}
    kinds, role_problems = resolve_roles(role_rows(persons), units, scheme.roles)
    leaders = scheme.city_leader_levels()
    outside_set = {i for i, k in kinds.items() if k == PARTY_SECRETARY}
    keys = [(OUTSIDE_POOL, None) if i in outside_set else (pool_of(pools.get(p.level, "unit"), p.rec.unit, units),
                                                            p.level) for i, p in enumerate(persons)]
    points = [None if p.total is None else int(p.total * 100) for p in persons]  # totals are at 2 places
    ranked = [None if i in outside_set or p.level in leaders else points[i] for i, p in enumerate(persons)]
    ranks = rank_cents(ranked, keys, conventions.ranking)
    rates = {lv.name: lv for lv in scheme.levels}
    rounding = scheme.quota_rounding or conventions.quota_rounding

    groups: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        groups[k].append(i)

    grade: list[str | None] = [None] * len(persons)
    commended = [Status.NOT_SELECTED] * len(persons)
    merit: list[str | None] = [None] * len(persons)
    outside = [False] * len(persons)
    notes: dict[int, list[Any]] = defaultdict(list)
    quotas: list[StaffQuotaRow] = []
    commended_quotas: dict[tuple[str, str | None], QuotaCalc] = {}
    excellent_min = scheme.grades.excellent_min

    for (pool_name, level), idx in groups.items():
        direct: set[int] = set()
        eligible = []
        for i in idx:
            p = persons[i]
            standing = standings.get(p.rec.unit)
            ok = p.total is not None and not p.complaint
            if kinds.get(i) in LINKED and standing is not None and p.level not in leaders:
                if standing.barred:
                    ok = False
                    notes[i].append(barred_note(standing.barred, kinds.get(i), scheme.roles))
                elif standing.awarded and standing.head_excellent and ok:
                    direct.add(i)
                    ok = False
            eligible.append(ok and p.total >= excellent_min)
        if level is None:
            continue
        lv = rates[level]
        if lv.city_leaders:  # graded by the lines: 优秀 needs a place in a quota
            for i in idx:
                p = persons[i]
                if p.total is not None:
                    grade[i], line, capped = _grade(p.total, False, p.complaint, scheme)
                    notes[i].append(partial(explain_grade, p.total, line, capped, scheme))
            continue
        ex_calc = explain_quota(len(idx), lv.excellent_rate, rounding)
        co_calc = explain_quota(len(idx), lv.commended_rate, rounding)
        commended_quotas[(pool_name, level)] = co_calc
        sel = select_under_quota([None if points[i] is None else (points[i],) for i in idx], eligible,
                                 ex_calc.quota)
        in_quota_note = partial(_in_quota_note, ex_calc)
        for i in sorted(direct):
            standing = standings[persons[i].rec.unit]
            grade[i] = EXCELLENT
            commended[i] = Status.SELECTED
            merit[i] = standing.merit
            outside[i] = True
            notes[i].append(direct_note(standing.merit, kinds.get(i), scheme.roles))
        pool = []
        for i, status in zip(idx, sel.statuses):
            p = persons[i]
            if i in direct or p.total is None:
                continue
            if status is Status.SELECTED:
                grade[i] = EXCELLENT
                notes[i].append(in_quota_note)
                pool.append(i)
            elif status is Status.TIED:
                grade[i] = PENDING
                notes[i].append(f"待定：{sel.tied}人并列争{sel.slots_left}个优秀名额，由考核办确定")
                pool.append(i)
            else:
                grade[i], line, capped = _grade(p.total, False, p.complaint, scheme)
                notes[i].append(partial(explain_grade, p.total, line, capped, scheme))
        co = select_under_quota([(points[i],) for i in pool], [True] * len(pool), co_calc.quota)
        for i, status in zip(pool, co.statuses):
            if grade[i] == PENDING and status is Status.SELECTED:
                status = Status.TIED
            commended[i] = status
            if status is Status.TIED:
                notes[i].append("拟表彰待定")
        quotas.append(StaffQuotaRow(pool_name, level, ex_calc, sel.selected, sel.tied, co_calc, co.selected, co.tied))

    recs = [Recommendation(i, p.rec.code, p.rec.recommended, commended[i], outside[i], merit[i] if outside[i] else None,
                           excluded_reason(kinds.get(i), p.level, leaders, scheme.roles), keys[i])
            for i, p in enumerate(persons) if not is_blank(p.rec.recommended)]
    recommended, merit_problems = check_merits(recs, commended_quotas, scheme)
    for i, name in recommended.items():
        merit[i] = name
    staffed = {p.rec.unit for p in persons}
    headed = {persons[i].rec.unit for i, k in kinds.items() if k in LINKED}
    problems += role_problems + merit_problems + headless_awards(awarded_heads(standings), staffed, headed, units,
                                                                 scheme.roles)

    results: list[PersonResult] = []
    alerts: list[Alert] = []
    for i, p in enumerate(persons):
        rec = p.rec
        head = "输入有误，未计算" if p.total is None else partial(total_trace, p.democratic, p.votes_trace, p.target,
                                                                     p.total, scheme.completion_weight)
        parts = [*([] if p.unscored else [head]), *notes.get(i, ())]
        if i in outside_set:
            parts.append(OUTSIDE_NOTE)
        elif p.level in leaders:
            parts.append(LEADER_NOTE)
        results.append(PersonResult(rec.code, rec.name, rec.unit, p.level, p.democratic, p.total, ranks[i],
                                    grade[i], commended[i], merit[i], outside[i], tuple(parts)))
        if p.serious:
            alerts.append(Alert(rec.code, rec.name, scheme.serious_flag,
                                f"被投诉或违纪违规情节严重：{scheme.serious_flag}"))
        if grade[i] == INCOMPETENT and p.previous == INCOMPETENT:
            alerts.append(Alert(rec.code, rec.name, scheme.two_year_incompetent_flag,
                                f"连续2年确定为不称职：按规定{scheme.two_year_incompetent_flag}"))
    return StaffResult(results, quotas, alerts, problems,
                       tuple(i for i, p in enumerate(persons) if p.level in leaders and i not in outside_set))
