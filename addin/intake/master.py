"""Write accepted inputs into the master workbook, atomically and under a lock.

The master is the office's own file: it is opened with openpyxl, the input tables are
found by their header names (a header row within the first 5 rows, any column order),
and the new file replaces the old only once it is complete and flushed to disk; the
previous master is kept as a backup. A lock file prevents two intakes at once, and an
Excel owner file (``~$…``) means a clerk has it open: intake stops and says so.
"""

from __future__ import annotations

import contextlib
import os
import unicodedata
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from addin.errors import KaoheError
from addin.office.roster import Roster, RosterPerson, RosterUnit
from addin.scheme.audit_columns import AUDIT_SHEET
from addin.workbook.tables import Table
from addin.intake.extract import ANY_UNIT_SHEET, HALF_YEAR_SHEET, Replace, Update
from addin.workbook.text import set_cell
from addin.workbook.atomic import commit, remove_stale_temps, temp_path  # noqa: F401 (re-exported)

HEADER_ROWS = 5
UNIT_SHEETS = ("部门", "区市")


class MasterError(KaoheError):
    pass


def check_not_open(master: Path) -> None:
    owner = master.with_name("~$" + master.name)
    if owner.exists():
        raise MasterError(f"汇总工作簿 {master.name} 正在 Excel 中打开（存在 {owner.name}），请关闭后再运行 "
                          f"[the master is open in Excel: close it and run again]")


@contextlib.contextmanager
def master_lock(master: Path) -> Iterator[None]:
    lock = master.with_name(master.name + ".lock")
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            if _stale(lock):
                lock.unlink(missing_ok=True)
                continue
            raise MasterError(f"另一个汇总任务正在处理 {master.name}（锁文件 {lock.name}），请稍后再试 "
                              f"[another intake is running on this master]") from None
    else:  # pragma: no cover - a lock that reappears at once
        raise MasterError(f"无法锁定 {master.name} [cannot lock the master]")
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


def _stale(lock: Path) -> bool:
    """A lock whose process is gone (killed mid-run) may be taken over."""
    try:
        pid = int(lock.read_text().strip() or "0")
    except (OSError, ValueError):
        return True
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _header(ws, wanted: Sequence[str]) -> tuple[int, dict[str, int]] | None:
    for r in range(1, HEADER_ROWS + 1):
        cols = {str(c.value).strip(): c.column for c in ws[r] if c.value is not None}
        if all(w in cols for w in wanted):
            return r, cols
    return None


def _cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def read_roster(master: Path) -> Roster:
    """The year's units and people as the master lists them (部门, 区市, the audit bureau's
    审计 with each unit's 类别 科室 or 县市区局, 人员): the roster every submission is checked
    against, never the submitted file's own lists."""
    import openpyxl

    from addin.mail.addresses import split_addresses

    wb = openpyxl.load_workbook(master, read_only=True)
    units: list[RosterUnit] = []
    people: list[RosterPerson] = []
    try:
        for sheet, kind in (("部门", "部门"), ("区市", "区市")):
            for row in _records(wb, sheet, "单位编码", ("单位名称", "分口", "报送邮箱")):
                units.append(RosterUnit(row["单位编码"], row.get("单位名称", ""), kind, row.get("分口", ""),
                                        split_addresses(row.get("报送邮箱"))))
        for row in _records(wb, AUDIT_SHEET, "单位编码", ("单位名称", "类别", "报送邮箱")):  # the audit bureau's units
            units.append(RosterUnit(row["单位编码"], row.get("单位名称", ""), row.get("类别", ""), "",
                                    split_addresses(row.get("报送邮箱"))))
        for row in _records(wb, "人员", "人员编码", ("姓名", "单位编码", "层级", "主要负责人")):
            people.append(RosterPerson(row["人员编码"], row.get("姓名", ""), row.get("单位编码", ""),
                                       row.get("层级", ""), row.get("主要负责人", "") == "是"))
    finally:
        wb.close()
    return Roster(units, people)


