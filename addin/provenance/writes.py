"""What intake wrote into the master from each submission, recorded in the archive
(``submission_writes``) in the transaction that records the submission: the master row a
value went to (sheet, the row's key) and its columns with the values written (one JSON
object a row: a province's staff roster writes 100,000 rows of 7 columns). Recompute
compares the master with it (an edit after intake is a warning), and ``kaohe trace`` names
the submission a master value came from: the latest write to a cell is the one the master
should hold."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, NamedTuple

ROWS = "*"
"""The column of a register's replaced rows of one unit (their value: the rows as JSON)."""
UNIT_SHEETS = ("部门", "区市", "*")
"""The sheets of units' rows (``*``: whichever of them holds the unit)."""


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
    transaction); returns how many cells. An :class:`~addin.intake.extract.Update` is one
    row with its columns; a :class:`~addin.intake.extract.Replace` one row per unit it
    replaced, its rows as the value of column ``*``."""
    now = dt.datetime.now().isoformat(timespec="seconds")
    rows = []
    cells = 0
    for u in updates:
        if hasattr(u, "rows"):  # Replace: the rows of each unit it replaces, as one value
            for key in sorted(u.keys):
                mine = [r for r in u.rows if str(r.get(u.key_header)) == key]
                rows.append((submission_id, u.sheet, u.key_header, key, json.dumps({ROWS: _text(mine)},
                                                                                   ensure_ascii=False), now))
                cells += 1
        else:
            values = {col: _text(v) for col, v in u.values.items()}
            rows.append((submission_id, u.sheet, u.key_header, str(u.key), json.dumps(values, ensure_ascii=False), now))
            cells += len(values)
    db.executemany("INSERT INTO submission_writes (submission_id, sheet, key_header, key, cols, written_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)", rows)
    return cells


class Write(NamedTuple):
    """The latest value intake wrote into one master cell, and the submission it came from."""

    value: str | None
    submission_id: int


def family(sheet: str) -> str:
    """The master table a written sheet name stands for: 单位 for the unit sheets (a
    unit is on one of them), else the sheet itself (人员, 加分登记, 区市半年)."""
    return "单位" if sheet in UNIT_SHEETS else sheet


Latest = dict[tuple[str, str], dict[str, tuple[str | None, int]]]
"""(table, key) → column → (the value last written, its submission's id)."""


def latest_writes(db: sqlite3.Connection, year: int, keys: Iterable[str] | None = None) -> Latest:
    """The latest write to every master cell by the intakes of ``year`` (of ``keys`` only,
    when given), by master row — (table, key), the table as :func:`family` names it — and
    column; plain tuples (a province's recompute reads 700,000 of them)."""
    wanted = None if keys is None else set(keys)
    subs = {sid for (sid,) in db.execute("SELECT id FROM submissions WHERE intake_year IS ?", (year,))}
    out: Latest = {}
    # in the order written (the rowid: no sort), the year's submissions picked here
    for sheet, key, cols, sid in db.execute("SELECT sheet, key, cols, submission_id FROM submission_writes ORDER BY id"):
        if sid in subs and (wanted is None or key in wanted):
            slot = out.setdefault((family(sheet), key), {})
            for col, value in json.loads(cols).items():
                slot[col] = (value, sid)
    return out


def latest_write(latest: Latest, table: str, key: str, column: str) -> Write | None:
    """One cell's latest write, or None when intake never wrote it."""
    found = latest.get((table, key), {}).get(column)
    return None if found is None else Write(*found)


def writes_of(db: sqlite3.Connection, year: int, key: str, after: int | None = None, upto: int | None = None
              ) -> list[tuple[int, str, str | None, int]]:
    """Every write to ``key``'s cells in the intakes of ``year``, in order: (write id,
    column, value, submission id); only those with ``after`` < id ≤ ``upto`` when given."""
    out = []
    for wid, cols, sid in db.execute(
            "SELECT w.id, w.cols, w.submission_id FROM submission_writes w JOIN submissions s ON s.id = w.submission_id "
            "WHERE s.intake_year IS ? AND w.key = ? AND (? IS NULL OR w.id > ?) AND (? IS NULL OR w.id <= ?) "
            "ORDER BY w.id", (year, key, after, after, upto, upto)):
        out += [(wid, col, value, sid) for col, value in json.loads(cols).items()]
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
