from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from addin.engine.tables import score_items, score_table
from conftest import D, item_from_yaml, random_raw


def test_score_table__clean_governance_worked_example(municipal):
    inputs = {
        "1.1": {"missed_meetings": 1, "no_responsibility": "否"},  # 2 − 0.5 = 1.5
        "1.2": {"no_lecture": "否", "no_plan": "否"},  # 1.5
        "1.3": {"not_collective": 2, "eight_rules": 1},  # 2 − 1 − 0.5 = 0.5
        "1.4": {"admonished": 1, "light_penalty": 0, "heavy_penalty": 0},  # 2 − 0.5 = 1.5
        "1.5": {"late_report": "是", "unrectified": 0},  # 1 − 0.5 = 0.5
        "1.6": {"value": 1.2, "note": "日常表现良好"},  # 1.2
    }
    result = score_table(municipal.table("附表1"), inputs, record="B001")
    assert result.total == D("6.7")
    assert [s.score for s in result.items] == [D("1.5"), D("1.5"), D("0.5"), D("1.5"), D("0.5"), D("1.2")]


def test_score_table__total_capped_at_the_tables_points(municipal):
    inputs = {
        "4.1": {"actual": 1500, "target": 1000},  # 3.6 (120%)
        "4.2": {"actual": 3, "target": 2},  # 1 (cap 100%)
        "4.3": {"no_plan": "否", "monthly_missed": 0},  # 0.5
        "4.4": {"leads": 7},  # 0.5
    }
    result = score_table(municipal.table("附表4"), inputs)
    assert result.total == D(5)  # 5.6 capped at 5
    assert "本表最高 5" in result.trace


def test_score_items__dropped_indicator_rescaled_to_average_rate():
    a = item_from_yaml("{id: a, name: 甲, points: 4, kind: completion, cap: 1.2, no_target: drop}")
    b = item_from_yaml("{id: b, name: 乙, points: 6, kind: completion, cap: 1.2, no_target: drop}")
    result = score_items("T", D(10), [a, b], {"a": {"actual": 90, "target": 100}, "b": {"actual": None}},
                         rescale_dropped=True)
    assert result.total == D("9")  # 3.6 + 6 × (3.6 ÷ 4)
    assert "折算 5.4" in result.trace


def test_score_items__bonus_items_count_above_the_cap():
    regular = item_from_yaml("{id: r, name: 常规, points: 10, kind: direct}")
    bonus = item_from_yaml("{id: b, name: 加分, points: 0, bonus: true, kind: add, clauses: "
                           "[{input: n, label: 个数, per_unit: 50}]}")
    result = score_items("T", D(10), [regular, bonus], {"r": {"score": 10}, "b": {"n": 1}})
    assert result.total == D(60)


def test_score_items__errors_give_no_total_and_every_problem(municipal):
    result = score_table(municipal.table("附表3"), {"3.1": {"no_plan": "否"}}, record="B007")
    assert result.total is None
    assert all(p.record == "B007" for p in result.problems)
    fields = {(p.item, p.field) for p in result.problems}
    assert ("3.1", "全年未专题研究") in fields and ("3.3", "文明单位命名") in fields


def test_score_items__applies_to_skips_items_for_other_unit_types(audit):
    cat = audit.categories[0]
    result = score_items(cat.id, cat.points, cat.items,
                         {"A1.1": {"not_done": 0}, "A1.1b": {"value": 0}, "A1.3": {"value": 0}},
                         cap_total=False, unit_type="县市区局")
    assert result.total == D(40)
    assert [s.item for s in result.items] == ["A1.1", "A1.1b", "A1.3"]


@settings(max_examples=60)
@given(st.data())
def test_score_table__no_total_exceeds_its_points(data):
    from addin.scheme import load_builtin

    municipal = load_builtin("municipal")
    table = data.draw(st.sampled_from(municipal.tables))
    inputs = {}
    for item in table.items:
        raw = {spec.name: random_raw(spec, data.draw) for spec in item.inputs()}
        for key in ("target",):
            if key in raw and item.kind != "growth":
                raw[key] = max(raw[key], 1.0) if isinstance(raw[key], float) else raw[key]
        inputs[item.id] = raw
    result = score_table(table, inputs)
    assert result.total is not None, result.problems
    assert Decimal(0) <= result.total <= table.points
