"""Replace whole sheets of an .xlsx at the zip level, leaving every other part as it was.

The master workbook's input sheets belong to the clerks (their formatting, widths and
notes); the result sheets belong to kaohe. Rewriting only the result sheets' parts keeps
the inputs byte for byte and avoids loading 20,000 input rows into a document model.
Each result sheet gets inline strings, a bold header, highlighted rows, column widths, a
frozen header row and an Excel table.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from addin.workbook.tables import column_letters

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = f"{REL}/worksheet"
TABLE_TYPE = f"{REL}/table"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
TABLE_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class SheetContent:
    name: str
    headers: list[str]
    rows: Sequence[Sequence[Any]]
    widths: dict[int, float]
    table_name: str | None
    highlight: str | None
    stamp: str | None = None
    """Text beside the header, outside the table (e.g. 已发布 v1)."""


def _text(value: str) -> str:
    return escape(_INVALID_XML.sub("", value))


def _cell(ref: str, value: Any, style: int) -> str:
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>' if isinstance(value, float) else f'<c r="{ref}"{s}><v>{value}</v></c>'
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_text(str(value))}</t></is></c>'


_NUMBERS = {int, float, type(None)}
_TEXTS = {str, type(None)}


def _column_cells(letter: str, numbers: list[str], values: list[Any]) -> list[str]:
    """The cells of one column without a style, exactly as :func:`_cell` writes them, built a
    column at a time: numbers, or text that needs no escaping (checked once per column)."""
    kinds = set(map(type, values))
    if kinds <= _NUMBERS:
        return [f'<c r="{letter}{r}"><v>{v!r}</v></c>' if v is not None else "" for r, v in zip(numbers, values)]
    if kinds <= _TEXTS:
        joined = "\n".join(v for v in values if v)
        if not ("&" in joined or "<" in joined or ">" in joined or _INVALID_XML.search(joined)):
            return [f'<c r="{letter}{r}" t="inlineStr"><is><t xml:space="preserve">{v}</t></is></c>' if v else ""
                    for r, v in zip(numbers, values)]
    return [_cell(f"{letter}{r}", v, 0) for r, v in zip(numbers, values)]


def _rows_xml(rows: Sequence[Sequence[Any]], letters: list[str], mark: str | None, style: int) -> list[str]:
    """``<row>`` elements from row 2, a column at a time; rows holding ``mark`` get ``style``."""
    if not rows:
        return []
    numbers = list(map(str, range(2, len(rows) + 2)))
    width = len(letters)
    if set(map(len, rows)) != {width}:  # ragged rows: cell by cell
        return [f'<row r="{r}">' + "".join(_cell(f"{letters[c]}{r}", v, style if mark is not None and mark in row else 0)
                                           for c, v in enumerate(row)) + "</row>" for r, row in zip(numbers, rows)]
    columns = [_column_cells(letters[c], numbers, list(values)) for c, values in enumerate(zip(*rows))]
    out = [f'<row r="{r}">{"".join(cells)}</row>' for r, cells in zip(numbers, zip(*columns))]
    if mark is not None:
        for k, row in enumerate(rows):
            if mark in row:
                r = numbers[k]
                out[k] = f'<row r="{r}">' + "".join(_cell(f"{letters[c]}{r}", v, style) for c, v in enumerate(row)) \
                    + "</row>"
    return out


def sheet_xml(content: SheetContent, header_style: int, highlight_style: int, table_rid: str | None) -> str:
    ncols = len(content.headers)
    letters = [column_letters(c) for c in range(1, ncols + 1)]
    last = f"{column_letters(ncols + 2) if content.stamp else letters[-1]}{len(content.rows) + 1}"
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{REL}">',
             f'<dimension ref="A1:{last}"/>',
             '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
             'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>',
             '<sheetFormatPr defaultRowHeight="15"/><cols>']
    parts += [f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in sorted(content.widths.items())]
    parts.append("</cols><sheetData>")
    stamp = _cell(f"{column_letters(ncols + 2)}1", content.stamp, header_style) if content.stamp else ""
    parts.append('<row r="1">' + "".join(_cell(f"{letters[c]}1", h, header_style)
                                         for c, h in enumerate(content.headers)) + stamp + "</row>")
    parts += _rows_xml(content.rows, letters, content.highlight, highlight_style)
    parts.append('</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
                 'footer="0.3"/><pageSetup paperSize="9" orientation="landscape"/>')
    if table_rid:
        parts.append(f'<tableParts count="1"><tablePart r:id="{table_rid}"/></tableParts>')
    parts.append("</worksheet>")
    return "".join(parts)


def table_xml(content: SheetContent, table_id: int) -> str:
    ref = f"A1:{column_letters(len(content.headers))}{len(content.rows) + 1}"
    cols = "".join(f'<tableColumn id="{i}" name={quoteattr(h)}/>' for i, h in enumerate(content.headers, start=1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<table xmlns="{MAIN}" id="{table_id}" '
            f'name="{content.table_name}" displayName="{content.table_name}" ref="{ref}" totalsRowShown="0">'
            f'<autoFilter ref="{ref}"/><tableColumns count="{len(content.headers)}">{cols}</tableColumns>'
            '<tableStyleInfo name="TableStyleLight9" showFirstColumn="0" showLastColumn="0" showRowStripes="1" '
            'showColumnStripes="0"/></table>')


def _append(xml: str, tag: str, element: str) -> tuple[str, int]:
    """Append ``element`` to the ``<tag count="n">`` list (unless an identical one is
    there) and return (new xml, its index)."""
    m = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", xml, re.S)
    if m is None:
        raise ValueError(f"styles.xml has no <{tag}>")
    inner = m.group(1)
    child = {"fonts": "font", "fills": "fill", "cellXfs": "xf"}[tag]
    items = re.findall(rf"<{child}\b(?:[^>]*/>|.*?</{child}>)", inner, re.S)
    if element in items:
        return xml, items.index(element)
    new_inner = inner + element
    head = re.sub(r'count="\d+"', f'count="{len(items) + 1}"', xml[m.start():m.start(1)])
    return xml[:m.start()] + head + new_inner + xml[m.end(1):], len(items)


def add_styles(styles: str) -> tuple[str, int, int]:
    """A bold header style and a highlight style: (styles.xml, header xf, highlight xf)."""
    styles, bold = _append(styles, "fonts", '<font><b/><sz val="11"/><name val="宋体"/></font>')
    styles, fill = _append(styles, "fills", '<fill><patternFill patternType="solid"><fgColor rgb="FFFFF2CC"/>'
                                            '<bgColor indexed="64"/></patternFill></fill>')
    styles, header = _append(styles, "cellXfs", f'<xf numFmtId="0" fontId="{bold}" fillId="0" borderId="0" '
                                                'xfId="0" applyFont="1"/>')
    styles, mark = _append(styles, "cellXfs", f'<xf numFmtId="0" fontId="0" fillId="{fill}" borderId="0" '
                                              'xfId="0" applyFill="1"/>')
    return styles, header, mark


def _rels(xml: str) -> dict[str, tuple[str, str]]:
    return {m.group("id"): (m.group("type"), m.group("target")) for m in re.finditer(
        r'<Relationship\b(?=[^>]*\bId="(?P<id>[^"]+)")(?=[^>]*\bType="(?P<type>[^"]+)")'
        r'(?=[^>]*\bTarget="(?P<target>[^"]+)")[^>]*/>', xml)}


def replace_sheets(data: bytes, contents: Sequence[SheetContent]) -> bytes:
    """The workbook ``data`` with the named sheets rewritten (added if missing)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    parts = _Parts(src)
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    wb_rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    styles, header_style, mark_style = add_styles(parts["xl/styles.xml"].decode("utf-8"))
    rels = _rels(wb_rels)
    sheets = {m.group(1): m.group(2) for m in re.finditer(
        r'<sheet\b[^>]*\bname="([^"]+)"[^>]*\br:id="([^"]+)"[^>]*/>', workbook)}
    table_ids = [int(x) for p in parts.names() if p.startswith("xl/tables/")
                 for x in re.findall(rb'<table\b[^>]*\bid="(\d+)"', parts[p])]
    next_table = max(table_ids, default=0) + 1
    for content in contents:
        escaped = escape(content.name, {'"': "&quot;"})
        if escaped in sheets:
            target = rels[sheets[escaped]][1]
            path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        else:
            n = 1
            while f"xl/worksheets/sheet{n}.xml" in parts:
                n += 1
            path = f"xl/worksheets/sheet{n}.xml"
            rid = f"rIdKh{n}"
            ids = [int(x) for x in re.findall(r'<sheet\b[^>]*\bsheetId="(\d+)"', workbook)]
            workbook = workbook.replace("</sheets>", f'<sheet name="{escaped}" sheetId="{max(ids, default=0) + 1}" '
                                                     f'r:id="{rid}"/></sheets>')
            wb_rels = wb_rels.replace("</Relationships>", f'<Relationship Id="{rid}" Type="{SHEET_TYPE}" '
                                                          f'Target="worksheets/sheet{n}.xml"/></Relationships>')
            types = types.replace("</Types>", f'<Override PartName="/{path}" ContentType="{SHEET_CT}"/></Types>')
            sheets[escaped] = rid
        rels_path = path.replace("worksheets/", "worksheets/_rels/") + ".rels"
        old_tables = [t for _, (kind, t) in _rels(parts.get(rels_path, b"").decode("utf-8")).items()
                      if kind == TABLE_TYPE]
        for t in old_tables:  # our own table of an earlier run: replaced below
            table_path = "xl/" + t.replace("../", "")
            parts.pop(table_path, None)
            types = types.replace(f'<Override PartName="/{table_path}" ContentType="{TABLE_CT}"/>', "")
        table_rid = None
        if content.table_name and content.rows:
            k = 1
            while f"xl/tables/table{k}.xml" in parts:
                k += 1
            table_path = f"xl/tables/table{k}.xml"
            parts[table_path] = table_xml(content, next_table).encode("utf-8")
            next_table += 1
            types = types.replace("</Types>", f'<Override PartName="/{table_path}" ContentType="{TABLE_CT}"/></Types>')
            table_rid = "rIdKhTable"
            parts[rels_path] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                                f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
                                f'Id="{table_rid}" Type="{TABLE_TYPE}" Target="../tables/table{k}.xml"/>'
                                '</Relationships>').encode()
        else:
            parts.pop(rels_path, None)
        parts[path] = sheet_xml(content, header_style, mark_style, table_rid).encode("utf-8")
    parts["xl/workbook.xml"] = workbook.encode("utf-8")
    parts["xl/_rels/workbook.xml.rels"] = wb_rels.encode("utf-8")
    parts["[Content_Types].xml"] = types.encode("utf-8")
    parts["xl/styles.xml"] = styles.encode("utf-8")
    return _write(src, data, parts)


