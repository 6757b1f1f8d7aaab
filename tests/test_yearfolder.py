"""A year folder bound to its scheme (issue 13, part 1): `kaohe init`, and every command
using the folder's scheme, never the package's."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from addin.cli import app
from addin.intake.extract import Update
from addin.intake.master import apply_updates
from addin.scheme.loader import builtin_path
from fill import eml, fill

runner = CliRunner()

UNITS = "单位编码,单位名称,类别,分口,报送邮箱\n" + "".join(
    f"B{i:02d},部门{i},部门,综合口,b{i:02d}@example.gov.cn\n" for i in range(1, 9)) + "Q1,区一,区市,,\n"
STAFF = "人员编码,姓名,单位编码,层级,主要负责人\nP1,张三,B01,科级及以下,否\nP2,李四,Q1,县级,是\n"


@pytest.fixture
def year_folder(tmp_path, monkeypatch):
    """An office's own scheme: a 12% quota rounded down, 6-day publicity."""
    text = builtin_path("municipal").read_text(encoding="utf-8")
    own = text.replace("quota: {rate: 10%, minimum: 0}", "quota: {rate: 12%, rounding: floor, minimum: 0}") \
        .replace('version: "2026.1"', 'version: "2026-本市"').replace("publicity_days: 7", "publicity_days: 6")
    assert own.count("12%") == 1 and "2026-本市" in own and "publicity_days: 6" in own
    (tmp_path / "my.yaml").write_text(own, encoding="utf-8")
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "staff.csv").write_text(STAFF, encoding="utf-8")
    folder = tmp_path / "2026考核"
    done = runner.invoke(app, ["init", str(folder), "--year", "2026", "--scheme", str(tmp_path / "my.yaml"),
                               "--roster", str(tmp_path / "units.csv"), "--staff", str(tmp_path / "staff.csv")])
    assert done.exit_code == 0, done.output
    monkeypatch.chdir(folder)
    return folder


def test_init__creates_the_folder_with_its_scheme_rosters_master_and_archive(year_folder):
    names = sorted(p.name for p in year_folder.iterdir())
    assert set(names) == {"考核方案.yaml", "审计考核方案.yaml", "单位名册.csv", "人员名册.csv", "考核汇总.xlsx", "收件箱"}
    office = sorted(p.name for p in year_folder.parent.iterdir())  # the archive and settings are the office's
    assert {"考核档案.kaohe.sqlite", "设置.yaml", "2026考核"} <= set(office)
    assert "2026-本市" in (year_folder / "考核方案.yaml").read_text(encoding="utf-8")
    with sqlite3.connect(year_folder.parent / "考核档案.kaohe.sqlite") as db:
        assert len(db.execute("SELECT secret FROM office_secret").fetchone()[0]) == 32
    ws = openpyxl.load_workbook(year_folder / "考核汇总.xlsx")["部门"]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]] == [f"B{i:02d}" for i in range(1, 9)]
    again = runner.invoke(app, ["init", str(year_folder), "--year", "2026"])
    assert again.exit_code == 2 and "已经是年度文件夹" in again.output


def test_init__a_bad_scheme_fails_before_anything_is_written(tmp_path):
    (tmp_path / "bad.yaml").write_text("type: municipal\nid: x\n", encoding="utf-8")
    done = runner.invoke(app, ["init", str(tmp_path / "y"), "--year", "2026", "--scheme", str(tmp_path / "bad.yaml")])
    assert done.exit_code == 2 and "方案文件有误" in done.output and "bad.yaml" in done.output
    assert not (tmp_path / "y").exists()


