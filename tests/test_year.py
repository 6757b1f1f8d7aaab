"""A whole year: table inputs → units → staff links → audit."""

from addin.engine.selection import Status
from addin.engine.staff import PersonInput
from addin.engine.units import UnitInput
from addin.engine.year import assess_year
from conftest import D

PUBLIC = {"党的建设": 9, "党风廉政建设": 9, "思想政治工作": 4, "招商引资": 4}


def district(code, social, economic=None, **kw):
    business = {"社会目标": social} | ({} if economic is None else {"经济目标": economic})
    return UnitInput(code=code, name=code, business=business, public=PUBLIC, criticisms=0, **kw)


def economic(municipal, rate):
    """附表5 inputs where every completion indicator reaches ``rate`` of its target."""
    out = {}
    for item in municipal.table("附表5").items:
        if item.kind == "completion":
            out[item.id] = {"actual": rate * 1000, "target": 1000}
        elif item.kind == "growth":
            out[item.id] = {"actual": 0.08, "target": 0.08}  # at target: 80%
        else:
            out[item.id] = {"rank": 1}
    return out


def test_assess_year__economic_table_feeds_the_district_composite(municipal):
    # 附表5: 41 completion points + 3 rank points + 6 growth points (80% at target).
    # At 100% completion: 41 + 3 + 0.8 × 6 = 48.8.
    districts = [district("Q1", 18), district("Q2", 17), district("Q3", 16)]
    tables = {"Q1": {"附表5": economic(municipal, 1.0)}, "Q2": {"附表5": economic(municipal, 0.9)},
              "Q3": {"附表5": economic(municipal, 1.2)}}
    result = assess_year(municipal, [], districts, [], table_inputs=tables)
    assert result.ok, result.problems
    u = {x.code: x for x in result.districts.units}
    assert result.tables["Q1"]["附表5"].total == D("48.8")
    assert u["Q1"].composite == D("92.8")  # 48.8 + 18 + 26
    # Q2: 41 × 0.9 + 3 + 4.8 = 44.7; Q3: 41 × 1.2 + 3 + 4.8 = 57 → capped at 50.
    assert result.tables["Q2"]["附表5"].total == D("44.7")
    assert result.tables["Q3"]["附表5"].total == D(50)
    assert [u[c].award for c in ("Q3", "Q1", "Q2")] == [Status.SELECTED, Status.SELECTED, Status.NOT_SELECTED]


def test_assess_year__district_head_gets_merit_and_barred_head_does_not(municipal):
    districts = [district("Q1", 20, 45), district("Q2", 19, 45, veto="安全生产"), district("Q3", 18, 45),
                 district("Q4", 10, 45)]
    staff = [PersonInput(f"{q}-1", "区长", q, "县级", is_head="是", democratic=25, business=85, public=9)
             for q in ("Q1", "Q2", "Q3", "Q4")]
    result = assess_year(municipal, [], districts, staff)
    p = {x.unit: x for x in result.staff.people}
    assert p["Q1"].grade == "优秀" and p["Q1"].merit == "记二等功" and p["Q1"].outside_quota
    assert p["Q3"].merit == "记二等功"  # Q2 is vetoed, so Q3 is second
    assert p["Q2"].grade == "称职" and "不能定为优秀等次" in p["Q2"].trace
    assert p["Q4"].merit is None


def test_assess_year__table_errors_are_reported_with_the_unit(municipal):
    bad = economic(municipal, 1.0)
    bad["5.03"] = {"actual": "一千", "target": 1000}
    result = assess_year(municipal, [], [district("Q1", 18)], [], table_inputs={"Q1": {"附表5": bad}})
    assert not result.ok
    first = result.problems[0]
    assert (first.record, first.item, first.code) == ("Q1", "5.03", "not_a_number")
