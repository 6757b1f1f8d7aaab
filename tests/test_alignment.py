"""A scheme edited after init (issue 22, item 3): the master's input columns follow the
folder's scheme, values kept, atomically and with a backup, and recompute gives totals
worked by hand."""

from __future__ import annotations

import io
import os
import re
import signal
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from addin.cli import app
from addin.hosts import FileHost
from addin.intake.extract import Update
from addin.intake.master import apply_updates
from addin.macro import recompute
from addin.scheme.columns import SOURCES_SHEET, column_sources
from addin.scheme.loader import load_municipal
from addin.workbook.alignment import Change, align_data, align_master, plan_sheet, removed_sheet_name
from addin.workbook.patch import replace_parts
from addin.workbook.worksheet import SharedStrings, SheetError, Worksheet

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]

UNITS = ("单位编码,单位名称,类别,分口,报送邮箱\n" + "".join(f"B0{i},部门{i},部门,综合口,b0{i}@example.gov.cn\n" for i in (1, 2, 3))
         + "Q1,区一,区市,,\n")
STAFF = "人员编码,姓名,单位编码,层级,主要负责人\nP1,张三,B01,科级及以下,否\nP2,李四,Q1,县级,是\n"
CULTURE = "    - {name: 精神文明建设, points: 5, scored_by: 市委宣传部, table: 附表3}"
INVESTMENT = "    - {name: 招商引资, points: 5, scored_by: 市招商局, table: 附表4, alternatives: [附表4B]}"


def edited(text: str, *edits: tuple[str, str]) -> str:
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


RENAME = (CULTURE, "    - {name: 文明创建, points: 5, scored_by: 市委宣传部, table: 附表3}")
SWAP = (INVESTMENT, "    - {name: 营商环境, points: 5, scored_by: 市营商环境局}")  # 招商引资 out, 营商环境 in
VERSION = ('version: "2026.1"', 'version: "2026.2"')


@pytest.fixture
def year(tmp_path, monkeypatch) -> Path:
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "staff.csv").write_text(STAFF, encoding="utf-8")
    folder = tmp_path / "2026考核"
    done = runner.invoke(app, ["init", str(folder), "--year", "2026", "--roster", str(tmp_path / "units.csv"),
                               "--staff", str(tmp_path / "staff.csv")])
    assert done.exit_code == 0, done.output
    monkeypatch.chdir(folder)
    return folder


def edit_scheme(folder: Path, *edits: tuple[str, str]):
    path = folder / "考核方案.yaml"
    path.write_text(edited(path.read_text(encoding="utf-8"), *edits), encoding="utf-8")
    return load_municipal(path)


def rows(master: Path, sheet: str) -> dict[str, tuple]:
    """The sheet's rows by their first cell (the header row under its first header)."""
    return {r[0]: r for r in openpyxl.load_workbook(master)[sheet].iter_rows(values_only=True) if r[0] is not None}


def value(master: Path, sheet: str, code: str, header: str):
    table = rows(master, sheet)
    head = list(table["单位编码"] if "单位编码" in table else table["人员编码"])
    assert header in head, f"{sheet}: no column {header} in {head}"
    return table[code][head.index(header)]


FILLED = {
    "B01": {"业务目标": 61, "党的建设": 9, "党风廉政建设": 9, "精神文明建设": 4, "招商引资": 4.5, "通报批评次数": 0},
    "B02": {"业务目标": 62, "党的建设": 8, "党风廉政建设": 10, "精神文明建设": 5, "招商引资": 3, "通报批评次数": 1},
    "B03": {"业务目标": 63, "党的建设": 9.5, "党风廉政建设": 9.5, "精神文明建设": 4.5, "招商引资": 5, "通报批评次数": 0},
}


def fill_year(master: Path) -> None:
    apply_updates(master, [Update("部门", "单位编码", code, values) for code, values in FILLED.items()] + [
        Update("区市", "单位编码", "Q1", {"经济目标": 40, "社会目标": 15, "党的建设": 9, "党风廉政建设": 9, "思想政治工作": 4,
                                          "招商引资": 4, "通报批评次数": 0}),
        *[Update("人员", "人员编码", code, {"民主测评": 25, "业务目标": 80, "公共目标": 9, "投诉或违纪": "否", "情节严重": "否"})
          for code in ("P1", "P2")]])


def ranked(master: Path, sheet: str = "部门排名") -> dict[str, float]:
    table = rows(master, sheet)
    head = list(table["单位编码"])
    return {code: r[head.index("综合得分")] for code, r in table.items() if code != "单位编码"}


