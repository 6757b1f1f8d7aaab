"""Worked examples for every rule kind; expected values are worked out by hand from SPEC."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from addin.engine.items import max_score, score_item
from conftest import D, item_from_yaml, random_raw


def score(item, **raw):
    return score_item(item, raw)


# --- the audit bureau's items (SPEC §4), through the shipped scheme -------------


def test_score_item__A1_1_minus_2_per_project_not_done(audit):
    s = score(audit.item("A1.1"), not_done=3)
    assert s.score == D(34) and s.trace == "40 − 2×3 = 34"
    assert score(audit.item("A1.1"), not_done=25).score == D(0)  # 扣完为止


@pytest.mark.parametrize(
    ("actual", "target", "expected"),
    [
        (0.085, 0.05, "70.5"),  # 3.5 points above: 60 + 3×3.5
        (0.15, 0.05, "80"),  # 10 points above: bonus 30 capped at 20
        (0.05, 0.05, "60"),  # met
        (0.02, 0.05, "51"),  # 3 points below: 60 − 9
        (-0.20, 0.05, "0"),  # 25 below: 60 − 75, floored
    ],
)
def test_score_item__A1_2_threshold_bonus_capped_penalty_floored(audit, actual, target, expected):
    assert score(audit.item("A1.2"), actual=actual, target=target).score == D(expected)


def test_score_item__A2_average_and_rescaled_100_point_scale(audit):
    assert score(audit.item("A2"), scores=[110, 100, 96]).score == D(102)
    assert score(audit.item("A2"), scores=[[110, None], [100, 96]]).score == D(102)  # a 2-D range
    hundred = item_from_yaml(
        "{id: A2, name: 项目质量, points: 120, kind: average, scale_max: 100, rescale: 1.2}"
    )
    assert score(hundred, scores=[80, 90]).score == D(102)  # 85 × 1.2
    bad = score(hundred, scores=[80, 101])
    assert bad.score is None and bad.problems[0].allowed == "0–100"


def test_score_item__A3_1_and_A3_2_floored_deductions(audit):
    assert score(audit.item("A3.1"), handwritten=3).score == D(5)
    assert score(audit.item("A3.1"), handwritten=5).score == D(0)
    assert score(audit.item("A3.2"), missing=4).score == D(12)


def test_score_item__A3_3_ratio_with_set_value_when_no_project_needs_AO(audit):
    assert score(audit.item("A3.3"), numerator=8, denominator=10).score == D(24)
    assert score(audit.item("A3.3"), numerator=0, denominator=0).score == D(30)
    bad = score(audit.item("A3.3"), numerator=11, denominator=10)
    assert bad.score is None and bad.problems[0].code == "ratio_above_one"
    assert bad.problems[0].item == "A3.3" and "11" in bad.problems[0].message


@pytest.mark.parametrize(("count", "expected"), [(0, 0), (1, 15), (2, 30), (3, 40), (5, 60), (6, 60)])
def test_score_item__A3_4_due_two_then_plus_10_capped_30(audit, count, expected):
    assert score(audit.item("A3.4"), count=count).score == D(expected)


def test_score_item__A3_5_plus_50_per_item_uncapped(audit):
    assert score(audit.item("A3.5"), items=2).score == D(100)


def test_score_item__A4_1_commendations_and_criticisms(audit):
    s = score(audit.item("A4.1"), praised_high=1, praised_bureau=2, criticized_high=0, criticized_bureau=1,
              absent_study=3, discord="是")
    assert s.score == D(8)  # 10 + 2 + 2 − 1 − 3 − 2
    s = score(audit.item("A4.1"), praised_high=0, praised_bureau=0, criticized_high=6, criticized_bureau=0,
              absent_study=0, discord="否")
    assert s.score == D(0)  # 10 − 12, floored


@pytest.mark.parametrize(("count", "expected"), [(0, 0), (1, 10), (3, 14)])
def test_score_item__A4_2_none_zero_one_full_plus_2_per_extra(audit, count, expected):
    assert score(audit.item("A4.2"), count=count).score == D(expected)


def test_score_item__A4_3_articles(audit):
    s = score(audit.item("A4.3"), key_reports=1, short_bureau=2, short_province=1, province_journal=1,
              provincial_press=0, national_media=1)
    assert s.score == D(23)  # 10 + 5 − 2 − 2 + 2 + 10


def test_score_item__A4_4_violation_zeroes_item_and_vetoes(audit):
    assert score(audit.item("A4.4"), no_card=3, violation="否").score == D(7)
    s = score(audit.item("A4.4"), no_card=3, violation="是")
    assert s.score == D(0) and s.veto == "廉洁自律"
    assert "不得评先" in s.trace


def test_score_item__A4_5_training(audit):
    assert score(audit.item("A4.5"), absent=2, no_certificate=1).score == D(4)


def test_score_item__A4_6_discretionary_deduction_2_to_3_or_none(audit):
    item = audit.item("A4.6")
    assert score(item, value=0, note=None).score == D(10)
    assert score(item, value=-2.5, note="未完成征订").score == D("7.5")
    missing_note = score(item, value=-2.5, note=None)
    assert missing_note.score is None and missing_note.problems[0].code == "note_required"
    between = score(item, value=-1, note="x")
    assert between.score is None and between.problems[0].allowed == "0 或 -3–-2"


def test_score_item__A4_7_and_A4_8(audit):
    assert score(audit.item("A4.7"), value=-4, note="环境不整洁").score == D(6)
    assert score(audit.item("A4.8"), praised_examples=3, not_met="否").score == D(16)  # 10 + 2×3
    # "达到要求的满分": requirements not met → the 10 base points go; praised examples still count
    assert score(audit.item("A4.8"), praised_examples=1, not_met="是").score == D(2)  # 10 + 2 − 10
    assert score(audit.item("A4.8"), praised_examples=0, not_met="是").score == D(0)


# --- the municipal appendix items ------------------------------------------------


def test_score_item__deduct_with_counts_and_flags(municipal):
    item = municipal.table("附表1").items[0]  # 1.1 主体责任落实, 2 points
    s = score(item, missed_meetings=1, no_responsibility="是")
    assert s.score == D("0.5") and s.trace == "2 − 0.5×1 − 1×1 = 0.5"
    assert score(item, missed_meetings=0, no_responsibility="否").trace == "无扣分 = 2"


def test_score_item__completion_capped_at_120_percent(municipal):
    item = municipal.table("附表4").items[0]  # 4.1 引资到位资金, 3 points, cap 1.2
    assert score(item, actual=1134, target=1000).score == D("3.40")  # 3 × 1.134 = 3.402
    assert score(item, actual=1234, target=1000).score == D("3.6")  # 123.4% is above the 120% cap
    assert score(item, actual=1500, target=1000).score == D("3.6")
    zero_target = score(item, actual=5, target=0)
    assert zero_target.score is None and zero_target.problems[0].code == "out_of_range"


def test_score_item__completion_missing_figure_and_missing_target(municipal):
    gdp = municipal.table("附表5").items[0]  # no_target: drop, no_actual: zero_flagged
    dropped = score(gdp, actual=None, target=None)
    assert dropped.dropped and dropped.score is None and dropped.ok
    flagged = score(gdp, actual=None, target=1000)
    assert flagged.score == D(0)
    assert flagged.problems[0].severity == "warning" and flagged.problems[0].code == "figure_missing"
    strict = municipal.table("附表4").items[0]
    assert score(strict, actual=None, target=1000).problems[0].code == "missing"


@pytest.mark.parametrize(
    ("actual", "expected"),
    [(0.10, "2.7"), (0.05, "1.5"), (0.20, "3.6"), (-0.01, "0"), (0.005, "0.15")],
)
def test_score_item__growth_against_target_rate(municipal, actual, expected):
    wage = municipal.table("附表5").items[11]  # 在岗职工平均工资增长, 3 points
    assert wage.kind == "growth"
    assert score(wage, actual=actual, target=0.08).score == D(expected)


def test_score_item__rank_points_floored(municipal):
    item = municipal.table("附表7").items[5]  # 组织部综合评价: 1, −0.1 per place
    assert score(item, rank=3).score == D("0.8")
    assert score(item, rank=15).score == D(0)
    assert score(item, rank=0).problems[0].code == "out_of_range"


def test_score_item__choice_tiers(municipal):
    item = municipal.table("附表3").items[2]  # 文明单位创建
    assert score(item, choice="市级").score == D("0.8")
    bad = score(item, choice="县级")
    assert bad.problems[0].code == "unknown_choice" and "省级以上" in bad.problems[0].message


def test_score_item__add_with_cap(municipal):
    item = municipal.table("附表4").items[3]  # 有效招商信息 0.1 each, at most 0.5
    assert score(item, leads=3).score == D("0.3")
    assert score(item, leads=7).score == D("0.5")


def test_score_item__sum_of_parts(municipal):
    health = municipal.table("附表6").items[3]  # 卫生: 1.5 × rate + 0.5 unless incident
    s = score(health, actual=90, target=100, health_incident="否")
    assert s.score == D("1.85")  # 1.35 + 0.5
    assert score(health, actual=100, target=100, health_incident="是").score == D("1.5")


def test_score_item__veto_kind():
    item = item_from_yaml("{id: V, name: 安全生产, points: 0, kind: veto, label: 发生重大事故, reason: 安全生产}")
    assert score(item, flag="是").veto is None  # the kind only scores; the flag vetoes via ``veto``
    assert score(item, flag="是").trace == "一票否决（安全生产）"


def test_score_item__innovation_bonus_once_per_project_at_highest(municipal):
    bonus = municipal.departments.innovation_bonus
    s = score(bonus, records=[("智慧审批", "党委政府", "市"), ("智慧审批", "业务部门", "国家"),
                              ("河长制", "业务部门", "市"), (None, None, None)])
    assert s.score == D(12)  # 智慧审批 at its highest 8, plus 河长制 4
    assert score(bonus, records=[]).score == D(0)


def test_score_item__innovation_bonus_bad_rows_name_the_line(municipal):
    bonus = municipal.departments.innovation_bonus
    s = score(bonus, records=[("甲", "党委政府", "省"), ("乙", "党委政府", "县")])
    assert s.score is None
    assert s.problems[0].code == "unknown_choice" and "第2行" in s.problems[0].message
    assert "国家" in s.problems[0].allowed


# --- errors -----------------------------------------------------------------------


def test_score_item__every_bad_input_reported_with_item_value_and_range(audit):
    s = score(audit.item("A4.5"), absent=-1, no_certificate="两人")
    assert s.score is None
    codes = {(p.field, p.code) for p in s.problems}
    assert codes == {("未按规定参加培训人次", "not_whole"), ("未取得合格证人数", "not_a_number")}
    assert all(p.item == "A4.5" for p in s.problems)
    assert all("[" in p.message and "]" in p.message for p in s.problems)  # Chinese [English]


def test_score_item__blank_input_is_missing_not_zero(audit):
    s = score(audit.item("A1.1"))
    assert s.score is None and s.problems[0].code == "missing"


def test_score_item__direct_out_of_range_is_not_clamped():
    item = item_from_yaml("{id: X, name: 业务项目, points: 10, kind: direct}")
    s = score(item, score=10.5)
    assert s.score is None and s.problems[0].allowed == "0–10"


# --- properties -------------------------------------------------------------------


def _all_items(municipal, audit):
    for table in municipal.tables:
        yield from table.items
    for cat in audit.categories:
        yield from cat.items


@given(st.data())
def test_score_item__floors_and_caps_hold_for_every_shipped_item(data):
    from addin.scheme import load_builtin

    municipal, audit = load_builtin("municipal"), load_builtin("audit")
    item = data.draw(st.sampled_from(list(_all_items(municipal, audit))))
    raw = {spec.name: random_raw(spec, data.draw) for spec in item.inputs()}
    if "numerator" in raw:
        raw["numerator"] = min(raw["numerator"], raw["denominator"])
    if "target" in raw and isinstance(raw["target"], float) and item.kind in ("completion", "sum"):
        raw["target"] = max(raw["target"], 1.0)
    if item.kind == "discretionary" and raw["value"] not in (0,) and not (item.min <= Decimal(str(raw["value"])) <= item.max):
        raw["value"] = float(item.max)
    s = score_item(item, raw)
    assert s.ok, s.problems
    assert s.score is not None and s.score >= 0
    ceiling = max_score(item)
    if ceiling is not None:
        assert s.score <= ceiling
    if item.kind == "deduct":
        assert s.score <= item.points
