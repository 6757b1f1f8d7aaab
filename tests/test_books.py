"""The responsibility books of the districts and of the staff (issue 24, deliver 6).

Seed lines they implement:
- "区(市)工作目标由上一级有关部门提出,市考核办公室汇总,与区(市)对接后,报市委、市政府审定,
  市委、市政府与区(市)党委、政府签订责任书。"
- "业务目标90分,公共目标10分(包括自身建设、依法行政、党风廉政建设及效能服务等)……各级工作人员
  工作目标报其主管领导审定后,通过层层签订责任书,正式下达,并实行政务公开。"

Expected contents are copied by hand from the shipped scheme (addin/scheme/files/municipal.yaml)
and summed by hand in the comments; the books are read back with openpyxl, computed and printed
by a real LibreOffice.
"""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import yaml
from hypothesis import given, strategies as st
from typer.testing import CliRunner

from addin.office.roster import Roster, RosterPerson, RosterUnit
from addin.scheme.loader import _DecimalLoader, builtin_path, parse_scheme
from workbook_templates.book_layout import ONE_LINE, deadline_text, row_height, text_width
from workbook_templates.build import KIND_IDS, build_templates

ROSTER = Roster(
    units=[RosterUnit("B001", "市发展改革委", "部门", "综合口"), RosterUnit("B002", "市财政局", "部门", "综合口"),
           RosterUnit("Q01", "市中区", "区市"), RosterUnit("Q05", "滕州市", "区市")],
    people=[RosterPerson("B001-01", "张三", "B001", "县级", True), RosterPerson("B001-02", "李四", "B001", "科级及以下"),
            RosterPerson("Q01-01", "王五", "Q01", "县级", True)],
)

# 附表5 (经济目标, 50 points): 5+3+8+4+3+5+3+3+3+3+4+3+3 = 50
ECONOMIC = [("国内生产总值", 5), ("人均GDP增幅位次", 3), ("地方财政收入", 8), ("规模以上工业增加值", 4),
            ("规模以上工业利税", 3), ("全社会固定资产投资", 5), ("技术改造投资", 3), ("实际利用外资", 3), ("外贸进出口", 3),
            ("社会消费品零售总额", 3), ("民营经济税收", 4), ("在岗职工平均工资增长", 3), ("农民人均纯收入增长", 3)]
# 附表6 (社会目标, 20 points): 3+2+2+2+3+3+2+3 = 20
SOCIAL = [("教育", 3), ("科技", 2), ("文化", 2), ("卫生", 2), ("人口控制", 3), ("就业", 3), ("社会保障", 2), ("社会稳定", 3)]
# the districts' public targets (30 points): 10+10+5+5 = 30
PUBLIC = [("党的建设", 10), ("党风廉政建设", 10), ("思想政治工作", 5), ("招商引资", 5)]
# the staff's public items: 2.5 × 4 = 10
STAFF_PUBLIC = [("自身建设", 2.5), ("依法行政", 2.5), ("党风廉政建设", 2.5), ("效能服务", 2.5)]


@pytest.fixture(scope="module")
def built(tmp_path_factory, municipal, audit):
    out = tmp_path_factory.mktemp("books")
    return build_templates(out, municipal=municipal, audit=audit, roster=ROSTER, year=2026,
                           kinds=["district-book", "staff-book", "target-book"], workers=1)


def path_of(built, kind: str, unit: str) -> Path:
    found = [b.path for b in built if b.identity.template_kind == kind and b.identity.unit_code == unit]
    assert len(found) == 1, (kind, unit, found)
    return found[0]


def texts(ws) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def target_rows(ws) -> list[tuple[str, float]]:
    """(name, points) of every numbered target row (序号 in A, a name in B, points in C)."""
    return [(r[1], r[2]) for r in ws.iter_rows(values_only=True)
            if isinstance(r[0], int) and isinstance(r[1], str) and isinstance(r[2], (int, float))]


def labelled(ws, first: str) -> list:
    """The values of every row whose first cell starts with ``first``."""
    return [r for r in ws.iter_rows(values_only=True) if isinstance(r[0], str) and r[0].startswith(first)]


def named(wb, name: str):
    sheet, ref = list(wb.defined_names[name].destinations)[0]
    return wb[sheet][ref.replace("$", "")]


