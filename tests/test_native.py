"""Native templates: formulas compiled from the scheme compute in LibreOffice exactly as
the engine scores, and intake takes them like add-in templates.

The differential runs here on a CI-sized sample (``KAOHE_DIFF_PER_ITEM``, default 30 input
sets per item); ``make bench`` runs bench/native_bench.py with 1,000 per item.
Hand-worked figures are from the scheme's standards and tests/native_kinds.yaml.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

import differential as D
import ooxml
from addin import native_formula as N
from addin.intake.formula import tokenize
from addin.intake.package import open_package
from addin.intake.run import ACCEPTED, WARNING, run_intake
from addin.intake.xlsx import read_book
from addin.office.roster import Roster, RosterError, RosterUnit, read_roster
from fill import TEST_SECRET, eml, seed_secret
from office import libreoffice
from test_clients import BOOKS, EXPECTED_MASTER, ROSTER, TYPED, assert_master, mail_and_take_in
from workbook_templates.build import KIND_IDS, build_templates

PER_ITEM = int(os.environ.get("KAOHE_DIFF_PER_ITEM", "30"))
DOCS = Path(__file__).resolve().parents[1] / "docs"

# Half cents, worked by hand: the engine rounds half-up; the binary float of each product
# lies just below the half cent (5 × 0.205 = 1.02499999999999991…), where a naive
# float rounding goes down.
BOUNDARIES = [
    ("K扣分", "k1", {"times": 3, "serious": "否"}, Decimal("1.63")),        # 2 − 0.125×3 = 1.625
    ("K加分", "a1", {"awards": 3}, Decimal("1.13")),                        # 0.375×3 = 1.125
    ("K比例", "r1", {"numerator": 1, "denominator": 8}, Decimal("0.63")),   # 5 × 1 ÷ 8 = 0.625
    ("K完成", "c1", {"actual": 0.205, "target": 1}, Decimal("1.03")),       # 5 × 0.205 = 1.025
    ("K完成", "c2", {"actual": 1.0025, "target": 2}, Decimal("2.01")),      # 4 × 1.0025 ÷ 2 = 2.005
    ("K达标", "t1", {"actual": 0.0853, "target": 0.08}, Decimal("5.27")),   # 5 + 0.5 × 0.53 = 5.265
    ("K增长", "g1", {"actual": 0.081, "target": 0.08}, Decimal("2.42")),    # 3 × (0.8 + 0.05×0.1) = 2.415
    ("K位次", "p1", {"rank": 2}, Decimal("2.88")),                          # 3 − 0.125 = 2.875
    ("K平均", "v2", {"scores": [8.35, 8.36] + [None] * 8}, Decimal("8.36")),  # 16.71 ÷ 2 = 8.355
    ("K应交", "u1", {"count": 1}, Decimal("0.63")),                         # 0.625 × 1
    ("K有无", "h1", {"count": 2}, Decimal("2.38")),                         # 2 + 0.375 = 2.375
    ("K等次", "x1", {"choice": "市级"}, Decimal("0.81")),                   # 0.805
    ("K直接", "d2", {"score": -1.005}, Decimal("-1.01")),                   # half away from zero
    ("K增减", "j1", {"plus": 1, "minus": 3, "failed": "否"}, Decimal("9.62")),  # 10 + 0.625 − 1.005 = 9.62
    # 10 + 0.625×6 − 0.335×35 − 2 = 0.025 exactly; in binary 0.02499999999999858 (found by the
    # differential run at 1,000 sets: a difference of larger terms)
    ("K增减", "j1", {"plus": 6, "minus": 35, "failed": "是"}, Decimal("0.03")),
]


@pytest.fixture(scope="module")
def kinds_book(tmp_path_factory, municipal):
    tables = D.kinds_tables()
    return D.build_book(tmp_path_factory.mktemp("kinds") / "kinds.xlsx", municipal, tables), tables


def test_compile_item__libreoffice_equals_the_engine_for_every_kind(kinds_book):
    path, tables = kinds_book
    assert {i.kind for t in tables for i in t.items} | {"sum"} >= set(N._KINDS)
    plan = D.plan_cases(path, tables, PER_ITEM, [(t, i, raw) for t, i, raw, _ in BOUNDARIES])
    bad, seconds = D.run_plan(plan)
    assert bad == [], D.show(bad)
    shown = [D.expected(c)[0] for c in plan.cases]
    # the sample reaches numbers and every status, not only one branch
    assert sum(isinstance(s, Decimal) for s in shown) > len(shown) // 2
    assert {N.UNFILLED, N.INVALID, N.DROPPED, N.AT_OFFICE} <= {s for s in shown if isinstance(s, str)}


def test_compile_item__half_cents_round_half_up_in_libreoffice_and_the_engine(kinds_book):
    path, tables = kinds_book
    plan = D.plan_cases(path, tables, 0, [(t, i, raw) for t, i, raw, _ in BOUNDARIES])
    reads = libreoffice(plan.jobs)[0]["cases"]
    got = [(plan.cases[k].table.id, plan.cases[k].item.id, reads[k][0]) for k in plan.extra]
    assert got == [(t, i, float(want)) for t, i, _, want in BOUNDARIES]
    assert [D.expected(plan.cases[k])[0] for k in plan.extra] == [want for *_, want in BOUNDARIES]


def test_compile_total__drops_items_without_target_and_rescales_like_the_engine(kinds_book):
    # c1 has no target (drops); c2 4 × 3 ÷ 4 = 3; c3 3 × 1 = 3; c4 2.5 → 8.5 of 10 points scored;
    # the 5 dropped points follow the rate 85%: + 4.25 → 12.75 (cap 15)
    path, tables = kinds_book
    table = next(t for t in tables if t.id == "K完成")
    plan = D.Plan()
    state = {"c1": {"actual": None, "target": None}, "c2": {"actual": 3, "target": 4},
             "c3": {"actual": 1, "target": 1}, "c4": {"score": 2.5}}
    case = D.Case(table, table.items[0], state["c1"], state)
    book = read_book(open_package(path.read_bytes(), "k")[0], "k")

    def at(name: str) -> str:
        return D._addresses(book, name)[1][0]

    sets = [[at(f"KH_IN_K完成_{i.id}_{s.name}"), state[i.id][s.name]] for i in table.items for s in i.inputs()]
    plan.jobs = [{"src": str(path), "cases": [{"sheet": "K完成", "set": sets,
                                               "read": [at("KH_OUT_K完成_c1"), at("KH_OUT_K完成_total")]}]}]
    reads = libreoffice(plan.jobs)[0]["cases"]
    assert reads == [["不计分", 12.75]]
    assert D.expected(case) == ("不计分", Decimal("12.75"))


def test_compile_item__a_wrong_formula_is_caught_by_the_differential(kinds_book, monkeypatch, municipal):
    """The harness can fail: a ratio off by one cent is found."""
    path, tables = kinds_book
    real = N._ratio

    def off_by_a_cent(item, cells):
        return N.graft(real(item, cells), lambda e: N.Num(f"{e}+0.01"))

    monkeypatch.setitem(N._KINDS, "ratio", off_by_a_cent)
    table = next(t for t in tables if t.id == "K比例")
    broken = D.build_book(path.with_name("broken.xlsx"), municipal, [table])
    bad, _ = D.run_plan(D.plan_cases(broken, [table], 5))
    assert bad and all(c.item.kind == "ratio" for c, *_ in bad)


# --- the shipped templates ------------------------------------------------------------


@pytest.fixture(scope="module")
def native_templates(tmp_path_factory, municipal, audit):
    out = tmp_path_factory.mktemp("native")
    built = build_templates(out, municipal=municipal, audit=audit, roster=ROSTER, year=2026, books=BOOKS,
                            secret=TEST_SECRET, formulas="native")
    return {(b.identity.unit_code, b.identity.template_kind): b.path for b in built}


def test_compile_item__shipped_tables_equal_the_engine(tmp_path, municipal):
    tables = list(municipal.tables)
    path = D.build_book(tmp_path / "shipped.xlsx", municipal, tables)
    bad, _ = D.run_plan(D.plan_cases(path, tables, max(5, PER_ITEM // 3)))
    assert bad == [], D.show(bad)


def test_native_templates__use_only_functions_every_client_has(native_templates, tmp_path, municipal, audit):
    """Excel 2010, WPS and LibreOffice: every function of every formula of every kind (the
    audit forms included) is on the allow-list."""
    roster = Roster(ROSTER.units + [RosterUnit("S01", "办公室", "科室"), RosterUnit("X01", "某县审计局", "县市区局")],
                    ROSTER.people)
    built = build_templates(tmp_path, municipal=municipal, audit=audit, roster=roster, year=2026, books=BOOKS,
                            secret=TEST_SECRET, formulas="native", kinds=KIND_IDS)
    assert {b.identity.template_kind.split(":")[0] for b in built} == set(KIND_IDS)
    seen = set()
    for path in [b.path for b in built]:
        book = read_book(open_package(path.read_bytes(), path.name)[0], path.name)
        for sheet in book.sheets.values():
            for cell in sheet.cells.values():
                if cell.formula:
                    seen |= {t.text.upper() for t in tokenize(cell.formula) if t.kind == "func"}
    assert seen and seen <= N.ALLOWED_FUNCTIONS, seen - N.ALLOWED_FUNCTIONS
    assert {"IF", "ROUND", "ISNUMBER", "MATCH", "INDEX", "SUMPRODUCT", "COUNTIF"} <= seen


def test_allowed_functions__the_check_fails_on_anything_else():
    used = {t.text.upper() for t in tokenize('=IFERROR(VLOOKUP(B8,_lists!A1:B3,2,FALSE),"")') if t.kind == "func"}
    assert used - N.ALLOWED_FUNCTIONS == {"IFERROR", "VLOOKUP"}
    assert not {"LET", "XLOOKUP", "FILTER", "IFS", "ITEM_SCORE", "STAFF_TOTAL"} & N.ALLOWED_FUNCTIONS


def test_native_templates__carry_the_names_and_metadata_of_the_addin_ones(native_templates, tmp_path, municipal,
                                                                         audit):
    addin = build_templates(tmp_path, municipal=municipal, audit=audit, roster=ROSTER, year=2026, books=BOOKS,
                            secret=TEST_SECRET)
    for built in addin:
        key = (built.identity.unit_code, built.identity.template_kind)
        ours = read_book(open_package(built.path.read_bytes(), "a")[0], "a")
        native = read_book(open_package(native_templates[key].read_bytes(), "n")[0], "n")
        assert set(ours.names) == set(native.names), key
        assert ours.sheet_names() == native.sheet_names(), key
        udfs = [c.formula for s in native.sheets.values() for c in s.cells.values()
                if c.formula and any(f in c.formula.upper() for f in ("ITEM_SCORE", "EXPLAIN(", "STAFF_", "DEMOCRATIC"))]
        assert udfs == [], key


@pytest.fixture(scope="module")
def native_saved(tmp_path_factory, native_templates):
    """The same clerks' typing as tests/test_clients.py, in native templates, through LibreOffice."""
    out = tmp_path_factory.mktemp("native_saved")
    reads = {("B001", "appendix:附表1:departments"): "KH_OUT_附表1_total", ("B001", "appendix:附表2"): "KH_OUT_附表2_total",
             ("B001", "appendix:附表3"): "KH_OUT_附表3_total", ("B001", "appendix:附表4"): "KH_OUT_附表4_total",
             ("Q01", "appendix:附表1:districts"): "KH_OUT_附表1_total", ("Q01", "appendix:附表5"): "KH_OUT_附表5_total",
             ("Q01", "appendix:附表6"): "KH_OUT_附表6_total", ("Q01", "appendix:附表7"): "KH_OUT_附表7_total",
             ("Q01", "appendix:附表8"): "KH_OUT_附表8_total", ("Q01", "appendix:附表9"): "KH_OUT_附表9_total"}
    staff = ["KH_OUT_staff_democratic", "KH_OUT_staff_total"]
    jobs = [{"src": str(native_templates[key]), "out": str(out / native_templates[key].name), "values": values,
             "read": [reads[key]] if key in reads else staff if key[1] == "staff-roster" else [],
             "scan_errors": True} for key, values in TYPED.items()]
    results = libreoffice(jobs)
    return ({key: out / native_templates[key].name for key in TYPED},
            {key: r for key, r in zip(TYPED, results)})


