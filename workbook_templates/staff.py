"""Staff templates: the unit's roster of assessed staff (one row per person) and the
printable individual assessment form (one sheet per person)."""

from __future__ import annotations

from decimal import Decimal

from addin import native_formula as N
from addin.numbers import fmt
from addin.office.roster import RosterPerson
from addin.scheme.items import InputSpec
from addin.scheme.models import MunicipalScheme
from addin.workbook.identity import input_name, output_name
from workbook_templates.form import PENDING, FormBook, a1, ref

BLANK_ROWS = 30
GRADES = ["优秀", "称职", "基本称职", "不称职"]


def _democratic(staff, votes: list[str], formulas: str) -> tuple[str, str]:
    """(formula, cached value) of a democratic score over the vote cells."""
    if formulas == "native":
        return N.compile_democratic(votes, list(staff.vote_weights.values()), staff.democratic_points), N.UNFILLED
    return f"=DEMOCRATIC_SCORE({','.join(votes)})", PENDING


def _total(staff, dem: str, bus: str, pub: str, formulas: str, computed: list[str]) -> tuple[str, str]:
    if formulas == "native":
        return N.compile_staff_total(dem, bus, pub, weight=staff.completion_weight,
                                     democratic_points=staff.democratic_points,
                                     business_points=staff.business_points, public_points=staff.public_points,
                                     computed=computed), N.UNFILLED
    return f"=STAFF_TOTAL({dem},{bus},{pub})", PENDING


def build_staff_roster(book: FormBook, scheme: MunicipalScheme, unit_name: str, people: list[RosterPerson],
                       year: int, formulas: str = "addin") -> None:
    staff = scheme.staff
    sheet = book.sheet("考核名册")
    ws, f = sheet.ws, sheet.fmt
    headers = [("人员编码", 10), ("姓名", 9), ("层级", 10), ("主要负责人", 7)]
    headers += [(f"{g}票", 6) for g in staff.vote_weights]
    headers += [(f"民主测评（{fmt(staff.democratic_points)}）", 9), (f"业务目标（{fmt(staff.business_points)}）", 9),
                (f"公共目标（{fmt(staff.public_points)}）", 9), ("总分", 8), ("投诉或违纪", 7), ("情节严重", 7),
                ("上年等次", 9)]
    last = len(headers) - 1
    row = sheet.header_block(label="工作人员考核名册", title=f"{year}年度{unit_name}工作人员目标管理考核名册",
                             unit=unit_name, year=year, scored_by="本单位考核办", last_col=last)
    header_row = row
    row = sheet.columns(row, headers)
    first = row
    levels = [lv.name for lv in staff.levels]
    specs = {
        "level": InputSpec("level", "层级", "choice", choices=tuple(levels)),
        "head": InputSpec("head", "主要负责人", "flag"),
        "votes": InputSpec("votes", "票数", "count", Decimal(0)),
        "business": InputSpec("business", "业务目标", "number", Decimal(0), staff.business_points),
        "public": InputSpec("public", "公共目标", "number", Decimal(0), staff.public_points),
        "flag": InputSpec("flag", "是否", "flag"),
        "previous": InputSpec("previous", "上年等次", "choice", choices=tuple(GRADES)),
    }
    rows = people or [None] * BLANK_ROWS
    dem_col = 4 + len(staff.vote_weights)
    columns = [(2, specs["level"], "层级"), (3, specs["head"], "主要负责人"),
               *[(4 + k, specs["votes"], f"{g}票数") for k, g in enumerate(staff.vote_weights)],
               (dem_col + 1, specs["business"], "业务目标"), (dem_col + 2, specs["public"], "公共目标"),
               (dem_col + 4, specs["flag"], "投诉或违纪"), (dem_col + 5, specs["flag"], "情节严重"),
               (dem_col + 6, specs["previous"], "上年等次")]
    for person in rows:
        if person is not None:
            ws.write_string(row, 0, person.code, f.cell)
            ws.write_string(row, 1, person.name, f.cell)
        else:
            sheet.text_input(row, 0, None, what="人员编码", validate=False)
            sheet.text_input(row, 1, None, what="姓名", validate=False)
        start = {2: None, 3: "否", dem_col + 4: "否", dem_col + 5: "否"}
        for col, spec, what in columns:
            if person is not None and col in (2, 3):  # the office's roster decides these: locked
                ws.write_string(row, col, person.level if col == 2 else ("是" if person.is_head else "否"), f.cell)
            else:
                sheet.input(row, col, start.get(col), spec, what, None, validate=False)
        v = [a1(row, 4 + k) for k in range(len(staff.vote_weights))]
        sheet.formula(row, dem_col, *_democratic(staff, v, formulas), None)
        dem = a1(row, dem_col)
        sheet.formula(row, dem_col + 3, *_total(staff, dem, a1(row, dem_col + 1), a1(row, dem_col + 2), formulas,
                                                [dem]), None)
        row += 1
    for col, spec, what in columns:  # one validation per input column
        if not (people and col in (2, 3)):
            sheet.validate_column(first, row - 1, col, spec, what)
    if not people:
        sheet.validate_text(first, row - 1, 0, "人员编码")
        sheet.validate_text(first, row - 1, 1, "姓名")
    keys = ["code", "name", "level", "head", *[f"votes_{k}" for k in range(len(staff.vote_weights))],
            "democratic", "business", "public", "total", "complaint", "serious", "previous"]
    for col, key in enumerate(keys):
        maker = output_name if key in ("democratic", "total") else input_name
        book.name(maker("staff", key), ref(sheet.name, first, col, row - 1))
    how = ("（=DEMOCRATIC_SCORE）", "（=STAFF_TOTAL）") if formulas == "addin" else ("", "")
    ws.merge_range(row + 1, 0, row + 1, last, f"说明：民主测评按票数折算{how[0]}，总分 = 民主测评 + "
                   f"{fmt(staff.completion_weight)} ×（业务目标 + 公共目标）{how[1]}。优秀等次按名额由考核办统一确定。",
                   f.note)
    sheet.finish(header_row=header_row, last_col=last, landscape=True, freeze_col=2)


