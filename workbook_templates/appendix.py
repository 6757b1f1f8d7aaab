"""附表1–9: one appendix table for one unit, items and points from the scheme."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from addin import native_formula as N
from addin.engine.items import ItemScore, score_item
from addin.numbers import fmt
from addin.engine.tables import score_table
from addin.scheme.items import (
    AddItem,
    AdjustItem,
    CompletionItem,
    DeductItem,
    DiscretionaryItem,
    ItemBase,
    SumItem,
)
from addin.scheme.models import MunicipalScheme, Table
from addin.workbook.identity import input_name, output_name
from workbook_templates.form import PENDING, FormBook, a1, ref

HEADERS = [("编号", 6), ("考核项目", 14), ("分值", 6), ("评分标准", 34), ("填报内容", 24), ("填报值", 11),
           ("得分", 9), ("计分说明", 28)]
COL_INPUT, COL_SCORE, COL_TRACE, LAST = 5, 6, 7, 7
SCORE_ROWS = 10
TIER_LABEL = {"departments": "市直部门", "districts": "区(市)"}


def _neutral_inputs(item: ItemBase) -> set[str]:
    """Inputs whose 0 is the neutral state: deduction counts, and counts or discretionary
    values that only add a declared bonus or take a deduction."""
    if isinstance(item, SumItem):
        return set().union(*(_neutral_inputs(p) for p in item.parts))
    if isinstance(item, (DeductItem, AdjustItem)):
        return {c.input for c in item.clauses}
    if isinstance(item, AddItem) and (item.bonus or item.base >= item.points):
        return {c.input for c in item.clauses}
    if isinstance(item, DiscretionaryItem) and (item.bonus or item.allow_zero):
        return {"value"}
    return set()


def initial_inputs(item: ItemBase) -> dict[str, Any]:
    """What the inputs start as: flags 否 and neutral counts 0 (no deduction, no bonus,
    visibly in the cell); figures, choices, scores and notes blank, to be entered."""
    neutral = _neutral_inputs(item)
    return {s.name: "否" if s.type == "flag" else 0 if s.name in neutral else None for s in item.inputs()}


def native_shown(result: ItemScore, item: ItemBase, raw: dict[str, Any] | None = None) -> Decimal | str:
    """What an item's native formula shows for these inputs, as the engine sees them: the
    score, or the status (the cached value of a native cell)."""
    if item.kind in N.UNEXPRESSIBLE:
        records = (raw or {}).get("records")
        filled = [v for v in (records if isinstance(records, (list, tuple)) else [records]) if v not in (None, "")]
        return N.AT_OFFICE if filled else N.UNFILLED
    if result.ok and result.score is not None:
        return result.score
    if result.dropped:
        return N.DROPPED
    if any(p.code in ("missing", "note_required") for p in result.problems):
        return N.UNFILLED
    return N.INVALID


SCORED = "按评分标准自动计算（汇总时考核办复核）"
WHAT_TO_DO = {N.UNFILLED: "请填写本项黄色单元格", N.DROPPED: "未下达目标，分值按平均得分率折算",
              N.AT_OFFICE: "由考核办汇总时计分", N.INVALID: "请按评分标准核对填报值"}
"""The 计分说明 of a native row, by what its score cell shows: no formula can write the
engine's trace, so it says what to do."""


def native_trace(score_cell: str) -> str:
    """The 计分说明 formula of a native row (see WHAT_TO_DO)."""
    body = f'"{WHAT_TO_DO[N.INVALID]}"'
    for status in (N.AT_OFFICE, N.DROPPED, N.UNFILLED):
        body = f'IF({score_cell}="{status}","{WHAT_TO_DO[status]}",{body})'
    return f'=IF(ISNUMBER({score_cell}),"{SCORED}",{body})'


def item_formula(func: str, ref_id: str, cells: list[str]) -> str:
    args = "".join(f",{c}" for c in cells)
    return f'={func}("{ref_id}"{args})'


