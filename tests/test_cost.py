"""What one file may cost (issue 21): formulas are read in linear time, a shared formula's
anchor once per group, and every file within a budget (Excel's formula and name lengths,
names and formula text in all, a deadline); the red team's two files are refused at the
place of the excess, alone. Cost is shown by the ratio of two sizes, never a wall clock
(timings are in bench/formula_bench.py)."""

from __future__ import annotations

import io
import itertools
import re
import time
import zipfile

import pytest

import costly
import ooxml
from addin.engine.year import paused_gc
from addin.intake import formula
from addin.intake.budget import Budget
from addin.intake.formula import formula_key, make_shifter, same_formula, tokenize
from addin.intake.package import Limits, open_package
from addin.intake.run import ACCEPTED, REJECTED
from addin.intake.xlsx import UnsafeWorkbook, read_book
from test_intake import by_name, filled, master_value, run, templates, work  # noqa: F401

# --- linear time: the ratio of two sizes ------------------------------------------------------


def growth(fn, make, n: int, rounds: int = 7, tries: int = 3) -> float:
    """Time at 4n ÷ time at n: about 4 when linear, 16 when quadratic. Each time is the
    best of ``rounds`` runs, the two sizes taken in turn (so a busy machine slows both
    alike), after a warm-up, with the cyclic collector paused (as the engine pauses it);
    the ratio is the least of ``tries`` such measures (a machine shared with other work
    only ever inflates it)."""
    small, large = make(n), make(4 * n)
    fn(small)
    ratios = []
    with paused_gc():
        for _ in range(tries):
            best = {small: float("inf"), large: float("inf")}
            for _ in range(rounds):
                for arg in (small, large):
                    t0 = time.perf_counter()
                    fn(arg)
                    best[arg] = min(best[arg], time.perf_counter() - t0)
            ratios.append(best[large] / best[small])
    return min(ratios)


ADVERSARIAL = {
    "error literals (#BUSY!,×N)": lambda n: "=" + "#BUSY!," * n + "0",
    "a chain of operators": lambda n: "=" + "1+" * n + "1",
    "deep parentheses": lambda n: "=" + "(" * n + "1" + ")" * n,
    "string literals with doubled quotes": lambda n: "=" + '"a""b",' * n + '""',
    "quoted sheet names": lambda n: "=" + "'a b''c'!A1+" * n + "1",
    "structured references": lambda n: "=" + "Table1[[#This Row],[c'#d]]+" * n + "1",
    "references and functions": lambda n: "=" + "SUM($A$1:B2,C:C,3:4)*" * n + "1",
    "spaces": lambda n: "=1" + " " * (40 * n) + "+1",
}


@pytest.mark.parametrize("make", ADVERSARIAL.values(), ids=list(ADVERSARIAL))
def test_tokenize__cost_grows_linearly_with_the_formula(make):
    assert growth(tokenize, make, 3000) < 8  # quadratic would be 16


def test_formula_key__cost_grows_linearly_with_the_formula():
    def key(text):
        formula._KEYS.keys.clear()
        return formula_key(text)

    assert growth(key, ADVERSARIAL["error literals (#BUSY!,×N)"], 3000) < 8


def test_make_shifter__a_childs_cost_grows_linearly_with_its_anchor():
    def children(anchor):
        child = make_shifter(anchor)
        for d in range(1, 11):
            child(d, 1)

    assert growth(children, lambda n: "=" + costly.chain(n), 1000) < 8


def _counting(monkeypatch, name: str) -> list[int]:
    calls = [0]
    inner = getattr(formula, name)

    def counted(*args):
        calls[0] += 1
        return inner(*args)

    monkeypatch.setattr(formula, name, counted)
    return calls


def test_read_book__each_shared_anchor_is_tokenized_once_for_all_its_children(monkeypatch):
    rows = "".join(
        f'<row r="{r}"><c r="B{r}"><f t="shared" si="0"/></c><c r="C{r}"><f t="shared" si="1"/></c></row>'
        for r in range(2, 502))
    data = minimal_book('<row r="1"><c r="B1"><f t="shared" ref="B1:B501" si="0">A1*2</f></c>'
                        '<c r="C1"><f t="shared" ref="C1:C501" si="1">SUM($A$1:A1)</f></c></row>' + rows)
    calls = _counting(monkeypatch, "tokenize")
    cells = read_book(open_package(data, "t.xlsx")[0], "t.xlsx").sheets["表"].cells
    assert calls[0] == 2  # one per group, not one per child (1,000 children)
    assert (cells["B501"].formula, cells["C501"].formula) == ("=A501*2", "=SUM($A$1:A501)")


