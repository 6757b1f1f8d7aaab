"""Which template a workbook claims to be, and whether it is still that template.

The identity comes from the hidden metadata sheet. The structure is compared with a
fresh build of the same template (same kind, scheme, year and shape): the sheets, the
``KH_`` defined names, and every formula of a locked cell must match, and no formula may
appear where the template has none (a formula typed into an input cell).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from addin.intake.formula import formula_key, same_formula
from addin.intake.package import open_package
from addin.intake.xlsx import Book, read_book
from addin.problems import Problem
from addin.roster import Roster, RosterPerson, RosterUnit
from addin.scheme.loader import scheme_hash
from addin.scheme.models import AuditScheme, MunicipalScheme
from addin.workbook.identity import ADDIN_FILE, META_SHEET, Identity, make_template_id

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
    if list(values) != Identity.keys():
        return None, _problem("metadata_edited", "模板标识页已被删改，请用下发的原模板重新填写",
                              "the metadata sheet was edited or removed", file, sheet=META_SHEET)
    try:
        year = int(float(values["year"]))
    except ValueError:
        return None, _problem("metadata_edited", "模板标识页已被删改（年度）", "metadata year is not a number", file,
                              sheet=META_SHEET)
    return Identity(**{**values, "year": year}), None


def check_identity(identity: Identity, file: str, *, municipal: MunicipalScheme, audit: AuditScheme, year: int,
                   known_units: set[str]) -> Problem | None:
    scheme = audit if identity.template_kind.startswith("audit-form") else municipal
    if identity.template_kind.split(":")[0] not in INTAKE_KINDS:
        return _problem("not_intake_kind", f"“{identity.template_kind}”模板无需报送考核办", "this template is not "
                        "submitted to the office", file)
    if identity.scheme_id != scheme.id:
        return _problem("wrong_scheme", f"模板所属方案 {identity.scheme_id} 与本次考核方案 {scheme.id} 不符",
                        "the template belongs to another scheme", file, sheet=META_SHEET)
    if identity.scheme_hash != scheme_hash(scheme):
        return _problem("scheme_changed", f"模板由旧版考核方案（{identity.scheme_version}）生成，与现行方案"
                        f"（{scheme.version}）不一致，请向考核办索取最新模板重新填写",
                        "the template was built from another version of the scheme (hash differs)", file,
                        sheet=META_SHEET)
    if identity.year != year:
        return _problem("wrong_year", f"模板年度为 {identity.year}，本次汇总的是 {year} 年度",
                        f"the template is for {identity.year}, intake is for {year}", file, sheet=META_SHEET)
    if identity.template_id != make_template_id(identity.template_kind, identity.scheme_hash, identity.year,
                                                identity.unit_code):
        return _problem("metadata_edited", "模板标识页已被删改（模板编号不符），请用下发的原模板重新填写",
                        "the metadata sheet was edited (template id does not match)", file, sheet=META_SHEET)
    unit = identity.unit_code
    if unit not in known_units:
        return _problem("unknown_unit", f"单位 {unit}（{identity.unit_name}）不在考核名册中",
                        f"unit {unit} is not on the roster", file, record=unit)
    return None


def check_external(book: Book, file: str) -> Problem | None:
    bad = [t for t in book.external_targets if not t.replace("\\", "/").lower().endswith(ADDIN_FILE)]
    if bad:
        return _problem("external_links", "工作簿含有指向其他文件的外部链接，请删除链接（数据→编辑链接→断开）后重新发送",
                        f"the workbook links to other files: {', '.join(bad)[:200]}", file)
    return None


@dataclass(frozen=True)
class Shape:
    """What makes two templates of one kind differ in structure (not in content)."""

    kind: str
    unit: RosterUnit
    people: tuple[RosterPerson, ...] = ()
    units: tuple[RosterUnit, ...] = ()
    books: tuple[tuple[str, int], ...] = ()


def shape_of(identity: Identity, book: Book) -> Shape:
    kind = identity.template_kind
    base = kind.split(":")[0]
    unit_type = {"audit-form": kind.split(":")[-1]}.get(base, "区市" if ":districts" in kind or _district_table(kind)
                                                         else "部门")
    if base in UNIT_FREE_KINDS:
        # The unit shows only in header text, never in names or formulas: one reference
        # serves every unit of the kind.
        unit = RosterUnit(REFERENCE_UNIT, REFERENCE_UNIT, unit_type)
    else:
        unit = RosterUnit(identity.unit_code, identity.unit_name, unit_type, _group_of(identity))
    if base == "staff-roster":
        codes = _column_values(book, "KH_IN_staff_code")
        locked = _column_locked(book, "KH_IN_staff_code")
        people = tuple(RosterPerson(f"P{i}", "", unit.code, "县级") for i in range(len(codes))) if locked else ()
        return Shape(kind, unit, people=people)
    if base == "register":
        lists = book.sheets.get("_lists")
        n = sum(1 for ref in (lists.cells if lists else {}) if ref.startswith("A"))
        return Shape(kind, unit, units=tuple(RosterUnit(f"U{i}", "", "部门") for i in range(n)))
    if base == "scoring-sheet":
        per_unit: dict[str, int] = {}
        blank = set()
        for (_scope, name) in book.names:
            m = re.match(r"^KH_IN_(.+)_(\d+)_score$", name)
            if m:
                per_unit[m.group(1)] = max(per_unit.get(m.group(1), 0), int(m.group(2)))
                if (None, f"KH_IN_{m.group(1)}_1_item") in book.names:
                    blank.add(m.group(1))
        units = tuple(RosterUnit(code, "", "部门", unit.group) for code in per_unit)
        books = tuple((code, 0 if code in blank else n) for code, n in per_unit.items())
        return Shape(kind, unit, units=units, books=books)
    return Shape(kind, unit)


def _district_table(kind: str) -> bool:
    return kind.split(":")[0] == "appendix" and kind.split(":")[1] in ("附表5", "附表6", "附表7", "附表8", "附表9")


def _group_of(identity: Identity) -> str:
    return identity.unit_code[2:] if identity.unit_code.startswith("G-") else ""


def _column_values(book: Book, name: str) -> list:
    from addin.intake.xlsx import resolve

    ref = book.names.get((None, name))
    where = resolve(book, ref) if ref else None
    if not where or where[0] not in book.sheets:
        return []
    sheet = book.sheets[where[0]]
    return [sheet.cells[c].value for c in where[1] if c in sheet.cells and sheet.cells[c].value not in (None, "")]


def _column_locked(book: Book, name: str) -> bool:
    from addin.intake.xlsx import resolve

    ref = book.names.get((None, name))
    where = resolve(book, ref) if ref else None
    if not where or where[0] not in book.sheets:
        return False
    cell = book.sheets[where[0]].cells.get(where[1][0])
    return bool(cell and cell.locked)


def reference_book(shape: Shape, municipal: MunicipalScheme, audit: AuditScheme, year: int) -> Book | None:
    """A fresh build of the template with this shape, parsed like a submission."""
    from workbook_templates.build import plan_jobs

    base = shape.kind.split(":")[0]
    # Office and group templates list other units; their own unit is not on that list.
    units = list(shape.units) if base in ("register", "scoring-sheet") else [shape.unit, *shape.units]
    roster = Roster(units, list(shape.people))
    books = {code: [(f"项目{i}", 1, "") for i in range(n)] for code, n in shape.books if n} if shape.books else None
    unit_filter = None if base in ("register",) else shape.unit.code
    jobs = [j for j in plan_jobs(municipal, audit, roster, year, {base}, unit_filter, books)
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
                    f"锁定单元格的公式被修改：文件中为 {found or '（空白，无公式）'}，应为 {ref_cell.formula}；{USE_ORIGINAL}",
                    f"the formula of a locked cell was changed: found {found or '(none)'}, expected {ref_cell.formula}",
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
        self._books: dict[Shape, Book | None] = {}

    def get(self, shape: Shape) -> Book | None:
        if shape not in self._books:
            self._books[shape] = reference_book(shape, self.municipal, self.audit, self.year)
        return self._books[shape]
