"""Text we write stays text: a unit name or a project typed as ``=HYPERLINK(…)`` or
``=cmd|' /C calc'!A0`` must never become a live formula in anything kaohe writes.

- xlsxwriter: every workbook is created with :data:`XLSX_TEXT_OPTIONS` (no string turned
  into a formula, a URL or a number); numbers are written as numbers on purpose.
- openpyxl: :func:`set_cell` writes ``str`` values with ``data_type = "s"``.
- Excel through xlwings: :func:`excel_text` prefixes the apostrophe Excel reads as "this
  is text" to any string that Excel would parse as a formula, a number or a date.
- CSV: :func:`csv_text` escapes a leading ``= + - @`` (tab and carriage return too), as
  the OWASP guidance on CSV injection says.
"""

from __future__ import annotations

from typing import Any

XLSX_TEXT_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def xlsx_options(**extra: Any) -> dict[str, Any]:
    """xlsxwriter ``Workbook`` options with text kept as text."""
    return {**extra, **XLSX_TEXT_OPTIONS}


def set_cell(ws, row: int, col: int, value: Any):
    """Set an openpyxl cell; a string is stored as text even when it starts with ``=``."""
    cell = ws.cell(row, col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def excel_text(value: Any) -> Any:
    """A value for Excel's ``Range.Value``: a string that Excel would parse (``=…``, ``+…``,
    ``-…``, ``@…``, or one that reads as a number or date) gets the leading apostrophe."""
    if isinstance(value, str) and value and (value.startswith(FORMULA_STARTS) or _parses(value)):
        return "'" + value
    return value


def _parses(text: str) -> bool:
    t = text.strip()
    if not t:
        return False
    try:
        float(t.replace(",", ""))
        return True
    except ValueError:
        pass
    return t[0].isdigit() and any(sep in t for sep in ("-", "/", ":"))  # 2026-12-14, 12/14, 9:30


def csv_text(value: Any) -> Any:
    """A CSV field that no spreadsheet program will run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
