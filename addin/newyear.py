"""Making a year folder: ``kaohe init``. It sits above intake (it opens the archive for the
office secret) and the templates (it builds the master), so it is not part of
:mod:`addin.office`, which those import."""

from __future__ import annotations

import shutil
from pathlib import Path

from addin.office.folder import (AUDIT_SCHEME_FILE, INBOX, MASTER_FILE, SCHEME_FILE, STAFF_FILE, TEMPLATES,
                                 UNITS_FILE, is_year_folder)
from addin.scheme.loader import builtin_path, load_audit, load_municipal


def init_year(folder: Path, year: int, *, scheme: Path | None = None, audit_scheme: Path | None = None,
              roster=None, units_csv: Path | None = None, staff_csv: Path | None = None, books=None) -> Path:
    """Create a year folder: the schemes (checked first), the rosters, the archive with its
    office secret, the master built from that scheme and roster, the settings, the inbox."""
    from addin.intake.store import office_secret
    from addin.office.settings import SETTINGS_FILE
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