def _records(wb, sheet: str, key: str, optional: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of a master input table as text by header (found as recompute finds it), keyed
    rows only."""
    from addin.workbook.tables import find_table

    if sheet not in wb.sheetnames:
        return []
    found = find_table(sheet, list(wb[sheet].iter_rows(values_only=True)), [key], optional)
    if not isinstance(found, Table):
        raise MasterError(found.message)
    records = [{h: _text(v) for h, v in rec.items()} for _row, rec in found.rows]
    return [r for r in records if r[key]]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def apply_updates(master: Path, updates: Sequence[Update | Replace]) -> int:
    """Apply the updates and replace the master atomically; returns the cells written."""
    written, failures = apply_groups(master, [updates])
    if failures:
        raise failures[0][1]
    return written


def apply_groups(master: Path, groups: Sequence[Sequence[Update | Replace]]) -> tuple[int, list[tuple[int, Exception]]]:
    """Apply each group of updates (one submission's) on its own: a group that fails is
    left out whole and reported by its index, the others are applied; then the master is
    replaced atomically, once. Returns the cells written and the failures."""
    import openpyxl

    failures: list[tuple[int, Exception]] = []
    while True:
        wb = openpyxl.load_workbook(master)
        seen = _Seen()
        written = 0
        failed = {i for i, _ in failures}
        for i, group in enumerate(groups):
            if i in failed:
                continue
            try:
                written += _apply(wb, group, seen)
            except Exception as exc:  # a group that cannot be applied fails alone (see above)
                failures.append((i, exc))
                break
        else:
            if written or any(groups[i] for i in range(len(groups)) if i not in failed):
                save_atomically(wb, master)
            return written, failures
        # a group failed half-way: start again from the file without it


class _Seen:
    """What one pass over a loaded master has read already: each sheet's header rows, and
    each key column's rows (one pass a sheet and batch, not one per update: a 100,000-row
    人员 table and a batch of 1,000 submissions)."""

    def __init__(self):
        self.headers: dict[str, list[dict[str, int]]] = {}
        self.rows: dict[tuple[str, int, int], dict[str, int]] = {}

    def header(self, ws, wanted: Sequence[str]) -> tuple[int, dict[str, int]] | None:
        if ws.title not in self.headers:
            self.headers[ws.title] = [{str(c.value).strip(): c.column for c in row if c.value is not None}
                                      for row in ws.iter_rows(min_row=1, max_row=HEADER_ROWS)]
        for r, cols in enumerate(self.headers[ws.title], start=1):
            if all(w in cols for w in wanted):
                return r, cols
        return None

    def index(self, ws, header_row: int, col: int) -> dict[str, int]:
        key = (ws.title, header_row, col)
        if key not in self.rows:
            self.rows[key] = _row_index(ws, header_row, col)
        return self.rows[key]

    def forget_rows(self, sheet: str) -> None:
        self.rows = {k: v for k, v in self.rows.items() if k[0] != sheet}


def _apply(wb, updates: Sequence[Update | Replace], seen: _Seen | None = None) -> int:
    seen = seen or _Seen()
    written = 0
    for update in updates:
        if isinstance(update, Replace):
            written += _replace(wb, update)
            seen.forget_rows(update.sheet)  # its rows moved
            continue
        sheets = UNIT_SHEETS if update.sheet == ANY_UNIT_SHEET else (update.sheet,)
        for name in sheets:
            if name == HALF_YEAR_SHEET:
                _half_year_columns(wb, update, seen)
            if name not in wb.sheetnames:
                continue
            ws = wb[name]
            found = seen.header(ws, [update.key_header, *update.values])
            if found is None:
                raise MasterError(f"汇总工作簿的“{name}”表缺少表头：{'、'.join([update.key_header, *update.values])} "
                                  f"[missing headers in sheet {name}]")
            header_row, cols = found
            index = seen.index(ws, header_row, cols[update.key_header])
            row = index.get(update.key)
            if row is None:
                if update.sheet == ANY_UNIT_SHEET:
                    continue
                row = ws.max_row + 1
                set_cell(ws, row, cols[update.key_header], update.key)
                index[update.key] = row
            for header, value in update.values.items():
                set_cell(ws, row, cols[header], _cell_value(value))
                written += 1
            break
    return written


def _half_year_columns(wb, update: Update, seen: _Seen) -> None:
    """The districts' half-year sheet is the master's own record of the half-year round:
    made on first use, a column added for each table it is sent (never an input the office
    fills, never read by recompute)."""
    if HALF_YEAR_SHEET not in wb.sheetnames:
        ws = wb.create_sheet(HALF_YEAR_SHEET)
        set_cell(ws, 1, 1, update.key_header)
        set_cell(ws, 1, 2, "说明：区(市)半年考核的各附表得分（kaohe intake 写入），只用于半年通报，不计入年度结果")
    ws = wb[HALF_YEAR_SHEET]
    headers = [c.value for c in ws[1]]
    for header in update.values:
        if header not in headers:
            column = len(headers) + 1
            set_cell(ws, 1, column, header)
            headers.append(header)
            seen.headers.pop(HALF_YEAR_SHEET, None)


def _row_index(ws, header_row: int, col: int) -> dict[str, int]:
    """Each key of a column (stripped) → its first row below the header."""
    index: dict[str, int] = {}
    for r, (value,) in enumerate(ws.iter_rows(min_row=header_row + 1, min_col=col, max_col=col, values_only=True),
                                 start=header_row + 1):
        if value is not None:
            index.setdefault(str(value).strip(), r)
    return index


def _replace(wb, update: Replace) -> int:
    ws = wb[update.sheet]
    found = _header(ws, [update.key_header])
    if found is None:
        raise MasterError(f"汇总工作簿的“{update.sheet}”表缺少表头“{update.key_header}”")
    header_row, cols = found
    for r in range(ws.max_row, header_row, -1):
        value = ws.cell(r, cols[update.key_header]).value
        if value is not None and str(value).strip() in update.keys:
            ws.delete_rows(r)
    written = 0
    for row in update.rows:
        r = ws.max_row + 1
        for header, value in row.items():
            if header in cols:
                set_cell(ws, r, cols[header], _cell_value(value))
                written += 1
    return written


def save_atomically(wb, master: Path) -> None:
    """Save an openpyxl workbook over the master atomically (see :mod:`addin.workbook.atomic`)."""
    tmp = temp_path(master)
    try:
        wb.save(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        commit(tmp, master)
    finally:
        tmp.unlink(missing_ok=True)