def test_year_folder__templates_intake_recompute_and_publish_use_its_scheme(year_folder):
    built = runner.invoke(app, ["template", "模板", "--kind", "appendix", "--unit", "B01"])
    assert built.exit_code == 0, built.output
    template = next(Path("模板").rglob("*附表1*.xlsx"))
    filled = fill(template, {"KH_IN_附表1_1_6_value": 1.2, "KH_IN_附表1_1_6_note": "良好",
                             "KH_IN_附表1_1_1_missed_meetings": 1}, Path("f.xlsx"))
    eml(Path("收件箱") / "a.eml", [("附表1.xlsx", filled.read_bytes())], sender="b01@example.gov.cn")
    # a template built from the package's default scheme names both versions when refused
    os.chdir(year_folder.parent)  # outside any year folder: the shipped default
    runner.invoke(app, ["template", str(year_folder.parent / "pkg"), "--kind", "appendix", "--unit", "B001"])
    os.chdir(year_folder)
    other = next((year_folder.parent / "pkg").rglob("*附表1*.xlsx"))
    (Path("收件箱") / "old.xlsx").write_bytes(other.read_bytes())
    taken = runner.invoke(app, ["intake", "收件箱", "--master", "考核汇总.xlsx"], env={"COLUMNS": "200"})
    assert "[接收] 附表1.xlsx" in taken.output
    assert "[退回] old.xlsx" in taken.output and "2026.1" in taken.output and "2026-本市" in taken.output
    # the office's own columns, then recompute: 8 departments × 12% = 0.96, rounded down → 0 awards
    full = {"业务目标": 60, "党的建设": 9, "精神文明建设": 4, "招商引资": 4, "通报批评次数": 0}
    apply_updates(Path("考核汇总.xlsx"), [Update("部门", "单位编码", f"B{i:02d}", {**full, "业务目标": 60 + i,
                                                                                  "党风廉政建设": 9})
                                         for i in range(2, 9)] + [Update("部门", "单位编码", "B01", full)] +
                  [Update("区市", "单位编码", "Q1", {"经济目标": 40, "社会目标": 15, "党的建设": 9, "党风廉政建设": 9,
                                                     "思想政治工作": 4, "招商引资": 4, "通报批评次数": 0}),
                   *[Update("人员", "人员编码", code, {"民主测评": 25, "业务目标": 80, "公共目标": 9, "投诉或违纪": "否",
                                                       "情节严重": "否"}) for code in ("P1", "P2")]])
    done = runner.invoke(app, ["recompute", "考核汇总.xlsx"])
    assert done.exit_code == 0, done.output
    quota = {r[0]: r for r in openpyxl.load_workbook("考核汇总.xlsx")["限额"].iter_rows(min_row=2, values_only=True)}
    assert quota["部门·综合口"][1:5] == (8, "12%", "向下取整", 0)
    published = runner.invoke(app, ["publish", "考核汇总.xlsx", "--year", "2026"])
    assert published.exit_code == 0 and "2026-本市" in published.output
    with sqlite3.connect(year_folder.parent / "考核档案.kaohe.sqlite") as db:
        text = db.execute("SELECT scheme_yaml FROM versions").fetchone()[0]
    assert text == Path("考核方案.yaml").read_text(encoding="utf-8")
    shown = runner.invoke(app, ["publicize", "考核汇总.xlsx", "--year", "2026", "--start", "2027-01-11"])
    assert shown.exit_code == 0, shown.output
    lists = list(Path(".").glob("考核汇总_2026_公示/*.xlsx"))
    text = " ".join(str(c.value) for p in lists for ws in openpyxl.load_workbook(p).worksheets
                    for row in ws.iter_rows() for c in row if c.value)
    # Q1 is the only district, so in the top 2: its head P2 is 优秀 directly and is publicized
    assert len(lists) == 1 and "李四" in text and "共6天" in text  # the folder's 6 days, not the package's 7


def test_year_folder__a_master_outside_any_year_folder_uses_the_default_and_says_so(tmp_path):
    runner.invoke(app, ["template", str(tmp_path / "t"), "--kind", "master"])
    master = next((tmp_path / "t").rglob("*考核汇总工作簿.xlsx"))
    done = runner.invoke(app, ["recompute", str(master)])
    assert "没有 考核方案.yaml，使用内置默认方案 municipal 2026.1" in done.output


def test_deadline__in_a_year_folder_uses_its_holiday_file(year_folder):
    (year_folder / "节假日.yaml").write_text("2027:\n  来源: 2027年安排\n  放假: [2027-01-01 至 2027-01-03]\n",
                                            encoding="utf-8")
    done = runner.invoke(app, ["deadline", "2026-12-22"])
    assert done.exit_code == 0 and done.stdout.startswith("2027-01-04") and "节假日依据 [holiday data]: 2027年安排" in \
        done.output
    assert os.getcwd() == str(year_folder)


