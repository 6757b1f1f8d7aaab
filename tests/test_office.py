"""One office, many years (issue 22), from the command line as an office runs it: two year
folders side by side share one archive, one secret and one settings file; every command
takes its year and master from the folder; last year's results reach this year's rules;
folders made before the office are merged in with nothing lost."""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from addin.cli import app
from addin.intake.extract import Update
from addin.intake.master import apply_updates
from fill import eml, fill

runner = CliRunner()

UNITS = "单位编码,单位名称,类别,分口,报送邮箱\n" + "".join(
    f"B{i:02d},部门{i},部门,综合口,b{i:02d}@example.gov.cn\n" for i in range(1, 9)) + "Q1,区一,区市,,\n"
STAFF = "人员编码,姓名,单位编码,层级,主要负责人\nP1,张三,B01,科级及以下,否\nP2,李四,Q1,县级,是\n"
APPENDIX1 = {"KH_IN_附表1_1_6_value": 1.2, "KH_IN_附表1_1_6_note": "良好", "KH_IN_附表1_1_1_missed_meetings": 1}


def kaohe(*args: str, cwd: Path):
    """``kaohe ARGS`` run in ``cwd`` (as a clerk types it there)."""
    here = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(app, list(args), terminal_width=200)
    finally:
        os.chdir(here)


def flat(text: str) -> str:
    return "".join(text.split())


def shown(text: str, output: str) -> bool:
    return flat(text) in flat(output)


@pytest.fixture
def office(tmp_path) -> Path:
    office = tmp_path / "考核办"
    office.mkdir()
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "staff.csv").write_text(STAFF, encoding="utf-8")
    made = kaohe("init", "2026考核", "--year", "2026", "--roster", str(tmp_path / "units.csv"), "--staff",
                 str(tmp_path / "staff.csv"), cwd=office)
    assert made.exit_code == 0, made.output
    return office


def the_year(folder: Path, b01: dict, p1: dict, *, b01_appendix_from_intake: bool = True) -> None:
    """The office's own entries of a year (every department and the district filled; B01
    and P1 as given, 附表1 of B01 from intake)."""
    full = {"业务目标": 62, "党风廉政建设": 9, "党的建设": 9, "精神文明建设": 4, "招商引资": 4, "通报批评次数": 0}
    updates = [Update("部门", "单位编码", f"B{i:02d}", {**full, "业务目标": 60 + i}) for i in range(2, 9)]
    b01 = {**full, **b01}
    if b01_appendix_from_intake:
        del b01["党风廉政建设"]  # intake wrote it from the file
    updates.append(Update("部门", "单位编码", "B01", b01))
    updates.append(Update("区市", "单位编码", "Q1", {"经济目标": 40, "社会目标": 15, "党的建设": 9, "党风廉政建设": 9,
                                                   "思想政治工作": 4, "招商引资": 4, "通报批评次数": 0}))
    staff = {"民主测评": 25, "业务目标": 80, "公共目标": 9, "投诉或违纪": "否", "情节严重": "否"}
    updates += [Update("人员", "人员编码", "P1", {**staff, **p1}), Update("人员", "人员编码", "P2", staff)]
    apply_updates(folder / "考核汇总.xlsx", updates)


def template_meta(path: Path) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)["_kaohe"]
    return {r[0].value: r[1].value for r in ws.iter_rows(min_row=2)}


def sheet_rows(master: Path, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(master)[sheet].iter_rows(min_row=2, values_only=True))


