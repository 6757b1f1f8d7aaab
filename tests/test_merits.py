"""Merits (SPEC §3, issue 24 item 2) and the 市级领导 level (item 4), by hand, in both staff
engines (the reference and the columnar one).

Seed: “各级各部门按表彰限额从优秀人员中推荐出记二等功、记三等功和受嘉奖人员(市级领导除外),报市考核办公室审核,
提请市委常委会批准”; “科级及其以下工作人员…按15%、8‰的比例分别提出考核优秀等次和拟表彰人员”; “每位机关工作人员
(包括市级领导干部)都要实行目标管理考核”; “五大班子成员年度工作目标完成情况由市委在一定范围内进行通报”."""

from __future__ import annotations

import pytest

from addin.engine.merits import award_text, merit_of, split_award
from addin.engine.selection import Status
from addin.engine.staff import PersonInput, assess_staff
from addin.engine.staff_columnar import assess_staff_columnar

UNITS = {"U1": ("部门", "综合口"), "SW": ("部门", "综合口")}
ENGINES = pytest.mark.parametrize("assess", [assess_staff, assess_staff_columnar], ids=["reference", "columnar"])


def person(code, business, unit="U1", level="科级及以下", **kw):
    kw.setdefault("democratic", 30)
    kw.setdefault("public", 10)
    return PersonInput(code=code, name=code, unit=unit, level=level, business=business, **kw)


def pool(n, **recommended):
    """``n`` staff of U1 at 科级及以下: P00 … with business 90 − 0.5 i, so totals
    30 + 0.7 × (100 − 0.5 i) = 100 − 0.35 i, all distinct; ``recommended`` code → class."""
    return [person(f"P{i:02d}", 90 - i * 0.5, recommended=recommended.get(f"P{i:02d}")) for i in range(n)]


def run(assess, municipal, people, staff=None):
    return assess(staff or municipal.staff, people, {}, municipal.conventions, UNITS)


def located(result):
    return [(p.code, p.record, p.field, p.severity) for p in result.problems]


@ENGINES
def test_assess_staff__a_merit_within_a_pool_of_63_stands(assess, municipal):
    """63 × 8‰ = 0.504 → 四舍五入 1 commended (63 × 15% = 9.45 → 9 优秀): P00 (100) is 拟表彰,
    and the 记三等功 recommended for him stands."""
    result = run(assess, municipal, pool(63, P00="记三等功"))
    q = result.quotas[0]
    assert (q.excellent.count, q.excellent.quota, q.commended.quota, q.commended_selected) == (63, 9, 1, 1)
    people = {p.code: p for p in result.people}
    assert (people["P00"].commended, people["P00"].merit) == (Status.SELECTED, "记三等功")
    assert people["P01"].grade == "优秀" and people["P01"].commended is Status.NOT_SELECTED
    assert result.problems == []


@ENGINES
def test_assess_staff__merits_above_the_pools_limit_are_located_on_each(assess, municipal):
    """Two recommended where the 表彰限额 is 1: both are over the limit, and P01 (优秀, not
    拟表彰) may not be recommended at all."""
    result = run(assess, municipal, pool(63, P00="记三等功", P01="嘉奖"))
    assert located(result) == [("merit_not_commended", "P01", "推荐表彰", "error"),
                               ("merit_over_quota", "P00", "推荐表彰", "error"),
                               ("merit_over_quota", "P01", "推荐表彰", "error")]
    over = result.problems[1]
    assert "63 × 8‰ = 0.504 → 四舍五入 1" in over.message and "为1人，推荐了2人" in over.message
    assert over.allowed == "≤ 1人"


@ENGINES
def test_assess_staff__a_pool_of_62_has_no_merit_to_give(assess, municipal):
    """62 × 8‰ = 0.496 → 0: nobody is 拟表彰, so a recommendation is refused twice."""
    result = run(assess, municipal, pool(62, P00="记二等功"))
    assert result.quotas[0].commended.quota == 0
    assert located(result) == [("merit_not_commended", "P00", "推荐表彰", "error"),
                               ("merit_over_quota", "P00", "推荐表彰", "error")]
    assert "为0人，推荐了1人" in result.problems[1].message


@ENGINES
def test_assess_staff__an_unknown_class_and_a_per_class_limit(assess, municipal):
    """A class not in staff.merits is refused naming the classes; merit_limits {记二等功: 0}
    refuses a 记二等功 even within the 表彰限额 of 1."""
    result = run(assess, municipal, pool(63, P00="一等功"))
    assert located(result) == [("unknown_choice", "P00", "推荐表彰", "error")]
    assert "记二等功" in result.problems[0].message and "嘉奖" in result.problems[0].message
    strict = municipal.staff.model_copy(update={"merit_limits": {"记二等功": 0}})
    result = run(assess, municipal, pool(63, P00="记二等功"), strict)
    assert located(result) == [("merit_over_quota", "P00", "推荐表彰", "error")]
    assert "记二等功限额为0人" in result.problems[0].message


@ENGINES
def test_assess_staff__a_city_leader_recommended_is_refused(assess, municipal):
    """市级领导除外: L1 (市级领导, 30 + 0.7 × 100 = 100) recommended for 嘉奖 is an error on his
    推荐表彰 cell. He is in no quota pool (the quotas list only U1's 科级及以下), has no rank,
    and is on the separate list for the 市委; graded by the lines only (优秀 needs a place in a
    quota, SPEC §3 grades), so 100 ≥ 70 → 称职, never 拟表彰."""
    people = [person("L1", 90, unit="SW", level="市级领导", recommended="嘉奖"), *pool(63, P00="记三等功")]
    result = run(assess, municipal, people)
    assert located(result) == [("merit_excluded", "L1", "推荐表彰", "error")]
    assert "市级领导" in result.problems[0].message and result.problems[0].value == "嘉奖"
    assert [(q.unit, q.level, q.excellent.count) for q in result.quotas] == [("U1", "科级及以下", 63)]
    leader = result.people[0]
    assert (leader.total, leader.rank, leader.grade, leader.commended, leader.merit) == (
        100, None, "称职", Status.NOT_SELECTED, None)
    assert "市级领导：不占限额，不参加表彰，考核结果由市委通报" in leader.trace
    assert result.city_leaders == (0,)


def test_award_text__names_the_merit_and_splits_back():
    assert award_text(Status.SELECTED, False, "记三等功") == "是（记三等功）"
    assert award_text(Status.SELECTED, True, "记二等功") == "是（不占名额，记二等功）"
    assert award_text(Status.SELECTED, True, None) == "是（不占名额）"
    assert award_text(Status.TIED, False, "嘉奖") == "待定"
    assert split_award("是（不占名额，记二等功）") == ("是（不占名额）", "记二等功")
    assert split_award("是（记三等功）") == ("是", "记三等功")
    assert split_award("是（不占名额）") == ("是（不占名额）", None)
    assert merit_of("否") is None and merit_of(None) is None
