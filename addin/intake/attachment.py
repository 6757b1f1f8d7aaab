"""What a file in the inbox is, before any parser sees it: a workbook to take in, a file
that is no submission at all (a lock file, an empty file), or an attachment that is not a
spreadsheet (a cover letter, a scanned signature page), which stays with its message.

A file that claims to be a spreadsheet by its name or its MIME type, or whose bytes are
an OOXML workbook, is a workbook: if it is not a good one, intake refuses it with the
reason. Everything else is listed, never refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORKBOOK, SKIPPED, OTHER = "workbook", "skipped", "other"

#: Names that spreadsheet programs and file managers leave beside real files.
_SYSTEM = (
    (re.compile(r"^\.~lock\..*#$"), "LibreOffice 锁定文件（文档被打开时自动生成） [a LibreOffice lock file]"),
    (re.compile(r"^~\$"), "Excel/WPS 临时文件（文档被打开时自动生成） [an Excel/WPS owner file]"),
    (re.compile(r"^thumbs\.db$", re.I), "Windows 缩略图缓存 [a Windows thumbnail cache]"),
    (re.compile(r"^desktop\.ini$", re.I), "Windows 文件夹设置 [a Windows folder settings file]"),
    (re.compile(r"^\.ds_store$", re.I), "macOS 文件夹设置 [a macOS folder settings file]"),
)
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".xlt", ".et", ".ett", ".ods", ".csv")
_SPREADSHEET_TYPES = ("spreadsheet", "excel", "officedocument.spreadsheetml", "ms-excel", "text/csv", "wps-office.et")


@dataclass(frozen=True)
class Verdict:
    kind: str
    """``workbook``, ``skipped`` or ``other``."""
    reason: str | None = None
    code: str | None = None


def system_file(name: str) -> str | None:
    """Why a file of this name is no submission (a lock, owner or folder-settings file), or None."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return next((what for pattern, what in _SYSTEM if pattern.search(base)), None)


def classify_attachment(name: str, data: bytes, content_type: str | None = None, *, loose: bool = False) -> Verdict:
    """Sort one file, loose in the inbox or attached to a message. An empty loose file is
    skipped (an aborted save); an empty attachment that claims to be a spreadsheet is a
    failed submission, refused so that its sender hears of it."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    what = system_file(base)
    if what:
        return Verdict(SKIPPED, f"非报送文件，已跳过：{what}", "system_file")
    if not data and (loose or not claims_spreadsheet(base, content_type)):
        return Verdict(SKIPPED, "文件为空（0字节），已跳过 [the file is empty (0 bytes); skipped]", "empty_file")
    if claims_spreadsheet(base, content_type) or looks_like_workbook(data):
        return Verdict(WORKBOOK)
    return Verdict(OTHER, "非报表附件，已随邮件保留，未作处理 [not a spreadsheet: kept with the message, "
                          "not processed]", "not_spreadsheet")


def claims_spreadsheet(name: str, content_type: str | None) -> bool:
    lowered = name.lower()
    if lowered.endswith(SPREADSHEET_SUFFIXES):
        return True
    kind = (content_type or "").lower()
    return any(t in kind for t in _SPREADSHEET_TYPES)


def looks_like_workbook(data: bytes) -> bool:
    """An OOXML workbook whatever its name: a zip whose member list names ``xl/workbook``."""
    return data.startswith(b"PK\x03\x04") and b"xl/workbook" in data[:1 << 20]