def column(wb, name: str) -> list:
    """The cells of a defined name over a column range, top to bottom."""
    return [row[0] for row in named(wb, name)]


# --- the district book ---------------------------------------------------------------


def test_build_templates__new_kinds_are_registered_with_their_labels():
    from addin.intake.identify import INTAKE_KINDS
    from addin.workbook.identity import KINDS

    assert {"district-book", "staff-book"} <= set(KIND_IDS)
    assert KINDS["district-book"] == "区(市)目标责任书" and KINDS["staff-book"] == "工作人员目标责任书"
    assert set(KIND_IDS) == set(KINDS)
    assert "district-book" not in INTAKE_KINDS and "staff-book" not in INTAKE_KINDS  # printed and signed only


def test_build_district_book__one_per_district_in_its_unit_folder(built):
    books = sorted(b.path.relative_to(b.path.parents[1]).as_posix() for b in built
                   if b.identity.template_kind == "district-book")
    assert books == ["Q01_市中区/2026_Q01_目标责任书.xlsx", "Q05_滕州市/2026_Q05_目标责任书.xlsx"]
    # no add-in function in either book, whatever the unit's 填报方式: recorded as ordinary formulas
    assert {b.identity.formulas for b in built if b.identity.template_kind.endswith("-book")
            and b.identity.template_kind != "target-book"} == {"native"}


def test_build_district_book__targets_and_points_as_in_the_scheme(built):
    ws = openpyxl.load_workbook(path_of(built, "district-book", "Q01"))["目标责任书"]
    assert target_rows(ws) == ECONOMIC + SOCIAL + PUBLIC, "目标责任书: the numbered rows (A:C)"
    all_text = texts(ws)
    for heading in ("一、业务目标（70分）", "（一）经济目标（50分）", "（二）社会目标（20分）", "二、公共目标（30分）"):
        assert any(t.startswith(heading) for t in all_text), heading
    assert "（一）经济目标（50分）：由市有关部门、市统计局（附表5）考核计分" in all_text
    assert [r[2] for r in labelled(ws, "小计")] == [50, 20]  # 附表5 and 附表6
    totals = labelled(ws, "目标总分")
    assert len(totals) == 1 and totals[0][0] == "目标总分（业务目标70分 + 公共目标30分）" and totals[0][2] == 100
    scored = {r[1]: r[3] for r in ws.iter_rows(values_only=True) if r[1] in dict(PUBLIC) and isinstance(r[0], int)}
    assert scored == {"党的建设": "市委组织部（附表7）", "党风廉政建设": "市纪委(监察局)（附表1）",
                      "思想政治工作": "市委宣传部（附表8）", "招商引资": "市招商局（附表9）"}


def test_build_district_book__the_year_target_of_each_indicator_is_an_input(built):
    wb = openpyxl.load_workbook(path_of(built, "district-book", "Q01"))
    ws = wb["目标责任书"]
    cells = [named(wb, f"KH_IN_target_1_{k}") for k in range(1, 14)] + \
        [named(wb, f"KH_IN_target_2_{k}") for k in range(1, 9)]
    assert [ws.cell(c.row, 2).value for c in cells] == [n for n, _ in ECONOMIC + SOCIAL]
    assert {c.column_letter for c in cells} == {"E"} and not any(c.protection.locked for c in cells)
    header = next(r for r in ws.iter_rows(values_only=True) if r[0] == "序号")
    assert header[:5] == ("序号", "目标项目", "分值", "考核标准", "年度目标")


def test_build_district_book__parties_rules_signatures_and_deadline(built):
    ws = openpyxl.load_workbook(path_of(built, "district-book", "Q01"))["目标责任书"]
    all_text = texts(ws)
    assert ws["B2"].value is None and ws["A2"].value == "2026年度市中区目标管理责任书"
    assert "甲方：市委、市政府" in all_text and "乙方：市中区委、市中区政府" in all_text
    for label in ("市委主要负责人（签字）：", "市政府主要负责人（签字）：", "市中区委主要负责人（签字）：",
                  "市中区政府主要负责人（签字）："):
        assert label in all_text, label
    rules = " ".join(t for t in all_text if t[:2] in ("三、", "四、", "五、", "六、"))
    assert "加减分因素的考核办法参照市直部门" in rules
    assert "业务部门认定的按市、省、国家分别加4、6、8分；党委政府认定的按市、省、国家分别加6、8、10分" in rules
    assert "每次在考核总分中减去5分" in rules
    assert ("年度考核得分前2名的区(市)，授予先进集体称号并奖励10万元，政府主要负责人年度考核定为优秀等次并记二等功"
            in rules)
    assert "纪检、检察、计划生育、环境保护、安全生产、社会治安综合治理等执纪执法部门一票否决及弄虚作假的，取消评选先进集体的资格" in rules
    assert "有关工作被一票否决及弄虚作假的，政府主要负责人不能定为优秀等次，不予表彰" in rules
    assert "连续2年" not in rules  # two_year_alert: false for the districts
    assert "半年和年终由市委办公室、市政府办公室进行通报" in rules
    assert "于2026年3月15日前报送市考核办公室" in rules


