"""The staff member's 目标责任书, signed 层层 (person and unit) after the person's
主管领导 approves the targets: one sheet per person of the unit's roster (a single blank
book when the roster names nobody), with the person's name, code, unit and level; rows for
the person's own business targets whose points must total the scheme's business points
(90), checked by an ordinary formula; the scheme's public items with their points (10);
how the year is assessed; and the signatures.

Printed and signed in the unit, never taken in: the office reads each person's business
and public scores from the unit's staff roster (工作人员考核名册).
"""

from __future__ import annotations

from decimal import Decimal

from addin.numbers import fmt
from addin.office.roster import RosterPerson
from addin.scheme.items import InputSpec
from addin.scheme.models import MunicipalScheme
from addin.workbook.identity import input_name, output_name
from workbook_templates.book_layout import row_height
from workbook_templates.form import PENDING, FormBook, FormSheet, a1, ref
from workbook_templates.staff import GRADES

ROWS = 15
LAST = 3
WIDTHS = (8, 32, 9, 46)
"""序号, 业务目标项目, 分值, 目标要求与完成时限."""


def build_staff_books(book: FormBook, scheme: MunicipalScheme, unit_name: str, people: list[RosterPerson],
                      year: int) -> None:
    """One book per person; a single blank book when the roster names nobody."""
    warn = book.wb.add_format({"font_color": "#C00000", "bold": True})
    for person in people or [None]:
        _staff_book(book, scheme, unit_name, person, year, warn)


def _staff_book(book: FormBook, scheme: MunicipalScheme, unit_name: str, person: RosterPerson | None,
                year: int, warn) -> None:
    staff = scheme.staff
    key = person.code if person else "book"
    sheet = book.sheet((person.code if person else "责任书")[:31])
    ws, f = sheet.ws, sheet.fmt
    row = sheet.header_block(label="工作人员目标责任书", title=f"{year}年度机关工作人员目标管理责任书", unit=unit_name,
                             year=year, scored_by="本单位考核办", last_col=LAST)
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    info = [("姓名", person.name if person else None), ("人员编码", person.code if person else None),
            ("单位", unit_name), ("层级", person.level if person else None)]
    levels = tuple(level.name for level in staff.levels)
    for i in range(0, len(info), 2):
        for j, (label, value) in enumerate(info[i:i + 2]):
            ws.write_string(row, j * 2, label, f.header)
            if value is not None:
                ws.write_string(row, j * 2 + 1, value, f.cell)
            elif label == "层级":
                sheet.input(row, j * 2 + 1, None, InputSpec("level", label, "choice", choices=levels), label,
                            input_name(key, label))
            else:
                sheet.text_input(row, j * 2 + 1, input_name(key, label), what=label)
        row += 1
    row += 1
    business = staff.business_points
    _paragraph(sheet, row, f"一、业务目标（{fmt(business)}分）：根据职位职责和本单位年度中心工作制定，"
                           f"报主管领导审定", f.label)
    row += 1
    header_row = row
    for col, text in enumerate(("序号", "业务目标项目", "分值", "目标要求与完成时限")):
        ws.write_string(row, col, text, f.header)
    ws.set_row(row, 20)
    row += 1
    first = row
    for i in range(1, ROWS + 1):
        ws.write_number(row, 0, i, f.cell)
        sheet.text_input(row, 1, None, what="业务目标项目", validate=False)
        sheet.input(row, 2, None, InputSpec("points", "分值", "number"), "分值", None, validate=False)
        sheet.text_input(row, 3, None, what="目标要求", validate=False)
        ws.set_row(row, 22)
        row += 1
    # one validation and one name per column (a person's sheet is one of thousands)
    sheet.validate_text(first, row - 1, 1, "业务目标项目")
    sheet.validate_column(first, row - 1, 2, InputSpec("points", "分值", "number", Decimal("0.01"), business), "分值")
    sheet.validate_text(first, row - 1, 3, "目标要求与完成时限")
    for col, what in ((1, "item"), (2, "points"), (3, "standard")):
        book.name(input_name(key, "book", what), ref(sheet.name, first, col, row - 1))
    _points_check(sheet, row, first, business, key, warn)
    row += 2
    public = sum((p.points for p in staff.public_items), Decimal(0))
    _paragraph(sheet, row, f"二、公共目标（{fmt(public)}分）：由本单位考核办公室考核计分", f.label)
    row += 1
    for col, text in enumerate(("序号", "公共目标", "分值", "考核单位")):
        ws.write_string(row, col, text, f.header)
    row += 1
    for i, part in enumerate(staff.public_items, start=1):
        ws.write_number(row, 0, i, f.cell)
        ws.write_string(row, 1, part.name, f.cell)
        ws.write_number(row, 2, float(part.points), f.number)
        ws.write_string(row, 3, part.scored_by or "本单位考核办公室", f.cell)
        row += 1
    ws.merge_range(row, 0, row, 1, "小计", f.total)
    ws.write_number(row, 2, float(public), f.total)
    ws.write_string(row, 3, "", f.total)
    row += 1
    ws.merge_range(row, 0, row, 1, f"目标总分（业务目标{fmt(business)}分 + 公共目标{fmt(public)}分）", f.total)
    ws.write_number(row, 2, float(business + public), f.total)
    ws.write_string(row, 3, "", f.total)
    row += 2
    completion = (business + public) * staff.completion_weight
    rules = [
        f"三、考核：年度考核按民主测评{fmt(staff.democratic_points)}分、目标完成情况{fmt(completion)}分计分"
        f"（目标完成情况 = 目标得分 × {fmt(staff.completion_weight)}）；考核结果分为{'、'.join(GRADES)}"
        f"{len(GRADES)}个等次，以书面形式通知本人，存入本人档案。",
        "四、本责任书经主管领导审定后层层签订，正式下达，并实行政务公开；一式两份，本人与单位各执一份。",
    ]
    for text in rules:
        _paragraph(sheet, row, text)
        row += 1
    row += 1
    leader = "主管领导" if person is not None and person.is_head else "单位主要负责人"
    ws.merge_range(row, 0, row, 1, f"{leader}（签字）：", f.info)
    ws.merge_range(row, 2, row, LAST, "责任人（本人签字）：", f.info)
    ws.set_row(row, 30)
    row += 1
    ws.merge_range(row, 0, row, 1, "单位考核办公室（盖章）：", f.info)
    ws.set_row(row, 30)
    row += 1
    ws.merge_range(row, 0, row, 1, "日期：      年    月    日", f.info)
    ws.merge_range(row, 2, row, LAST, "日期：      年    月    日", f.info)
    sheet.finish(header_row=header_row, last_col=LAST)


