"""Bring a master workbook's input columns in line with its year's scheme.

The office edits ``考核方案.yaml`` after ``kaohe init``: it renames a public target, adds one,
drops one, relabels the innovation bonus. :func:`align_master` then changes the master's
input tables (部门, 区市, 加分登记) so that their headers are the ones the scheme asks for
(:mod:`addin.scheme.columns`), and says what it did:

- a renamed part keeps its column and values: the header is rewritten in place;
- a new part gets a blank column, in the first empty column of the table (one a removal
  left) or after its last header;
- a column whose part left the scheme has its values (with each unit's code and name)
  moved to a sheet of its own, ``已删除_<sheet>_<header>``, and is cleared: never deleted.

Which part a column holds is data, not a guess: the master records it in a very hidden
sheet (:data:`~addin.scheme.columns.SOURCES_SHEET`), written when the master is built and
each time it is aligned. A part scored on an appendix table is the same part under a new
name; a part without a table is known by its name only (so renaming one is a removal and
an addition, the values kept in their own sheet). A master built before that record was
kept is matched against the scheme it was built from when kaohe still has it (its
metadata's scheme hash), else by name, with the part columns between the unit's name and
the criticisms column that match nothing moved out.

No cell is moved, so the office's own formulas, names, validations and formats that point
at other columns still do; an Excel table over a header keeps its column names equal to
the headers (a cleared column inside one is headed ``列<letter>``, as Excel heads a blank
one). Only the edited sheets' parts change; the staff table (100,000
rows in a province) is copied in the zip as it was. The file is replaced atomically after
a copy of it is kept beside it; when nothing differs the file is not touched.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from addin.scheme.columns import (BONUS_SHEET, CRITICISMS, GROUP, KEY, NAME, SOURCES_HEADERS, SOURCES_SHEET, UNIT_SHEETS,
                                  bonus_columns, column_sources, unit_columns)
from addin.scheme.models import MunicipalScheme
from addin.workbook.identity import META_SHEET
from addin.workbook.package import WORKBOOK, Package, TablePart, rename_table_columns, very_hidden, without_part
from addin.workbook.patch import SheetContent, replace_parts, replace_sheets
from addin.workbook.tables import HEADER_ROWS, column_letters
from addin.workbook.worksheet import SharedStrings, SheetError, Worksheet

ChangeKind = Literal["renamed", "added", "removed", "recorded", "backup"]
REMOVED_PREFIX = "已删除"
SHEET_NAME_LIMIT = 31
"""Excel's longest sheet name."""
_BAD_NAME = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Change:
    """One thing :func:`align_master` did to the master."""

    kind: ChangeKind
    sheet: str
    old: str | None = None
    """The column's header before (renamed, removed)."""
    new: str | None = None
    """The column's header after (renamed, added); the backup's file name (backup)."""
    column: str | None = None
    """The column's letter."""
    kept_in: str | None = None
    """The sheet now holding a removed column's values (None: it had none)."""

    @property
    def message(self) -> str:
        s, col = self.sheet, f"（{self.column}列）" if self.column else ""
        if self.kind == "renamed":
            return (f"{s}表：列“{self.old}”已改名为“{self.new}”{col}，原有数据保留 "
                    f"[sheet {s}: column {self.old} renamed to {self.new}, values kept]")
        if self.kind == "added":
            return (f"{s}表：新增空白列“{self.new}”{col}（考核方案要求的列），请填写 "
                    f"[sheet {s}: blank column {self.new} added, the scheme asks for it: fill it in]")
        if self.kind == "removed" and self.kept_in:
            return (f"{s}表：列“{self.old}”已不是考核方案的项目，其数据已移到工作表“{self.kept_in}”，原列已清空{col} "
                    f"[sheet {s}: column {self.old} is no longer a scheme item: its values were moved to sheet "
                    f"{self.kept_in} and the column cleared]")
        if self.kind == "removed":
            return (f"{s}表：列“{self.old}”已不是考核方案的项目，该列没有数据，表头已清除{col} "
                    f"[sheet {s}: column {self.old} is no longer a scheme item; it held no values, its header was cleared]")
        if self.kind == "recorded":
            return ("汇总工作簿：已记录各输入列对应的考核方案项目（此后方案改名可据此识别）"
                    "[master: the scheme item of each input column recorded, so later renames are recognized]")
        return (f"汇总工作簿按考核方案调整前的副本已保存为 {self.new} "
                f"[the master as it was before the change was kept as {self.new}]")


