"""Printable documents from a published version: publicity lists (公示) and the circular
(通报) with charts and the award list for the Standing Committee's approval, the commended
staff on it by merit class and unit (the written notices are :mod:`addin.archive.notices`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from addin.archive.audit_documents import audit_circular_sheet, audit_publicity
from addin.archive.errors import ArchiveError
from addin.archive.history import Entry
from addin.archive.pages import (OFFICE, ROW_POINTS, book, latest, print_setup, publicity_footer,
                                 record_publication, safe_name)
from addin.engine.calendar import DEFAULT_CALENDAR, Calendar, publicity_period
from addin.engine.merits import merit_of, split_award
from addin.intake.store import Store, archive_path
from addin.numbers import fmt, q2, show_rate
from addin.scheme.models import AuditScheme, MunicipalScheme
from addin.workbook.atomic import write_atomically

EXCELLENT = "优秀"


def publicity_lists(master: Path, year: int, start: dt.date, days: int, out: Path, counting: str = "calendar",
                    calendar: Calendar | None = None) -> list[Path]:
    """One list per unit of the proposed 优秀 and 拟表彰, posted from ``start`` for ``days``
    (calendar days, or working days by ``calendar``: the scheme's ``publicity_counting``);
    and the audit bureau's list of its proposed 先进集体, when the version selects any."""
    if not 5 <= days <= 7:
        raise ArchiveError(f"公示期应为5至7天，实际为{days}天 [publicity lasts 5–7 days]")
    version, rows = latest(master, year)
    period = publicity_period(start, days, counting, calendar or DEFAULT_CALENDAR)
    end = period.end
    by_unit: dict[str, list[Entry]] = defaultdict(list)
    for r in rows:
        if r.kind == "person" and (r.grade == EXCELLENT or (r.award or "").startswith("是")):
            by_unit[r.unit].append(r)
    names = {r.code: r.name for r in rows if r.kind in ("department", "district")}
    paths = []
    out.mkdir(parents=True, exist_ok=True)
    store = Store(archive_path(master))
    try:
        with store.transaction() as db:
            for unit, people in sorted(by_unit.items()):
                buf, wb, f = book()
                ws = wb.add_worksheet("公示")
                for col, width in enumerate((6, 14, 14, 10, 14, 12)):
                    ws.set_column(col, col, width)
                ws.merge_range(0, 0, 0, 5, f"{year}年度考核优秀等次和拟表彰人员公示", f["title"])
                ws.merge_range(1, 0, 1, 5, f"单位：{names.get(unit, unit)}", f["text"])
                for col, text in enumerate(("序号", "姓名", "人员编码", "等次", "拟表彰", "表彰类别")):
                    ws.write(3, col, text, f["head"])
                for i, p in enumerate(people, start=1):
                    award, merit = split_award(p.award)
                    ws.write_row(3 + i, 0, [i, p.name or "", p.code, p.grade or "", award, merit or ""], f["cell"])
                r = 5 + len(people)
                publicity_footer(ws, f, r, period.said, "本单位考核办", f"{names.get(unit, unit)}考核办", start, 2)
                print_setup(ws)
                wb.close()
                path = out / f"{year}_{safe_name(unit)}_{safe_name(names.get(unit, unit))}_公示.xlsx"
                write_atomically(path, buf.getvalue(), backup=False)
                record_publication(db, year, version, unit, start, end)
                paths.append(path)
            bureau = audit_publicity(rows, year, version, period, out, db)  # the audit bureau's 先进集体
            if bureau is not None:
                paths.append(bureau)
    finally:
        store.close()
    return paths


BINS = [(None, 60, "60分以下"), (60, 70, "60–70"), (70, 80, "70–80"), (80, 90, "80–90"), (90, 100, "90–100"),
        (100, None, "100以上")]


def circular(master: Path, year: int, scheme: MunicipalScheme, out: Path, dated: dt.date | None = None,
             audit: AuditScheme | None = None) -> Path:
    """The circular: ranked tables by group and for districts, native charts, and the award
    list submitted for the Standing Committee's approval, signed by the office and dated
    ``dated`` (today when None); with the audit bureau's units, their sheet (ranked by score
    rate, its 先进集体 under ``audit``'s quota). The published version it comes from is kept
    in the workbook's properties, never printed."""
    dated = dated or dt.date.today()
    version, rows = latest(master, year)
    depts = [r for r in rows if r.kind == "department"]
    dists = sorted((r for r in rows if r.kind == "district"), key=lambda r: (r.rank or 10**9, r.code))
    people = [r for r in rows if r.kind == "person"]
    buf, wb, f = book()
    wb.set_properties({"title": f"{year}年度目标管理考核结果通报", "author": OFFICE,
                       "comments": f"考核档案 {year}年度 v{version}"})

    ws = wb.add_worksheet("部门通报")
    _ranked_columns(ws)
    ws.merge_range(0, 0, 0, RANKED_LAST, f"{year}年度市直部门目标管理考核结果通报", f["title"])
    row = 2
    groups: dict[str, list[Entry]] = defaultdict(list)
    for r in depts:
        groups[r.unit or ""].append(r)
    averages = []
    breaks, page_start = [], 0
    for group, members in sorted(groups.items()):
        members.sort(key=lambda r: (r.rank or 10**9, r.code))
        height = sum(_note_lines(award_note(r)) for r in members) + 3  # group title, header, rows, blank row
        if row - page_start + height > PAGE_ROWS and row > page_start + 2:
            breaks.append(row)  # the group starts a new page rather than being split across two
            page_start = row
        ws.merge_range(row, 0, row, RANKED_LAST, f"{group}（{len(members)}个单位）", f["head"])
        row = _ranked_table(ws, f, row + 1, members)
        scores = [Decimal(r.score) for r in members if r.score]
        if scores:  # a group with no scores has no average (never drawn as 0)
            averages.append((group, sum(scores) / len(scores)))
        row += 1
    ws.repeat_rows(0)
    if breaks:
        ws.set_h_pagebreaks(breaks)
    print_setup(ws)

    ws = wb.add_worksheet("区市通报")
    _ranked_columns(ws)
    ws.merge_range(0, 0, 0, RANKED_LAST, f"{year}年度区(市)目标管理考核结果通报", f["title"])
    _ranked_table(ws, f, 2, dists)
    print_setup(ws)

    ws = wb.add_worksheet("图表")
    ws.write_row(0, 0, ["分口", "平均综合得分"], f["headwrap"])
    for i, (group, avg) in enumerate(averages, start=1):
        ws.write(i, 0, group, f["cell"])
        ws.write_number(i, 1, float(q2(avg)), f["num"])
    composites = [Decimal(r.score) for r in depts + dists if r.score]
    counts = [sum(1 for c in composites if (lo is None or c >= lo) and (hi is None or c < hi)) for lo, hi, _ in BINS]
    ws.write_row(0, 3, ["综合得分", "单位数"], f["headwrap"])
    for i, ((_lo, _hi, label), n) in enumerate(zip(BINS, counts), start=1):
        ws.write(i, 3, label, f["cell"])
        ws.write_number(i, 4, n, f["cell"])
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "平均综合得分", "categories": ["图表", 1, 0, len(averages), 0],
                      "values": ["图表", 1, 1, len(averages), 1], "data_labels": {"value": True}})
    chart.set_title({"name": "各分口平均综合得分"})
    chart.set_legend({"none": True})
    chart.set_y_axis({"min": 0})  # an official circular's bars start at 0: small differences stay small
    ws.insert_chart(8, 0, chart, {"x_scale": 1.3, "y_scale": 1.1})
    hist = wb.add_chart({"type": "column"})
    hist.add_series({"name": "单位数", "categories": ["图表", 1, 3, len(BINS), 3],
                     "values": ["图表", 1, 4, len(BINS), 4], "gap": 30, "data_labels": {"value": True}})
    hist.set_title({"name": "综合得分分布（部门与区市）"})
    hist.set_legend({"none": True})
    hist.set_y_axis({"min": 0})
    ws.insert_chart(8 + CHART_ROWS, 0, hist, {"x_scale": 1.3, "y_scale": 1.1})  # below the first, never on it
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 16)  # 平均综合得分 whole in its cell, bold, with room to spare
    ws.set_column(3, 4, 12)
    print_setup(ws, landscape=True)
    ws.fit_to_pages(1, 1)  # both charts on one page

    ws = wb.add_worksheet("提请审批名单")
    for col, width in enumerate((6, 14, 24, 16, 30)):
        ws.set_column(col, col, width)
    ws.merge_range(0, 0, 0, 4, f"{year}年度目标管理考核先进集体及优秀人员名单（提请市委常委会批准）", f["title"])
    row = 2
    dept_awards, dist_awards = scheme.departments.awards, scheme.districts.awards
    dist_limit = f"前{dist_awards.quota.count}名" if dist_awards.quota.count else f"{show_rate(dist_awards.quota.rate)}"
    sections = [
        (f"一、市直部门先进集体（奖励{_yuan(dept_awards.reward_yuan)}）", [r for r in depts if r.award == "是"],
         lambda r: f"{r.unit} 第{r.rank}名，{fmt(Decimal(r.score))}分"),
        (f"二、区(市)先进集体（{dist_limit}，奖励{_yuan(dist_awards.reward_yuan)}）", [r for r in dists if r.award == "是"],
         lambda r: f"第{r.rank}名，{fmt(Decimal(r.score))}分"),
        ("三、先进集体主要负责人直接定为优秀等次", [p for p in people if (p.award or "").startswith("是（不占名额")],
         lambda p: merit_of(p.award) or "予以表彰"),
    ]
    for title, items, detail in sections:
        ws.merge_range(row, 0, row, 4, title, f["head"])
        row += 1
        for i, r in enumerate(items, start=1):
            ws.write_row(row, 0, [i, r.code, r.name or "", r.unit or "", detail(r)], f["cell"])
            row += 1
        if not items:
            ws.merge_range(row, 0, row, 4, "（无）", f["cell"])
            row += 1
        row += 1
    row = _commended_staff(ws, f, row, people, scheme, {r.code: r.name for r in depts + dists})
    pending = [r for r in depts + dists if r.award == "待定"]
    if pending:
        ws.merge_range(row, 0, row, 4, "待定（限额处并列，须由考核办研究确定）：" + "、".join(
            f"{r.name}（{fmt(Decimal(r.score))}分）" for r in pending), f["text"])
        ws.set_row(row, 40)
    ws.merge_range(row + 2, 2, row + 2, 4, OFFICE, f["right"])
    ws.merge_range(row + 3, 2, row + 3, 4, _chinese_date(dated), f["right"])
    print_setup(ws)
    audit_circular_sheet(wb, f, rows, year, _chinese_date(dated), audit)
    wb.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(out, buf.getvalue(), backup=False)
    return out