def replace_parts(data: bytes, changes: dict[str, bytes | None]) -> bytes:
    """The package ``data`` with the named parts replaced (or added), and those mapped to
    None dropped; every other part is copied as it was, compressed bytes and all."""
    src = zipfile.ZipFile(io.BytesIO(data))
    parts = _Parts(src)
    for name, payload in changes.items():
        if payload is None:
            parts.pop(name)
        else:
            parts[name] = payload
    return _write(src, data, parts)


def _write(src: zipfile.ZipFile, data: bytes, parts: _Parts) -> bytes:
    """The package of ``parts``: untouched parts copied as they were (the same compressed
    bytes), changed ones compressed at :data:`WRITE_LEVEL`."""
    infos = {i.filename: i for i in src.infolist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in parts.names():
            info = infos.get(name)
            if info is not None and name not in parts.changed:
                _copy_entry(dst, src, data, info)
            else:
                dst.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), parts[name], zipfile.ZIP_DEFLATED,
                             compresslevel=WRITE_LEVEL)
    return out.getvalue()


WRITE_LEVEL = 1
"""zlib level of the parts we write: level 6 takes 3–4× as long on a 100,000-row result
sheet for a file about a fifth smaller (bench/recompute_bench.py)."""


class _Parts:
    """The package's parts by name, read from the source zip only when asked for; what is
    set or dropped is remembered, so untouched parts are copied without recompressing."""

    def __init__(self, src: zipfile.ZipFile):
        self.src = src
        self.order = [i.filename for i in src.infolist()]
        self.values: dict[str, bytes] = {}
        self.dropped: set[str] = set()
        self.changed: set[str] = set()

    def __contains__(self, name: str) -> bool:
        return name not in self.dropped and (name in self.values or name in self.order)

    def __getitem__(self, name: str) -> bytes:
        if name in self.dropped:
            raise KeyError(name)
        if name not in self.values:
            self.values[name] = self.src.read(name)
        return self.values[name]

    def __setitem__(self, name: str, payload: bytes) -> None:
        if name in self.dropped:
            self.dropped.discard(name)
        elif (name in self.order and name not in self.changed
              and self.src.getinfo(name).file_size == len(payload) and self[name] == payload):
            return  # the same bytes: still copied as they were
        if name not in self.order:
            self.order.append(name)
        self.values[name] = payload
        self.changed.add(name)

    def get(self, name: str, default: bytes | None = None) -> bytes | None:
        return self[name] if name in self else default

    def pop(self, name: str, default: Any = None) -> Any:
        if name not in self:
            return default
        value = self[name]
        self.dropped.add(name)
        return value

    def names(self) -> list[str]:
        return [n for n in self.order if n not in self.dropped]


