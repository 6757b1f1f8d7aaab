"""Roles, not one flag (SPEC §3 roles, issue 24 item 3), by hand, in both staff engines.

Seed: “县级工作人员(区〈市〉党委正职除外)的目标管理考核…按15%、5%的比例分别提出考核优秀等次和拟表彰人员”;
“年度考核得分前2名的区(市),授予先进集体称号…政府主要负责人年度考核定为优秀等次并记二等功”."""

from __future__ import annotations

import pytest

from addin.engine.selection import Status
from addin.engine.staff import PersonInput, assess_staff
from addin.engine.staff_columnar import assess_staff_columnar
from addin.engine.units import UnitStanding

UNITS = {"B1": ("部门", "综合口"), "Q1": ("区市", None), "Q2": ("区市", None)}
TOP2 = UnitStanding(awarded=True, merit="记二等功", barred=None)
ENGINES = pytest.mark.parametrize("assess", [assess_staff, assess_staff_columnar], ids=["reference", "columnar"])


def person(code, business, unit="Q1", level="县级", **kw):
    kw.setdefault("democratic", 30)
    kw.setdefault("public", 10)
    return PersonInput(code=code, name=code, unit=unit, level=level, business=business, **kw)


def county(unit="Q1", n=20):
    """``n`` county-level staff of a district: business 85 − i → totals 30 + 0.7 × (95 − i)."""
    return [person(f"{unit}-{i:02d}", 85 - i, unit=unit) for i in range(n)]


def run(assess, municipal, people, standings):
    return assess(municipal.staff, people, standings, municipal.conventions, UNITS)


@ENGINES
def test_assess_staff__a_district_with_both_heads_flagged_is_two_government_heads(assess, municipal):
    """An old roster flags both the secretary S and the mayor G 主要负责人 是: in a district each
    reads as the government head (a warning asking for the 角色), and two government heads in
    one district is an error located on each person's 主要负责人 cell."""
    people = [person("S", 80, is_head="是"), person("G", 70, is_head="是"), *county()]
    result = run(assess, municipal, people, {"Q1": TOP2})
    got = [(p.code, p.record, p.field, p.severity) for p in result.problems]
    assert got == [("role_assumed", "S", "主要负责人", "warning"), ("role_assumed", "G", "主要负责人", "warning"),
                   ("two_heads", "S", "主要负责人", "error"), ("two_heads", "G", "主要负责人", "error")]
    assert "区(市) Q1 有2名政府主要负责人（S、G）" in result.problems[2].message


@ENGINES
def test_assess_staff__two_stated_government_heads_are_located_on_the_role(assess, municipal):
    people = [person("S", 80, role="政府主要负责人"), person("G", 70, role="政府主要负责人"), *county()]
    result = run(assess, municipal, people, {"Q1": TOP2})
    assert [(p.code, p.record, p.field) for p in result.problems] == [("two_heads", "S", "角色"),
                                                                      ("two_heads", "G", "角色")]


@ENGINES
def test_assess_staff__the_secretary_is_outside_and_the_government_head_takes_the_merit(assess, municipal):
    """Q1 is top-2. S (党委正职, 30 + 0.7 × 90 = 93) is outside the county-level assessment: no
    rank, no grade, not counted. The pool is G + 20 others = 21: 21 × 15% = 3.15 → 3 优秀,
    21 × 5% = 1.05 → 1 拟表彰. G (政府主要负责人, 86) is 优秀 + 记二等功 outside the quota, so
    the 3 优秀 and the 1 拟表彰 go to Q1-00 (96.5), Q1-01 (95.8), Q1-02 (95.1) and Q1-00."""
    people = [person("S", 80, role="党委正职"), person("G", 70, role="政府主要负责人"), *county()]
    result = run(assess, municipal, people, {"Q1": TOP2})
    assert result.problems == []
    got = {p.code: p for p in result.people}
    s, g = got["S"], got["G"]
    assert (s.total, s.rank, s.grade, s.commended, s.merit) == (93, None, None, Status.NOT_SELECTED, None)
    assert "区(市)党委正职除外：不参加县级工作人员考核，不占限额" in s.trace
    assert (g.grade, g.commended, g.merit, g.outside_quota) == ("优秀", Status.SELECTED, "记二等功", True)
    assert "所在单位获评先进集体，政府主要负责人直接定为优秀并予表彰（不占名额），记二等功" in g.trace
    q = result.quotas[0]
    assert (q.unit, q.excellent.count, q.excellent.quota, q.commended.quota) == ("Q1", 21, 3, 1)
    assert [c for c, p in got.items() if p.grade == "优秀" and not p.outside_quota] == ["Q1-00", "Q1-01", "Q1-02"]
    assert [c for c, p in got.items() if p.commended is Status.SELECTED and not p.outside_quota] == ["Q1-00"]