# --- the year, end to end -------------------------------------------------------------


def test_align_master__rename_add_remove_keep_values_and_recompute_gives_hand_worked_totals(year):
    master = year / "考核汇总.xlsx"
    built = runner.invoke(app, ["template", "模板", "--kind", "appendix", "--unit", "B01"])
    assert built.exit_code == 0, built.output
    old_template = next(Path("模板").rglob("*B01_附表3*.xlsx"))
    fill_year(master)
    scheme = edit_scheme(year, RENAME, SWAP, VERSION)
    refused = recompute(FileHost(master), scheme)  # the bug of the issue: the old columns stop recompute
    assert not refused.ok and any("文明创建" in p.message for p in refused.problems)
    before = master.read_bytes()

    changes = align_master(master, scheme)

    assert [(c.kind, c.sheet, c.old, c.new, c.column) for c in changes[1:]] == [
        ("removed", "部门", "招商引资", None, "H"),
        ("renamed", "部门", "精神文明建设", "文明创建", "G"),
        ("added", "部门", None, "营商环境", "H"),  # in the column the removal cleared
    ]
    assert changes[0].kind == "backup" and (year / changes[0].new).read_bytes() == before
    assert changes[1].kept_in == "已删除_部门_招商引资"
    head = list(rows(master, "部门")["单位编码"])
    assert head == ["单位编码", "单位名称", "分口", "业务目标", "党的建设", "党风廉政建设", "文明创建", "营商环境",
                    "通报批评次数", "一票否决", "弄虚作假", "上年综合得分", "报送邮箱"]
    assert [value(master, "部门", c, "文明创建") for c in ("B01", "B02", "B03")] == [4, 5, 4.5]  # renamed: kept
    assert [value(master, "部门", c, "营商环境") for c in ("B01", "B02", "B03")] == [None, None, None]  # new: blank
    kept = rows(master, "已删除_部门_招商引资")  # removed: its values, each with its unit
    assert [kept[c][:3] for c in ("单位编码", "B01", "B02", "B03")] == [
        ("单位编码", "单位名称", "招商引资"), ("B01", "部门1", 4.5), ("B02", "部门2", 3), ("B03", "部门3", 5)]
    assert list(rows(master, "区市")["单位编码"][2:8]) == ["经济目标", "社会目标", "党的建设", "党风廉政建设",
                                                        "思想政治工作", "招商引资"]  # the districts' own: untouched

    apply_updates(master, [Update("部门", "单位编码", c, {"营商环境": v}) for c, v in
                           (("B01", 3.5), ("B02", 2), ("B03", 5))])
    done = recompute(FileHost(master), scheme)
    assert done.ok, [p.message for p in done.problems]
    # B01 61 + 9 + 9 + 4 + 3.5 = 86.5; B02 62 + 8 + 10 + 5 + 2 − 5 (one criticism) = 82;
    # B03 63 + 9.5 + 9.5 + 4.5 + 5 = 91.5; Q1 40 + 15 + 9 + 9 + 4 + 4 = 81
    assert ranked(master) == {"B01": 86.5, "B02": 82, "B03": 91.5}
    assert ranked(master, "区市排名") == {"Q1": 81}

    # a template sent under the old scheme is still refused, both versions named
    (Path("收件箱") / "old.xlsx").write_bytes(old_template.read_bytes())
    taken = runner.invoke(app, ["intake", "收件箱", "--master", "考核汇总.xlsx"], env={"COLUMNS": "200"})
    assert "[退回] old.xlsx" in taken.output and "2026.1" in taken.output and "2026.2" in taken.output
    assert align_master(master, scheme) == []


def test_align_master__nothing_differs_leaves_the_file_as_it_was_and_makes_no_copy(year):
    master = year / "考核汇总.xlsx"
    fill_year(master)
    scheme = edit_scheme(year, ('quota: {rate: 10%, minimum: 0}', 'quota: {rate: 12%, minimum: 0}'))
    before, stamp = master.read_bytes(), master.stat().st_mtime_ns
    listing = sorted(p.name for p in year.iterdir())
    assert align_master(master, scheme) == []
    assert master.read_bytes() == before and master.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in year.iterdir()) == listing