def test_read_book__a_shared_child_whose_address_cannot_be_read_is_refused_there():
    # "ZZZZ1" has four column letters (at most three: XFD): no cell of any sheet, and no
    # offset from the anchor to move by; the file is refused at it (issue 21: the reader
    # refuses a cell reference it cannot read rather than keep it under that text)
    data = minimal_book('<row r="1"><c r="B1"><f t="shared" ref="B1:B2" si="0">A1</f></c>'
                        '<c r="ZZZZ1"><f t="shared" si="0"/></c></row>')
    with pytest.raises(UnsafeWorkbook) as exc:
        read_book(open_package(data, "t.xlsx")[0], "t.xlsx")
    assert (exc.value.problem.code, exc.value.problem.sheet) == ("bad_cell_ref", "表")
    assert "ZZZZ1" in exc.value.problem.message


def test_same_formula__reads_a_found_formula_only_as_far_as_it_agrees(monkeypatch):
    expected = "=ITEM_SCORE(\"a\",F8)"
    formula_key(expected)  # the template's key, kept from an earlier file
    calls = _counting(monkeypatch, "_next_token")
    assert not same_formula("=EXPLAIN(" + "F8," * 2000 + "F8)", expected)
    assert calls[0] <= 3  # the first token differs: the rest (4,000 tokens) is never read
    calls[0] = 0
    assert same_formula("= ITEM_SCORE( \"a\" , $F$8 )", expected)
    assert calls[0] == 6  # ITEM_SCORE ( "a" , $F$8 ): all of it, once


# --- the budget ------------------------------------------------------------------------------

MAIN, REL = ooxml.MAIN, ooxml.DOC_REL


def minimal_book(rows: str, names: str = "") -> bytes:
    """A workbook of one sheet 表 from the parts ECMA-376 requires (Part 2 package, Part 1
    §18.2 workbook, §18.3 worksheet): ``rows`` inside sheetData, ``names`` inside definedNames."""
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="表" sheetId="1" '
        f'r:id="rId1"/></sheets>' + (f"<definedNames>{names}</definedNames>" if names else "") + "</workbook>",
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/'
        f'2006/relationships"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>',
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))
    return buf.getvalue()


def refusal(data: bytes, limits: Limits = Limits(), budget: Budget | None = None):
    with pytest.raises(UnsafeWorkbook) as caught:
        read_book(open_package(data, "t.xlsx")[0], "t.xlsx", limits, budget)
    return caught.value.problem


def _formula_row(text: str) -> str:
    return f'<row r="2"><c r="B2"><f>{text}</f></c></row>'


def test_read_book__a_formula_over_excels_8192_characters_is_refused_at_its_cell():
    # MS-OI29500 §2.1.1085: Excel writes at most 8,192 characters in an ST_Formula.
    assert len(costly.chain(2730)) == 8189 and len(costly.chain(2730) + "+12") == 8192
    book = read_book(open_package(minimal_book(_formula_row(costly.chain(2730) + "+12")), "t.xlsx")[0], "t.xlsx")
    assert len(book.sheets["表"].cells["B2"].formula) == 8193  # with its "="
    p = refusal(minimal_book(_formula_row(costly.chain(2730) + "+123")))
    assert (p.code, p.file, p.sheet, p.cell, p.value, p.allowed) == ("formula_too_long", "t.xlsx", "表", "B2", 8193,
                                                                     "≤ 8192")
    assert "8193 个字符" in p.message and "8192" in p.message and "[the formula is 8193 characters" in p.message


def _names(*pairs: tuple[str, str]) -> str:
    return "".join(f'<definedName name="{n}">{t}</definedName>' for n, t in pairs)


