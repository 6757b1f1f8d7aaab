"""A small reader of .xlsx parts for untrusted workbooks.

It reads what intake needs and nothing more: sheet names and states, defined names,
cell values, formulas and the locked flag of each cell's style. Every part is found
through the package's relationships, by a name compared without regard to case
(:mod:`addin.intake.opc`). XML is parsed by ElementTree's C parser after its prolog is
checked for a DTD (:mod:`addin.intake.markup`), so no entity is ever expanded; a large
sheet is read row by row. Sheet dimensions and cell counts are checked against limits.

Values are read as ECMA-376 Part 1 says (§18.3.1.4 ``c``, §18.18.11 ``ST_CellType``):
the cell's ``t`` decides whether its value is the ``v`` (a number, a shared-string index,
a boolean, an error, an ISO 8601 date or a formula's string) or the inline ``is``; text
is unescaped as ``ST_Xstring`` (§22.9.2.19, ``_xHHHH_``). Parts that are the same bytes
in many submissions of one template (the workbook, styles and shared strings) are parsed
once per batch.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zipfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from addin.intake import markup
from addin.intake.budget import Budget, OverBudget
from addin.intake.formula import FormulaSyntaxError, make_shifter
from addin.intake.opc import Package, rels_name, xml_refusal
from addin.intake.package import DEFAULT_LIMITS, Limits
from addin.intake.refusal import UnsafeWorkbook, refuse
from addin.workbook.tables import column_letters, column_number

__all__ = ["Book", "Cell", "Sheet", "UnsafeWorkbook", "read_book", "resolve", "split_cell"]

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})$")
MAIN_NAMESPACES = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                   "http://purl.oclc.org/ooxml/spreadsheetml/main", "")
"""SpreadsheetML's namespace, Strict OOXML's, and none (as some writers leave it)."""
SHEET_TAGS = markup.tags(MAIN_NAMESPACES, "row", "dimension", "sheetProtection")
SHEET_DATA = markup.tags(MAIN_NAMESPACES, "sheetData")
SI_TAGS = markup.tags(MAIN_NAMESPACES, "si")


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

    def sheet_names(self) -> list[str]:
        return list(self.sheets)


@functools.lru_cache(maxsize=1 << 14)
def split_cell(ref: str) -> tuple[int, int]:
    """``F8`` (or ``$F$8``) → (row 8, column 6); raises ValueError for anything else."""
    m = _CELL.match(ref)
    if not m:
        raise ValueError(ref)
    return int(m.group(2)), column_number(m.group(1))


def read_book(archive: zipfile.ZipFile | Package, file: str, limits: Limits = DEFAULT_LIMITS,
              budget: Budget | None = None, only: frozenset[str] | None = None) -> Book:
    """Parse the workbook's sheets, names, shared strings and cell protection, within the
    file's ``budget`` (a fresh one when None): any excess raises :class:`UnsafeWorkbook`
    with where it is and the limit. ``only``: read just the sheets of these names (the
    metadata sheet, to know whose file it is before its content costs anything)."""
    try:
        return _read_book(Package.of(archive, file), file, limits, budget or Budget(file, limits), only)
    except OverBudget as exc:
        raise UnsafeWorkbook(exc.problem) from None


def _read_book(pkg: Package, file: str, limits: Limits, budget: Budget, only: frozenset[str] | None = None) -> Book:
    wb_path = pkg.main_part() or "xl/workbook.xml"
    sheets, names = pkg.memo(_parse_workbook, wb_path)
    for dn_name, _local, text in names:
        budget.check_name(dn_name, text)
    rels = {r.id: r for r in pkg.relationships(wb_path)}
    if not rels:
        pkg.read(rels_name(wb_path))  # a workbook without relationships is not one
    strings = _related(pkg, wb_path, "sharedStrings", _parse_strings, ())
    locked = _related(pkg, wb_path, "styles", _parse_styles, ())
    locked_by_style = {str(i): flag for i, flag in enumerate(locked)}
    book_sheets: dict[str, Sheet] = {}
    total_cells = 0
    for sheet_name, sheet_state, rid in sheets:
        rel = rels.get(rid)
        if rel is None or rel.kind != "worksheet" or rel.name is None:
            continue  # chart sheets and the like hold no input
        if only is not None and sheet_name not in only:
            continue
        sheet = Sheet(sheet_name, sheet_state, rel.part or rel.name)
        total_cells += _read_sheet(pkg, sheet, strings, locked_by_style, limits, file, total_cells, budget)
        book_sheets[sheet_name] = sheet
    order = [s[0] for s in sheets]
    scoped = {}
    for dn_name, local, text in names:
        scope = order[int(local)] if local is not None and local.isdigit() and int(local) < len(order) else None
        scoped[(scope, dn_name)] = text
    return Book(book_sheets, scoped)


def _related(pkg: Package, source: str, kind: str, parse, default):
    """The parsed part of the workbook's first relationship of ``kind``; ``default`` when
    there is none (a relationship whose part is missing refuses the file)."""
    rel = next(iter(pkg.related(source, kind)), None)
    if rel is None or rel.external or rel.name is None:
        return default
    return pkg.memo(parse, rel.name)


def _parse_workbook(data: bytes) -> tuple[tuple[tuple[str, str, str], ...], tuple[tuple[str, str | None, str], ...]]:
    """(name, state, relationship id) of each sheet, and (name, localSheetId, text) of each
    defined name (ECMA-376 Part 1 §18.2.19, §18.2.5)."""
    root = markup.parse(data)
    ns = markup.namespace(root)
    sheets, names = [], []
    for sheet in root.iterfind(f"{ns}sheets/{ns}sheet"):
        rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), "")
        sheets.append((sheet.get("name", ""), sheet.get("state", "visible"), rid))
    for dn in root.iterfind(f"{ns}definedNames/{ns}definedName"):
        names.append((dn.get("name", ""), dn.get("localSheetId"), dn.text or ""))
    return tuple(sheets), tuple(names)


def _parse_strings(data: bytes) -> tuple[str, ...]:
    """The shared-string table (§18.4.9 ``sst``): each ``si``'s text."""
    if len(data) > markup.STREAM_ABOVE:
        return tuple(rich_text(si) for si in markup.stream(data, SI_TAGS))
    return tuple(rich_text(si) for si in markup.parse(data) if si.tag in SI_TAGS)