def _paragraph(sheet: FormSheet, row: int, text: str, fmt=None) -> None:
    sheet.ws.merge_range(row, 0, row, LAST, text, fmt or sheet.fmt.note)
    sheet.ws.set_row(row, row_height(text, sum(WIDTHS)))


def _points_check(sheet: FormSheet, row: int, first: int, business: Decimal, key: str, warn) -> None:
    """合计 and its check, ordinary formulas any spreadsheet computes: 待填写 until a point
    is entered (never a 0.00), then the sum, and whether it is the scheme's business points."""
    ws, f = sheet.ws, sheet.fmt
    points = f"{a1(first, 2, True)}:{a1(row - 1, 2, True)}"
    want = fmt(business)
    ws.write_string(row, 0, "合计", f.total)
    ws.write_string(row, 1, "", f.total)
    sheet.formula(row, 2, f'=IF(COUNT({points})=0,"{PENDING}",SUM({points}))', PENDING,
                  output_name(key, "book", "points"), fmt=f.total)
    check = (f'=IF(COUNT({points})=0,"{PENDING}：分值合计应为{want}分",IF(ROUND(SUM({points}),2)={want},'
             f'"分值合计为{want}分","分值合计应为{want}分，当前为"&ROUND(SUM({points}),2)&"分"))')
    sheet.formula(row, 3, check, f"{PENDING}：分值合计应为{want}分", output_name(key, "book", "check"), text=True)
    ws.conditional_format(row, 3, row, 3, {"type": "text", "criteria": "containing", "value": "当前为",
                                           "format": warn})
