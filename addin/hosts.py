"""The two hosts of the macro: a master .xlsx file (headless) and an xlwings Book
(in Excel). Both only read sheet values and write result tables as values."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from addin.intake.store import archive_path
from addin.results import ResultTable
from addin.workbook.text import excel_text

TABLE_NAMES = {"部门排名": "KH_DeptRank", "区市排名": "KH_DistrictRank", "人员等次": "KH_StaffGrade",
               "限额": "KH_Quota", "预警": "KH_Alerts", "问题": "KH_Problems", "申诉情况": "KH_Appeals"}
HIGHLIGHT = "FFF2CC"
WIDTHS = {"说明": 60, "单位名称": 16, "姓名": 10, "范围": 24, "类别": 14}


class FileHost:
    """A master workbook on disk: values read with python-calamine, result sheets replaced
    at the zip level (the input sheets stay byte for byte), the file written atomically."""

    def __init__(self, path: Path, progress=None):
        from python_calamine import CalamineWorkbook

        self.path = Path(path)
        self.name = self.path.name
        self.folder = self.path.parent
        """The folder the master is in (a year folder's holidays and scheme are there)."""
        self.archive = archive_path(self.path)
        self.data = self.path.read_bytes()
        self.book = CalamineWorkbook.from_filelike(io.BytesIO(self.data))
        self.progress = progress
        self.pending: list[ResultTable] = []

    def sheet_values(self, sheet: str) -> list[list[Any]] | None:
        """The sheet's rows as values, a blank cell as "" (:func:`~addin.workbook.tables.find_table`
        reads both "" and None as blank)."""
        if sheet not in self.book.sheet_names:
            return None
        return self.book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)  # a blank is ""

    def write_tables(self, tables: list[ResultTable]) -> None:
        self.pending += tables

    def status(self, text: str) -> None:
        if self.progress:
            self.progress(text)

    def finish(self) -> None:
        from addin.workbook.atomic import write_atomically
        from addin.workbook.patch import SheetContent, replace_sheets

        contents = [SheetContent(t.sheet, t.headers, t.rows, widths(t.headers), TABLE_NAMES.get(t.sheet), t.highlight,
                                 t.stamp) for t in self.pending]
        write_atomically(self.path, replace_sheets(self.data, contents))


def widths(headers: list[str]) -> dict[int, float]:
    return {c: WIDTHS.get(h, max(9, len(h) * 2 + 3)) for c, h in enumerate(headers, start=1)}


class XlwingsHost:
    """An open Excel workbook through xlwings (desktop or the PRO JSON book)."""

    def __init__(self, book):
        self.book = book
        self.name = book.name
        self.folder = Path(book.fullname).parent if book.fullname and Path(book.fullname).is_absolute() else None
        self.archive = archive_path(Path(book.fullname)) if self.folder is not None else None

    def sheet_values(self, sheet: str) -> list[list[Any]] | None:
        if sheet not in [s.name for s in self.book.sheets]:
            return None
        used = self.book.sheets[sheet].used_range
        last = used.last_cell
        rng = self.book.sheets[sheet].range((1, 1), (last.row, last.column))
        return rng.options(ndim=2).value

    def write_tables(self, tables: list[ResultTable]) -> None:
        names = [s.name for s in self.book.sheets]
        for t in tables:
            ws = self.book.sheets[t.sheet] if t.sheet in names else self.book.sheets.add(t.sheet, after=self.book.sheets[-1])
            ws.clear()
            ws.range("A1").value = [[excel_text(v) for v in row] for row in (t.headers, *t.rows)]
            if t.highlight:
                for r, row in enumerate(t.rows, start=2):
                    if t.highlight in row:
                        ws.range((r, 1), (r, len(t.headers))).color = "#" + HIGHLIGHT
            if t.rows:
                ws.tables.add(ws.range((1, 1), (len(t.rows) + 1, len(t.headers))), name=TABLE_NAMES.get(t.sheet))
            if t.stamp:
                ws.range((1, len(t.headers) + 2)).value = excel_text(t.stamp)
            ws.autofit("c")

    def status(self, text: str) -> None:
        self.book.app.status_bar = text

    def finish(self) -> None:
        """In Excel the clerk decides when to save."""
