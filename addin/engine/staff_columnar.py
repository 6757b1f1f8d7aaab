"""Staff assessment on the columnar path: the same :class:`~addin.engine.staff.StaffResult`
as :func:`addin.engine.staff.assess_staff` (the reference), row for row, with totals,
ranks, quotas, selection and grades computed over whole columns in integer hundredths.

Clean rows (a number in each score cell at most 2 places, known level, 是/否 flags, no
vote counts, no 角色) go through numpy; every other row is read by the reference reader,
which reports what is wrong. The few rows with a role (heads, linked to their unit) or a
推荐表彰 are handled one by one with the reference's own functions
(:mod:`addin.engine.roles`, :mod:`addin.engine.merits`). tests/test_staff_columnar.py proves
the equality on random years with hypothesis.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from addin.engine.columnar import (NO_KEY, NOT_SELECTED, SELECTED, TIED, rank_groups, select_groups, to_cents,
                                   weighted_total_cents)
from addin.engine.merits import Recommendation, check_merits
from addin.engine.people import (BY_LINE, COMMENDED, DIRECT, IN_QUOTA, NO_NOTE, PENDING_NOTE, PeopleColumns,
                                 PeopleRows, TraceParts)
from addin.engine.quota import explain_quota
from addin.engine.roles import HEAD, LINKED, PARTY_SECRETARY, RoleRow, headless_awards, resolve_roles
from addin.engine.staff import (
    _FLAGS,
    _PREVIOUS_NAMES,
    GRADES,
    INCOMPETENT,
    LEADER_NOTE,
    OUTSIDE_NOTE,
    OUTSIDE_POOL,
    PersonInput,
    StaffQuotaRow,
    StaffResult,
    _in_quota_note,
    _read_person,
    awarded_heads,
    barred_note,
    direct_note,
    duplicate_codes,
    excluded_reason,
    grade_lines,
    pool_of,
    total_trace,
)
from addin.engine.units import Alert, UnitStanding
from addin.numbers import fmt
from addin.problems import Problem
from addin.scheme.models import Conventions, StaffScheme

_NUMBER = (float, int)
_NUMBER_TYPES = {float, int, type(None)}
_FLAG_CODES = {value: int(flag) for value, flag in _FLAGS.items()}
_PREVIOUS_CODES = {None: -1} | {name: GRADES.index(g) for name, g in _PREVIOUS_NAMES.items()}


def _number_column(values: Sequence) -> np.ndarray:
    """Number cells as floats; anything else (text, bool, blank, an int too large for a
    float) as NaN, which sends the row to the reference reader."""
    if set(map(type, values)) <= _NUMBER_TYPES:
        try:
            return np.array(values, dtype=np.float64)  # None → NaN
        except OverflowError:
            pass
    return np.array([_float(v) for v in values], dtype=np.float64)


def _float(value: Any) -> float:
    if type(value) not in _NUMBER:
        return math.nan
    try:
        return float(value)
    except OverflowError:
        return math.nan


def _codes(values: Sequence, codes: Mapping[Any, int]) -> np.ndarray:
    """Each value's code, NaN where it has none."""
    try:
        found = list(map(codes.get, values))
    except TypeError:  # an unhashable value somewhere
        found = [_code(codes, v) for v in values]
    return np.array(found, dtype=np.float64)


def _code(codes: Mapping[Any, int], value: Any) -> int | None:
    try:
        return codes.get(value)
    except TypeError:
        return None


def _first_appearance(labels: Sequence[Hashable]) -> np.ndarray:
    """Each label's index in the order labels first appear."""
    index = {label: k for k, label in enumerate(dict.fromkeys(labels))}
    return np.fromiter(map(index.__getitem__, labels), dtype=np.int64, count=len(labels))


