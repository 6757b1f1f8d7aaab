"""Edits after intake: a master cell intake wrote from a submission that no longer holds the
submitted value. Nothing is silently trusted or silently undone: recompute lists each one in
问题 as a warning with both values and the submission, and ``kaohe trace`` shows it as
“汇总表中已改为 X（报送值 Y）”; the office decides whether it was a correction."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote
from typing import Any

from addin.numbers import cents, fmt, is_blank, to_decimal
from addin.problems import Problem
from addin.provenance.writes import ROWS, Latest, Write, latest_writes
from addin.workbook.tables import Table, code_text, code_texts

TABLES = {"单位": ("部门", "区市"), "人员": ("人员",), "加分登记": ("加分登记",), "审计": ("审计",)}
"""The master tables a write's table (:func:`~addin.provenance.writes.family`) is found on
(审计: the audit bureau's units, written from their 审计目标考评表)."""


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or is_blank(value):
        return None
    try:
        return to_decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        return None


def same_value(held: Any, written: str | None) -> bool:
    """The master still holds what intake wrote: equal numbers at 2 places (the master
    keeps floats), else equal text with surrounding blanks ignored; blank equals blank."""
    if type(held) is float and written:  # the common case: the float the master keeps of the Decimal written
        try:
            if float(written) == held:
                return True
        except ValueError:
            return False
    elif type(held) is str and written is not None and held.strip() == written.strip():
        return True
    if is_blank(held) and is_blank(written):
        return True
    if is_blank(held) or is_blank(written):
        return False
    a, b = _number(held), _number(written)
    if a is not None and b is not None:
        return cents(a) == cents(b)
    return code_text(held) == str(written).strip()


def shown(value: Any) -> str:
    """A value as a clerk reads it: numbers to 2 places at most, blank as （空白）."""
    if is_blank(value):
        return "（空白）"
    number = _number(value)
    return str(value).strip() if number is None else fmt(number)


@dataclass(frozen=True)
class Edit:
    """One master cell that differs from what its submission gave."""

    sheet: str
    cell: str
    key: str
    column: str
    held: Any
    write: Write


def bonus_rows(table: Table, key: str, columns: list[str]) -> list[list[str]]:
    """The 加分登记 rows of one unit, as text, sorted (the order of rows carries nothing)."""
    return sorted([[code_text(rec.get(c)) for c in columns] for _row, rec in table.rows
                   if code_text(rec.get(columns[0])) == key])


def written_rows(write: Write, columns: list[str]) -> list[list[str]]:
    return sorted([[code_text(r.get(c)) for c in columns] for r in json.loads(write.value or "[]")])


def find_edits(tables: dict[str, Table], latest: Latest, bonus_headers: list[str] | None = None) -> list[Edit]:
    """Every written cell whose master value differs from the write (a row or a column no
    longer on the master is not an edit of a value: it is left to the table checks)."""
    edits = []
    for fam, sheets in TABLES.items():
        if fam == "加分登记":
            table = tables.get("加分登记")
            if table is None or not bonus_headers:
                continue
            for (f, key), cols in latest.items():
                if f == fam and ROWS in cols:
                    w = Write(*cols[ROWS])
                    held = bonus_rows(table, key, bonus_headers)
                    if held != written_rows(w, bonus_headers):
                        edits.append(Edit("加分登记", "", key, ROWS, held, w))
            continue
        seen: set[str] = set()
        for sheet in sheets:
            table = tables.get(sheet)
            if table is None:
                continue
            key_header = "人员编码" if sheet == "人员" else "单位编码"
            for k, (row, code) in enumerate(zip(table.numbers, code_texts(table.data[key_header]))):
                cols = latest.get((fam, code))
                if cols is None or code in seen:
                    continue
                seen.add(code)
                for column, (value, sid) in cols.items():
                    if column in table.columns and not same_value(table.data[column][k], value):
                        edits.append(Edit(sheet, table.cell(row, column), code, column, table.data[column][k],
                                          Write(value, sid)))
    return edits


def open_readonly(archive: Path | None) -> sqlite3.Connection | None:
    """The archive opened read-only, or None when there is none yet or it records no writes
    (made before issue 26: nothing to compare)."""
    if archive is None or not Path(archive).exists():
        return None
    db = sqlite3.connect(f"file:{quote(Path(archive).resolve().as_posix())}?mode=ro", uri=True)  # a '#' or '?' stays
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'submission_writes'").fetchone():
        db.close()
        return None
    return db


def submission_line(db: sqlite3.Connection, submission_id: int) -> str:
    row = db.execute("SELECT number, file_name, COALESCE(mailer, sender), arrived_at FROM submissions WHERE id = ?",
                     (submission_id,)).fetchone()
    number, name, sender, arrived = row
    return f"报送编号 {number}，{name}，{sender or '发件人未知'}，{(arrived or '到达时间未知')[:16].replace('T', ' ')}"


def edit_problems(tables: dict[str, Table], archive: Path | None, year: int | None, file: str,
                  bonus_headers: list[str] | None = None) -> list[Problem]:
    """The edits after intake of a master, as 问题 warnings naming both values and the
    submission (recompute calls this)."""
    if year is None:
        return []
    db = open_readonly(archive)
    if db is None:
        return []
    with closing(db):
        edits = find_edits(tables, latest_writes(db, year), bonus_headers)
        out = []
        for e in edits:
            source = submission_line(db, e.write.submission_id)
            if e.column == ROWS:
                out.append(Problem(
                    "edited_after_intake", f"加分登记中 {e.key} 的行与报送不同（{source}）：汇总表中已改为 {len(e.held)} 行"
                    f"（报送 {len(json.loads(e.write.value or '[]'))} 行）；请确认是否为更正 [the bonus rows of {e.key} "
                    f"differ from the submission: check it was a correction]", severity="warning", file=file,
                    sheet="加分登记", record=e.key))
                continue
            out.append(Problem(
                "edited_after_intake", f"{e.sheet}!{e.cell} {e.column}：汇总表中已改为 {shown(e.held)}（报送值 "
                f"{shown(e.write.value)}，{source}）；请确认是否为更正 [edited after intake: the master holds "
                f"{shown(e.held)}, the submission gave {shown(e.write.value)}]", severity="warning", file=file,
                sheet=e.sheet, cell=e.cell, record=e.key, field=e.column, value=e.held))
        return out
