"""Which template a workbook claims to be, and whether it is still that template.

The identity comes from the hidden metadata sheet. The structure is compared with a
fresh build of the same template (same kind, scheme, year and shape): the sheets, the
``KH_`` defined names, and every formula of a locked cell must match, and no formula may
appear where the template has none (a formula typed into an input cell).
"""

from __future__ import annotations

import dataclasses
import functools
import hmac
import re
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from addin.intake.formula import formula_key, same_formula
from addin.intake.package import open_package
from addin.intake.xlsx import Book, read_book, resolve, split_cell
from addin.problems import Problem, clip
from addin.office.roster import Roster, RosterPerson, RosterUnit, roster_key
from addin.scheme.loader import scheme_hash
from addin.scheme.models import AuditScheme, MunicipalScheme
from addin.workbook.identity import FORMULA_FORMS, META_SHEET, OPEN_STAFF_ROSTER, Identity, make_template_id
from addin.workbook.tables import column_letters

INTAKE_KINDS = ("appendix", "target-book", "scoring-sheet", "register", "staff-roster", "audit-form")
UNIT_FREE_KINDS = ("appendix", "target-book", "staff-roster", "audit-form")
REFERENCE_UNIT = "REF"


USE_ORIGINAL = "请使用考核办下发的原模板重新填写，勿修改灰色单元格"


def _problem(code: str, zh: str, en: str, file: str, **where) -> Problem:
    return Problem(code, f"{zh} [{en}]", file=file, **where)


def read_identity(book: Book, file: str) -> tuple[Identity | None, Problem | None]:
    meta = book.sheets.get(META_SHEET)
    if meta is None:
        return None, _problem("not_ours", "不是考核办下发的模板（缺少模板标识页），请用下发的模板填写",
                              "not one of our templates: the metadata sheet is missing", file)
    values: dict[str, str] = {}
    row = 2
    while f"A{row}" in meta.cells and row < 50:
        key, value = meta.cells[f"A{row}"].value, meta.cells.get(f"B{row}")
        values[str(key)] = "" if value is None or value.value is None else str(value.value)
        row += 1
    # templates issued before the 填报方式 option have no ``formulas`` row: the add-in form
    if list(values) not in (Identity.keys(), Identity.keys()[:-1]) or values.get("formulas", "addin") not in FORMULA_FORMS:
        return None, _problem("metadata_edited", "模板标识页已被删改，请用下发的原模板重新填写",
                              "the metadata sheet was edited or removed", file, sheet=META_SHEET)
    try:
        year = int(float(values["year"]))
    except ValueError:
        return None, _problem("metadata_edited", "模板标识页已被删改（年度）", "metadata year is not a number", file,
                              sheet=META_SHEET)
    return Identity(**{**values, "year": year}), None


def check_identity(identity: Identity, file: str, *, municipal: MunicipalScheme, audit: AuditScheme, year: int,
                   known_units: set[str], secret: bytes, hashes: dict[str, str] | None = None,
                   open_form: bool | None = False) -> Problem | None:
    """``hashes``: the schemes' hashes by scheme id, when the caller has them already.
    ``open_form``: the file is a staff roster without listed people (its code column
    unlocked), whose id is keyed as :data:`OPEN_STAFF_ROSTER`; None: not known yet (only
    the metadata was read), either form's id will do until the content says which."""
    scheme = audit if identity.template_kind.startswith("audit-form") else municipal
    if identity.template_kind.split(":")[0] not in INTAKE_KINDS:
        return _problem("not_intake_kind", f"“{identity.template_kind}”模板无需报送考核办", "this template is not "
                        "submitted to the office", file)
    if identity.year != year:  # before the scheme: last year's template is last year's, whatever its scheme
        return _problem("wrong_year", f"模板年度为 {identity.year}，本次汇总的是 {year} 年度；请使用考核办下发的 {year} "
                        f"年度模板重新填写", f"the template is for {identity.year}, intake is for {year}", file,
                        sheet=META_SHEET)
    if identity.scheme_id != scheme.id:
        return _problem("wrong_scheme", f"模板所属方案 {identity.scheme_id} 与本次考核方案 {scheme.id} 不符",
                        "the template belongs to another scheme", file, sheet=META_SHEET)
    if identity.scheme_hash != ((hashes or {}).get(scheme.id) or scheme_hash(scheme)):
        return _problem("scheme_changed", f"模板由旧版考核方案（{identity.scheme_version}）生成，与现行方案"
                        f"（{scheme.version}）不一致，请向考核办索取最新模板重新填写",
                        "the template was built from another version of the scheme (hash differs)", file,
                        sheet=META_SHEET)
    if identity.template_kind == "staff-roster" and open_form is not False:
        keyed = [OPEN_STAFF_ROSTER] if open_form else [OPEN_STAFF_ROSTER, identity.template_kind]
    else:
        keyed = [identity.template_kind]
    expected = [make_template_id(k, identity.scheme_hash, identity.year, identity.unit_code, secret) for k in keyed]
    if not any(hmac.compare_digest(identity.template_id, e) for e in expected):
        return _problem("metadata_forged", "模板标识不符：标识页被改动、从其他单位的模板复制，或不是本考核办本年度下发的模板；"
                        "请使用考核办下发给本单位的原模板重新填写",
                        "the template id does not match (metadata edited, copied from another template, or not "
                        "issued by this office for this year)", file, sheet=META_SHEET)
    unit = identity.unit_code
    if unit not in known_units:
        return _problem("unknown_unit", f"单位 {unit}（{identity.unit_name}）不在考核名册中",
                        f"unit {unit} is not on the roster", file, record=unit)
    return None


