"""Checks on a file's bytes before any parser sees them.

Legacy formats, macros, encryption, broken and oversized archives are refused with a
reason the sender can act on. Nothing is extracted to disk and nothing is executed.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from addin.problems import Problem

if TYPE_CHECKING:
    from addin.intake.xlsx import Book

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


def refuse(code: str, zh: str, en: str, file: str) -> Problem:
    return Problem(code, f"{zh} [{en}]", file=file)


def open_package(data: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> tuple[zipfile.ZipFile | None, Problem | None]:
    """The workbook's zip archive, or the reason it is refused."""
    if not data:
        return None, refuse("empty_file", "文件为空（0字节），请重新发送", "the file is empty", file)
    if len(data) > limits.max_file_bytes:
        return None, refuse("too_large", f"文件过大（{len(data) // 1024 // 1024} MB），模板不会超过 "
                            f"{limits.max_file_bytes // 1024 // 1024} MB", "the file is too large", file)
    if data.startswith(OLE_MAGIC):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data:
            return None, refuse("encrypted", "文件设置了打开密码（已加密），请取消密码后重新发送",
                                "the workbook is password-protected (encrypted); remove the password and resend", file)
        return None, refuse("legacy_xls", "这是旧版 .xls 文件，请用下发的 .xlsx 模板填写后发送（不要另存为 .xls）",
                            "legacy .xls: fill in the .xlsx template we sent and resend it as .xlsx", file)
    if not data.startswith(ZIP_MAGIC):
        return None, refuse("not_zip", "文件已损坏或不是 Excel 工作簿（.xlsx），请重新发送",
                            "not an .xlsx workbook (not a zip archive)", file)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None, refuse("broken_zip", "文件不完整或已损坏（可能在传输中被截断），请重新发送",
                            "the workbook is truncated or corrupt", file)
    names = {i.filename for i in infos}
    if len(names) != len(infos):
        twice = sorted({i.filename for i in infos if [j.filename for j in infos].count(i.filename) > 1})
        return None, refuse("duplicate_parts", f"文件内部有重名部件（{'、'.join(twice)[:120]}），不同软件会读出不同内容，已拒收",
                            "the archive holds two members of the same name (readers disagree on which is read)",
                            file)
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
    if "xl/workbook.bin" in names:
        return None, refuse("xlsb", "这是 .xlsb（二进制工作簿），请用下发的 .xlsx 模板填写并另存为 .xlsx",
                            ".xlsb: save as .xlsx (the template we sent)", file)
    if any(n.lower().endswith("vbaproject.bin") for n in names) or _macro_content_type(archive, names):
        return None, refuse("macro", "文件含有宏（VBA），为安全起见已拒收；请用下发的 .xlsx 模板（不含宏）填写",
                            "the workbook contains macros (VBA); use the macro-free .xlsx template", file)
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        return None, refuse("not_workbook", "不是 Excel 工作簿（缺少工作簿部件），请用下发的模板填写",
                            "not an Excel workbook (no xl/workbook.xml)", file)
    # External links are checked after parsing: Excel records the add-in's own functions
    # as a link to kaohe.xlam, which is allowed; a link to any other file is not.
    return archive, None


#: Parts that make a workbook act on its own when opened: embedded programs, controls,
#: live data connections. A template has none.
_ACTIVE_PARTS = (
    ("xl/embeddings/", "embedded_object", "嵌入的对象（OLE）", "an embedded (OLE) object"),
    ("xl/activeX/", "activex", "ActiveX 控件", "ActiveX controls"),
    ("xl/connections.xml", "data_connection", "数据连接", "a data connection"),
    ("xl/queryTables/", "data_connection", "数据查询", "a query table"),
)


def check_package(archive: zipfile.ZipFile, book: Book, file: str) -> list[Problem]:
    """Active content and links out of the workbook, each with a reason: embedded objects,
    ActiveX, data connections, DDE and OLE links, external links other than the add-in
    itself, and defined names (other than ours) that point outside the workbook."""
    from addin.intake.formula import FormulaSyntaxError, tokenize

    problems = []
    members = archive.namelist()
    for prefix, code, zh, en in _ACTIVE_PARTS:
        if any(m.startswith(prefix) for m in members):
            problems.append(refuse(code, f"工作簿含有{zh}，为安全起见已拒收；请用下发的模板填写，不要插入对象或连接",
                                   f"the workbook contains {en}", file))
    for member in members:
        if member.startswith("xl/externalLinks/") and member.endswith(".xml"):
            body = archive.read(member)
            if b"ddeLink" in body:
                problems.append(refuse("dde", "工作簿含有 DDE 动态数据交换链接，已拒收", "the workbook contains a DDE "
                                       "link", file))
            elif b"oleLink" in body:
                problems.append(refuse("ole_link", "工作簿含有 OLE 链接，已拒收", "the workbook contains an OLE link",
                                       file))
    bad = [t for t in book.external_targets if not is_local_addin(t)]
    if bad:
        problems.append(refuse("external_links", "工作簿含有指向其他文件的外部链接，请删除链接（数据→编辑链接→断开）后重新发送",
                               f"the workbook links to other files: {', '.join(bad)[:200]}", file))
    for (scope, name), text in book.names.items():
        if name.startswith("KH_") or name.startswith("_xlnm."):
            continue
        try:
            outside = any(t.kind == "sheet" and ("[" in t.text or "\\" in t.text or "/" in t.text or "|" in t.text)
                          for t in tokenize(text)) or "|" in text
        except FormulaSyntaxError:
            outside = "[" in text or "|" in text or "://" in text
        if outside:
            problems.append(refuse("external_name", f"工作簿的名称“{name}”指向其他文件，已拒收；请删除该名称（公式→名称管理器）",
                                   f"the defined name {name} points outside the workbook", file))
    return problems


def is_local_addin(target: str) -> bool:
    """An external link's target that is exactly the add-in on this computer: a local path
    or ``file:///`` URL whose file is ``kaohe.xlam`` — never a web address or a network
    share (opening the stored copy would send the clerk's credentials there)."""
    from addin.workbook.identity import ADDIN_FILE

    t = target.strip().replace("\\", "/")
    if t.lower().startswith("file:///"):
        t = t[len("file:///"):]
    elif t.lower().startswith("file:") or "://" in t:
        return False
    if t.startswith("//"):
        return False  # a UNC path: \\server\share\…
    return t.rsplit("/", 1)[-1].lower() == ADDIN_FILE


def _macro_content_type(archive: zipfile.ZipFile, names: set[str]) -> bool:
    try:
        types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, OSError, RuntimeError):
        return False
    return b"macroEnabled" in types or b"vbaProject" in types