def test_build_district_book__a_scheme_change_shows_up_with_no_code_change(tmp_path, audit):
    """The district deadline is the districts' own field (03-31 here, the departments keep
    03-15); a renamed indicator, its points and the award quota follow the scheme."""
    data = yaml.load(builtin_path("municipal").read_text(encoding="utf-8"), Loader=_DecimalLoader)
    data["districts"]["submission_deadline"] = "03-31"
    data["districts"]["awards"]["quota"] = {"count": 3}
    social = next(t for t in data["tables"] if t["id"] == "附表6")
    social["items"][0]["name"] = "义务教育均衡发展"
    scheme = parse_scheme(data)
    built = build_templates(tmp_path, municipal=scheme, audit=audit, roster=ROSTER, year=2027,
                            kinds=["district-book", "target-book"], workers=1)
    district = " ".join(texts(openpyxl.load_workbook(path_of(built, "district-book", "Q01"))["目标责任书"]))
    department = " ".join(texts(openpyxl.load_workbook(path_of(built, "target-book", "B001"))["目标责任书"]))
    assert "于2027年3月31日前报送市考核办公室" in district and "3月15日" not in district
    assert "2027年3月15日前报送市考核办公室" in department
    assert "年度考核得分前3名的区(市)" in district
    rows = target_rows(openpyxl.load_workbook(path_of(built, "district-book", "Q01"))["目标责任书"])
    assert rows[len(ECONOMIC)] == ("义务教育均衡发展", 3)


# --- the staff book --------------------------------------------------------------------


def test_build_staff_books__one_sheet_per_person_and_one_blank_book_for_nobody(built):
    sheets = {unit: [s.title for s in openpyxl.load_workbook(path_of(built, "staff-book", unit)).worksheets
                     if s.sheet_state == "visible"] for unit in ("B001", "B002", "Q01", "Q05")}
    assert sheets == {"B001": ["B001-01", "B001-02"], "B002": ["责任书"], "Q01": ["Q01-01"], "Q05": ["责任书"]}
    assert path_of(built, "staff-book", "Q01").parent.name == "Q01_市中区"


def test_build_staff_books__the_person_from_the_roster(built):
    ws = openpyxl.load_workbook(path_of(built, "staff-book", "B001"))["B001-02"]
    assert ws["A2"].value == "2026年度机关工作人员目标管理责任书"
    info = {r[0]: r for r in ws.iter_rows(values_only=True) if r[0] in ("姓名", "单位")}
    assert info["姓名"][:4] == ("姓名", "李四", "人员编码", "B001-02")
    assert info["单位"][:4] == ("单位", "市发展改革委", "层级", "科级及以下")


def test_build_staff_books__business_rows_public_items_and_totals(built):
    wb = openpyxl.load_workbook(path_of(built, "staff-book", "B001"))
    ws = wb["B001-01"]
    all_text = texts(ws)
    assert any(t.startswith("一、业务目标（90分）") for t in all_text)
    assert any(t.startswith("二、公共目标（10分）") for t in all_text)
    assert target_rows(ws) == STAFF_PUBLIC, "B001-01: the numbered rows with points are the public items"
    assert [r[2] for r in labelled(ws, "小计")] == [10]  # 2.5 × 4
    total = labelled(ws, "目标总分")
    assert total[0][0] == "目标总分（业务目标90分 + 公共目标10分）" and total[0][2] == 100
    points = column(wb, "KH_IN_B001_01_book_points")
    assert [c.column_letter for c in points] == ["C"] * 15 and not any(c.protection.locked for c in points)
    assert [c.row for c in points] == list(range(points[0].row, points[0].row + 15))
    assert [ws.cell(c.row, 1).value for c in points] == list(range(1, 16))
    dv = next(d for d in ws.data_validations.dataValidation if points[0].coordinate in str(d.sqref))
    assert str(dv.sqref) == f"{points[0].coordinate}:{points[-1].coordinate}"  # one validation for the column
    assert dv.type == "decimal" and (float(dv.formula1), float(dv.formula2)) == (0.01, 90.0)
    for what, letter in (("item", "B"), ("standard", "D")):
        cells = column(wb, f"KH_IN_B001_01_book_{what}")
        assert [c.row for c in cells] == [c.row for c in points], what
        assert {c.column_letter for c in cells} == {letter} and not any(c.protection.locked for c in cells)