def test_read_book__a_defined_name_over_excels_lengths_is_refused_by_name():
    # MS-OI29500 §2.1.568: a defined name has at most 255 characters; its text is an ST_Formula (8,192).
    ok = read_book(open_package(minimal_book("", _names(("N" * 255, "表!$A$1"), ("L", "1+" * 4095 + "12"))),
                                "t.xlsx")[0], "t.xlsx")
    assert len(ok.names[(None, "N" * 255)]) == 6 and len(ok.names[(None, "L")]) == 8192
    p = refusal(minimal_book("", _names(("N" * 256, "表!$A$1"))))
    assert (p.code, p.value, p.allowed) == ("name_too_long", "N" * 40 + "…", "≤ 255") and "256 个字符" in p.message
    p = refusal(minimal_book("", _names(("Busy", "#BUSY!," * 1171))))  # 8,197 characters
    assert (p.code, p.value, p.allowed) == ("name_too_long", "Busy", "≤ 8192")
    assert "名称“Busy”的内容长 8197 个字符" in p.message and "公式→名称管理器" in p.message


def test_read_book__names_are_counted_and_their_text_summed():
    four = _names(("A", "表!$A$1"), ("B", "表!$A$2"), ("C", "表!$A$3"), ("D", "表!$A$4"))  # 6 characters each
    p = refusal(minimal_book("", four), Limits(max_names=3))
    assert (p.code, p.value, p.allowed) == ("too_many_names", "D", "≤ 3")
    read_book(open_package(minimal_book("", four), "t.xlsx")[0], "t.xlsx", Limits(max_names=4, max_name_total=24))
    p = refusal(minimal_book("", four), Limits(max_name_total=23))  # the fourth brings 24
    assert (p.code, p.value) == ("name_total", "D") and "（至名称“D”）" in p.message


def test_read_book__formula_text_in_all_counts_each_shared_child_as_expanded():
    # Anchor B1 "A1+A1" (5 characters as stored); each child B2… is "=A2+A2" etc. (6).
    rows = '<row r="1"><c r="B1"><f t="shared" ref="B1:B9" si="0">A1+A1</f></c></row>' + "".join(
        f'<row r="{r}"><c r="B{r}"><f t="shared" si="0"/></c></row>' for r in range(2, 10))
    read_book(open_package(minimal_book(rows), "t.xlsx")[0], "t.xlsx", Limits(max_formula_total=5 + 6 * 8))
    p = refusal(minimal_book(rows), Limits(max_formula_total=5 + 6 * 3))  # B2, B3, B4 fit; B5 does not
    assert (p.code, p.sheet, p.cell, p.allowed) == ("formula_total", "表", "B5", "≤ 23")


def test_read_book__past_the_deadline_the_file_is_refused_where_reading_was():
    ticks = itertools.count()  # a clock that moves one second each time it is read

    def clock() -> float:
        return float(next(ticks))

    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(1, 1001))
    budget = Budget("t.xlsx", Limits(max_seconds=2.5), clock=clock)  # read at 0: the deadline is 2.5
    # The clock is read at every 256th cell: A256 (1 s), A512 (2 s), A768 (3 s, past the deadline).
    p = refusal(minimal_book(rows), budget=budget)
    assert (p.code, p.sheet, p.cell, p.allowed) == ("too_slow", "表", "A768", "≤ 2.5 s")
    assert "超过 2.5 秒" in p.message and "A768" in p.message


# --- the red team's files, through intake ------------------------------------------------------

APPENDIX = "appendix:附表1:departments"


def test_run_intake__the_red_teams_busy_name_is_refused_by_name_alone(work, templates, municipal, audit):
    base = filled(templates, work).read_bytes()
    hostile = costly.busy_name(base, 100_000)
    assert len(hostile) < 16 * 1024  # the red team's 11 KB file: 700,000 characters in one name
    (work / "inbox" / "busy.xlsx").write_bytes(hostile)
    other = filled(templates, work, unit="B002", name="g.xlsx").read_bytes()
    (work / "inbox" / "busy_ok.xlsx").write_bytes(costly.busy_name(other, 1170))  # 8,190 characters: Excel's own
    result = run(work, municipal, audit)
    o = by_name(result, "busy.xlsx")
    assert (o.status, [p.code for p in o.problems]) == (REJECTED, ["name_too_long"])
    assert "名称“Busy”的内容长 700000 个字符，超过 Excel 允许的 8192 个字符" in o.reasons[0]
    assert by_name(result, "busy_ok.xlsx").status == ACCEPTED  # read in linear time, harmless
    assert master_value(work, "部门", "B002", "党风廉政建设") == 9.2


