"""The untrusted .xlsx reader (addin/intake/xlsx.py) against ECMA-376 Part 1, on workbooks
built here as Excel writes them (tests/ooxml.py): escaped strings, inline strings, ISO
8601 dates and times, parts found through relationships whatever their case, and the
refusals a broken or hostile file gets (with where it is). Expected values are worked by
hand from the spec's text, quoted beside each test."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ooxml
from addin.intake import markup
from addin.intake.package import open_package
from addin.intake.xlsx import UnsafeWorkbook, read_book


def book_of(parts: ooxml.Parts):
    archive, problem = open_package(ooxml.pack(parts), "t.xlsx")
    assert problem is None, problem
    return read_book(archive, "t.xlsx")


def values(parts: ooxml.Parts, sheet: str = "S") -> dict:
    return {ref: cell.value for ref, cell in book_of(parts).sheets[sheet].cells.items()}


def refusal(parts: ooxml.Parts):
    archive, problem = open_package(ooxml.pack(parts), "t.xlsx")
    if problem:
        return problem
    with pytest.raises(UnsafeWorkbook) as exc:
        read_book(archive, "t.xlsx")
    return exc.value.problem


# --- K1: ST_Xstring escapes (§22.9.2.19; §22.4.2.4: "To store the literal form of an escape
# sequence, the initial underscore shall itself be escaped (i.e. stored as _x005F_)") -------

XSTRINGS = [
    ("a_x000D_b", "a\rb"),  # a carriage return, which Excel escapes (MS-OI29500 §2.1.1747)
    ("_x0008_", "\x08"),  # the spec's own example: U+0008 cannot stand in XML 1.0
    ("_x005F_x0008_", "_x0008_"),  # the spec's example of the literal form
    ("_x005F_", "_"),
    ("x_x005f_y", "x_y"),  # lower-case hex digits (Excel writes _x005f_, MS-OI29500 §2.1.1747 c)
    ("_xD83D__xDE00_", "\U0001F600"),  # two UTF-16 code units: one character beyond the BMP
    ("_x00_", "_x00_"),  # not four hex digits: no escape
    ("_xlfn.SUM", "_xlfn.SUM"),
    ("_xD83D_", "\ufffd"),  # a lone surrogate
]


@pytest.mark.parametrize("stored, text", XSTRINGS)
def test_read_book__shared_and_inline_strings_unescape_xstrings(stored, text):
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
                                 f'<c r="C1" t="inlineStr"><is><t>{stored}</t></is></c>'
                                 f'<c r="D1" t="str"><f>"x"</f><v>{stored}</v></c></row>'},
                           strings=[f"<t>{stored}</t>", f"<r><t>{stored}</t></r><r><rPr><b/></rPr><t>!</t></r>"])
    assert values(parts) == {"A1": text, "B1": text + "!", "C1": text, "D1": text}


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_decode_xstring__inverts_excels_escaping(text):
    # Excel's writing: the underscore that starts _xHHHH_ as _x005F_, then every character
    # XML 1.0 cannot carry (and CR) as _xHHHH_ of its UTF-16 code units
    escaped = text.replace("_x", "_x005F_x")
    out = []
    for ch in escaped:
        if ch in "\t\n" or (" " <= ch <= "\ud7ff") or ("\ue000" <= ch <= "\ufffd"):
            out.append(ch)
        else:
            data = ch.encode("utf-16-be")
            out.extend(f"_x{int.from_bytes(data[i:i + 2], 'big'):04X}_" for i in range(0, len(data), 2))
    assert markup.decode_xstring("".join(out)) == text


def test_read_book__phonetic_runs_are_not_the_text():
    # §18.4.6 rPh: a phonetic hint (furigana) beside the text, not part of it
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'},
                           strings=['<t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/>'])
    assert values(parts) == {"A1": "東京"}


# --- K2: the cell's t decides whether v or is holds its value (§18.3.1.4, §18.18.11) --------


def test_read_book__a_cell_with_both_v_and_is_reads_the_one_its_type_names():
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1" t="inlineStr"><v>7</v><is><t>seven</t></is></c>'
                                 '<c r="B1"><v>7</v><is><t>seven</t></is></c>'
                                 '<c r="C1" t="str"><f>"x"</f><v>x</v><is><t>y</t></is></c>'
                                 '<c r="D1" t="inlineStr"><v>7</v></c></row>'})
    assert values(parts) == {"A1": "seven", "B1": 7.0, "C1": "x", "D1": None}


# --- K3: ISO 8601 t="d" values (§18.17.4.1: "… the date and time in ISO 8601 format") -------


@pytest.mark.parametrize("raw, value", [
    ("12:30:00", dt.time(12, 30)),
    ("T12:30:00", dt.time(12, 30)),
    ("T23:59:59.5", dt.time(23, 59, 59, 500000)),
    ("2026-09-24", dt.datetime(2026, 9, 24)),
    ("2026-09-24T08:15:00", dt.datetime(2026, 9, 24, 8, 15)),
    ("2026-09-24T08:15:00Z", dt.datetime(2026, 9, 24, 8, 15)),
    ("not a date", "not a date"),
])
def test_read_book__iso_dates_and_times(raw, value):
    parts = ooxml.workbook({"S": f'<row r="1"><c r="A1" t="d"><v>{raw}</v></c></row>'})
    assert values(parts) == {"A1": value}


def test_read_date__a_time_alone_is_no_date_and_says_so():
    from addin.numbers import read_date

    parts = ooxml.workbook({"S": '<row r="1"><c r="A1" t="d"><v>T12:30:00</v></c></row>'})
    date, problem = read_date(values(parts)["A1"], "通报日期", sheet="S", cell="A1")
    assert date is None and (problem.code, problem.cell) == ("not_a_date", "A1") and "12:30:00" in problem.message


# --- K4: parts found through relationships by name, whatever its case (Part 2 M1.12) ------


def test_read_book__shared_strings_named_in_another_case_are_found():
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1" t="s"><v>1</v></c></row>'}, strings=["<t>a</t>", "<t>b</t>"])
    ooxml.rename_part("xl/sharedStrings.xml", "xl/SharedStrings.XML")(parts)
    assert values(parts) == {"A1": "b"}


def test_read_book__a_target_in_another_case_and_absolute_or_escaped_is_found():
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'}, strings=["<t>a</t>"])
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace('Target="worksheets/sheet1.xml"',
                                                       'Target="/XL/Worksheets/Sheet%31.xml"').encode()
    assert values(parts) == {"A1": "a"}


def test_read_book__a_string_index_the_table_lacks_is_refused_at_its_cell():
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>2</v></c></row>'},
                           strings=["<t>a</t>"])
    problem = refusal(parts)
    assert (problem.code, problem.sheet, problem.cell) == ("broken_strings", "S", "B1")
    assert "共 1 项" in problem.message


def test_read_book__string_cells_without_a_shared_string_part_are_refused():
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'})
    problem = refusal(parts)
    assert (problem.code, problem.sheet, problem.cell) == ("broken_strings", "S", "A1")


def test_read_book__a_shared_string_part_its_relationship_names_but_the_package_lacks_is_refused():
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'}, strings=["<t>a</t>"])
    del parts["xl/sharedStrings.xml"]
    problem = refusal(parts)
    assert problem.code == "not_workbook" and "xl/sharedStrings.xml" in problem.message


# --- K5: two members of one part name -------------------------------------------------------


def _zip_members(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("other", ["xl/worksheets/Sheet1.xml", "XL/WORKSHEETS/SHEET1.XML", "xl/worksheets/sheet%31.xml"])
def test_open_package__members_whose_names_differ_only_in_case_are_refused(other):
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1"><v>1</v></c></row>'})
    data = _zip_members({**parts, other: parts["xl/worksheets/sheet1.xml"].replace(b"<v>1</v>", b"<v>2</v>")})
    archive, problem = open_package(data, "t.xlsx")
    assert archive is None and problem.code == "duplicate_parts"
    assert "xl/worksheets/sheet1.xml" in problem.message and other in problem.message


# --- cells ------------------------------------------------------------------------------------


def test_read_book__cells_without_a_reference_follow_their_row():
    # §18.3.1.4: r is optional; a cell without one is the next column of its row
    parts = ooxml.workbook({"S": '<row r="3"><c><v>1</v></c><c r="C3"><v>3</v></c><c><v>4</v></c></row>'
                                 '<row><c><v>5</v></c></row>'})
    assert values(parts) == {"A3": 1.0, "C3": 3.0, "D3": 4.0, "A4": 5.0}


def test_read_book__a_cell_written_twice_is_refused_at_its_address():
    parts = ooxml.workbook({"S": '<row r="3"><c r="A4"><v></v></c></row><row r="4"><c r="A4"><v>3</v></c></row>'})
    problem = refusal(parts)
    assert (problem.code, problem.sheet, problem.cell) == ("duplicate_cell", "S", "A4")


def test_read_book__an_unreadable_cell_reference_is_refused():
    parts = ooxml.workbook({"S": '<row r="1"><c r="1A"><v>1</v></c></row>'})
    problem = refusal(parts)
    assert (problem.code, problem.sheet) == ("bad_cell_ref", "S") and "1A" in problem.message


def test_read_book__a_cell_without_a_style_takes_the_first_format():
    # §18.3.1.4: s "default 0": the first cellXfs entry, here unlocked
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1"><v>1</v></c><c r="B1" s="1"><v>2</v></c></row>'},
                           styles='<xf numFmtId="0" applyProtection="1"><protection locked="0"/></xf><xf numFmtId="0"/>')
    cells = book_of(parts).sheets["S"].cells
    assert (cells["A1"].locked, cells["B1"].locked) == (False, True)


def test_read_book__typed_values():
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="b"><v>0</v></c>'
                                 '<c r="C1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D1"><v>-1.5E3</v></c>'
                                 '<c r="E1" t="str"><f>""</f><v></v></c><c r="F1" s="0"/></row>'})
    assert values(parts) == {"A1": True, "B1": False, "C1": None, "D1": -1500.0, "E1": "", "F1": None}


# --- dimensions, XML ----------------------------------------------------------------------------


def _with_dimension(ref: str) -> ooxml.Parts:
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1"><v>1</v></c></row>'})
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b'<dimension ref="A1"/>', f'<dimension ref="{ref}"/>'.encode())
    return parts


def test_read_book__libreoffices_range_down_to_the_last_row_is_read():
    # LibreOffice declares A1:H1048576 when it keeps an empty formatted row at 1,048,576
    assert values(_with_dimension("A1:H1048576")) == {"A1": 1.0}


@pytest.mark.parametrize("ref", ["A1:XFD1048576", "A1:ALL100001", "A1:A1048577"])
def test_read_book__an_absurd_declared_range_is_refused(ref):
    problem = refusal(_with_dimension(ref))
    assert (problem.code, problem.sheet) == ("absurd_dimension", "S") and ref in problem.message


@pytest.mark.parametrize("prolog", [
    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x "y">]>',
    b'<?xml version="1.0"?><!-- <a> --><!DOCTYPE w SYSTEM "file:///etc/passwd">',
    b'\xef\xbb\xbf<!DOCTYPE w>',
])
def test_read_book__a_dtd_anywhere_in_the_prolog_is_refused(prolog):
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1"><v>1</v></c></row>'})
    body = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = prolog + body[body.index(b"<worksheet"):]
    problem = refusal(parts)
    assert problem.code == "unsafe_xml" and "xl/worksheets/sheet1.xml" in problem.message


def test_read_book__a_utf16_part_is_read_and_its_dtd_refused():
    # Part 2 §8.1.4: XML content is UTF-8 or UTF-16
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1" t="inlineStr"><is><t>甲</t></is></c></row>'})
    text = parts["xl/worksheets/sheet1.xml"].decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    parts["xl/worksheets/sheet1.xml"] = text.encode("utf-16")
    assert values(parts) == {"A1": "甲"}
    parts["xl/worksheets/sheet1.xml"] = text.replace("<worksheet", '<!DOCTYPE w [<!ENTITY x "y">]><worksheet',
                                                     1).encode("utf-16")
    assert refusal(parts).code == "unsafe_xml"


CELL_XML = st.one_of(
    st.integers(-10**6, 10**6).map(lambda n: f"<v>{n}</v>"),
    st.text("ab_x0D5F ", max_size=12).map(lambda s: f"<is><t>{s}</t></is>"),
    st.sampled_from(['<f>SUM(A1:A2)</f><v>3</v>', '<v></v>', '']))


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.lists(CELL_XML, min_size=1, max_size=5), min_size=1, max_size=12))
def test_read_book__a_large_sheet_read_row_by_row_equals_one_read_whole(rows):
    inline = ' t="inlineStr"'
    data = "".join(f'<row r="{r}">' + "".join(
        f'<c r="{chr(65 + i)}{r}"{inline if x.startswith("<is>") else ""}>{x}</c>' for i, x in enumerate(row))
        + "</row>" for r, row in enumerate(rows, start=1))
    parts = ooxml.workbook({"S": data})
    whole = book_of(parts).sheets["S"]
    limit = markup.STREAM_ABOVE
    markup.STREAM_ABOVE = 0
    try:
        streamed = book_of(parts).sheets["S"]
    finally:
        markup.STREAM_ABOVE = limit
    assert {k: (c.value, c.formula, c.locked) for k, c in streamed.cells.items()} == \
        {k: (c.value, c.formula, c.locked) for k, c in whole.cells.items()}
    assert len(whole.cells) == sum(len(r) for r in rows)


def test_read_book__styles_without_a_locked_attribute_lock_every_cell():
    # §18.8.33 protection: locked "default true"; no xf says otherwise
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1"><v>1</v></c><c r="B1" s="1"><v>2</v></c></row>'},
                           styles='<xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>')
    cells = book_of(parts).sheets["S"].cells
    assert (cells["A1"].locked, cells["B1"].locked) == (True, True)


def test_read_book__styles_with_a_locked_attribute_are_read_as_xml():
    parts = ooxml.workbook({"S": '<row r="1"><c r="A1" s="1"><v>1</v></c></row>'},
                           styles='<xf numFmtId="0"/><xf numFmtId="0"><protection locked="0"/></xf>')
    parts["xl/styles.xml"] = parts["xl/styles.xml"].replace(b"</styleSheet>", b"</styleSheet><x>")
    problem = refusal(parts)
    assert problem.code == "broken_xml" and "xl/styles.xml" in problem.message
    parts["xl/styles.xml"] = parts["xl/styles.xml"].replace(b"<?xml", b'<?xml version="1.0"?><!DOCTYPE s>', 1)
    assert refusal(parts).code == "unsafe_xml"


def test_read_book__large_shared_strings_read_as_a_stream_equal_one_read_whole():
    from addin.intake import opc

    strings = [f"<t>s{i}_x000D_</t>" if i % 3 else f'<r><t>r{i}</t></r><rPh sb="0" eb="1"><t>p</t></rPh>'
               for i in range(50)]
    rows = "".join(f'<row r="{i + 1}"><c r="A{i + 1}" t="s"><v>{i}</v></c></row>' for i in range(50))
    parts = ooxml.workbook({"S": rows}, strings=strings)
    whole = values(parts)
    limit = markup.STREAM_ABOVE
    markup.STREAM_ABOVE = 0
    try:
        opc.remembered.cache_clear()  # the table was remembered by its bytes
        streamed = values(parts)
    finally:
        markup.STREAM_ABOVE = limit
    assert streamed == whole
    assert (whole["A1"], whole["A2"], whole["A4"], len(whole)) == ("r0", "s1\r", "r3", 50)
