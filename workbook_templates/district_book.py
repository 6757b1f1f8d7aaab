"""The district's 目标责任书, signed by the city (市委、市政府) and the district (its Party
committee and government): every business target of the district tier with its indicators,
points, standard and a cell for the year's target value; the public targets with the body
that scores each; the bonus, deduction and award rules; two signatures on each side; the
district deadline.

Everything named comes from the scheme (the tier's parts, their tables' items, the rules);
the book is printed and signed, never taken in: the figures it records reach the office on
the appendix tables (附表5–9) at the year's end.
"""

from __future__ import annotations

from decimal import Decimal

from addin.numbers import fmt, show_rate
from addin.scheme.models import MunicipalScheme, TargetPart, UnitTier
from addin.workbook.identity import input_name
from workbook_templates.book_layout import deadline_text, row_height
from workbook_templates.form import FormBook, FormSheet

LAST = 4
WIDTHS = (6, 22, 8, 44, 18)
"""序号, 目标项目, 分值, 考核标准, 年度目标."""
CN_NUMBERS = "一二三四五六七八九十"


def build_district_book(book: FormBook, scheme: MunicipalScheme, unit_name: str, year: int) -> None:
    tier = scheme.districts
    sheet = book.sheet("目标责任书")
    ws, f = sheet.ws, sheet.fmt
    row = sheet.header_block(label=f"{tier.label}目标责任书", title=f"{year}年度{unit_name}目标管理责任书",
                             unit=unit_name, year=year, scored_by="", last_col=LAST)
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    title_row = 1
    ws.merge_range(row, 0, row, 1, "甲方：市委、市政府", f.label)
    ws.merge_range(row, 2, row, LAST, f"乙方：{unit_name}委、{unit_name}政府", f.label)
    row += 1
    preface = (f"为完成{year}年度目标任务，根据《{scheme.title}》，市委、市政府与{unit_name}委、{unit_name}政府"
               f"签订本责任书。")
    _paragraph(sheet, row, preface)
    row += 2
    business = sum((p.points for p in tier.business), Decimal(0))
    _paragraph(sheet, row, f"一、业务目标（{fmt(business)}分）：由市有关部门提出，市考核办公室汇总，"
                           f"与{tier.label}对接后，报市委、市政府审定", f.label)
    row += 1
    for n, part in enumerate(tier.business):
        row = _business_part(sheet, scheme, row, n, part)
    public = sum((p.points for p in tier.public), Decimal(0))
    _paragraph(sheet, row, f"二、公共目标（{fmt(public)}分）：由市有关部门制定考核办法并计分", f.label)
    row += 1
    for col, text in enumerate(("序号", "公共目标", "分值")):
        ws.write_string(row, col, text, f.header)
    ws.merge_range(row, 3, row, LAST, "考核单位及评分表", f.header)
    row += 1
    for i, part in enumerate(tier.public, start=1):
        ws.write_number(row, 0, i, f.cell)
        ws.write_string(row, 1, part.name, f.cell)
        ws.write_number(row, 2, float(part.points), f.number)
        ws.merge_range(row, 3, row, LAST, _scored(part), f.cell)
        row += 1
    ws.merge_range(row, 0, row, 1, f"目标总分（业务目标{fmt(business)}分 + 公共目标{fmt(public)}分）", f.total)
    ws.write_number(row, 2, float(business + public), f.total)
    ws.merge_range(row, 3, row, LAST, "", f.total)
    row += 2
    for text in _rules(tier, unit_name, year):
        _paragraph(sheet, row, text)
        row += 1
    row += 1
    _signatures(sheet, row, unit_name)
    sheet.finish(header_row=title_row, last_col=LAST)


def _paragraph(sheet: FormSheet, row: int, text: str, fmt=None) -> None:
    sheet.ws.merge_range(row, 0, row, LAST, text, fmt or sheet.fmt.note)
    sheet.ws.set_row(row, row_height(text, sum(WIDTHS)))


def _scored(part: TargetPart) -> str:
    tables = "、".join(([part.table] if part.table else []) + part.alternatives)
    return f"{part.scored_by}（{tables}）" if tables else part.scored_by


