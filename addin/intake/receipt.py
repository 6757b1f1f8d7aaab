"""The receipt: an .xlsx fit to email back, listing files and what became of them.

The office's receipt (``<master>_回执.xlsx``, rewritten by every intake) is **the year's
state**, not the last run's: every submission of the year with its current status
(accepted, superseded, rejected, held — until released, then who released it and when),
this run's files marked 本次 (those that are no submission too: duplicates, skipped files,
other attachments, a message without a workbook), and, on their own sheets, the templates
not yet received (未报送) and the late ones. A sender's receipt, attached to a reply, lists
that sender's files only."""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from addin.intake.run import REJECTED, STATUS_ZH, BatchResult, Outcome
from addin.workbook.atomic import write_atomically
from addin.workbook.identity import KINDS
from addin.workbook.text import xlsx_options


def kind_label(kind: str | None) -> str:
    if not kind:
        return ""
    base, _, rest = kind.partition(":")
    if base == "appendix":
        return rest.replace(":departments", "（部门）").replace(":districts", "（区市）")
    return KINDS.get(base, base)


@dataclass(frozen=True)
class ReceiptRow:
    """One line of a receipt."""

    number: int | None
    this_run: bool
    file_name: str
    source: str
    sender: str
    arrived: str
    unit_code: str
    unit_name: str
    kind: str
    status: str
    reasons: str
    released: str = ""


def _released(row) -> str:
    if not row["released_by"]:
        return ""
    return f"已由 {row['released_by']} 于 {str(row['released_at'] or '')[:16].replace('T', ' ')} 核实放行" \
        if not str(row["released_by"]).startswith("（") else str(row["released_by"])


def row_of(o: Outcome) -> ReceiptRow:
    ident = o.identity
    reasons = [*o.reasons, *([o.late] if o.late else []), *([o.note] if o.note else [])]
    return ReceiptRow(o.record_id, True, o.envelope.file_name, o.envelope.source, o.envelope.mailer or "",
                      o.envelope.arrival.strftime("%Y-%m-%d %H:%M") if o.envelope.arrival else "",
                      ident.unit_code if ident else "", ident.unit_name if ident else "",
                      kind_label(ident.template_kind if ident else None), STATUS_ZH[o.status], "；".join(reasons))


def year_rows(submissions, result: BatchResult) -> list[ReceiptRow]:
    """The year's state: every recorded submission (``store.year_submissions``) with its
    current status, then this run's files that are no submission; this run's marked."""
    this_run = {o.record_id for o in result.outcomes if o.record_id is not None}
    rows = []
    for s in submissions:
        arrived = str(s["arrived_at"] or s["file_time"] or "")[:16].replace("T", " ")
        reasons = [*json.loads(s["reasons"] or "[]"), *([s["note"]] if "note" in s.keys() and s["note"] else [])]
        rows.append(ReceiptRow(s["number"], s["number"] in this_run, s["file_name"], s["source"], s["mailer"] or "",
                               arrived, s["unit_code"] or "", s["unit_name"] or "", kind_label(s["kind"]),
                               STATUS_ZH.get(s["status"], s["status"]), "；".join(reasons), _released(s)))
    rows += [row_of(o) for o in result.outcomes if o.record_id is None]
    return rows


def write_receipt(result: BatchResult, path: Path, year: int, state=None) -> Path:
    """The office's receipt: the year's state when ``state`` (the year's submissions and
    filings, :func:`~addin.intake.run.year_submissions`) is given, else this batch's files."""
    path = Path(path)
    submissions, filings = state if state is not None else (None, [])
    rows = year_rows(submissions, result) if submissions is not None else [row_of(o) for o in result.outcomes]
    data = receipt_bytes(rows, year, problems=[*result.inbox_problems, *result.notices], missing=result.missing,
                         late=[o for o in result.outcomes if o.late and o.identity], filings=filings)
    write_atomically(path, data, backup=False)  # mode as any file the office writes
    return path