def test_scheme_change__a_renamed_and_a_fifth_public_target_become_master_columns(tmp_path):
    """No code change: 思想政治工作 (5) becomes 宣传思想工作 (3) plus a fifth public target
    营商环境 (2) in the scheme; init builds the master with those columns and recompute reads
    them. Q1: 经济 40 + 社会 15 + 党的建设 9 + 党风廉政 9 + 宣传思想工作 3 + 营商环境 2 + 招商引资 4 = 82."""
    text = builtin_path("municipal").read_text(encoding="utf-8")
    old = "    - {name: 思想政治工作, points: 5, scored_by: 市委宣传部, table: 附表8}\n"
    assert old in text
    own = text.replace(old, "    - {name: 宣传思想工作, points: 3, scored_by: 市委宣传部}\n"
                            "    - {name: 营商环境, points: 2, scored_by: 市营商环境局}\n")
    (tmp_path / "my.yaml").write_text(own, encoding="utf-8")
    (tmp_path / "units.csv").write_text("单位编码,单位名称,类别,分口\nB01,部门1,部门,综合口\nQ1,区一,区市,\n", encoding="utf-8")
    folder = tmp_path / "y"
    done = runner.invoke(app, ["init", str(folder), "--year", "2026", "--scheme", str(tmp_path / "my.yaml"), "--roster",
                               str(tmp_path / "units.csv")])
    assert done.exit_code == 0, done.output
    master = folder / "考核汇总.xlsx"
    headers = [c.value for c in openpyxl.load_workbook(master)["区市"][1]]
    assert "思想政治工作" not in headers and headers[2:9] == ["经济目标", "社会目标", "党的建设", "党风廉政建设", "宣传思想工作",
                                                       "营商环境", "招商引资"]
    apply_updates(master, [
        Update("区市", "单位编码", "Q1", {"经济目标": 40, "社会目标": 15, "党的建设": 9, "党风廉政建设": 9, "宣传思想工作": 3,
                                          "营商环境": 2, "招商引资": 4, "通报批评次数": 0}),
        Update("部门", "单位编码", "B01", {"业务目标": 60, "党的建设": 9, "党风廉政建设": 9, "精神文明建设": 4, "招商引资": 4,
                                           "通报批评次数": 0})])
    out = runner.invoke(app, ["recompute", str(master)])
    assert out.exit_code == 0, out.output
    row = next(r for r in openpyxl.load_workbook(master)["区市排名"].iter_rows(min_row=2, values_only=True)
               if r[0] == "Q1")
    assert 82 in row


def _changed_scheme() -> str:
    """The five changes of issue 13, made in the YAML as an office would make them."""
    text = builtin_path("municipal").read_text(encoding="utf-8")
    edits = [
        # a renamed public item (departments): 精神文明建设 → 文明创建, still scored on 附表3
        ("    - {name: 精神文明建设, points: 5, scored_by: 市委宣传部, table: 附表3}",
         "    - {name: 文明创建, points: 5, scored_by: 市委宣传部, table: 附表3}"),
        # a fifth public item for districts: 附表7 gives up 2 points (7.4 is worth 0.5), 营商环境 gets them
        ("""  - id: 附表7
    title: 区(市)党的建设
    scored_by: 市委组织部
    tiers: [districts]
    points: 10""", """  - id: 附表7
    title: 区(市)党的建设
    scored_by: 市委组织部
    tiers: [districts]
    points: 8"""),
        ("""        name: 基层组织覆盖
        points: 2.5""", """        name: 基层组织覆盖
        points: 0.5"""),
        ("    - {name: 党的建设, points: 10, scored_by: 市委组织部, table: 附表7}",
         "    - {name: 党的建设, points: 8, scored_by: 市委组织部, table: 附表7}\n"
         "    - {name: 营商环境, points: 2, scored_by: 市营商环境局}"),
        # a quota of 12% rounded down
        ("quota: {rate: 10%, minimum: 0}", "quota: {rate: 12%, rounding: floor, minimum: 0}"),
        # an extra veto body in the suggestions (the list is open anyway)
        ("  veto_bodies: [纪检, 检察, 计划生育, 环境保护, 安全生产, 社会治安综合治理]   # seed",
         "  veto_bodies: [纪检, 检察, 计划生育, 环境保护, 安全生产, 社会治安综合治理, 市场监管]   # seed"),
        # 6-day publicity
        ("publicity_days: 7", "publicity_days: 6"),
        ('version: "2026.1"', 'version: "2026-改"'),
    ]
    for old, new in edits:
        assert text.count(old) >= 1, old
        text = text.replace(old, new, 1)
    return text


