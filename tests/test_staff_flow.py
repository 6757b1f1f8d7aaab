"""Roles, merits and city leaders through the real flow (issue 24 items 2–4): `kaohe init` of a
year folder from a roster whose staff file has a 角色 column, the master filled, `kaohe
recompute` from the CLI, then publish, the approval list (circular), publicity, notices,
history and diff.

Seed: “各级各部门按表彰限额从优秀人员中推荐出记二等功、记三等功和受嘉奖人员(市级领导除外),报市考核办公室审核,
提请市委常委会批准”; “县级工作人员(区〈市〉党委正职除外)”; “前2名的区(市)…政府主要负责人年度考核定为优秀等次并记二等功”;
“五大班子成员年度工作目标完成情况由市委在一定范围内进行通报”."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from typer.testing import CliRunner

from addin.cli import app
from addin.intake.extract import Update
from addin.intake.master import apply_updates

runner = CliRunner()

UNITS = ("单位编码,单位名称,类别,分口\n" + "".join(f"B{i:02d},部门{i},部门,综合口\n" for i in range(1, 9))
         + "B09,市委办公室,部门,综合口\nQ1,区一,区市,\nQ2,区二,区市,\n")
STAFF = ("人员编码,姓名,单位编码,层级,主要负责人,角色\n"
         "H1,韩一,B01,县级,是,\n"  # an old 是 in a department: its head, as before
         + "".join(f"P{i:02d},职员{i:02d},B01,科级及以下,否,\n" for i in range(63))
         + "S1,宋一,Q1,县级,,党委正职\nG1,高一,Q1,县级,,政府主要负责人\nS2,宋二,Q2,县级,,党委正职\n"
           "L1,林一,B09,市级领导,,\n")


def scores(democratic, business, public, **more):
    return {"民主测评": democratic, "业务目标": business, "公共目标": public, "投诉或违纪": "否", "情节严重": "否", **more}


def filled() -> list[Update]:
    """B01 leads 综合口 (业务目标 70; B02–B09 60 + i): 9 × 10% = 0.9 → 1 先进集体, B01. Q1 and Q2
    are the only districts, so both are top-2 (先进集体). Staff: P00 … P62 at 30 + 0.7 × (100 − 0.5 i)
    = 100 − 0.35 i; H1 25 + 0.7 × 89 = 87.3; S1 87.3; G1 25 + 0.7 × 79 = 80.3; S2 100; L1 28 + 0.7
    × 98 = 96.6."""
    unit = {"党的建设": 9, "党风廉政建设": 9, "精神文明建设": 4, "招商引资": 4, "通报批评次数": 0}
    updates = [Update("部门", "单位编码", f"B{i:02d}", {**unit, "业务目标": 70 if i == 1 else 60 + i}) for i in range(1, 10)]
    district = {"社会目标": 15, "党的建设": 9, "党风廉政建设": 9, "思想政治工作": 4, "招商引资": 4, "通报批评次数": 0}
    updates += [Update("区市", "单位编码", "Q1", {**district, "经济目标": 40}),
                Update("区市", "单位编码", "Q2", {**district, "经济目标": 38})]
    updates += [Update("人员", "人员编码", f"P{i:02d}", scores(30, 90 - i * 0.5, 10)) for i in range(63)]
    updates += [Update("人员", "人员编码", "P00", {"推荐表彰": "记三等功"}),
                Update("人员", "人员编码", "H1", scores(25, 80, 9)), Update("人员", "人员编码", "S1", scores(25, 80, 9)),
                Update("人员", "人员编码", "G1", scores(25, 70, 9)), Update("人员", "人员编码", "S2", scores(30, 90, 10)),
                Update("人员", "人员编码", "L1", scores(28, 88, 10, 推荐表彰="嘉奖"))]
    return updates


@pytest.fixture
def folder(tmp_path, monkeypatch):
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "staff.csv").write_text(STAFF, encoding="utf-8")
    folder = tmp_path / "2026考核"
    done = runner.invoke(app, ["init", str(folder), "--year", "2026", "--roster", str(tmp_path / "units.csv"),
                               "--staff", str(tmp_path / "staff.csv")])
    assert done.exit_code == 0, done.output
    monkeypatch.chdir(folder)
    apply_updates(Path("考核汇总.xlsx"), filled())
    return folder


def sheet_rows(name: str) -> list[tuple]:
    return list(openpyxl.load_workbook("考核汇总.xlsx")[name].iter_rows(values_only=True))


def by_code(name: str) -> dict[str, dict]:
    head, *rows = sheet_rows(name)
    return {r[0]: dict(zip(head, r)) for r in rows if r[0]}


def cell_of(code: str, header: str) -> str:
    """Where ``code``'s ``header`` is on the 人员 sheet (the address a clerk goes to)."""
    ws = openpyxl.load_workbook("考核汇总.xlsx")["人员"]
    col = [c.value for c in ws[1]].index(header) + 1
    row = next(c.row for c in ws["A"] if c.value == code)
    return f"{get_column_letter(col)}{row}"