def write_items(sheet, table_ref: str, items: list[ItemBase], row: int, name_parts: tuple[str, ...],
                drop_guard: bool = False, formulas: str = "addin", score_col: int = COL_SCORE,
                ) -> tuple[int, int, dict[str, Any], list[N.TotalItem]]:
    """Write item rows (one row per input); returns (first row, last row, initial inputs,
    the score cells as a native total sees them). The score goes in ``score_col`` and its
    计分说明 in the column after it (the audit form puts its 自评 column before them)."""
    ws, f = sheet.ws, sheet.fmt
    trace_col = score_col + 1
    first = row
    initial: dict[str, dict[str, Any]] = {}
    totals: list[N.TotalItem] = []
    for item in items:
        specs = item.inputs()
        raw = initial_inputs(item)
        initial[item.id] = raw
        height = sum(SCORE_ROWS if s.type == "scores" else 1 for s in specs)
        top, bottom = row, row + height - 1
        cells = []
        for spec in specs:
            what = f"{item.id} {item.name}·{spec.label}"
            name = input_name(*name_parts, item.id, spec.name)
            if spec.type == "scores":  # a block of cells, one score each, read as one range
                ws.merge_range(row, 4, row + SCORE_ROWS - 1, 4, f"{spec.label}（每格一个项目）", f.wrap)
                for r in range(row, row + SCORE_ROWS):
                    sheet.input(r, COL_INPUT, None, spec, what, None)
                cells.append(f"{a1(row, COL_INPUT)}:{a1(row + SCORE_ROWS - 1, COL_INPUT)}")
                sheet.book.name(name, ref(sheet.name, row, COL_INPUT, row + SCORE_ROWS - 1))
                row += SCORE_ROWS
                continue
            ws.write_string(row, 4, spec.label, f.wrap)
            sheet.input(row, COL_INPUT, raw[spec.name], spec, what, name)
            cells.append(a1(row, COL_INPUT))
            row += 1
        for col, value, fm in ((0, item.id, f.cell), (1, item.name, f.wrap), (2, item.points, f.number),
                               (3, item.standard, f.wrap)):
            if bottom > top:
                ws.merge_range(top, col, bottom, col, "", fm)
            if isinstance(value, Decimal):
                ws.write_number(top, col, float(value), fm)
            else:
                ws.write_string(top, col, str(value), fm)
        result = score_item(item, raw)
        cached = result.score if result.ok and result.score is not None else PENDING
        trace_cached = result.trace if result.ok and result.trace else PENDING
        item_ref = f"{table_ref}:{item.id}" if table_ref else item.id
        score_f = item_formula("ITEM_SCORE", item_ref, cells)
        trace_f = item_formula("EXPLAIN", item_ref, cells)
        totals.append(N.TotalItem(a1(top, score_col), item.points, item.bonus, N.may_drop(item),
                                  item.kind in N.UNEXPRESSIBLE))
        if formulas == "native":
            score_f, cached = N.compile_item(item, cells), native_shown(result, item, raw)
            trace_f = native_trace(a1(top, score_col))
            trace_cached = SCORED if isinstance(cached, Decimal) else WHAT_TO_DO[cached]
        elif drop_guard and isinstance(item, CompletionItem) and item.no_target == "drop":
            target = cells[1]
            score_f = f'=IF({target}="","不计分",{score_f[1:]})'
            trace_f = f'=IF({target}="","未下达目标，分值按平均得分率折算",{trace_f[1:]})'
            cached = "不计分" if raw["target"] is None else cached
        for col in (score_col, trace_col):
            if bottom > top:
                ws.merge_range(top, col, bottom, col, "", f.result if col == score_col else f.result_text)
        sheet.formula(top, score_col, score_f, cached, output_name(*name_parts, item.id))
        sheet.formula(top, trace_col, trace_f, trace_cached, None, text=True)
        for r in range(top, bottom + 1):
            ws.set_row(r, 30 if height < SCORE_ROWS else 18)
    return first, row - 1, initial, totals


def native_total_shown(shown: dict[str, Decimal | str], total: Decimal | None) -> Decimal | str:
    """What a native total shows: the engine's total, or the status of the items."""
    statuses = {v for v in shown.values() if isinstance(v, str)} - {N.DROPPED}
    if total is not None and not statuses:
        return total
    return next((s for s in (N.UNFILLED, N.AT_OFFICE) if s in statuses), N.INVALID)


def build_appendix(book: FormBook, scheme: MunicipalScheme, table: Table, tier: str, unit_name: str,
                   year: int, formulas: str = "addin", half_year: bool = False) -> None:
    """One appendix table for one unit; ``half_year``: the half-year round's, marked 半年 in
    its title (its kind id ends ``:half``, so it never passes for the year-end one)."""
    short = table.id
    sheet = book.sheet(short)
    ws, f = sheet.ws, sheet.fmt
    prefix = "" if table.title.startswith(TIER_LABEL[tier]) else TIER_LABEL[tier]
    title = f"{year}年度{'上半年' if half_year else ''}{prefix}{table.title}考核评分表{'（半年）' if half_year else ''}"
    row = sheet.header_block(label=short, title=title, unit=unit_name, year=year, scored_by=table.scored_by,
                             last_col=LAST)
    header_row = row
    row = sheet.columns(row, HEADERS)
    first, last, initial, totals = write_items(sheet, short, table.items, row, (short,),
                                               drop_guard=table.rescale_dropped, formulas=formulas)
    total_row = last + 1
    ws.merge_range(total_row, 0, total_row, 1, "合计", f.total)
    ws.write_number(total_row, 2, float(table.points), f.total)
    ws.merge_range(total_row, 3, total_row, 5, _total_note(table), f.note)
    scores = f"{a1(first, COL_SCORE, True)}:{a1(last, COL_SCORE, True)}"
    points = f"{a1(first, 2, True)}:{a1(last, 2, True)}"
    cap = fmt(table.points)
    if table.rescale_dropped:
        applicable = f'SUMIF({scores},"<>不计分",{points})'
        total_f = f'=IF({applicable}=0,"{PENDING}",MIN({cap},ROUND(SUM({scores})*{cap}/{applicable},2)))'
    elif table.cap_total:
        total_f = f"=MIN({cap},SUM({scores}))"
    else:
        total_f = f"=SUM({scores})"
    expected = score_table(table, initial)
    cached = expected.total if expected.total is not None else PENDING
    if formulas == "native":
        total_f = N.compile_total(totals, table.points, cap_total=table.cap_total,
                                  rescale_dropped=table.rescale_dropped)
        cached = native_total_shown({s.item: native_shown(s, i, initial[i.id]) for s, i in
                                                  zip(expected.items, table.items)}, expected.total)
    sheet.formula(total_row, COL_SCORE, total_f, cached, output_name(short, "total"), fmt=f.total)
    ws.write_string(total_row, COL_TRACE, expected.trace if expected.total is not None else "", f.result_text)
    ws.set_row(total_row, 30)
    if table.note:
        ws.merge_range(total_row + 2, 0, total_row + 2, LAST, f"说明：{table.note}", f.note)
        ws.set_row(total_row + 2, 30)
    sheet.finish(header_row=header_row, last_col=LAST, landscape=True)


def _total_note(table: Table) -> str:
    if table.rescale_dropped:
        return f"本表最高{fmt(table.points)}分；未下达目标的指标按平均得分率折算"
    if table.cap_total:
        return f"本表最高{fmt(table.points)}分"
    return ""