def test_align_master__a_second_removal_of_the_same_name_gets_its_own_sheet(year):
    master = year / "考核汇总.xlsx"
    fill_year(master)
    text = (year / "考核方案.yaml").read_text(encoding="utf-8")
    edit_scheme(year, SWAP)
    first = align_master(master, load_municipal(year / "考核方案.yaml"))
    assert [c.kept_in for c in first if c.kind == "removed"] == ["已删除_部门_招商引资"]
    (year / "考核方案.yaml").write_text(text, encoding="utf-8")  # 招商引资 back (blank), 营商环境 out
    back = align_master(master, load_municipal(year / "考核方案.yaml"))
    assert [(c.kind, c.old or c.new) for c in back[1:]] == [("removed", "营商环境"), ("added", "招商引资")]
    assert [c.kept_in for c in back if c.kind == "removed"] == [None]  # 营商环境 held nothing
    apply_updates(master, [Update("部门", "单位编码", "B02", {"招商引资": 2.5})])
    edit_scheme(year, SWAP)
    again = align_master(master, load_municipal(year / "考核方案.yaml"))
    assert [c.kept_in for c in again if c.kind == "removed"] == ["已删除_部门_招商引资_2"]
    wb = openpyxl.load_workbook(master)
    assert [r for r in wb["已删除_部门_招商引资_2"].iter_rows(min_row=2, max_col=3, values_only=True)] == [
        ("B02", "部门2", 2.5)]
    assert wb["已删除_部门_招商引资"]["C2"].value == 4.5  # the first one's values stay as they were


def test_align_master__a_relabelled_innovation_bonus_is_a_rename(year):
    master = year / "考核汇总.xlsx"
    fill_year(master)
    wb = openpyxl.load_workbook(master)
    wb["加分登记"].append(["B01", "一网通办", "业务部门", "省"])  # a business department, provincial level: 6
    wb.save(master)
    scheme = edit_scheme(year, ("    row_label: 认定单位类别", "    row_label: 认定机关"))
    changes = align_master(master, scheme)
    assert [(c.kind, c.sheet, c.old, c.new) for c in changes[1:]] == [("renamed", "加分登记", "认定单位类别", "认定机关")]
    assert rows(master, "加分登记")["B01"] == ("B01", "一网通办", "业务部门", "省")
    apply_updates(master, [Update("部门", "单位编码", c, {"招商引资": 4}) for c in FILLED])
    done = recompute(FileHost(master), scheme)
    assert done.ok, [p.message for p in done.problems]
    # B01 61 + 9 + 9 + 4 + 4 + 6 (bonus) = 93
    assert ranked(master)["B01"] == 93


def test_align_master__messages_name_the_sheet_the_column_and_where_values_went(year):
    master = year / "考核汇总.xlsx"
    fill_year(master)
    changes = align_master(master, edit_scheme(year, RENAME, SWAP))
    messages = [c.message for c in changes]
    assert messages[0].startswith("汇总工作簿按考核方案调整前的副本已保存为 考核汇总.调整列前.")
    assert messages[1] == ("部门表：列“招商引资”已不是考核方案的项目，其数据已移到工作表“已删除_部门_招商引资”，原列已清空（H列） "
                           "[sheet 部门: column 招商引资 is no longer a scheme item: its values were moved to sheet "
                           "已删除_部门_招商引资 and the column cleared]")
    assert messages[2] == "部门表：列“精神文明建设”已改名为“文明创建”（G列），原有数据保留 [sheet 部门: column 精神文明建设 " \
                          "renamed to 文明创建, values kept]"
    assert messages[3].startswith("部门表：新增空白列“营商环境”（H列）") and "[sheet 部门: blank column 营商环境 added" in \
        messages[3]


def test_align_master__only_the_edited_sheets_change_in_the_zip(year):
    master = year / "考核汇总.xlsx"
    fill_year(master)
    before = raw_members(master.read_bytes())
    align_master(master, edit_scheme(year, RENAME))
    after = raw_members(master.read_bytes())
    book = openpyxl.load_workbook(master)
    path = {ws.title: f"xl/worksheets/sheet{i}.xml" for i, ws in enumerate(book.worksheets, start=1)}
    changed = {name for name in before if before[name] != after.get(name)}
    # the staff table and the others keep their compressed bytes; styles gain the record's header style
    assert changed == {path["部门"], path[SOURCES_SHEET], "xl/styles.xml"}


def raw_members(data: bytes) -> dict[str, bytes]:
    """Each zip member's compressed bytes, read at its local header (PKWARE APPNOTE 4.3.7)."""
    out = {}
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
        start = info.header_offset + 30 + name_length + extra_length
        out[info.filename] = data[start:start + info.compress_size]
    return out


