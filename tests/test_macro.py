"""重新计算排名 on a master workbook built by the templates and filled by the test.

Expected values are worked out by hand from SPEC in the comments."""

from __future__ import annotations

import openpyxl
import pytest
from typer.testing import CliRunner

from addin.cli import app
from addin.hosts import FileHost
from addin.macro import recompute
from addin.office.roster import Roster, RosterPerson, RosterUnit
from workbook_templates.build import build_templates
from conftest import fill_master_inputs

FULL = {"党的建设": 10, "党风廉政建设": 10, "精神文明建设": 5, "招商引资": 5}  # 30
GOOD = {"党的建设": 10, "党风廉政建设": 9, "精神文明建设": 5, "招商引资": 4}  # 28
D_FULL = {"党的建设": 10, "党风廉政建设": 10, "思想政治工作": 5, "招商引资": 5}
D_LESS = {"党的建设": 10, "党风廉政建设": 8, "思想政治工作": 4, "招商引资": 3}  # 25


def dept(code, group, business, public=GOOD, **kw):
    return {"单位编码": code, "分口": group, "业务目标": business, **public, "通报批评次数": kw.get("crit", 0),
            "一票否决": kw.get("veto"), "弄虚作假": kw.get("fraud", "否"), "上年综合得分": kw.get("previous")}


DEPARTMENTS = [
    dept("B01", "经济口", 65, FULL, veto="安全生产"),  # 95, vetoed
    dept("B02", "经济口", 63, FULL),  # 93 ┐ tie for the one slot
    dept("B03", "经济口", 63, FULL),  # 93 ┘ → 待定
    *[dept(f"B{i:02d}", "经济口", 50) for i in range(4, 11)],  # 78
    dept("C01", "综合口", 64, FULL, fraud="是"),  # 94, fraud
    dept("C02", "综合口", 60),  # 88 + 8 (a provincial party-government recognition) = 96
    dept("C03", "综合口", 40, {"党的建设": 5, "党风廉政建设": 5, "精神文明建设": 3, "招商引资": 2}, crit=1,
         previous=55),  # 40 + 15 − 5 = 50, and 55 last year
    *[dept(f"C{i:02d}", "综合口", 50) for i in range(4, 11)],  # 78
]
DISTRICTS = [
    {"单位编码": "Q1", "经济目标": 48, "社会目标": 19, **D_FULL, "通报批评次数": 0, "一票否决": "环境保护", "弄虚作假": "否"},
    {"单位编码": "Q2", "经济目标": 45, "社会目标": 18, **{**D_FULL, "招商引资": 3}, "通报批评次数": 0, "一票否决": None,
     "弄虚作假": None},  # 91
    {"单位编码": "Q3", "经济目标": 44, "社会目标": 18, **{**D_FULL, "招商引资": 3}, "通报批评次数": 0, "一票否决": None,
     "弄虚作假": "否"},  # 90
    {"单位编码": "Q4", "经济目标": 40, "社会目标": 15, **D_LESS, "通报批评次数": 0, "一票否决": None, "弄虚作假": "否"},  # 80
]


def person(code, unit, level, head, dem, bus, pub, complaint="否", serious="否", previous="称职", **more):
    return {"人员编码": code, "单位编码": unit, "层级": level, "主要负责人": head, "民主测评": dem, "业务目标": bus,
            "公共目标": pub, "投诉或违纪": complaint, "情节严重": serious, "上年等次": previous, **more}


PEOPLE = [
    person("H1", "C02", "县级", "是", 25, 85, 9),  # 25 + 0.7 × 94 = 90.8; C02 is 先进集体 → 优秀 directly
    person("H2", "B01", "县级", "是", 28, 88, 10),  # 96.6, but B01 is vetoed → not 优秀
    person("H3", "Q2", "县级", "是", 22, 80, 8, 角色="政府主要负责人"),  # 83.6; Q2 is in the top 2 → 优秀 + 记二等功
    person("P01", "B02", "科级及以下", "否", 30, 90, 10),  # 100
    person("P02", "B02", "科级及以下", "否", 29, 90, 10),  # 99 ┐ 10 × 15% = 1.5 → 2 slots:
    person("P03", "B02", "科级及以下", "否", 29, 90, 10),  # 99 ┘ P01, then P02/P03 tie for one → 待定
    person("P04", "B02", "科级及以下", "否", 20, 70, 8, complaint="是"),  # 74.6 → 称职, capped to 基本称职
    person("P05", "B02", "科级及以下", "否", 20, 40, 5, complaint="是", serious="是", previous="不称职"),  # 51.5
    *[person(f"P{i:02d}", "B02", "科级及以下", "否", 20, 70, 8) for i in range(6, 11)],  # 74.6 → 称职
]
BONUS = [("C02", "智慧政务", "党委政府", "省"), ("C02", "智慧政务", "业务部门", "市")]


