"""The office's bonus and deduction register: 加分登记 (innovation projects) and 通报批评
(circulated criticisms), one row per record, units chosen from the roster."""

from __future__ import annotations

import datetime as dt

from addin.numbers import fmt
from addin.office.roster import Roster
from addin.scheme.models import MunicipalScheme
from addin.workbook.identity import input_name, output_name
from workbook_templates.form import FormBook, a1, ref

ROWS = 60
LISTS = "_lists"


def _units_list(book: FormBook, roster: Roster) -> None:
    """A hidden sheet with the roster's unit codes and names (added after the forms, as
    the first sheet may not be hidden)."""
    ws = book.wb.add_worksheet(LISTS)
    units = roster.of_type("部门", "区市")
    for i, u in enumerate(units):
        ws.write_string(i, 0, u.code)
        ws.write_string(i, 1, u.name)
    ws.protect()
    ws.hide()
    book.name("KH_LIST_units", f"={LISTS}!$A$1:$A${max(len(units), 1)}")


def _codes_table(roster: Roster) -> tuple[str, str]:
    """The code and name columns of the hidden list sheet."""
    last = max(len(roster.of_type('部门', '区市')), 1)
    return f"{LISTS}!$A$1:$A${last}", f"{LISTS}!$B$1:$B${last}"


def _validate_units(sheet, first: int, last: int) -> None:
    sheet.ws.data_validation(first, 1, last, 1, {
        "validate": "list", "source": "=KH_LIST_units", "input_title": "单位编码",
        "input_message": "请从下拉列表选择单位编码（名册中的部门、区市）。", "error_title": "输入有误",
        "error_message": "单位编码不在名册中 [unit code not on the roster]"})


def _unit_columns(sheet, row: int, codes_table: tuple[str, str], name_prefix: str) -> None:
    """The unit's name looked up by its code, with functions every client has (no
    IFERROR/VLOOKUP: see addin.native_formula.ALLOWED_FUNCTIONS)."""
    ws, f = sheet.ws, sheet.fmt
    ws.write_blank(row, 1, None, f.input)
    code, (codes, names) = a1(row, 1), codes_table
    found = f"MATCH({code},{codes},0)"
    sheet.formula(row, 2, f'=IF({code}="","",IF(ISNUMBER({found}),INDEX({names},{found}),"不在名册"))',
                  "", None, text=True, blank_ok=True)