def align_master(master: Path, scheme: MunicipalScheme) -> list[Change]:
    """Make the master's input columns those of ``scheme`` (see the module's docstring)
    and return what changed, a copy of the previous master first (``backup``); ``[]`` when
    nothing differs, and then the file is not touched.

    Call it holding the master's lock (:func:`addin.intake.master.master_lock`), after
    :func:`~addin.intake.master.check_not_open`, before the master's tables are read.
    """
    master = Path(master)
    aligned = align_data(master.read_bytes(), scheme)
    if aligned is None:
        return []
    data, changes = aligned
    from addin.workbook.atomic import write_atomically

    kept = keep_copy(master)
    write_atomically(master, data, backup=False)  # the copy above is the backup
    return [Change("backup", "", new=kept.name), *changes]


def keep_copy(master: Path) -> Path:
    """A copy of the master that no later write replaces: ``<stem>.调整列前.<time><suffix>``."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    copy, n = master.with_name(f"{master.stem}.调整列前.{stamp}{master.suffix}"), 1
    while copy.exists():
        n += 1
        copy = master.with_name(f"{master.stem}.调整列前.{stamp}-{n}{master.suffix}")
    part = copy.with_name(f".{copy.name}.{os.getpid()}.part")
    try:
        shutil.copy2(master, part)
        with open(part, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(part, copy)
    finally:
        part.unlink(missing_ok=True)
    return copy


# --- the plan (pure) ------------------------------------------------------------------

@dataclass(frozen=True)
class SheetPlan:
    renames: dict[int, str]
    """Column → its new header."""
    added: list[str]
    removed: list[int]
    """Columns whose values move out (header and values cleared)."""


def plan_sheet(headers: dict[str, int], recorded: list[tuple[str, str]], sources: list[tuple[str, str]],
               required: list[str], loose: Set[int] = frozenset()) -> SheetPlan:
    """How one table's columns follow the scheme.

    ``headers`` maps each header text to its column (the last one where a text repeats, as
    :func:`~addin.workbook.tables.find_table` reads it); ``recorded`` the ``(header, key)``
    of the part columns as the master recorded them; ``sources`` the ``(header, key)`` the
    scheme asks for; ``required`` every header the table must have; ``loose`` columns
    that are part columns without a record (a master built before records were kept).

    A part takes the recorded column of its key (renamed if its header differs), else the
    column of its header, else a new one. A recorded or loose column no part took, and any
    other column bearing a part's header, moves out."""
    recorded = [(h, k) for h, k in recorded if h in headers]
    by_key: dict[str, int] = {}
    for h, k in recorded:
        by_key.setdefault(k, headers[h])
    taken: dict[str, int] = {}
    used: set[int] = set()
    for h, k in sources:
        col = by_key.get(k)
        if col is not None and col not in used:
            taken[h] = col
            used.add(col)
    for h, _k in sources:
        col = headers.get(h)
        if h not in taken and col is not None and col not in used:
            taken[h] = col
            used.add(col)
    text_of = {col: h for h, col in headers.items()}
    renames = {col: h for h, col in taken.items() if text_of[col] != h}
    removed = {headers[h] for h, _k in recorded} | set(loose)
    removed |= {headers[h] for h, _k in sources if h in headers and taken.get(h) != headers[h]}
    removed -= used
    final = ({h for h, col in headers.items() if col not in removed and col not in renames} | set(renames.values()))
    added = [h for h, _k in sources if h not in taken]
    added += [h for h in required if h not in final and h not in added]
    return SheetPlan(renames, added, sorted(removed))


def loose_columns(headers: dict[str, int], fixed: set[str]) -> set[int]:
    """The part columns of a table built before records were kept: between the code, name
    and group columns and the criticisms column, as the master was built."""
    lead = [headers[h] for h in (KEY, NAME, GROUP) if h in headers]
    if not lead or CRITICISMS not in headers:
        return set()
    lo, hi = max(lead), headers[CRITICISMS]
    return {col for h, col in headers.items() if lo < col < hi and h not in fixed}


# --- the master -----------------------------------------------------------------------

