"""Departments and districts (SPEC §1, §2): composite, ranking, awards, alerts."""

from decimal import Decimal

import pytest

from addin.engine.selection import Status
from addin.engine.units import UnitInput, assess_units
from conftest import D

PUBLIC = {"党的建设": 9, "党风廉政建设": 9.5, "精神文明建设": 4, "招商引资": 4.5}  # 27


def dept(code, business, group="经济口", **kw):
    kw.setdefault("public", PUBLIC)
    kw.setdefault("criticisms", 0)
    return UnitInput(code=code, name=f"部门{code}", group=group, business={"业务目标": business}, **kw)


def run(municipal, units):
    return assess_units(municipal.departments, units, municipal.conventions)


def by_code(result):
    return {u.code: u for u in result.units}


def test_assess_units__composite_with_bonus_and_deductions(municipal):
    unit = dept("B1", 65.5, criticisms=2, innovations=[
        ("智慧审批", "党委政府", "省"), ("智慧审批", "业务部门", "国家"), ("河长制", "业务部门", "市")])
    u = by_code(run(municipal, [unit]))["B1"]
    # 65.5 + 27 + (8 + 4) − 5 × 2
    assert u.composite == D("94.5")
    assert (u.business, u.public, u.bonus, u.deduction) == (D("65.5"), D(27), D(12), D(10))
    assert "− 通报批评 5×2" in u.trace and "= 94.5" in u.trace


def test_assess_units__ten_percent_per_group_rounded_half_up(municipal):
    units = [dept(f"A{i:02d}", 50 + i) for i in range(15)]  # 15 × 10% = 1.5 → 2
    units += [dept(f"Z{i:02d}", 50 + i, group="综合口") for i in range(14)]  # 1.4 → 1
    result = run(municipal, units)
    quotas = {q.group: q.calc.quota for q in result.quotas}
    assert quotas == {"经济口": 2, "综合口": 1}
    winners = sorted(u.code for u in result.units if u.award is Status.SELECTED)
    assert winners == ["A13", "A14", "Z13"]


def test_assess_units__vetoed_top_unit_skipped_and_next_awarded(municipal):
    units = [dept(f"A{i:02d}", 50 + i) for i in range(10)]  # quota 1
    units[9] = dept("A09", 69, veto="安全生产")
    u = by_code(run(municipal, units))
    assert u["A09"].award is Status.INELIGIBLE and u["A09"].rank == 1
    assert u["A09"].ineligible == "一票否决（安全生产）"
    assert "不得评先：一票否决（安全生产）" in u["A09"].trace
    assert u["A08"].award is Status.SELECTED


def test_assess_units__fraud_ineligible_and_blank_fraud_means_no(municipal):
    units = [dept("A1", 69, fraud="是"), dept("A2", 60, fraud=None)] + [dept(f"A{i}", 50) for i in range(3, 11)]
    u = by_code(run(municipal, units))
    assert u["A1"].award is Status.INELIGIBLE and u["A1"].ineligible == "弄虚作假"
    assert u["A2"].award is Status.SELECTED


def test_assess_units__tie_at_the_cutoff_is_pending(municipal):
    units = [dept(f"A{i:02d}", 50) for i in range(20)]  # quota 2
    units[0] = dept("A00", 69)
    units[1] = dept("A01", 66)
    units[2] = dept("A02", 66)
    result = run(municipal, units)
    u = by_code(result)
    assert u["A00"].award is Status.SELECTED
    assert u["A01"].award is Status.TIED and u["A02"].award is Status.TIED
    assert "2个单位并列争1个名额" in u["A01"].trace
    assert (result.quotas[0].selected, result.quotas[0].tied) == (1, 2)


def test_assess_units__float_noise_makes_a_tie(municipal):
    a = dept("A1", 0.1 + 0.2 + 60, public={"党的建设": 10, "党风廉政建设": 10, "精神文明建设": 5, "招商引资": 5})
    b = dept("A2", 60.3, public={"党的建设": 10, "党风廉政建设": 10, "精神文明建设": 5, "招商引资": 5})
    u = by_code(run(municipal, [a, b] + [dept(f"X{i}", 40) for i in range(8)]))
    assert u["A1"].composite == u["A2"].composite == D("90.3")
    assert u["A1"].rank == u["A2"].rank == 1
    assert u["A1"].award is u["A2"].award is Status.TIED