def test_native_templates__libreoffice_computes_the_hand_worked_totals(native_saved):
    _, results = native_saved
    totals = {key: next(iter(r["read"].values()))[0] for key, r in results.items()
              if r["read"] and key[1].startswith("appendix")}
    assert totals == {("B001", "appendix:附表1:departments"): 9.2, ("B001", "appendix:附表2"): 7.9,
                      ("B001", "appendix:附表3"): 4.2, ("B001", "appendix:附表4"): 5,
                      ("Q01", "appendix:附表1:districts"): 9.5, ("Q01", "appendix:附表5"): 49.1,
                      ("Q01", "appendix:附表6"): 18.3, ("Q01", "appendix:附表7"): 9.65,
                      ("Q01", "appendix:附表8"): 4, ("Q01", "appendix:附表9"): 4.65}
    staff = results[("B001", "staff-roster")]["read"]
    # 28.56 + 0.7 × (85.5 + 9.5) = 95.06; the second person's business score is the text "80":
    # the native formula says 输入有误 (intake still reads it as 80); blank rows show 未填
    assert staff["KH_OUT_staff_democratic"] == [28.56, 25.2]
    assert staff["KH_OUT_staff_total"] == [95.06, "输入有误"]


def test_native_templates__opened_in_libreoffice_show_no_error_value(native_saved):
    _, results = native_saved
    assert {key: r["errors"] for key, r in results.items() if r["errors"]} == {}


