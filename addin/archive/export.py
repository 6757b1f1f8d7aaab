"""The archive as an .xlsx for the office's paper files: one sheet per year (the latest
published version) and, optionally, one unit's or person's history."""

from __future__ import annotations

from addin.workbook.text import xlsx_options

import io
from pathlib import Path

from addin.archive.history import Entry, history, published
from addin.archive.versions import KIND_ZH
from addin.intake.store import archive_path
from addin.workbook.atomic import write_atomically

HEADERS = [("类别", 8), ("编码", 12), ("名称", 18), ("单位/分口", 12), ("得分", 9), ("名次", 7), ("等次", 9),
           ("评先/表彰", 12), ("版本", 6)]


def export_archive(master: Path, out: Path, code: str | None = None) -> Path:
    import xlsxwriter

    entries = published(archive_path(master), master=master)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, xlsx_options(in_memory=True))
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    cell = wb.add_format({"border": 1})
    years = sorted({e.year for e in entries})
    for year in years:
        ws = wb.add_worksheet(f"{year}年度")
        _table(ws, head, cell, [e for e in entries if e.year == year])
    if code:
        ws = wb.add_worksheet(f"{code}历年"[:31])
        _table(ws, head, cell, history(master, code), with_year=True)
    if not years and not code:
        wb.add_worksheet("档案").write(0, 0, "尚无已发布的考核结果")
    wb.close()
    write_atomically(Path(out), buf.getvalue(), backup=False)
    return Path(out)


def _table(ws, head, cell, entries: list[Entry], with_year: bool = False) -> None:
    headers = ([("年度", 7)] if with_year else []) + HEADERS
    for c, (text, width) in enumerate(headers):
        ws.set_column(c, c, width)
        ws.write(0, c, text, head)
    for r, e in enumerate(entries, start=1):
        values = ([e.year] if with_year else []) + [KIND_ZH[e.kind], e.code, e.name or "", e.unit or "",
                                                    float(e.score) if e.score is not None else "", e.rank or "",
                                                    e.grade or "", e.award or "", f"v{e.version}"]
        ws.write_row(r, 0, values, cell)
    ws.freeze_panes(1, 0)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
