"""The audit bureau's 400-point form for one division (科室) or county bureau (县市区局).

The bureau's procedure (seed): 各单位对照考核内容及评分标准进行自评；局考评考核领导小组进行最终评定.
The form carries both: a 自评得分 column the unit types, item by item, beside the 最终评定
score computed from the inputs (the facts the leadership group confirms). Intake takes the
final score; where the unit's own differs, the receipt and the master show the office.
"""

from __future__ import annotations

from decimal import Decimal

from addin import native_formula as N
from addin.engine.audit import BOARD, AuditUnitInput, assess_audit
from addin.numbers import fmt
from addin.scheme.audit_columns import SELF_PART
from addin.scheme.items import InputSpec, ItemBase
from addin.scheme.models import AuditScheme
from addin.workbook.identity import input_name, output_name
from workbook_templates.appendix import (
    HEADERS,
    SCORE_ROWS,
    initial_inputs,
    native_shown,
    native_total_shown,
    write_items,
)
from workbook_templates.form import PENDING, FormBook, a1

COL_SELF, COL_SCORE = 6, 7
"""自评 beside the final score (最终评定), then the 计分说明."""
AUDIT_HEADERS = [*HEADERS[:6], ("自评得分", 10), ("最终评定", 10), HEADERS[7]]
LAST = len(AUDIT_HEADERS) - 1
SELF_SPEC = InputSpec("self", "自评得分", "number", Decimal(0), None, required=False)
"""A unit's own score of an item: a number ≥ 0 (declared bonuses have no upper bound)."""


def self_name(category_id: str, item_id: str) -> str:
    """The defined name of an item's 自评 cell (``KH_IN_self_A1_A1_1``)."""
    return input_name(SELF_PART, category_id, item_id)


def self_output(*parts: str) -> str:
    """The defined name of a 自评 subtotal (``KH_OUT_self_A1``) or of the 自评 total."""
    return output_name(SELF_PART, *parts)


def _item_rows(items: list[ItemBase], first: int) -> list[tuple[ItemBase, int, int]]:
    """Each item with its first and last row, as write_items lays them out."""
    out, row = [], first
    for item in items:
        height = sum(SCORE_ROWS if s.type == "scores" else 1 for s in item.inputs())
        out.append((item, row, row + height - 1))
        row += height
    return out


def _pending_sum(needed: list[str], cells: str, pending: str) -> str:
    """The sum of ``cells`` once every cell of ``needed`` holds a number, else ``pending``."""
    return (f'=IF(COUNT({",".join(needed)})<{len(needed)},"{pending}",'
            f"{N.cents(f'SUM({cells})')})")