def test_scheme_change__the_whole_path_runs_with_no_code_change(tmp_path, monkeypatch):
    """template → fill → .eml → intake → recompute → publish → circular under a changed
    scheme, every figure worked by hand."""
    (tmp_path / "my.yaml").write_text(_changed_scheme(), encoding="utf-8")
    (tmp_path / "units.csv").write_text(UNITS.replace("Q1,区一,区市,,\n", "Q1,区一,区市,,q1@example.gov.cn\n"
                                                      "Q2,区二,区市,,\n"), encoding="utf-8")
    (tmp_path / "staff.csv").write_text(STAFF, encoding="utf-8")
    folder = tmp_path / "2026考核"
    assert runner.invoke(app, ["init", str(folder), "--year", "2026", "--scheme", str(tmp_path / "my.yaml"),
                               "--roster", str(tmp_path / "units.csv"), "--staff",
                               str(tmp_path / "staff.csv")]).exit_code == 0
    monkeypatch.chdir(folder)
    assert runner.invoke(app, ["template", "模板"]).exit_code == 0
    t3 = next(Path("模板").rglob("2026_B01_附表3_*.xlsx"))
    t7 = next(Path("模板").rglob("2026_Q1_附表7_*.xlsx"))
    # 附表3: 3.2 two activities missing 1 − 0.4 = 0.6; 3.3 市级 0.8; 3.4 0.08 ÷ 0.1 = 0.8; 3.1, 3.5 full → 4.2
    f3 = fill(t3, {"KH_IN_附表3_3_2_missing_activities": 2, "KH_IN_附表3_3_3_choice": "市级",
                   "KH_IN_附表3_3_4_actual": 0.08, "KH_IN_附表3_3_4_target": 0.1}, Path("f3.xlsx"))
    # 附表7: 7.1–7.3 full (2 + 1.5 + 2); 7.4 now worth 0.5: 0.9 × 0.5 = 0.45; 7.5 full 1; 7.6 2nd 0.9 → 7.85
    f7 = fill(t7, {"KH_IN_附表7_7_4_actual": 0.9, "KH_IN_附表7_7_4_target": 1, "KH_IN_附表7_7_6_rank": 2},
              Path("f7.xlsx"))
    eml(Path("收件箱") / "b01.eml", [("附表3.xlsx", f3.read_bytes())], sender="b01@example.gov.cn")
    eml(Path("收件箱") / "q1.eml", [("附表7.xlsx", f7.read_bytes())], sender="q1@example.gov.cn")
    taken = runner.invoke(app, ["intake", "收件箱", "--master", "考核汇总.xlsx", "--quiet"])
    assert taken.exit_code == 0, taken.output
    master = Path("考核汇总.xlsx")
    dept = {r[0]: r for r in openpyxl.load_workbook(master)["部门"].iter_rows(values_only=True)}
    headers = list(dept["单位编码"])
    assert dept["B01"][headers.index("文明创建")] == 4.2 and "精神文明建设" not in headers
    dist = {r[0]: r for r in openpyxl.load_workbook(master)["区市"].iter_rows(values_only=True)}
    dheaders = list(dist["单位编码"])
    assert dist["Q1"][dheaders.index("党的建设")] == 7.85 and "营商环境" in dheaders
    # the office's own columns: B01–B08 business 60 + i, public full but their 附表 values; B03 vetoed by 市场监管
    entries = [Update("部门", "单位编码", f"B{i:02d}", {"业务目标": 60 + i, "党的建设": 9, "党风廉政建设": 9,
                                                         "招商引资": 4, "通报批评次数": 0,
                                                         **({} if i == 1 else {"文明创建": 4}),
                                                         **({"一票否决": "市场监管"} if i == 3 else {})})
               for i in range(1, 9)]
    entries += [Update("区市", "单位编码", "Q1", {"经济目标": 40, "社会目标": 15, "党风廉政建设": 9, "思想政治工作": 4,
                                                  "招商引资": 4, "营商环境": 2, "通报批评次数": 0}),
                Update("区市", "单位编码", "Q2", {"经济目标": 30, "社会目标": 10, "党的建设": 6, "党风廉政建设": 8,
                                                  "思想政治工作": 3, "招商引资": 3, "营商环境": 1, "通报批评次数": 0}),
                *[Update("人员", "人员编码", c, {"民主测评": 25, "业务目标": 80, "公共目标": 9, "投诉或违纪": "否",
                                                  "情节严重": "否"}) for c in ("P1", "P2")]]
    apply_updates(master, entries)
    done = runner.invoke(app, ["recompute", "考核汇总.xlsx"])
    assert done.exit_code == 0, done.output
    wb = openpyxl.load_workbook(master)
    ranked = {r[0]: r for r in wb["部门排名"].iter_rows(values_only=True)}
    rh = list(ranked["单位编码"])
    # B01: 61 + 9 + 9 + 4.2 + 4 = 87.2; B03: 63 + 26 = 89, vetoed by 市场监管
    assert ranked["B01"][rh.index("综合得分")] == 87.2
    assert "不得评先：一票否决（市场监管）" in ranked["B03"][rh.index("说明")]
    assert not [r for r in ranked.values() if r[rh.index("先进集体")] == "是"]  # 8 × 12% = 0.96 → 0
    q = {r[0]: r for r in wb["区市排名"].iter_rows(values_only=True)}
    qh = list(q["单位编码"])
    # Q1: 40 + 15 + 7.85 + 9 + 4 + 4 + 2 = 81.85; Q2: 40 + 6 + 8 + 3 + 3 + 1 = 61
    assert (q["Q1"][qh.index("综合得分")], q["Q2"][qh.index("综合得分")]) == (81.85, 61)
    assert runner.invoke(app, ["publish", "考核汇总.xlsx", "--year", "2026"]).exit_code == 0
    made = runner.invoke(app, ["circular", "考核汇总.xlsx", "--year", "2026"])
    assert made.exit_code == 0, made.output
    circ = openpyxl.load_workbook("考核汇总_2026_通报.xlsx")
    text = " ".join(str(c.value) for ws in circ.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "不得评先：一票否决（市场监管）" in text and "81.85" in text
    shown = runner.invoke(app, ["publicize", "考核汇总.xlsx", "--year", "2026", "--start", "2027-01-11"])
    assert shown.exit_code == 0
    lists = list(Path(".").glob("考核汇总_2026_公示/*.xlsx"))
    listed = " ".join(str(c.value) for p in lists for ws in openpyxl.load_workbook(p).worksheets
                      for row in ws.iter_rows() for c in row if c.value)
    assert "共6天" in listed  # Q1 (top 2 of 2 districts): its head P2 is 优秀 directly and publicized


def test_year_folder__intake_and_recompute_need_no_paths_inside_it(year_folder):
    built = runner.invoke(app, ["template", "模板", "--kind", "appendix", "--unit", "B01"])
    assert built.exit_code == 0
    template = next(Path("模板").rglob("*附表1*.xlsx"))
    f = fill(template, {"KH_IN_附表1_1_6_value": 1.2, "KH_IN_附表1_1_6_note": "良好"}, Path("f.xlsx"))
    eml(Path("收件箱") / "a.eml", [("附表1.xlsx", f.read_bytes())], sender="b01@example.gov.cn")
    assert runner.invoke(app, ["intake", "--quiet"]).exit_code == 0  # 收件箱 and 考核汇总.xlsx of this folder
    ws = openpyxl.load_workbook("考核汇总.xlsx")["部门"]
    headers = [c.value for c in ws[1]]
    b01 = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "B01")
    assert b01[headers.index("党风廉政建设")] == 9.7  # 1.1–1.5 full 8.5 + 1.6 entered 1.2
    out = runner.invoke(app, ["recompute"])
    assert out.exit_code == 1  # the other units' inputs are still blank: listed in this folder's master
    assert openpyxl.load_workbook("考核汇总.xlsx")["问题"].max_row > 1