def test_assess_units__two_years_below_60_flagged(municipal):
    units = [dept("A1", 25, previous=58), dept("A2", 25, previous=61), dept("A3", 40, previous=50)]
    alerts = run(municipal, units).alerts
    flagged = {a.record for a in alerts if a.kind == "连续两年低于60分"}
    assert flagged == {"A1"}  # A1: 52 and 58; A2 was 61 last year; A3 has 67 this year
    assert "诫勉或调整" in next(a.message for a in alerts if a.record == "A1")


def test_assess_units__vetoed_head_barred_but_fraud_alone_does_not_bar_department_head(municipal):
    result = run(municipal, [dept("A1", 60, veto="纪检"), dept("A2", 60, fraud="是")])
    assert result.standings["A1"].barred == "一票否决（纪检）"
    assert result.standings["A2"].barred is None
    assert [a.record for a in result.alerts if a.kind == "主要负责人不得评优"] == ["A1"]


def test_assess_units__blank_business_is_an_error_not_zero(municipal):
    result = run(municipal, [dept("A1", None), dept("A2", 60)])
    assert not result.ok
    u = by_code(result)
    assert u["A1"].composite is None and u["A1"].rank is None
    problem = result.problems[0]
    assert (problem.record, problem.field, problem.code) == ("A1", "业务目标", "missing")


def test_assess_units__every_bad_input_collected(municipal):
    unit = UnitInput(code="A1", name="甲", group=None, business={"业务目标": 71},
                     public={"党的建设": 10, "党风廉政建设": 10.5, "精神文明建设": 5},
                     criticisms=-1, veto="是", fraud="可能")
    result = run(municipal, [unit])
    got = {(p.field, p.code) for p in result.problems}
    assert got == {
        ("分口", "missing"),
        ("业务目标", "out_of_range"),
        ("党风廉政建设", "out_of_range"),
        ("招商引资", "missing"),
        ("通报批评次数", "not_whole"),
        ("一票否决", "veto_body_missing"),
        ("弄虚作假", "unknown_choice"),
    }
    veto = next(p for p in result.problems if p.field == "一票否决")
    assert "安全生产" in veto.allowed and "不要只填“是”" in veto.message


def test_assess_units__districts_top_two_veto_ineligible(municipal):
    def district(code, econ, **kw):
        return UnitInput(code=code, name=code, business={"经济目标": econ, "社会目标": 18},
                         public={"党的建设": 9, "党风廉政建设": 9, "思想政治工作": 4, "招商引资": 4},
                         criticisms=0, **kw)

    units = [district("Q1", 49, veto="环境保护"), district("Q2", 48), district("Q3", 47),
             district("Q4", 46, fraud="是"), district("Q5", 45)]
    result = assess_units(municipal.districts, units, municipal.conventions)
    u = by_code(result)
    assert [u[c].award for c in ("Q1", "Q2", "Q3", "Q4", "Q5")] == [
        Status.INELIGIBLE, Status.SELECTED, Status.SELECTED, Status.INELIGIBLE, Status.NOT_SELECTED]
    assert result.quotas[0].calc.quota == 2
    assert result.standings["Q2"].merit == "记二等功"
    assert result.standings["Q4"].barred == "弄虚作假"  # districts: fraud bars the head too


@pytest.mark.parametrize("method, expected", [("dense", [1, 2, 2, 3]), ("competition", [1, 2, 2, 4])])
def test_assess_units__ranking_method_from_the_scheme(municipal, method, expected):
    conventions = municipal.conventions.model_copy(update={"ranking": method})
    units = [dept("A", 60), dept("B", 55), dept("C", 55), dept("D", 50)]
    result = assess_units(municipal.departments, units, conventions)
    assert [u.rank for u in result.units] == expected


def test_assess_units__scheme_tie_break_key_resolves_a_tie(municipal):
    tier = municipal.departments.model_copy(
        update={"awards": municipal.departments.awards.model_copy(update={"tie_break": ["business"]})})
    a = dept("A", 60, public={"党的建设": 10, "党风廉政建设": 10, "精神文明建设": 5, "招商引资": 5})  # 90
    b = dept("B", 63)  # 63 + 27 = 90
    result = assess_units(tier, [a, b] + [dept(f"X{i}", 40) for i in range(8)], municipal.conventions)
    u = by_code(result)
    assert u["A"].composite == u["B"].composite == Decimal(90)
    assert u["B"].award is Status.SELECTED and u["A"].award is Status.NOT_SELECTED


