"""A whole year on the columnar path equals the per-row reference: random years of
departments (in sector groups, with vetoes, fraud and criticisms) and districts, whose
results link to their heads, and staff drawn from a few scores so that ties fall on every
line and quota boundary, with blanks and bad cells, roles (an old 是, 主要负责人, 党委正职,
政府主要负责人), the 市级领导 level and 推荐表彰. Scores, ranks, statuses, 待定, grades, merits,
alerts, quotas, problems and the result sheets the clerks read must be the same."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from addin.engine.people import PeopleColumns, PeopleRows
from addin.engine.staff import PersonInput
from addin.engine.units import UnitInput
from addin.engine.year import assess_year
from addin.results import result_tables
from addin.scheme import load_builtin

SCHEME = load_builtin("municipal")
GROUPS = ["综合口", "政法口"]


@st.composite
def unit(draw, code: str, tier, group: str | None):
    def part(points):
        value = draw(st.sampled_from([points, points * Decimal("0.9"), points * Decimal("0.8"), None]
                                     if draw(st.integers(0, 30)) == 0 else [points, points * Decimal("0.9")]))
        return None if value is None else float(value)

    return UnitInput(
        code=code, name=f"单位{code}", group=group, business={p.name: part(p.points) for p in tier.business},
        public={p.name: float(p.points * Decimal(draw(st.sampled_from(["1", "0.9", "0.8"])))) for p in tier.public},
        criticisms=draw(st.sampled_from([0, 0, 0, 1, 2])),
        veto=draw(st.sampled_from([None] * 8 + ["安全生产"])), fraud=draw(st.sampled_from(["否"] * 8 + ["是"])))


score = st.sampled_from([20, 25.5, 27, 28.5, 30])
business = st.sampled_from([60, 70.5, 80, 85.5, 90, 88.85])
public = st.sampled_from([5, 8.5, 9.5, 10, 9.15])
odd = st.sampled_from([None, "", "八十", 85.555, 95, True, -1, float("nan"), float("inf"), 10**400])


@st.composite
def person(draw, i: int, units: list[str]):
    rough = draw(st.integers(0, 12)) == 0  # about one row in thirteen takes the reference reader
    complaint = draw(st.sampled_from(["否"] * 8 + ["是", None]))
    return PersonInput(
        code=f"P{i:03d}" if draw(st.integers(0, 50)) else "P000", name=f"人{i}", unit=draw(st.sampled_from(units)),
        level=draw(st.sampled_from(["县级", "科级及以下", "科级及以下"] + ["市级领导"] + (["处级"] if rough else []))),
        is_head=draw(st.sampled_from(["否", "否", "否", "是", None])),
        democratic=draw(odd) if rough and draw(st.booleans()) else draw(score),
        business=draw(odd) if rough and draw(st.booleans()) else draw(business), public=draw(public),
        complaint=complaint, serious=draw(st.sampled_from(["否", "是"])) if complaint == "是" else "否",
        previous_grade=draw(st.sampled_from([None, "称职", "不称职", "合格", "很好"] if rough else [None, "不称职"])),
        role=draw(st.sampled_from([None] * 10 + ["主要负责人", "党委正职", "政府主要负责人"])),
        recommended=draw(st.sampled_from([None] * 6 + ["记二等功", "记三等功", "嘉奖"] + (["一等功"] if rough else []))))


@st.composite
def year(draw):
    departments = [draw(unit(f"B{k}", SCHEME.departments, GROUPS[k % 2])) for k in range(draw(st.integers(1, 12)))]
    districts = [draw(unit(f"Q{k}", SCHEME.districts, None)) for k in range(draw(st.integers(0, 4)))]
    codes = [u.code for u in departments + districts]
    staff = [draw(person(i, codes)) for i in range(draw(st.integers(0, 80)))]
    return departments, districts, staff


def people_rows(result):
    return [(p.code, p.name, p.unit, p.level, p.democratic, p.total, p.rank, p.grade, p.commended, p.merit,
             p.outside_quota, p.trace) for p in result.staff.people]


@settings(max_examples=150, deadline=None)
@given(year(), st.sampled_from(["dense", "competition"]), st.booleans())
def test_assess_year__columnar_equals_the_reference(drawn, ranking, as_columns):
    departments, districts, staff = drawn
    scheme = SCHEME.model_copy(update={"conventions": SCHEME.conventions.model_copy(update={"ranking": ranking})})
    want = assess_year(scheme, departments, districts, staff, reference=True)
    got = assess_year(scheme, departments, districts, PeopleColumns.of(staff) if as_columns else staff)
    assert isinstance(got.staff.people, PeopleRows) and isinstance(want.staff.people, list)
    assert people_rows(got) == people_rows(want)
    assert got.staff.quotas == want.staff.quotas
    assert got.staff.city_leaders == want.staff.city_leaders
    assert got.staff.alerts == want.staff.alerts
    assert [(p.code, p.record, p.field, p.message) for p in got.problems] == \
        [(p.code, p.record, p.field, p.message) for p in want.problems]
    assert [(t.sheet, t.headers, t.rows) for t in result_tables(got)] == \
        [(t.sheet, t.headers, t.rows) for t in result_tables(want)]


def test_assess_year__a_head_of_an_awarded_unit_and_a_tie_on_the_line_by_hand():
    # 综合口 has ten departments: 10 × 10% = 1 先进集体, and B1 with full points is the only
    # one ahead of the others (业务目标 at 90%), so it is awarded; its head, P0 (total 25 +
    # 0.7 × 90 = 88), is 优秀 and 拟表彰 directly, outside the quota. Its 科级及以下 staff,
    # 8 people: quota 8 × 15% = 1.2 → 1; P1 and P2 both total 28.5 + 0.7 × 90 = 91.5 and tie
    # for that one place → 待定 both; the other five total 25 + 0.7 × 90 = 88 → 称职. 拟表彰:
    # 8 × 8‰ = 0.064 → 0, so neither tied person is 拟表彰.
    public = {p.name: float(p.points) for p in SCHEME.departments.public}
    depts = [UnitInput(f"B{k}", f"单位B{k}", "综合口", public=public, criticisms=0,
                       business={p.name: float(p.points if k == 1 else p.points * Decimal("0.9"))
                                 for p in SCHEME.departments.business}) for k in range(1, 11)]
    staff = [PersonInput("P0", "人0", "B1", "科级及以下", "是", 25, None, 80, 10, "否", "否")]
    staff += [PersonInput(f"P{i}", f"人{i}", "B1", "科级及以下", "否", 28.5 if i < 3 else 25, None, 80,
                          10, "否", "否")
              for i in range(1, 8)]
    got = assess_year(SCHEME, depts, [], staff)
    want = assess_year(SCHEME, depts, [], staff, reference=True)
    assert [u.code for u in got.departments.units if u.award.value == "是"] == ["B1"]
    people = {p.code: p for p in got.staff.people}
    assert people["P0"].grade == "优秀" and people["P0"].outside_quota and people["P0"].commended.value == "是"
    assert [people[f"P{i}"].grade for i in range(1, 8)] == ["待定", "待定"] + ["称职"] * 5
    assert people["P1"].total == Decimal("91.50") and people["P3"].total == Decimal("88.00")
    assert people["P1"].trace == "民主测评 28.5 + 0.7×目标 90 = 91.5；待定：2人并列争1个优秀名额，由考核办确定"
    assert people["P3"].trace == "民主测评 25 + 0.7×目标 90 = 88；总分 88 ≥ 70"
    assert people_rows(got) == people_rows(want)


def test_assess_year__nan_infinite_or_huge_cells_are_located_problems_on_both_paths():
    staff = [PersonInput("P1", "人1", "B1", "县级", "否", 25, None, float("nan"), 9, "否", "否"),
             PersonInput("P2", "人2", "B1", "县级", "否", float("inf"), None, 80, 9, "否", "否"),
             PersonInput("P3", "人3", "B1", "县级", "否", 25, None, 80, 10**400, "否", "否")]
    for reference in (True, False):
        result = assess_year(SCHEME, [], [], staff, reference=reference)
        assert [(p.record, p.field) for p in result.problems] == [("P1", "业务目标"), ("P2", "民主测评"),
                                                                  ("P3", "公共目标")]
        assert [p.total for p in result.staff.people] == [None, None, None]
        assert [p.trace for p in result.staff.people] == ["输入有误，未计算"] * 3
