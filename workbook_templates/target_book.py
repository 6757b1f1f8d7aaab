"""The department's 目标责任书: business items summing to 70, the public targets from
the scheme, the bonus and deduction rules, the signature block and the deadline."""

from __future__ import annotations

from decimal import Decimal

from addin.numbers import fmt, show_rate
from addin.scheme.items import InputSpec
from addin.scheme.models import MunicipalScheme
from addin.workbook.identity import input_name, output_name
from workbook_templates.form import FormBook, a1

ROWS = 15
LAST = 3


def build_target_book(book: FormBook, scheme: MunicipalScheme, unit_name: str, group: str, year: int,
                      items: list[tuple[str, Decimal, str]] | None = None) -> None:
    tier = scheme.departments
    business = sum((p.points for p in tier.business), Decimal(0))
    sheet = book.sheet("目标责任书")
    ws, f = sheet.ws, sheet.fmt
    row = sheet.header_block(label="目标责任书", title=f"{year}年度{unit_name}目标管理责任书", unit=unit_name,
                             year=year, scored_by=f"{group}分口考核组" if group else "分口考核组", last_col=LAST)
    ws.merge_range(row, 0, row, LAST, f"一、业务目标（{fmt(business)}分）：由本部门提出，分口考核组审核，市分管领导审定",
                   f.label)
    row += 1
    header_row = row
    row = sheet.columns(row, [("序号", 6), ("业务目标项目", 30), ("分值", 9), ("目标要求与考核标准", 52)])
    first = row
    points_spec = InputSpec("points", "分值", "number", Decimal("0.01"), business)
    for i in range(1, ROWS + 1):
        name, points, standard = items[i - 1] if items and i <= len(items) else (None, None, None)
        ws.write_number(row, 0, i, f.cell)
        sheet.text_input(row, 1, input_name("book", str(i), "item"), what=f"第{i}项业务目标", value=name)
        sheet.input(row, 2, points, points_spec, f"第{i}项分值", input_name("book", str(i), "points"))
        sheet.text_input(row, 3, input_name("book", str(i), "standard"), what=f"第{i}项考核标准", value=standard)
        ws.set_row(row, 24)
        row += 1
    total = sum((p for _, p, _ in items or []), Decimal(0))
    points = f"{a1(first, 2, True)}:{a1(row - 1, 2, True)}"
    ws.write_string(row, 0, "合计", f.total)
    ws.write_string(row, 1, "", f.total)
    sheet.formula(row, 2, f"=SUM({points})", total, output_name("book", "points"), fmt=f.total)
    check = (f'=IF(ROUND(SUM({points}),2)={fmt(business)},"分值合计为{fmt(business)}分",'
             f'"分值合计应为{fmt(business)}分，当前为"&ROUND(SUM({points}),2)&"分")')
    cached = (f"分值合计为{fmt(business)}分" if total == business
              else f"分值合计应为{fmt(business)}分，当前为{total:.2f}分")
    sheet.formula(row, 3, check, cached, output_name("book", "check"), text=True)
    ws.conditional_format(row, 3, row, 3, {"type": "text", "criteria": "containing", "value": "应为",
                                           "format": book.wb.add_format({"font_color": "#C00000", "bold": True})})
    row += 2
    public = sum((p.points for p in tier.public), Decimal(0))
    ws.merge_range(row, 0, row, LAST, f"二、公共目标（{fmt(public)}分）：由市有关部门制定考核办法并计分", f.label)
    row += 1
    for col, text in enumerate(("序号", "公共目标", "分值", "考核单位及评分表")):
        ws.write_string(row, col, text, f.header)
    row += 1
    for i, part in enumerate(tier.public, start=1):
        tables = "、".join(([part.table] if part.table else []) + part.alternatives)
        ws.write_number(row, 0, i, f.cell)
        ws.write_string(row, 1, part.name, f.cell)
        ws.write_number(row, 2, float(part.points), f.number)
        ws.write_string(row, 3, f"{part.scored_by}（{tables}）", f.cell)
        row += 1
    row += 1
    bonus = tier.innovation_bonus
    levels = "、".join(bonus.columns)
    table_text = "；".join(f"{name}认定的按{levels}分别加{'、'.join(fmt(v) for v in cols.values())}分"
                           for name, cols in bonus.table.items())
    rules = [
        f"三、加分与减分：年度内工作有创新、经验得到肯定推广的，{table_text}，同一项目不重复加分；"
        f"年度内被通报批评的，每次在考核总分中减去{fmt(tier.deduction.per_criticism)}分。",
        f"四、奖惩：分口考核组按口内部门综合得分排名，按部门数的{show_rate(tier.awards.quota.rate)}确定先进集体限额，"
        f"先进集体奖励{tier.awards.reward_yuan // 10000}万元；被{'、'.join(tier.veto_bodies)}等一票否决或弄虚作假的，"
        f"取消评先资格；连续2年得分低于{fmt(tier.two_year_threshold)}分的，{tier.two_year_flag}。",
        f"五、本责任书一式两份，市分管领导与部门（单位）主要负责人签字后，于{year}年"
        f"{int(tier.submission_deadline[:2])}月{int(tier.submission_deadline[3:])}日前报送市考核办公室。",
    ]
    for text in rules:
        ws.merge_range(row, 0, row, LAST, text, f.note)
        ws.set_row(row, 44)
        row += 1
    row += 1
    ws.merge_range(row, 0, row, 1, "市分管领导（签字）：", f.info)
    ws.write_string(row, 2, "", f.info)
    ws.write_string(row, 3, "部门（单位）主要负责人（签字）：", f.info)
    row += 2
    ws.merge_range(row, 0, row, 1, "日期：      年    月    日", f.info)
    ws.write_string(row, 3, "日期：      年    月    日", f.info)
    sheet.finish(header_row=header_row, last_col=LAST)