def test_align_master__the_record_sheet_is_very_hidden_and_protected(year):
    master = year / "考核汇总.xlsx"
    for when in ("built", "aligned"):
        wb = openpyxl.load_workbook(master)
        record = wb[SOURCES_SHEET]
        assert (when, record.sheet_state, record.protection.sheet) == (when, "veryHidden", True)
        scheme = load_municipal(year / "考核方案.yaml")
        assert [r for r in record.iter_rows(min_row=2, values_only=True)] == [tuple(s) for s in column_sources(scheme)]
        if when == "built":
            align_master(master, edit_scheme(year, RENAME, SWAP))


def test_align_master__killed_before_the_replace_leaves_the_old_master(year):
    master = year / "考核汇总.xlsx"
    fill_year(master)
    edit_scheme(year, RENAME)
    before = master.read_bytes()
    marker = year / "holding"
    code = ("import sys; from pathlib import Path; from addin.scheme.loader import load_municipal; "
            "from addin.workbook.alignment import align_master; "
            "align_master(Path(sys.argv[1]), load_municipal(Path(sys.argv[2])))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(master), str(year / "考核方案.yaml")], cwd=ROOT,
                            env={**os.environ, "KAOHE_HOLD_BEFORE_REPLACE": str(marker)})
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "align_master never reached the replace"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert master.read_bytes() == before
    copies = list(year.glob("考核汇总.调整列前.*.xlsx"))
    assert len(copies) == 1 and copies[0].read_bytes() == before  # the copy is made before the replace


def test_align_master__a_table_of_the_office_keeps_its_column_names_equal_to_its_headers(year):
    """The office made 部门 an Excel table (Ctrl+T). A table column's name "shall be
    displayed in the header row" (ECMA-376 Part 1, §18.5.1.3 tableColumn), so it follows
    the rename, and a cleared column in the table gets a name as Excel gives a blank header."""
    from openpyxl.worksheet.table import Table

    master = year / "考核汇总.xlsx"
    fill_year(master)
    wb = openpyxl.load_workbook(master)
    wb["部门"].add_table(Table(displayName="部门表", ref="A1:M4"))
    wb.save(master)
    align_master(master, edit_scheme(year, RENAME, SWAP))
    ws = openpyxl.load_workbook(master)["部门"]
    header = [c.value for c in ws[1]]
    assert header[:14] == ["单位编码", "单位名称", "分口", "业务目标", "党的建设", "党风廉政建设", "文明创建", "列H",
                           "通报批评次数", "一票否决", "弄虚作假", "上年综合得分", "报送邮箱", "营商环境"]
    assert [c.name for c in ws.tables["部门表"].tableColumns] == header[:13]
    assert ws["H2"].value is None and ws["N2"].value is None and ws["G2"].value == 4


# --- masters built before the record was kept -----------------------------------------


def without_record(master: Path, scheme_hash: str | None = None) -> None:
    """The master as kaohe built it before the column record: no record sheet (and, when
    given, another scheme hash in its metadata)."""
    data = master.read_bytes()
    z = zipfile.ZipFile(io.BytesIO(data))
    workbook = z.read("xl/workbook.xml").decode("utf-8")
    m = re.search(rf'<sheet [^>]*name="{SOURCES_SHEET}"[^>]*r:id="(\w+)"[^>]*/>', workbook)
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    rel = re.search(rf'<Relationship [^>]*Id="{m.group(1)}"[^>]*/>', rels).group(0)
    target = re.search(r'Target="/?(?:xl/)?([^"]+)"', rel).group(1)
    changes: dict[str, bytes | None] = {
        "xl/workbook.xml": workbook.replace(m.group(0), "").encode("utf-8"),
        "xl/_rels/workbook.xml.rels": rels.replace(rel, "").encode("utf-8"),
        "[Content_Types].xml": re.sub(rf'<Override [^>]*PartName="/xl/{target}"[^>]*/>', "",
                                      z.read("[Content_Types].xml").decode("utf-8")).encode("utf-8"),
        f"xl/{target}": None}
    assert all(changes[k] != z.read(k) for k in changes if changes[k] is not None)
    if scheme_hash is not None:
        wb = openpyxl.load_workbook(io.BytesIO(replace_parts(data, changes)))
        meta = wb["_kaohe"]
        row = next(r for r in meta.iter_rows() if r[0].value == "scheme_hash")
        row[1].value = scheme_hash
        wb.save(master)
        return
    master.write_bytes(replace_parts(data, changes))