def assess_staff_columnar(
    scheme: StaffScheme,
    people: PeopleColumns | Sequence[PersonInput],
    standings: Mapping[str, UnitStanding],
    conventions: Conventions,
    units: Mapping[str, tuple[str, str | None]] | None = None,
) -> StaffResult:
    """As :func:`addin.engine.staff.assess_staff` (same arguments, the same result), with
    the people as columns; its ``people`` are :class:`~addin.engine.people.PeopleRows`."""
    cols = people if isinstance(people, PeopleColumns) else PeopleColumns.of(people)
    n = len(cols)
    level_names = [lv.name for lv in scheme.levels]
    levels = {name: name for name in level_names}
    rates = {lv.name: lv for lv in scheme.levels}
    pools = {lv.name: lv.pool for lv in scheme.levels}
    units = units or {}
    weight = scheme.completion_weight

    # --- read: clean rows by column, the rest by the reference reader -------------------
    d_c, d_ok = to_cents(_number_column(cols.democratic))
    b_c, b_ok = to_cents(_number_column(cols.business))
    p_c, p_ok = to_cents(_number_column(cols.public))
    head_f, complaint_f, serious_f = (_codes(c, _FLAG_CODES) for c in (cols.is_head, cols.complaint, cols.serious))
    level_f = _codes(cols.level, {name: k for k, name in enumerate(level_names)})
    previous_f = _codes(cols.previous_grade, _PREVIOUS_CODES)
    clean = (d_ok & b_ok & p_ok & (d_c >= 0) & (b_c >= 0) & (p_c >= 0)
             & (d_c <= int(scheme.democratic_points * 100)) & (b_c <= int(scheme.business_points * 100))
             & (p_c <= int(scheme.public_points * 100))
             & ~np.isnan(head_f) & ~np.isnan(complaint_f) & ~np.isnan(serious_f) & ~np.isnan(level_f)
             & ~np.isnan(previous_f) & ~((serious_f == 1) & (complaint_f == 0)))
    if cols.votes:
        clean[list(cols.votes)] = False
    clean[cols.given("role")] = False  # a role is read (and its tier checked) one row at a time
    head, complaint, serious = head_f == 1, complaint_f == 1, serious_f == 1
    level_code = np.where(clean, level_f, len(level_names)).astype(np.int64)
    previous = np.where(clean, previous_f, -1).astype(np.int64)
    totals = weighted_total_cents(d_c, b_c, p_c, weight.as_integer_ratio())
    points = np.where(clean, totals, NO_KEY)
    democratic = np.where(clean, d_c, NO_KEY)
    target = np.where(clean, b_c + p_c, 0)
    democratic_exact: dict[int, Decimal | None] = {}
    fixed_head: dict[int, str] = {}
    stated: dict[int, str] = {}
    problems: list[Problem] = []
    level: list[str | None] = list(cols.level)
    for i in np.flatnonzero(~clean).tolist():
        person = _read_person(scheme, cols.person(i), levels)
        level[i] = person.level
        level_code[i] = len(level_names) if person.level is None else level_names.index(person.level)
        head[i], complaint[i], serious[i] = person.is_head, person.complaint, person.serious
        previous[i] = -1 if person.previous is None else GRADES.index(person.previous)
        democratic_exact[i] = person.democratic
        if person.role:
            stated[i] = person.role
        if person.total is not None:
            points[i] = int(person.total * 100)
            fixed_head[i] = total_trace(person.democratic, person.votes_trace, person.target, person.total, weight)
        else:
            fixed_head[i] = "" if person.unscored else "输入有误，未计算"
        problems += person.problems
    problems += duplicate_codes(cols.code)

    # --- roles: a district's Party secretary is in no pool; a 市级领导 level in no quota -----
    with_role = sorted(set(np.flatnonzero(head).tolist()) | set(stated))
    kinds, role_problems = resolve_roles([RoleRow(i, cols.code[i], cols.unit[i], stated.get(i, HEAD), i in stated)
                                          for i in with_role], units, scheme.roles)
    outside_rows = [i for i, k in kinds.items() if k == PARTY_SECRETARY]
    leader_codes = [k for k, lv in enumerate(scheme.levels) if lv.city_leaders]
    leader = np.isin(level_code, leader_codes)
    leader[outside_rows] = False  # a Party secretary is outside, whatever the level
    outside_code = len(level_names) + 1
    level_code[outside_rows] = outside_code

    # --- groups (pool, level) in order of first appearance -------------------------------
    unit_code = _first_appearance(cols.unit)
    unit_names = list(dict.fromkeys(cols.unit))
    width = len(level_names) + 2  # the levels, then no level, then a Party secretary's
    pair = unit_code * width + level_code
    pairs, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    key_codes: dict[tuple[str, str | None], int] = {}
    pair_key = np.empty(len(pairs), dtype=np.int64)
    for k in np.argsort(first, kind="stable").tolist():
        u, lv = divmod(int(pairs[k]), width)
        name = level_names[lv] if lv < len(level_names) else None
        pool = OUTSIDE_POOL if lv == outside_code else pool_of(pools.get(name, "unit"), unit_names[u], units)
        pair_key[k] = key_codes.setdefault((pool, name), len(key_codes))
    codes = pair_key[inverse.reshape(-1)] if n else np.zeros(0, dtype=np.int64)
    keys = list(key_codes)
    sizes = np.bincount(codes, minlength=len(keys))
    excluded = leader.copy()
    excluded[outside_rows] = True
    ranks = rank_groups(np.where(excluded, NO_KEY, points) if excluded.any() else points, codes, conventions.ranking)

    # --- links of heads to their unit ---------------------------------------------------
    valid = points != NO_KEY
    ok = valid & ~complaint
    before: dict[int, list[str]] = {}
    direct = np.zeros(n, dtype=bool)
    for i, kind in kinds.items():
        standing = standings.get(cols.unit[i])
        if kind not in LINKED or standing is None or leader[i]:
            continue
        if standing.barred:
            ok[i] = False
            before[i] = [barred_note(standing.barred, kind, scheme.roles)]
        elif standing.awarded and standing.head_excellent and ok[i]:
            direct[i] = True
            ok[i] = False
    eligible = ok & (points >= math.ceil(scheme.grades.excellent_min * 100))

    # --- quotas and selection ---------------------------------------------------------------
    rounding = scheme.quota_rounding or conventions.quota_rounding
    graded = np.array([k[1] is not None and not rates[k[1]].city_leaders for k in keys], dtype=bool)
    ex_calcs = [explain_quota(int(size), rates[lv].excellent_rate, rounding) if g else None
                for (_pool, lv), size, g in zip(keys, sizes, graded)]
    co_calcs = [explain_quota(int(size), rates[lv].commended_rate, rounding) if g else None
                for (_pool, lv), size, g in zip(keys, sizes, graded)]
    ex_quota = np.array([c.quota if c else 0 for c in ex_calcs], dtype=np.int64)
    co_quota = np.array([c.quota if c else 0 for c in co_calcs], dtype=np.int64)
    in_graded = graded[codes] & valid
    sel = select_groups(points, eligible & in_graded, codes, ex_quota)
    picked = (sel == SELECTED) | (sel == TIED)
    ex_selected = np.bincount(codes[sel == SELECTED], minlength=len(keys))
    ex_tied = np.bincount(codes[sel == TIED], minlength=len(keys))
    pool_mask = in_graded & ~direct & picked
    co = select_groups(points, pool_mask, codes, co_quota)
    co_selected = np.bincount(codes[pool_mask & (co == SELECTED)], minlength=len(keys))
    co_tied = np.bincount(codes[pool_mask & (co == TIED)], minlength=len(keys))

    # --- grades: direct, in quota, 待定, else by the lines with the complaint cap ------------
    g = scheme.grades
    competent, basic = points >= math.ceil(g.competent_min * 100), points >= math.ceil(g.basic_min * 100)
    line = np.where(competent, 0, np.where(basic, 1, 2)).astype(np.int8)
    cap = GRADES.index(scheme.complaint_cap)
    capped = complaint & (line + 1 < cap)
    by_line = np.where(capped, cap, line + 1)
    outside = in_graded & direct
    in_quota = in_graded & ~direct & (sel == SELECTED)
    pending = in_graded & ~direct & (sel == TIED)
    lined = leader & valid  # a 市级领导: by the lines only
    grade = np.where(in_graded, np.where(outside | in_quota, 0, np.where(pending, len(GRADES), by_line)),
                     np.where(lined, by_line, -1))
    note = np.where(in_graded, np.where(outside, DIRECT, np.where(in_quota, IN_QUOTA, np.where(
        pending, PENDING_NOTE, BY_LINE))), np.where(lined, BY_LINE, NO_NOTE)).astype(np.int8)
    commended = np.where(outside, SELECTED, np.where(
        in_graded & picked & ~direct, np.where(co == SELECTED, np.where(pending, TIED, SELECTED),
                                               np.where(co == TIED, TIED, NOT_SELECTED)), NOT_SELECTED)).astype(np.int8)
    merit: dict[int, str | None] = {}
    direct_notes: dict[int, str] = {}
    for i in np.flatnonzero(outside).tolist():
        standing = standings[cols.unit[i]]
        merit[i] = standing.merit
        direct_notes[i] = direct_note(standing.merit, kinds.get(i), scheme.roles)
    pending_notes = [None if c is None else f"待定：{int(ex_tied[k])}人并列争{c.quota - int(ex_selected[k])}个优秀名额，"
                     f"由考核办确定" for k, c in enumerate(ex_calcs)]
    after = {i: LEADER_NOTE for i in np.flatnonzero(leader).tolist()} | {i: OUTSIDE_NOTE for i in outside_rows}

    # --- merits: the 推荐表彰 column against the result (few rows) -----------------------------
    leaders = scheme.city_leader_levels()
    recs = [Recommendation(i, cols.code[i], cols.recommended[i], COMMENDED[commended[i]], bool(outside[i]),
                           merit.get(i) if outside[i] else None, excluded_reason(kinds.get(i), level[i], leaders,
                                                                                 scheme.roles), keys[codes[i]])
            for i in cols.given("recommended")]
    recommended, merit_problems = check_merits(recs, {k: c for k, c in zip(keys, co_calcs) if c is not None}, scheme)
    merit.update(recommended)
    headed = {cols.unit[i] for i, k in kinds.items() if k in LINKED}
    problems += role_problems + merit_problems + headless_awards(awarded_heads(standings), set(unit_names), headed,
                                                                 units, scheme.roles)

    # --- alerts, in row order ----------------------------------------------------------------
    alerts: list[Alert] = []
    twice = (grade == GRADES.index(INCOMPETENT)) & (previous == GRADES.index(INCOMPETENT))
    for i in np.flatnonzero(serious | twice).tolist():
        code, name = cols.code[i], cols.name[i]
        if serious[i]:
            alerts.append(Alert(code, name, scheme.serious_flag, f"被投诉或违纪违规情节严重：{scheme.serious_flag}"))
        if twice[i]:
            alerts.append(Alert(code, name, scheme.two_year_incompetent_flag,
                                f"连续2年确定为不称职：按规定{scheme.two_year_incompetent_flag}"))

    parts = TraceParts(fmt(weight), fixed_head, target, before, after, direct_notes,
                       [None if c is None else _in_quota_note(c) for c in ex_calcs], pending_notes,
                       tuple(grade_lines(scheme)[k] for k in ("competent", "basic", "below")), line, capped)
    rows = PeopleRows(cols.code, cols.name, cols.unit, level, democratic, democratic_exact, points, ranks,
                      grade.astype(np.int8), commended, merit, outside, codes, note, parts)
    quotas = [StaffQuotaRow(pool, lv, ex_calcs[k], int(ex_selected[k]), int(ex_tied[k]), co_calcs[k],
                            int(co_selected[k]), int(co_tied[k]))
              for k, (pool, lv) in enumerate(keys) if graded[k]]
    return StaffResult(rows, quotas, alerts, problems, tuple(np.flatnonzero(leader).tolist()))
