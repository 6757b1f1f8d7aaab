"""Templates read back with openpyxl: identity, protection, validation, names, print setup,
cached values, no macros or external links, determinism, and scheme-driven content."""

from __future__ import annotations

import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import MergedCell
import yaml

from addin.office.roster import Roster, RosterPerson, RosterUnit
from addin.scheme.loader import _DecimalLoader, builtin_path, parse_scheme, scheme_hash
from addin.workbook.identity import META_SHEET, Identity
from workbook_templates.build import KIND_IDS, build_templates
from workbook_templates.form import INPUT_FILL

ROSTER = Roster(
    units=[RosterUnit("B001", "市发展改革委", "部门", "综合口"), RosterUnit("B002", "市财政局", "部门", "综合口"),
           RosterUnit("Q01", "市中区", "区市"), RosterUnit("S01", "财政审计科", "科室"),
           RosterUnit("S02", "滕州市审计局", "县市区局")],
    people=[RosterPerson("B001-01", "张三", "B001", "县级", True), RosterPerson("B001-02", "李四", "B001", "科级及以下")],
)
BOOKS = {"B001": [("重点项目", Decimal(40), "按期完成"), ("改革任务", Decimal(30), "按期完成")]}


@pytest.fixture(scope="module")
def built(tmp_path_factory, municipal, audit):
    out = tmp_path_factory.mktemp("templates")
    return build_templates(out, municipal=municipal, audit=audit, roster=ROSTER, year=2026, books=BOOKS)


def by_kind(built, kind, unit=None):
    found = [b for b in built if b.identity.template_kind == kind and (unit is None or b.identity.unit_code == unit)]
    assert found, kind
    return found[0].path


def test_build_templates__every_kind_for_the_roster(built):
    kinds = {b.identity.template_kind for b in built}
    assert {k.split(":")[0] for k in kinds} == set(KIND_IDS)
    appendix = {k for k in kinds if k.startswith("appendix")}
    assert appendix == {"appendix:附表1:departments", "appendix:附表1:districts", "appendix:附表2", "appendix:附表3",
                        "appendix:附表4", "appendix:附表4B", "appendix:附表5", "appendix:附表6", "appendix:附表7",
                        "appendix:附表8", "appendix:附表9"}
    assert sorted(b.identity.template_kind for b in built if b.identity.template_kind.startswith("audit")) == [
        "audit-form:县市区局", "audit-form:科室"]
    assert all(b.path.suffix == ".xlsx" and b.path.exists() for b in built)


def test_templates__metadata_sheet_identifies_the_workbook(built, municipal, audit):
    for b in built:
        wb = openpyxl.load_workbook(b.path)
        meta = wb[META_SHEET]
        assert meta.sheet_state == "veryHidden" and meta.protection.sheet
        values = {r[0]: r[1] for r in meta.iter_rows(min_row=2, values_only=True)}
        assert list(values) == Identity.keys()
        scheme = audit if b.identity.template_kind.startswith("audit-form") else municipal
        assert values["scheme_hash"] == scheme_hash(scheme)
        assert values["scheme_id"] == scheme.id and values["year"] == "2026"
        assert values["unit_code"] == b.identity.unit_code and len(values["template_id"]) == 32


def test_templates__no_macros_no_external_links(built):
    for b in built:
        names = zipfile.ZipFile(b.path).namelist()
        assert not any("vbaProject" in n or n.startswith("xl/externalLinks") for n in names), b.path
        content_types = zipfile.ZipFile(b.path).read("[Content_Types].xml").decode()
        assert "macroEnabled" not in content_types


def test_templates__inputs_unlocked_and_filled_everything_else_locked(built):
    for b in built:
        if b.identity.template_kind == "master":
            continue  # the office's working book is not protected
        wb = openpyxl.load_workbook(b.path)
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            assert ws.protection.sheet, (b.path.name, ws.title)
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell, MergedCell):
                        continue  # a merged area takes its top-left cell's protection
                    is_input = cell.fill.fgColor.rgb == "FF" + INPUT_FILL[1:]
                    assert cell.protection.locked != is_input, (b.path.name, ws.title, cell.coordinate)
                    if cell.data_type == "f":
                        assert cell.protection.locked


def test_templates__print_setup_a4_fit_to_width_repeated_header_frozen(built):
    for b in built:
        wb = openpyxl.load_workbook(b.path)
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            assert ws.page_setup.paperSize == 9, (b.path.name, ws.title)
            assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
            if ws.title != "说明":
                assert ws.print_title_rows and ws.freeze_panes, (b.path.name, ws.title)


