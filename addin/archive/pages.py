"""What every printed document of the archive shares: the latest published version of a
year, the workbook and its formats, the print setup, file names made safe, and a workbook
of one-page letters."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

from addin.archive.errors import ArchiveError
from addin.archive.history import Entry, published
from addin.intake.store import archive_path
from addin.numbers import fmt
from addin.workbook.atomic import write_atomically
from addin.workbook.text import xlsx_options

OFFICE = "市考核办公室"
"""The municipal assessment office, as it signs the circular and the units' notices."""
ROW_POINTS = 15
"""The default row height (11-point text), in points."""


def latest(master: Path, year: int) -> tuple[int, list[Entry]]:
    """The latest published version of ``year`` and all its rows (ArchiveError when none)."""
    entries = published(archive_path(master), year=year, master=master)
    if not entries:
        raise ArchiveError(f"{year}年度尚无已发布的结果，请先运行 kaohe publish [nothing published for {year}]")
    return entries[0].version, entries


def book():
    """A workbook in memory (text stays text) and its formats: (buffer, workbook, formats)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, xlsx_options(in_memory=True))
    fonts = {"font_name": "宋体", "font_size": 11}
    f = {
        "title": wb.add_format({**fonts, "font_name": "黑体", "font_size": 16, "bold": True, "align": "center"}),
        "head": wb.add_format({**fonts, "bold": True, "border": 1, "align": "center", "valign": "vcenter",
                               "bg_color": "#D9E1F2"}),
        "cell": wb.add_format({**fonts, "border": 1, "align": "center", "valign": "vcenter"}),
        "text": wb.add_format({**fonts, "text_wrap": True, "valign": "top"}),
        "right": wb.add_format({**fonts, "align": "right"}),
        "num": wb.add_format({**fonts, "border": 1, "align": "center", "valign": "vcenter", "num_format": "0.00"}),
        "note": wb.add_format({**fonts, "border": 1, "text_wrap": True, "valign": "vcenter"}),
        "headwrap": wb.add_format({**fonts, "bold": True, "border": 1, "align": "center", "valign": "vcenter",
                                   "text_wrap": True, "bg_color": "#D9E1F2"}),
    }
    return buf, wb, f


def print_setup(ws, landscape: bool = False) -> None:
    """A4, one page wide, centred."""
    ws.set_paper(9)
    ws.set_landscape() if landscape else ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()


def publicity_footer(ws, f, row: int, said: str, whom: str, signer: str, start: dt.date, sign_col: int) -> None:
    """A publicity page's footer from ``row``: the period ``said``, where to object (``whom``),
    and the signer and start date over columns ``sign_col``–5."""
    ws.merge_range(row, 0, row + 2, 5, f"公示期：{said}。对公示对象有异议的，请在公示期内向{whom}反映，"
                   "反映情况应实事求是并署真实姓名。", f["text"])
    ws.merge_range(row + 4, sign_col, row + 4, 5, signer, f["right"])
    ws.merge_range(row + 5, sign_col, row + 5, 5, start.isoformat(), f["right"])


def record_publication(db, year: int, version: int, unit: str, start: dt.date, end: dt.date) -> None:
    """The archive's record of one unit's publicity list (its period), in the caller's transaction."""
    db.execute("INSERT INTO publications (year, version, unit_code, start_date, end_date, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?)", (year, version, unit, start.isoformat(), end.isoformat(),
                                             dt.datetime.now().isoformat(timespec="seconds")))


def safe_name(text: str) -> str:
    """``text`` as part of a file name (no path or reserved characters)."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("._") or "_"


def score_text(e: Entry) -> str:
    """A published score to 2 places, or — when there is none."""
    return fmt(Decimal(e.score)) if e.score else "—"


def write_letters(path: Path, sheet: str, pages: list[tuple[str, str, str]], dated: dt.date) -> Path:
    """A printable workbook of one-page letters (title, body, signer), a page break after each."""
    buf, wb, f = book()
    ws = wb.add_worksheet(sheet)
    ws.set_column(0, 3, 22)
    top, breaks = 0, []
    for title, body, signer in pages:
        ws.merge_range(top, 0, top, 3, title, f["title"])
        ws.merge_range(top + 2, 0, top + 8, 3, body, f["text"])
        ws.merge_range(top + 10, 2, top + 10, 3, signer, f["right"])
        ws.merge_range(top + 11, 2, top + 11, 3, dated.isoformat(), f["right"])
        top += 13
        breaks.append(top)
    ws.set_h_pagebreaks(breaks[:-1])
    print_setup(ws)
    wb.close()
    write_atomically(path, buf.getvalue(), backup=False)
    return path
