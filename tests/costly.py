"""Workbooks that cost much to read (the red team's files of issue 21), built from a filled
template at the XML level as Excel writes the parts (ECMA-376 Part 1, SpreadsheetML):
a defined name holding a long run of error literals, a fill-down of a long formula as one
shared-formula group, and a defined name over a table's column (a structured reference).
"""

from __future__ import annotations

import ooxml

EXCEL_UNSHARED = (ooxml.prefix_functions, ooxml.inline_strings, ooxml.cached_errors, ooxml.no_calc_chain)
"""Excel's rewrites of a filled template except the grouping of its own fill-downs, so that
the template's formula text is the plain sum of its ``f`` elements."""

SHEET1 = "xl/worksheets/sheet1.xml"


def _edit(parts: ooxml.Parts, name: str, old: str, new: str) -> None:
    text = parts[name].decode("utf-8")
    assert text.count(old) == 1, (name, old)
    parts[name] = text.replace(old, new).encode("utf-8")


def with_name(data: bytes, name: str, text: str) -> bytes:
    """The workbook with one more workbook-scoped defined name (§18.2.5 ``definedName``)."""
    def step(parts: ooxml.Parts) -> None:
        _edit(parts, "xl/workbook.xml", "</definedNames>",
              f'<definedName name="{name}">{ooxml._escape(text)}</definedName></definedNames>')
    return ooxml.rewrite(data, *EXCEL_UNSHARED, step)


def busy_name(data: bytes, count: int = 100_000) -> bytes:
    """The red team's first file: ``#BUSY!,`` ``count`` times in a defined name (11 KB
    zipped for 100,000; 470 s to read before issue 21)."""
    return with_name(data, "Busy", "#BUSY!," * count)


def chain(terms: int) -> str:
    """``A1+A1+…+A1``: ``terms`` relative references, 3 × terms − 1 characters."""
    return "+".join(["A1"] * terms)


def shared_fill(data: bytes, anchor: str, children: int, column: str = "Z", first_row: int = 1000) -> bytes:
    """The red team's second file: ``anchor`` filled down from ``column``/``first_row`` over
    ``children`` more rows, written as Excel writes a fill-down (§18.3.1.40 ``f``): the
    anchor carries the text, ``t="shared"``, the group's ``ref`` and ``si``; every other
    cell only ``t="shared"`` and ``si``; each with a cached value."""
    last = first_row + children
    rows = [f'<row r="{first_row}"><c r="{column}{first_row}"><f t="shared" ref="{column}{first_row}:{column}{last}" '
            f'si="0">{ooxml._escape(anchor)}</f><v>0</v></c></row>']
    rows += [f'<row r="{r}"><c r="{column}{r}"><f t="shared" si="0"/><v>0</v></c></row>'
             for r in range(first_row + 1, last + 1)]

    def step(parts: ooxml.Parts) -> None:
        _edit(parts, SHEET1, "</sheetData>", "".join(rows) + "</sheetData>")
    return ooxml.rewrite(data, *EXCEL_UNSHARED, step)


TABLE_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
TABLE_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"


def with_table_name(data: bytes, name: str, text: str) -> bytes:
    """The workbook with a table ``Table1`` of one column ``c`` (its header in Z1) over Z1:Z3
    of the first sheet (§18.5.1.2 ``table``, reached through the sheet's ``tableParts``) and a defined
    name ``name`` holding ``text`` (e.g. ``SUM(Table1[c])``)."""
    def step(parts: ooxml.Parts) -> None:
        parts["xl/tables/table1.xml"] = (
            f'<table xmlns="{ooxml.MAIN}" id="1" name="Table1" displayName="Table1" ref="Z1:Z3">'
            '<autoFilter ref="Z1:Z3"/><tableColumns count="1"><tableColumn id="1" name="c"/></tableColumns>'
            '<tableStyleInfo name="TableStyleMedium2" showFirstColumn="0" showLastColumn="0" showRowStripes="1" '
            'showColumnStripes="0"/></table>').encode()
        parts["xl/worksheets/_rels/sheet1.xml.rels"] = (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rIdT1" Type="{TABLE_TYPE}" Target="../tables/table1.xml"/></Relationships>').encode()
        _edit(parts, "[Content_Types].xml", "</Types>",
              f'<Override PartName="/xl/tables/table1.xml" ContentType="{TABLE_CONTENT}"/></Types>')
        sheet = parts[SHEET1].decode("utf-8")
        if "xmlns:r=" not in sheet[:400]:
            sheet = sheet.replace("<worksheet ", f'<worksheet xmlns:r="{ooxml.DOC_REL}" ', 1)
        sheet = sheet.replace("</row>", '<c r="Z1" t="inlineStr"><is><t>c</t></is></c></row>', 1)  # the header
        parts[SHEET1] = sheet.replace("</worksheet>", '<tableParts count="1"><tablePart r:id="rIdT1"/></tableParts>'
                                                      "</worksheet>").encode("utf-8")
        _edit(parts, "xl/workbook.xml", "</definedNames>",
              f'<definedName name="{name}">{ooxml._escape(text)}</definedName></definedNames>')
    return ooxml.rewrite(data, *EXCEL_UNSHARED, step)