def _business_part(sheet: FormSheet, scheme: MunicipalScheme, row: int, n: int, part: TargetPart) -> int:
    """One business part: its heading, then one row per indicator of its table (a part
    without a table is one row of its own)."""
    ws, f = sheet.ws, sheet.fmt
    _paragraph(sheet, row, f"（{CN_NUMBERS[n]}）{part.name}（{fmt(part.points)}分）：由{_scored(part)}考核计分",
               f.label)
    row += 1
    for col, text in enumerate(("序号", "目标项目", "分值", "考核标准", "年度目标")):
        ws.write_string(row, col, text, f.header)
    ws.set_row(row, 20)
    row += 1
    items = [(i.name, i.points, i.standard) for i in scheme.table(part.table).items] if part.table else \
        [(part.name, part.points, "")]
    for k, (name, points, standard) in enumerate(items, start=1):
        ws.write_number(row, 0, k, f.cell)
        ws.write_string(row, 1, name, f.wrap)
        ws.write_number(row, 2, float(points), f.number)
        ws.write_string(row, 3, standard, f.wrap)
        sheet.text_input(row, 4, input_name("target", str(n + 1), str(k)), what=f"{name}年度目标")
        ws.set_row(row, max(row_height(standard, WIDTHS[3]), row_height(name, WIDTHS[1])))
        row += 1
    ws.merge_range(row, 0, row, 1, "小计", f.total)
    ws.write_number(row, 2, float(sum((p for _, p, _ in items), Decimal(0))), f.total)
    ws.merge_range(row, 3, row, LAST, "", f.total)
    return row + 1


def _rules(tier: UnitTier, unit_name: str, year: int) -> list[str]:
    """三、加分与减分 … 六、报送: the tier's rules as the scheme states them."""
    bonus = tier.innovation_bonus
    levels = "、".join(bonus.columns)
    table_text = "；".join(f"{name}认定的按{levels}分别加{'、'.join(fmt(v) for v in cols.values())}分"
                           for name, cols in bonus.table.items())
    awards = tier.awards
    quota = (f"年度考核得分前{awards.quota.count}名的{tier.label}" if awards.quota.count is not None
             else f"按{tier.label}数的{show_rate(awards.quota.rate)}确定的{tier.label}")
    reward = f"{fmt(Decimal(awards.reward_yuan) / 10000)}万元"
    head = ""
    if awards.head_excellent:
        head = "，政府主要负责人年度考核定为优秀等次" + (f"并{awards.head_merit}" if awards.head_merit else "")
    veto = f"被{'、'.join(tier.veto_bodies)}等执纪执法部门一票否决"
    excluded = "及".join(t for t, on in ((veto, awards.veto_excludes), ("弄虚作假", awards.fraud_excludes)) if on)
    barred = "及".join({"veto": "被一票否决", "fraud": "弄虚作假"}[b] for b in awards.head_barred_by)
    awards_text = (f"四、奖惩：{quota}，授予{awards.title}称号并奖励{reward}{head}。"
                   + (f"有关工作{excluded}的，取消评选{awards.title}的资格。" if excluded else "")
                   + (f"有关工作{barred}的，政府主要负责人不能定为优秀等次，不予表彰。" if barred else ""))
    if tier.two_year_alert:
        awards_text += f"连续2年得分低于{fmt(tier.two_year_threshold)}分的，{tier.two_year_flag}。"
    return [
        f"三、加分与减分：加减分因素的考核办法参照市直部门。年度内工作有创新、经验得到肯定推广的，{table_text}，"
        f"同一项目不重复加分；年度内被通报批评的，每次在考核总分中减去{fmt(tier.deduction.per_criticism)}分。",
        awards_text,
        f"五、{tier.label}工作目标的完成情况，半年和年终由市委办公室、市政府办公室进行通报，并在新闻媒体上公布。",
        f"六、本责任书一式两份，甲乙双方各执一份。双方签字后，于{deadline_text(year, tier.submission_deadline)}前"
        f"报送市考核办公室。",
    ]


def _signatures(sheet: FormSheet, row: int, unit_name: str) -> None:
    """甲方 (市委、市政府) on the left, 乙方 (the district's 委 and 政府) on the right: a
    signature and a date for each of the four principals."""
    ws, f = sheet.ws, sheet.fmt
    ws.merge_range(row, 0, row, 1, "甲方：", f.label)
    ws.merge_range(row, 2, row, LAST, "乙方：", f.label)
    row += 1
    for left, right in (("市委主要负责人", f"{unit_name}委主要负责人"), ("市政府主要负责人", f"{unit_name}政府主要负责人")):
        ws.merge_range(row, 0, row, 1, f"{left}（签字）：", f.info)
        ws.merge_range(row, 2, row, LAST, f"{right}（签字）：", f.info)
        ws.set_row(row, 30)
        row += 1
    ws.merge_range(row, 0, row, 1, "日期：      年    月    日", f.info)
    ws.merge_range(row, 2, row, LAST, "日期：      年    月    日", f.info)
