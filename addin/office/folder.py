"""The office folder and its year folders: which folder, which year, which schemes.

An office keeps its years side by side, and what outlives a year beside them::

    考核办/                      the office folder
      考核档案.kaohe.sqlite       one archive: every year's submissions, kept files,
                                  published versions with their schemes, replies,
                                  fetch records, and the one office secret
      设置.yaml                   the office's settings (who may send what, the mailbox)
      节假日.yaml                 the office's entry of the State Council's holidays
      2026考核/                   a year folder
        考核方案.yaml, 审计考核方案.yaml, 单位名册.csv, 人员名册.csv,
        考核汇总.xlsx (the master: it records the year), 收件箱/, 模板/
      2027考核/

A folder holding ``考核方案.yaml`` is a year folder; its parent is its office. Every command
finds its year folder in the folder given with ``--year-dir``, the master's own folder, or
the current folder, and takes the year from the master there. A master kept outside any
year folder (as offices kept 2026 masters before) uses the shipped default scheme, says so
once, and has its archive beside it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from addin.errors import KaoheError
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


OFFICE_ARCHIVE = "考核档案.kaohe.sqlite"
"""The office's one archive, in the office folder."""
OFFICE_HOLIDAYS = "节假日.yaml"
LEGACY_ARCHIVE = "考核汇总.kaohe.sqlite"
"""The archive a year folder made before the office had (beside its master); merged into
the office archive the first time a command runs there."""


def is_year_folder(folder: Path) -> bool:
    return (Path(folder) / SCHEME_FILE).is_file()


def office_of(folder: Path) -> Path | None:
    """The office folder of a year folder (its parent); None for any other folder."""
    folder = Path(folder)
    return folder.resolve().parent if is_year_folder(folder) else None


def office_archive(folder: Path) -> Path | None:
    """The office archive of a year folder; None for any other folder."""
    office = office_of(folder)
    return office / OFFICE_ARCHIVE if office is not None else None


def recorded_year(master: Path) -> int | None:
    """The year a master records in its metadata sheet (``kaohe init`` and ``kaohe
    template`` write it); None when the file has none or cannot be read."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(master))
        if "_kaohe" not in book.sheet_names:
            return None
        rows = book.get_sheet_by_name("_kaohe").to_python()
    except (CalamineError, OSError, ValueError):
        return None
    for row in rows:
        if len(row) >= 2 and row[0] == "year":
            try:
                return int(float(row[1]))
            except (TypeError, ValueError):
                return None
    return None


def year_folders(office: Path) -> dict[int, Path]:
    """The year folders of an office, by the year their masters record, oldest first (a
    folder whose master records no year is left out)."""
    out: dict[int, Path] = {}
    office = Path(office)
    if not office.is_dir():
        return out
    for folder in sorted(p for p in office.iterdir() if p.is_dir() and is_year_folder(p)):
        year = recorded_year(folder / MASTER_FILE)
        if year is not None and year not in out:
            out[year] = folder
    return dict(sorted(out.items()))


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


class FolderError(KaoheError):
    """A command's year folder, master and year do not agree (or cannot be found)."""


@dataclass(frozen=True)
class Where:
    """What a command works on: the year folder (None for a master kept elsewhere), the
    master, and the year (the one the master records)."""

    folder: Path | None
    master: Path | None
    year: int | None

    @property
    def office(self) -> Path | None:
        return office_of(self.folder) if self.folder is not None else None


def locate(year_dir: Path | None = None, master: Path | None = None, year: int | None = None,
           cwd: Path | None = None) -> Where:
    """The year folder, master and year of a command: the master given, else the year
    folder given (``--year-dir``), else the current folder when it is a year folder. The
    year is the one the master records; a ``year`` (``--year``) or a ``year_dir`` that
    disagrees with the master's folder is refused with both named (:class:`FolderError`)."""
    cwd = Path(cwd or ".")
    if master is not None:
        master = Path(master)
        folder = master.parent if is_year_folder(master.parent) else None
        if year_dir is not None and (folder is None or Path(year_dir).resolve() != folder.resolve()):
            raise FolderError(f"--master {master} 不在 --year-dir {year_dir} 中，请只给其中一个 "
                              f"[the master is not in the year folder given]")
    else:
        candidate = Path(year_dir) if year_dir is not None else cwd
        if is_year_folder(candidate):
            folder, master = candidate, candidate / MASTER_FILE
        elif year_dir is not None:
            raise FolderError(f"{Path(year_dir).resolve()} 不是年度文件夹（没有 {SCHEME_FILE}）：请用 kaohe init 建立，"
                              f"或指定正确的文件夹 [not a year folder]")
        else:
            folder = None
    recorded = recorded_year(master) if master is not None and master.is_file() else None
    if year is not None and recorded is not None and year != recorded:
        where = f"年度文件夹 {folder.name}" if folder is not None else f"汇总工作簿 {master.name}"
        raise FolderError(f"--year {year} 与{where}的年度 {recorded} 不符，未做任何操作；在年度文件夹中无需 --year "
                          f"[--year {year} disagrees with {recorded}, the year of {master}]")
    return Where(folder, master, recorded if recorded is not None else year)