@dataclass(frozen=True)
class Shape:
    """What makes two templates of one kind differ in structure (not in content)."""

    kind: str
    unit: RosterUnit
    formulas: str = "addin"
    people: tuple[RosterPerson, ...] = ()
    units: tuple[RosterUnit, ...] = ()
    books: tuple[tuple[str, tuple[tuple[str, Decimal, str], ...]], ...] = ()


PLACEHOLDER_CODE, PLACEHOLDER_NAME = "⟦单位编码⟧", "⟦单位名称⟧"
"""The unit of a reference build for a kind whose unit shows only in text (headers,
titles): one reference serves every unit, its text filled in per file."""


def shape_of(identity: Identity, book: Book, roster: Roster, file: str = "") -> tuple[Shape, list[Problem]]:
    """The shape of the reference build for this file (see :func:`_shape_of`), in the form
    (add-in or native formulas) the file says it has."""
    shape, problems = _shape_of(identity, book, roster, file)
    return dataclasses.replace(shape, formulas=identity.formulas), problems


def _shape_of(identity: Identity, book: Book, roster: Roster, file: str = "") -> tuple[Shape, list[Problem]]:
    """The shape of the reference build for this file, taken from the roster (the master's
    unit and staff tables), never from the file's own lists; and the roster problems found
    on the way (a person or unit not on the roster, located at its cell)."""
    kind = identity.template_kind
    base = kind.split(":")[0]
    unit_type = {"audit-form": kind.split(":")[-1]}.get(base, "区市" if ":districts" in kind or _district_table(kind)
                                                         else "部门")
    if base in UNIT_FREE_KINDS:
        # only the target book names the unit's group (in its header); the rest share one reference
        on_roster = next((u for u in roster.units if u.code == identity.unit_code), None) \
            if base == "target-book" else None
        unit = RosterUnit(PLACEHOLDER_CODE, PLACEHOLDER_NAME, unit_type, on_roster.group if on_roster else "")
    else:
        unit = RosterUnit(identity.unit_code, identity.unit_name, unit_type, _group_of(identity))
    if base == "staff-roster":
        if open_staff_roster(book):  # keyed apart (check_identity): issued by the office as such
            return Shape(kind, unit), []
        people, problems = _listed_people(book, identity, roster, file)
        return Shape(kind, unit, people=people), problems
    if base == "register":
        return Shape(kind, unit, units=tuple(roster.of_type("部门", "区市"))), []
    if base == "scoring-sheet":
        return _scoring_shape(kind, unit, book, roster, identity, file)
    return Shape(kind, unit), []


def _listed_people(book: Book, identity: Identity, roster: Roster,
                   file: str) -> tuple[tuple[RosterPerson, ...], list[Problem]]:
    """The people a roster file lists (its locked code column), each found on the roster."""
    by_code = {roster_key(p.code): p for p in roster.people}
    cells = _cells(book, "KH_IN_staff_code")
    people, problems, seen = [], [], set()
    for sheet, coord, value in cells:
        code = roster_key(value)
        if not code:
            continue
        person = by_code.get(code)
        where = {"sheet": sheet, "cell": coord, "value": value, "record": code}
        if person is None:
            problems.append(_problem("unknown_person", f"人员编码“{value}”不在考核名册中；{USE_ORIGINAL}",
                                     f"person {value} is not on the roster", file, **where))
        elif person.unit != identity.unit_code:
            problems.append(_problem("person_other_unit", f"人员编码 {code} 不是本单位（{identity.unit_code}）的人员；"
                                     f"{USE_ORIGINAL}", f"person {code} is not on this unit's roster", file, **where))
        elif code in seen:
            problems.append(_problem("duplicate_person", f"人员编码 {code} 重复出现；{USE_ORIGINAL}",
                                     f"person {code} is listed twice", file, **where))
        else:
            seen.add(code)
            people.append(person)
    return tuple(people), problems


