"""The districts' half-year circular (半年通报): the half-year round's table scores, from the
master's 区市半年 sheet (written by intake from the appendix tables marked 半年), summed and
ranked (:mod:`addin.engine.half_year`), printed on one A4 page. Nothing of it is published
to the archive or read by recompute: the half-year round never enters the year's results.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from addin.archive.errors import ArchiveError
from addin.archive.pages import OFFICE, book, print_setup
from addin.engine.half_year import HalfYearRow, assess_half_year
from addin.hosts import FileHost
from addin.intake.extract import HALF_YEAR_SHEET
from addin.problems import Problem
from addin.scheme.models import MunicipalScheme
from addin.workbook.atomic import write_atomically
from addin.workbook.tables import Table, code_text, find_table


def half_year_rows(master: Path, scheme: MunicipalScheme) -> tuple[list[HalfYearRow], list[Problem]]:
    """Every district of the master's 区市 table with its half-year standing."""
    host = FileHost(master)
    values = host.sheet_values(HALF_YEAR_SHEET)
    if values is None:
        raise ArchiveError(f"汇总工作簿 {master.name} 中还没有区(市)的半年材料（“{HALF_YEAR_SHEET}”表）：请用 "
                           f"kaohe template 模板 --kind half-year 生成半年附表、下发、收回后运行 kaohe intake "
                           f"[no half-year figures in the master yet]")
    half = find_table(HALF_YEAR_SHEET, values, ["单位编码"], [p.name for p in scheme.districts.business +
                                                                 scheme.districts.public])
    units = find_table("区市", host.sheet_values("区市") or [], ["单位编码", "单位名称"])
    if isinstance(half, Problem) or isinstance(units, Problem):
        wrong = half if isinstance(half, Problem) else units
        raise ArchiveError(f"汇总工作簿 {master.name} 的“{HALF_YEAR_SHEET}”或“区市”表头被改动：{wrong.message}")
    assert isinstance(half, Table) and isinstance(units, Table)
    figures = {code_text(rec["单位编码"]): rec for _row, rec in half.rows}
    records = [(code_text(rec["单位编码"]), code_text(rec["单位名称"]), figures.get(code_text(rec["单位编码"]), {}))
               for _row, rec in units.rows]
    return assess_half_year(scheme.districts, records, scheme.conventions)


def half_year_circular(master: Path, year: int, scheme: MunicipalScheme, out: Path,
                       date: dt.date | None = None) -> Path:
    """The half-year circular workbook (see the module docstring)."""
    rows, problems = half_year_rows(master, scheme)
    parts = [*scheme.districts.business, *scheme.districts.public]
    buf, wb, f = book()
    ws = wb.add_worksheet("半年通报")
    last = len(parts) + 3
    ws.merge_range(0, 0, 0, last, f"{year}年度上半年{scheme.districts.label}目标管理考核情况通报", f["title"])
    headers = ["名次", "单位", *(f"{p.name}（{p.points}）" for p in parts), "合计", "说明"]
    for col, text in enumerate(headers):
        ws.write(2, col, text, f["headwrap"])
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 1 + len(parts), 10)
    ws.set_column(2 + len(parts), 2 + len(parts), 9)
    ws.set_column(last, last, 34)
    ranked = sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.code))
    for n, r in enumerate(ranked, start=3):
        ws.write(n, 0, r.rank if r.rank is not None else "—", f["cell"])
        ws.write(n, 1, r.name, f["cell"])
        for c, p in enumerate(parts, start=2):
            value = r.parts.get(p.name)
            ws.write(n, c, float(value) if value is not None else "", f["num"])
        ws.write(n, 2 + len(parts), float(r.total) if r.total is not None else "", f["num"])
        ws.write(n, last, r.note, f["note"])
    foot = 4 + len(ranked)
    if problems:
        ws.merge_range(foot, 0, foot, last, "有误的半年材料：" + "；".join(p.message for p in problems[:10]), f["text"])
        foot += 1
    ws.merge_range(foot + 1, 0, foot + 1, last, "说明：半年考核使用与年终相同的附表（标明半年），仅作通报，不计入年度考核结果。",
                   f["text"])
    when = date or dt.date.today()
    ws.merge_range(foot + 3, last - 1, foot + 3, last, OFFICE, f["right"])
    ws.merge_range(foot + 4, last - 1, foot + 4, last, f"{when.year}年{when.month}月{when.day}日", f["right"])
    print_setup(ws, landscape=len(parts) > 6)
    wb.close()
    write_atomically(out, buf.getvalue(), backup=False)
    return out
