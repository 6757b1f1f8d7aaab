"""Formulas compared by meaning: tokens, shared-formula expansion, and a hypothesis
property over every formula of real templates (meaning-preserving rewrites are accepted,
meaning-changing ones refused at their cell)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import ooxml
from addin.intake.formula import same_formula, shift_formula, tokenize
from addin.intake.identify import References, compare_structure, read_identity, shape_of
from addin.intake.package import open_package
from addin.intake.xlsx import read_book
from addin.office.roster import Roster, RosterPerson, RosterUnit
from workbook_templates.build import build_templates


@pytest.mark.parametrize("a, b", [
    ('=item_score("附表9:9.1",F8,F9)', '=ITEM_SCORE("附表9:9.1",F8,F9)'),  # LibreOffice's lower case
    ('=_xludf.ITEM_SCORE("a",F8)', '=ITEM_SCORE("a",F8)'),
    ('=_xlfn._xlws.SORT(A1:A3)', '=SORT(A1:A3)'),
    ("='C:\\Users\\k\\AppData\\Roaming\\Microsoft\\Excel\\XLSTART\\kaohe.xlam'!ITEM_SCORE(\"a\",F8)",
     '=ITEM_SCORE("a",F8)'),
    ('=[1]!ITEM_SCORE("a",F8)', '=ITEM_SCORE("a",F8)'),
    ('= MIN( 10 , SUM( $G$8 : $G$20 ) )', '=MIN(10,SUM(G8:G20))'),
    ("=VLOOKUP(B8,'_lists'!$A$1:$B$3,2,FALSE())", "=VLOOKUP(B8,_lists!A1:B3,2,FALSE)"),
    ('=IF(A1="",0,1)', '=if(a1="",0.0,1)'),
])
def test_same_formula__equal_by_meaning(a, b):
    assert same_formula(a, b)


@pytest.mark.parametrize("a, b", [
    ('=ITEM_SCORE("附表9:9.1",F8,F9)', '=ITEM_SCORE("附表9:9.2",F8,F9)'),  # another item id
    ('=ITEM_SCORE("a",F8,F9)', '=ITEM_SCORE("a",F8,F10)'),  # another reference
    ('=ITEM_SCORE("a",F8,F9)', '=EXPLAIN("a",F8,F9)'),  # another function
    ('=ITEM_SCORE("a",F8,F9)', '=ITEM_SCORE("a",F8)'),  # an argument less
    ('=IF(A1="是",1,0)', '=IF(A1="是 ",1,0)'),  # whitespace inside a string literal counts
    ('=IF(A1="x",1,0)', '=IF(A1="X",1,0)'),  # so does case inside it
    ("='evil.xlam'!ITEM_SCORE(\"a\",F8)", '=ITEM_SCORE("a",F8)'),  # another add-in is another function
    ('=SUM(A1:B2 B1:C3)', '=SUM(A1:B2,B1:C3)'),  # a space between ranges is the intersection operator
    ('=MIN(10,SUM(G8:G20))', '=MIN(10,SUM(G8:G21))'),
])
def test_same_formula__different_by_meaning(a, b):
    assert not same_formula(a, b)


def test_shift_formula__relative_parts_move_absolute_parts_stay():
    # ECMA-376 Part 1 §18.3.1.40: a child 2 rows down and 1 column right of its anchor.
    assert shift_formula('=ITEM_SCORE("F8",F8,$F$9,F$10,$F11)', 2, 1) == '=ITEM_SCORE("F8",G10,$F$9,G$10,$F13)'
    assert shift_formula("=SUM(A:A)+SUM(3:3)", 2, 1) == "=SUM(B:B)+SUM(5:5)"
    assert shift_formula("=A1", -1, 0) == "=#REF!"  # moved off the sheet, as Excel shows it


def test_tokenize__string_literals_keep_quotes_and_spaces():
    tokens = tokenize('=IF(F8="是 ""A""","未填",1)')
    assert [t.text for t in tokens if t.kind == "str"] == ['是 "A"', "未填"]


# --- the property over real templates ------------------------------------------------------

ROSTER = Roster(units=[RosterUnit("B001", "市发展改革委", "部门", "综合口"), RosterUnit("Q01", "市中区", "区市")],
                people=[RosterPerson("B001-01", "张三", "B001", "县级", True),
                        RosterPerson("B001-02", "李四", "B001", "科级及以下"),
                        RosterPerson("B001-03", "王五", "B001", "科级及以下")])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, municipal, audit):
    """Each formula cell of four templates, with the reference builds to compare against."""
    out = tmp_path_factory.mktemp("formulas")
    built = build_templates(out, municipal=municipal, audit=audit, roster=ROSTER, year=2026,
                            kinds=["appendix", "register", "staff-roster"])
    chosen = {b.identity.template_kind: b.path for b in built}
    refs = References(municipal, audit, 2026)
    cells = []
    for kind in ("appendix:附表1:departments", "appendix:附表5", "register", "staff-roster"):
        path = chosen[kind]
        parts = ooxml.unpack(path.read_bytes())
        for name in ooxml.sheets(parts):
            for m in re.finditer(r'<c r="([A-Z]+\d+)"[^>]*><f>(.*?)</f>', parts[name].decode()):
                cells.append((path, name, m.group(1), ooxml._unescape(m.group(2))))
    assert len(cells) > 60
    return cells, refs