def build_staff_forms(book: FormBook, scheme: MunicipalScheme, unit_name: str, people: list[RosterPerson],
                      year: int, formulas: str = "addin") -> None:
    """One printable form per person; a single blank form when the roster names nobody."""
    for person in people or [None]:
        _staff_form(book, scheme, unit_name, person, year, formulas)


def _staff_form(book: FormBook, scheme: MunicipalScheme, unit_name: str, person: RosterPerson | None,
                year: int, formulas: str) -> None:
    staff = scheme.staff
    key = person.code if person else "form"
    sheet = book.sheet((person.code if person else "考核表")[:31])
    ws, f = sheet.ws, sheet.fmt
    last = 3
    row = sheet.header_block(label="工作人员年度考核表", title=f"{year}年度机关工作人员目标管理考核表", unit=unit_name,
                             year=year, scored_by="本单位考核办", last_col=last)
    for col, width in enumerate((28, 20, 16, 20)):
        ws.set_column(col, col, width)
    header_row = row
    info = [("姓名", person.name if person else None), ("人员编码", person.code if person else None),
            ("层级", person.level if person else None), ("主要负责人", ("是" if person.is_head else "否") if person else None)]
    for i in range(0, len(info), 2):
        for j, (label, value) in enumerate(info[i:i + 2]):
            ws.write_string(row, j * 2, label, f.header)
            if value is not None:
                ws.write_string(row, j * 2 + 1, value, f.cell)
            else:
                sheet.text_input(row, j * 2 + 1, input_name(key, label), what=label)
        row += 1
    row += 1
    ws.merge_range(row, 0, row, last, f"一、民主测评（{fmt(staff.democratic_points)}分，按票数折算）", f.label)
    row += 1
    votes = []
    vote_spec = InputSpec("votes", "票数", "count", Decimal(0))
    for grade, weight in staff.vote_weights.items():
        ws.write_string(row, 0, f"“{grade}”票数（权重{fmt(weight)}）", f.cell)
        sheet.input(row, 1, None, vote_spec, f"“{grade}”票数", input_name(key, "votes", grade))
        votes.append(a1(row, 1))
        row += 1
    ws.write_string(row, 0, "民主测评得分", f.total)
    sheet.formula(row, 1, *_democratic(staff, votes, formulas), output_name(key, "democratic"))
    dem = a1(row, 1)
    row += 2
    ws.merge_range(row, 0, row, last, f"二、目标完成情况（目标分100分 × {fmt(staff.completion_weight)}）", f.label)
    row += 1
    ws.write_string(row, 0, f"业务目标（0–{fmt(staff.business_points)}）", f.cell)
    sheet.input(row, 1, None, InputSpec("business", "业务目标", "number", Decimal(0), staff.business_points),
                "业务目标", input_name(key, "business"))
    bus = a1(row, 1)
    row += 1
    first_public = row
    public_specs = []
    for part in staff.public_items:
        ws.write_string(row, 0, f"公共目标·{part.name}（0–{fmt(part.points)}）", f.cell)
        public_specs.append(InputSpec(part.name, part.name, "number", Decimal(0), part.points))
        sheet.input(row, 1, None, public_specs[-1], part.name, input_name(key, "public", part.name))
        row += 1
    ws.write_string(row, 0, "公共目标小计", f.total)
    if formulas == "native":
        public_f, public_cached = N.compile_inputs_sum([a1(r, 1) for r in range(first_public, row)],
                                                       public_specs), N.UNFILLED
    else:  # like every other blank total: 待填写 until each public item has its score (never a 0.00)
        cells = f"{a1(first_public, 1)}:{a1(row - 1, 1)}"
        public_f = f'=IF(COUNT({cells})<{row - first_public},"{PENDING}",SUM({cells}))'
        public_cached = PENDING
    sheet.formula(row, 1, public_f, public_cached, output_name(key, "public"), fmt=f.total)
    pub = a1(row, 1)
    row += 2
    ws.write_string(row, 0, "投诉、违纪违规或弄虚作假", f.cell)
    sheet.input(row, 1, "否", InputSpec("complaint", "投诉或违纪", "flag"), "投诉或违纪", input_name(key, "complaint"))
    complaint = a1(row, 1)
    row += 1
    ws.write_string(row, 0, "总分", f.total)
    sheet.formula(row, 1, *_total(staff, dem, bus, pub, formulas, [dem, pub]), output_name(key, "total"))
    total = a1(row, 1)
    row += 1
    ws.write_string(row, 0, "等次（未计优秀名额）", f.total)
    grade_f, grade_cached = f"=STAFF_GRADE({total},FALSE,{complaint})", PENDING
    if formulas == "native":
        grade_f = N.compile_grade(total, complaint, competent_min=staff.grades.competent_min,
                                  basic_min=staff.grades.basic_min, complaint_cap=staff.complaint_cap, grades=GRADES)
        grade_cached = N.UNFILLED
    sheet.formula(row, 1, grade_f, grade_cached, output_name(key, "grade"))
    ws.merge_range(row, 2, row, 3, "优秀等次须在名额内，由考核办统一确定", f.note)
    row += 2
    for label in ("个人总结", "单位考核意见"):
        ws.write_string(row, 0, label, f.header)
        ws.merge_range(row, 1, row + 3, last, "", f.input_text)
        sheet.text_input(row, 1, input_name(key, label), what=label)
        row += 5
    ws.write_string(row, 0, "本人签字：", f.info)
    ws.write_string(row, 2, "考核办（盖章）：", f.info)
    sheet.finish(header_row=header_row, last_col=last)