def test_build_staff_books__the_90_check_is_an_ordinary_formula_pending_until_filled(built):
    path = path_of(built, "staff-book", "B001")
    wb, cached = openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)
    first, last = (c.coordinate for c in column(wb, "KH_IN_B001_01_book_points")[::14])
    rng = f"${first[0]}${first[1:]}:${last[0]}${last[1:]}"
    total, check = named(wb, "KH_OUT_B001_01_book_points"), named(wb, "KH_OUT_B001_01_book_check")
    assert total.value == f'=IF(COUNT({rng})=0,"待填写",SUM({rng}))'
    assert check.value.startswith(f'=IF(COUNT({rng})=0,"待填写：分值合计应为90分",IF(ROUND(SUM({rng}),2)=90,')
    assert total.protection.locked and check.protection.locked
    shown = (named(cached, "KH_OUT_B001_01_book_points").value, named(cached, "KH_OUT_B001_01_book_check").value)
    assert shown == ("待填写", "待填写：分值合计应为90分")
    for formula in (total.value, check.value):  # no add-in function: any spreadsheet computes it
        assert set(re.findall(r"([A-Z_]+)\(", formula)) <= {"IF", "COUNT", "ROUND", "SUM"}, formula


def test_build_staff_books__signatures_layer_by_layer(built):
    wb = openpyxl.load_workbook(path_of(built, "staff-book", "B001"))
    head, member = texts(wb["B001-01"]), texts(wb["B001-02"])
    assert "主管领导（签字）：" in head and "单位主要负责人（签字）：" not in head  # 张三 is the unit's head
    assert "单位主要负责人（签字）：" in member and "主管领导（签字）：" not in member
    for labels in (head, member):
        assert "责任人（本人签字）：" in labels and "单位考核办公室（盖章）：" in labels
        assert any("层层签订" in t for t in labels)


def test_build_staff_books__a_blank_book_asks_for_the_person(built):
    wb = openpyxl.load_workbook(path_of(built, "staff-book", "B002"))
    ws = wb["责任书"]
    for label in ("姓名", "人员编码", "层级"):
        cell = named(wb, f"KH_IN_book_{label}")
        assert not cell.protection.locked and ws.cell(cell.row, cell.column - 1).value == label
    unit = next(r for r in ws.iter_rows(values_only=True) if r[0] == "单位")
    assert unit[1] == "市财政局"
    level = named(wb, "KH_IN_book_层级").coordinate
    dv = next(d for d in ws.data_validations.dataValidation if level in str(d.sqref))
    assert dv.type == "list" and dv.formula1 == '"县级,科级及以下,市级领导"'  # the scheme's staff levels


def test_template__help_names_every_kind():
    from addin.cli import app

    result = CliRunner().invoke(app, ["template", "--help"], terminal_width=400)
    assert result.exit_code == 0
    listed = re.search(r"\[kind, repeatable\]:(.*?)；", " ".join(result.output.split())).group(1)
    assert [k.strip() for k in listed.replace("- ", "-").split(",")] == KIND_IDS


# --- LibreOffice: computed and printed -----------------------------------------------------