def _check(path: Path, part: str, coord: str, formula: str, refs: References):
    parts = ooxml.unpack(path.read_bytes())
    sheet = parts[part].decode()
    text = formula[1:] if formula.startswith("=") else formula  # the XML holds no leading "="
    sheet = re.sub(rf'(<c r="{coord}"[^>]*>)<f>.*?</f>', lambda m: m.group(1) + "<f>" + ooxml._escape(text)
                   + "</f>", sheet, count=1, flags=re.S)
    parts[part] = sheet.encode()
    archive, problem = open_package(ooxml.pack(parts), "t.xlsx")
    assert problem is None
    book = read_book(archive, "t.xlsx")
    identity, _ = read_identity(book, "t.xlsx")
    return compare_structure(book, refs.get(shape_of(identity, book, ROSTER)[0]), "t.xlsx")


_FUNC = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_.]*)\(")
_CELLREF = re.compile(r"(?<![\w.$\"])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![\w(!])")
_STR = re.compile(r'"(?:[^"]|"")*"')


@st.composite
def preserving(draw, formula: str) -> str:
    """Case of function names and references, spaces after commas and around brackets,
    ``$`` anchors on or off, quotes around sheet names: the meaning stays."""
    lower = draw(st.booleans())
    anchors = draw(st.sampled_from(["keep", "all", "none"]))
    spaced = draw(st.booleans())

    def fn(text: str) -> str:
        if lower:
            text = _FUNC.sub(lambda m: m.group(1).lower() + "(", text)
        if anchors == "all":
            text = _CELLREF.sub(lambda m: f"${m.group(2)}${m.group(4)}", text)
        elif anchors == "none":
            text = _CELLREF.sub(lambda m: f"{m.group(2)}{m.group(4)}", text)
        if spaced:
            text = text.replace(",", ", ").replace("(", "( ").replace(")", " )")
        return text.replace("_lists!", "'_lists'!")

    return "=" + ooxml.outside_strings(formula, fn)


@st.composite
def changing(draw, formula: str) -> str:
    """Another reference, argument, item id, number or function."""
    how = draw(st.sampled_from(["reference", "literal", "number", "function", "argument"]))
    if how == "reference":
        refs = list(_CELLREF.finditer(formula))
        assume(refs and not any(s.start() < refs[0].start() < s.end() for s in _STR.finditer(formula)))
        m = refs[draw(st.integers(0, len(refs) - 1))]
        assume(not any(s.start() < m.start() < s.end() for s in _STR.finditer(formula)))
        return "=" + formula[:m.start()] + f"{m.group(1)}{m.group(2)}{m.group(3)}{int(m.group(4)) + 1}" + \
            formula[m.end():]
    if how == "literal":
        strings = [s for s in _STR.finditer(formula) if len(s.group(0)) > 2]
        assume(strings)
        s = strings[draw(st.integers(0, len(strings) - 1))]
        return "=" + formula[:s.end() - 1] + "x" + formula[s.end() - 1:]
    if how == "number":
        nums = [m for m in re.finditer(r"(?<![\w.$\"])(\d+)(?![\w.:])", formula)
                if not any(s.start() < m.start() < s.end() for s in _STR.finditer(formula))]
        assume(nums)
        m = nums[draw(st.integers(0, len(nums) - 1))]
        return "=" + formula[:m.start()] + str(int(m.group(1)) + 1) + formula[m.end():]
    if how == "function":
        funcs = list(_FUNC.finditer(formula))
        m = funcs[draw(st.integers(0, len(funcs) - 1))]
        other = {"ITEM_SCORE": "EXPLAIN", "EXPLAIN": "ITEM_SCORE", "SUM": "MAX", "MIN": "MAX", "MAX": "MIN",
                 "IF": "IFERROR", "IFERROR": "IF", "INDEX": "CHOOSE", "VLOOKUP": "HLOOKUP"}.get(m.group(1), "ABS")
        return "=" + formula[:m.start()] + other + "(" + formula[m.end():]
    # drop the last argument of the outermost call
    body = formula
    assume("," in ooxml.outside_strings(body, lambda t: t))
    cut = body.rfind(",")
    assume(not any(s.start() < cut < s.end() for s in _STR.finditer(body)))
    close = body.rfind(")")
    assume(close > cut)
    return "=" + body[:cut] + body[close:]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_compare_structure__a_meaning_preserving_rewrite_is_accepted(corpus, data):
    cells, refs = corpus
    path, part, coord, formula = cells[data.draw(st.integers(0, len(cells) - 1))]
    rewritten = data.draw(preserving(formula))
    assert _check(path, part, coord, rewritten, refs) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_compare_structure__a_meaning_changing_rewrite_is_refused_at_its_cell(corpus, data):
    cells, refs = corpus
    path, part, coord, formula = cells[data.draw(st.integers(0, len(cells) - 1))]
    rewritten = data.draw(changing(formula))
    assume(rewritten.replace(" ", "") != ("=" + formula).replace(" ", ""))
    problems = _check(path, part, coord, rewritten, refs)
    assert [(p.code, p.cell) for p in problems] == [("formula_changed", coord)]
    assert problems[0].value == rewritten and "请使用考核办下发的原模板重新填写" in problems[0].message


def test_compare_structure__shared_formula_children_equal_the_template(corpus):
    cells, refs = corpus
    roster = next(c[0] for c in cells if "考核名册" in c[0].name)
    data = ooxml.rewrite(roster.read_bytes(), ooxml.share_formulas)
    assert '<f t="shared" si="0"/>' in ooxml.unpack(data)["xl/worksheets/sheet1.xml"].decode()
    archive, _ = open_package(data, "t.xlsx")
    book = read_book(archive, "t.xlsx")
    identity, _ = read_identity(book, "t.xlsx")
    assert compare_structure(book, refs.get(shape_of(identity, book, ROSTER)[0]), "t.xlsx") == []
