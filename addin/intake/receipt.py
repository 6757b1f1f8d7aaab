"""The receipt: an .xlsx fit to email back, listing every file and what became of it."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import xlsxwriter

from addin.intake.run import REJECTED, STATUS_ZH, BatchResult
from addin.workbook.identity import KINDS
from addin.workbook.atomic import write_atomically
from addin.workbook.text import xlsx_options


def kind_label(kind: str | None) -> str:
    if not kind:
        return ""
    base, _, rest = kind.partition(":")
    if base == "appendix":
        return rest.replace(":departments", "（部门）").replace(":districts", "（区市）")
    return KINDS.get(base, base)


def write_receipt(result: BatchResult, path: Path, year: int) -> Path:
    path = Path(path)
    write_atomically(path, receipt_bytes(result, year), backup=False)  # mode as any file the office writes
    return path


def receipt_bytes(result: BatchResult, year: int) -> bytes:
    """The receipt workbook (回执, 统计, 未报送, 逾期) as .xlsx bytes."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, xlsx_options(in_memory=True))
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"})
    cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    bad = wb.add_format({"border": 1, "text_wrap": True, "valign": "top", "font_color": "#C00000", "bold": True})
    title = wb.add_format({"bold": True, "font_size": 14})

    ws = wb.add_worksheet("回执")
    ws.write(0, 0, f"{year}年度目标管理考核材料接收回执", title)
    headers = [("序号", 5), ("文件", 28), ("来源", 22), ("发件人", 20), ("主题", 22), ("到达时间", 17), ("单位编码", 10),
               ("单位名称", 14), ("模板", 14), ("结果", 12), ("原因及位置", 60), ("报送编号", 9)]
    for c, (text, width) in enumerate(headers):
        ws.set_column(c, c, width)
        ws.write(2, c, text, head)
    row = 3
    for i, o in enumerate(result.outcomes, start=1):
        ident = o.identity
        reasons = "；".join(o.reasons + ([o.late] if o.late else []))
        values = [i, o.envelope.file_name, o.envelope.source, o.envelope.sender or "", o.envelope.subject or "",
                  o.envelope.arrival.strftime("%Y-%m-%d %H:%M") if o.envelope.arrival else "",
                  ident.unit_code if ident else "", ident.unit_name if ident else "",
                  kind_label(ident.template_kind if ident else None), STATUS_ZH[o.status], reasons,
                  o.record_id if o.record_id is not None else ""]
        for c, value in enumerate(values):
            ws.write(row, c, value, bad if o.status == REJECTED and c == 9 else cell)
        row += 1
    for p in [*result.inbox_problems, *result.notices]:
        ws.write_row(row, 0, ["", p.file or "", p.file or "", "", "", "", "", "", "", "退回" if p.is_error else "提示",
                              p.message], cell)
        row += 1
    ws.freeze_panes(3, 2)
    ws.autofilter(2, 0, max(row - 1, 3), len(headers) - 1)
    _setup(ws)

    ws = wb.add_worksheet("统计")
    counts = Counter((o.identity.unit_code, kind_label(o.identity.template_kind), STATUS_ZH[o.status])
                     for o in result.outcomes if o.identity)
    for c, text in enumerate(("单位编码", "模板", "结果", "份数")):
        ws.write(0, c, text, head)
    for r, ((unit, kind, status), n) in enumerate(sorted(counts.items()), start=1):
        ws.write_row(r, 0, [unit, kind, status, n], cell)
    ws.set_column(0, 2, 16)
    _setup(ws)

    ws = wb.add_worksheet("未报送")
    for c, text in enumerate(("单位编码", "单位名称", "应报模板")):
        ws.write(0, c, text, head)
    for r, (unit, name, kind) in enumerate(result.missing, start=1):
        ws.write_row(r, 0, [unit, name, kind_label(kind)], cell)
    ws.set_column(0, 2, 20)
    _setup(ws)

    ws = wb.add_worksheet("逾期")
    for c, text in enumerate(("单位编码", "模板", "说明")):
        ws.write(0, c, text, head)
    late = [o for o in result.outcomes if o.late and o.identity]
    for r, o in enumerate(late, start=1):
        ws.write_row(r, 0, [o.identity.unit_code, kind_label(o.identity.template_kind), o.late], cell)
    ws.set_column(0, 2, 24)
    _setup(ws)
    wb.close()
    return buf.getvalue()


def _setup(ws) -> None:
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, 2)