def _template_formula_chars(data: bytes) -> int:
    """Characters of every ``f`` element's text in the file, read with a regex (not the reader)."""
    parts = ooxml.unpack(data)
    return sum(len(ooxml._unescape(m)) for name in ooxml.sheets(parts)
               for m in re.findall(r"<f(?:\s[^>]*)?>(.*?)</f>", parts[name].decode("utf-8"), re.S))


def test_run_intake__the_red_teams_shared_fill_is_refused_at_the_cell_over_the_budget(work, templates, municipal,
                                                                                        audit):
    base = ooxml.rewrite(filled(templates, work).read_bytes(), *costly.EXCEL_UNSHARED)
    parts = ooxml.unpack(base)
    assert not any(b't="shared"' in parts[name] for name in ooxml.sheets(parts))
    assert _template_formula_chars(base) <= 6364
    anchor = costly.chain(2731)  # 2,731 references, 8,192 characters: Excel's longest
    assert len(anchor) == 8192
    hostile = costly.shared_fill(base, anchor, children=9000)
    assert len(hostile) < 80 * 1024  # the red team's 60 KB file
    (work / "inbox" / "shared.xlsx").write_bytes(hostile)
    (work / "inbox" / "good.xlsx").write_bytes(filled(templates, work, unit="B002", name="g.xlsx").read_bytes())
    result = run(work, municipal, audit)
    o = by_name(result, "shared.xlsx")
    # Worked by hand, in characters (the limit is 8,000,000): the anchor Z1000 8,192 and the
    # template's own formulas (≤ 6,364); a child d rows down holds "=" and A1 moved to A(1+d):
    # d = 1…8: 8,193 each (65,544); d = 9…98: 8,192 + 2,731 + 1 = 10,924 each (983,160);
    # d = 99…: 8,192 + 2 × 2,731 + 1 = 13,655 each. After d = 606: 8,192 + 65,544 + 983,160 +
    # 508 × 13,655 = 7,993,636 (+ the template's ≤ 6,364): within; d = 607 goes over.
    assert (o.status, [(p.code, p.sheet, p.cell) for p in o.problems]) == (REJECTED,
                                                                           [("formula_total", "附表1", "Z1607")])
    assert "8000000" in o.reasons[0] and "（附表1!Z1607）" in o.reasons[0]
    assert by_name(result, "good.xlsx").status == ACCEPTED
    assert master_value(work, "部门", "B002", "党风廉政建设") == 9.2


def test_run_intake__a_fill_down_within_the_budget_reaches_the_structure_check(work, templates, municipal, audit):
    base = filled(templates, work).read_bytes()
    (work / "inbox" / "fill.xlsx").write_bytes(costly.shared_fill(base, costly.chain(100), children=2000))
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == REJECTED
    assert [(p.code, p.cell) for p in o.problems[:2]] == [("formula_in_input", "Z1000"), ("formula_in_input", "Z1001")]
    assert o.problems[1].value == "=" + "+".join(["A2"] * 100)  # the child, expanded from its anchor


# --- K6: a name over a table's column ------------------------------------------------------------