def recorded_sources(book: Package, scheme: MunicipalScheme) -> tuple[list[tuple[str, str, str]] | None, bool]:
    """The master's record of which part each column holds, and whether it was kept in
    the master; for a master without one, the columns of the scheme it was built from when
    that is the year's scheme or the shipped one (by its metadata's hash), else None."""
    rows = book.pairs(SOURCES_SHEET)
    if rows is not None:
        return [r[:3] for r in rows[1:] if len(r) >= 3 and r[0] and r[1] and r[2]], True
    from addin.scheme.loader import load_builtin, scheme_hash

    built = dict(r[:2] for r in book.pairs(META_SHEET) or [] if len(r) >= 2).get("scheme_hash")
    for candidate in (scheme, load_builtin("municipal")):
        if built and scheme_hash(candidate) == built:
            return column_sources(candidate), False
    return None, False


def align_data(data: bytes, scheme: MunicipalScheme) -> tuple[bytes, list[Change]] | None:
    """The master's bytes with its input columns those of ``scheme``, and the changes;
    None when nothing differs. Raises :class:`~addin.workbook.worksheet.SheetError` (the
    sheet and cell named) when a column cannot be cleared."""
    book = Package.open(data)
    recorded, kept = recorded_sources(book, scheme)
    sources = column_sources(scheme)
    required = {UNIT_SHEETS[t]: unit_columns(scheme, t)[0] for t in UNIT_SHEETS} | {BONUS_SHEET: bonus_columns(scheme)}
    fixed = {h for t in UNIT_SHEETS for h in sum(unit_columns(scheme, t), [])} | set(bonus_columns(scheme))
    fixed -= {h for _s, h, _k in sources}
    changes: list[Change] = []
    edited: dict[str, bytes | None] = {}
    moved: list[SheetContent] = []
    formulas_removed = False
    names = {n.casefold() for n in book.sheets}
    for sheet, wanted in required.items():
        ws = book.sheet(sheet)
        found = _header_row(ws, book.strings) if ws is not None else None
        if found is None:  # no such table: recompute says so, with where to look
            continue
        row, headers = found
        plan = plan_sheet(headers, [(h, k) for s, h, k in recorded or [] if s == sheet],
                          [(h, k) for s, h, k in sources if s == sheet], wanted,
                          loose_columns(headers, fixed) if recorded is None else set())
        if not (plan.renames or plan.added or plan.removed):
            continue
        tables = [t for t in book.tables(sheet) if t.header_row == row]
        try:
            done, texts = _apply(ws, row, headers, plan, _Target(sheet, book.strings, moved, names, tables))
        except SheetError as exc:
            raise SheetError(f"汇总工作簿“{sheet}”表：{exc} [sheet {sheet}]") from exc
        changes += done
        edited[book.sheets[sheet]] = ws.text().encode("utf-8")
        edited |= {t.path: rename_table_columns(t, texts).encode("utf-8") for t in tables}
        formulas_removed |= ws.formulas_removed
    if not changes and kept and sorted(recorded) == sorted(sources):
        return None
    if not changes:
        changes.append(Change("recorded", SOURCES_SHEET))
    return _write(data, edited, moved, sources, formulas_removed), changes


def _header_row(ws: Worksheet, strings: SharedStrings) -> tuple[int, dict[str, int]] | None:
    """The first row of the first five holding the code header, and header → column."""
    for number in sorted(r for r in ws.rows if r <= HEADER_ROWS):
        texts = ws.texts(number, strings)
        if KEY in texts.values():
            return number, {text: col for col, text in sorted(texts.items())}
    return None


@dataclass
class _Target:
    """What :func:`_apply` needs besides the sheet: its name, the shared strings, where the
    removed columns' sheets go, the sheet names taken, the sheet's tables at its header."""

    sheet: str
    strings: SharedStrings
    moved: list[SheetContent]
    names: set[str]
    tables: list[TablePart]

    def in_table(self, col: int) -> bool:
        return any(t.first_col <= col <= t.last_col for t in self.tables)


