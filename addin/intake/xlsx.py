"""A small reader of .xlsx parts for untrusted workbooks.

It reads what intake needs and nothing more: sheet names and states, defined names,
cell values, formulas and the locked flag of each cell's style. XML is parsed with expat
and any DOCTYPE or entity declaration is refused, so no entity is ever expanded. Sheet
dimensions and cell counts are checked against limits before and while parsing.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from addin.intake.budget import Budget, OverBudget
from addin.intake.formula import FormulaSyntaxError, make_shifter
from addin.intake.package import DEFAULT_LIMITS, Limits, refuse
from addin.problems import Problem
from addin.workbook.tables import column_letters, column_number

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})$")


class UnsafeWorkbook(Exception):
    """Raised inside parsing; carries the problem that refuses the file."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


@dataclass(slots=True)
class Cell:
    value: Any
    formula: str | None
    locked: bool


@dataclass
class Sheet:
    name: str
    state: str
    path: str
    cells: dict[str, Cell] = field(default_factory=dict)
    protected: bool = False


@dataclass
class Book:
    sheets: dict[str, Sheet]
    names: dict[tuple[str | None, str], str]
    """(sheet for a sheet-scoped name, or None; name) → reference text, e.g. '附表1'!$F$8."""
    external_targets: list[str] = field(default_factory=list)
    """The files external links point to (Excel links add-in functions to the .xlam)."""

    def sheet_names(self) -> list[str]:
        return list(self.sheets)


def split_cell(ref: str) -> tuple[int, int]:
    m = _CELL.match(ref)
    if not m:
        raise ValueError(ref)
    return int(m.group(2)), column_number(m.group(1))


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def _parse(data: bytes, start, end=None, text=None, file: str = "") -> None:
    parser = expat.ParserCreate()

    def forbid(*_args):
        raise UnsafeWorkbook(refuse("unsafe_xml", "文件含有不安全的 XML 声明（DOCTYPE/实体），已拒收",
                                    "the workbook's XML declares a DOCTYPE or entities", file))

    parser.StartDoctypeDeclHandler = forbid
    parser.EntityDeclHandler = forbid
    parser.buffer_text = True
    parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if text:
        parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise UnsafeWorkbook(refuse("broken_xml", "工作簿内部数据已损坏，请重新保存后发送",
                                    f"malformed XML in the workbook: {exc}", file)) from None


def _read(archive: zipfile.ZipFile, path: str, file: str) -> bytes:
    try:
        return archive.read(path)
    except KeyError:
        raise UnsafeWorkbook(refuse("not_workbook", f"工作簿缺少部件 {path}", f"missing part {path}", file)) from None
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError):
        raise UnsafeWorkbook(refuse("broken_zip", "文件不完整或已损坏，请重新发送", "corrupt archive member", file)) from None