def test_appendix__validation_and_names_match_the_scheme(built, municipal):
    path = by_kind(built, "appendix:附表1:departments", "B001")
    wb = openpyxl.load_workbook(path)
    ws = wb["附表1"]
    validations = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            validations[rng.coord] = dv
    table = municipal.table("附表1")
    for item in table.items:
        for spec in item.inputs():
            name = f"KH_IN_附表1_{item.id.replace('.', '_')}_{spec.name}"
            dest = list(wb.defined_names[name].destinations)
            assert len(dest) == 1 and dest[0][0] == "附表1", name
            coord = dest[0][1].replace("$", "")
            assert ws[coord].protection.locked is False
            dv = validations[coord]
            assert dv.showErrorMessage and dv.errorTitle and dv.promptTitle
            if spec.type == "flag":
                assert dv.type == "list" and dv.formula1 == '"是,否"'
            elif spec.type == "count":
                assert dv.type == "whole" and float(dv.formula1) == float(spec.lo)
            elif spec.type == "number":
                assert dv.type == "decimal"
                assert (float(dv.formula1), float(dv.formula2)) == (float(spec.lo), float(spec.hi))
        out = list(wb.defined_names[f"KH_OUT_附表1_{item.id.replace('.', '_')}"].destinations)[0][1]
        formula = ws[out.replace("$", "")].value
        assert formula.startswith(f'=ITEM_SCORE("附表1:{item.id}"')
    total = list(wb.defined_names["KH_OUT_附表1_total"].destinations)[0][1]
    assert ws[total.replace("$", "")].value.startswith("=MIN(10,SUM(")
    assert set(ws.defined_names) == {"KH_IN_filler", "KH_IN_reviewer", "KH_IN_date"}


def test_appendix__cached_values_show_without_the_add_in(built):
    wb = openpyxl.load_workbook(by_kind(built, "appendix:附表1:departments", "B001"), data_only=True)
    ws = wb["附表1"]
    scores = {}
    for name in ("KH_OUT_附表1_1_1", "KH_OUT_附表1_1_6", "KH_OUT_附表1_total"):
        coord = list(wb.defined_names[name].destinations)[0][1].replace("$", "")
        scores[name] = ws[coord].value
    # Counts start at 0 and flags at 否 (full marks); 1.6 is discretionary and waits for its value.
    assert scores == {"KH_OUT_附表1_1_1": 2, "KH_OUT_附表1_1_6": "待填写", "KH_OUT_附表1_total": "待填写"}


def test_appendix__district_economic_table_rescales_dropped_indicators(built):
    wb = openpyxl.load_workbook(by_kind(built, "appendix:附表5", "Q01"))
    ws = wb["附表5"]
    coord = list(wb.defined_names["KH_OUT_附表5_total"].destinations)[0][1].replace("$", "")
    assert 'SUMIF(' in ws[coord].value and '"<>不计分"' in ws[coord].value
    gdp = list(wb.defined_names["KH_OUT_附表5_5_01"].destinations)[0][1].replace("$", "")
    assert ws[gdp].value.startswith('=IF(') and 'ITEM_SCORE("附表5:5.01"' in ws[gdp].value


def test_target_book__items_points_and_deadline(built):
    wb = openpyxl.load_workbook(by_kind(built, "target-book", "B001"))
    ws = wb["目标责任书"]
    texts = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert "一、业务目标（70分）" in texts and "2026年3月15日前报送市考核办公室" in texts
    assert "市分管领导（签字）" in texts and "部门（单位）主要负责人（签字）" in texts
    for name in ("党的建设", "党风廉政建设", "精神文明建设", "招商引资"):
        assert name in texts
    first = list(wb.defined_names["KH_IN_book_1_points"].destinations)[0][1].replace("$", "")
    assert ws[first].value == 40
    check = list(wb.defined_names["KH_OUT_book_check"].destinations)[0][1].replace("$", "")
    assert "=IF(ROUND(SUM(" in ws[check].value


def test_scoring_sheet__one_row_per_item_scored_up_to_its_points(built):
    wb = openpyxl.load_workbook(by_kind(built, "scoring-sheet"))
    ws = wb["业务目标评分"]
    score = list(wb.defined_names["KH_IN_B001_2_score"].destinations)[0][1].replace("$", "")
    dv = next(d for d in ws.data_validations.dataValidation if score in [r.coord for r in d.sqref.ranges])
    assert dv.type == "custom" and "<=" in dv.formula1
    assert "KH_OUT_B002_business" in wb.defined_names  # B002 has no book: blank item rows