def _copy_entry(dst: zipfile.ZipFile, src: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo) -> None:
    """Copy one member's compressed bytes from ``data`` (the bytes of ``src``) into ``dst``
    as they are (a local header with the sizes, then the data; the central directory is
    written on close).
    A member that is encrypted or has extra fields is recompressed instead."""
    if info.flag_bits & 0x1 or info.extra or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        dst.writestr(info, src.read(info.filename))
        return
    offset = info.header_offset
    name_length, extra_length = struct.unpack("<HH", data[offset + 26:offset + 30])
    start = offset + 30 + name_length + extra_length
    copy = zipfile.ZipInfo(info.filename, info.date_time)
    copy.compress_type, copy.external_attr, copy.create_system = info.compress_type, info.external_attr, \
        info.create_system
    copy.CRC, copy.compress_size, copy.file_size = info.CRC, info.compress_size, info.file_size
    copy.flag_bits = info.flag_bits & 0x800  # UTF-8 names; sizes are in the header, so no data descriptor
    copy.header_offset = dst.fp.tell()
    dst.fp.write(copy.FileHeader())
    dst.fp.write(data[start:start + info.compress_size])
    dst.filelist.append(copy)
    dst.NameToInfo[copy.filename] = copy
    dst.start_dir = dst.fp.tell()