def rich_text(element: ET.Element, ns: str | None = None) -> str:
    """The text of a rich string (``CT_Rst``: a shared string's ``si``, a cell's ``is``): its
    ``t`` and its runs' ``t``, without the phonetic runs (``rPh``), unescaped. ``ns`` is the
    element's namespace (``{uri}``) when the caller knows it."""
    if ns is None:
        ns = markup.namespace(element)
    t, r = ns + "t", ns + "r"
    if len(element) == 1 and element[0].tag == t:
        text = element[0].text or ""
        return markup.decode_xstring(text) if "_x" in text else text
    parts = []
    for child in element:
        if child.tag == t:
            parts.append(child.text or "")
        elif child.tag == r:
            parts.extend(g.text or "" for g in child if g.tag == t)
    return markup.decode_xstring("".join(parts))


def _parse_styles(data: bytes) -> tuple[bool, ...]:
    """Per cell format (``cellXfs``, §18.8.10): is a cell of that format locked (the default).
    A UTF-8 part in which no ``locked`` attribute is written (an attribute's name is never
    escaped) locks every cell, and nothing else is read from it (as from the theme)."""
    if b"locked" not in data and not markup.is_utf16(data):
        return ()
    root = markup.parse(data)
    ns = markup.namespace(root)
    locked = []
    for xf in root.iterfind(f"{ns}cellXfs/{ns}xf"):
        protection = xf.find(f"{ns}protection")
        locked.append(protection is None or protection.get("locked", "1") not in ("0", "false"))
    return tuple(locked)


def _read_sheet(pkg: Package, sheet: Sheet, strings: tuple[str, ...], locked_by_style: dict[str, bool],
                limits: Limits, file: str, seen: int, budget: Budget) -> int:
    """Read one worksheet's cells. Shared formulas are expanded (ECMA-376 Part 1,
    §18.3.1.40): each child gets the anchor's formula shifted by its offset, from the
    anchor's tokens read once per group."""
    cells = sheet.cells
    anchors: dict[str, tuple[str, str]] = {}  # shared index → (anchor cell, formula text)
    children: list[tuple[str, str]] = []  # (cell, shared index)
    data = pkg.read(sheet.path)
    try:
        if len(data) > markup.STREAM_ABOVE:
            rows = _streamed_rows(data, sheet, limits, file)
        else:
            rows = _tree_rows(markup.parse(data), sheet, limits, file)
        count = _read_rows(rows, sheet, cells, strings, locked_by_style, anchors, children, seen, limits, file,
                           budget)
    except markup.MarkupError as exc:
        raise xml_refusal(exc, sheet.path, file) from None
    shifters: dict[str, Callable[[int, int], str] | None] = {}
    for coord, index in children:
        budget.tick(sheet.name, coord)
        cell = cells.get(coord)
        if cell is not None:
            cell.formula = _shared_child(coord, anchors.get(index), shifters, index)
            budget.charge(len(cell.formula), sheet.name, coord)
    return count - seen