def build_audit_form(book: FormBook, scheme: AuditScheme, code: str, unit_name: str, unit_type: str,
                     year: int, formulas: str = "addin") -> None:
    applicable = {cat.id: [i for i in cat.items if i.applies_to is None or unit_type in i.applies_to]
                  for cat in scheme.categories}
    defaults = {i.id: initial_inputs(i) for items in applicable.values() for i in items}
    unit = assess_audit(scheme, [AuditUnitInput(code, unit_name, unit_type, defaults)]).units[0]
    maximum = scheme.applicable_max(unit_type)

    sheet = book.sheet("目标考评")
    ws, f = sheet.ws, sheet.fmt
    row = sheet.header_block(label=unit_type,
                             title=f"{year}年度审计机关目标管理考评考核评分表（{fmt(scheme.total_points)}分）",
                             unit=unit_name, year=year, scored_by=BOARD, last_col=LAST)
    header_row = row
    row = sheet.columns(row, AUDIT_HEADERS)
    pending = N.UNFILLED if formulas == "native" else PENDING
    subtotal_cells: list[str] = []
    self_subtotals: list[str] = []
    statuses: list[object] = []
    for cat in scheme.categories:
        items = applicable[cat.id]
        ws.merge_range(row, 0, row, LAST, f"{cat.id} {cat.name}（{fmt(cat.points)}分）", f.label)
        first, last, _, totals = write_items(sheet, "", items, row + 1, (cat.id,), formulas=formulas,
                                             score_col=COL_SCORE)
        needed = []
        for item, top, bottom in _item_rows(items, row + 1):
            if bottom > top:
                ws.merge_range(top, COL_SELF, bottom, COL_SELF, "", f.input)
            sheet.input(top, COL_SELF, None, SELF_SPEC, f"{item.id} {item.name}·自评得分", self_name(cat.id, item.id))
            if not item.bonus:
                needed.append(a1(top, COL_SELF))
        row = last + 1
        ws.merge_range(row, 0, row, 1, f"{cat.id} 小计", f.total)
        ws.write_number(row, 2, float(sum((i.points for i in items if not i.bonus), Decimal(0))), f.total)
        ws.merge_range(row, 3, row, 5, "含加分项，加分计入小计" if any(i.bonus for i in items) else "", f.note)
        scored = unit.categories[cat.id]
        cached: object = PENDING if scored.total is None else scored.total
        subtotal_f = f"=SUM({a1(first, COL_SCORE, True)}:{a1(last, COL_SCORE, True)})"
        if formulas == "native":
            subtotal_f = N.compile_total(totals, cat.points, cap_total=False, rescale_dropped=False)
            cached = native_total_shown({s.item: native_shown(s, i) for s, i in zip(scored.items, items)},
                                        scored.total)
            statuses.append(cached)
        sheet.formula(row, COL_SCORE, subtotal_f, cached, output_name(cat.id, "total"), fmt=f.total)
        subtotal_cells.append(a1(row, COL_SCORE))
        sheet.formula(row, COL_SELF, _pending_sum(needed, f"{a1(first, COL_SELF)}:{a1(last, COL_SELF)}", pending),
                      pending, self_output(cat.id), fmt=f.total)
        self_subtotals.append(a1(row, COL_SELF))
        row += 1
    total_row, max_row, rate_row = row, row + 1, row + 2
    ws.merge_range(total_row, 0, total_row, 1, "总分", f.total)
    total_f, cached = f"=SUM({','.join(subtotal_cells)})", PENDING if unit.total is None else unit.total
    if formulas == "native":
        total_f = N.compile_sum(subtotal_cells)
        cached = unit.total if unit.total is not None else N.UNFILLED if N.UNFILLED in statuses else N.INVALID
    sheet.formula(total_row, COL_SCORE, total_f, cached, output_name("total"), fmt=f.total)
    sheet.formula(total_row, COL_SELF, _pending_sum(self_subtotals, ",".join(self_subtotals), pending), pending,
                  self_output("total"), fmt=f.total)
    ws.merge_range(max_row, 0, max_row, 1, "适用满分", f.total)
    ws.write_number(max_row, COL_SCORE, float(maximum), f.total)
    if maximum != scheme.total_points:
        skipped = [f"{i.name}（{i.id}）" for c in scheme.categories for i in c.items
                   if i.applies_to is not None and unit_type not in i.applies_to]
        ws.merge_range(max_row, 3, max_row, 5, f"{unit_type}不考评{'、'.join(skipped)}，适用满分相应减少", f.note)
    ws.merge_range(rate_row, 0, rate_row, 1, "得分率", f.total)
    base = fmt(scheme.rate_base)
    sheet.formula(rate_row, COL_SCORE,
                  f'=IF(ISNUMBER({a1(total_row, COL_SCORE)}),ROUND({a1(total_row, COL_SCORE)}/'
                  f'{a1(max_row, COL_SCORE)}*{base},2),"{PENDING}")',
                  PENDING if unit.rate is None else unit.rate, output_name("rate"), fmt=f.total)
    ws.merge_range(rate_row, 3, rate_row, 5, f"得分率 = 总分 ÷ 适用满分 × {base}，用于各单位比较", f.note)
    ws.merge_range(rate_row + 2, 0, rate_row + 2, LAST,
                   f"说明：“自评得分”由本单位对照评分标准逐项填写；“最终评定”由{BOARD}按填报值计算，以最终评定为准，"
                   "两者不一致的，汇总时列出差额。", f.note)
    ws.set_row(rate_row + 2, 30)
    sheet.finish(header_row=header_row, last_col=LAST, landscape=True)