def test_register__bonus_lookup_and_criticisms(built, municipal):
    wb = openpyxl.load_workbook(by_kind(built, "register"))
    assert wb["_lists"].sheet_state == "hidden"
    bonus = wb["加分登记"]
    formula = next(c.value for row in bonus.iter_rows() for c in row
                   if isinstance(c.value, str) and c.value.startswith("=IF(OR("))
    assert "{4,6,8;6,8,10}" in formula and '{"业务部门","党委政府"}' in formula
    crit = wb["通报批评"]
    assert any(isinstance(c.value, str) and c.value.endswith(",5)") for row in crit.iter_rows() for c in row)


def test_staff_templates__roster_and_forms(built):
    wb = openpyxl.load_workbook(by_kind(built, "staff-roster", "B001"))
    ws = wb["考核名册"]
    codes = list(wb.defined_names["KH_IN_staff_code"].destinations)[0][1]
    assert ws[codes.split(":")[0].replace("$", "")].value == "B001-01"
    total = list(wb.defined_names["KH_OUT_staff_total"].destinations)[0][1].split(":")[0].replace("$", "")
    assert ws[total].value.startswith("=STAFF_TOTAL(")
    forms = openpyxl.load_workbook(by_kind(built, "staff-form", "B001"))
    assert [s.title for s in forms.worksheets if s.sheet_state == "visible"] == ["B001-01", "B001-02"]
    assert "KH_OUT_B001_01_grade" in forms.defined_names


def test_audit_form__county_bureau_has_no_A1_2(built):
    county = openpyxl.load_workbook(by_kind(built, "audit-form:县市区局", "S02"))
    division = openpyxl.load_workbook(by_kind(built, "audit-form:科室", "S01"))
    assert "KH_IN_A1_A1_2_actual" in division.defined_names
    assert "KH_IN_A1_A1_2_actual" not in county.defined_names
    a2 = list(county.defined_names["KH_IN_A2_A2_scores"].destinations)[0][1]
    assert a2.count(":") == 1  # a block of project scores, read as one range


def test_master__input_and_result_headers(built):
    wb = openpyxl.load_workbook(by_kind(built, "master"))
    assert [c.value for c in wb["部门"][1]][:4] == ["单位编码", "单位名称", "分口", "业务目标"]
    assert [c.value for c in wb["部门"][2]][:3] == ["B001", "市发展改革委", "综合口"]
    assert [c.value for c in wb["人员等次"][1]][-1] == "说明"
    for sheet in ("部门", "加分登记", "区市", "人员", "部门排名", "区市排名", "人员等次", "限额", "预警", "问题"):
        assert sheet in wb.sheetnames


def test_build_templates__deterministic(tmp_path, municipal, audit):
    a = build_templates(tmp_path / "a", municipal=municipal, audit=audit, roster=ROSTER, year=2026, books=BOOKS)
    b = build_templates(tmp_path / "b", municipal=municipal, audit=audit, roster=ROSTER, year=2026, books=BOOKS)
    assert [x.path.relative_to(tmp_path / "a") for x in a] == [x.path.relative_to(tmp_path / "b") for x in b]
    for x, y in zip(a, b):
        assert x.path.read_bytes() == y.path.read_bytes(), x.path.name


def test_build_templates__a_scheme_change_shows_up_with_no_code_change(tmp_path, audit):
    data = yaml.load(builtin_path("municipal").read_text(encoding="utf-8"), Loader=_DecimalLoader)
    table = data["tables"][2]  # 附表3
    table["items"][1]["points"] = Decimal("0.5")
    table["items"].append({"id": "3.6", "name": "文明交通劝导", "points": Decimal("0.5"), "kind": "deduct",
                           "standard": "劝导岗每缺1次扣0.1分",
                           "clauses": [{"input": "missed_posts", "label": "劝导岗缺岗次数", "per_unit": Decimal("0.1")}]})
    scheme = parse_scheme(data)
    built = build_templates(tmp_path, municipal=scheme, audit=audit, roster=ROSTER, year=2026, kinds=["appendix"],
                            unit="B001")
    path = next(b.path for b in built if b.identity.template_kind == "appendix:附表3")
    wb = openpyxl.load_workbook(path)
    ws = wb["附表3"]
    assert "KH_IN_附表3_3_6_missed_posts" in wb.defined_names
    cells = {str(c.value) for row in ws.iter_rows() for c in row}
    assert "文明交通劝导" in cells and "劝导岗每缺1次扣0.1分" in cells
    points = [c.value for row in ws.iter_rows(min_col=3, max_col=3) for c in row]
    assert 0.5 in points


