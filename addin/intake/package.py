"""Checks on a file's bytes before any parser sees them, and on its parts after.

Legacy formats, macros, encryption, broken and oversized archives, and parts whose
names differ only in case are refused with a reason the sender can act on (see
:func:`open_package`); active content and links out of the workbook are refused after
the workbook is read (:func:`check_package`, by relationship and content type, see
:mod:`addin.intake.hygiene`). Nothing is extracted to disk and nothing is executed.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from addin.intake.formats import foreign_format, foreign_package
from addin.intake.hygiene import check_names, check_parts, is_local_addin
from addin.intake.opc import CONTENT_TYPES, Package
from addin.intake.refusal import UnsafeWorkbook, refuse
from addin.problems import Problem

__all__ = ["DEFAULT_LIMITS", "Limits", "check_package", "is_local_addin", "open_package", "refuse"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 20 * 1024 * 1024
    max_members: int = 400
    max_total_uncompressed: int = 100 * 1024 * 1024
    max_member_uncompressed: int = 50 * 1024 * 1024
    max_ratio: int = 200
    """Uncompressed ÷ compressed size of one member above which it is treated as a bomb."""
    max_rows: int = 100_000
    max_cols: int = 500
    max_cells: int = 500_000
    max_formula_length: int = 8_192
    """Characters of one formula (a cell's or a defined name's), Excel's own limit
    (see :mod:`addin.intake.budget`)."""
    max_formula_total: int = 8_000_000
    """Characters of all the formulas of a file, shared formulas expanded: a staff roster
    holds about 880 a person with native formulas (about 9,000 people fit) and 64 with
    the add-in's (more than ``max_rows``)."""
    max_name_length: int = 255
    """Characters of a defined name, Excel's own limit."""
    max_names: int = 50_000
    """Defined names in a file (a scoring sheet of 120 units defines about 4,000)."""
    max_name_total: int = 1_000_000
    """Characters of all the defined names' texts (that scoring sheet: about 57,000)."""
    max_seconds: float = 30.0
    """Time to read one file; a template of the province's scale takes well under a second."""


DEFAULT_LIMITS = Limits()


def open_package(data: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> tuple[Package | None, Problem | None]:
    """The workbook's package, or the reason it is refused."""
    if not data:
        return None, refuse("empty_file", "文件为空（0字节），请重新发送", "the file is empty", file)
    if len(data) > limits.max_file_bytes:
        return None, refuse("too_large", f"文件过大（{len(data) // 1024 // 1024} MB），模板不会超过 "
                            f"{limits.max_file_bytes // 1024 // 1024} MB", "the file is too large", file)
    foreign = foreign_format(data, file)  # .et, .xls, .csv: said by name, with how to save as .xlsx
    if foreign is not None:
        return None, foreign
    if data.startswith(OLE_MAGIC):  # what is left of OLE files: an encrypted .xlsx
        return None, refuse("encrypted", "文件设置了打开密码（已加密），请取消密码后重新发送",
                            "the workbook is password-protected (encrypted); remove the password and resend", file)
    if not data.startswith(ZIP_MAGIC):
        return None, refuse("not_zip", "文件已损坏或不是 Excel 工作簿（.xlsx），请重新发送",
                            "not an .xlsx workbook (not a zip archive)", file)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None, refuse("broken_zip", "文件不完整或已损坏（可能在传输中被截断），请重新发送",
                            "the workbook is truncated or corrupt", file)
    if len(infos) > limits.max_members:
        return None, refuse("zip_bomb", "文件内部结构异常（部件过多），已拒收", "too many parts in the archive", file)
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.max_member_uncompressed or (ratio > limits.max_ratio and info.file_size > 1 << 20):
            return None, refuse("zip_bomb", "文件解压后体积异常（疑似压缩炸弹），已拒收",
                                "an archive member expands abnormally (zip bomb)", file)
    if total > limits.max_total_uncompressed:
        return None, refuse("zip_bomb", "文件解压后体积异常（疑似压缩炸弹），已拒收",
                            "the archive expands beyond the size limit (zip bomb)", file)
    names = {i.filename for i in infos}
    foreign = foreign_package(archive, names, file)  # .ods, .xlsb: said by name, from the members read once
    if foreign is not None:
        return None, foreign
    package = Package(archive, file)
    if package.twins:
        return None, refuse("duplicate_parts", f"文件内部有重名部件（{'、'.join(package.twins)[:120]}；部件名不分大小写），"
                            "不同软件会读出不同内容，已拒收",
                            "the archive holds two members of one part name (part names ignore case; readers "
                            "disagree on which is read)", file)
    try:
        macro = any(n.lower().endswith("vbaproject.bin") for n in names) or _macro_content_type(package)
        main = package.main_part() if package.member(CONTENT_TYPES) else None
    except UnsafeWorkbook as exc:
        return None, exc.problem
    if macro:
        return None, refuse("macro", "文件含有宏（VBA），为安全起见已拒收；请用下发的 .xlsx 模板（不含宏）填写",
                            "the workbook contains macros (VBA); use the macro-free .xlsx template", file)
    if main is None:
        return None, refuse("not_workbook", "不是 Excel 工作簿（缺少工作簿部件），请用下发的模板填写",
                            "not an Excel workbook (no workbook part)", file)
    # External links are checked after parsing: Excel records the add-in's own functions
    # as a link to kaohe.xlam, which is allowed; a link to any other file is not.
    return package, None


class NamedBook(Protocol):
    """What :func:`check_package` reads of a parsed workbook (a :class:`~addin.intake.xlsx.Book`)."""

    names: Mapping[tuple[str | None, str], str]


def check_package(archive: Package | zipfile.ZipFile, book: NamedBook, file: str) -> list[Problem]:
    """Active content and links out of the workbook, each with a reason: every part judged
    by the relationships that reach it and its content type, parts no relationship
    reaches, and defined names (other than ours) that point outside the workbook."""
    return check_parts(Package.of(archive, file)) + check_names(book.names, file)


def _macro_content_type(package: Package) -> bool:
    """A content type of a macro-enabled workbook or a VBA project in ``[Content_Types].xml``."""
    types = package.read(CONTENT_TYPES) if package.member(CONTENT_TYPES) else b""
    return b"macroEnabled" in types or b"vbaProject" in types
