"""The result-sheet writer: sheets built a column at a time equal the cell-by-cell form, and
rewriting sheets copies every other part of the package as the same compressed bytes."""

from __future__ import annotations

import io
import struct
import zipfile

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from addin.workbook.patch import SheetContent, _cell, _rows_xml, replace_sheets
from addin.workbook.tables import find_table

value = st.one_of(st.none(), st.just(""), st.just("待定"), st.text(max_size=6), st.sampled_from(["a&b", "<x>", "\x01ok"]),
                  st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False), st.booleans())


def cell_by_cell(rows, letters, mark, style):
    return [f'<row r="{r}">' + "".join(_cell(f"{letters[c]}{r}", v, style if mark is not None and mark in row else 0)
                                       for c, v in enumerate(row)) + "</row>" for r, row in enumerate(rows, start=2)]


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4).flatmap(lambda w: st.tuples(st.just(w), st.lists(st.lists(value, min_size=w, max_size=w),
                                                                           max_size=12))),
       st.sampled_from([None, "待定"]), st.booleans())
def test_rows_xml__a_column_at_a_time_equals_cell_by_cell(drawn, mark, ragged):
    width, rows = drawn
    if ragged and rows:
        rows[0] = rows[0] + [1.5]
    letters = ["A", "B", "C", "D", "E"][:width + 1 if ragged else width]
    assert _rows_xml(rows, letters, mark, 7) == cell_by_cell(rows, letters, mark, 7)


def test_rows_xml__escapes_text_and_drops_control_characters_by_hand():
    got = _rows_xml([["a&b<c>", "\x01甲", 2.5, 3, None]], ["A", "B", "C", "D", "E"], None, 0)
    assert got == ['<row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve">a&amp;b&lt;c&gt;</t></is></c>'
                   '<c r="B2" t="inlineStr"><is><t xml:space="preserve">甲</t></is></c>'
                   '<c r="C2"><v>2.5</v></c><c r="D2"><v>3</v></c></row>']


def raw_members(data: bytes) -> dict[str, bytes]:
    """Each member's compressed bytes, read at its local header."""
    out = {}
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
        start = info.header_offset + 30 + name_length + extra_length
        out[info.filename] = data[start:start + info.compress_size]
    return out


class Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in, so it writes data descriptors (flag bit 3)."""

    def __init__(self):
        self.buffer = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.buffer += b
        return len(b)


def master_bytes(descriptors: bool) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "人员"
    wb.active.append(["人员编码", "姓名"])
    for i in range(300):
        wb.active.append([f"P{i:03d}", f"人{i}"])
    wb.create_sheet("人员等次").append(["旧"])
    buffer = io.BytesIO()
    wb.save(buffer)
    if not descriptors:
        return buffer.getvalue()
    src = zipfile.ZipFile(buffer)
    stream = Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    return bytes(stream.buffer)


def test_replace_sheets__untouched_parts_keep_their_compressed_bytes():
    for descriptors in (False, True):
        data = master_bytes(descriptors)
        assert any(i.flag_bits & 0x8 for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) == descriptors
        content = SheetContent("人员等次", ["人员编码", "等次"], [["P000", "优秀"], ["P001", "待定"]], {1: 12},
                               "KH_StaffGrade", "待定")
        out = replace_sheets(data, [content])
        archive = zipfile.ZipFile(io.BytesIO(out))
        assert archive.testzip() is None  # every CRC checks
        before, after = raw_members(data), raw_members(out)
        sheets = {i.filename for i in archive.infolist() if i.filename.startswith("xl/worksheets/sheet")}
        kept = [n for n in before if n in after and n not in sheets | {"xl/styles.xml", "[Content_Types].xml",
                                                                        "xl/workbook.xml",
                                                                        "xl/_rels/workbook.xml.rels"}]
        assert "xl/worksheets/sheet1.xml" not in kept and kept  # theme, docProps, …
        assert all(before[n] == after[n] for n in kept)
        assert archive.read("xl/worksheets/sheet1.xml") == zipfile.ZipFile(io.BytesIO(data)).read(
            "xl/worksheets/sheet1.xml")  # the input sheet: the same bytes
        book = CalamineWorkbook.from_filelike(io.BytesIO(out))
        assert book.get_sheet_by_name("人员等次").to_python() == [["人员编码", "等次"], ["P000", "优秀"], ["P001", "待定"]]
        assert len(book.get_sheet_by_name("人员").to_python()) == 301
        ws = openpyxl.load_workbook(io.BytesIO(out))["人员等次"]
        assert ws["B3"].fill.fgColor.rgb.endswith("FFF2CC") and list(ws.tables) == ["KH_StaffGrade"]


def test_find_table__columns_skip_empty_rows_and_read_blank_as_none():
    values = [["标题", None, None],
              ["编码", "名称", "备注"],
              ["A1", "", 3],
              ["", None, ""],  # empty: skipped
              ["A2"],  # ragged
              [" A3 ", "丙", None]]
    table = find_table("表", values, ["编码", "名称"], ["备注"])
    assert table.header_row == 2 and table.numbers == [3, 5, 6]
    assert table.data == {"编码": ["A1", "A2", " A3 "], "名称": [None, None, "丙"], "备注": [3, None, None]}
    assert table.rows == [(3, {"编码": "A1", "名称": None, "备注": 3}), (5, {"编码": "A2", "名称": None, "备注": None}),
                          (6, {"编码": " A3 ", "名称": "丙", "备注": None})]
    assert table.cell(6, "备注") == "C6"
