"""Read and edit the cells of one worksheet part of an .xlsx at the text level.

A worksheet (ECMA-376 Part 1, §18.3.1.99) keeps its cells in ``<sheetData>``: ``<row r="5">``
elements (§18.3.1.73) holding ``<c r="E5" s="3" t="s"><v>12</v></c>`` cells (§18.3.1.4).
:class:`Worksheet` finds the rows and cells with regular expressions and splices the rows it
changes back into the text, so every other byte (widths, views, validations, conditional
formats, the office's own formulas and names) stays as Excel, WPS or LibreOffice wrote it.
It copes with what those programs write: a namespace prefix (``<x:c>``), rows and cells
without ``r`` (then they follow the one before), shared and inline strings, rich text and
phonetic runs, ``_xHHHH_`` escapes.

Cells are never moved: a cell's text is set, or its value cleared (its style stays).
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from addin.errors import KaoheError
from addin.workbook.tables import column_letters, column_number

_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(r"([A-Za-z]{1,3})(\d+)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class SheetError(KaoheError):
    pass


def attributes(text: str) -> dict[str, str]:
    """The attributes of a start tag's text (``r="E5" s='3'`` → {"r": "E5", "s": "3"})."""
    return {m.group(1): html.unescape(m.group(2) if m.group(2) is not None else m.group(3))
            for m in _ATTR.finditer(text)}


def unescape_text(text: str) -> str:
    """Element text as the reader sees it: XML entities, then ST_Xstring's ``_xHHHH_``."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), html.unescape(text))


def cell_ref(ref: str) -> tuple[int, int]:
    """``E5`` → (row 5, column 5)."""
    m = _REF.fullmatch(ref.strip().replace("$", ""))
    if m is None:
        raise SheetError(f"无法识别的单元格地址“{ref}” [not a cell reference: {ref}]")
    return int(m.group(2)), column_number(m.group(1))


def range_columns(ref: str) -> tuple[int, int]:
    """The first and last column of a range (``D2:F9`` → (4, 6)); a single cell is both."""
    ends = [cell_ref(part)[1] for part in ref.split(":")]
    return min(ends), max(ends)


@dataclass
class Cell:
    col: int
    attrs: dict[str, str]
    inner: str | None
    """The element's content (``<v>…</v>``, ``<f>…</f>``, ``<is>…</is>``); None for ``<c/>``."""


@dataclass
class Row:
    number: int
    start: int
    end: int
    attrs: str
    cells: list[Cell]
    changed: bool = False


