"""The audit bureau's 400-point scheme (SPEC §4)."""

import copy

from addin.engine.audit import AuditUnitInput, assess_audit
from addin.engine.selection import Status
from addin.scheme.models import Quota
from conftest import D

COUNTY = {
    "A1.1": {"not_done": 2},  # 36
    "A1.1b": {"value": 0},
    "A1.3": {"value": 0},
    "A2": {"scores": [100, 110]},  # 105
    "A3.1": {"handwritten": 0},  # 20
    "A3.2": {"missing": 3},  # 14
    "A3.3": {"numerator": 6, "denominator": 8},  # 22.5
    "A3.4": {"count": 2},  # 30
    "A3.5": {"items": 0},  # 0 → A3 86.5
    "A4.1": {"praised_high": 0, "praised_bureau": 0, "criticized_high": 0, "criticized_bureau": 0,
             "absent_study": 0, "discord": "否"},  # 10
    "A4.2": {"count": 1},  # 10
    "A4.3": {"key_reports": 0, "short_bureau": 0, "short_province": 0, "province_journal": 0,
             "provincial_press": 0, "national_media": 0},  # 10
    "A4.4": {"no_card": 1, "violation": "否"},  # 9
    "A4.5": {"absent": 0, "no_certificate": 0},  # 10
    "A4.6": {"value": 0},  # 10
    "A4.7": {"value": 0},  # 10
    "A4.8": {"praised_examples": 0, "not_met": "否"},  # 10 → A4 79
}


def division(**changes):
    items = copy.deepcopy(COUNTY)
    items["A1.2"] = {"actual": 0.09, "target": 0.08}  # 63
    items["A1.2b"] = {"value": 0}
    for key, value in changes.items():
        items[key] = value
    return items


def test_assess_audit__county_bureau_compared_by_score_rate(audit):
    result = assess_audit(audit, [AuditUnitInput("C1", "某县审计局", "县市区局", COUNTY)])
    u = result.units[0]
    assert {k: v.total for k, v in u.categories.items()} == {"A1": D(36), "A2": D(105), "A3": D("86.5"),
                                                              "A4": D(79)}
    assert u.total == D("306.5")
    assert u.applicable_max == D(340)
    assert u.rate == D("360.59")  # 306.5 ÷ 340 × 400 = 360.588…
    assert "得分率 306.5 ÷ 340 × 400 = 360.59" in u.trace


def test_assess_audit__division_includes_A1_2_and_ranks_by_rate(audit):
    units = [AuditUnitInput("C1", "县局", "县市区局", COUNTY), AuditUnitInput("K1", "财政科", "科室", division())]
    result = assess_audit(audit, units, Quota(count=1))
    u = {x.code: x for x in result.units}
    assert u["K1"].total == D("369.5") and u["K1"].rate == D("369.5")
    assert (u["K1"].rank, u["C1"].rank) == (1, 2)
    assert (u["K1"].award, u["C1"].award) == (Status.SELECTED, Status.NOT_SELECTED)


def test_assess_audit__integrity_violation_vetoes_the_unit(audit):
    vetoed = division(**{"A4.4": {"no_card": 0, "violation": "是"}})
    units = [AuditUnitInput("K1", "甲科", "科室", vetoed), AuditUnitInput("C1", "县局", "县市区局", COUNTY)]
    result = assess_audit(audit, units, Quota(rate="50%"))
    u = {x.code: x for x in result.units}
    assert u["K1"].veto == "廉洁自律" and u["K1"].award is Status.INELIGIBLE
    assert u["K1"].categories["A4"].total == D(70)  # A4.4 scores 0
    assert u["C1"].award is Status.SELECTED


def test_assess_audit__county_bureau_needs_no_A1_2_but_division_does(audit):
    no_a12 = copy.deepcopy(COUNTY)
    result = assess_audit(audit, [AuditUnitInput("K1", "甲科", "科室", no_a12)])
    assert not result.ok
    assert {(p.item, p.code) for p in result.problems} == {("A1.2", "missing"), ("A1.2b", "missing")}


def test_assess_audit__quota_entered_by_office_else_nobody_selected(audit):
    result = assess_audit(audit, [AuditUnitInput("C1", "县局", "县市区局", COUNTY)])
    assert result.quota is None and result.units[0].award is Status.NOT_SELECTED


def test_assess_audit__unknown_unit_type(audit):
    result = assess_audit(audit, [AuditUnitInput("X", "甲", "处室", COUNTY)])
    assert result.problems[0].code == "unknown_choice" and "科室" in result.problems[0].allowed


def test_assess_audit__declared_bonuses_count_above_the_category_points(audit):
    items = division(**{"A1.3": {"value": 15, "note": "发现小金库并移送"}, "A1.2": {"actual": 0.2, "target": 0.08}})
    u = assess_audit(audit, [AuditUnitInput("K1", "甲科", "科室", items)]).units[0]
    assert u.categories["A1"].total == D(131)  # 36 + (60 + 20, capped bonus) + 15
    no_note = division(**{"A1.3": {"value": 15}})
    result = assess_audit(audit, [AuditUnitInput("K1", "甲科", "科室", no_note)])
    assert [(p.item, p.code) for p in result.problems] == [("A1.3", "note_required")]
