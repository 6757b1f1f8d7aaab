"""The two hosts of the macro: a master .xlsx file (headless) and an xlwings Book
(in Excel). Both only read sheet values and write result tables as values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from addin.results import ResultTable

TABLE_NAMES = {"部门排名": "KH_DeptRank", "区市排名": "KH_DistrictRank", "人员等次": "KH_StaffGrade",
               "限额": "KH_Quota", "预警": "KH_Alerts", "问题": "KH_Problems"}
HIGHLIGHT = "FFF2CC"
WIDTHS = {"说明": 60, "单位名称": 16, "姓名": 10, "范围": 24, "类别": 14}


class FileHost:
    """A master workbook on disk, written atomically (temp, fsync, backup, replace)."""

    def __init__(self, path: Path, progress=None):
        import openpyxl

        self.path = Path(path)
        self.name = self.path.name
        self.wb = openpyxl.load_workbook(self.path)
        self.progress = progress

    def sheet_values(self, sheet: str) -> list[list[Any]] | None:
        if sheet not in self.wb.sheetnames:
            return None
        return [list(r) for r in self.wb[sheet].iter_rows(values_only=True)]

    def write_tables(self, tables: list[ResultTable]) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.worksheet.table import Table, TableStyleInfo

        fill = PatternFill("solid", fgColor=HIGHLIGHT)
        for t in tables:
            index = self.wb.sheetnames.index(t.sheet) if t.sheet in self.wb.sheetnames else len(self.wb.sheetnames)
            if t.sheet in self.wb.sheetnames:
                del self.wb[t.sheet]
            ws = self.wb.create_sheet(t.sheet, index)
            ws.append(t.headers)
            for row in t.rows:
                ws.append(row)
            for c, header in enumerate(t.headers, start=1):
                ws.column_dimensions[ws.cell(1, c).column_letter].width = WIDTHS.get(header, max(9, len(header) * 2 + 3))
                ws.cell(1, c).font = Font(bold=True)
            if t.highlight:
                for r, row in enumerate(t.rows, start=2):
                    if t.highlight in row:
                        for c in range(1, len(t.headers) + 1):
                            ws.cell(r, c).fill = fill
            wrap = Alignment(wrap_text=False, vertical="top")
            for r in range(2, len(t.rows) + 2):
                ws.cell(r, len(t.headers)).alignment = wrap
            ws.freeze_panes = "A2"
            if t.rows:
                ref = f"A1:{ws.cell(len(t.rows) + 1, len(t.headers)).coordinate}"
                table = Table(displayName=TABLE_NAMES.get(t.sheet, "KH_Table"), ref=ref)
                table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
                ws.add_table(table)

    def status(self, text: str) -> None:
        if self.progress:
            self.progress(text)

    def finish(self) -> None:
        from addin.intake.master import save_atomically

        save_atomically(self.wb, self.path)


class XlwingsHost:
    """An open Excel workbook through xlwings (desktop or the PRO JSON book)."""

    def __init__(self, book):
        self.book = book
        self.name = book.name

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
            ws.range("A1").value = [t.headers, *t.rows]
            if t.highlight:
                for r, row in enumerate(t.rows, start=2):
                    if t.highlight in row:
                        ws.range((r, 1), (r, len(t.headers))).color = "#" + HIGHLIGHT
            if t.rows:
                ws.tables.add(ws.range((1, 1), (len(t.rows) + 1, len(t.headers))), name=TABLE_NAMES.get(t.sheet))
            ws.autofit("c")

    def status(self, text: str) -> None:
        self.book.app.status_bar = text

    def finish(self) -> None:
        """In Excel the clerk decides when to save."""