UNCLASSED = "类别未定"
"""The class of a commended person whose unit has not recommended one yet."""
ORDINALS = "一二三四五六七八九十"


def _commended_staff(ws, f, row: int, people: list[Entry], scheme: MunicipalScheme, names: dict[str, str]) -> int:
    """四、拟表彰工作人员: every commended person (拟表彰 是), by merit class in the scheme's
    order (seed: 推荐出记二等功、记三等功和受嘉奖人员…提请市委常委会批准), then by unit; those whose
    class is not recommended yet last, so no commended person is left off. Returns the next row."""
    commended = [p for p in people if (p.award or "").startswith("是")]
    ws.merge_range(row, 0, row, 4, f"四、拟表彰工作人员（按表彰类别和单位，共{len(commended)}人）", f["head"])
    row += 1
    by_class: dict[str, list[Entry]] = defaultdict(list)
    for p in commended:
        merit = merit_of(p.award)
        by_class[merit if merit in scheme.staff.merits else UNCLASSED].append(p)
    classes = [m for m in [*scheme.staff.merits, UNCLASSED] if by_class.get(m)]
    for k, merit in enumerate(classes):
        members = sorted(by_class[merit], key=lambda p: (p.unit or "", p.code))
        title = f"（{ORDINALS[k] if k < len(ORDINALS) else k + 1}）{merit}（{len(members)}人）"
        ws.merge_range(row, 0, row, 4, title + ("：所在单位尚未推荐表彰类别" if merit == UNCLASSED else ""), f["text"])
        row += 1
        ws.write_row(row, 0, ["序号", "人员编码", "姓名", "单位", "表彰类别"], f["head"])
        row += 1
        for i, p in enumerate(members, start=1):
            unit = names.get(p.unit or "", p.unit or "")
            ws.write_row(row, 0, [i, p.code, p.name or "", unit, merit if merit != UNCLASSED else "待推荐"], f["cell"])
            row += 1
    if not classes:
        ws.merge_range(row, 0, row, 4, "（无）", f["cell"])
        row += 1
    return row + 1


