"""Spreadsheet formats that are not the template: what a clerk sent, said by its name, and
how to save it as the .xlsx template in the program they used.

A clerk in WPS may save as .et, one in LibreOffice as .ods, one in Excel as .xlsb or .xls,
and some export .csv. None of them is the issued template (its metadata sheet and keyed
id are lost), so each is refused with a reason that names the format and the menu path
in LibreOffice, WPS and Excel. The format is read from the bytes first and the name second
(a renamed file is what its bytes are)."""

from __future__ import annotations

import io
import zipfile

from addin.intake.refusal import refuse
from addin.problems import Problem

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"

HOW = ("请打开考核办下发的 .xlsx 模板重新填写；如已在原文件中填好，可另存为 .xlsx："
       "Excel 中“文件 → 另存为”，类型选“Excel 工作簿(*.xlsx)”；WPS 中“文件 → 另存为”，类型选“Excel 文件(*.xlsx)”；"
       "LibreOffice 中“文件 → 另存为”，类型选“Excel 2007-365 (.xlsx)”，出现格式提示时选“使用 Excel 2007-365!”")
"""What to do, in the three programs clerks use (Excel, WPS, LibreOffice)."""
HOW_EN = "save it as .xlsx (Excel, WPS or LibreOffice: File → Save As → .xlsx), or fill in the .xlsx template sent"

_NAMES = {
    ".ods": ("ods", "LibreOffice/WPS 的 ODS 表格（.ods）", "an OpenDocument spreadsheet (.ods)"),
    ".et": ("wps_et", "WPS 表格文件（.et）", "a WPS spreadsheet (.et)"),
    ".ett": ("wps_et", "WPS 表格模板（.ett）", "a WPS spreadsheet template (.ett)"),
    ".xlsb": ("xlsb", "Excel 二进制工作簿（.xlsb）", "an Excel binary workbook (.xlsb)"),
    ".xls": ("legacy_xls", "旧版 Excel 97-2003 工作簿（.xls）", "a legacy Excel 97-2003 workbook (.xls)"),
    ".csv": ("csv", "CSV 文本文件（.csv）", "a CSV text file (.csv)"),
}


def _suffix(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return ("." + base.rsplit(".", 1)[-1].lower()) if "." in base else ""


def _said(kind: str, file: str) -> Problem:
    code, zh, en = _NAMES[kind]
    return refuse(code, f"这是{zh}，不是下发的 .xlsx 模板；{HOW}", f"{en}, not the .xlsx template: {HOW_EN}", file)


def foreign_format(data: bytes, file: str) -> Problem | None:
    """The reason a file that is no zip package, in another spreadsheet format, is refused;
    None for a zip package (:func:`foreign_package` judges it by its members, once the
    package checks have opened it) or for a file that is no spreadsheet format we know."""
    suffix = _suffix(file)
    if data.startswith(ZIP_MAGIC):
        return None
    if data.startswith(OLE_MAGIC):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data:
            return None  # an encrypted .xlsx: the package checks ask for the password to be removed
        return _said(suffix if suffix in (".et", ".ett") else ".xls", file)
    if suffix == ".csv" or (suffix in _NAMES and suffix != ".xls"):
        return _said(suffix, file)
    return None


def foreign_package(archive: zipfile.ZipFile, names: set[str], file: str) -> Problem | None:
    """The reason a zip package in another spreadsheet format (.ods, .xlsb) is refused, from
    the members of ``archive`` (already opened, its sizes already checked); None otherwise."""
    try:
        if "mimetype" in names and archive.getinfo("mimetype").file_size < 200 and \
                archive.read("mimetype").startswith(ODS_MIME):
            return _said(".ods", file)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None  # broken: the package checks say so
    if any(n.lower() == "xl/workbook.bin" for n in names):
        return _said(".xlsb", file)
    return None
