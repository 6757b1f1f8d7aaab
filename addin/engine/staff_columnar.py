"""Staff assessment on the columnar path: the same :class:`~addin.engine.staff.StaffResult`
as :func:`addin.engine.staff.assess_staff` (the reference), row for row, with totals,
ranks, quotas, selection and grades computed over whole columns in integer hundredths.

Clean rows (a number in each score cell at most 2 places, known level, 是/否 flags, no
vote counts) go through numpy; every other row is read by the reference reader, which
reports what is wrong. The few rows with links to their unit (heads) are handled one by
one, as in the reference. tests/test_staff_columnar.py proves the equality on random
years with hypothesis.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import partial

import numpy as np

from addin.engine.columnar import NO_KEY, SELECTED, TIED, rank_groups, select_groups, to_cents, weighted_total_cents
from addin.engine.quota import explain_quota
from addin.engine.selection import Status
from addin.engine.staff import (
    _FLAGS,
    _PREVIOUS_NAMES,
    EXCELLENT,
    GRADES,
    INCOMPETENT,
    PENDING,
    PersonInput,
    PersonResult,
    StaffQuotaRow,
    StaffResult,
    _in_quota_note,
    _read_person,
    explain_grade,
    pool_of,
    total_trace,
)
from addin.engine.units import Alert, UnitStanding
from addin.problems import Problem
from addin.scheme.models import Conventions, StaffScheme

_NUMBER = (float, int)


def _number_column(values: list) -> np.ndarray:
    return np.array([v if type(v) in _NUMBER else math.nan for v in values], dtype=np.float64)


def assess_staff_columnar(
    scheme: StaffScheme,
    people: Sequence[PersonInput],
    standings: Mapping[str, UnitStanding],
    conventions: Conventions,
    units: Mapping[str, tuple[str, str | None]] | None = None,
) -> StaffResult:
    """As :func:`addin.engine.staff.assess_staff` (same arguments, same result)."""
    n = len(people)
    levels = {lv.name: lv.name for lv in scheme.levels}
    rates = {lv.name: lv for lv in scheme.levels}
    pools = {lv.name: lv.pool for lv in scheme.levels}
    units = units or {}
    weight = scheme.completion_weight

    # --- read: clean rows by column, the rest by the reference reader -------------------
    d_c, d_ok = to_cents(_number_column([p.democratic for p in people]))
    b_c, b_ok = to_cents(_number_column([p.business for p in people]))
    p_c, p_ok = to_cents(_number_column([p.public for p in people]))
    clean = (d_ok & b_ok & p_ok & (d_c >= 0) & (b_c >= 0) & (p_c >= 0)
             & (d_c <= int(scheme.democratic_points * 100)) & (b_c <= int(scheme.business_points * 100))
             & (p_c <= int(scheme.public_points * 100)))
    level: list[str | None] = [None] * n
    head = np.zeros(n, dtype=bool)
    complaint = np.zeros(n, dtype=bool)
    serious = np.zeros(n, dtype=bool)
    previous: list[str | None] = [None] * n
    problems: list[Problem] = []
    fallback: dict[int, object] = {}
    for i, rec in enumerate(people):
        ok = bool(clean[i]) and not rec.votes and rec.level in levels
        if ok:
            try:
                h, c, s = _FLAGS[rec.is_head], _FLAGS[rec.complaint], _FLAGS[rec.serious]
            except (KeyError, TypeError):
                ok = False
            else:
                prev = rec.previous_grade
                ok = not (s and not c) and (prev is None or prev in _PREVIOUS_NAMES)
        if ok:
            level[i], head[i], complaint[i], serious[i] = rec.level, h, c, s
            previous[i] = None if prev is None else _PREVIOUS_NAMES[prev]
        else:
            clean[i] = False
            fallback[i] = _read_person(scheme, rec, levels)
    totals = weighted_total_cents(d_c, b_c, p_c, weight.as_integer_ratio())
    points = np.where(clean, totals, NO_KEY)
    democratic: dict[int, Decimal | None] = {}
    for i, person in fallback.items():
        level[i], head[i], complaint[i], serious[i] = person.level, person.is_head, person.complaint, person.serious
        previous[i] = person.previous
        democratic[i] = person.democratic
        if person.total is not None:
            points[i] = int(person.total * 100)
        problems += person.problems
    seen: set[str] = set()
    for rec in people:
        if rec.code in seen:
            problems.append(Problem("duplicate", f"人员编码 {rec.code} 重复 [duplicate person code]",
                                    record=rec.code, field="人员编码", value=rec.code))
        seen.add(rec.code)

    # --- groups (pool, level) in order of first appearance -------------------------------
    pool_cache: dict[tuple[str, str], str] = {}
    key_codes: dict[tuple[str, str | None], int] = {}
    codes = np.empty(n, dtype=np.int64)
    for i, rec in enumerate(people):
        pk = (pools.get(level[i], "unit"), rec.unit)
        name = pool_cache.get(pk)
        if name is None:
            name = pool_cache[pk] = pool_of(pk[0], rec.unit, units)
        codes[i] = key_codes.setdefault((name, level[i]), len(key_codes))
    keys = list(key_codes)
    sizes = np.bincount(codes, minlength=len(keys))
    ranks = rank_groups(points, codes, conventions.ranking)

    # --- links of heads to their unit ---------------------------------------------------
    valid = points != NO_KEY
    ok = valid & ~complaint
    notes: dict[int, list] = {}
    direct = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(head):
        standing = standings.get(people[i].unit)
        if standing is None:
            continue
        if standing.barred:
            ok[i] = False
            notes.setdefault(i, []).append(f"所在单位{standing.barred}，主要负责人不能定为优秀等次")
        elif standing.awarded and standing.head_excellent and ok[i]:
            direct[i] = True
            ok[i] = False
    line = scheme.grades.excellent_min * 100
    eligible = ok & (points >= math.ceil(line))

    # --- quotas and selection ---------------------------------------------------------------
    rounding = scheme.quota_rounding or conventions.quota_rounding
    graded = np.array([k[1] is not None for k in keys], dtype=bool)
    ex_calcs, co_calcs = [], []
    for (_pool, lv), size in zip(keys, sizes):
        if lv is None:
            ex_calcs.append(None)
            co_calcs.append(None)
            continue
        ex_calcs.append(explain_quota(int(size), rates[lv].excellent_rate, rounding))
        co_calcs.append(explain_quota(int(size), rates[lv].commended_rate, rounding))
    ex_quota = np.array([c.quota if c else 0 for c in ex_calcs], dtype=np.int64)
    co_quota = np.array([c.quota if c else 0 for c in co_calcs], dtype=np.int64)
    in_graded = graded[codes]
    sel = select_groups(points, eligible & in_graded, codes, ex_quota)
    ex_selected = np.bincount(codes[sel == SELECTED], minlength=len(keys))
    ex_tied = np.bincount(codes[sel == TIED], minlength=len(keys))
    pool_mask = in_graded & valid & ~direct & ((sel == SELECTED) | (sel == TIED))
    co = select_groups(points, pool_mask, codes, co_quota)
    co_selected = np.bincount(codes[pool_mask & (co == SELECTED)], minlength=len(keys))
    co_tied = np.bincount(codes[pool_mask & (co == TIED)], minlength=len(keys))

    # --- grades by the lines (vectorised), the complaint cap --------------------------------
    g = scheme.grades
    competent, basic = points >= math.ceil(g.competent_min * 100), points >= math.ceil(g.basic_min * 100)
    by_line = np.where(competent, 1, np.where(basic, 2, 3))
    cap = GRADES.index(scheme.complaint_cap)
    capped = complaint & (by_line < cap)
    grade_index = np.where(capped, cap, by_line)
    line_name = np.where(competent, 0, np.where(basic, 1, 2))
    line_names = ("competent", "basic", "below")

    # --- rows -------------------------------------------------------------------------------
    in_notes = [None if c is None else partial(_in_quota_note, c) for c in ex_calcs]
    money: dict[int, Decimal] = {}

    def dec(cents: int) -> Decimal:
        value = money.get(cents)
        if value is None:
            value = money[cents] = Decimal(cents).scaleb(-2)
        return value

    results: list[PersonResult] = []
    alerts: list[Alert] = []
    sel_l, co_l, pts_l, codes_l, ranks_l = sel.tolist(), co.tolist(), points.tolist(), codes.tolist(), ranks.tolist()
    d_l, b_l, p_l = d_c.tolist(), b_c.tolist(), p_c.tolist()
    gi_l, ln_l, cap_l = grade_index.tolist(), line_name.tolist(), capped.tolist()
    graded_l, direct_l, clean_l = in_graded.tolist(), direct.tolist(), clean.tolist()
    for i, rec in enumerate(people):
        grp = codes_l[i]
        pts = pts_l[i]
        grade = None
        commended = Status.NOT_SELECTED
        merit = None
        outside = False
        extra = notes.get(i, [])
        if graded_l[i] and pts != NO_KEY:
            total = dec(pts)
            if direct_l[i]:
                standing = standings[rec.unit]
                grade, commended, merit, outside = EXCELLENT, Status.SELECTED, standing.merit, True
                extra.append("所在单位获评先进集体，主要负责人直接定为优秀并予表彰（不占名额）"
                             + (f"，{standing.merit}" if standing.merit else ""))
            elif sel_l[i] == SELECTED or sel_l[i] == TIED:
                if sel_l[i] == SELECTED:
                    grade = EXCELLENT
                    extra.append(in_notes[grp])
                else:
                    grade = PENDING
                    calc = ex_calcs[grp]
                    extra.append(f"待定：{int(ex_tied[grp])}人并列争{calc.quota - int(ex_selected[grp])}个优秀名额，"
                                 f"由考核办确定")
                status = co_l[i]
                commended = Status.SELECTED if status == SELECTED else Status.TIED if status == TIED \
                    else Status.NOT_SELECTED
                if grade == PENDING and commended is Status.SELECTED:
                    commended = Status.TIED
                if commended is Status.TIED:
                    extra.append("拟表彰待定")
            else:
                grade = GRADES[gi_l[i]]
                extra.append(partial(explain_grade, total, line_names[ln_l[i]], cap_l[i], scheme))
        if pts == NO_KEY:
            trace_head: object = "输入有误，未计算"
            dem = democratic.get(i)
            total_value = None
        elif clean_l[i]:
            dem, total_value = dec(d_l[i]), dec(pts)
            trace_head = partial(total_trace, dem, "", dec(b_l[i] + p_l[i]), total_value, weight)
        else:
            person = fallback[i]
            dem, total_value = person.democratic, person.total
            trace_head = partial(total_trace, dem, person.votes_trace, person.target, total_value, weight)
        results.append(PersonResult(rec.code, rec.name, rec.unit, level[i], dem, total_value,
                                    ranks_l[i] or None, grade, commended, merit, outside, (trace_head, *extra)))
        if serious[i]:
            alerts.append(Alert(rec.code, rec.name, scheme.serious_flag, f"被投诉或违纪违规情节严重：{scheme.serious_flag}"))
        if grade == INCOMPETENT and previous[i] == INCOMPETENT:
            alerts.append(Alert(rec.code, rec.name, scheme.two_year_incompetent_flag,
                                f"连续2年确定为不称职：按规定{scheme.two_year_incompetent_flag}"))
    quotas = [StaffQuotaRow(pool, lv, ex_calcs[k], int(ex_selected[k]), int(ex_tied[k]), co_calcs[k],
                            int(co_selected[k]), int(co_tied[k]))
              for k, (pool, lv) in enumerate(keys) if lv is not None]
    return StaffResult(results, quotas, alerts, problems)