def test_align_master__an_old_master_built_from_the_shipped_scheme_knows_its_renames(year):
    master = year / "考核汇总.xlsx"
    fill_year(master)
    without_record(master)
    assert SOURCES_SHEET not in openpyxl.load_workbook(master).sheetnames
    changes = align_master(master, edit_scheme(year, RENAME))
    assert [(c.kind, c.old, c.new) for c in changes[1:]] == [("renamed", "精神文明建设", "文明创建")]
    assert value(master, "部门", "B01", "文明创建") == 4
    assert openpyxl.load_workbook(master)[SOURCES_SHEET].sheet_state == "veryHidden"


def test_align_master__an_old_master_of_an_unknown_scheme_moves_what_it_cannot_place(year):
    master = year / "考核汇总.xlsx"
    fill_year(master)
    without_record(master, scheme_hash="0" * 64)
    changes = align_master(master, edit_scheme(year, RENAME, SWAP))
    # by name only: 精神文明建设 and 招商引资 match nothing of the scheme, so both move out
    assert [(c.kind, c.old or c.new, c.column) for c in changes[1:]] == [
        ("removed", "精神文明建设", "G"), ("removed", "招商引资", "H"), ("added", "文明创建", "G"),
        ("added", "营商环境", "H")]
    assert [rows(master, "已删除_部门_精神文明建设")[c][2] for c in FILLED] == [4, 5, 4.5]
    assert value(master, "部门", "B01", "报送邮箱") == "b01@example.gov.cn"  # the clerk's columns stay
    assert align_master(master, load_municipal(year / "考核方案.yaml")) == []  # recorded now


def test_align_master__an_old_master_that_matches_gets_its_record_once(year):
    master = year / "考核汇总.xlsx"
    without_record(master)
    changes = align_master(master, load_municipal(year / "考核方案.yaml"))
    assert [c.kind for c in changes] == ["backup", "recorded"]
    assert "已记录各输入列对应的考核方案项目" in changes[1].message
    assert align_master(master, load_municipal(year / "考核方案.yaml")) == []


# --- files as other programs save them ------------------------------------------------


def test_align_master__a_master_saved_by_libreoffice_with_a_formula_of_the_office(year):
    """LibreOffice re-saves the master (its own XML: shared strings, its styles); the office
    adds a formula column 公共合计 = E + F + G + H. After the change the formula still
    sums the same cells (no cell moved) and LibreOffice reads the aligned file."""
    from office import libreoffice

    master = year / "考核汇总.xlsx"
    fill_year(master)
    wb = openpyxl.load_workbook(master)
    ws = wb["部门"]
    ws["N1"] = "公共合计"
    for r in range(2, 5):
        ws[f"N{r}"] = f"=E{r}+F{r}+G{r}+H{r}"
    wb.save(master)
    saved = year / "lo.xlsx"
    libreoffice([{"src": str(master), "out": str(saved)}])
    data = saved.read_bytes()
    assert b"sharedStrings" in data
    aligned = align_data(data, edit_scheme(year, RENAME, SWAP))
    assert aligned is not None
    out = year / "aligned.xlsx"
    out.write_bytes(aligned[0])
    # B01: 9 + 9 + 4 + (招商引资 moved out, 营商环境 blank) 0 = 22 after; 26.5 before
    read = libreoffice([{"src": str(out), "cases": [
        {"sheet": "部门", "set": [], "read": ["G1", "H1", "G2", "H2", "N2"]},
        {"sheet": "已删除_部门_招商引资", "set": [], "read": ["A1", "C1", "A2", "B2", "C2"]}]}])[0]["cases"]
    assert read == [["文明创建", "营商环境", 4, "", 22], ["单位编码", "招商引资", "B01", "部门1", 4.5]]


def test_align_data__a_formula_cleared_drops_the_calculation_chain(year):
    """招商引资 of B01 is a formula with its cached value 4.5, and Excel's calculation chain
    lists it (ECMA-376 Part 1, §18.6): the chain goes with the formula."""
    from ooxml import _edit, calc_chain, rewrite

    master = year / "考核汇总.xlsx"
    fill_year(master)
    index = openpyxl.load_workbook(master).sheetnames.index("部门") + 1  # openpyxl saves sheet N as sheetN.xml

    def formula(parts):
        name = f"xl/worksheets/sheet{index}.xml"
        _edit(parts, name, lambda t: re.sub(r'<c r="H2"([^>]*?) t="n"><v>4.5</v></c>', r'<c r="H2"\1><f>2+2.5</f><v>4.5</v></c>',
                                            t))
        assert "<f>2+2.5</f>" in parts[name].decode("utf-8")

    data = rewrite(master.read_bytes(), formula, calc_chain)
    assert b'<c r="H2" i="' in zipfile.ZipFile(io.BytesIO(data)).read("xl/calcChain.xml")
    new, _changes = align_data(data, edit_scheme(year, SWAP))
    z = zipfile.ZipFile(io.BytesIO(new))
    assert "xl/calcChain.xml" not in z.namelist()
    assert b"calcChain" not in z.read("xl/_rels/workbook.xml.rels") + z.read("[Content_Types].xml")
    assert rows_of(new, "已删除_部门_招商引资")[1][:3] == ("B01", "部门1", 4.5)  # the formula's cached value


