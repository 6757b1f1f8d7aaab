"""The audit bureau's part of a published version's documents: its publicity list of the
proposed 先进集体 and its sheet of the circular (ranked by score rate, the 先进集体 and any
待定), signed by the bureau's 局考评考核领导小组, which makes the final assessment (seed:
局考评考核领导小组进行最终评定；本实施细则适用…先进集体评比，具体由局办公室组织实施).

The published rows are kind ``audit`` (:data:`addin.archive.versions.AUDIT_RESULTS`): the
score is the score rate, the unit is the 类别 (科室 or 县市区局), the 说明 carries the total,
the rate's arithmetic for a county bureau and the reason beside every unit not selected.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from pathlib import Path

from addin.archive.history import Entry
from addin.archive.pages import ROW_POINTS, book, print_setup, publicity_footer, record_publication
from addin.engine.audit import BOARD
from addin.engine.calendar import Publicity
from addin.engine.quota import explain_quota, fixed_quota
from addin.numbers import fmt
from addin.scheme.models import AuditScheme
from addin.workbook.atomic import write_atomically

BUREAU = "审计局"
"""The code a publicity record of the bureau's list carries (its units have codes of their own)."""
SHEET = "审计局通报"
NOTE_WIDTH = 44
_NOTE_PARTS = ("得分率", "不得评先", "待定", "未入选", "未评选")


def audit_entries(rows: list[Entry]) -> list[Entry]:
    """The audit bureau's published rows, by rank and code."""
    return sorted((r for r in rows if r.kind == "audit"), key=lambda r: (r.rank or 10**9, r.code))


def audit_note(entry: Entry) -> str:
    """What the circular says beside a unit: a county bureau's rate arithmetic, and why a
    unit was not selected (不得评先, 待定, 未入选, or no quota set)."""
    parts = [p.strip() for p in (entry.trace or "").split("；")]
    return "；".join(p for p in parts if p.startswith(_NOTE_PARTS))


def _lines(text: str) -> int:
    width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return max(1, -(-width // (NOTE_WIDTH - 2)))


def audit_publicity(rows: list[Entry], year: int, version: int, period: Publicity, out: Path, db) -> Path | None:
    """The bureau's list of its proposed 先进集体, posted for ``period`` (calendar or working
    days, as the city's lists; recorded in ``publications`` as the bureau's); None when the
    version selects none."""
    selected = [r for r in audit_entries(rows) if r.award == "是"]
    if not selected:
        return None
    start, end = period.start, period.end
    buf, wb, f = book()
    ws = wb.add_worksheet("公示")
    for col, width in enumerate((6, 12, 20, 10, 10, 8)):
        ws.set_column(col, col, width)
    ws.merge_range(0, 0, 0, 5, f"{year}年度审计机关目标管理考评考核先进集体公示", f["title"])
    for col, text in enumerate(("序号", "单位编码", "单位名称", "类别", "得分率", "名次")):
        ws.write(2, col, text, f["head"])
    for i, r in enumerate(selected, start=1):
        ws.write_row(2 + i, 0, [i, r.code, r.name or "", r.unit or ""], f["cell"])
        ws.write_number(2 + i, 4, float(Decimal(r.score)), f["num"])
        ws.write(2 + i, 5, r.rank or "", f["cell"])
    row = 4 + len(selected)
    publicity_footer(ws, f, row, period.said, "局考评考核领导小组办公室", BOARD, start, 3)
    print_setup(ws)
    wb.close()
    path = out / f"{year}_{BUREAU}_先进集体_公示.xlsx"
    write_atomically(path, buf.getvalue(), backup=False)
    record_publication(db, year, version, BUREAU, start, end)
    return path


def _quota_text(audit: AuditScheme | None, count: int) -> str:
    """（限额N个）from the scheme's quota over ``count`` units; blank when unknown."""
    quota = audit.awards.quota if audit is not None else None
    if quota is None:
        return ""
    calc = fixed_quota(count, quota.count) if quota.count is not None else explain_quota(
        count, quota.rate, quota.rounding or audit.conventions.quota_rounding, quota.minimum)
    return f"（限额{calc.quota}个）"


def audit_circular_sheet(wb, f, rows: list[Entry], year: int, dated: str, audit: AuditScheme | None = None) -> bool:
    """The circular's sheet for the audit bureau: its units ranked by score rate, then its
    先进集体 and any 待定, signed by the leadership group and dated ``dated``. False (and no
    sheet) when the version has no audit rows."""
    units = audit_entries(rows)
    if not units:
        return False
    title = audit.awards.title if audit is not None else "先进集体"
    ws = wb.add_worksheet(SHEET)
    for col, width in enumerate((6, 10, 20, 10, 10, 10, NOTE_WIDTH)):
        ws.set_column(col, col, width)
    last = 6
    ws.merge_range(0, 0, 0, last, f"{year}年度审计机关目标管理考评考核结果通报", f["title"])
    ws.write_row(2, 0, ["名次", "单位编码", "单位名称", "类别", "得分率", title, "说明"], f["head"])
    row = 3
    for r in units:
        ws.write_row(row, 0, [r.rank or "", r.code, r.name or "", r.unit or ""], f["cell"])
        if r.score:
            ws.write_number(row, 4, float(Decimal(r.score)), f["num"])
        else:
            ws.write(row, 4, "—", f["cell"])
        ws.write(row, 5, r.award or "", f["cell"])
        note = audit_note(r)
        ws.write(row, 6, note, f["note"])
        if _lines(note) > 1:
            ws.set_row(row, ROW_POINTS * _lines(note))
        row += 1
    row += 1
    selected = [r for r in units if r.award == "是"]
    ws.merge_range(row, 0, row, last, f"审计局{title}{_quota_text(audit, len(units))}", f["head"])
    row += 1
    for i, r in enumerate(selected, start=1):
        ws.write_row(row, 0, [i, r.code, r.name or "", r.unit or ""], f["cell"])
        ws.merge_range(row, 4, row, last, f"第{r.rank}名，得分率{fmt(Decimal(r.score))}", f["cell"])
        row += 1
    if not selected:
        ws.merge_range(row, 0, row, last, "（无）", f["cell"])
        row += 1
    pending = [r for r in units if r.award == "待定"]
    if pending:
        row += 1
        ws.merge_range(row, 0, row, last, f"待定（限额处并列，须由{BOARD}研究确定）：" + "、".join(
            f"{r.name}（得分率{fmt(Decimal(r.score))}）" for r in pending), f["text"])
        ws.set_row(row, 40)
    ws.merge_range(row + 2, 4, row + 2, last, BOARD, f["right"])
    ws.merge_range(row + 3, 4, row + 3, last, dated, f["right"])
    ws.repeat_rows(2)
    print_setup(ws)
    return True