def _scoring_shape(kind: str, unit: RosterUnit, book: Book, roster: Roster, identity: Identity,
                   file: str) -> tuple[Shape, list[Problem]]:
    """A sector group's sheet lists the group's departments as the roster has them; the
    item rows of each come from the file (the department's target book)."""
    group = unit.group
    members = tuple(u for u in roster.of_type("部门") if u.group == group)
    rows: dict[str, int] = {}
    for (_scope, name) in book.names:
        m = re.match(r"^KH_IN_(.+)_(\d+)_score$", name)
        if m:
            rows[m.group(1)] = max(rows.get(m.group(1), 0), int(m.group(2)))
    listed, expected = set(rows), {u.code for u in members}
    problems = []
    if listed != expected:
        extra, missing = sorted(listed - expected), sorted(expected - listed)
        text = "；".join(x for x in (f"名册中没有或不属于{group}的单位：{'、'.join(extra)}" if extra else "",
                                     f"缺少本口单位：{'、'.join(missing)}" if missing else "") if x)
        problems.append(_problem("unit_list_changed", f"评分表的单位与考核名册不一致（{text}）；{USE_ORIGINAL}",
                                 f"the units listed differ from the roster's {group} group", file,
                                 record=identity.unit_code))
    books = []
    for u in members:
        n = rows.get(u.code, 0)
        if (None, f"KH_IN_{u.code}_1_item") in book.names or not n:
            books.append((u.code, ()))
            continue
        items = []
        for i in range(1, n + 1):
            sheet, coord = _cell_of(book, f"KH_IN_{u.code}_{i}_score")
            r, c = split_cell(coord)
            cells = book.sheets[sheet].cells
            name = cells.get(f"{column_letters(c - 2)}{r}")
            points = cells.get(f"{column_letters(c - 1)}{r}")
            try:
                value = Decimal(str(points.value)) if points is not None and points.value is not None else Decimal(0)
            except ArithmeticError:
                value = Decimal(0)
            items.append(("" if name is None or name.value is None else str(name.value), value, ""))
        books.append((u.code, tuple(items)))
    return Shape(kind, unit, units=members, books=tuple(books)), problems


def _cells(book: Book, name: str) -> list[tuple[str, str, object]]:
    ref = book.names.get((None, name))
    where = resolve(book, ref) if ref else None
    if not where or where[0] not in book.sheets:
        return []
    sheet = book.sheets[where[0]]
    return [(where[0], c, sheet.cells[c].value if c in sheet.cells else None) for c in where[1]]


def _cell_of(book: Book, name: str) -> tuple[str, str]:
    cells = _cells(book, name)
    return cells[0][0], cells[0][1]


def _district_table(kind: str) -> bool:
    return kind.split(":")[0] == "appendix" and kind.split(":")[1] in ("附表5", "附表6", "附表7", "附表8", "附表9")


def _group_of(identity: Identity) -> str:
    return identity.unit_code[2:] if identity.unit_code.startswith("G-") else ""


def open_staff_roster(book: Book) -> bool:
    """A staff roster without listed people: its code column is for typing."""
    return not _column_locked(book, "KH_IN_staff_code")


def _column_locked(book: Book, name: str) -> bool:
    ref = book.names.get((None, name))
    where = resolve(book, ref) if ref else None
    if not where or where[0] not in book.sheets:
        return False
    cell = book.sheets[where[0]].cells.get(where[1][0])
    return bool(cell and cell.locked)


_key = functools.lru_cache(maxsize=1 << 16, typed=True)(roster_key)
"""roster_key remembered: the same codes, names and points are compared in every file."""


def _same_value(expected: object, got: object) -> bool:
    a, b = _key(expected), _key(got)
    if a == b:
        return True
    try:
        return Decimal(a) == Decimal(b)
    except ArithmeticError:
        return False


def check_locked_values(book: Book, reference: Book, identity: Identity, file: str) -> list[Problem]:
    """Codes, names, item ids, standards and points in locked cells must equal the
    reference build (the unit's own code and name put in for the placeholders)."""
    fill = {PLACEHOLDER_CODE: identity.unit_code, PLACEHOLDER_NAME: identity.unit_name}
    problems: list[Problem] = []
    for name, ref_sheet in reference.sheets.items():
        if name == META_SHEET:
            continue  # the identity is checked on its own (keyed id)
        sheet = book.sheets[name]
        for coord in ref_sheet.cells:  # in the sheet's own (row-major) order
            ref_cell, got = ref_sheet.cells[coord], sheet.cells.get(coord)
            if ref_cell.formula is not None or not ref_cell.locked or ref_cell.value in (None, ""):
                continue  # computed cells, input cells and the template's blanks (a note beside the form is fine)
            expected = ref_cell.value
            if isinstance(expected, str):
                for key, value in fill.items():
                    expected = expected.replace(key, value)
            found = None if got is None else got.value
            if not _same_value(expected, found):
                shown = clip(roster_key(found)) or "（空白）"
                problems.append(_problem(
                    "locked_value_changed",
                    f"锁定单元格的内容被修改：文件中为“{shown}”，应为“{clip(roster_key(expected)) or '（空白）'}”；"
                    f"{USE_ORIGINAL}", f"a locked cell was changed: found {clip(repr(found))}, expected "
                    f"{clip(repr(expected))}", file, sheet=name, cell=coord,
                    value=clip(found) if isinstance(found, str) else found, allowed=clip(expected)))
                if len(problems) >= 20:
                    return problems
    return problems