def texts(path) -> str:
    wb = openpyxl.load_workbook(path)
    return " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


def test_init__the_roster_roles_reach_the_masters_staff_sheet(folder):
    people = by_code("人员")
    assert (people["S1"]["角色"], people["G1"]["角色"], people["S2"]["角色"]) == ("党委正职", "政府主要负责人", "党委正职")
    assert (people["H1"]["主要负责人"], people["H1"]["角色"]) == ("是", None)  # the old flag alone
    assert people["L1"]["层级"] == "市级领导" and "推荐表彰" in people["L1"]


def test_recompute__a_city_leader_recommended_is_refused_on_his_cell(folder):
    done = runner.invoke(app, ["recompute"])
    assert done.exit_code == 1, done.output
    problems = sheet_rows("问题")[1:]
    errors = [r for r in problems if r[0] == "错误"]
    assert [(r[1], r[2], r[3]) for r in errors] == [("人员", cell_of("L1", "推荐表彰"), "L1")]
    assert "市级领导" in errors[0][5] and "嘉奖" in errors[0][5]
    # Q2 (top-2) has only its Party secretary: a warning on its code cell (区市 row 3, after Q1)
    assert [(r[1], r[2], r[3]) for r in problems if r[0] == "提示"] == [("区市", "A3", "Q2")]
    assert "没有政府主要负责人" in problems[-1][5] and "记二等功无人承接" in problems[-1][5]


