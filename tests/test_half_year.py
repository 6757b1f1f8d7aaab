"""The districts' half-year round (issue 24; SPEC M2: "Half-year and year-end results are
circulated … The half-year round uses the same appendix tables, marked 半年, and never enters
the annual results")."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from addin.archive.half_year import half_year_circular
from addin.intake.extract import Update
from addin.intake.master import apply_updates
from fill import APPENDIX1_FULL, TEST_SECRET, eml, fill
from test_intake import ROSTER, master_value, run, templates, work  # noqa: F401
from workbook_templates.build import build_templates


@pytest.fixture(scope="module")
def half_templates(tmp_path_factory, municipal, audit):
    built = build_templates(tmp_path_factory.mktemp("half"), municipal=municipal, audit=audit, roster=ROSTER,
                            year=2026, kinds=["half-year"], secret=TEST_SECRET)
    return {(b.identity.unit_code, b.identity.template_kind): b.path for b in built}


def test_build_templates__the_half_year_tables_are_the_districts_own_marked_half(half_templates, municipal):
    kinds = sorted(k for _u, k in half_templates)
    tables = [t for p in municipal.districts.business + municipal.districts.public for t in ([p.table] if p.table else [])]
    assert {u for u, _k in half_templates} == {"Q01"}  # districts only
    assert len(kinds) == len(tables) and all(k.endswith(":half") for k in kinds)
    ws = openpyxl.load_workbook(half_templates[("Q01", "appendix:附表1:districts:half")]).worksheets[0]
    titles = [c for row in ws.iter_rows(max_row=4, values_only=True) for c in row if isinstance(c, str)]
    assert any(t.startswith("2026年度上半年") and t.endswith("（半年）") for t in titles), titles


def test_run_intake__a_half_year_table_goes_to_the_half_year_sheet_never_the_years(work, templates, half_templates,
                                                                                 municipal, audit):
    half = fill(half_templates[("Q01", "appendix:附表1:districts:half")], APPENDIX1_FULL, work / "filled" / "h.xlsx")
    eml(work / "inbox" / "h.eml", [("附表1半年.xlsx", half.read_bytes())], sender="q01@example.gov.cn")
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == "accepted", o.reasons
    # 1.1: 2 − 0.5 × 1 = 1.5; 1.2–1.5 full (6.5); 1.6 entered 1.2 → 9.2, into the half-year sheet only
    assert master_value(work, "区市半年", "Q01", "党风廉政建设") == 9.2
    assert master_value(work, "区市", "Q01", "党风廉政建设") is None


def test_half_year_circular__sums_and_ranks_the_districts_by_hand(work, municipal, tmp_path):
    """Three districts: Q01 40 + 15 + 8 + 9 + 4 + 4 = 80; Q02 45 + 16 + 9 + 9 + 5 + 5 = 89;
    Q03 without its 招商引资 table: not ranked, and its line says why (never 0)."""
    parts = [p.name for p in municipal.districts.business + municipal.districts.public]
    assert parts == ["经济目标", "社会目标", "党的建设", "党风廉政建设", "思想政治工作", "招商引资"]
    apply_updates(work / "master.xlsx", [Update("区市", "单位编码", code, {"单位名称": name})
                                         for code, name in (("Q02", "薛城区"), ("Q03", "峄城区"))])
    apply_updates(work / "master.xlsx", [
        Update("区市半年", "单位编码", "Q01", dict(zip(parts, (40, 15, 8, 9, 4, 4)))),
        Update("区市半年", "单位编码", "Q02", dict(zip(parts, (45, 16, 9, 9, 5, 5)))),
        Update("区市半年", "单位编码", "Q03", dict(zip(parts[:5], (44, 18, 9, 9, 5))))])
    path = half_year_circular(work / "master.xlsx", 2026, municipal, tmp_path / "半年通报.xlsx",
                              dt.date(2026, 7, 20))
    ws = openpyxl.load_workbook(path)["半年通报"]
    assert ws["A1"].value == f"2026年度上半年{municipal.districts.label}目标管理考核情况通报"
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[1]]
    assert [(r[0], r[1], r[8]) for r in rows[:3]] == [(1, "薛城区", 89), (2, "市中区", 80), ("—", "峄城区", None)]
    assert rows[2][9] == "未排名：招商引资的半年材料未报送或有误"
    assert rows[0][9] == "45 + 16 + 9 + 9 + 5 + 5 = 89"
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "市考核办公室" in cells and "2026年7月20日" in cells
    assert master_value(work, "区市", "Q01", "经济目标") is None  # the year's table untouched