def build_register(book: FormBook, scheme: MunicipalScheme, roster: Roster, year: int) -> None:
    codes_table = _codes_table(roster)
    bonus = scheme.departments.innovation_bonus
    rows_list, cols_list = list(bonus.table), bonus.columns
    matrix = ";".join(",".join(fmt(v) for v in bonus.table[r].values()) for r in rows_list)
    rows_const = ",".join(f'"{r}"' for r in rows_list)
    cols_const = ",".join(f'"{c}"' for c in cols_list)

    sheet = book.sheet("加分登记")
    ws, f = sheet.ws, sheet.fmt
    last = 7
    row = sheet.header_block(label="加分登记表", title=f"{year}年度创新工作加分登记表", unit="市考核办", year=year,
                             scored_by="各分口考核组", last_col=last)
    header_row = row
    row = sheet.columns(row, [("序号", 5), ("单位编码", 10), ("单位名称", 16), ("创新项目", 26), ("认定单位类别", 12),
                              ("级别", 8), ("单项加分", 9), ("认定文件", 24)])
    first = row
    for i in range(1, ROWS + 1):
        ws.write_number(row, 0, i, f.cell)
        _unit_columns(sheet, row, codes_table, "bonus")
        sheet.text_input(row, 3, None, what="创新项目", validate=False)
        ws.write_blank(row, 4, None, f.input)
        ws.write_blank(row, 5, None, f.input)
        d, e = a1(row, 4), a1(row, 5)
        at_row, at_col = f"MATCH({d},{{{rows_const}}},0)", f"MATCH({e},{{{cols_const}}},0)"
        sheet.formula(row, 6, f'=IF(OR({d}="",{e}=""),"",IF(AND(ISNUMBER({at_row}),ISNUMBER({at_col})),'
                              f'INDEX({{{matrix}}},{at_row},{at_col}),"输入有误"))', "", None, blank_ok=True)
        sheet.text_input(row, 7, None, what="认定文件", validate=False)
        row += 1
    _validate_units(sheet, first, row - 1)
    sheet.validate_text(first, row - 1, 3, "创新项目名称（同一项目多次认定只计最高一次）")
    sheet.validate_text(first, row - 1, 7, "认定文件名称及文号")
    for col, choices, what in ((4, rows_list, "认定单位类别"), (5, cols_list, "级别")):
        ws.data_validation(first, col, row - 1, col, {
            "validate": "list", "source": choices, "input_title": what,
            "input_message": f"请选择：{'、'.join(choices)}", "error_title": "输入有误",
            "error_message": f"{what}只能为：{'、'.join(choices)}"})
    for col, key in ((1, "unit"), (3, "project"), (4, "recognizer"), (5, "level"), (7, "document")):
        book.name(input_name("bonus", key), ref(sheet.name, first, col, row - 1))
    book.name(output_name("bonus", "value"), ref(sheet.name, first, 6, row - 1))
    ws.merge_range(row + 1, 0, row + 1, last, f"说明：{bonus.standard}。单位的加分合计由汇总工作簿按"
                   f"“同一项目不重复加分”计算（=INNOVATION_BONUS）。", f.note)
    ws.set_row(row + 1, 30)
    sheet.finish(header_row=header_row, last_col=last, landscape=True)

    sheet = book.sheet("通报批评")
    ws = sheet.ws
    last = 6
    row = sheet.header_block(label="减分登记表", title=f"{year}年度通报批评登记表", unit="市考核办", year=year,
                             scored_by="各分口考核组", last_col=last)
    header_row = row
    row = sheet.columns(row, [("序号", 5), ("单位编码", 10), ("单位名称", 16), ("通报日期", 12), ("通报文号", 20),
                              ("事由", 34), ("扣分", 8)])
    first = row
    per = fmt(scheme.departments.deduction.per_criticism)
    for i in range(1, ROWS + 1):
        ws.write_number(row, 0, i, f.cell)
        _unit_columns(sheet, row, codes_table, "criticism")
        ws.write_blank(row, 3, None, f.input_date)
        sheet.text_input(row, 4, None, what="通报文号", validate=False)
        sheet.text_input(row, 5, None, what="通报事由", validate=False)
        sheet.formula(row, 6, f'=IF({a1(row, 1)}="","",{per})', "", None, blank_ok=True)
        row += 1
    _validate_units(sheet, first, row - 1)
    ws.data_validation(first, 3, row - 1, 3, {
        "validate": "date", "criteria": "between", "minimum": dt.date(year, 1, 1), "maximum": dt.date(year, 12, 31),
        "input_title": "通报日期", "input_message": f"请填写{year}年内的通报日期。", "error_title": "输入有误",
        "error_message": f"通报日期应在{year}年内 [a date in {year}]"})
    sheet.validate_text(first, row - 1, 4, "通报文号")
    sheet.validate_text(first, row - 1, 5, "通报事由")
    for col, key in ((1, "unit"), (3, "date"), (4, "document"), (5, "reason")):
        book.name(input_name("criticism", key), ref(sheet.name, first, col, row - 1))
    book.name(output_name("criticism", "points"), ref(sheet.name, first, 6, row - 1))
    ws.merge_range(row + 1, 0, row + 1, last, f"说明：年度内被通报批评的，每次在考核总分中减去{per}分。", f.note)
    sheet.finish(header_row=header_row, last_col=last, landscape=True)
    _units_list(book, roster)