def rows_of(data: bytes, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(data))[sheet].iter_rows(values_only=True))


# --- the plan -------------------------------------------------------------------------

HEADERS = {"单位编码": 1, "单位名称": 2, "业务目标": 3, "甲": 4, "乙": 5, "通报批评次数": 6}
RECORD = [("业务目标", "name:业务目标"), ("甲", "table:T1"), ("乙", "name:乙")]
REQUIRED = ["单位编码", "单位名称", "通报批评次数"]


def test_plan_sheet__a_part_on_the_same_table_is_renamed_in_place():
    plan = plan_sheet(HEADERS, RECORD, [("业务目标", "name:业务目标"), ("丙", "table:T1"), ("乙", "name:乙")], REQUIRED)
    assert (plan.renames, plan.added, plan.removed) == ({4: "丙"}, [], [])


def test_plan_sheet__a_part_without_a_table_renamed_is_removed_and_added():
    plan = plan_sheet(HEADERS, RECORD, [("业务目标", "name:业务目标"), ("甲", "table:T1"), ("丁", "name:丁")], REQUIRED)
    assert (plan.renames, plan.added, plan.removed) == ({}, ["丁"], [5])


def test_plan_sheet__two_parts_that_swap_names_swap_headers():
    plan = plan_sheet({**HEADERS, "乙": 5}, [("甲", "table:T1"), ("乙", "table:T2")],
                      [("乙", "table:T1"), ("甲", "table:T2")], REQUIRED)
    assert (plan.renames, plan.added, plan.removed) == ({4: "乙", 5: "甲"}, [], [])


def test_plan_sheet__a_column_of_the_office_named_as_a_renamed_part_moves_out():
    plan = plan_sheet({**HEADERS, "丙": 9}, RECORD, [("业务目标", "name:业务目标"), ("丙", "table:T1"), ("乙", "name:乙")],
                      REQUIRED)
    assert (plan.renames, plan.added, plan.removed) == ({4: "丙"}, [], [9])


def test_plan_sheet__a_column_the_scheme_now_asks_for_is_added():
    plan = plan_sheet(HEADERS, RECORD, RECORD, [*REQUIRED, "分口"])
    assert (plan.renames, plan.added, plan.removed) == ({}, ["分口"], [])


def test_plan_sheet__a_recorded_column_the_office_deleted_is_added_again_blank():
    plan = plan_sheet({h: c for h, c in HEADERS.items() if h != "甲"}, RECORD, RECORD, REQUIRED)
    assert (plan.renames, plan.added, plan.removed) == ({}, ["甲"], [])


names = st.sampled_from(["甲", "乙", "丙", "丁", "戊", "己"])
keys = st.sampled_from(["table:T1", "table:T2", "table:T3", "name:甲", "name:乙", "name:丙"])


@settings(max_examples=300, deadline=None)
@given(st.lists(names, unique=True, max_size=5), st.lists(st.tuples(names, keys), max_size=5),
       st.lists(st.tuples(names, keys), unique_by=(lambda s: s[0], lambda s: s[1]), max_size=5),
       st.sets(st.integers(3, 9)))
def test_plan_sheet__no_column_is_lost_and_the_headers_are_the_schemes(present, recorded, sources, loose):
    """Whatever the record and the scheme: every recorded or loose column ends up a part's
    column or moved out (never both, never left under a stale header); the headers after
    hold the scheme's, once each; planning again on the result changes nothing."""
    headers = {"单位编码": 1, "单位名称": 2, **{h: 3 + i for i, h in enumerate(present)}}
    loose = {c for c in loose if c in headers.values() and c > 2}
    plan = plan_sheet(headers, recorded, sources, ["单位编码", "单位名称"], loose)
    kept = {c: plan.renames.get(c, h) for h, c in headers.items() if c not in plan.removed}
    wanted = {h for h, _k in sources}
    mapped = {headers[h] for h, _k in recorded if h in headers} | loose
    assert all(c in plan.removed or kept[c] in wanted for c in mapped)  # a part's column, or moved out
    assert not set(plan.removed) & set(plan.renames) and set(plan.renames.values()) <= wanted
    after = list(kept.values()) + plan.added
    assert len(after) == len(set(after))
    assert {h for h, _k in sources} | {"单位编码", "单位名称"} <= set(after)
    aligned = {h: c for c, h in kept.items()} | {h: 20 + i for i, h in enumerate(plan.added)}
    again = plan_sheet(aligned, sources, sources, ["单位编码", "单位名称"])
    assert (again.renames, again.added, again.removed) == ({}, [], [])  # aligned once is aligned