def test_build_staff_books__libreoffice_computes_the_90_check(built):
    from office import libreoffice

    path = path_of(built, "staff-book", "B001")
    wb = openpyxl.load_workbook(path)
    cells = [c.coordinate for c in column(wb, "KH_IN_B001_01_book_points")[:3]]
    total, check = (named(wb, f"KH_OUT_B001_01_book_{k}").coordinate for k in ("points", "check"))

    def case(*points):
        return {"sheet": "B001-01", "set": [[c, p] for c, p in zip(cells, points)], "read": [total, check]}

    cases = [case(50, 40, None), case(50, 30, None), case(33.33, 33.33, 23.34), case(60, 40, None),
             case(None, None, None)]
    got = libreoffice([{"src": str(path), "cases": cases}])[0]["cases"]
    assert got == [[90, "分值合计为90分"], [80, "分值合计应为90分，当前为80分"], [90, "分值合计为90分"],
                   [100, "分值合计应为90分，当前为100分"], ["待填写", "待填写：分值合计应为90分"]]


def _pdfs(paths: list[Path], out: Path) -> dict[Path, Path]:
    from test_libreoffice import require_tools

    require_tools()
    subprocess.run(["soffice", f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(out / "pdf"), *map(str, paths)], check=True,
                   capture_output=True, timeout=600)
    return {p: out / "pdf" / f"{p.stem}.pdf" for p in paths}


def _pdf_facts(pdf: Path) -> tuple[int, str, str, str]:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    return pages, re.search(r"Page size:\s+(.*)", info).group(1), text.replace(" ", ""), fonts


def test_build_books__libreoffice_prints_a4_pages_with_embedded_cjk_fonts(built, tmp_path):
    """The district book on one A4 page; the staff book one page per person (B001: two
    people, two pages; B002's blank book one)."""
    wanted = {("district-book", "Q01"): (1, "2026年度市中区目标管理责任书", "市中区政府主要负责人（签字）"),
              ("staff-book", "B001"): (2, "2026年度机关工作人员目标管理责任书", "责任人（本人签字）"),
              ("staff-book", "B002"): (1, "2026年度机关工作人员目标管理责任书", "单位考核办公室（盖章）")}
    paths = {key: path_of(built, *key) for key in wanted}
    pdfs = _pdfs(list(paths.values()), tmp_path)
    for key, (pages, title, label) in wanted.items():
        got_pages, size, text, fonts = _pdf_facts(pdfs[paths[key]])
        assert (got_pages, "(A4)" in size) == (pages, True), (key, got_pages, size)
        assert title in text and label in text, key
        assert "#NAME" not in text and "Err:" not in text, key
        cjk = [line for line in fonts.splitlines() if "CJK" in line]
        assert cjk and all(" yes " in line for line in cjk), (key, fonts)
    _, _, district, _ = _pdf_facts(pdfs[paths[("district-book", "Q01")]])
    assert "第1页，共1页" in district and "于2026年3月15日前报送市考核办公室" in district


def test_build_books__the_sample_city_prints_each_district_on_one_page_and_each_person_on_one(tmp_path, municipal,
                                                                                           audit):
    from addin.demo import sample_city

    city = sample_city(2026)
    districts = build_templates(tmp_path / "x", municipal=municipal, audit=audit, roster=city, year=2026,
                                kinds=["district-book"], workers=1)
    staff = build_templates(tmp_path / "x", municipal=municipal, audit=audit, roster=city, year=2026,
                            kinds=["staff-book"], unit="Q03", workers=1)
    assert len(districts) == 7 and len(staff) == 1
    people = city.staff_of("Q03")
    assert len(people) > 40
    assert [s.title for s in openpyxl.load_workbook(staff[0].path).worksheets if s.sheet_state == "visible"] == \
        [p.code for p in people]
    pdfs = _pdfs([b.path for b in districts + staff], tmp_path)
    for b in districts:
        pages, size, text, _ = _pdf_facts(pdfs[b.path])
        assert (pages, "(A4)" in size) == (1, True), b.path.name
        assert f"2026年度{b.identity.unit_name}目标管理责任书" in text
    pages, _, text, _ = _pdf_facts(pdfs[staff[0].path])
    assert pages == len(people)
    assert all(p.name in text for p in people)


# --- determinism, the command, intake --------------------------------------------------


def test_build_books__the_same_inputs_give_byte_identical_files(tmp_path, municipal, audit):
    from addin.demo import sample_city

    city = sample_city(2026)
    runs = [build_templates(tmp_path / run, municipal=municipal, audit=audit, roster=city, year=2026,
                            kinds=["district-book", "staff-book"], unit="Q01", workers=1) for run in ("a", "b")]
    assert [b.identity.template_kind for b in runs[0]] == ["district-book", "staff-book"]
    for a, b in zip(*runs):
        assert a.path.relative_to(tmp_path / "a") == b.path.relative_to(tmp_path / "b")
        assert a.path.read_bytes() == b.path.read_bytes(), a.path.name


