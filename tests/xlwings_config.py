"""``GetConfig`` as xlwings' own VBA computes it, line by line, so that the add-in's
settings are tested where xlwings reads them (not by reading every cell).

The VBA is ``xlwings_custom_addin.bas`` of the installed xlwings (0.37.8), the module of the
ribbon add-in template; :data:`VBA_LINES` are the lines followed here, and a test checks
that the installed file still has them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_NAME = "myaddin"  # Public Const PROJECT_NAME As String = "myaddin"

VBA_LINES = [
    'Public Const PROJECT_NAME As String = "myaddin"',
    'Set sht = wb.Sheets(PROJECT_NAME & ".conf")',
    'If sht.Range("A2") = "" Then',
    'Set lastCell = sht.Range("A1")',
    'Set lastCell = sht.Range("A1").End(xlDown)',
    'For Each cell In Range(sht.Range("A1"), lastCell)',
    "d.Add UCase(cell.Value), cell.Offset(0, 1).Value",
    'If SheetExists(ActiveWorkbook, PROJECT_NAME & ".conf") = True Then',
    'If SheetExists(ThisWorkbook, PROJECT_NAME & ".conf") = True Then',
    "If FileExists(GetDirectoryConfigFilePath()) = True Then",
    "If FileExists(GetConfigFilePath()) = True Then",
    'GetDirectoryConfigFilePath = GetDirectoryPath(ActiveWorkbook) & pathSeparator & PROJECT_NAME & ".conf"',
    "If LCase(sVarName) = LCase(sName) Then",
]


@dataclass
class Workbook:
    """What GetConfig sees of a workbook: its sheets' column A and B values by cell, and
    the folder it was opened from."""

    sheets: dict[str, dict[str, object]] = field(default_factory=dict)
    folder: Path | None = None


def _value(sheet: dict[str, object], ref: str) -> object:
    value = sheet.get(ref)
    return "" if value is None else value  # an empty cell's .Value compares equal to ""


def _end_xldown(sheet: dict[str, object], row: int) -> int:
    """Range("A<row>").End(xlDown) from a filled cell whose next cell is filled: the last
    filled cell before the first empty one."""
    while _value(sheet, f"A{row + 1}") != "":
        row += 1
    return row


def get_config_from_sheet(wb: Workbook) -> dict[str, object]:
    sht = wb.sheets[PROJECT_NAME + ".conf"]  # Set sht = wb.Sheets(PROJECT_NAME & ".conf")
    if _value(sht, "A2") == "":  # If sht.Range("A2") = "" Then
        last = 1  # Set lastCell = sht.Range("A1")
    else:
        last = _end_xldown(sht, 1)  # Set lastCell = sht.Range("A1").End(xlDown)
    d: dict[str, object] = {}
    for row in range(1, last + 1):  # For Each cell In Range(sht.Range("A1"), lastCell)
        key = str(_value(sht, f"A{row}")).upper()
        if key in d:
            raise KeyError(f"duplicate key {key}: d.Add fails at run time")
        d[key] = _value(sht, f"B{row}")  # d.Add UCase(cell.Value), cell.Offset(0, 1).Value
    return d


def get_config_from_file(path: Path, name: str) -> tuple[bool, object]:
    """``Input #iFileNum, sVarName, sVarValue`` over lines written by ``Write #``."""
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = re.findall(r'"((?:[^"]|"")*)"|([^,]+)', line)
        values = [a if a or not b else b for a, b in fields]
        if len(values) >= 2 and values[0].lower() == name.lower():  # If LCase(sVarName) = LCase(sName)
            return True, values[1]
    return False, None


def get_config(key: str, *, active: Workbook, this: Workbook, user_file: Path | None = None,
               default: object = "") -> object:
    """Sheet (active workbook, then the add-in) → directory file → user file → default."""
    name = PROJECT_NAME + ".conf"
    if name in active.sheets:  # If SheetExists(ActiveWorkbook, PROJECT_NAME & ".conf") = True Then
        d = get_config_from_sheet(active)
        if key in d:
            return d[key]
    if name in this.sheets:  # If SheetExists(ThisWorkbook, PROJECT_NAME & ".conf") = True Then
        d = get_config_from_sheet(this)
        if key in d:
            return d[key]
    if active.folder is not None:  # GetDirectoryPath(ActiveWorkbook) & pathSeparator & PROJECT_NAME & ".conf"
        path = active.folder / name
        if path.is_file():
            found, value = get_config_from_file(path, key)
            if found:
                return value
    if user_file is not None and user_file.is_file():
        found, value = get_config_from_file(user_file, key)
        if found:
            return value
    return default


def workbook_from_xlsx(path: Path) -> Workbook:
    """Columns A and B of every sheet of an .xlsx/.xlam, read with kaohe's safe reader."""
    import zipfile

    from addin.intake.xlsx import read_book

    with zipfile.ZipFile(path) as z:
        book = read_book(z, path.name)
    sheets = {name: {ref: cell.value for ref, cell in s.cells.items() if ref[0] in "AB" and ref[1:].isdigit()}
              for name, s in book.sheets.items()}
    return Workbook(sheets, path.parent)