def test_office__two_years_from_the_command_line_with_no_year_or_master(office, tmp_path):
    """Issue 22, tests 1: init 2026, template, fill, .eml, intake, recompute, publish; then
    init 2027 and the same, never with --year or --master inside a folder."""
    y26 = office / "2026考核"
    # 2026: B01's 附表1 by mail; B01 at 55 (业务目标 45; 1.5 + 6.5 + 1.2 = 9.2 → 党风廉政建设 9.2 from intake,
    # 党的建设 0.8, 精神文明建设 0, 招商引资 0: 45 + 9.2 + 0.8 = 55.00); P1 at 20 + 0.7 × (40 + 5) = 51.50 → 不称职
    assert kaohe("template", "模板", "--kind", "appendix", "--unit", "B01", cwd=y26).exit_code == 0
    t26 = next((y26 / "模板").rglob("2026_B01_附表1*.xlsx"))
    assert template_meta(t26)["year"] == "2026"
    eml(y26 / "收件箱" / "a.eml", [("附表1.xlsx", fill(t26, APPENDIX1, tmp_path / "f26.xlsx").read_bytes())],
        sender="b01@example.gov.cn")
    taken = kaohe("intake", cwd=y26)
    assert taken.exit_code == 0 and shown("[接收] 附表1.xlsx", taken.output), taken.output
    the_year(y26, {"业务目标": 45, "党的建设": 0.8, "精神文明建设": 0, "招商引资": 0},
             {"民主测评": 20, "业务目标": 40, "公共目标": 5})
    done = kaohe("recompute", cwd=y26)
    assert done.exit_code == 0, done.output
    ranks = {r[0]: r for r in sheet_rows(y26 / "考核汇总.xlsx", "部门排名")}
    assert ranks["B01"][3] == 55
    grades = {r[0]: r for r in sheet_rows(y26 / "考核汇总.xlsx", "人员等次")}
    assert (grades["P1"][3], grades["P1"][5]) == (51.5, "不称职")
    assert kaohe("publish", cwd=y26).exit_code == 0

    # 2027: init with no --year: last year + 1, last year's scheme and rosters; the scheme then edited
    made = kaohe("init", "2027考核", cwd=office)
    assert made.exit_code == 0 and shown("已建立 2027 年度文件夹（沿用 2026考核 的方案和名册）", made.output), made.output
    y27 = office / "2027考核"
    assert (y27 / "单位名册.csv").read_text(encoding="utf-8-sig") == (y26 / "单位名册.csv").read_text(encoding="utf-8-sig")
    scheme = (y27 / "考核方案.yaml").read_text(encoding="utf-8")
    edited = scheme.replace("quota: {rate: 10%, minimum: 0}", "quota: {rate: 15%, minimum: 0}", 1) \
        .replace('version: "2026.1"', 'version: "2027.1"')
    assert edited.count("15%") > scheme.count("15%")
    (y27 / "考核方案.yaml").write_text(edited, encoding="utf-8")
    assert sorted(p.name for p in office.iterdir()) == ["2026考核", "2027考核", "考核档案.kaohe.sqlite", "设置.yaml"]

    assert kaohe("template", "模板", "--kind", "appendix", "--unit", "B01", cwd=y27).exit_code == 0
    t27 = next((y27 / "模板").rglob("*_B01_附表1*.xlsx"))
    assert t27.name.startswith("2027_") and template_meta(t27)["year"] == "2027"  # the 2027 templates say 2027
    eml(y27 / "收件箱" / "old.eml", [("旧表.xlsx", fill(t26, APPENDIX1, tmp_path / "o.xlsx").read_bytes())],
        sender="b01@example.gov.cn")
    eml(y27 / "收件箱" / "new.eml", [("附表1.xlsx", fill(t27, APPENDIX1, tmp_path / "f27.xlsx").read_bytes())],
        sender="b01@example.gov.cn")
    taken = kaohe("intake", cwd=y27)
    assert taken.exit_code == 1, taken.output  # a 2026 template sent in 2027 is refused
    assert shown("[退回] 旧表.xlsx", taken.output) and shown("模板年度为 2026，本次汇总的是 2027 年度", taken.output)
    assert shown("[接收] 附表1.xlsx", taken.output)
    the_year(y27, {"业务目标": 45, "党的建设": 0.8, "精神文明建设": 0, "招商引资": 0},
             {"民主测评": 20, "业务目标": 40, "公共目标": 5})
    done = kaohe("recompute", cwd=y27)
    assert done.exit_code == 0, done.output
    alerts = {(r[0], r[2]): r[3] for r in sheet_rows(y27 / "考核汇总.xlsx", "预警")}
    # the two-year alerts fire across the year folders, and say where last year's value came from
    assert alerts[("B01", "连续两年低于60分")] == ("上年 55、本年 55 均低于60分：诫勉或调整；"
                                               "上年综合得分 55 取自考核档案 2026年度 v1")
    assert alerts[("P1", "辞退")] == "连续2年确定为不称职：按规定辞退；上年等次“不称职”取自考核档案 2026年度 v1"
    assert kaohe("publish", cwd=y27).exit_code == 0

    history = kaohe("history", "B01", cwd=y27)  # both years, each its latest version, from the one archive
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in history.output.splitlines()
            if line.startswith("│ 20")]
    # 年度, 版本, 名称, 单位/分口, 得分, 名次, 评先/表彰; each version's scheme on a line of its own
    assert history.exit_code == 0 and [(r[0], r[1], r[4], r[5]) for r in rows] == [("2026", "v1", "55.00", "8"),
                                                                                   ("2027", "v1", "55.00", "8")]
    assert [line.split()[:2] for line in history.output.splitlines() if "考核方案 [scheme]" in line] == [
        ["2026年度", "v1"], ["2027年度", "v1"]]
    rules = kaohe("scheme", "diff", "2026", "2027", cwd=y26)  # from either year folder: the office's archive
    assert rules.exit_code == 0, rules.output
    assert [line.strip() for line in rules.output.splitlines()[1:]] == [
        "departments.awards.quota.rate: 0.1 → 0.15", "version: 2026.1 → 2027.1", "共 2 处规则变化 [2 changes]"]
    with closing(sqlite3.connect(office / "考核档案.kaohe.sqlite")) as db:
        assert db.execute("SELECT year, version, seq FROM versions ORDER BY year").fetchall() == [(2026, 1, 1),
                                                                                                 (2027, 1, 1)]
        assert db.execute("SELECT COUNT(*) FROM office_secret").fetchone() == (1,)


