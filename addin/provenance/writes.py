"""What intake wrote into the master from each submission, recorded in the archive
(``submission_writes``) in the transaction that records the submission: the cell a value
went to (sheet, the row's key, the column) and the value. Recompute compares the master
with it (an edit after intake is a warning), and ``kaohe trace`` names the submission a
master value came from: the latest write to a cell is the one the master should hold."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

ROWS = "*"
"""The column of a register's replaced rows of one unit (their value: the rows as JSON)."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_text)
    return str(value)


def record_writes(db: sqlite3.Connection, submission_id: int, updates: Iterable[Any]) -> int:
    """Record the master cells one submission's updates wrote (inside the caller's
    transaction); returns how many. An :class:`~addin.intake.extract.Update` is one row per
    column; a :class:`~addin.intake.extract.Replace` one row per unit it replaced."""
    now = dt.datetime.now().isoformat(timespec="seconds")
    rows = []
    for u in updates:
        if hasattr(u, "rows"):  # Replace: the rows of each unit it replaces, as one value
            for key in sorted(u.keys):
                mine = [r for r in u.rows if str(r.get(u.key_header)) == key]
                rows.append((submission_id, u.sheet, u.key_header, key, ROWS, _text(mine), now))
        else:
            rows += [(submission_id, u.sheet, u.key_header, str(u.key), col, _text(v), now)
                     for col, v in u.values.items()]
    db.executemany("INSERT INTO submission_writes (submission_id, sheet, key_header, key, col, value, written_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


@dataclass(frozen=True)
class Write:
    """The latest value intake wrote into one master cell, and the submission it came from."""

    sheet: str
    key: str
    column: str
    value: str | None
    written_at: str
    submission_id: int
    number: int
    status: str


UNIT_SHEETS = ("部门", "区市", "*")
"""The sheets of units' rows (``*``: whichever of them holds the unit)."""


def family(sheet: str) -> str:
    """The master table a written sheet name stands for: 单位 for the unit sheets (a
    unit is on one of them), else the sheet itself (人员, 加分登记, 区市半年)."""
    return "单位" if sheet in UNIT_SHEETS else sheet


def latest_writes(db: sqlite3.Connection, year: int,
                  keys: Iterable[str] | None = None) -> dict[tuple[str, str, str], Write]:
    """(table, key, column) → the latest write of the intakes of ``year`` (of ``keys``
    only, when given); the table as :func:`family` names it."""
    wanted = None if keys is None else set(keys)
    out: dict[tuple[str, str, str], Write] = {}
    for sheet, key, col, value, at, sid, number, status in db.execute(
            "SELECT w.sheet, w.key, w.col, w.value, w.written_at, s.id, s.number, s.status FROM submission_writes w "
            "JOIN submissions s ON s.id = w.submission_id WHERE s.intake_year IS ? ORDER BY w.id", (year,)):
        if wanted is None or key in wanted:
            out[(family(sheet), key, col)] = Write(sheet, key, col, value, at, sid, number, status)
    return out


def mark_version(db: sqlite3.Connection, year: int, version: int) -> None:
    """Record the last write made before ``version`` of ``year`` was published (inside the
    publishing transaction)."""
    db.execute("INSERT OR REPLACE INTO version_writes VALUES (?, ?, (SELECT MAX(id) FROM submission_writes))",
                (year, version))


def version_mark(db: sqlite3.Connection, year: int, version: int) -> int | None:
    """The last write before ``version`` (0 when none), or None for a version published
    before versions were marked."""
    row = db.execute("SELECT COALESCE(last_write, 0) FROM version_writes WHERE year = ? AND version = ?",
                     (year, version)).fetchone()
    return None if row is None else row[0]
