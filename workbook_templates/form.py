"""Form primitives over xlsxwriter: what every kaohe template looks like.

A :class:`FormBook` is one ``.xlsx`` with a fixed identity: a Chinese header block,
marked and unlocked input cells with data validation, locked formula cells carrying cached
values, A4 print setup, frozen panes, sheet protection, defined names for every input and
result, and the very hidden metadata sheet. Workbooks are deterministic: fixed document
dates, and no full recalculation on load (so cached values of UDF cells show in a copy
of Excel without the add-in).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import re

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from addin.workbook.text import xlsx_options
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from addin import native_formula as N
from addin.scheme.items import InputSpec
from addin.workbook.identity import META_SHEET, Identity

INPUT_FILL = "#FFF2CC"
RESULT_FILL = "#EDEDED"
HEADER_FILL = "#D9E1F2"
BODY_FONT = "宋体"
TITLE_FONT = "黑体"
EXCEL_CALC_ID = 191029  # Excel 2019/365: a newer engine would recalculate everything on load
FIXED_DATE = dt.datetime(2000, 1, 1)
PENDING = "待填写"


_FUNCTION = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")
PLAIN_FUNCTIONS = N.ALLOWED_FUNCTIONS | {"ITEM_SCORE", "EXPLAIN", "DEMOCRATIC_SCORE", "STAFF_TOTAL", "STAFF_GRADE"}
"""Functions xlsxwriter never rewrites as ``_xlfn.`` future functions."""


class FormWorksheet(Worksheet):
    """A worksheet that skips xlsxwriter's future-function rewriting (some 30 regular
    expressions over every formula) for formulas that call only functions it never
    rewrites: the long native formulas would otherwise dominate the build time."""

    def _prepare_formula(self, formula, expand_future_functions=False):
        body = formula[1:] if formula.startswith("=") else formula
        if not formula.startswith("{") and {f.upper() for f in _FUNCTION.findall(body)} <= PLAIN_FUNCTIONS:
            return body
        return super()._prepare_formula(formula, expand_future_functions)


def a1(row: int, col: int, absolute: bool = False) -> str:
    return xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute)


def ref(sheet: str, row: int, col: int, last_row: int | None = None, last_col: int | None = None) -> str:
    """An absolute reference for a defined name: ='附表1'!$F$8 or a range."""
    start = a1(row, col, True)
    if last_row is None:
        return f"={quote_sheetname(sheet)}!{start}"
    return f"={quote_sheetname(sheet)}!{start}:{a1(last_row, last_col if last_col is not None else col, True)}"


def xl_number(value: Decimal | int | float | None) -> Any:
    """A cell value: decimals as float, whole numbers as int."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def validation_for(spec: InputSpec, what: str) -> dict[str, Any]:
    """The data validation of one input, with a Chinese input message and error alert."""
    title = what[:32]
    lo = None if spec.lo is None else float(spec.lo)
    hi = None if spec.hi is None else float(spec.hi)
    if spec.type in ("flag", "choice"):
        choices = ["是", "否"] if spec.type == "flag" else list(spec.choices)
        text = "、".join(choices)
        return {"validate": "list", "source": choices, "input_title": title,
                "input_message": f"请从下拉列表选择：{text}"[:255],
                "error_title": "输入有误", "error_message": f"{what} 只能填：{text} [choose one of: {text}]"[:255]}
    if spec.type == "note":
        return {"validate": "length", "criteria": "<=", "value": 255, "input_title": title,
                "input_message": "请填写评定说明（酌情评分时必填）。",
                "error_title": "输入有误", "error_message": "说明不超过255字 [at most 255 characters]"}
    kind = "integer" if spec.type == "count" else "decimal"
    noun = "整数" if kind == "integer" else "数值"
    if spec.type == "rate":
        lo, hi = -10.0, 10.0
        msg = "请以百分比填写，如 8.5%（Excel 存为 0.085）。"
    elif lo is not None and hi is not None:
        msg = f"请填写 {_num(lo)}–{_num(hi)} 之间的{noun}。"
    elif lo is not None:
        msg = f"请填写不小于 {_num(lo)} 的{noun}。"
        hi = 1e12
    else:
        msg = f"请填写{noun}。"
        lo, hi = -1e12, 1e12
    allowed = f"{_num(lo)}–{_num(hi)}" if hi < 1e12 else f"≥ {_num(lo)}"
    return {"validate": kind, "criteria": "between", "minimum": lo, "maximum": hi, "input_title": title,
            "input_message": msg[:255], "error_title": "输入有误",
            "error_message": f"{what}：应为{allowed}的{noun}，不得空白当作0 [{allowed}]"[:255]}


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass
class Formats:
    title: Any
    label: Any
    info: Any
    header: Any
    cell: Any
    wrap: Any
    number: Any
    input: Any
    input_text: Any
    input_rate: Any
    input_date: Any
    result: Any
    result_text: Any
    total: Any
    legend: Any
    note: Any