def test_office__a_year_or_master_that_disagrees_with_the_folder_is_refused(office):
    y26 = office / "2026考核"
    for args in (["intake", "--year", "2027"], ["publish", "--year", "2025"], ["template", "模板", "--year", "2027"],
                 ["remind", "--before", "2027-01-15", "--year", "2027"]):
        done = kaohe(*args, cwd=y26)
        assert done.exit_code == 2, (args, done.output)
        assert shown("--year", done.output) and shown("2026", done.output), done.output
        assert "Traceback" not in done.output
    assert not (y26 / "模板").exists()  # nothing was built


def round_2_folder(tmp_path: Path, office: Path, name: str, year: int) -> Path:
    """A year folder as round 2's ``kaohe init`` made it: its own archive (with its own
    secret) and 设置.yaml beside its master, in a folder with no office archive."""
    scratch = tmp_path / f"scratch{year}"
    scratch.mkdir()
    assert kaohe("init", name, "--year", str(year), cwd=scratch).exit_code == 0
    office.mkdir(exist_ok=True)
    folder = office / name
    shutil.move(scratch / name, folder)
    shutil.move(scratch / "考核档案.kaohe.sqlite", folder / "考核汇总.kaohe.sqlite")
    shutil.move(scratch / "设置.yaml", folder / "设置.yaml")
    apply_updates(folder / "考核汇总.xlsx", [Update("部门", "单位编码", "B001", {"报送邮箱": "b001@example.gov.cn"})])
    return folder


def held_in_its_own_archive(folder: Path, tmp_path: Path, municipal, audit) -> tuple[Path, int]:
    """Templates keyed with the folder's own secret, and a file from a stranger taken in
    while the folder still has its own archive (the library, as round 2's intake): held."""
    from addin.intake.run import HELD, run_intake
    from addin.intake.store import office_secret
    from addin.office.roster import Roster, RosterUnit
    from workbook_templates.build import build_templates

    year = int(folder.name[:4])
    assert office_secret(folder / "考核汇总.xlsx") and (folder / "考核汇总.kaohe.sqlite").exists()
    built = build_templates(tmp_path / f"t{year}", municipal=municipal, audit=audit,
                            roster=Roster([RosterUnit("B001", "市发展改革委", "部门", "综合口")]), year=year,
                            kinds=["appendix"], unit="B001", secret=office_secret(folder / "考核汇总.xlsx"))
    template = next(b.path for b in built if b.identity.template_kind == "appendix:附表1:departments")
    eml(folder / "收件箱" / "x.eml", [("附表1.xlsx", fill(template, APPENDIX1, tmp_path / f"f{year}.xlsx").read_bytes())],
        sender="stranger@other.example")
    outcome = run_intake(folder / "收件箱", folder / "考核汇总.xlsx", municipal=municipal, audit=audit,
                         year=year).outcomes[0]
    assert outcome.status == HELD, outcome.reasons
    return template, outcome.record_id


