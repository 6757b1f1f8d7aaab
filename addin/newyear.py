"""Making a year folder: ``kaohe init``. It sits above intake (it opens the archive for the
office secret) and the templates (it builds the master), so it is not part of
:mod:`addin.office`, which those import."""

from __future__ import annotations

import shutil
from pathlib import Path

from addin.errors import KaoheError
from addin.office.folder import (AUDIT_SCHEME_FILE, INBOX, MASTER_FILE, SCHEME_FILE, STAFF_FILE, TEMPLATES,
                                 UNITS_FILE, is_year_folder, year_folders)
from addin.office.settings import settings_path
from addin.scheme.loader import builtin_path, load_audit, load_municipal


def previous_year(folder: Path, year: int) -> Path | None:
    """The office's year folder for the latest year before ``year``, if there is one (the
    office being the new folder's parent)."""
    before = {y: f for y, f in year_folders(Path(folder).resolve().parent).items() if y < year}
    return before[max(before)] if before else None


def init_year(folder: Path, year: int, *, scheme: Path | None = None, audit_scheme: Path | None = None,
              roster=None, units_csv: Path | None = None, staff_csv: Path | None = None, books=None) -> Path:
    """Create a year folder in its office (the folder's parent): the schemes (checked
    first), the rosters, the master built from that scheme and roster, the inbox; and, in
    the office, the archive with its secret (made on first use) and the settings file
    (where there is none). Returns the master."""
    from addin.archive.merge import merge_year_archive
    from addin.intake.store import office_secret
    from workbook_templates.build import build_templates

    folder = Path(folder)
    municipal = load_municipal(scheme or builtin_path("municipal"))  # check-scheme before anything is written
    audit = load_audit(audit_scheme or builtin_path("audit"))
    if is_year_folder(folder):
        raise KaoheError(f"{folder} 已经是年度文件夹（已有 {SCHEME_FILE}），未做任何更改 [already a year folder]")
    taken = year_folders(folder.resolve().parent).get(year)
    if taken is not None:
        raise KaoheError(f"考核办文件夹中已有 {year} 年度的年度文件夹 {taken.name}，未做任何更改 "
                         f"[the office already has a year folder for {year}]")
    for sibling in year_folders(folder.resolve().parent).values():  # one archive: folders made before it join it
        merge_year_archive(sibling)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(scheme or builtin_path("municipal"), folder / SCHEME_FILE)
    shutil.copyfile(audit_scheme or builtin_path("audit"), folder / AUDIT_SCHEME_FILE)
    if units_csv is not None:
        shutil.copyfile(units_csv, folder / UNITS_FILE)
    if staff_csv is not None:
        shutil.copyfile(staff_csv, folder / STAFF_FILE)
    (folder / INBOX).mkdir(exist_ok=True)
    settings = settings_path(folder)
    if not settings.exists():
        settings.write_text(SETTINGS_TEMPLATE, encoding="utf-8")
    master = folder / MASTER_FILE
    secret = office_secret(master, year=year)
    built = build_templates(folder / TEMPLATES, municipal=municipal, audit=audit, roster=roster, year=year,
                            kinds=["master"], secret=secret, books=books)
    shutil.copyfile(built[0].path, master)
    shutil.rmtree(folder / TEMPLATES)  # one master per year folder: the copy is the master
    return master


SETTINGS_TEMPLATE = """# 考核办的设置（kaohe init 生成，各年度共用）。各单位的报送邮箱写在各年度 考核汇总.xlsx 的“报送邮箱”列。
报送:
  考核办邮箱: []          # 如 [khb@example.gov.cn]：考核办自己的邮箱或域名
  评分单位邮箱: {}        # 如 市纪委(监察局): [jw@example.gov.cn]
  分口邮箱: {}            # 如 综合口: [zhk@example.gov.cn]
  认证服务器: []          # 本单位邮件服务器的 authserv-id

# 考核办邮箱（kaohe fetch 收信、kaohe intake --reply 回复、kaohe remind 催报）。不用邮箱时保持注释即可。
# 密码不写在此文件中：用环境变量 KAOHE_IMAP_PASSWORD / KAOHE_SMTP_PASSWORD 或系统钥匙串。
# 邮箱:
#   收件服务器: imap.example.gov.cn
#   收件端口: 993
#   收件加密: ssl            # ssl、starttls 或 none（仅限本机测试）
#   收件用户: khb@example.gov.cn
#   收件文件夹: INBOX
#   发件服务器: smtp.example.gov.cn
#   发件端口: 465
#   发件加密: ssl
#   发件用户: khb@example.gov.cn
#   发件地址: khb@example.gov.cn
#   报送截止: 2027-01-15
"""