def _sheet_element(element: ET.Element, sheet: Sheet, limits: Limits, file: str) -> None:
    """Act on a worksheet's ``dimension`` (checked against the limits) or ``sheetProtection``."""
    if element.tag.endswith("dimension"):
        _check_dimension(element.get("ref", ""), limits, file, sheet.name)
    else:
        sheet.protected = element.get("sheet", "0") in ("1", "true")


def _tree_rows(root: ET.Element, sheet: Sheet, limits: Limits, file: str) -> Iterable[ET.Element]:
    """The rows of a worksheet read as one tree, after its dimension and protection."""
    rows: Iterable[ET.Element] = ()
    for element in root:
        if element.tag in SHEET_DATA:
            rows = element
        elif element.tag in SHEET_TAGS:
            _sheet_element(element, sheet, limits, file)
    return rows


def _streamed_rows(data: bytes, sheet: Sheet, limits: Limits, file: str) -> Iterator[ET.Element]:
    """The rows of a large worksheet, one at a time (each dropped once read)."""
    for element in markup.stream(data, SHEET_TAGS):
        if element.tag.endswith("row"):
            yield element
        else:
            _sheet_element(element, sheet, limits, file)


def _read_rows(rows: Iterable[ET.Element], sheet: Sheet, cells: dict[str, Cell], strings: tuple[str, ...],
               locked_by_style: dict[str, bool], anchors: dict, children: list, count: int, limits: Limits,
               file: str, budget: Budget) -> int:
    """Each cell of each row (§18.3.1.73 ``row``, §18.3.1.4 ``c``) into ``cells``; the cells
    read so far in the file, checked against ``max_cells`` row by row."""
    row_tag = c_tag = v_tag = f_tag = is_tag = t_tag = None
    ns = ""
    row_number = 0
    for row in rows:
        if row_tag is None:
            ns = markup.namespace(row)
            row_tag, c_tag, v_tag, f_tag, is_tag = ns + "row", ns + "c", ns + "v", ns + "f", ns + "is"
            t_tag = ns + "t"
        if row.tag != row_tag:
            continue
        r = row.get("r")
        row_number = int(r) if r is not None and r.isdigit() else row_number + 1
        col = 0
        for c in row:
            if c.tag != c_tag:
                continue
            attrib = c.attrib
            ref = attrib.get("r")
            if ref is None:  # r is optional (§18.3.1.4): the next column of the current row
                col += 1
                ref = f"{column_letters(col)}{row_number}"
            else:
                ref, col = _REFS.get(ref) or _cell_ref(ref, sheet.name, file)
            if ref in cells:
                raise UnsafeWorkbook(refuse("duplicate_cell", f"工作表“{sheet.name}”的单元格 {ref} 出现了两次，"
                                            "不同软件会读出不同内容，已拒收；请重新保存后发送", f"cell {ref} is written "
                                            "twice (readers disagree on which counts)", file, sheet=sheet.name,
                                            cell=ref))
            count += 1
            budget.tick(sheet.name, ref)
            kind = attrib.get("t", "n")
            raw = inline = f = None
            for child in c:
                tag = child.tag
                if tag == v_tag:
                    raw = child.text or ""
                elif tag == f_tag:
                    f = child
                elif tag == is_tag:
                    inline = child
            if kind == "n":
                try:
                    value = None if raw is None else float(raw)
                except ValueError:
                    value = raw
            elif kind == "s":
                value = _shared_string(raw, strings, sheet.name, ref, file)
            elif kind == "inlineStr":
                if inline is None:
                    value = None
                elif len(inline) == 1 and inline[0].tag == t_tag:  # one plain run, as most writers save it
                    value = inline[0].text or ""
                    if "_x" in value:
                        value = markup.decode_xstring(value)
                else:
                    value = rich_text(inline, ns)
            else:
                value = _typed(kind, raw)
            if f is None:
                formula = None
            else:
                budget.check_formula(f.text or "", sheet.name, ref)
                formula = _formula_text(f.text or "", f.attrib, ref, anchors, children)
            cells[ref] = Cell(value, formula, locked_by_style.get(attrib.get("s", "0"), True))
        if count > limits.max_cells:
            raise UnsafeWorkbook(refuse("too_many_cells", "工作表单元格数量异常，已拒收",
                                        "the sheet has too many cells", file))
    return count


