"""Staff (SPEC §3): totals, democratic score, grades, quotas, caps and unit-head links."""

import pytest

from addin.engine.selection import Status
from addin.engine.staff import PersonInput, assess_staff, democratic_score, staff_grade, staff_total
from addin.engine.units import UnitStanding
from conftest import D


def person(code, total_business, unit="U1", level="科级及以下", **kw):
    kw.setdefault("democratic", 30)
    kw.setdefault("public", 10)
    return PersonInput(code=code, name=code, unit=unit, level=level, business=total_business, **kw)


def run(municipal, people, standings=None):
    return assess_staff(municipal.staff, people, standings or {}, municipal.conventions)


def by_code(result):
    return {p.code: p for p in result.people}


def test_staff_total__democratic_plus_70_percent_of_target(municipal):
    assert staff_total(D(27), D(85), D(9), municipal.staff) == D("92.8")  # 27 + 0.7 × 94


def test_democratic_score__weighted_votes(municipal):
    votes = {"优秀": 20, "称职": 10, "基本称职": 5, "不称职": 5}
    assert democratic_score(votes, municipal.staff) == D("23.25")  # 30 × (20 + 8 + 3) ÷ 40
    with pytest.raises(ValueError):
        democratic_score({"优秀": 0, "称职": 0, "基本称职": 0, "不称职": 0}, municipal.staff)


@pytest.mark.parametrize(
    ("total", "in_quota", "complaint", "grade"),
    [
        ("92.8", True, False, "优秀"),
        ("92.8", False, False, "称职"),
        ("89.99", True, False, "称职"),  # inside the quota but below 90
        ("70", False, False, "称职"),
        ("69.99", False, False, "基本称职"),
        ("60", False, False, "基本称职"),
        ("59.99", False, False, "不称职"),
        ("95", True, True, "基本称职"),  # a complaint caps the grade
        ("50", False, True, "不称职"),
    ],
)
def test_staff_grade__thresholds_and_complaint_cap(municipal, total, in_quota, complaint, grade):
    assert staff_grade(D(total), in_quota, complaint, municipal.staff)[0] == grade


def test_assess_staff__15_percent_of_70_is_11_excellent(municipal):
    people = [person(f"P{i:02d}", 80 - i * 0.5) for i in range(70)]  # totals 93 down to 58.5
    result = run(municipal, people)
    grades = [p.grade for p in result.people]
    # Only 9 reach 90: 30 + 0.7 × (90 − 0.5 i) ≥ 90 ⇔ i ≤ 8.57, so the quota of 11 is not filled.
    assert grades.count("优秀") == 9
    assert result.quotas[0].excellent.quota == 11
    people = [person(f"P{i:02d}", 90, democratic=30 - i * 0.01) for i in range(70)]
    result = run(municipal, people)
    assert [p.grade for p in result.people].count("优秀") == 11


def test_assess_staff__tie_at_the_excellent_cutoff_is_pending(municipal):
    people = [person(f"P{i}", 60) for i in range(10)]  # quota 15% × 10 = 1.5 → 2; totals 79
    people[0] = person("P0", 90)  # 100
    people[1] = person("P1", 85)  # 96.5
    people[2] = person("P2", 85)
    result = run(municipal, people)
    u = by_code(result)
    assert u["P0"].grade == "优秀"
    assert u["P1"].grade == u["P2"].grade == "待定"
    assert "2人并列争1个优秀名额" in u["P1"].trace
    assert (result.quotas[0].excellent_selected, result.quotas[0].excellent_tied) == (1, 2)


def test_assess_staff__commended_chosen_from_the_excellent(municipal):
    people = [person(f"P{i:02d}", 90 - i * 0.1, level="县级") for i in range(20)]  # 15%: 3, 5%: 1
    result = run(municipal, people)
    u = by_code(result)
    assert [p.code for p in result.people if p.grade == "优秀"] == ["P00", "P01", "P02"]
    assert [p.code for p in result.people if p.commended is Status.SELECTED] == ["P00"]
    assert result.quotas[0].commended.quota == 1 and u["P03"].commended is Status.NOT_SELECTED


def test_assess_staff__complaint_and_serious_case_and_dismissal(municipal):
    people = [
        person("C1", 90, complaint="是"),
        person("S1", 20, democratic=10, complaint="是", serious="是", previous_grade="不称职"),
        person("N1", 20, democratic=10, previous_grade="称职"),
    ]
    result = run(municipal, people)
    u = by_code(result)
    assert u["C1"].grade == "基本称职" and "不能定为称职以上等次" in u["C1"].trace
    kinds = {(a.record, a.kind) for a in result.alerts}
    assert kinds == {("S1", "待岗"), ("S1", "辞退")}
    assert u["N1"].grade == "不称职"