def test_score_business_book__items_sum_to_70_and_scores_within_points(municipal):
    from addin.engine.units import BookItem, score_business_book

    items = [BookItem("重点项目建设", 30, 28.5), BookItem("营商环境", 25, 25), BookItem("安全监管", 15, 12)]
    total, problems = score_business_book(municipal.departments, items, record="B001")
    assert problems == [] and total == D("65.5")

    short = [BookItem("重点项目建设", 30, 28), BookItem("营商环境", 25, 25), BookItem("安全监管", 10, 9)]
    total, problems = score_business_book(municipal.departments, short, record="B001")
    assert total is None and problems[0].code == "book_total"
    assert "65" in problems[0].message and "70" in problems[0].message and problems[0].record == "B001"

    over = [BookItem("重点项目建设", 30, 31), BookItem("营商环境", 40, None)]
    total, problems = score_business_book(municipal.departments, over)
    assert [(p.item, p.code) for p in problems] == [("重点项目建设", "out_of_range"), ("营商环境", "missing")]
    assert problems[0].allowed == "0–30"


def test_score_business_book__target_book_before_scoring(municipal):
    from addin.engine.units import BookItem, score_business_book

    items = [BookItem("甲", 40), BookItem("乙", 30)]
    assert score_business_book(municipal.departments, items, scored=False) == (None, [])


def test_score_unit__the_veto_list_is_open_as_the_seed_says(municipal):
    """Seed: "纪检、检察、计划生育、环境保护、安全生产、社会治安综合治理等执纪执法部门" — the 等 opens
    the list: 市场监管 vetoes like 安全生产; blank, 否 and 无 are no veto; a bare 是 names nobody."""
    from addin.engine.units import UnitInput, score_unit

    def unit(veto):
        return UnitInput("B01", "部门B01", "综合口", {"业务目标": 60}, {"党的建设": 9, "党风廉政建设": 9,
                                                                        "精神文明建设": 4, "招商引资": 4}, 0, veto, "否")

    tier = municipal.departments
    assert score_unit(tier, unit("市场监管")).veto == "市场监管"
    assert score_unit(tier, unit(" 安全生产 ")).veto == "安全生产"
    assert [score_unit(tier, unit(v)).veto for v in (None, "", "否", "无")] == [None, None, None, None]
    bare = score_unit(tier, unit("是"))
    assert bare.veto is None and [p.code for p in bare.problems] == ["veto_body_missing"]


def test_award_status_column__reads_vetoes_like_recompute(municipal):
    from addin.engine.awards import award_status_column
    from decimal import Decimal

    out = award_status_column([95, 90, 85, 80], ["g"] * 4, ["市场监管", "否", None, "无"], "50%",
                              title="先进集体", default_rate=Decimal("0.1"), default_rounding="half_up")
    # quota 2 of 4; 95 is vetoed by 市场监管, so 90 and 85 are awarded; "否" and "无" are no veto
    assert out.value == ["不得评先：市场监管", "先进集体", "先进集体", ""]


def test_assess_units__the_two_year_check_rounds_last_years_score_first(municipal):
    """SPEC §1: both years' composites are rounded half-up to 2 places before the comparison:
    last year's 59.995 is 60.00, not below 60, so no alert."""
    from addin.engine.units import UnitInput, assess_units

    def unit(code, previous):
        return UnitInput(code, f"部门{code}", "综合口", {"业务目标": 40}, {"党的建设": 9, "党风廉政建设": 5,
                                                                              "精神文明建设": 2, "招商引资": 3}, 0,
                         None, "否", previous=previous)

    result = assess_units(municipal.departments, [unit("B01", 59.995), unit("B02", 59.994)], municipal.conventions)
    alerts = [(a.record, a.message) for a in result.alerts if "连续两年" in a.kind]
    # 本年 40 + 19 = 59; B02's 59.994 → 59.99 < 60
    assert alerts == [("B02", "上年 59.99、本年 59 均低于60分：诫勉或调整")]


def test_assess_units__districts_get_no_two_year_alert_by_default(municipal):
    from addin.engine.units import UnitInput, assess_units

    q = UnitInput("Q1", "区Q1", None, {"经济目标": 30, "社会目标": 10}, {"党的建设": 5, "党风廉政建设": 5,
                                                                         "思想政治工作": 2, "招商引资": 2}, 0,
                  None, "否", previous=50)
    result = assess_units(municipal.districts, [q], municipal.conventions)
    assert not [a for a in result.alerts if "连续两年" in a.kind]
    on = municipal.districts.model_copy(update={"two_year_alert": True})
    assert [a.record for a in assess_units(on, [q], municipal.conventions).alerts if "连续两年" in a.kind] == ["Q1"]