@pytest.fixture
def master(tmp_path, municipal, audit):
    return make_master(tmp_path, municipal, audit)


def make_master(tmp_path, municipal, audit, departments=DEPARTMENTS, people=PEOPLE):
    """The 2026 master built by the templates, filled with ``departments``, DISTRICTS,
    ``people`` and BONUS."""
    units = [RosterUnit(d["单位编码"], f"部门{d['单位编码']}", "部门", d["分口"]) for d in departments]
    units += [RosterUnit(d["单位编码"], f"区{d['单位编码']}", "区市") for d in DISTRICTS]
    staff = [RosterPerson(p["人员编码"], f"人员{p['人员编码']}", p["单位编码"], p["层级"], p["主要负责人"] == "是")
             for p in people]
    built = build_templates(tmp_path, municipal=municipal, audit=audit, roster=Roster(units, staff), year=2026,
                            kinds=["master"])
    path = built[0].path
    fill_master_inputs(path, {"部门": ("单位编码", departments), "区市": ("单位编码", DISTRICTS),
                              "人员": ("人员编码", people)}, BONUS)
    return path


def rows(path, sheet):
    ws = openpyxl.load_workbook(path)[sheet]
    headers = [c.value for c in ws[1]]
    return [dict(zip(headers, r)) for r in ws.iter_rows(min_row=2, values_only=True)]


def by(path, sheet, key):
    return {r[key]: r for r in rows(path, sheet)}


def test_recompute__departments(master, municipal):
    out = recompute(FileHost(master), municipal)
    assert out.ok, out.problems
    d = by(master, "部门排名", "单位编码")
    assert (d["B01"]["综合得分"], d["B01"]["口内名次"], d["B01"]["先进集体"]) == (95, 1, "否")
    assert "不得评先：一票否决（安全生产）" in d["B01"]["说明"]
    assert (d["B02"]["综合得分"], d["B02"]["口内名次"], d["B02"]["先进集体"]) == (93, 2, "待定")
    assert d["B03"]["先进集体"] == "待定" and "2个单位并列争1个名额" in d["B03"]["说明"]
    assert (d["C02"]["综合得分"], d["C02"]["口内名次"], d["C02"]["先进集体"]) == (96, 1, "是")
    assert "加分 8" in d["C02"]["说明"]
    assert (d["C01"]["口内名次"], d["C01"]["先进集体"]) == (2, "否") and "弄虚作假" in d["C01"]["说明"]
    assert d["C03"]["综合得分"] == 50 and "通报批评 5×1" in d["C03"]["说明"]
    assert d["B04"]["口内名次"] == 3 and d["B04"]["分口"] == "经济口"


def test_recompute__districts_top_two(master, municipal):
    recompute(FileHost(master), municipal)
    q = by(master, "区市排名", "单位编码")
    assert [(q[c]["综合得分"], q[c]["名次"], q[c]["先进集体"]) for c in ("Q1", "Q2", "Q3", "Q4")] == [
        (97, 1, "否"), (91, 2, "是"), (90, 3, "是"), (80, 4, "否")]


