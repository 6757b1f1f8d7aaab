"""The cells of a kept file that a master value came from: the file is read again from the
archive's evidence (bounded like any intake), its defined names resolved, and the cells
that fed one master cell picked by the kind of template (an appendix table's inputs, a
department's rows of the scoring sheet, a unit's rows of the register, a person's row of
the staff roster)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from addin.errors import KaoheError
from addin.intake.budget import Budget
from addin.intake.extract import Reader
from addin.intake.package import open_package
from addin.intake.xlsx import Book, UnsafeWorkbook, read_book
from addin.scheme.audit_columns import SELF_PART, SELF_TOTAL, VETO, category_header
from addin.scheme.models import AuditScheme, MunicipalScheme
from addin.workbook.identity import IN_PREFIX, input_name
from addin.workbook.tables import code_text

CRITICISMS = "通报批评次数"


class KeptFileError(KaoheError):
    """A kept file that cannot be read again."""


@dataclass(frozen=True)
class FileCell:
    """One cell of a submitted file: where it is, what it is, and what it holds."""

    sheet: str
    cell: str
    label: str
    value: Any

    @property
    def address(self) -> str:
        return f"{self.sheet}!{self.cell}"


def open_kept(data: bytes, file_name: str) -> Book:
    """A kept file's workbook, read as intake reads it (same limits, a fresh budget)."""
    package, problem = open_package(data, file_name)
    if problem is not None:
        raise KeptFileError(f"档案中保存的文件 {file_name} 无法读取：{problem.message}")
    try:
        return read_book(package, file_name, budget=Budget(file_name))
    except UnsafeWorkbook as exc:
        raise KeptFileError(f"档案中保存的文件 {file_name} 无法读取：{exc.problem.message}") from None


def named(reader: Reader, name: str, label: str) -> list[FileCell]:
    return [FileCell(sheet, coord, label, value) for sheet, coord, value, _f in reader.cells(name)]


def appendix_cells(reader: Reader, table_id: str, municipal: MunicipalScheme) -> list[FileCell]:
    """Every input of an appendix table, labelled by item and input."""
    table = municipal.table(table_id)
    out = []
    for item in table.items:
        for spec in item.inputs():
            out += named(reader, input_name(table.id, item.id, spec.name), f"{item.id} {item.name}·{spec.label}")
    return out


def audit_cells(reader: Reader, audit: AuditScheme, column: str | None = None) -> list[FileCell]:
    """The cells of a 审计目标考评表 that the master's 审计 ``column`` came from: a category's
    final score, the inputs of its items; 一票否决, the inputs of the items that veto; 自评总分,
    each item's 自评 cell; any other column (or None), every input of the form. An item the
    form does not have (not assessed for its unit type) has no cells."""
    by_header = {category_header(c): c for c in audit.categories}
    out = []
    if column == SELF_TOTAL:
        for cat in audit.categories:
            for item in cat.items:
                out += named(reader, input_name(SELF_PART, cat.id, item.id), f"{item.id} {item.name}·自评得分")
        return out
    for cat in audit.categories:
        if column in by_header and by_header[column] is not cat:
            continue
        for item in cat.items:
            if column == VETO and item.veto is None:
                continue
            for spec in item.inputs():
                out += named(reader, input_name(cat.id, item.id, spec.name), f"{item.id} {item.name}·{spec.label}")
    return out


def _rows(reader: Reader, key_name: str, key: str, names: dict[str, str]) -> list[FileCell]:
    """The cells of the rows of a column-named table whose ``key_name`` column holds ``key``."""
    keys = reader.cells(key_name)
    columns = {label: reader.cells(name) for label, name in names.items()}
    out = []
    for i, (sheet, coord, value, _f) in enumerate(keys):
        if code_text(value) != key:
            continue
        out.append(FileCell(sheet, coord, "编码", value))
        for label, cells in columns.items():
            if i < len(cells):
                out.append(FileCell(cells[i][0], cells[i][1], label, cells[i][2]))
    return out


SCORING_FIELDS = {"item": "业务目标项目", "points": "分值", "score": "得分", "note": "评分说明"}
"""The clerk's words for the fields of a row of the sector group's scoring sheet
(workbook_templates/scoring_sheet.py names each cell ``<unit>_<row>_<field>``)."""


def scoring_label(rest: str) -> str:
    """``3_score`` → 序号3·得分: a scoring-sheet cell's name after the unit, as a clerk reads it."""
    row, _, field = rest.partition("_")
    return f"序号{row}·{SCORING_FIELDS.get(field, field)}" if row.isdigit() else rest.replace("_", "·")


def staff_names(municipal: MunicipalScheme) -> dict[str, str]:
    votes = {f"民主测评票数{k + 1}": input_name("staff", f"votes_{k}") for k in range(len(municipal.staff.vote_weights))}
    return {"姓名": input_name("staff", "name"), "层级": input_name("staff", "level"),
            "主要负责人": input_name("staff", "head"), **votes, "业务目标": input_name("staff", "business"),
            "公共目标": input_name("staff", "public"), "投诉或违纪": input_name("staff", "complaint"),
            "情节严重": input_name("staff", "serious"), "上年等次": input_name("staff", "previous")}


def source_cells(book: Book, file_name: str, kind: str, key: str, column: str, municipal: MunicipalScheme,
                 audit: AuditScheme) -> list[FileCell]:
    """The cells of a file (of template ``kind``) that the master value of ``key``'s
    ``column`` came from."""
    reader = Reader(book, file_name)
    base = kind.split(":")[0]
    if base == "appendix":
        return appendix_cells(reader, kind.removesuffix(":half").split(":")[1], municipal)
    if base == "audit-form":
        return audit_cells(reader, audit, column)
    if base == "scoring-sheet":
        prefix = input_name(key) + "_"
        return [c for (_scope, name) in book.names if name.startswith(prefix)
                for c in named(reader, name, scoring_label(name.removeprefix(prefix)))]
    if base == "register":
        if column == CRITICISMS:
            return _rows(reader, input_name("criticism", "unit"), key,
                         {"通报日期": input_name("criticism", "date"), "文号": input_name("criticism", "document")})
        bonus = municipal.departments.innovation_bonus
        return _rows(reader, input_name("bonus", "unit"), key,
                     {"创新项目": input_name("bonus", "project"), bonus.row_label: input_name("bonus", "recognizer"),
                      bonus.column_label: input_name("bonus", "level")})
    if base == "staff-roster":  # the person's code, and the cells of this column (民主测评: the votes)
        names = {label: name for label, name in staff_names(municipal).items()
                 if label == column or (column == "民主测评" and label.startswith("民主测评票数"))}
        return _rows(reader, input_name("staff", "code"), key, names)
    return [c for (_scope, name) in book.names if name.startswith(IN_PREFIX) for c in named(reader, name, name)]
