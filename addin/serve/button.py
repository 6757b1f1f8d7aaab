"""重新计算排名 on a served book: the desktop's macro (:func:`addin.macro.recompute`) on the
book Excel sends, its results written back through xlwings' actions.

The ribbon button posts the book to ``/xlwings/custom-scripts-call/recompute`` as xlwings'
``runPython`` does (``payload["book"]``, ``payload["sheets"]`` with each sheet's
``values``; blanks as "", see xlwings_server/static/js/custom-scripts/index.js), only the
sheets in :func:`included_sheets` (``include``: the others come with ``values: [[]]``).
The macro reads the book's input tables and writes the result sheets as xlwings actions
(``clear``, ``set_values``, ``add_table``, …) that the client replays; the input sheets
are only read, and the server writes nothing to the master on its disk (the book is the
clerk's, in their Excel).

Excel on the web caps each request and response at 5 MB. A response above that is not
sent: the clerk gets one alert saying how many staff the book holds, that the limit was
reached, and to use desktop Excel or ``kaohe recompute``; nothing is written, so a
recompute never stops half-way. Desktop Excel has no documented cap: the ribbon sends
``Office.context.platform`` (``Kaohe-Platform``), and on ``PC`` or ``Mac`` the limit is not
applied.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from addin.hosts import XlwingsHost
from addin.macro import input_specs, recompute
from addin.scheme.models import MunicipalScheme

WEB_LIMIT = 5 * 1024 * 1024
"""Excel on the web's cap on one request or response of an add-in, in bytes."""
DESKTOP_PLATFORMS = ("PC", "Mac")
"""``Office.context.platform`` of desktop Excel, which has no documented cap."""
TITLE = "目标考核"


def included_sheets(scheme: MunicipalScheme) -> list[str]:
    """The sheets the button sends: the input tables the scheme's columns decide
    (:func:`addin.macro.input_specs`), the audit bureau's 审计 table (read when the book has
    it), the optional 申诉登记, and the metadata sheet."""
    from addin.scheme.audit_columns import AUDIT_SHEET
    from addin.workbook.identity import META_SHEET

    return [sheet for sheet, _required, _optional in input_specs(scheme)] + [AUDIT_SHEET, "申诉登记", META_SHEET]


class ServedHost(XlwingsHost):
    """A book sent by Excel: read from its JSON, results written as actions; the year
    folder (holidays, last year's archive) is the served one, not the book's (a book in
    Excel on the web has no path on the server)."""

    def __init__(self, book, folder: Path, master: Path):
        from addin.intake.store import archive_path

        self.book = book
        self.name = book.name
        self.folder = folder
        self.archive = archive_path(master)

    def status(self, text: str) -> None:
        """No status bar on Office.js."""


def staff_count(book) -> int:
    """The rows of the 人员 sheet with an 人员编码 (its first column)."""
    names = [s.name for s in book.sheets]
    if "人员" not in names:
        return 0
    values = book.sheets["人员"].used_range.options(ndim=2).value or []
    return sum(1 for row in values[1:] if row and row[0] not in (None, ""))


def run_button(payload: dict[str, Any], scheme: MunicipalScheme, folder: Path, master: Path,
               platform: str | None = None, limit: int = WEB_LIMIT) -> tuple[dict[str, Any], str]:
    """The actions for Excel (``book.json()``) and the message the clerk is shown."""
    import xlwings as xw

    book = xw.Book(json=payload)
    try:
        done = recompute(ServedHost(book, folder, master), scheme)
        book.app.alert(done.message, title=TITLE)
        answer = book.json()
        size = len(json.dumps(answer, ensure_ascii=False, default=str).encode("utf-8"))
        if platform in DESKTOP_PLATFORMS or size <= limit:
            return answer, done.message
        staff = staff_count(book)
    finally:
        book.close()
    message = (f"本工作簿有 {staff} 名人员，计算结果约 {size / 1024 / 1024:.1f} MB，超过 Excel 网页版每次 5 MB 的限制，"
               f"未写入任何结果。请用桌面版 Excel 重新计算，或在考核办电脑上运行 kaohe recompute [the book holds {staff} "
               f"staff; its results of {size / 1024 / 1024:.1f} MB are above Excel on the web's 5 MB limit, so nothing "
               f"was written: use desktop Excel or kaohe recompute]")
    empty = xw.Book(json={**payload, "sheets": [{**s, "values": [[]]} for s in payload.get("sheets", [])]})
    try:
        empty.app.alert(message, title=TITLE)
        return empty.json(), message
    finally:
        empty.close()