def test_recompute__staff_grades_quotas_and_head_links(master, municipal):
    recompute(FileHost(master), municipal)
    p = by(master, "人员等次", "人员编码")
    assert (p["H1"]["总分"], p["H1"]["等次"], p["H1"]["拟表彰"]) == (90.8, "优秀", "是（不占名额）")
    assert p["H2"]["等次"] == "称职" and "不能定为优秀等次" in p["H2"]["说明"]
    # the merit is named in 拟表彰 (issue 24: it reaches the archive, publicity and notices)
    assert (p["H3"]["等次"], p["H3"]["拟表彰"]) == ("优秀", "是（不占名额，记二等功）") and "记二等功" in p["H3"]["说明"]
    assert (p["P01"]["总分"], p["P01"]["名额范围内名次"], p["P01"]["等次"]) == (100, 1, "优秀")
    assert p["P02"]["等次"] == p["P03"]["等次"] == "待定"
    assert p["P04"]["等次"] == "基本称职" and p["P06"]["等次"] == "称职"
    assert (p["P05"]["总分"], p["P05"]["等次"]) == (51.5, "不称职")


def test_recompute__quotas_and_alerts(master, municipal):
    recompute(FileHost(master), municipal)
    quotas = {r["范围"]: r for r in rows(master, "限额")}
    assert (quotas["部门·经济口"]["数量"], quotas["部门·经济口"]["限额"], quotas["部门·经济口"]["已入选"],
            quotas["部门·经济口"]["待定"]) == (10, 1, 0, 2)
    assert quotas["部门·经济口"]["比例"] == "10%" and quotas["部门·经济口"]["取整方式"] == "四舍五入"
    assert (quotas["B02·科级及以下·优秀"]["限额"], quotas["B02·科级及以下·优秀"]["待定"]) == (2, 2)
    assert quotas["区(市)"]["限额"] == 2
    alerts = {(r["编码"], r["类别"]) for r in rows(master, "预警")}
    assert alerts == {("B01", "主要负责人不得评优"), ("Q1", "主要负责人不得评优"), ("C03", "连续两年低于60分"),
                      ("P05", "待岗"), ("P05", "辞退")}


def test_recompute__results_are_tables_with_pending_highlighted(master, municipal):
    recompute(FileHost(master), municipal)
    wb = openpyxl.load_workbook(master)
    ws = wb["部门排名"]
    assert ws.freeze_panes == "A2" and list(ws.tables) == ["KH_DeptRank"]
    tied = [r for r in range(2, ws.max_row + 1) if ws.cell(r, 6).value == "待定"]
    assert tied and all(ws.cell(r, 1).fill.fgColor.rgb.endswith("FFF2CC") for r in tied)
    assert ws.column_dimensions["G"].width == 60
    assert (master.parent / (master.stem + ".bak.xlsx")).exists()  # written atomically, previous kept


def test_recompute__bad_input_lists_problems_with_cells_and_writes_no_results(master, municipal):
    wb = openpyxl.load_workbook(master)
    ws = wb["部门"]
    headers = [c.value for c in ws[1]]
    ws.cell(3, headers.index("业务目标") + 1, "六十")  # B02
    ws.cell(4, headers.index("一票否决") + 1, "是")  # B03: a veto must name the body
    wb["人员"].cell(2, [c.value for c in wb["人员"][1]].index("民主测评") + 1).value = None  # H1: blank is not 0
    wb.save(master)
    out = recompute(FileHost(master), municipal)
    assert not out.ok
    problems = {(r["工作表"], r["单元格"], r["编码"]) for r in rows(master, "问题")}
    assert problems == {("部门", "D3", "B02"), ("部门", "J4", "B03"), ("人员", "F2", "H1")}
    assert rows(master, "部门排名") == []  # the template's empty result table stays as it was