def test_office__round_2_folders_are_merged_with_nothing_lost_and_their_held_files_released(tmp_path, municipal,
                                                                                          audit):
    """Issue 22, tests 2: folders made before the office, each with its own archive and its
    own secret, are merged the first time a command runs there; each 报送编号 stays valid
    (a held file is released after the merge), each year's templates stay valid."""
    office = tmp_path / "办公室"
    y26 = round_2_folder(tmp_path, office, "2026考核", 2026)
    y27 = round_2_folder(tmp_path, office, "2027考核", 2027)
    t26, n26 = held_in_its_own_archive(y26, tmp_path, municipal, audit)
    t27, n27 = held_in_its_own_archive(y27, tmp_path, municipal, audit)
    assert (n26, n27) == (1, 1)  # each archive numbered its own
    secrets = {}
    for folder in (y26, y27):
        with closing(sqlite3.connect(folder / "考核汇总.kaohe.sqlite")) as db:
            secrets[folder.name] = db.execute("SELECT secret FROM office_secret").fetchone()[0]
    assert secrets["2026考核"] != secrets["2027考核"]

    first = kaohe("intake", "--release", "1", "--by", "张科长", cwd=y27)  # the first command in the office
    assert first.exit_code == 0 and shown("已放行报送 1", first.output), first.output
    assert shown("已把年度文件夹的档案 2026考核/考核汇总.kaohe.sqlite 并入考核办档案 考核档案.kaohe.sqlite（整体移入，各年度共用）",
                 first.output)
    assert shown("已把年度文件夹的档案 2027考核/考核汇总.kaohe.sqlite 并入考核办档案 考核档案.kaohe.sqlite"
                 "（报送记录 1 条、发布版本 0 个）", first.output)
    assert sorted(p.name for p in office.iterdir()) == ["2026考核", "2027考核", "考核档案.kaohe.sqlite", "设置.yaml"]
    assert (y27 / "考核汇总.kaohe.sqlite.已并入考核档案").exists() and not (y26 / "考核汇总.kaohe.sqlite").exists()
    released = kaohe("intake", "--release", "1", "--by", "李主任", cwd=y26)  # 2026's number 1, still valid
    assert released.exit_code == 0 and shown("已放行报送 1", released.output), released.output
    with closing(sqlite3.connect(office / "考核档案.kaohe.sqlite")) as db:
        rows = db.execute("SELECT intake_year, number, status, released_by FROM submissions ORDER BY intake_year")
        assert rows.fetchall() == [(2026, 1, "accepted", "李主任"), (2027, 1, "accepted", "张科长")]
        assert db.execute("SELECT year, secret FROM year_secrets").fetchall() == [(2027, secrets["2027考核"])]
        assert db.execute("SELECT secret FROM office_secret").fetchone()[0] == secrets["2026考核"]
        assert db.execute("SELECT COUNT(*) FROM evidence").fetchone() == (4,)  # both kept files and their messages came along
    # each year's templates, keyed with its own secret, are still taken in that year
    for folder, template, year in ((y26, t26, 2026), (y27, t27, 2027)):
        values = {**APPENDIX1, "KH_IN_附表1_1_1_missed_meetings": 0}
        eml(folder / "收件箱" / "y.eml", [("再报.xlsx", fill(template, values, tmp_path / f"g{year}.xlsx").read_bytes())],
            sender="b001@example.gov.cn")
        again = kaohe("intake", cwd=folder)
        assert again.exit_code == 0 and shown("[接收] 再报.xlsx", again.output), again.output