def _apply(ws: Worksheet, row: int, headers: dict[str, int], plan: SheetPlan, to: _Target
           ) -> tuple[list[Change], dict[int, str]]:
    """Carry out a sheet's plan: move the removed columns out, rename, add. Returns the
    changes and the new header of every column whose header changed."""
    changes, texts = [], {}
    text_of = {col: h for h, col in headers.items()}
    sheet = to.sheet
    for col in plan.removed:
        values = ws.column(col, row, to.strings)
        kept_in = None
        if values:
            kept_in = removed_sheet_name(sheet, text_of[col], to.names)
            to.names.add(kept_in.casefold())
            codes, units = (ws.column(headers.get(h, 0), row, to.strings) for h in (KEY, NAME))
            rows = [[_plain(codes.get(r)), _plain(units.get(r)), v] for r, v in sorted(values.items())]
            to.moved.append(SheetContent(kept_in, [KEY, NAME, text_of[col]], rows, {1: 12, 2: 24, 3: 16}, None, None,
                                         stamp=f"原“{sheet}”表{column_letters(col)}列，考核方案删除该项目后移至此 "
                                               f"[moved here from sheet {sheet}, column {column_letters(col)}]"))
        cell = ws.cell(row, col)
        ws.clear_column(col, row)
        if to.in_table(col):  # a table's column needs a name: Excel's own for a blank header
            texts[col] = f"列{column_letters(col)}"
            ws.set_text(row, col, texts[col], cell.attrs.get("s") if cell else None)
        changes.append(Change("removed", sheet, old=text_of[col], column=column_letters(col), kept_in=kept_in))
    for col, new in sorted(plan.renames.items()):
        cell = ws.cell(row, col)
        ws.set_text(row, col, new, cell.attrs.get("s") if cell else None)
        texts[col] = new
        changes.append(Change("renamed", sheet, old=text_of[col], new=new, column=column_letters(col)))
    occupied = {col for col in text_of if col not in plan.removed} | set(texts)
    for new in plan.added:
        col = _free_column(ws, row, occupied, min(text_of))
        occupied.add(col)
        left = max((c for c in occupied if c < col and ws.cell(row, c) is not None), default=None)
        ws.set_text(row, col, new, ws.cell(row, left).attrs.get("s") if left is not None else None)
        ws.new_columns[col] = max(9, len(new) * 2 + 2)
        texts[col] = new
        changes.append(Change("added", sheet, new=new, column=column_letters(col)))
    return changes, texts


def _free_column(ws: Worksheet, row: int, occupied: set[int], first: int) -> int:
    """The first column right of the table's first header with no header and no value
    from the header row down (a column a removal cleared, or the one after the table)."""
    col = first + 1
    while col in occupied or _filled(ws, col, row):
        col += 1
    return col


def _filled(ws: Worksheet, col: int, row: int) -> bool:
    """Whether a column holds anything (a value or a formula) from ``row`` down."""
    return any(c.col == col and c.inner is not None for number, r in ws.rows.items() if number >= row for c in r.cells)


def _plain(value):
    return "" if value is None else value


def removed_sheet_name(sheet: str, header: str, taken: set[str]) -> str:
    """``已删除_<sheet>_<header>`` without the characters Excel forbids in a sheet name,
    cut to 31 characters, and unique (``_2``, ``_3``… when taken, case aside)."""
    base = _BAD_NAME.sub("_", f"{REMOVED_PREFIX}_{sheet}_{header}").strip("'")[:SHEET_NAME_LIMIT]
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        tail = f"_{n}"
        name = base[:SHEET_NAME_LIMIT - len(tail)] + tail
    return name


def _write(data: bytes, edited: dict[str, bytes | None], moved: list[SheetContent],
           sources: list[tuple[str, str, str]], drop_calc_chain: bool) -> bytes:
    """The removed columns' sheets and the record (very hidden, protected) added, the
    edited parts put in; the calculation chain dropped when a formula was cleared (Excel
    rebuilds it; one that names a cell without a formula is a damaged file to Excel)."""
    record = SheetContent(SOURCES_SHEET, SOURCES_HEADERS, [list(s) for s in sources], {1: 10, 2: 20, 3: 20}, None,
                          None)
    data = replace_sheets(data, [*moved, record])
    after = Package.open(data)
    path = after.sheets[SOURCES_SHEET]
    sheet_xml = after.archive.read(path).decode("utf-8")
    edited[path] = sheet_xml.replace("</sheetData>", '</sheetData><sheetProtection sheet="1" objects="1" '
                                                     'scenarios="1"/>', 1).encode("utf-8")
    edited[WORKBOOK] = very_hidden(after.workbook_xml, SOURCES_SHEET).encode("utf-8")
    if drop_calc_chain and after.calc_chain:
        edited |= without_part(after, after.calc_chain)
    return replace_parts(data, edited)
