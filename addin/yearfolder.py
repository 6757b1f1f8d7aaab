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

import shutil
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


def init_year(folder: Path, year: int, *, scheme: Path | None = None, audit_scheme: Path | None = None,
              roster=None, units_csv: Path | None = None, staff_csv: Path | None = None, books=None) -> Path:
    """Create a year folder: the schemes (checked first), the rosters, the archive with its
    office secret, the master built from that scheme and roster, the settings, the inbox."""
    from addin.intake.store import office_secret
    from addin.settings import SETTINGS_FILE
    from workbook_templates.build import build_templates

    folder = Path(folder)
    municipal = load_municipal(scheme or builtin_path("municipal"))  # check-scheme before anything is written
    audit = load_audit(audit_scheme or builtin_path("audit"))
    folder.mkdir(parents=True, exist_ok=True)
    if is_year_folder(folder):
        from addin.errors import KaoheError

        raise KaoheError(f"{folder} 已经是年度文件夹（已有 {SCHEME_FILE}），未做任何更改 [already a year folder]")
    shutil.copyfile(scheme or builtin_path("municipal"), folder / SCHEME_FILE)
    shutil.copyfile(audit_scheme or builtin_path("audit"), folder / AUDIT_SCHEME_FILE)
    if units_csv is not None:
        shutil.copyfile(units_csv, folder / UNITS_FILE)
    if staff_csv is not None:
        shutil.copyfile(staff_csv, folder / STAFF_FILE)
    (folder / INBOX).mkdir(exist_ok=True)
    settings = folder / SETTINGS_FILE
    if not settings.exists():
        settings.write_text(SETTINGS_TEMPLATE, encoding="utf-8")
    master = folder / MASTER_FILE
    secret = office_secret(master)
    built = build_templates(folder / TEMPLATES, municipal=municipal, audit=audit, roster=roster, year=year,
                            kinds=["master"], secret=secret, books=books)
    shutil.copyfile(built[0].path, master)
    return master


SETTINGS_TEMPLATE = """# 年度文件夹的设置（kaohe init 生成）。各单位的报送邮箱写在 考核汇总.xlsx 的“报送邮箱”列。
报送:
  考核办邮箱: []          # 如 [khb@example.gov.cn]：考核办自己的邮箱或域名
  评分单位邮箱: {}        # 如 市纪委(监察局): [jw@example.gov.cn]
  分口邮箱: {}            # 如 综合口: [zhk@example.gov.cn]
  认证服务器: []          # 本单位邮件服务器的 authserv-id
"""
