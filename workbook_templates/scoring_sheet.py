"""The sector group's business scoring sheet: one row per department item, each scored
0 to the item's points; a subtotal per department is its business score."""

from __future__ import annotations

from decimal import Decimal

from addin.numbers import fmt
from addin.office.roster import RosterUnit
from addin.scheme.models import MunicipalScheme
from addin.workbook.identity import input_name, output_name
from workbook_templates.form import PENDING, FormBook, a1

BLANK_ROWS = 8
LAST = 6
HEADERS = [("单位编码", 9), ("单位名称", 16), ("序号", 5), ("业务目标项目", 30), ("分值", 8), ("得分", 8),
           ("评分说明", 30)]


def build_scoring_sheet(book: FormBook, scheme: MunicipalScheme, group: str, units: list[RosterUnit], year: int,
                        books: dict[str, list[tuple[str, Decimal, str]]] | None = None) -> None:
    business = sum((p.points for p in scheme.departments.business), Decimal(0))
    sheet = book.sheet("业务目标评分")
    ws, f = sheet.ws, sheet.fmt
    row = sheet.header_block(label="业务目标评分表", title=f"{year}年度{group}市直部门业务目标考核评分表",
                             unit=f"{group}分口考核组", year=year, scored_by=f"{group}分口考核组", last_col=LAST)
    header_row = row
    row = sheet.columns(row, HEADERS)
    for unit in units:
        items = (books or {}).get(unit.code)
        rows = items if items else [(None, None, None)] * BLANK_ROWS
        first = row
        for i, (name, points, _standard) in enumerate(rows, start=1):
            ws.write_string(row, 0, unit.code, f.cell)
            ws.write_string(row, 1, unit.name, f.cell)
            ws.write_number(row, 2, i, f.cell)
            if items:
                ws.write_string(row, 3, name, f.wrap)
                ws.write_number(row, 4, float(points), f.number)
            else:
                sheet.text_input(row, 3, input_name(unit.code, str(i), "item"), what="业务目标项目")
                ws.write_blank(row, 4, None, f.input)
                ws.data_validation(row, 4, row, 4, {
                    "validate": "decimal", "criteria": "between", "minimum": 0.01, "maximum": float(business),
                    "input_title": "分值", "input_message": f"按目标责任书填写该项分值（0–{fmt(business)}）。",
                    "error_title": "输入有误", "error_message": f"分值应为0–{fmt(business)} [0–{fmt(business)}]"})
                book.name(input_name(unit.code, str(i), "points"), f"='{sheet.name}'!{a1(row, 4, True)}")
            score_cell, points_cell = a1(row, 5), a1(row, 4)
            ws.write_blank(row, 5, None, f.input)
            ws.data_validation(row, 5, row, 5, {
                "validate": "custom", "value": f"=AND(ISNUMBER({score_cell}),{score_cell}>=0,"
                                               f"{score_cell}<={points_cell})",
                "input_title": "得分", "input_message": "请填写 0 至该项分值之间的得分。",
                "error_title": "输入有误", "error_message": "得分应在0至该项分值之间 [0 to the item's points]"})
            book.name(input_name(unit.code, str(i), "score"), f"='{sheet.name}'!{a1(row, 5, True)}")
            sheet.text_input(row, 6, input_name(unit.code, str(i), "note"), what="评分说明")
            row += 1
        ws.merge_range(row, 0, row, 3, f"{unit.name} 小计（业务目标得分，分值合计应为{fmt(business)}分）", f.total)
        pts = f"{a1(first, 4, True)}:{a1(row - 1, 4, True)}"
        scores = f"{a1(first, 5, True)}:{a1(row - 1, 5, True)}"
        cached_points = sum((p for _, p, _ in items), Decimal(0)) if items else 0
        sheet.formula(row, 4, f"=SUM({pts})", cached_points, output_name(unit.code, "points"), fmt=f.total)
        names = f"{a1(first, 3, True)}:{a1(row - 1, 3, True)}"
        sheet.formula(row, 5, f'=IF(COUNT({scores})<COUNTA({names}),"{PENDING}",SUM({scores}))', PENDING,
                      output_name(unit.code, "business"), fmt=f.total)
        ws.write_string(row, 6, "", f.total)
        row += 1
    sheet.finish(header_row=header_row, last_col=LAST, landscape=True)