# --- sheet names, cells, parts --------------------------------------------------------


def test_removed_sheet_name__cut_to_31_characters_unique_and_allowed():
    assert removed_sheet_name("部门", "精神文明建设", set()) == "已删除_部门_精神文明建设"
    long = removed_sheet_name("部门", "一" * 40, set())
    assert len(long) == 31 and long == "已删除_部门_" + "一" * 24
    assert removed_sheet_name("部门", "一" * 40, {long.casefold()}) == "已删除_部门_" + "一" * 22 + "_2"
    assert removed_sheet_name("区市", "a/b:c?", {"已删除_区市_a_b_c_"}) == "已删除_区市_a_b_c__2"


SHEET = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<x:worksheet xmlns:x="http://schemas.openxmlformats.'
         'org/spreadsheetml/2006/main"><x:dimension ref="A1:C3"/><x:sheetData>'
         '<x:row r="1" spans="1:3"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c t="inlineStr"><x:is><x:r><x:t>乙</x:t></x:r>'
         '<x:rPh sb="0" eb="1"><x:t>yi</x:t></x:rPh><x:r><x:t xml:space="preserve">_x000D_甲</x:t></x:r></x:is></x:c>'
         '<x:c r="C1" s="2" t="s"><x:v>1</x:v></x:c></x:row>'
         '<x:row><x:c r="A2" t="s"><x:v>2</x:v></x:c><x:c r="B2"><x:v>4.5</x:v></x:c>'
         '<x:c r="C2" s="1"><x:f>B2*2</x:f><x:v>9</x:v></x:c></x:row>'
         '<x:row r="3"><x:c r="B3" t="b"><x:v>1</x:v></x:c><x:c r="C3" t="e"><x:v>#N/A</x:v></x:c></x:row>'
         '</x:sheetData></x:worksheet>')


def strings(*items: str) -> SharedStrings:
    """A shared-string table as Excel writes one (§18.4.9), the last entry rich text
    with a phonetic run."""
    entries = "".join(f"<si><t>{i}</t></si>" for i in items)
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN}" count="{len(items) + 1}" '
           f'uniqueCount="{len(items) + 1}">{entries}<si><r><rPr><b/></rPr><t>富</t></r><r><t xml:space="preserve">'
           '文本_x000A_</t></r><rPh sb="0" eb="1"><t>fu</t></rPh></si></sst>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/sharedStrings.xml", xml)
    return SharedStrings(zipfile.ZipFile(io.BytesIO(buffer.getvalue())), "xl/sharedStrings.xml")


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def test_shared_strings__rich_text_and_phonetic_runs_as_excel_reads_them():
    table = strings("甲", "乙")
    assert (table[2], table[0], table[1]) == ("富文本\n", "甲", "乙")
    with pytest.raises(SheetError, match="共享字符串表没有第 3 项"):
        table[3]


def test_worksheet__reads_cells_as_excel_writes_them():
    ws = Worksheet.parse(SHEET.encode())
    s = strings("单位编码", "丙", "B01")
    assert ws.texts(1, s) == {1: "单位编码", 2: "乙\r甲", 3: "丙"}  # phonetic run left out, _x000D_ decoded
    assert [ws.value(ws.cell(2, c), s) for c in (1, 2, 3)] == ["B01", 4.5, 9]  # row 2 has no r: it follows row 1
    assert [ws.value(ws.cell(3, c), s) for c in (2, 3)] == [True, "#N/A"]
    assert ws.column(2, 1, s) == {2: 4.5, 3: True}