def test_recompute__headers_anywhere_in_the_first_rows_in_any_order(tmp_path, municipal):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "部门"
    ws.append(["2026年度市直部门考核汇总"])
    ws.append([])
    headers = ["备注", "招商引资", "单位编码", "业务目标", "分口", "单位名称", "精神文明建设", "党风廉政建设", "党的建设",
               "通报批评次数", "一票否决", "弄虚作假"]
    ws.append(headers)
    ws.append(["随便写", 5, 1001, 60, "综合口", "甲局", 5, 10, 10, 0, None, None])
    for name, hdr in (("区市", ["单位编码", "单位名称", "经济目标", "社会目标", "党的建设", "党风廉政建设", "思想政治工作",
                                "招商引资", "通报批评次数", "一票否决", "弄虚作假"]),
                      ("加分登记", ["单位编码", "创新项目", "认定单位类别", "级别"]),
                      ("人员", ["人员编码", "姓名", "单位编码", "层级", "主要负责人", "民主测评", "业务目标", "公共目标",
                              "投诉或违纪", "情节严重"])):
        wb.create_sheet(name).append(hdr)
    path = tmp_path / "m.xlsx"
    wb.save(path)
    out = recompute(FileHost(path), municipal)
    assert out.ok, out.problems
    assert rows(path, "部门排名") == [{"单位编码": "1001", "单位名称": "甲局", "分口": "综合口", "综合得分": 90,
                                   "口内名次": 1, "先进集体": "否",
                                   # a group of one: 1 × 10% = 0.1, half-up to 0
                                   "说明": "业务 60 + 公共 30 = 90；未入选：本口限额0个（1个单位×10%=0.1，四舍五入为0）"}]


def test_recompute_command__exit_codes(master):
    runner = CliRunner()
    assert runner.invoke(app, ["recompute", str(master), "--quiet"]).exit_code == 0
    wb = openpyxl.load_workbook(master)
    wb["部门"].cell(2, 4, "x")
    wb.save(master)
    assert runner.invoke(app, ["recompute", str(master), "--quiet"]).exit_code == 1
    (master.parent / ("~$" + master.name)).write_bytes(b"")
    assert runner.invoke(app, ["recompute", str(master), "--quiet"]).exit_code == 2


def test_recompute__unknown_unit_codes_in_the_register_and_staff_are_located_errors(master, municipal):
    """Round 1 dropped them: a bonus row for B99 vanished, a person of B99 was graded unlinked."""
    wb = openpyxl.load_workbook(master)
    wb["加分登记"].append(["B99", "不存在的项目", "党委政府", "省"])
    staff = wb["人员"]
    headers = [c.value for c in staff[1]]
    row = [None] * len(headers)
    for h, v in {"人员编码": "X1", "姓名": "某人", "单位编码": "B99", "层级": "科级及以下", "主要负责人": "否", "民主测评": 25,
                 "业务目标": 80, "公共目标": 9, "投诉或违纪": "否", "情节严重": "否"}.items():
        row[headers.index(h)] = v
    staff.append(row)
    wb.save(master)
    out = recompute(FileHost(master), municipal)
    assert not out.ok
    found = {(p.sheet, p.cell, p.code) for p in out.problems if p.code == "unknown_unit"}
    bonus_row = openpyxl.load_workbook(master)["加分登记"].max_row
    staff_row = openpyxl.load_workbook(master)["人员"].max_row
    assert found == {("加分登记", f"A{bonus_row}", "unknown_unit"), ("人员", f"C{staff_row}", "unknown_unit")}


def test_recompute__an_old_master_without_roles_merits_or_the_city_leaders_sheet(master, municipal):
    """A master made before issue 24: no 角色 or 推荐表彰 column, no 市级领导 sheet. It recomputes
    as before; H3's old 主要负责人 是 in Q2 (a district) reads as its government head, so Q2's
    top-2 优秀 + 记二等功 still reach him, with a warning on his 主要负责人 cell (E4: H3 is the
    third person) asking for the 角色; the 市级领导 sheet is added, empty."""
    wb = openpyxl.load_workbook(master)
    ws = wb["人员"]
    for header in ("推荐表彰", "角色"):
        ws.delete_cols([c.value for c in ws[1]].index(header) + 1)
    del wb["市级领导"]
    wb.save(master)
    out = recompute(FileHost(master), municipal)
    assert out.ok, out.message
    p = by(master, "人员等次", "人员编码")
    assert (p["H3"]["等次"], p["H3"]["拟表彰"]) == ("优秀", "是（不占名额，记二等功）")
    assert (p["H1"]["等次"], p["H1"]["拟表彰"]) == ("优秀", "是（不占名额）")  # a department's 是: as before
    warned = [(r["级别"], r["工作表"], r["单元格"], r["编码"]) for r in rows(master, "问题") if r["编码"] == "H3"]
    assert warned == [("提示", "人员", "E4", "H3")]
    assert rows(master, "市级领导") == []
