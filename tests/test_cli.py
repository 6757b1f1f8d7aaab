import re

from typer.testing import CliRunner

from addin.cli import app

runner = CliRunner()


def test_demo__runs_a_year_from_templates_to_rankings(tmp_path):
    folder = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(folder)], terminal_width=200)
    assert result.exit_code == 0, result.output
    out = result.output
    for title in ("市直部门综合得分与先进集体", "区(市)综合得分与先进集体", "工作人员", "审计局目标考评", "预警"):
        assert title in out
    assert "1/6 生成模板" in out and "3/6 接收" in out and "4/6 重新计算排名" in out
    assert "v1 → v2（申诉复核后）：3 处变化" in out and "80.37" in out and "85.37" in out  # B013: +5 after appeal
    assert "待定：2个单位并列争1个名额" in out and "一票否决（安全生产）" in out and "弄虚作假" in out
    assert "记二等功" in out and re.search(r"8 × 10% = 0.8 → 四舍五入 1", out)
    # the top-2 districts' government heads (角色 in the sample roster): 优秀 + 记二等功, named in 拟表彰
    assert "是（记二等功）" in out and "按政府主要负责人计" not in out
    year = folder / "2026考核"  # the demo is an office with its year folder (issue 22)
    for path in ("考核汇总.xlsx", "考核汇总_回执.xlsx", "考核汇总_2026_通报.xlsx", "考核方案.yaml", "单位名册.csv"):
        assert (year / path).exists(), path
    assert (folder / "考核档案.kaohe.sqlite").exists() and (folder / "设置.yaml").exists()
    assert len(list((year / "收件箱").glob("*.eml"))) == 370
    import openpyxl

    ranks = openpyxl.load_workbook(year / "考核汇总.xlsx")["部门排名"]
    assert ranks.max_row == 61 and ranks["G1"].value == "说明"
    assert ranks["I1"].value.startswith("已发布 2026年度 v2")


def test_check_scheme__reports_the_path(tmp_path):
    from addin.scheme.loader import builtin_path

    text = builtin_path("municipal").read_text(encoding="utf-8")
    bad = tmp_path / "m.yaml"
    bad.write_text(text.replace("deduction: {per_criticism: 5}", "deduction: {per_criticism: -5}", 1),
                   encoding="utf-8")
    result = runner.invoke(app, ["check-scheme", str(bad)])
    assert result.exit_code == 2
    assert "departments.deduction.per_criticism" in result.output
    ok = runner.invoke(app, ["check-scheme", str(builtin_path("audit"))])
    assert ok.exit_code == 0 and "audit" in ok.output


def test_deadline__command():
    result = runner.invoke(app, ["deadline", "2026-09-24"])
    assert result.exit_code == 0 and result.stdout.startswith("2026-10-08")
    assert "节假日依据 [holiday data]: chinese-calendar" in result.output
    beyond = runner.invoke(app, ["deadline", "2026-12-22"])  # ends in 2027: no data, never a failure
    assert beyond.exit_code == 0 and beyond.stdout.startswith("2027-01-01") and "仅按周末顺延" in beyond.stdout
    assert runner.invoke(app, ["deadline", "24/09/2026"]).exit_code == 2


def test_template__one_kind_one_unit(tmp_path):
    result = runner.invoke(app, ["template", str(tmp_path), "--kind", "appendix", "--unit", "B001"])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in tmp_path.rglob("*.xlsx"))
    assert files == ["2026_B001_附表1_党风廉政建设.xlsx", "2026_B001_附表2_党的建设.xlsx",
                     "2026_B001_附表3_精神文明建设.xlsx", "2026_B001_附表4B_招商服务保障（无招商任务的部门）.xlsx",
                     "2026_B001_附表4_招商引资.xlsx"]
    assert "5" in result.output


def test_template__from_a_roster_file_and_bad_options(tmp_path):
    units = tmp_path / "units.csv"
    units.write_text("单位编码,单位名称,类别,分口\nB101,市档案馆,部门,综合口\n", encoding="utf-8")
    result = runner.invoke(app, ["template", str(tmp_path / "out"), "--roster", str(units), "--kind", "target-book",
                                 "--year", "2027"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "out").rglob("*.xlsx")] == ["2027_B101_目标责任书.xlsx"]
    assert runner.invoke(app, ["template", str(tmp_path), "--kind", "poster"]).exit_code == 2
    nobody = runner.invoke(app, ["template", str(tmp_path / "x"), "--kind", "appendix", "--unit", "ZZZ"])
    assert nobody.exit_code == 2 and "ZZZ" in nobody.output


def test_render_year__districts_show_their_business_and_public_scores(municipal):
    """Round 1 showed "—" for every district's 经济目标 (it read an empty table map)."""
    from rich.console import Console

    from addin.console import _districts
    from addin.engine.units import UnitInput
    from addin.engine.year import assess_year

    q = UnitInput("Q1", "区Q1", None, {"经济目标": 40, "社会目标": 15},
                  {"党的建设": 9, "党风廉政建设": 9, "思想政治工作": 4, "招商引资": 4}, 0, None, "否")
    result = assess_year(municipal, [], [q], [])
    console = Console(width=250, record=True, color_system=None)
    _districts(console, result)
    row = next(line for line in console.export_text().splitlines() if "Q1" in line)
    cells = [c.strip() for c in row.split("│")]
    assert cells[4:7] == ["55", "26", "81"]  # business 40 + 15, public 9 + 9 + 4 + 4, composite 81