def test_office__a_scheme_edited_after_init_brings_the_master_in_line(office):
    """Issue 22, tests 3 through the command line: rename a public target, add one, remove
    one in the folder's 考核方案.yaml; the next recompute aligns the master (values kept,
    the removed column's values in a sheet of their own) and computes hand-worked totals."""
    y26 = office / "2026考核"
    the_year(y26, {"业务目标": 60}, {}, b01_appendix_from_intake=False)
    text = (y26 / "考核方案.yaml").read_text(encoding="utf-8")
    old_line = "    - {name: 招商引资, points: 5, scored_by: 市招商局, table: 附表4, alternatives: [附表4B]}\n"
    assert text.count("name: 精神文明建设") == 1 and text.count(old_line) == 1
    # 精神文明建设 → 文明创建 (same table, 附表3); 招商引资 (附表4, 5 points) replaced by 营商环境 (5, entered)
    edited = text.replace("name: 精神文明建设", "name: 文明创建", 1) \
        .replace(old_line, "    - {name: 营商环境, points: 5, scored_by: 市营商环境局}\n")
    (y26 / "考核方案.yaml").write_text(edited, encoding="utf-8")
    done = kaohe("recompute", cwd=y26)
    assert done.exit_code == 1, done.output  # 营商环境 is blank: never 0, a located problem
    assert shown("列“精神文明建设”已改名为“文明创建”", done.output), done.output
    assert shown("已删除_部门_招商引资", done.output), done.output
    wb = openpyxl.load_workbook(y26 / "考核汇总.xlsx")
    headers = [c.value for c in wb["部门"][1]]
    assert "文明创建" in headers and "营商环境" in headers and "精神文明建设" not in headers and "招商引资" not in headers
    values = {r[0]: r for r in wb["部门"].iter_rows(min_row=2, values_only=True)}
    assert values["B01"][headers.index("文明创建")] == 4  # the renamed column kept its value
    kept = {r[0]: r[2] for r in wb["已删除_部门_招商引资"].iter_rows(min_row=2, values_only=True)}
    assert kept["B01"] == 4 and kept["B08"] == 4  # the removed column's values, kept
    apply_updates(y26 / "考核汇总.xlsx", [Update("部门", "单位编码", f"B{i:02d}", {"营商环境": 3}) for i in range(1, 9)])
    done = kaohe("recompute", cwd=y26)
    assert done.exit_code == 0, done.output
    ranks = {r[0]: r for r in sheet_rows(y26 / "考核汇总.xlsx", "部门排名")}
    # B01: 业务目标 60 + 党风廉政建设 9 + 党的建设 9 + 文明创建 4 + 营商环境 3 = 85; B08: 68 + 25 = 93
    assert (ranks["B01"][3], ranks["B08"][3]) == (85, 93)


@pytest.fixture
def published(office) -> Path:
    y26 = office / "2026考核"
    the_year(y26, {"业务目标": 60}, {}, b01_appendix_from_intake=False)
    assert kaohe("recompute", cwd=y26).exit_code == 0
    assert kaohe("publish", cwd=y26).exit_code == 0
    return y26


BAD = {
    "scheme": ("考核方案.yaml", "type: municipal\nid: x\n", "方案文件有误"),
    "holidays": ("节假日.yaml", "2027:\n  来源: 通知\n  放假: [2026-10-01]\n  调休上班: []\n", "节假日文件有误"),
    "office holidays": ("../节假日.yaml", "2027:\n  来源: 通知\n  放假: [2026-10-01]\n  调休上班: []\n", "节假日文件有误"),
    "settings": ("../设置.yaml", "报送:\n  考核办邮箱: [\n", "设置文件有误"),
}
READERS = {
    "scheme": [["template", "模板"], ["intake"], ["recompute"], ["publish"], ["publicize", "--start", "2027-01-11"],
               ["notices", "--notified", "2027-01-20"], ["circular"], ["deadline", "2027-01-20"],
               ["remind", "--before", "2027-01-15"]],
    "holidays": [["recompute"], ["notices", "--notified", "2027-01-20"], ["deadline", "2027-01-20"]],
    "office holidays": [["recompute"], ["notices", "--notified", "2027-01-20"], ["deadline", "2027-01-20"]],
    "settings": [["intake"], ["remind", "--before", "2027-01-15"], ["fetch", "--check"]],
}


@pytest.mark.parametrize(("kind", "args"), [(k, a) for k, commands in READERS.items() for a in commands],
                         ids=lambda x: x if isinstance(x, str) else " ".join(x))
def test_commands__a_bad_office_file_is_one_clean_error_and_exit_2(published, kind, args):
    """Issue 22, deliver 6: a bad scheme, 节假日.yaml (the folder's or the office's) or
    设置.yaml gives the file, the place and the reason, exit 2, never a traceback, in every
    command that reads it."""
    name, text, heading = BAD[kind]
    (published / name).write_text(text, encoding="utf-8")
    done = kaohe(*args, cwd=published)
    assert done.exit_code == 2, done.output
    assert done.exception is None or isinstance(done.exception, SystemExit), repr(done.exception)
    assert "Traceback" not in done.output
    assert shown(heading, done.output) and shown(Path(name).name, done.output), done.output


@pytest.mark.parametrize("args", [["init", "2027考核", "--roster", "缺失.csv"], ["init", "2027考核", "--roster", "坏.csv"],
                                  ["init", "2027考核", "--scheme", "坏.yaml"]])
def test_init__a_missing_or_bad_roster_or_scheme_is_one_line_and_exit_2(office, args):
    (office / "坏.csv").write_text("编号,名称\nB1,x\n", encoding="utf-8")
    (office / "坏.yaml").write_text("type: municipal\n", encoding="utf-8")
    done = kaohe(*args, cwd=office)
    assert done.exit_code == 2, done.output
    assert done.exception is None or isinstance(done.exception, SystemExit), repr(done.exception)
    assert args[-1] in done.output and not (office / "2027考核").exists()