def test_worksheet__set_text_and_clear_keep_styles_and_every_other_byte():
    ws = Worksheet.parse(SHEET.encode())
    ws.set_text(1, 3, "<新>&", "2")
    ws.set_text(1, 5, "=HYPERLINK(1)", "2")
    ws.new_columns[5] = 12
    ws.clear_column(3, 2)
    text = ws.text()
    assert ('<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c>' in text  # the stale spans hint dropped
            and '<x:c r="C1" s="2" t="inlineStr"><x:is><x:t xml:space="preserve">&lt;新&gt;&amp;</x:t></x:is></x:c>'
            in text)
    assert '<x:c r="E1" s="2" t="inlineStr"><x:is><x:t xml:space="preserve">=HYPERLINK(1)</x:t></x:is></x:c>' in text
    assert '<x:c r="C2" s="1"/>' in text and '<x:c r="C3"/>' in text and ws.formulas_removed
    assert '<x:dimension ref="A1:E3"/>' in text and '<x:cols><x:col min="5" max="5" width="12" customWidth="1"/>' \
        '</x:cols><x:sheetData>' in text
    assert text.split("<x:sheetData>")[0].startswith(SHEET.split("<x:dimension")[0])
    again = Worksheet.parse(text.encode())
    assert again.texts(1, strings("单位编码")) == {1: "单位编码", 2: "乙\r甲", 3: "<新>&", 5: "=HYPERLINK(1)"}
    assert again.cell(1, 5).attrs["t"] == "inlineStr"  # text stays text


def test_worksheet__set_text_makes_a_missing_row_in_its_place():
    ws = Worksheet.parse(SHEET.replace('<x:row r="3">', '<x:row r="4">').replace('r="B3"', 'r="B4"')
                         .replace('r="C3"', 'r="C4"').encode())
    ws.set_text(3, 2, "中", None)
    ws.set_text(6, 1, "后", None)
    text = ws.text()
    middle = '<x:row r="3"><x:c r="B3" t="inlineStr"><x:is><x:t xml:space="preserve">中</x:t></x:is></x:c></x:row>'
    last = '<x:row r="6"><x:c r="A6" t="inlineStr"><x:is><x:t xml:space="preserve">后</x:t></x:is></x:c></x:row>'
    assert text.index("<x:v>9</x:v>") < text.index(middle) < text.index('<x:row r="4">') < text.index(last) \
        < text.index("</x:sheetData>")


def test_worksheet__a_shared_formula_reaching_other_columns_is_not_cleared():
    shared = SHEET.replace("<x:f>B2*2</x:f>", '<x:f t="shared" ref="C2:D2" si="0">B2*2</x:f>')
    ws = Worksheet.parse(shared.encode())
    with pytest.raises(SheetError, match=r"单元格 C2 的公式（shared）同时用于其他列（C2:D2）"):
        ws.clear_column(3, 1)


def test_worksheet__an_unchanged_sheet_is_given_back_byte_for_byte():
    assert Worksheet.parse(SHEET.encode()).text() == SHEET


def test_replace_parts__copies_untouched_members_as_they_were():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.xml", "<a>" + "x" * 5000 + "</a>")
        z.writestr("b.xml", "<b/>")
        z.writestr("c.xml", "<c/>")
    data = buffer.getvalue()
    out = replace_parts(data, {"b.xml": b"<b>new</b>", "c.xml": None, "d.xml": b"<d/>"})
    z = zipfile.ZipFile(io.BytesIO(out))
    assert z.namelist() == ["a.xml", "b.xml", "d.xml"] and z.read("b.xml") == b"<b>new</b>"
    assert raw_members(out)["a.xml"] == raw_members(data)["a.xml"]


def test_change__every_kind_has_a_chinese_and_english_message():
    for change in (Change("renamed", "部门", "甲", "乙", "G"), Change("added", "区市", new="丙", column="K"),
                   Change("removed", "部门", "丁", column="H", kept_in="已删除_部门_丁"),
                   Change("removed", "部门", "丁", column="H"), Change("recorded", SOURCES_SHEET),
                   Change("backup", "", new="考核汇总.调整列前.x.xlsx")):
        assert re.search(r"[\u4e00-\u9fff].*\[[a-z].*\]$", change.message), change.message


def test_column_sources__parts_by_table_or_by_name_and_the_bonus_labels(municipal):
    got = column_sources(municipal)
    assert got[:5] == [("部门", "业务目标", "name:业务目标"), ("部门", "党的建设", "table:附表2"),
                       ("部门", "党风廉政建设", "table:附表1"), ("部门", "精神文明建设", "table:附表3"),
                       ("部门", "招商引资", "table:附表4")]
    assert got[5:] == [("区市", "经济目标", "table:附表5"), ("区市", "社会目标", "table:附表6"),
                       ("区市", "党的建设", "table:附表7"), ("区市", "党风廉政建设", "table:附表1"),
                       ("区市", "思想政治工作", "table:附表8"), ("区市", "招商引资", "table:附表9"),
                       ("加分登记", "认定单位类别", "bonus:row"), ("加分登记", "级别", "bonus:column")]
