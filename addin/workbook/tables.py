"""Tables found by their header names: a header row within the first rows of a sheet,
columns in any order, extra columns ignored. Pure: it works on rows of values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import Any

import numpy as np

from addin.problems import Problem

HEADER_ROWS = 5


@dataclass(frozen=True)
class Table:
    sheet: str
    header_row: int
    """1-based row number of the header."""
    columns: dict[str, int]
    """Header → 1-based column number."""
    numbers: list[int]
    """1-based row numbers of the non-empty rows below the header."""
    data: dict[str, list[Any]]
    """Header → its values in those rows (a blank is None)."""

    @cached_property
    def rows(self) -> list[tuple[int, dict[str, Any]]]:
        """(1-based row number, header → value) for every non-empty row below the header."""
        names = list(self.data)
        return [(n, dict(zip(names, values))) for n, values in zip(self.numbers, zip(*self.data.values()))] \
            if names else []

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


def code_texts(values: Sequence[Any]) -> list[str]:
    """:func:`code_text` of a whole column (text cells only: one strip each)."""
    if set(map(type, values)) <= {str}:
        return list(map(str.strip, values))
    return [code_text(v) for v in values]


def _column(body: Sequence[Sequence[Any]], c: int) -> list[Any]:
    """Column ``c`` (0-based) of the rows, a blank ("" or missing) as None."""
    try:
        values = list(map(itemgetter(c), body))
    except IndexError:  # ragged rows
        values = [row[c] if c < len(row) else None for row in body]
    if "" in values:
        values = [None if v == "" else v for v in values]
    return values


def find_table(sheet: str, values: Sequence[Sequence[Any]], required: Sequence[str],
               optional: Sequence[str] = ()) -> Table | Problem:
    """The table under the first row (of the first five) that holds every required header."""
    for r, row in enumerate(values[:HEADER_ROWS], start=1):
        names = {str(v).strip(): c for c, v in enumerate(row, start=1) if v is not None and str(v).strip()}
        if all(h in names for h in required):
            columns = {h: names[h] for h in [*required, *optional] if h in names}
            body = values[r:]
            data = {h: _column(body, c - 1) for h, c in columns.items()}
            filled = np.zeros(len(body), dtype=bool)
            for column in data.values():
                if None not in column:  # a value in every row: no row is empty
                    filled[:] = True
                    break
                filled |= np.not_equal(np.fromiter(column, dtype=object, count=len(column)), None)
            numbers = np.flatnonzero(filled)
            if len(numbers) < len(body):
                keep = numbers.tolist()
                data = {h: [column[i] for i in keep] for h, column in data.items()}
            return Table(sheet, r, columns, (numbers + r + 1).tolist(), data)
    missing = "、".join(required)
    return Problem("no_table", f"工作表“{sheet}”的前{HEADER_ROWS}行内找不到表头：{missing} "
                               f"[sheet {sheet}: headers not found in the first {HEADER_ROWS} rows: {missing}]",
                   sheet=sheet)
