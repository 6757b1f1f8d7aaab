"""Scheme files: validation, totals, error paths, content hash, no-code extension."""

import copy
from decimal import Decimal

import pytest
import yaml

from addin.errors import SchemeError
from addin.scheme import load_scheme
from addin.scheme.loader import _DecimalLoader, builtin_path, parse_scheme, scheme_hash


def raw(name: str) -> dict:
    return yaml.load(builtin_path(name).read_text(encoding="utf-8"), Loader=_DecimalLoader)


def issues_of(data, file="test.yaml") -> list[tuple[str, str]]:
    with pytest.raises(SchemeError) as exc:
        parse_scheme(data, file)
    assert exc.value.file == file
    return exc.value.issues


def test_load_scheme__shipped_municipal_totals(municipal):
    d = municipal.departments
    assert sum(p.points for p in d.public) == 30
    assert [p.points for p in d.public] == [10, 10, 5, 5]
    assert sum(p.points for p in municipal.districts.business) == 70
    assert [t.id for t in municipal.tables][:3] == ["附表1", "附表2", "附表3"]
    assert municipal.staff.levels[1].commended_rate == Decimal("0.008")


def test_load_scheme__shipped_audit_totals(audit):
    assert [c.points for c in audit.categories] == [100, 120, 100, 80]
    a3 = audit.categories[2]
    assert sum(i.points for i in a3.items if not i.bonus) == 100
    assert audit.applicable_max("科室") == 400
    assert audit.applicable_max("县市区局") == 340


def test_parse_scheme__wrong_points_named_by_path():
    data = raw("municipal")
    data["departments"]["public"][2]["points"] = Decimal(6)
    issues = dict(issues_of(data))
    assert "departments.public[2].points" in issues
    assert "附表3" in issues["departments.public[2].points"]
    assert "departments.public" in issues  # and the total is now 31
    assert "31" in issues["departments.public"] and "30" in issues["departments.public"]


def test_parse_scheme__unknown_field_is_rejected_with_its_path():
    data = raw("municipal")
    data["tables"][0]["items"][1]["pointz"] = 1
    issues = issues_of(data)
    assert issues[0][0] == "tables[0].items[1].pointz"
    assert "extra" in issues[0][1].lower() or "不允许" in issues[0][1]


def test_parse_scheme__unknown_kind_and_missing_field():
    data = raw("audit")
    data["categories"][2]["items"][0]["kind"] = "deduct_twice"
    del data["categories"][0]["items"][0]["name"]
    paths = [p for p, _ in issues_of(data)]
    assert "categories[2].items[0]" in paths or "categories[2].items[0].kind" in paths
    assert "categories[0].items[0].name" in paths


def test_parse_scheme__table_items_must_sum_to_table_points():
    data = raw("municipal")
    data["tables"][1]["items"][0]["points"] = Decimal("3")  # 附表2 2.1: 2.5 → 3
    issues = dict(issues_of(data))
    assert "附表2" in issues["tables[1].items"] and "10.5" in issues["tables[1].items"]


def test_parse_scheme__audit_category_total_checked():
    data = raw("audit")
    data["categories"][2]["items"][0]["points"] = 25  # A3.1 20 → 25
    issues = dict(issues_of(data))
    assert "105" in issues["categories[2].items"] and "100" in issues["categories[2].items"]


def test_parse_scheme__bad_rate_and_bad_yaml(tmp_path):
    data = raw("municipal")
    data["staff"]["levels"][0]["excellent_rate"] = "fifteen"
    issues = dict(issues_of(data))
    assert "staff.levels[0].excellent_rate" in issues
    bad = tmp_path / "bad.yaml"
    bad.write_text("type: municipal\nid: [unclosed\n", encoding="utf-8")
    with pytest.raises(SchemeError) as exc:
        load_scheme(bad)
    assert "YAML" in str(exc.value) and str(bad) in str(exc.value)


def test_parse_scheme__deduct_clause_needs_positive_amount():
    data = raw("audit")
    data["categories"][0]["items"][0]["clauses"][0]["per_unit"] = Decimal(-2)
    paths = [p for p, _ in issues_of(data)]
    assert paths == ["categories[0].items[0]"]


def test_parse_scheme__adding_an_item_needs_no_code():
    data = raw("municipal")
    table = data["tables"][2]  # 附表3, 5 points
    table["items"][1]["points"] = Decimal("0.5")
    table["items"].append({
        "id": "3.6", "name": "文明交通劝导", "points": Decimal("0.5"), "kind": "deduct",
        "standard": "劝导岗每缺1次扣0.1分",
        "clauses": [{"input": "missed_posts", "label": "劝导岗缺岗次数", "per_unit": Decimal("0.1")}],
    })
    scheme = parse_scheme(data)
    from addin.engine.items import score_item

    item = scheme.table("附表3").items[-1]
    assert [s.label for s in item.inputs()] == ["劝导岗缺岗次数"]
    assert score_item(item, {"missed_posts": 2}).score == Decimal("0.3")


def test_scheme_hash__ignores_layout_but_not_rules(municipal):
    data = raw("municipal")
    assert scheme_hash(parse_scheme(copy.deepcopy(data))) == scheme_hash(municipal)
    data["departments"]["deduction"]["per_criticism"] = 4
    assert scheme_hash(parse_scheme(data)) != scheme_hash(municipal)
    assert len(scheme_hash(municipal)) == 64


def test_every_default_in_spec_is_a_scheme_field(municipal, audit):
    """The defaults SPEC names, read back from the scheme rather than the code."""
    assert municipal.conventions.ranking == "dense"
    assert municipal.conventions.quota_rounding == "half_up"
    assert municipal.departments.innovation_bonus.cap is None
    assert municipal.districts.awards.veto_excludes is True
    assert [p.points for p in municipal.districts.business] == [50, 20]
    assert [p.points for p in municipal.districts.public] == [10, 10, 5, 5]
    assert municipal.staff.completion_weight == Decimal("0.7")
    assert municipal.staff.vote_weights == {"优秀": 1, "称职": Decimal("0.8"), "基本称职": Decimal("0.6"), "不称职": 0}
    assert (municipal.staff.grades.excellent_min, municipal.staff.grades.competent_min,
            municipal.staff.grades.basic_min) == (90, 70, 60)
    assert municipal.staff.publicity_days == 7
    assert municipal.appeals.exclude_notice_day and municipal.appeals.roll_to_workday
    assert audit.item("A2").scale_max == 120
    assert audit.item("A3.4").per_short == 15
    assert audit.rate_base == 400 and audit.awards.quota is None