def test_run_intake__takes_native_templates_saved_by_libreoffice(tmp_path, native_templates, native_saved, municipal,
                                                                 audit):
    saved, _ = native_saved
    result = mail_and_take_in(saved, native_templates[("KHB", "master")], tmp_path, municipal, audit)
    assert {o.envelope.file_name: o.reasons for o in result.outcomes if o.status != ACCEPTED} == {}
    assert len(result.outcomes) == len(TYPED)
    assert_master(tmp_path / "master.xlsx")
    assert EXPECTED_MASTER[("部门", "B001")]["党风廉政建设"] == 9.2


def test_run_intake__warns_when_the_clients_total_differs_from_the_engines(tmp_path, native_templates, native_saved,
                                                                           municipal, audit):
    saved, _ = native_saved
    shutil.copy(native_templates[("KHB", "master")], tmp_path / "master.xlsx")
    seed_secret(tmp_path / "master.xlsx")
    src = saved[("B001", "appendix:附表1:departments")]
    book = read_book(open_package(src.read_bytes(), "s")[0], "s")
    from addin.intake.xlsx import resolve

    _sheet, (total_cell,) = resolve(book, book.names[(None, "KH_OUT_附表1_total")])
    (tmp_path / src.name).write_bytes(ooxml.rewrite(src.read_bytes(),
                                                    ooxml.cached_value("xl/worksheets/sheet1.xml", total_cell, "9.7")))
    eml(tmp_path / "inbox" / "b001.eml", [(src.name, (tmp_path / src.name).read_bytes())], sender="b001@example.gov.cn")
    result = run_intake(tmp_path / "inbox", tmp_path / "master.xlsx", municipal=municipal, audit=audit, year=2026)
    (outcome,) = result.outcomes
    assert outcome.status == WARNING  # accepted, with a warning
    warnings = [p for p in outcome.problems if p.code == "cached_differs"]
    assert len(warnings) == 1 and warnings[0].cell == total_cell
    assert "重算结果为 9.2，与文件中显示的 9.7 不同" in warnings[0].message
    import openpyxl

    from addin.intake.receipt import write_receipt

    receipt = write_receipt(result, tmp_path / "回执.xlsx", 2026)
    rows = list(openpyxl.load_workbook(receipt)["回执"].iter_rows(min_row=4, values_only=True))
    assert "重算结果为 9.2，与文件中显示的 9.7 不同" in rows[0][10] and rows[0][10].endswith(f"（附表1!{total_cell}）")


