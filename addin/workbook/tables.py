"""Tables found by their header names: a header row within the first rows of a sheet,
columns in any order, extra columns ignored. Pure: it works on rows of values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from addin.problems import Problem

HEADER_ROWS = 5


@dataclass(frozen=True)
class Table:
    sheet: str
    header_row: int
    """1-based row number of the header."""
    columns: dict[str, int]
    """Header → 1-based column number."""
    rows: list[tuple[int, dict[str, Any]]]
    """(1-based row number, header → value) for every non-empty row below the header."""

    def cell(self, row: int, header: str) -> str:
        return f"{column_letters(self.columns[header])}{row}"


def code_text(value: Any) -> str:
    """A code cell as text: 1001.0 (a number typed as a code) → "1001", blanks → ""."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def column_letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def column_number(letters: str) -> int:
    """``A`` → 1, ``AB`` → 28 (any case)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def find_table(sheet: str, values: Sequence[Sequence[Any]], required: Sequence[str],
               optional: Sequence[str] = ()) -> Table | Problem:
    """The table under the first row (of the first five) that holds every required header."""
    for r, row in enumerate(values[:HEADER_ROWS], start=1):
        names = {str(v).strip(): c for c, v in enumerate(row, start=1) if v is not None and str(v).strip()}
        if all(h in names for h in required):
            columns = {h: names[h] for h in [*required, *optional] if h in names}
            rows = []
            for n, data in enumerate(values[r:], start=r + 1):
                record = {h: (data[c - 1] if c - 1 < len(data) else None) for h, c in columns.items()}
                if any(v not in (None, "") for v in record.values()):
                    rows.append((n, {h: (None if v == "" else v) for h, v in record.items()}))
            return Table(sheet, r, columns, rows)
    missing = "、".join(required)
    return Problem("no_table", f"工作表“{sheet}”的前{HEADER_ROWS}行内找不到表头：{missing} "
                               f"[sheet {sheet}: headers not found in the first {HEADER_ROWS} rows: {missing}]",
                   sheet=sheet)