HEADERS = [("报送编号", 9), ("本次", 5), ("文件", 28), ("来源", 22), ("发件人", 20), ("到达时间", 17), ("单位编码", 10),
           ("单位名称", 14), ("模板", 14), ("状态", 12), ("原因及位置", 60), ("放行", 22)]


def receipt_bytes(rows: list[ReceiptRow], year: int, *, problems=(), missing=(), late=(), filings=()) -> bytes:
    """The receipt workbook (回执, 统计, 未报送, 逾期) as .xlsx bytes."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, xlsx_options(in_memory=True))
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"})
    cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    bad = wb.add_format({"border": 1, "text_wrap": True, "valign": "top", "font_color": "#C00000", "bold": True})
    title = wb.add_format({"bold": True, "font_size": 14})

    ws = wb.add_worksheet("回执")
    ws.write(0, 0, f"{year}年度目标管理考核材料接收回执（全年度现状，“本次”为本次接收的文件）", title)
    for c, (text, width) in enumerate(HEADERS):
        ws.set_column(c, c, width)
        ws.write(2, c, text, head)
    r = 3
    for row in rows:
        values = [row.number if row.number is not None else "", "本次" if row.this_run else "", row.file_name,
                  row.source, row.sender, row.arrived, row.unit_code, row.unit_name, row.kind, row.status,
                  row.reasons, row.released]
        for c, value in enumerate(values):
            ws.write(r, c, value, bad if row.status == STATUS_ZH[REJECTED] and c == 9 else cell)
        r += 1
    for p in problems:
        ws.write_row(r, 0, ["", "本次", p.file or "", p.file or "", "", "", "", "", "", "退回" if p.is_error else "提示",
                            p.message, ""], cell)
        r += 1
    ws.freeze_panes(3, 3)
    ws.autofilter(2, 0, max(r - 1, 3), len(HEADERS) - 1)
    _setup(ws)

    ws = wb.add_worksheet("统计")
    counts = Counter((row.unit_code, row.kind, row.status) for row in rows if row.unit_code)
    for c, text in enumerate(("单位编码", "模板", "状态", "份数")):
        ws.write(0, c, text, head)
    for n, ((unit, kind, status), k) in enumerate(sorted(counts.items()), start=1):
        ws.write_row(n, 0, [unit, kind, status, k], cell)
    ws.set_column(0, 2, 16)
    _setup(ws)

    ws = wb.add_worksheet("未报送")
    for c, text in enumerate(("单位编码", "单位名称", "应报模板")):
        ws.write(0, c, text, head)
    for n, (unit, name, kind) in enumerate(missing, start=1):
        ws.write_row(n, 0, [unit, name, kind_label(kind)], cell)
    ws.set_column(0, 2, 20)
    _setup(ws)

    if filings:
        ws = wb.add_worksheet("备案")
        for c, text in enumerate(("单位编码", "单位名称", "文件", "发件人", "到达时间", "备案时间")):
            ws.write(0, c, text, head)
        for n, f in enumerate(filings, start=1):
            ws.write_row(n, 0, [f["unit_code"] or "（未识别）", f["unit_name"] or "", f["file_name"], f["mailer"] or "",
                                str(f["arrived_at"] or "")[:16].replace("T", " "), str(f["filed_at"])[:16]], cell)
        ws.set_column(0, 5, 18)
        _setup(ws)

    ws = wb.add_worksheet("逾期")
    for c, text in enumerate(("单位编码", "模板", "说明")):
        ws.write(0, c, text, head)
    for n, o in enumerate(late, start=1):
        ws.write_row(n, 0, [o.identity.unit_code, kind_label(o.identity.template_kind), o.late], cell)
    ws.set_column(0, 2, 24)
    _setup(ws)
    wb.close()
    return buf.getvalue()


def _setup(ws) -> None:
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, 2)
