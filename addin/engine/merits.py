"""Merits (记功、嘉奖, SPEC §3): the 人员 sheet's 推荐表彰 column checked against the results.

Seed: 各级各部门按表彰限额从优秀人员中推荐出记二等功、记三等功和受嘉奖人员（市级领导除外），
报市考核办公室审核，提请市委常委会批准. So a recommendation must name one of the scheme's
classes (``staff.merits``); only a 拟表彰 person may be recommended (a 待定 one waits, with a
warning); never a 市级领导 nor a district's Party secretary; a pool's recommendations never
exceed its 表彰限额 (the commended quota), nor a class its ``merit_limits``. A head commended
directly (outside the quota) may be recommended outside the pool's count; when the rules
give the head a merit (a top-2 district's government head: 记二等功), the recommendation
must be that merit. Every problem is located on the person's 推荐表彰 cell.

Pure, and shared by both staff engines: they pass the same recommendations in row order and
get the same merits and problems back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from addin.engine.quota import QuotaCalc
from addin.engine.selection import Status
from addin.numbers import is_blank
from addin.problems import Problem, unknown_choice
from addin.scheme.models import StaffScheme

FIELD = "推荐表彰"
OUTSIDE_TEXT = "不占名额"


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One person's 推荐表彰 cell with what the assessment decided for them."""

    index: int
    code: str
    raw: Any
    commended: Status
    outside: bool
    """Commended directly, outside the quota (the head of an awarded unit)."""
    fixed: str | None
    """The merit the rules give (the head merit of the awarded unit), if any."""
    excluded: str | None
    """Why the person can never be recommended (市级领导, 党委正职), if so."""
    pool: Hashable
    """The quota pool (pool, level) the person was assessed in."""


def merit_text(raw: Any) -> str:
    return str(raw).strip()


def check_merits(recs: Sequence[Recommendation], quotas: Mapping[Hashable, QuotaCalc | None],
                 staff: StaffScheme) -> tuple[dict[int, str], list[Problem]]:
    """The merit of each recommended row that stands (by row index) and the problems: each
    row's own in row order, then the pools over their limits (in order of first appearance)."""
    merits: dict[int, str] = {}
    problems: list[Problem] = []
    counted: dict[Hashable, list[tuple[Recommendation, str]]] = defaultdict(list)
    classes = "、".join(staff.merits)
    for rec in recs:
        if is_blank(rec.raw):
            continue
        where = {"record": rec.code, "field": FIELD}
        name = merit_text(rec.raw)
        if name not in staff.merits:
            problems.append(unknown_choice(FIELD, rec.raw, list(staff.merits), **where))
            continue
        if rec.excluded:
            problems.append(Problem(
                "merit_excluded", f"{rec.code} 为{rec.excluded}，不参加表彰，不能推荐{name}"
                f"（各级各部门按表彰限额从优秀人员中推荐…市级领导除外） [{rec.code} cannot be recommended for a merit]",
                value=rec.raw, allowed="空白", **where))
            continue
        if not rec.outside:
            counted[rec.pool].append((rec, name))
        if rec.commended is Status.TIED:
            problems.append(Problem(
                "merit_pending", f"{rec.code} 拟表彰待定（限额处并列），推荐的{name}待考核办确定后再列入提请审批名单 "
                f"[{rec.code} is tied for commendation: the merit waits for the office's decision]",
                severity="warning", value=rec.raw, allowed="拟表彰人员", **where))
            continue
        if rec.commended is not Status.SELECTED:
            problems.append(Problem(
                "merit_not_commended", f"{rec.code} 不是拟表彰人员，不能推荐{name}：只能从拟表彰人员（优秀人员中按"
                f"表彰限额选出）中推荐 [{rec.code} is not among the commended: only they may be recommended]",
                value=rec.raw, allowed="拟表彰人员", **where))
            continue
        if rec.fixed and name != rec.fixed:
            problems.append(Problem(
                "merit_fixed", f"{rec.code} 所在单位获评先进集体，按规定{rec.fixed}，推荐表彰应为{rec.fixed}或留空 "
                f"[{rec.code}'s merit is {rec.fixed} by the rules]", value=rec.raw, allowed=rec.fixed, **where))
            continue
        merits[rec.index] = name
    for pool, rows in counted.items():
        calc = quotas.get(pool)
        if calc is not None and len(rows) > calc.quota:
            problems += [_over(rec, name, pool, calc.quota, len(rows), f"表彰限额（{calc.trace}）", classes)
                         for rec, name in rows]
        for merit, limit in staff.merit_limits.items():
            of_class = [(rec, name) for rec, name in rows if name == merit]
            if len(of_class) > limit:
                problems += [_over(rec, name, pool, limit, len(of_class), f"{merit}限额", classes)
                             for rec, name in of_class]
    return merits, problems


def _over(rec: Recommendation, name: str, pool: Hashable, limit: int, count: int, what: str,
          classes: str) -> Problem:
    scope = "·".join(str(p) for p in pool) if isinstance(pool, tuple) else str(pool)
    return Problem(
        "merit_over_quota", f"{scope}的{what}为{limit}人，推荐了{count}人（{classes}），超出限额：请减少推荐 "
        f"[{scope}: {count} recommended, the limit is {limit}]",
        record=rec.code, field=FIELD, value=name, allowed=f"≤ {limit}人")


def award_text(commended: Status, outside: bool, merit: str | None) -> str:
    """The 拟表彰 cell of 人员等次: 是, 待定 or 否, with 不占名额 and the merit in brackets:
    是（记三等功）, 是（不占名额，记二等功）. The archive keeps this text, so the merit
    reaches publicity, notices and history."""
    base = commended.value if commended is not Status.INELIGIBLE else Status.NOT_SELECTED.value
    if commended is not Status.SELECTED:
        return base
    extra = [part for part in (OUTSIDE_TEXT if outside else None, merit) if part]
    return f"{base}（{'，'.join(extra)}）" if extra else base


def split_award(award: str | None) -> tuple[str, str | None]:
    """An award text (:func:`award_text`) as (the commendation without the merit, the
    merit): 是（不占名额，记二等功） → (是（不占名额）, 记二等功); 是 → (是, None)."""
    text = award or ""
    if not text.startswith("是（") or not text.endswith("）"):
        return text, None
    parts = text[2:-1].split("，")
    merit = next((p for p in parts if p != OUTSIDE_TEXT), None)
    return ("是（不占名额）" if OUTSIDE_TEXT in parts else "是"), merit


def merit_of(award: str | None) -> str | None:
    """The merit an award text names (:func:`award_text`), None when it names none."""
    return split_award(award)[1]