@dataclass
class Worksheet:
    """One worksheet part's text with its rows parsed; :meth:`text` gives it back with the
    edited rows spliced in."""

    source: str
    prefix: str
    rows: dict[int, Row]
    data_span: tuple[int, int]
    """Where the rows sit in ``source`` (the content of ``<sheetData>``)."""
    formulas_removed: bool = False
    """A formula was cleared: the workbook's calculation chain no longer matches."""
    new_columns: dict[int, float] = field(default_factory=dict)
    """Column → width of columns given a header here (for ``<cols>`` and the dimension)."""

    @classmethod
    def parse(cls, data: bytes) -> Worksheet:
        text = data.decode("utf-8")
        root = re.search(r"<(?:(\w+):)?worksheet\b", text)
        if root is None:
            raise SheetError("不是工作表 [not a worksheet part]")
        p = f"{root.group(1)}:" if root.group(1) else ""
        empty = re.search(rf"<{p}sheetData\b[^>]*/>", text)
        if empty is not None:  # no rows yet: an open element to put them in
            text = text[:empty.start()] + f"<{p}sheetData></{p}sheetData>" + text[empty.end():]
            inner_start = inner_end = empty.start() + len(f"<{p}sheetData>")
        else:
            m = re.search(rf"<{p}sheetData\b[^>]*>(.*?)</{p}sheetData>", text, re.S)
            if m is None:
                raise SheetError("工作表没有 sheetData [worksheet without sheetData]")
            inner_start, inner_end = m.start(1), m.end(1)
        rows: dict[int, Row] = {}
        row_re = re.compile(rf"<{p}row\b([^>]*?)(?:/>|>(.*?)</{p}row>)", re.S)
        cell_re = re.compile(rf"<{p}c\b([^>]*?)(?:/>|>(.*?)</{p}c>)", re.S)
        number = 0
        for m in row_re.finditer(text, inner_start, inner_end):
            attrs = attributes(m.group(1))
            number = int(attrs["r"]) if "r" in attrs else number + 1
            cells, col = [], 0
            for c in cell_re.finditer(m.group(2) or ""):
                cattrs = attributes(c.group(1))
                col = cell_ref(cattrs["r"])[1] if "r" in cattrs else col + 1
                cattrs["r"] = f"{column_letters(col)}{number}"
                cells.append(Cell(col, cattrs, c.group(2)))
            rows[number] = Row(number, m.start(), m.end(), m.group(1), cells)
        return cls(text, p, rows, (inner_start, inner_end))

    # --- reading ------------------------------------------------------------------

    def cell(self, row: int, col: int) -> Cell | None:
        found = self.rows.get(row)
        return next((c for c in found.cells if c.col == col), None) if found else None

    def value(self, cell: Cell | None, strings: SharedStrings) -> Any:
        """The cell's value as a reader sees it: text, int, float, bool, an error's text;
        None when blank. A formula gives its cached value (the office's own file)."""
        if cell is None or cell.inner is None:
            return None
        p, kind = self.prefix, cell.attrs.get("t", "n")
        if kind == "inlineStr":
            return _rich_text(cell.inner, p) or None
        v = re.search(rf"<{p}v>(.*?)</{p}v>", cell.inner, re.S)
        if v is None:
            return None
        raw = unescape_text(v.group(1))
        if raw.strip() == "":
            return None
        if kind == "s":
            return strings[int(raw)] or None
        if kind in ("str", "e", "d"):
            return raw or None
        if kind == "b":
            return raw.strip() in ("1", "true")
        raw = raw.strip()
        return int(raw) if re.fullmatch(r"-?\d+", raw) else float(raw)

    def texts(self, row: int, strings: SharedStrings) -> dict[int, str]:
        """Column → stripped text of every non-blank cell of a row."""
        found = self.rows.get(row)
        out = {}
        for c in found.cells if found else []:
            v = self.value(c, strings)
            if v is not None and str(v).strip():
                out[c.col] = (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip()
        return out

    def column(self, col: int, below: int, strings: SharedStrings) -> dict[int, Any]:
        """Row → value of the non-blank cells of a column below a row."""
        out = {}
        for number, row in self.rows.items():
            if number > below:
                v = self.value(next((c for c in row.cells if c.col == col), None), strings)
                if v is not None and v != "":
                    out[number] = v
        return out

    def last_column(self) -> int:
        return max((c.col for row in self.rows.values() for c in row.cells), default=0)

    # --- editing ------------------------------------------------------------------

    def set_text(self, row: int, col: int, text: str, style: str | None) -> None:
        """Make a cell an inline string holding ``text`` (kept as text, never a formula),
        with the given style (``s``), creating the row or cell where missing."""
        target = self.rows.get(row)
        if target is None:
            target = self.rows[row] = Row(row, -1, -1, f' r="{row}"', [])
        cell = next((c for c in target.cells if c.col == col), None)
        if cell is None:
            cell = Cell(col, {"r": f"{column_letters(col)}{row}"}, None)
            target.cells.append(cell)
            target.cells.sort(key=lambda c: c.col)
        self._drop_formula(cell)
        attrs = {"r": cell.attrs["r"], **({"s": style} if style else {})}
        cell.attrs = attrs | {"t": "inlineStr"}
        cell.inner = f'<{self.prefix}is><{self.prefix}t xml:space="preserve">{_xml_text(text)}</{self.prefix}t></{self.prefix}is>'
        target.changed = True

    def clear_column(self, col: int, from_row: int) -> None:
        """Clear the values of a column from a row down, keeping each cell's style."""
        for number, row in self.rows.items():
            if number < from_row:
                continue
            for cell in row.cells:
                if cell.col == col and (cell.inner is not None or "t" in cell.attrs):
                    self._drop_formula(cell)
                    cell.attrs = {k: v for k, v in cell.attrs.items() if k in ("r", "s")}
                    cell.inner = None
                    row.changed = True

    def _drop_formula(self, cell: Cell) -> None:
        if cell.inner is None:
            return
        f = re.search(rf"<{self.prefix}f\b([^>]*?)(?:/>|>)", cell.inner)
        if f is None:
            return
        fattrs = attributes(f.group(1))
        if fattrs.get("ref") and fattrs.get("t") in ("shared", "array", "dataTable"):
            first, last = range_columns(fattrs["ref"])
            if (first, last) != (cell.col, cell.col):
                raise SheetError(f"单元格 {cell.attrs['r']} 的公式（{fattrs['t']}）同时用于其他列（{fattrs['ref']}），"
                                 f"无法只清除本列；请在 Excel 中把这些公式改为数值或删除该列后再运行 "
                                 f"[the formula in {cell.attrs['r']} spans {fattrs['ref']}: turn it into values first]")
        self.formulas_removed = True

    def text(self) -> str:
        """The worksheet with the changed rows written back."""
        start, end = self.data_span
        changed = sorted((r for r in self.rows.values() if r.changed), key=lambda r: r.number)
        if not changed and not self.new_columns:
            return self.source
        out, last = [self.source[:start]], start
        new_rows = [r for r in changed if r.start < 0]
        pending = iter(sorted(new_rows, key=lambda r: r.number))
        nxt = next(pending, None)
        for row in sorted(self.rows.values(), key=lambda r: r.number):
            if row.start < 0:
                continue
            while nxt is not None and nxt.number < row.number:
                out.append(self.source[last:row.start])
                last = row.start
                out.append(self._row_xml(nxt))
                nxt = next(pending, None)
            if row.changed:
                out.append(self.source[last:row.start])
                out.append(self._row_xml(row))
                last = row.end
        out.append(self.source[last:end])
        while nxt is not None:
            out.append(self._row_xml(nxt))
            nxt = next(pending, None)
        out.append(self.source[end:])
        return self._widen("".join(out))

    def _row_xml(self, row: Row) -> str:
        p = self.prefix
        attrs = re.sub(r"""\s+spans\s*=\s*(?:"[^"]*"|'[^']*')""", "", row.attrs)  # a hint (§18.3.1.73), now stale
        cells = "".join(_cell_xml(c, p) for c in row.cells)
        return f"<{p}row{attrs}>{cells}</{p}row>"

    def _widen(self, text: str) -> str:
        """The dimension and ``<cols>`` widths cover the columns given a header here."""
        if not self.new_columns:
            return text
        p = self.prefix
        last = max(self.new_columns)
        dim = re.search(rf"(<{p}dimension\b[^>]*?\bref\s*=\s*\")([^\"]*)(\")", text)
        if dim is not None:
            parts = dim.group(2).split(":")
            (r1, c1), (r2, c2) = cell_ref(parts[0]), cell_ref(parts[-1])
            if last > c2:
                ref = f"{column_letters(c1)}{r1}:{column_letters(last)}{r2}"
                text = text[:dim.start(2)] + ref + text[dim.end(2):]
        cols = re.search(rf"<{p}cols\b[^>]*>(.*?)</{p}cols>", text, re.S)
        spans = [(int(a["min"]), int(a["max"])) for a in map(attributes, re.findall(rf"<{p}col\b([^>]*?)/?>",
                                                                                     cols.group(1) if cols else ""))
                 if "min" in a and "max" in a]
        add = [f'<{p}col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in sorted(self.new_columns.items())
               if not any(lo <= c <= hi for lo, hi in spans)]
        if not add:
            return text
        if cols is None:
            at = text.index(f"<{p}sheetData")
            return text[:at] + f"<{p}cols>" + "".join(add) + f"</{p}cols>" + text[at:]
        items = re.findall(rf"<{p}col\b[^>]*?(?:/>|>.*?</{p}col>)", cols.group(1), re.S)
        merged = sorted(items + add, key=lambda x: int(attributes(x[len(p) + 4:])["min"]))
        return text[:cols.start(1)] + "".join(merged) + text[cols.end(1):]


def _cell_xml(cell: Cell, p: str) -> str:
    attrs = "".join(f' {k}="{escape(v, {chr(34): "&quot;"})}"' for k, v in cell.attrs.items())
    return f"<{p}c{attrs}/>" if cell.inner is None else f"<{p}c{attrs}>{cell.inner}</{p}c>"


def _xml_text(text: str) -> str:
    """Text for ``<t>``: escaped, control characters dropped, and a literal ``_xHHHH_``
    escaped itself (``_x005F_``) so that no reader decodes it."""
    return escape(re.sub(r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", _INVALID_XML.sub("", text)))


def _rich_text(inner: str, p: str) -> str:
    """The text of an ``<is>`` or ``<si>``: its ``<t>`` runs, phonetic runs (``<rPh>``) left out."""
    inner = re.sub(rf"<{p}rPh\b.*?</{p}rPh>", "", inner, flags=re.S)
    return "".join(unescape_text(t) for t in re.findall(rf"<{p}t\b[^>]*>(.*?)</{p}t>", inner, re.S))


class SharedStrings:
    """The shared-string table (§18.4.9), scanned only as far as the highest index asked
    for, and only the strings asked for turned into text: a master's 100,000 staff names
    cost a scan, not a parse."""

    def __init__(self, archive: zipfile.ZipFile | None, path: str | None):
        self._raw: list[str] = []
        self._text: dict[int, str] = {}
        self._prefix = ""
        self._source: Iterator[str] | None = self._scan(archive, path) if archive and path else None

    def __getitem__(self, index: int) -> str:
        if index in self._text:
            return self._text[index]
        while index >= len(self._raw) and self._source is not None:
            try:
                self._raw.append(next(self._source))
            except StopIteration:
                self._source = None
        if index >= len(self._raw):
            raise SheetError(f"共享字符串表没有第 {index} 项 [no shared string {index}]")
        text = self._text[index] = _rich_text(self._raw[index], self._prefix)
        return text

    def _scan(self, archive: zipfile.ZipFile, path: str) -> Iterator[str]:
        if path not in archive.namelist():
            return
        text = archive.read(path).decode("utf-8")
        root = re.search(r"<(?:(\w+):)?sst\b", text)
        p = self._prefix = f"{root.group(1)}:" if root and root.group(1) else ""
        for m in re.finditer(rf"<{p}si\b[^>]*?(?:/>|>(.*?)</{p}si>)", text, re.S):
            yield m.group(1) or ""
