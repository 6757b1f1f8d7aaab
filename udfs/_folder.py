"""The rules a formula counts with: those of the year folder its workbook is in.

xlwings hands a UDF the calling range through a parameter named ``caller`` (hidden from
Excel: the generated VBA passes ``Nothing`` in its place and ``xlwings.udfs.call_udf``
puts the range there). ``caller.sheet.book.fullname`` is the workbook's path, and
:func:`addin.office.folder.workbook_year_folder` finds its year folder. With no caller
(a direct Python call; xlwings Server's ``Caller``, which carries a book name but no
path), a workbook not yet saved, or one outside any year folder, the shipped schemes and
holidays apply, as ``kaohe`` does in a folder without ``考核方案.yaml``.

A formula runs once per cell, thousands of times a recalculation, so each folder's rules
are kept, keyed by the folder and the modification time and size of its ``考核方案.yaml``,
``审计考核方案.yaml`` and ``节假日.yaml``: a recalculation parses the YAML once, and a file
edited since is read again on the next call. A bad file raises its error (the file, the
path inside it, the reason) in every cell that needs it, never a fall-back to the default;
the error is kept with the rules, so a bad file is not parsed again for every cell.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import xlwings

from addin.errors import KaoheError
from addin.office.holidays import HOLIDAYS_FILE, year_calendar
from addin.scheme import load_audit, load_municipal
from addin.office.folder import workbook_year_folder
from addin.office.folder import AUDIT_SCHEME_FILE, SCHEME_FILE, load_schemes

RULE_FILES = (SCHEME_FILE, AUDIT_SCHEME_FILE, HOLIDAYS_FILE)
"""The files a folder's rules are read from."""
MAX_FOLDERS = 16

Stamp = tuple[tuple[int, int] | None, ...]


class Rules:
    """One folder's schemes and calendar (or the shipped ones, ``folder=None``), each read
    on first use; a failure is kept and raised again, with a fresh traceback, on every use."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self._schemes: Any = None
        self._calendar: Any = None

    def _loaded(self, slot: str, load) -> Any:
        value = getattr(self, slot)
        if value is None:
            try:
                value = load()
            except (KaoheError, OSError) as exc:  # kept, not swallowed: raised below, now and on every later use
                value = exc
            setattr(self, slot, value)
        if isinstance(value, BaseException):
            raise value.with_traceback(None)
        return value

    def _load_schemes(self):
        if self.folder is None:
            return load_municipal(), load_audit()
        schemes = load_schemes(self.folder)
        return schemes.municipal, schemes.audit

    @property
    def municipal(self):
        return self._loaded("_schemes", self._load_schemes)[0]

    @property
    def audit(self):
        return self._loaded("_schemes", self._load_schemes)[1]

    @property
    def calendar(self):
        """The scheme's holidays joined with the folder's ``节假日.yaml`` (which wins)."""
        municipal = self.municipal
        return self._loaded("_calendar", lambda: year_calendar(municipal, self.folder))


DEFAULT = Rules(None)
_kept: dict[Path, tuple[Stamp, Rules]] = {}


def rules_of(caller: Any) -> Rules:
    """The rules for a formula called from ``caller`` (the calling range, or None)."""
    folder = workbook_year_folder(workbook_fullname(caller))
    if folder is None:
        return DEFAULT
    stamp = folder_stamp(folder)
    kept = _kept.get(folder)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    rules = Rules(folder)
    _kept.pop(folder, None)
    _kept[folder] = (stamp, rules)
    while len(_kept) > MAX_FOLDERS:  # the folder least recently re-read goes first
        del _kept[next(iter(_kept))]
    return rules


def workbook_fullname(caller: Any) -> str | None:
    """The calling workbook's full name (``caller.sheet.book.fullname``), or None when the
    caller is None or carries no workbook (xlwings Server's ``Caller`` is an address)."""
    if caller is None:
        return None
    sheet = getattr(caller, "sheet", None)
    book = getattr(sheet, "book", None)
    if book is None:
        return None
    return _fullname(book)


def _fullname(book: Any) -> str:
    """xlwings maps a OneDrive/SharePoint address to its local folder and raises
    ``XlwingsError`` when it cannot; that becomes a clerk's message, not a silent default."""
    try:
        return book.fullname
    except xlwings.XlwingsError as exc:
        raise KaoheError(f"无法确定本工作簿所在的本地文件夹，因而无法确定年度文件夹（工作簿保存在 OneDrive/SharePoint 上）：{exc}。"
                         f"请在本机同步该文件夹，或将工作簿另存到年度文件夹中 [cannot tell the workbook's local folder, "
                         f"so not its year folder]") from None


def folder_stamp(folder: Path) -> Stamp:
    """(modification time in ns, size) of each of the folder's rule files and of the office's
    ``节假日.yaml``, None if absent."""
    out = []
    base = os.fspath(folder)
    office_holidays = os.path.join(os.path.dirname(os.path.abspath(base)), HOLIDAYS_FILE)  # the office's
    for path in (*(os.path.join(base, name) for name in RULE_FILES), office_holidays):
        try:
            st = os.stat(path)  # a string path: this runs once per formula cell
        except FileNotFoundError:
            out.append(None)
        else:
            out.append((st.st_mtime_ns, st.st_size))
    return tuple(out)