def test_recompute_publish_and_documents__merits_roles_and_the_city_leaders_list(folder):
    apply_updates(Path("考核汇总.xlsx"), [Update("人员", "人员编码", "L1", {"推荐表彰": None})])
    done = runner.invoke(app, ["recompute"])
    assert done.exit_code == 0, done.output
    p = by_code("人员等次")
    # 63 × 15% = 9.45 → 9 优秀; 63 × 8‰ = 0.504 → 1 拟表彰, P00, with the 记三等功 recommended for him
    assert (p["P00"]["总分"], p["P00"]["等次"], p["P00"]["拟表彰"]) == (100, "优秀", "是（记三等功）")
    assert (p["P08"]["等次"], p["P09"]["等次"], p["P01"]["拟表彰"]) == ("优秀", "称职", "否")
    assert (p["H1"]["等次"], p["H1"]["拟表彰"]) == ("优秀", "是（不占名额）")  # B01's head, by the old 是
    assert (p["G1"]["总分"], p["G1"]["等次"], p["G1"]["拟表彰"]) == (80.3, "优秀", "是（不占名额，记二等功）")
    assert (p["S1"]["总分"], p["S1"]["名额范围内名次"], p["S1"]["等次"], p["S1"]["拟表彰"]) == (87.3, None, None, "否")
    assert "区(市)党委正职除外" in p["S1"]["说明"]
    assert (p["S2"]["等次"], p["S2"]["拟表彰"]) == (None, "否")  # Q2's only head is its secretary: no 优秀
    leaders = by_code("市级领导")
    assert list(leaders) == ["L1"]
    assert [leaders["L1"][k] for k in ("单位编码", "层级", "民主测评", "总分", "等次")] == ["B09", "市级领导", 28, 96.6,
                                                                                     "称职"]
    quotas = [r[0] for r in sheet_rows("限额")[1:]]
    assert not [q for q in quotas if q and "市级领导" in q]  # in no quota pool
    problems = sheet_rows("问题")[1:]
    assert [(r[0], r[3]) for r in problems if r[3] == "Q2"] == [("提示", "Q2")]
    assert "没有政府主要负责人" in next(r[5] for r in problems if r[3] == "Q2")

    assert runner.invoke(app, ["publish", "--year", "2026"]).exit_code == 0
    with sqlite3.connect(folder.parent / "考核档案.kaohe.sqlite") as db:
        award = db.execute("SELECT award FROM results WHERE code = 'P00'").fetchone()
    assert award == ("是（记三等功）",)

    # the list for the 市委常委会's approval: 四、拟表彰工作人员 by class, then unit
    made = runner.invoke(app, ["circular", "--date", "2027-01-25"])
    assert made.exit_code == 0, made.output
    ws = openpyxl.load_workbook("考核汇总_2026_通报.xlsx")["提请审批名单"]
    rows = [[c for c in r if c is not None] for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r and str(r[0]).startswith("四、拟表彰工作人员"))
    assert rows[start] == ["四、拟表彰工作人员（按表彰类别和单位，共3人）"]
    assert rows[start + 1:start + 9] == [
        ["（一）记二等功（1人）"], ["序号", "人员编码", "姓名", "单位", "表彰类别"], [1, "G1", "高一", "区一", "记二等功"],
        ["（二）记三等功（1人）"], ["序号", "人员编码", "姓名", "单位", "表彰类别"], [1, "P00", "职员00", "部门1", "记三等功"],
        ["（三）类别未定（1人）：所在单位尚未推荐表彰类别"], ["序号", "人员编码", "姓名", "单位", "表彰类别"]]
    assert rows[start + 9] == [1, "H1", "韩一", "部门1", "待推荐"]
    listed = " ".join(str(c) for r in rows for c in r)
    assert "L1" not in listed and "S1" not in listed and "S2" not in listed
    assert "林一" not in texts("考核汇总_2026_通报.xlsx")  # the 市级领导 are on no page of the circular …
    assert "市级领导考核结果（报市委通报，不在通报中）" in made.output and "考核汇总_2026_市级领导.xlsx" in made.output
    leaders = [[c for c in r if c is not None] for r in
               openpyxl.load_workbook("考核汇总_2026_市级领导.xlsx")["市级领导"].iter_rows(values_only=True)]
    assert leaders[0] == ["2026年度市级领导干部目标管理考核结果"]  # … but on a list of their own, for the 市委
    assert leaders[3:5] == [["序号", "人员编码", "姓名", "单位", "总分", "等次"], [1, "L1", "林一", "市委办公室", 96.6, "称职"]]
    assert leaders[-2:] == [["市考核办公室"], ["2027年1月25日"]]
    assert openpyxl.load_workbook("考核汇总_2026_市级领导.xlsx")["市级领导"]["E5"].number_format == "0.00"

    shown = runner.invoke(app, ["publicize", "--start", "2027-01-11"])
    assert shown.exit_code == 0, shown.output
    b01 = openpyxl.load_workbook(next(Path("考核汇总_2026_公示").glob("2026_B01_*.xlsx")))["公示"]
    table = [r for r in b01.iter_rows(min_row=4, values_only=True) if r[0] is not None]
    assert table[0][:6] == ("序号", "姓名", "人员编码", "等次", "拟表彰", "表彰类别")
    assert ("职员00", "P00", "优秀", "是", "记三等功") in [r[1:6] for r in table]
    lists = sorted(x.name.split("_")[1] for x in Path("考核汇总_2026_公示").iterdir())
    assert lists == ["B01", "Q1"]  # no list for Q2 (its secretary is outside) nor B09 (its 市级领导)

    sent = runner.invoke(app, ["notices", "--notified", "2026-12-10"])
    assert sent.exit_code == 0, sent.output
    letters = Path("考核汇总_2026_书面通知")
    b01_text = texts(next(letters.glob("2026_B01_*.xlsx")))
    assert "职员00同志" in b01_text and "考核等次为优秀，拟予表彰（记三等功）" in b01_text
    q1_text = texts(next(letters.glob("2026_Q1_*.xlsx")))
    assert "高一同志" in q1_text and "拟予表彰（记二等功）" in q1_text and "宋一" not in q1_text
    assert not list(letters.glob("2026_Q2_*")) and not list(letters.glob("2026_B09_*"))  # the 市委 circulates L1's

    told = runner.invoke(app, ["history", "P00"], env={"COLUMNS": "200"})
    assert told.exit_code == 0 and "是（记三等功）" in told.output

    # the office changes P00's class to 嘉奖: v2, and diff names the change
    apply_updates(Path("考核汇总.xlsx"), [Update("人员", "人员编码", "P00", {"推荐表彰": "嘉奖"})])
    assert runner.invoke(app, ["recompute"]).exit_code == 0
    assert runner.invoke(app, ["publish", "--year", "2026"]).exit_code == 0
    changed = runner.invoke(app, ["diff", "v1", "v2", "--year", "2026"], env={"COLUMNS": "200"})
    assert changed.exit_code == 0, changed.output
    line = next(x for x in changed.output.splitlines() if "P00" in x)
    assert "评先/表彰" in line and "是（记三等功）" in line and "是（嘉奖）" in line