def _formats(wb: xlsxwriter.Workbook) -> Formats:
    base = {"font_name": BODY_FONT, "font_size": 10, "valign": "vcenter"}
    border = {"border": 1}

    def f(**kw):
        return wb.add_format({**base, **kw})

    return Formats(
        title=f(font_name=TITLE_FONT, font_size=16, bold=True, align="center"),
        label=f(bold=True, font_size=11),
        info=f(font_size=10),
        header=f(bold=True, align="center", text_wrap=True, bg_color=HEADER_FILL, **border),
        cell=f(**border),
        wrap=f(text_wrap=True, **border),
        number=f(align="center", num_format="0.00", **border),
        input=f(bg_color=INPUT_FILL, locked=False, align="center", **border),
        input_text=f(bg_color=INPUT_FILL, locked=False, text_wrap=True, **border),
        input_rate=f(bg_color=INPUT_FILL, locked=False, align="center", num_format="0.00%", **border),
        input_date=f(bg_color=INPUT_FILL, locked=False, align="center", num_format="yyyy-mm-dd", **border),
        result=f(bg_color=RESULT_FILL, bold=True, align="center", num_format="0.00", **border),
        result_text=f(bg_color=RESULT_FILL, text_wrap=True, font_size=9, **border),
        total=f(bold=True, align="center", num_format="0.00", bg_color=HEADER_FILL, **border),
        legend=f(font_size=9, italic=True),
        note=f(font_size=10, text_wrap=True),
    )


class FormBook:
    """One template workbook; write sheets, then :meth:`close` writes the metadata
    sheet and moves the file into place atomically."""

    def __init__(self, path: Path, identity: Identity):
        self.path = Path(path)
        self.identity = identity
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=self.path.parent)
        os.close(fd)
        self._tmp = Path(tmp)
        self.wb = xlsxwriter.Workbook(str(self._tmp), xlsx_options(in_memory=True))
        self.wb.set_properties({"title": identity.unit_name, "subject": identity.template_kind,
                                "author": "kaohe", "company": "", "created": FIXED_DATE})
        self.wb.calc_on_load = False
        self.wb.set_calc_mode("auto", calc_id=EXCEL_CALC_ID)
        self.fmt = _formats(self.wb)
        self.names: dict[str, str] = {}

    def sheet(self, name: str) -> FormSheet:
        return FormSheet(self, self.wb.add_worksheet(name, worksheet_class=FormWorksheet), name)

    def name(self, name: str, formula: str) -> None:
        if name in self.names:
            raise ValueError(f"duplicate defined name {name}")
        self.names[name] = formula
        self.wb.define_name(name, formula)

    def close(self) -> Path:
        meta = self.wb.add_worksheet(META_SHEET)
        meta.write_row(0, 0, ["key", "value"])
        for i, (key, value) in enumerate(self.identity.rows(), start=1):
            meta.write_string(i, 0, key)
            meta.write_string(i, 1, value)
        meta.protect()
        meta.very_hidden()
        self.wb.close()
        os.chmod(self._tmp, 0o644)
        os.replace(self._tmp, self.path)
        return self.path

    def discard(self) -> None:
        self._tmp.unlink(missing_ok=True)


