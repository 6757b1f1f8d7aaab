"""A trace as a workbook an office attaches to its appeal reply: the reply's lines on one
sheet (答复), every input with its source and file cells as a table on another (输入来源).
Every value is written as text or a number, never as a formula (a cell value from a
sender that starts with “=” stays text)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from addin.provenance.edits import shown
from addin.provenance.trace import ORIGIN_ZH, Trace, cell_text
from addin.workbook.atomic import write_atomically
from addin.workbook.text import xlsx_options

HEADERS = ["汇总表单元格", "列", "值（汇总表）", "来源", "报送值", "汇总表中已改动", "报送编号", "文件名", "发件人", "到达时间",
           "文件 SHA-256", "模板编号", "文件单元格", "内容", "文件单元格的值"]


def input_rows(trace: Trace) -> list[list[Any]]:
    """One row per file cell of each input (one row for an input from no file)."""
    rows = []
    for i in trace.inputs:
        where = f"{i.table}!{i.cell}" if i.cell else i.table
        s = i.submission
        head = [where, i.column, shown(i.value), ORIGIN_ZH[i.origin] + (f"：{i.note}" if i.note else ""),
                "" if s is None else shown(i.submitted), "是" if i.edited else "",
                "" if s is None else s.number, "" if s is None else s.file_name, "" if s is None else (s.sender or ""),
                "" if s is None else s.arrived, "" if s is None else s.file_hash, "" if s is None else (s.template_id or "")]
        if not i.cells:
            rows.append(head + ["", "", ""])
        rows += [head + [c.address, c.label, cell_text(c)] for c in i.cells]
    return rows


def write_trace(traces: list[Trace], path: Path) -> Path:
    """Write the traces (one or more codes) to ``path`` atomically."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, xlsx_options(in_memory=True))
    bold = wb.add_format({"bold": True, "font_size": 12})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
    cell = wb.add_format({"border": 1, "valign": "top"})
    reply = wb.add_worksheet("答复")
    reply.set_column(0, 0, 120)
    r = 0
    for t in traces:
        for k, line in enumerate(t.lines()):
            reply.write_string(r, 0, line, bold if k == 0 else wrap)
            r += 1
        r += 1
    table = wb.add_worksheet("输入来源")
    for c, (text, width) in enumerate(zip(["编码", *HEADERS], [10, 14, 12, 12, 22, 10, 8, 8, 28, 26, 18, 66, 34, 16, 30, 16])):
        table.set_column(c, c, width)
        table.write_string(0, c, text, head)
    r = 1
    for t in traces:
        for row in input_rows(t):
            for c, value in enumerate([t.code, *row]):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    table.write_number(r, c, value, cell)
                else:
                    table.write_string(r, c, str(value), cell)
            r += 1
    table.freeze_panes(1, 0)
    table.autofilter(0, 0, max(r - 1, 1), len(HEADERS))
    wb.set_properties({"title": f"考核结果追溯 {traces[0].year}" if traces else "考核结果追溯"})
    wb.close()
    write_atomically(Path(path), buf.getvalue(), backup=False)
    return Path(path)