def test_check_structure__a_native_file_claiming_the_addin_form_is_refused(tmp_path, native_templates, municipal,
                                                                         audit):
    src = native_templates[("B001", "appendix:附表3")]
    out = tmp_path / src.name
    out.write_bytes(ooxml.rewrite(src.read_bytes(), ooxml.shared_string("native", "addin")))
    shutil.copy(native_templates[("KHB", "master")], tmp_path / "master.xlsx")
    seed_secret(tmp_path / "master.xlsx")
    eml(tmp_path / "inbox" / "b001.eml", [(out.name, out.read_bytes())], sender="b001@example.gov.cn")
    result = run_intake(tmp_path / "inbox", tmp_path / "master.xlsx", municipal=municipal, audit=audit, year=2026)
    (outcome,) = result.outcomes
    assert outcome.status != ACCEPTED
    assert {p.code for p in outcome.problems} == {"formula_changed"}


# --- choosing the form: the roster's 填报方式 and --formulas -----------------------------


def _formulas_of(path: Path) -> tuple[str, list[str]]:
    book = read_book(open_package(path.read_bytes(), path.name)[0], path.name)
    meta = book.sheets["_kaohe"].cells
    form = next(meta[f"B{r}"].value for r in range(2, 20) if meta[f"A{r}"].value == "formulas")
    return form, [c.formula for s in book.sheets.values() for c in s.cells.values() if c.formula]


