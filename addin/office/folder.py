"""A year folder is the unit of work: the year's scheme, rosters, master, archive (with
the office secret), settings, holidays and inbox, side by side::

    2026考核/
      考核方案.yaml        the year's municipal scheme (a copy of the shipped one, or the office's)
      审计考核方案.yaml    the audit bureau's scheme
      设置.yaml            who may send what (and, later, the mailbox)
      单位名册.csv, 人员名册.csv
      考核汇总.xlsx        the master; 考核汇总.kaohe.sqlite beside it is the archive
      收件箱/  模板/

Every command finds its scheme here: in the folder given with ``--year-dir``, the master's
own folder, or the current folder. A folder without ``考核方案.yaml`` (a master kept
anywhere, as offices already do) uses the shipped default, and says so once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from addin.scheme.loader import builtin_path, load_audit, load_municipal
from addin.scheme.models import AuditScheme, MunicipalScheme

SCHEME_FILE = "考核方案.yaml"
AUDIT_SCHEME_FILE = "审计考核方案.yaml"
MASTER_FILE = "考核汇总.xlsx"
UNITS_FILE = "单位名册.csv"
STAFF_FILE = "人员名册.csv"
INBOX = "收件箱"
TEMPLATES = "模板"


@dataclass(frozen=True)
class YearSchemes:
    municipal: MunicipalScheme
    audit: AuditScheme
    municipal_path: Path
    audit_path: Path
    default: bool
    """True when the folder has no scheme of its own and the shipped default is used."""

    @property
    def note(self) -> str | None:
        if not self.default:
            return None
        return (f"本文件夹没有 {SCHEME_FILE}，使用内置默认方案 {self.municipal.id} {self.municipal.version}"
                f"（可用 kaohe init 建立年度文件夹）[no {SCHEME_FILE} here: the shipped default scheme is used]")


def is_year_folder(folder: Path) -> bool:
    return (Path(folder) / SCHEME_FILE).is_file()


def load_schemes(folder: Path | None) -> YearSchemes:
    """The schemes of a year folder (validated; a bad file fails with its path and reason),
    or the shipped defaults where the folder has none."""
    folder = Path(folder) if folder is not None else None
    own = folder / SCHEME_FILE if folder is not None else None
    audit_own = folder / AUDIT_SCHEME_FILE if folder is not None else None
    m_path = own if own is not None and own.is_file() else builtin_path("municipal")
    a_path = audit_own if audit_own is not None and audit_own.is_file() else builtin_path("audit")
    return YearSchemes(load_municipal(m_path), load_audit(a_path), m_path, a_path,
                       default=not (own is not None and own.is_file()))


MAX_LEVELS_UP = 4
"""How far above the workbook's own folder the search goes."""


def workbook_year_folder(fullname: str | os.PathLike[str] | None, *, levels_up: int = MAX_LEVELS_UP) -> Path | None:
    """The year folder of the workbook saved at ``fullname`` (Excel's ``Workbook.FullName``).

    The workbook's own folder if it holds the file ``考核方案.yaml`` (what
    :func:`addin.office.folder.is_year_folder` asks), else the nearest of the
    ``levels_up`` folders above it that does: the master at the folder's root and a
    template under ``模板/<unit folder>/`` both find the year folder; of two nested year
    folders the inner one wins.

    None, so that the shipped default applies, when there is no local path to go by: no
    name at all, a workbook not yet saved (Excel then gives a bare name such as ``Book1``,
    which must not be read against the current folder), a web address (a OneDrive or
    SharePoint file xlwings could not map to a local folder), or a workbook outside any
    year folder. Nothing is cached: a folder made a year folder (``kaohe init``) counts on
    the next call.
    """
    if fullname is None:
        return None
    text = os.fspath(fullname)
    if not text or "://" in text or not os.path.isabs(text):
        return None
    folder = os.path.dirname(text)  # plain strings: this runs once per formula cell
    for _ in range(levels_up + 1):
        if os.path.isfile(os.path.join(folder, SCHEME_FILE)):
            return Path(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
    return None