class FormSheet:
    def __init__(self, book: FormBook, ws, name: str):
        self.book = book
        self.ws = ws
        self.name = name
        self.fmt = book.fmt

    # --- building blocks ---------------------------------------------------------

    def header_block(self, *, label: str, title: str, unit: str, year: int, scored_by: str, last_col: int) -> int:
        """附表N / title / 填报单位·年度·评分单位 / 填表人·审核人·日期 / legend. Returns the next row."""
        ws, f = self.ws, self.fmt
        ncols = last_col + 1
        ws.write_string(0, 0, label, f.label)
        ws.merge_range(1, 0, 1, last_col, title, f.title)
        ws.set_row(1, 28)
        wide = ncols >= 6
        slots = [0, ncols // 3, (2 * ncols) // 3] if wide else [0, 2, 0]
        info = [f"填报单位：{unit}", f"年度：{year}", f"评分单位：{scored_by}" if scored_by else ""]
        for col, text in zip(slots, info[:2]):
            ws.write_string(2, col, text, f.info)
        if info[2]:
            ws.write_string(2 if wide else 3, slots[2], info[2], f.info)
        row = 3 if wide else 4
        fields = [("填表人", "filler"), ("审核人", "reviewer"), ("日期", "date")]
        places = [(row, slots[0]), (row, slots[1]), (row, slots[2])] if wide else \
            [(row, 0), (row, 2), (row + 1, 0)]
        for (r, col), (text, key) in zip(places, fields):
            ws.write_string(r, col, f"{text}：", f.info)
            fmt = f.input_date if key == "date" else f.input
            ws.write_blank(r, col + 1, None, fmt)
            if key == "date":
                ws.data_validation(r, col + 1, r, col + 1, {
                    "validate": "date", "criteria": "between", "minimum": dt.date(year, 1, 1),
                    "maximum": dt.date(year + 1, 12, 31), "input_title": "日期",
                    "input_message": "请填写填表日期，如 2026-12-31。", "error_title": "输入有误",
                    "error_message": "请填写有效日期 [a valid date]"})
            else:
                ws.data_validation(r, col + 1, r, col + 1, {
                    "validate": "length", "criteria": "<=", "value": 50, "input_title": text,
                    "input_message": f"请填写{text}姓名。", "error_title": "输入有误",
                    "error_message": "不超过50字 [at most 50 characters]"})
            # Sheet-scoped, so a workbook of several forms names each form's header.
            self.book.name(f"{quote_sheetname(self.name)}!KH_IN_{key}", ref(self.name, r, col + 1))
        legend = places[-1][0] + 1
        ws.write_blank(legend, 0, None, f.input)
        ws.write_string(legend, 1, "黄色单元格为填报项；其余单元格已锁定，公式自动计算。", f.legend)
        return legend + 2

    def columns(self, row: int, headers: list[tuple[str, float]]) -> int:
        for col, (text, width) in enumerate(headers):
            self.ws.set_column(col, col, width)
            self.ws.write_string(row, col, text, self.fmt.header)
        self.ws.set_row(row, 30)
        return row + 1

    def validate_column(self, first_row: int, last_row: int, col: int, spec: InputSpec, what: str) -> None:
        """One data validation for a whole column of like inputs."""
        self.ws.data_validation(first_row, col, last_row, col, validation_for(spec, what))

    def input(self, row: int, col: int, value: Any, spec: InputSpec, what: str, name: str | None,
              validate: bool = True) -> None:
        ws, f = self.ws, self.fmt
        fmt = {"note": f.input_text, "rate": f.input_rate}.get(spec.type, f.input)
        if value is None:
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            ws.write_string(row, col, value, fmt)
        else:
            ws.write_number(row, col, xl_number(value), fmt)
        if validate:
            ws.data_validation(row, col, row, col, validation_for(spec, what))
        if name:
            self.book.name(name, ref(self.name, row, col))

    def text_input(self, row: int, col: int, name: str | None, *, what: str, value: str | None = None,
                   last_col: int | None = None, validate: bool = True) -> None:
        fmt = self.fmt.input_text
        if last_col is not None and last_col > col:
            self.ws.merge_range(row, col, row, last_col, value or "", fmt)
        elif value:
            self.ws.write_string(row, col, value, fmt)
        else:
            self.ws.write_blank(row, col, None, fmt)
        if validate:
            self.validate_text(row, row, col, what)
        if name:
            self.book.name(name, ref(self.name, row, col))

    def validate_text(self, first_row: int, last_row: int, col: int, what: str) -> None:
        self.ws.data_validation(first_row, col, last_row, col, {
            "validate": "length", "criteria": "<=", "value": 500, "input_title": what[:32],
            "input_message": f"请填写{what}。"[:255], "error_title": "输入有误",
            "error_message": "不超过500字 [at most 500 characters]"})

    def formula(self, row: int, col: int, formula: str, cached: Any, name: str | None, *, text: bool = False,
                fmt: Any = None, blank_ok: bool = False) -> None:
        """A locked formula cell with its cached value. A UDF cell never caches an empty
        string (some clients then recalculate it, and show #NAME? without the add-in);
        ``blank_ok`` native formulas may."""
        fmt = fmt or (self.fmt.result_text if text else self.fmt.result)
        if cached in (None, "") and not blank_ok:
            cached = "—"
        self.ws.write_formula(row, col, formula, fmt, "" if cached is None else xl_number(cached))
        if name:
            self.book.name(name, ref(self.name, row, col))

    def finish(self, *, header_row: int, last_col: int, landscape: bool = False, protect: bool = True,
               freeze_col: int = 0) -> None:
        ws = self.ws
        ws.set_paper(9)  # A4
        ws.set_landscape() if landscape else ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(header_row, header_row)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.center_horizontally()
        ws.set_footer("&C第 &P 页，共 &N 页")
        ws.freeze_panes(header_row + 1, freeze_col)
        ws.print_area(0, 0, ws.dim_rowmax if ws.dim_rowmax is not None else header_row, last_col)
        if protect:
            ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True,
                            "format_columns": True, "format_rows": True})