def test_publicize__seven_working_days_across_the_national_day_holiday(published):
    """Issue 24 (smaller defect): the seed's “公示5至7天” is calendar days by default; an
    office that counts working days says so in its scheme (`staff.publicity_counting:
    working`). With the State Council's 2026 arrangement (国庆 10-01 至 10-07 off, Saturday
    10-10 worked), 7 working days from Tuesday 2026-09-29: 09-29, 09-30, 10-08, 10-09,
    10-10, 10-12, 10-13 → the period ends 2026-10-13 (calendar days would end 10-05)."""
    from addin.scheme.loader import builtin_path

    example = builtin_path("municipal").parent / "节假日示例.yaml"
    shutil.copy(example, published.parent / "节假日.yaml")  # the office's own entry, for every year folder
    text = (published / "考核方案.yaml").read_text(encoding="utf-8")
    assert "publicity_counting: calendar" in text
    calendar = kaohe("publicize", "--start", "2026-09-29", cwd=published)
    assert calendar.exit_code == 0, calendar.output
    sheet = next(published.glob("*_公示/*.xlsx"))
    cells = [c for row in openpyxl.load_workbook(sheet)["公示"].iter_rows(values_only=True) for c in row if c]
    assert any(str(c).startswith("公示期：2026-09-29至2026-10-05（共7天）") for c in cells)
    (published / "考核方案.yaml").write_text(text.replace("publicity_counting: calendar", "publicity_counting: working"),
                                          encoding="utf-8")
    working = kaohe("publicize", "--start", "2026-09-29", cwd=published)
    assert working.exit_code == 0, working.output
    cells = [c for row in openpyxl.load_workbook(sheet)["公示"].iter_rows(values_only=True) for c in row if c]
    assert any(str(c).startswith("公示期：2026-09-29至2026-10-13（共7个工作日）") for c in cells)


def test_remind__half_year_names_the_departments_that_filed_no_report(office, tmp_path):
    y26 = office / "2026考核"
    (tmp_path / "r.docx").write_bytes(b"PK\x03\x04not a template")
    eml(y26 / "收件箱" / "h.eml", [("2026年上半年工作报告.docx", (tmp_path / "r.docx").read_bytes())],
        sender="b01@example.gov.cn")
    assert kaohe("intake", cwd=y26).exit_code == 0
    done = runner.invoke(app, ["remind", "--before", "2026-07-15", "--half-year", "--year-dir", str(y26)],
                         env={"KAOHE_MAIL_FROM": "khb@example.gov.cn"})
    assert done.exit_code == 0, done.output
    previews = sorted((y26 / "发件箱（预览）").glob("催报_*.eml"))
    recipients = sorted(email_to(p) for p in previews)
    assert recipients == [f"b{i:02d}@example.gov.cn" for i in range(2, 9)]  # B01 filed its report
    assert all("1. 半年工作报告" in body_of(p) for p in previews)


def email_to(path: Path) -> str:
    from email import message_from_bytes, policy

    return str(message_from_bytes(path.read_bytes(), policy=policy.default)["To"])


def body_of(path: Path) -> str:
    from email import message_from_bytes, policy

    return message_from_bytes(path.read_bytes(), policy=policy.default).get_body().get_content()


def test_template__in_a_year_folder_builds_no_second_master(office):
    """Issue 23 (rough edges: "a clerk must guess which file is the master"): the README's
    `kaohe template 模板` in a year folder builds every template but the master, which init
    made as 考核汇总.xlsx; asked for by --kind master, one is built (to compare, say)."""
    y26 = office / "2026考核"
    done = kaohe("template", "模板", cwd=y26)
    assert done.exit_code == 0, done.output
    built = [p.name for p in (y26 / "模板").rglob("*.xlsx")]
    assert built and not [n for n in built if "考核汇总" in n], built
    assert [p.name for p in y26.glob("*.xlsx")] == ["考核汇总.xlsx"]
    assert any("附表1" in n for n in built) and any("工作人员考核名册" in n for n in built)
    asked = kaohe("template", "对照", "--kind", "master", cwd=y26)
    assert asked.exit_code == 0 and [p.name for p in (y26 / "对照").rglob("*.xlsx")] == ["2026_KHB_考核汇总工作簿.xlsx"]