def test_assess_staff__head_of_awarded_unit_is_excellent_outside_quota(municipal):
    people = [person("H", 70, is_head="是", democratic=25)] + [person(f"P{i}", 90 - i) for i in range(6)]
    standings = {"U1": UnitStanding(awarded=True, merit="记二等功", barred=None)}
    result = run(municipal, people, standings)
    u = by_code(result)
    assert u["H"].grade == "优秀" and u["H"].outside_quota and u["H"].commended is Status.SELECTED
    assert u["H"].merit == "记二等功" and "不占名额" in u["H"].trace
    # 7 × 15% = 1.05 → 1 slot, still available to the others.
    assert [p.code for p in result.people if p.grade == "优秀" and not p.outside_quota] == ["P0"]


def test_assess_staff__head_of_vetoed_unit_cannot_be_excellent(municipal):
    people = [person("H", 90, is_head="是")] + [person(f"P{i}", 60) for i in range(6)]
    standings = {"U1": UnitStanding(awarded=False, merit=None, barred="一票否决（安全生产）")}
    u = by_code(run(municipal, people, standings))
    assert u["H"].grade == "称职" and "不能定为优秀等次" in u["H"].trace


def test_assess_staff__bad_inputs_located(municipal):
    people = [
        PersonInput("X1", "甲", "U1", "处级", democratic=31, business=None, public=10),
        PersonInput("X2", "乙", "U1", "县级", votes={"优秀": 0, "称职": 0, "基本称职": 0, "不称职": 0},
                    business=80, public=10, serious="是"),
    ]
    result = run(municipal, people)
    got = {(p.record, p.field, p.code) for p in result.problems}
    assert got == {
        ("X1", "层级", "unknown_choice"),
        ("X1", "民主测评", "out_of_range"),
        ("X1", "业务目标", "missing"),
        ("X2", "民主测评", "no_votes"),
        ("X2", "情节严重", "inconsistent"),
    }


def test_assess_staff__a_yes_no_value_in_a_number_cell_is_not_a_number(municipal):
    result = run(municipal, [person("X", 80, democratic=True), person("Y", 80)])
    assert [(p.record, p.field, p.code) for p in result.problems] == [("X", "民主测评", "not_a_number")]


# --- quota pools (SPEC §3: counted on the proposing body's pool) -----------------------------


def _county_group(n_units=10, per_unit=4):
    """10 departments of 综合口 with 4 county-level staff each: totals 30 + 0.7 × (b + 10),
    all distinct and at least 90 (b from 89 down in steps of 0.1)."""
    people, units = [], {}
    for u in range(n_units):
        code = f"D{u:02d}"
        units[code] = ("部门", "综合口")
        for k in range(per_unit):
            people.append(person(f"{code}-{k}", 89 - (u * per_unit + k) * 0.1, unit=code, level="县级"))
    return people, units


def test_assess_staff__county_level_quotas_pool_the_sector_group_by_default(municipal):
    """Seed: the 县级 15%/5% are proposed by the 市分管领导 for the departments under them (the
    sector group). 4 county-level staff in one department: 4 × 5% = 0.2 → 0 commended on its
    own; the group's 40: 40 × 5% = 2 commended, 40 × 15% = 6 excellent."""
    people, units = _county_group()
    result = assess_staff(municipal.staff, people, {}, municipal.conventions, units)
    rows = {(q.unit, q.level): q for q in result.quotas}
    assert list(rows) == [("综合口（分口）", "县级")]
    q = rows[("综合口（分口）", "县级")]
    assert (q.excellent.count, q.excellent.quota, q.commended.quota) == (40, 6, 2)
    got = by_code(result)
    top = [f"D00-{k}" for k in range(4)] + ["D01-0", "D01-1"]  # the 6 best totals of the group
    assert sorted(c for c, p in got.items() if p.grade == "优秀") == sorted(top)
    assert sorted(c for c, p in got.items() if p.commended is Status.SELECTED) == ["D00-0", "D00-1"]


def test_assess_staff__a_level_may_pool_per_unit_or_citywide(municipal):
    people, units = _county_group()
    per_unit = municipal.staff.model_copy(update={"levels": [lv.model_copy(update={"pool": "unit"})
                                                             for lv in municipal.staff.levels]})
    result = assess_staff(per_unit, people, {}, municipal.conventions, units)
    assert len(result.quotas) == 10
    assert all((q.excellent.quota, q.commended.quota) == (1, 0) for q in result.quotas)  # 4 × 15% = 0.6 → 1
    assert not [p for p in result.people if p.commended is Status.SELECTED]  # 0 commended in each unit
    people.append(person("Q1-0", 85, unit="Q1", level="县级"))
    units["Q1"] = ("区市", None)
    city = municipal.staff.model_copy(update={"levels": [lv.model_copy(update={"pool": "city"})
                                                         for lv in municipal.staff.levels]})
    result = assess_staff(city, people, {}, municipal.conventions, units)
    assert [(q.unit, q.excellent.count) for q in result.quotas] == [("全市", 41)]
    grouped = assess_staff(municipal.staff, people, {}, municipal.conventions, units)
    assert sorted(q.unit for q in grouped.quotas) == ["Q1", "综合口（分口）"]  # a district is its own pool