@pytest.mark.parametrize("text, tokens", [  # MS-OE376 §3.2.3.1.1 (structure references of §18.17)
    ("SUM(Table1[c])", [("func", "SUM"), ("op", "("), ("table", "Table1[c]"), ("op", ")")]),
    ("Table1[]", [("table", "Table1[]")]),
    ("Table1[#All]", [("table", "Table1[#All]")]),
    ("Table1[[#Headers],[#Data]]", [("table", "Table1[[#Headers],[#Data]]")]),
    ("Table1[[#This Row],[c]]*2", [("table", "Table1[[#This Row],[c]]"), ("op", "*"), ("num", "2")]),
    ("SUM(Table1[[c1]:[c2]])", [("func", "SUM"), ("op", "("), ("table", "Table1[[c1]:[c2]]"), ("op", ")")]),
    ("Table1[a'[b']'#c]", [("table", "Table1[a'[b']'#c]")]),  # ' escapes [ ] # '
    ("[@c]+[c]", [("table", "[@c]"), ("op", "+"), ("table", "[c]")]),  # inside the table: no table name
    ("Table1[c] Table1[d]", [("table", "Table1[c]"), ("space", " "), ("table", "Table1[d]")]),
    # workbook prefixes (MS-OI29500 §2.1.863) stay sheet tokens, as before
    ("[1]Sheet1!A1", [("sheet", "[1]Sheet1"), ("cell", "A1")]),
    ("SUM([1]!Table1[c])", [("func", "SUM"), ("op", "("), ("sheet", "[1]"), ("table", "Table1[c]"), ("op", ")")]),
    ("C:\\x\\[b.xlsx]Sheet1!A1", [("name", "C"), ("op", ":"), ("name", "\\x\\"), ("sheet", "[b.xlsx]Sheet1"),
                                  ("cell", "A1")]),
])
def test_tokenize__structured_references_are_table_tokens(text, tokens):
    assert [(t.kind, t.text) for t in tokenize(text)] == tokens


@pytest.mark.parametrize("text", ["Table1[c", "Table1[[[c]]]", "[c"])
def test_tokenize__a_broken_structured_reference_is_unreadable(text):
    with pytest.raises(formula.FormulaSyntaxError):
        tokenize(text)


def test_formula_key__a_number_beyond_decimals_exponent_is_kept_as_written():
    # Decimal's default context allows exponents up to 999,999: beyond it, the text is the key
    assert formula_key("=1e9999999999") == (("num", "1e9999999999"),)
    assert same_formula("=1E+999999", "=1e999999") and not same_formula("=1e9999999999", "=1e999999999")


def test_same_formula__structured_references_compare_without_regard_to_case():
    assert same_formula("=SUM(table1[C])", "=SUM(Table1[c])")
    assert not same_formula("=SUM(Table1[d])", "=SUM(Table1[c])")


def test_run_intake__a_name_over_a_table_column_is_not_a_link_out(work, templates, municipal, audit):
    base = filled(templates, work).read_bytes()
    (work / "inbox" / "table.xlsx").write_bytes(costly.with_table_name(base, "Total", "SUM(Table1[c])"))
    other = filled(templates, work, unit="B002", name="g.xlsx").read_bytes()
    (work / "inbox" / "linked.xlsx").write_bytes(costly.with_table_name(other, "Total", "SUM([1]!Table1[c])"))
    result = run(work, municipal, audit)
    assert by_name(result, "table.xlsx").status == ACCEPTED
    linked = by_name(result, "linked.xlsx")
    assert (linked.status, [p.code for p in linked.problems]) == (REJECTED, ["external_name"])
    assert "“Total”" in linked.reasons[0]



def test_run_intake__a_strangers_costly_file_is_held_before_its_content_is_read(work, templates, municipal, audit,
                                                                                monkeypatch):
    """Issue 21 finding 3: the costly parts ran before the identity and the sender were
    known. Now only the metadata sheet is read before the sender check: the red team's
    shared fill from a stranger is held, its formulas never tokenized (counted)."""
    from addin.intake.run import HELD
    from test_trust import mailboxes

    import addin.intake.xlsx as xlsx

    calls = []
    monkeypatch.setattr(xlsx, "make_shifter", lambda *a, **k: calls.append(1) or make_shifter(*a, **k))
    mailboxes(work, B001="b001@example.gov.cn")
    base = ooxml.rewrite(filled(templates, work).read_bytes(), *costly.EXCEL_UNSHARED)
    hostile = costly.shared_fill(base, costly.chain(2731), children=9000)
    from fill import eml

    eml(work / "inbox" / "s.eml", [("shared.xlsx", hostile)], sender="evil@attacker.example")
    o = run(work, municipal, audit).outcomes[0]
    assert (o.status, [p.code for p in o.problems]) == (HELD, ["sender_mismatch"])
    assert calls == []  # no shared formula was expanded for a file nobody vouched for