def test_read_roster__填报方式_chooses_the_form_per_unit(tmp_path):
    units = tmp_path / "units.csv"
    units.write_text("单位编码,单位名称,类别,分口,填报方式\nB101,市档案馆,部门,综合口,通用公式\n"
                     "B102,市史志办,部门,综合口,\nB103,市气象局,部门,综合口,加载项\nQ1,甲区,区市,,native\n",
                     encoding="utf-8")
    roster = read_roster(units)
    assert [(u.code, u.formulas) for u in roster.units] == [("B101", "native"), ("B102", "addin"),
                                                           ("B103", "addin"), ("Q1", "native")]


def test_read_roster__an_unknown_填报方式_is_reported_with_its_line(tmp_path):
    units = tmp_path / "units.csv"
    units.write_text("单位编码,单位名称,类别,分口,填报方式\nB101,市档案馆,部门,综合口,手工\n", encoding="utf-8")
    with pytest.raises(RosterError) as info:
        read_roster(units)
    assert "第2行" in str(info.value) and "手工" in str(info.value) and "通用公式" in str(info.value)


def test_template__formulas_option_and_the_roster_column(tmp_path):
    from typer.testing import CliRunner

    from addin.cli import app

    runner = CliRunner()
    units = tmp_path / "units.csv"
    units.write_text("单位编码,单位名称,类别,分口,填报方式\nB101,市档案馆,部门,综合口,通用公式\n"
                     "B102,市史志办,部门,综合口,\n", encoding="utf-8")
    by_roster = runner.invoke(app, ["template", str(tmp_path / "r"), "--roster", str(units), "--kind", "appendix"])
    assert by_roster.exit_code == 0, by_roster.output
    form, formulas = _formulas_of(next((tmp_path / "r").rglob("2026_B101_附表1_*.xlsx")))
    assert form == "native" and not any("ITEM_SCORE" in f.upper() for f in formulas)
    form, formulas = _formulas_of(next((tmp_path / "r").rglob("2026_B102_附表1_*.xlsx")))
    assert form == "addin" and any("ITEM_SCORE" in f.upper() for f in formulas)
    forced = runner.invoke(app, ["template", str(tmp_path / "n"), "--roster", str(units), "--kind", "appendix",
                                 "--formulas", "native"])
    assert forced.exit_code == 0, forced.output
    assert {_formulas_of(p)[0] for p in (tmp_path / "n").rglob("*.xlsx") if "附表" in p.name} == {"native"}
    bad = runner.invoke(app, ["template", str(tmp_path / "x"), "--formulas", "excel"])
    assert bad.exit_code == 2 and "addin 或 native" in bad.output


