"""An .xlsx package read part by part (ECMA-376 Part 2, OPC): its sheets by name, the
shared strings, the tables (ListObjects) of a sheet, and the small edits of its workbook,
relationship and content-type parts that a change of cells needs. Parts are read from the
zip only when asked for; writing goes through :func:`addin.workbook.patch.replace_parts`.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from addin.workbook.worksheet import SharedStrings, Worksheet, attributes, cell_ref

WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
CONTENT_TYPES = "[Content_Types].xml"


def relationships(data: bytes, base: str) -> list[tuple[str, str, str]]:
    """``(id, type's last segment, part path)`` of a relationships part, targets resolved
    against the folder of the part they belong to (``base``); absolute targets as given."""
    out = []
    for rel in ElementTree.fromstring(data):
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        out.append((rel.get("Id", ""), rel.get("Type", "").rsplit("/", 1)[-1], path))
    return out


@dataclass(frozen=True)
class TablePart:
    """A table (§18.5.1.2) on a sheet: its part, its text, its header row and columns."""

    path: str
    text: str
    header_row: int | None
    """None when the table has no header row (``headerRowCount="0"``)."""
    first_col: int
    last_col: int


@dataclass
class Package:
    archive: zipfile.ZipFile
    sheets: dict[str, str]
    """Sheet name → its part's path."""
    strings: SharedStrings
    calc_chain: str | None
    workbook_xml: str

    @classmethod
    def open(cls, data: bytes) -> Package:
        archive = zipfile.ZipFile(io.BytesIO(data))
        workbook = archive.read(WORKBOOK).decode("utf-8")
        rels = relationships(archive.read(WORKBOOK_RELS), "xl")
        targets = {rid: path for rid, _kind, path in rels}
        by_type = {kind: path for _rid, kind, path in rels}
        sheets = {}
        for m in re.finditer(r"<(?:\w+:)?sheet\b([^>]*?)/?>", workbook):
            attrs = attributes(m.group(1))
            rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
            if "name" in attrs and rid in targets:
                sheets[attrs["name"]] = targets[rid]
        return cls(archive, sheets, SharedStrings(archive, by_type.get("sharedStrings")), by_type.get("calcChain"),
                   workbook)

    def read(self, path: str) -> bytes | None:
        return self.archive.read(path) if path in self.archive.namelist() else None

    def sheet(self, name: str) -> Worksheet | None:
        data = self.read(self.sheets.get(name, ""))
        return Worksheet.parse(data) if data is not None else None

    def pairs(self, name: str) -> list[tuple[str, ...]] | None:
        """The rows of a sheet as text, from column A (the metadata and record sheets)."""
        ws = self.sheet(name)
        if ws is None:
            return None
        out = []
        for number in sorted(ws.rows):
            texts = ws.texts(number, self.strings)
            out.append(tuple(texts.get(c, "") for c in range(1, max(texts, default=0) + 1)))
        return out

    def tables(self, name: str) -> list[TablePart]:
        """The tables on a sheet."""
        path = self.sheets.get(name, "")
        folder, file = posixpath.split(path)
        rels = self.read(f"{folder}/_rels/{file}.rels")
        out = []
        for _rid, kind, target in relationships(rels, folder) if rels is not None else []:
            data = self.read(target) if kind == "table" else None
            if data is None:
                continue
            text = data.decode("utf-8")
            root = re.search(r"<(?:\w+:)?table\b([^>]*)>", text)
            attrs = attributes(root.group(1)) if root else {}
            if "ref" not in attrs:
                continue
            ends = [cell_ref(part) for part in attrs["ref"].split(":")]
            header = None if attrs.get("headerRowCount", "1") == "0" else min(r for r, _c in ends)
            out.append(TablePart(target, text, header, min(c for _r, c in ends), max(c for _r, c in ends)))
        return out


def rename_table_columns(table: TablePart, names: dict[int, str]) -> str:
    """The table's text with the ``<tableColumn name>`` of the given sheet columns set
    (Excel repairs a table whose column names differ from its header cells)."""
    k = 0

    def fix(m: re.Match) -> str:
        nonlocal k
        col, k = table.first_col + k, k + 1
        if col not in names:
            return m.group(0)
        body = re.sub(r"""(\sname\s*=\s*)(?:"[^"]*"|'[^']*')""", lambda n: f'{n.group(1)}"{_attr(names[col])}"',
                      m.group(1), count=1)
        return m.group(0).replace(m.group(1), body, 1)

    return re.sub(r"<(?:\w+:)?tableColumn\b([^>]*?)(?=/?>)", fix, table.text)


def very_hidden(workbook: str, name: str) -> str:
    """workbook.xml with the named sheet very hidden (``state="veryHidden"``, §18.18.68):
    not listed by Excel's Unhide, only by code."""
    def fix(m: re.Match) -> str:
        attrs = attributes(m.group(1))
        if attrs.get("name") != name or attrs.get("state") == "veryHidden":
            return m.group(0)
        body = re.sub(r"""\s+state\s*=\s*(?:"[^"]*"|'[^']*')""", "", m.group(1))
        return m.group(0).replace(m.group(1), body + ' state="veryHidden"', 1)

    return re.sub(r"<(?:\w+:)?sheet\b([^>]*?)(?=/?>)", fix, workbook)


def without_part(package: Package, path: str) -> dict[str, bytes | None]:
    """The changes that drop a part of the workbook: the part, its relationship from the
    workbook, its content-type override."""
    rels = package.archive.read(WORKBOOK_RELS).decode("utf-8")
    ids = [rid for rid, _kind, target in relationships(rels.encode("utf-8"), "xl") if target == path]
    for rid in ids:
        rels = re.sub(rf"""<(?:\w+:)?Relationship\b[^>]*\bId\s*=\s*["']{re.escape(rid)}["'][^>]*/>""", "", rels)
    types = package.archive.read(CONTENT_TYPES).decode("utf-8")
    types = re.sub(rf"""<(?:\w+:)?Override\b[^>]*\bPartName\s*=\s*["']/{re.escape(path)}["'][^>]*/>""", "", types)
    return {path: None, WORKBOOK_RELS: rels.encode("utf-8"), CONTENT_TYPES: types.encode("utf-8")}


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})