_REFS: dict[str, tuple[str, int]] = {}
"""Cell references as written → (the reference without ``$``, its column); shared by every
file of a batch, forgotten when it grows large."""


def _cell_ref(ref: str, sheet: str, file: str) -> tuple[str, int]:
    try:
        row, col = split_cell(ref)
    except ValueError:
        raise UnsafeWorkbook(refuse("bad_cell_ref", f"工作表“{sheet}”有无法识别的单元格地址“{ref[:20]}”，"
                                    "文件已损坏，请重新保存后发送", f"unreadable cell reference {ref[:20]!r}",
                                    file, sheet=sheet)) from None
    if len(_REFS) >= 1 << 17:
        _REFS.clear()
    _REFS[ref] = known = (f"{column_letters(col)}{row}", col)
    return known


def _shared_string(raw: str | None, strings: tuple[str, ...], sheet: str, ref: str, file: str) -> str | None:
    """A shared-string cell's text; an index the table does not hold refuses the file."""
    if raw is None or not raw.strip():
        return None
    try:
        index = int(raw)
        if index < 0:
            raise IndexError(index)
        return strings[index]
    except (ValueError, IndexError):
        raise UnsafeWorkbook(refuse("broken_strings", f"工作表“{sheet}”单元格 {ref} 的文字在工作簿的共享字符串中找不到"
                                    f"（第 {raw[:12]} 项，共 {len(strings)} 项），文件已损坏，请重新保存后发送",
                                    f"shared string {raw[:12]!r} is not in the table of {len(strings)}", file,
                                    sheet=sheet, cell=ref)) from None


def _typed(kind: str, raw: str | None) -> Any:
    """A ``v`` read by the cell's type (§18.18.11); a cached error is None (never trusted)."""
    if raw is None:
        return None
    if kind == "n":
        try:
            return float(raw)
        except ValueError:
            return raw
    if kind == "str":
        return markup.decode_xstring(raw)
    if kind == "b":
        return raw.strip() in ("1", "true")
    if kind == "e":
        return None  # a cached error (#NAME? where the add-in is missing): never trusted
    if kind == "d":
        return iso_datetime(raw)
    try:
        return float(raw)
    except ValueError:
        return raw


def iso_datetime(raw: str) -> dt.datetime | dt.time | str:
    """An ISO 8601 ``t="d"`` value (§18.17.4, Strict OOXML and some writers): a date or a
    date and time as a datetime (the reader's one type for dates, see
    :func:`addin.numbers.read_date`), a time alone (``12:30:00``, ``T12:30:00``) as a time;
    anything else stays text."""
    text = raw.strip()
    if text.endswith("Z"):
        text = text[:-1]
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.time.fromisoformat(text[1:] if text.startswith("T") else text)
    except ValueError:
        return raw


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


def _check_dimension(ref: str, limits: Limits, file: str, sheet: str) -> None:
    """A declared used range (§18.3.1.35) larger than ``max_rows`` × ``max_cols`` cells, or
    beyond Excel's grid, refuses the sheet before its cells are read. LibreOffice declares
    a range down to row 1,048,576 when it keeps an empty formatted row there, so the
    area counts, not the last row."""
    first, _, last = ref.partition(":")
    try:
        r1, c1 = split_cell(first)
        r2, c2 = split_cell(last or first)
    except ValueError:
        return
    area = (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
    if area > limits.max_rows * limits.max_cols or max(r1, r2) > 1_048_576 or max(c1, c2) > 16_384:
        raise UnsafeWorkbook(refuse("absurd_dimension", f"工作表“{sheet}”声明的范围异常（{ref}），已拒收",
                                    f"sheet {sheet} declares an absurd dimension {ref}", file, sheet=sheet))


def resolve(book: Book, ref: str) -> tuple[str, tuple[str, ...]] | None:
    """A defined name's reference → (sheet, cells); None for anything else. The text alone
    decides, so a batch of one template's submissions reads each of its names once
    (small areas are remembered, a bounded number of them)."""
    known = _RESOLVED.get(ref)
    if known is None:
        known = _resolve_text(ref)
        if known is None or len(known[1]) <= 64:
            if len(_RESOLVED) >= 1 << 14:
                _RESOLVED.clear()
            _RESOLVED[ref] = known or ()
    return known or None


_RESOLVED: dict[str, tuple] = {}


def _resolve_text(ref: str) -> tuple[str, tuple[str, ...]] | None:
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
    return sheet, tuple(f"{column_letters(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))