def test_build_templates__unknown_kind_refused(tmp_path, municipal, audit):
    with pytest.raises(ValueError):
        build_templates(tmp_path, municipal=municipal, audit=audit, roster=ROSTER, year=2026, kinds=["poster"])
    assert not list(Path(tmp_path).rglob("*"))


def test_build_templates__parallel_build_writes_the_same_files(tmp_path, municipal, audit, monkeypatch):
    import workbook_templates.build as build

    serial = build_templates(tmp_path / "s", municipal=municipal, audit=audit, roster=ROSTER, year=2026, books=BOOKS,
                             workers=1)
    monkeypatch.setattr(build, "PARALLEL_FROM", 0)
    parallel = build_templates(tmp_path / "p", municipal=municipal, audit=audit, roster=ROSTER, year=2026,
                               books=BOOKS, workers=2)
    assert [b.identity for b in parallel] == [b.identity for b in serial]
    for a, b in zip(serial, parallel):
        assert a.path.read_bytes() == b.path.read_bytes()


def _named_cell(wb, name):
    sheet, ref = list(wb.defined_names[name].destinations)[0]
    return wb[sheet][ref.replace("$", "")]


def test_staff_form__a_blank_public_subtotal_shows_pending_like_every_other_total(built):
    """The blank form (B002 has nobody on the roster) showed 公共目标小计 0.00 where 民主测评得分,
    总分 and 等次 show 待填写: the subtotal now waits for all four public scores too."""
    path = by_kind(built, "staff-form", "B002")
    cached = openpyxl.load_workbook(path, data_only=True)
    shown = {n: _named_cell(cached, f"KH_OUT_form_{n}").value for n in ("democratic", "public", "total", "grade")}
    assert shown == {"democratic": "待填写", "public": "待填写", "total": "待填写", "grade": "待填写"}
    formula = _named_cell(openpyxl.load_workbook(path), "KH_OUT_form_public").value
    first = _named_cell(openpyxl.load_workbook(path), "KH_IN_form_public_自身建设").coordinate
    assert formula.startswith(f'=IF(COUNT({first}:') and ')<4,"待填写",SUM(' in formula  # 4 public items


def test_staff_form__libreoffice_shows_the_blank_subtotal_as_pending_and_sums_a_filled_one(tmp_path, municipal,
                                                                                          audit):
    """Both forms, blank, printed by LibreOffice: the 公共目标小计 line shows what the 总分 line
    shows (待填写 on the add-in form, 未填 on the native one), never 0.00. Typed into
    LibreOffice: three of the four scores still wait; all four (2.5 + 2 + 1.5 + 2.5) sum to 8.5."""
    from office import libreoffice
    from test_libreoffice import require_tools

    require_tools()
    roster = Roster(units=[RosterUnit("B002", "市财政局", "部门", "综合口")], people=[])
    public = [f"KH_IN_form_public_{n}" for n in ("自身建设", "依法行政", "党风廉政建设", "效能服务")]
    jobs, forms = [], {}
    for form, pending in (("addin", "待填写"), ("native", "未填")):
        path = build_templates(tmp_path / form, municipal=municipal, audit=audit, roster=roster, year=2026,
                               kinds=["staff-form"], formulas=form, workers=1)[0].path
        forms[form] = (path, pending)
        subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                        "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path / form), str(path)],
                       check=True, capture_output=True, timeout=300)
        jobs.append({"src": str(path), "values": dict(zip(public[:3], [2.5, 2, 1.5])), "read": ["KH_OUT_form_public"]})
        jobs.append({"src": str(path), "values": dict(zip(public, [2.5, 2, 1.5, 2.5])), "read": ["KH_OUT_form_public"]})
    for form, (path, pending) in forms.items():
        text = subprocess.run(["pdftotext", "-layout", str(tmp_path / form / f"{path.stem}.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        lines = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.split()}
        assert lines["公共目标小计"] == [pending] and lines["总分"] == [pending], (form, text)
        assert "0.00" not in text, form
    three, four, three_n, four_n = (r["read"]["KH_OUT_form_public"] for r in libreoffice(jobs))
    assert (three, four) == (["待填写"], [8.5])
    assert (three_n, four_n) == (["未填"], [8.5])