@ENGINES
def test_assess_staff__a_secretary_with_blank_scores_is_not_missing_anything(assess, municipal):
    people = [person("S", None, role="党委正职", democratic=None, public=None), *county(n=3)]
    result = run(assess, municipal, people, {})
    assert result.problems == []
    assert (result.people[0].total, result.people[0].grade) == (None, None)
    assert result.people[0].trace == "区(市)党委正职除外：不参加县级工作人员考核，不占限额"


@ENGINES
def test_assess_staff__a_top2_district_with_only_a_party_secretary(assess, municipal):
    """Q2 is top-2 but its only head is S2, its 党委正职 (30 + 0.7 × 100 = 100): the 优秀 +
    记二等功 belong to the government head, so S2 gets neither, and the office is warned on
    Q2 that nobody takes them. S2 recommended for 记三等功 is refused (outside the assessment)."""
    people = [person("S2", 90, unit="Q2", role="党委正职", recommended="记三等功"), *county("Q2", 3)]
    result = run(assess, municipal, people, {"Q2": TOP2})
    assert [(p.code, p.record, p.field, p.severity) for p in result.problems] == [
        ("merit_excluded", "S2", "推荐表彰", "error"), ("no_head", "Q2", "单位编码", "warning")]
    assert "没有政府主要负责人" in result.problems[1].message and "记二等功无人承接" in result.problems[1].message
    s2 = result.people[0]
    assert (s2.grade, s2.commended, s2.merit, s2.outside_quota) == (None, Status.NOT_SELECTED, None, False)


@ENGINES
def test_assess_staff__an_old_yes_keeps_its_meaning_for_a_department(assess, municipal):
    """B1 (an awarded department) with its head flagged 主要负责人 是 and no 角色: 优秀 directly,
    outside the quota, without any warning — as before roles."""
    people = [person("H", 70, unit="B1", is_head="是"), *[person(f"B1-{i}", 85 - i, unit="B1") for i in range(6)]]
    result = run(assess, municipal, people, {"B1": UnitStanding(awarded=True, merit=None, barred=None)})
    assert result.problems == []
    h = result.people[0]
    assert (h.grade, h.commended, h.outside_quota, h.merit) == ("优秀", Status.SELECTED, True, None)
    assert "所在单位获评先进集体，主要负责人直接定为优秀并予表彰（不占名额）" in h.trace


@ENGINES
def test_assess_staff__a_barred_districts_government_head_is_named_so(assess, municipal):
    """Seed: 弄虚作假的,对所涉及的区(市)政府主要负责人不能定为优秀等次: G (30 + 0.7 × 100 = 100) is not 优秀, 称职 by the lines."""
    people = [person("G", 90, role="政府主要负责人"), *county(n=6)]
    result = run(assess, municipal, people, {"Q1": UnitStanding(awarded=False, merit=None, barred="弄虚作假")})
    g = result.people[0]
    assert g.grade == "称职" and "所在单位弄虚作假，政府主要负责人不能定为优秀等次" in g.trace


@ENGINES
def test_assess_staff__a_district_role_in_a_department_is_an_error(assess, municipal):
    people = [person("X", 80, unit="B1", role="党委正职")]
    result = run(assess, municipal, people, {})
    assert [(p.code, p.record, p.field, p.value, p.allowed) for p in result.problems] == [
        ("role_tier", "X", "角色", "党委正职", "主要负责人")]