def test_read_identity__a_template_issued_before_the_option_is_the_addin_form(native_templates):
    """Templates issued before 填报方式 existed have no ``formulas`` row: they stay valid."""
    from addin.intake.identify import read_identity
    from addin.workbook.identity import Identity

    path = native_templates[("B001", "appendix:附表2")]
    book = read_book(open_package(path.read_bytes(), path.name)[0], path.name)
    meta = book.sheets["_kaohe"].cells
    last = len(Identity.keys()) + 1
    assert meta[f"A{last}"].value == "formulas"
    del meta[f"A{last}"], meta[f"B{last}"]
    identity, problem = read_identity(book, "old.xlsx")
    assert problem is None and identity.formulas == "addin"
    meta[f"A{last}"] = type(meta["A2"])("formulas", None, True)
    meta[f"B{last}"] = type(meta["A2"])("excel", None, True)
    assert read_identity(book, "bad.xlsx")[1].code == "metadata_edited"


def test_native_template__screenshot_in_libreoffice_shows_the_computed_total(tmp_path, native_templates):
    """The README's picture: a native 附表1 typed and recalculated in LibreOffice, exported
    to PDF by LibreOffice and rendered to PNG by poppler. ``KAOHE_UPDATE_DOCS=1`` (``make
    screenshot``) copies it to docs/native-template.png."""
    key = ("B001", "appendix:附表1:departments")
    pdf, png = tmp_path / "native.pdf", tmp_path / "native-template"
    (result,) = libreoffice([{"src": str(native_templates[key]), "values": TYPED[key],
                              "read": ["KH_OUT_附表1_total"], "pdf": str(pdf)}])
    assert result["read"]["KH_OUT_附表1_total"] == [9.2]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "合计" in text and "9.20" in text and "未填" not in text and "#NAME" not in text
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-singlefile", "-f", "1", str(pdf), str(png)], check=True)
    image = png.with_suffix(".png")
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.stat().st_size > 20_000
    if os.environ.get("KAOHE_UPDATE_DOCS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copy(image, DOCS / "native-template.png")


def test_compile_item__every_item_fits_excel_2010s_limits(municipal, audit):
    """Excel 2010: a formula holds at most 8,192 characters and 64 nested function calls."""
    items = [i for t in (*municipal.tables, *D.kinds_tables()) for i in t.items]
    items += [i for c in audit.categories for i in c.items]
    for item in items:
        cells = [f"F{n}:F{n + 9}" if s.type == "scores" else f"F{n}" for n, s in enumerate(item.inputs(), start=8)]
        formula = N.compile_item(item, cells)
        tokens = tokenize(formula)
        stack: list[bool] = []  # per open parenthesis: does it belong to a function call?
        deepest = 0
        for prev, t in zip([None, *tokens], tokens):
            if t.kind == "op" and t.text == "(":
                stack.append(prev is not None and prev.kind == "func")
                deepest = max(deepest, sum(stack))
            elif t.kind == "op" and t.text == ")":
                stack.pop()
        assert stack == []
        assert len(formula) <= 8192 and deepest <= 64, (item.id, len(formula), deepest)
        assert {t.text.upper() for t in tokens if t.kind == "func"} <= N.ALLOWED_FUNCTIONS, item.id