UNITS_CSV = "单位编码,单位名称,类别,分口\nB101,市档案馆,部门,综合口\nQ11,山亭区,区市,\n"
STAFF_CSV = "人员编码,姓名,单位编码,层级,主要负责人\nQ11-01,赵六,Q11,县级,是\nB101-01,钱七,B101,科级及以下,否\n"


def test_template__district_and_staff_books_in_a_year_folder(tmp_path, monkeypatch):
    from addin.cli import app

    runner = CliRunner()
    (tmp_path / "units.csv").write_text(UNITS_CSV, encoding="utf-8")
    (tmp_path / "staff.csv").write_text(STAFF_CSV, encoding="utf-8")
    folder = tmp_path / "2027考核"
    done = runner.invoke(app, ["init", str(folder), "--year", "2027", "--roster", str(tmp_path / "units.csv"),
                               "--staff", str(tmp_path / "staff.csv")])
    assert done.exit_code == 0, done.output
    monkeypatch.chdir(folder)
    result = runner.invoke(app, ["template", "模板", "--kind", "district-book", "--kind", "staff-book"])
    assert result.exit_code == 0, result.output
    files = sorted(p.relative_to(folder / "模板").as_posix() for p in (folder / "模板").rglob("*.xlsx"))
    assert files == ["B101_市档案馆/2027_B101_工作人员目标责任书.xlsx", "Q11_山亭区/2027_Q11_工作人员目标责任书.xlsx",
                     "Q11_山亭区/2027_Q11_目标责任书.xlsx"]
    book = openpyxl.load_workbook(folder / "模板" / "Q11_山亭区" / "2027_Q11_目标责任书.xlsx")["目标责任书"]
    assert "乙方：山亭区委、山亭区政府" in texts(book)
    staff = openpyxl.load_workbook(folder / "模板" / "Q11_山亭区" / "2027_Q11_工作人员目标责任书.xlsx")
    assert [s.title for s in staff.worksheets if s.sheet_state == "visible"] == ["Q11-01"]
    assert "主管领导（签字）：" in texts(staff["Q11-01"])  # 赵六 is 主要负责人 in the staff CSV


def test_check_identity__a_mailed_book_is_not_taken_in(built, municipal, audit):
    from addin.intake.identify import check_identity

    for kind, unit in (("district-book", "Q01"), ("staff-book", "B001")):
        identity = next(b.identity for b in built if b.identity.template_kind == kind and b.identity.unit_code == unit)
        problem = check_identity(identity, "book.xlsx", municipal=municipal, audit=audit, year=2026,
                                 known_units={"Q01", "B001"}, secret=b"")
        assert problem is not None and problem.code == "not_intake_kind", kind
        assert "无需报送考核办" in problem.message and "book.xlsx" == problem.file


# --- layout ----------------------------------------------------------------------------------


def test_text_width__chinese_counts_two_others_one():
    assert text_width("达到目标增幅得80%") == 7 * 2 + 3
    assert text_width("ＡＢ") == 4  # full-width letters are wide


def test_row_height__one_line_is_the_default_and_each_more_line_adds_a_line():
    assert row_height("实际 ÷ 目标 × 5", 44) == ONE_LINE
    text = "达到目标增幅得80%，每高1个百分点加5%，每低1个百分点减10%，0–120%，负增长不得分"
    assert text_width(text) == 78  # 31 wide characters (62) and 16 others (80% 1 5% 1 10% 0 – 120%)
    assert row_height(text, 44) == 2 * 13 + 3  # 78 units in 42 a line: 2 lines
    assert row_height(text, 30) == 3 * 13 + 3  # 28 a line: 3 lines


@given(st.text(alphabet="考核目标abc123 ，", max_size=120), st.text(alphabet="考核目标abc123", max_size=60),
       st.integers(min_value=8, max_value=120))
def test_row_height__never_shrinks_as_text_grows(text, more, width):
    assert row_height(text + more, width) >= row_height(text, width) >= ONE_LINE


def test_deadline_text__month_and_day_without_leading_zeros():
    assert deadline_text(2026, "03-15") == "2026年3月15日" and deadline_text(2027, "11-05") == "2027年11月5日"