def _chinese_date(day: dt.date) -> str:
    """A date as an official document writes it: 2027年1月20日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _yuan(amount: int) -> str:
    """10000 → 1万元, 100000 → 10万元, 15000 → 15000元."""
    return f"{amount // 10000}万元" if amount % 10000 == 0 else f"{amount}元"


RANKED_LAST = 5
PAGE_ROWS = 44
"""Rows of a portrait A4 page at the default row height, fitted to the page width."""
CHART_ROWS = 18
"""Rows a chart of y_scale 1.1 covers (288 px × 1.1 at 20 px a row), plus a gap."""


NOTE_WIDTH = 44
"""The 说明 column of the ranked tables, in character widths (a Chinese character is two)."""


def _ranked_columns(ws) -> None:
    for col, width in enumerate((6, 10, 20, 10, 10, NOTE_WIDTH)):
        ws.set_column(col, col, width)


def award_note(entry: Entry) -> str:
    """Why a unit was not awarded (or is 待定), from its published explanation: a reader
    must never see rank 3 awarded over rank 2, or a group with no award at all, without the
    reason beside it."""
    parts = [p.strip() for p in (entry.trace or "").split("；")]
    return "；".join(p for p in parts if p.startswith(("不得评先", "待定", "未入选")))


def _note_lines(text: str) -> int:
    """Lines ``text`` wraps to in the 说明 column (two character widths a Chinese character,
    two widths of margin)."""
    import unicodedata

    width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return max(1, -(-width // (NOTE_WIDTH - 2)))


def _ranked_table(ws, f, row: int, members: list[Entry]) -> int:
    """A header and one row per unit (rank, code, name, composite, 先进集体, 说明); returns
    the next row."""
    ws.write_row(row, 0, ["名次", "单位编码", "单位名称", "综合得分", "先进集体", "说明"], f["head"])
    for r in members:
        row += 1
        ws.write_row(row, 0, [r.rank, r.code, r.name], f["cell"])
        ws.write_number(row, 3, float(r.score), f["num"])
        ws.write(row, 4, r.award or "", f["cell"])
        note = award_note(r)
        ws.write(row, 5, note, f["note"])
        lines = _note_lines(note)
        if lines > 1:  # a set height: the page breaks above count it, and every client shows it
            ws.set_row(row, ROW_POINTS * lines)
    return row + 1


def to_pdf(paths: list[Path], folder: Path) -> list[Path]:
    """Print with LibreOffice (headless), when it is installed."""
    import shutil
    import subprocess
    import tempfile

    if shutil.which("soffice") is None:
        raise ArchiveError("未安装 LibreOffice，无法生成 PDF [LibreOffice not found]")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                        "--convert-to", "pdf", "--outdir", str(folder), *map(str, paths)], check=True,
                       capture_output=True, timeout=300)
    return [folder / (p.stem + ".pdf") for p in paths]