def reference_book(shape: Shape, municipal: MunicipalScheme, audit: AuditScheme, year: int) -> Book | None:
    """A fresh build of the template with this shape, parsed like a submission."""
    from workbook_templates.build import HALF, HALF_YEAR, plan_jobs

    base = shape.kind.split(":")[0]
    # Office and group templates list other units; their own unit is not on that list.
    units = list(shape.units) if base in ("register", "scoring-sheet") else [shape.unit, *shape.units]
    people = [dataclasses.replace(p, unit=shape.unit.code) for p in shape.people]
    roster = Roster(units, people)
    books = {code: list(items) for code, items in shape.books if items} or None
    unit_filter = None if base in ("register",) else shape.unit.code
    planned = {HALF_YEAR} if shape.kind.endswith(HALF) else {base}
    jobs = [j for j in plan_jobs(municipal, audit, roster, year, planned, unit_filter, books, shape.formulas)
            if j.kind == shape.kind and j.unit.code == shape.unit.code]
    if not jobs:
        return None
    from workbook_templates.build import run_jobs

    with tempfile.TemporaryDirectory() as tmp:
        built = run_jobs(jobs[:1], Path(tmp), year)
        data = built[0].path.read_bytes()
    archive, problem = open_package(data, "reference")
    return None if problem else read_book(archive, "reference")


def compare_structure(book: Book, reference: Book, file: str) -> list[Problem]:
    problems: list[Problem] = []
    if book.sheet_names() != reference.sheet_names():
        problems.append(_problem("structure_sheets", f"工作表被增删或改名：应为 {'、'.join(reference.sheet_names())}",
                                 "sheets were added, removed or renamed", file))
        return problems
    ours = {k: formula_key(v) for k, v in book.names.items() if k[1].startswith("KH_")}
    theirs = {k: formula_key(v) for k, v in reference.names.items() if k[1].startswith("KH_")}
    if ours != theirs:
        missing = sorted(k[1] for k in set(theirs) - set(ours))
        moved = sorted(k[1] for k in set(theirs) & set(ours) if ours[k] != theirs[k])
        shown = "、".join((missing + moved)[:5])
        problems.append(_problem("structure_names", f"模板的名称定义被删改（{shown}），请勿插入或删除行列；"
                                 f"{USE_ORIGINAL}", "defined names were changed (rows or columns inserted "
                                 "or deleted?)", file))
        return problems
    for name, ref_sheet in reference.sheets.items():
        sheet = book.sheets[name]
        for coord, ref_cell in ref_sheet.cells.items():
            if ref_cell.formula is None:
                continue
            got = sheet.cells.get(coord)
            found = None if got is None else got.formula
            if not same_formula(found, ref_cell.formula):
                problems.append(_problem(
                    "formula_changed",
                    f"锁定单元格的公式被修改：文件中为 {clip(found) if found else '（空白，无公式）'}，"
                    f"应为 {clip(ref_cell.formula)}；{USE_ORIGINAL}",
                    f"the formula of a locked cell was changed: found {clip(found) if found else '(none)'}, "
                    f"expected {clip(ref_cell.formula)}",
                    file, sheet=name, cell=coord, value=found, allowed=ref_cell.formula))
        for coord, cell in sheet.cells.items():
            ref_cell = ref_sheet.cells.get(coord)
            if cell.formula is not None and (ref_cell is None or ref_cell.formula is None):
                problems.append(_problem("formula_in_input", "填报单元格中不能输入公式，请直接填写数值",
                                         "a formula was typed into an input cell; enter the value", file,
                                         sheet=name, cell=coord, value=cell.formula))
    return problems[:20]


class References:
    """Reference builds per shape, for one intake run (built once, compared many times)."""

    def __init__(self, municipal: MunicipalScheme, audit: AuditScheme, year: int):
        self.municipal, self.audit, self.year = municipal, audit, year
        self.hashes = {municipal.id: scheme_hash(municipal), audit.id: scheme_hash(audit)}
        self._books: dict[Shape, Book | None] = {}

    def get(self, shape: Shape) -> Book | None:
        if shape not in self._books:
            self._books[shape] = reference_book(shape, self.municipal, self.audit, self.year)
        return self._books[shape]