def _rels_path(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def _relationships(archive: zipfile.ZipFile, part: str, file: str) -> dict[str, tuple[str, str]]:
    """The relationships of a part: id → (type's last segment, target part path). Types
    are matched by their last segment so that Strict OOXML's namespaces read the same."""
    rels: dict[str, tuple[str, str]] = {}
    path = _rels_path(part)
    if path not in archive.namelist():
        return rels
    base = part.rpartition("/")[0]

    def start(name, attrs):
        if _local(name) == "Relationship":
            target = attrs.get("Target", "")
            if attrs.get("TargetMode") == "External":
                resolved = target
            elif target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                resolved = posixpath.normpath(posixpath.join(base, target)) if base else posixpath.normpath(target)
            rels[attrs.get("Id", "")] = (attrs.get("Type", "").rsplit("/", 1)[-1], resolved)

    _parse(_read(archive, path, file), start, file=file)
    return rels


def workbook_part(archive: zipfile.ZipFile, file: str) -> str:
    """The workbook part named by the package's officeDocument relationship (``xl/workbook.xml``
    for every writer we know, found the way the standard says)."""
    for kind, target in _relationships(archive, "", file).values():
        if kind == "officeDocument" and target in archive.namelist():
            return target
    return "xl/workbook.xml"


def read_book(archive: zipfile.ZipFile, file: str, limits: Limits = DEFAULT_LIMITS,
              budget: Budget | None = None) -> Book:
    """Parse the workbook's sheets, names, shared strings and cell protection, within the
    file's ``budget`` (a fresh one when None): any excess raises :class:`UnsafeWorkbook`
    with where it is and the limit."""
    try:
        return _read_book(archive, file, limits, budget or Budget(file, limits))
    except OverBudget as exc:
        raise UnsafeWorkbook(exc.problem) from None


def _read_book(archive: zipfile.ZipFile, file: str, limits: Limits, budget: Budget) -> Book:
    sheets: list[tuple[str, str, str]] = []  # name, state, rel id
    names: list[tuple[str, str | None, str]] = []
    state: dict[str, Any] = {}

    def wb_start(name, attrs):
        tag = _local(name)
        if tag == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            sheets.append((attrs.get("name", ""), attrs.get("state", "visible"), rid))
        elif tag == "definedName":
            state["dn"] = (attrs.get("name", ""), attrs.get("localSheetId"))
            state["buf"] = []

    def wb_text(data):
        if "buf" in state:
            state["buf"].append(data)

    def wb_end(name):
        if _local(name) == "definedName" and "dn" in state:
            dn_name, local = state.pop("dn")
            text = "".join(state.pop("buf"))
            budget.check_name(dn_name, text)
            names.append((dn_name, local, text))

    wb_path = workbook_part(archive, file)
    _parse(_read(archive, wb_path, file), wb_start, wb_end, wb_text, file)
    rels = _relationships(archive, wb_path, file)
    if not rels:
        _read(archive, _rels_path(wb_path), file)  # a workbook without relationships is not one
    by_type = {kind: target for kind, target in rels.values()}
    strings = _shared_strings(archive, by_type.get("sharedStrings", "xl/sharedStrings.xml"), file)
    locked_styles = _locked_styles(archive, by_type.get("styles", "xl/styles.xml"), file)
    book_sheets: dict[str, Sheet] = {}
    total_cells = 0
    for sheet_name, sheet_state, rid in sheets:
        kind, path = rels.get(rid, ("", ""))
        if kind != "worksheet":
            continue  # chart sheets and the like hold no input
        sheet = Sheet(sheet_name, sheet_state, path)
        total_cells += _read_sheet(archive, sheet, strings, locked_styles, limits, file, total_cells, budget)
        book_sheets[sheet_name] = sheet
    order = [s[0] for s in sheets]
    scoped = {}
    for dn_name, local, text in names:
        scope = order[int(local)] if local is not None and local.isdigit() and int(local) < len(order) else None
        scoped[(scope, dn_name)] = text
    return Book(book_sheets, scoped, _external_targets(archive, file))


def _external_targets(archive: zipfile.ZipFile, file: str) -> list[str]:
    out: list[str] = []

    def start(name, attrs):
        if _local(name) == "Relationship":
            out.append(attrs.get("Target", ""))

    for path in archive.namelist():
        if path.startswith("xl/externalLinks/_rels/") and path.endswith(".rels"):
            _parse(_read(archive, path, file), start, file=file)
    if not out and any(p.startswith("xl/externalLinks/") for p in archive.namelist()):
        out.append("(unknown)")
    return out


def _shared_strings(archive: zipfile.ZipFile, path: str, file: str) -> list[str]:
    if path not in archive.namelist():
        return []
    out: list[str] = []
    state = {"in_t": False, "buf": [], "depth_rph": 0}

    def start(name, attrs):
        tag = _local(name)
        if tag == "si":
            state["buf"] = []
        elif tag == "t" and not state["depth_rph"]:
            state["in_t"] = True
        elif tag == "rPh":
            state["depth_rph"] += 1

    def end(name):
        tag = _local(name)
        if tag == "t":
            state["in_t"] = False
        elif tag == "rPh":
            state["depth_rph"] -= 1
        elif tag == "si":
            out.append("".join(state["buf"]))

    def text(data):
        if state["in_t"]:
            state["buf"].append(data)

    _parse(_read(archive, path, file), start, end, text, file)
    return out


def _locked_styles(archive: zipfile.ZipFile, path: str, file: str) -> list[bool]:
    """Per cellXfs index: is the cell locked (the default) or unlocked."""
    locked: list[bool] = []
    state = {"in_xfs": False}

    def start(name, attrs):
        tag = _local(name)
        if tag == "cellXfs":
            state["in_xfs"] = True
        elif tag == "xf" and state["in_xfs"]:
            locked.append(True)
        elif tag == "protection" and state["in_xfs"] and locked:
            locked[-1] = attrs.get("locked", "1") not in ("0", "false")

    def end(name):
        if _local(name) == "cellXfs":
            state["in_xfs"] = False

    if path in archive.namelist():
        _parse(_read(archive, path, file), start, end, file=file)
    return locked


def _read_sheet(archive, sheet: Sheet, strings: list[str], locked_styles: list[bool], limits: Limits, file: str,
                seen: int, budget: Budget) -> int:
    """Read one worksheet's cells. Shared formulas are expanded (ECMA-376 Part 1,
    §18.3.1.40): each child gets the anchor's formula shifted by its offset, from the
    anchor's tokens read once per group."""
    cells = sheet.cells
    cur: dict[str, Any] = {}
    count = [seen]
    pos = {"row": 0, "col": 0}
    anchors: dict[str, tuple[str, str]] = {}  # shared index → (anchor cell, formula text)
    children: list[tuple[str, str]] = []  # (cell, shared index)

    def start(name, attrs):
        tag = _local(name)
        if tag == "c":
            cur.clear()
            ref = attrs.get("r", "")
            if ref:
                try:
                    pos["row"], pos["col"] = split_cell(ref)
                except ValueError:
                    pass
            else:  # r is optional (§18.3.1.4): the next column of the current row
                pos["col"] += 1
                ref = f"{column_letters(pos['col'])}{pos['row']}"
            cur["r"] = ref
            cur["t"] = attrs.get("t", "n")
            s = attrs.get("s")
            cur["locked"] = locked_styles[int(s)] if s and s.isdigit() and int(s) < len(locked_styles) else True
            cur["v"] = None
            cur["f"] = None
            count[0] += 1
            budget.tick(sheet.name, ref)
            if count[0] > limits.max_cells:
                raise UnsafeWorkbook(refuse("too_many_cells", "工作表单元格数量异常，已拒收",
                                            "the sheet has too many cells", file))
        elif tag == "row":
            r = attrs.get("r", "")
            pos["row"] = int(r) if r.isdigit() else pos["row"] + 1
            pos["col"] = 0
        elif tag in ("v", "f", "t"):
            if tag == "t" and cur.get("in_rph"):
                return
            cur["field"] = tag
            cur["buf_" + tag] = []
            if tag == "f":
                cur["f_attrs"] = dict(attrs)
        elif tag == "rPh":
            cur["in_rph"] = True
        elif tag == "dimension":
            _check_dimension(attrs.get("ref", ""), limits, file, sheet.name)
        elif tag == "sheetProtection":
            sheet.protected = attrs.get("sheet", "0") in ("1", "true")

    def text(data):
        field_name = cur.get("field")
        if field_name:
            cur["buf_" + field_name].append(data)

    def end(name):
        tag = _local(name)
        if tag in ("v", "f", "t"):
            if cur.get("field") != tag:
                return
            value = "".join(cur.get("buf_" + tag, []))
            if tag == "t":
                cur["v"] = (cur["v"] or "") + value
            elif tag == "f":
                budget.check_formula(value, sheet.name, cur["r"])
                cur["f"] = _formula_text(value, cur.pop("f_attrs", {}), cur["r"], anchors, children)
            else:
                cur["v"] = value
            cur["field"] = None
        elif tag == "rPh":
            cur["in_rph"] = False
        elif tag == "c" and cur.get("r"):
            cells[cur["r"]] = Cell(_typed(cur["t"], cur["v"], strings), cur["f"], cur["locked"])

    _parse(_read(archive, sheet.path, file), start, end, text, file)
    shifters: dict[str, Callable[[int, int], str] | None] = {}
    for coord, index in children:
        budget.tick(sheet.name, coord)
        cell = cells.get(coord)
        if cell is not None:
            cell.formula = _shared_child(coord, anchors.get(index), shifters, index)
            budget.charge(len(cell.formula), sheet.name, coord)
    return count[0] - seen


def _formula_text(value: str, attrs: dict[str, str], coord: str, anchors: dict, children: list) -> str:
    kind = attrs.get("t", "normal")
    if kind == "shared":
        index = attrs.get("si", "")
        if value:
            anchors[index] = (coord, value)
        else:
            children.append((coord, index))
            return SHARED_PENDING
    elif kind == "dataTable":  # a what-if data table (§18.3.1.40): no text of its own
        args = ",".join(attrs.get(k, "") for k in ("r1", "r2") if attrs.get(k))
        return f"=TABLE({args})"
    return "=" + value if value else "="


SHARED_PENDING = "=#SHARED"
"""A shared-formula child before its anchor is known; one whose group has no anchor keeps it
(so it equals no template formula)."""


def _shared_child(coord: str, anchor: tuple[str, str] | None, shifters: dict, index: str) -> str:
    """A child's formula; ``shifters`` keeps each group's anchor read once (None for an
    anchor that is no formula we can read: its children keep its text)."""
    if anchor is None:
        return SHARED_PENDING
    if index not in shifters:
        try:
            shifters[index] = make_shifter(anchor[1])
        except FormulaSyntaxError:
            shifters[index] = None
    shifter = shifters[index]
    try:
        (row, col), (row0, col0) = split_cell(coord), split_cell(anchor[0])
    except ValueError:
        return SHARED_PENDING  # a cell whose address cannot be read: no offset to move by
    if shifter is None:
        return "=" + anchor[1] + f"  (shared from {anchor[0]})"
    return shifter(row - row0, col - col0)


def _typed(kind: str, raw: str | None, strings: list[str]) -> Any:
    if raw is None:
        return None
    if kind == "s":
        try:
            return strings[int(raw)]
        except (ValueError, IndexError):
            return None
    if kind in ("str", "inlineStr"):
        return raw
    if kind == "b":
        return raw.strip() in ("1", "true")
    if kind == "e":
        return None  # a cached error (#NAME? where the add-in is missing): never trusted
    if kind == "d":  # ISO 8601 (Strict OOXML and some writers)
        try:
            return dt.datetime.fromisoformat(raw.strip().replace("Z", ""))
        except ValueError:
            return raw
    try:
        return float(raw)
    except ValueError:
        return raw


def _check_dimension(ref: str, limits: Limits, file: str, sheet: str) -> None:
    last = ref.split(":")[-1]
    try:
        rows, cols = split_cell(last)
    except ValueError:
        return
    if rows > limits.max_rows or cols > limits.max_cols:
        raise UnsafeWorkbook(refuse("absurd_dimension", f"工作表“{sheet}”声明的范围异常（{ref}），已拒收",
                                    f"sheet {sheet} declares an absurd dimension {ref}", file))


def resolve(book: Book, ref: str) -> tuple[str, list[str]] | None:
    """A defined name's reference → (sheet, [cells]); None for anything else."""
    text = ref.lstrip("=")
    if "!" not in text:
        return None
    sheet, _, area = text.rpartition("!")
    sheet = sheet.strip("'").replace("''", "'")
    parts = area.split(":")
    try:
        r1, c1 = split_cell(parts[0])
        r2, c2 = split_cell(parts[-1])
    except ValueError:
        return None
    if (r2 - r1 + 1) * (c2 - c1 + 1) > 10_000:
        return None
    return sheet, [f"{column_letters(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
