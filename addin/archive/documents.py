"""Printable documents from a published version: publicity lists (公示), written notices
(书面通知) with the appeal deadline, and the circular (通报) with charts and the award
list for the Standing Committee's approval."""

from __future__ import annotations

from addin.workbook.text import xlsx_options

import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from addin.archive.history import Entry, published
from addin.archive.errors import ArchiveError
from addin.engine.calendar import Deadline, appeal_deadline
from addin.office.holidays import year_calendar
from addin.numbers import fmt, q2, show_rate
from addin.intake.store import Store, archive_path
from addin.scheme.models import MunicipalScheme
from addin.workbook.atomic import write_atomically

EXCELLENT = "优秀"


def _latest(master: Path, year: int) -> tuple[int, list[Entry]]:
    entries = published(archive_path(master), year=year, master=master)
    if not entries:
        raise ArchiveError(f"{year}年度尚无已发布的结果，请先运行 kaohe publish [nothing published for {year}]")
    return entries[0].version, entries


def _book():
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, xlsx_options(in_memory=True))
    fonts = {"font_name": "宋体", "font_size": 11}
    f = {
        "title": wb.add_format({**fonts, "font_name": "黑体", "font_size": 16, "bold": True, "align": "center"}),
        "head": wb.add_format({**fonts, "bold": True, "border": 1, "align": "center", "valign": "vcenter",
                               "bg_color": "#D9E1F2"}),
        "cell": wb.add_format({**fonts, "border": 1, "align": "center", "valign": "vcenter"}),
        "text": wb.add_format({**fonts, "text_wrap": True, "valign": "top"}),
        "right": wb.add_format({**fonts, "align": "right"}),
        "num": wb.add_format({**fonts, "border": 1, "align": "center", "valign": "vcenter", "num_format": "0.00"}),
        "note": wb.add_format({**fonts, "border": 1, "text_wrap": True, "valign": "vcenter"}),
        "headwrap": wb.add_format({**fonts, "bold": True, "border": 1, "align": "center", "valign": "vcenter",
                                   "text_wrap": True, "bg_color": "#D9E1F2"}),
    }
    return buf, wb, f


def _print(ws, landscape: bool = False) -> None:
    ws.set_paper(9)
    ws.set_landscape() if landscape else ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()


def _safe(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("._") or "_"


def publicity_lists(master: Path, year: int, start: dt.date, days: int, out: Path) -> list[Path]:
    """One list per unit of the proposed 优秀 and 拟表彰, posted from ``start`` for ``days``."""
    if not 5 <= days <= 7:
        raise ArchiveError(f"公示期应为5至7天，实际为{days}天 [publicity lasts 5–7 days]")
    version, rows = _latest(master, year)
    end = start + dt.timedelta(days=days - 1)
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
                buf, wb, f = _book()
                ws = wb.add_worksheet("公示")
                for col, width in enumerate((6, 14, 14, 10, 14)):
                    ws.set_column(col, col, width)
                ws.merge_range(0, 0, 0, 4, f"{year}年度考核优秀等次和拟表彰人员公示", f["title"])
                ws.merge_range(1, 0, 1, 4, f"单位：{names.get(unit, unit)}", f["text"])
                for col, text in enumerate(("序号", "姓名", "人员编码", "等次", "拟表彰")):
                    ws.write(3, col, text, f["head"])
                for i, p in enumerate(people, start=1):
                    ws.write_row(3 + i, 0, [i, p.name or "", p.code, p.grade or "", p.award or ""], f["cell"])
                r = 5 + len(people)
                ws.merge_range(r, 0, r + 2, 4, f"公示期：{start.isoformat()}至{end.isoformat()}（共{days}天）。"
                               "对公示对象有异议的，请在公示期内向本单位考核办反映，反映情况应实事求是并署真实姓名。",
                               f["text"])
                ws.merge_range(r + 4, 2, r + 4, 4, f"{names.get(unit, unit)}考核办", f["right"])
                ws.merge_range(r + 5, 2, r + 5, 4, start.isoformat(), f["right"])
                _print(ws)
                wb.close()
                path = out / f"{year}_{_safe(unit)}_{_safe(names.get(unit, unit))}_公示.xlsx"
                write_atomically(path, buf.getvalue(), backup=False)
                db.execute("INSERT INTO publications (year, version, unit_code, start_date, end_date, created_at) "
                           "VALUES (?, ?, ?, ?, ?, ?)", (year, version, unit, start.isoformat(), end.isoformat(),
                                                         dt.datetime.now().isoformat(timespec="seconds")))
                paths.append(path)
    finally:
        store.close()
    return paths


class NoHolidayData(ArchiveError):
    """The appeal deadline falls in a year no holiday data covers: the notices would give
    a date that may be a statutory holiday (exit 2 unless ``--force``)."""


OFFICE_COPY = "考核办存档"


@dataclass(frozen=True)
class NoticeRun:
    """What :func:`notices` wrote."""

    letters: list[Path]
    """A workbook of one page per person for each unit, then the units' pages."""
    office: Path
    """The office's copy (考核办存档)."""
    deadline: Deadline

    @property
    def paths(self) -> list[Path]:
        return [*self.letters, self.office]


def notices(master: Path, year: int, notified: dt.date, scheme: MunicipalScheme, out: Path,
            force: bool = False) -> NoticeRun:
    """Written notices: one page per person (a workbook per unit) and one per unit, and the
    office's copy (考核办存档): the deadline's arithmetic and sources, and what was written
    for whom.

    When the deadline falls in a year with no holiday data (neither 节假日.yaml nor the
    scheme nor chinese-calendar), nothing is written and :class:`NoHolidayData` says to
    enter the year's arrangement; with ``force`` the notices are written with the
    weekends-only date and only the office's copy says so: a notice to a person or a unit
    never carries an internal caveat."""
    version, rows = _latest(master, year)
    deadline = appeal_deadline(notified, scheme.appeals, year_calendar(scheme, master.parent))
    if deadline.weekends_only and not force:
        raise NoHolidayData(_no_holiday_data(master, deadline))
    window, reply = _days(scheme.appeals.window_days), _days(scheme.appeals.reply_days)
    names = {r.code: r.name for r in rows if r.kind in ("department", "district")}
    by_unit: dict[str, list[Entry]] = defaultdict(list)
    for r in rows:
        if r.kind == "person":
            by_unit[r.unit].append(r)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for unit, people in sorted(by_unit.items()):
        signer = f"{names.get(unit, unit)}考核办"
        pages = [(f"{year}年度考核结果通知书",
                  f"{p.name}同志：\n    经考核，你{year}年度目标管理考核总分为{_score(p)}分，"
                  f"考核等次为{p.grade}{'，拟予表彰' if (p.award or '').startswith('是') else ''}。\n"
                  f"    如对考核结果有异议，可在接到本通知之日起{window}内（截至{deadline.date.isoformat()}）"
                  f"向本单位考核办申请复核，考核办在{reply}内答复。", signer) for p in people]
        path = out / f"{year}_{_safe(unit)}_{_safe(names.get(unit, unit))}_书面通知.xlsx"
        paths.append(_write_pages(path, "书面通知", pages, notified))
    pages = []
    for r in rows:
        if r.kind not in ("department", "district"):
            continue
        where = f"在{r.unit}中排名第{r.rank}" if r.kind == "department" else f"在各区(市)中排名第{r.rank}"
        award = {"是": "，拟授予先进集体称号", "待定": "，先进集体评选待考核办研究确定"}.get(r.award or "", "")
        pages.append((f"{year}年度目标管理考核结果通知",
                      f"{r.name}：\n    经考核，你单位{year}年度目标管理综合得分为{_score(r)}分，{where}{award}。\n"
                      f"    如对考核结果有异议，可在接到本通知之日起{window}内（截至{deadline.date.isoformat()}）"
                      f"向市考核办申请复核，市考核办在{reply}内答复。", OFFICE))
    units_path = _write_pages(out / f"{year}_单位考核结果通知.xlsx", "单位通知", pages, notified)
    paths.append(units_path)
    written = [(unit, names.get(unit, unit), len(people), path.name)
               for (unit, people), path in zip(sorted(by_unit.items()), paths)]
    written.append(("", "各单位（每单位一页）", len(pages), units_path.name))
    office = _office_copy(out / f"{year}_书面通知_{OFFICE_COPY}.xlsx", year, version, notified, deadline, written)
    return NoticeRun(paths, office, deadline)


def _years(deadline: Deadline) -> str:
    return "、".join(f"{y}年" for y in deadline.uncovered)


def _no_holiday_data(master: Path, deadline: Deadline) -> str:
    from addin.office.folder import office_of
    from addin.office.holidays import HOLIDAYS_FILE

    years, folder = _years(deadline), master.resolve().parent
    office = office_of(folder)
    where = f"{folder / HOLIDAYS_FILE}" + (f"（或考核办文件夹的 {office / HOLIDAYS_FILE}，各年度共用）"
                                          if office is not None else "")
    return (f"申诉截止日按周末顺延为 {deadline.date.isoformat()}，但{years}没有节假日数据，该日可能是法定节假日，"
            f"未生成书面通知：请把国务院公布的{years}节假日安排录入 {where}"
            f"（格式见 addin/scheme/files/节假日示例.yaml），再运行本命令；确需先按周末顺延打印的，加 --force"
            f"（只在考核办存档中注明，通知上不写）[no holiday data for {', '.join(map(str, deadline.uncovered))}: "
            f"the deadline may fall on a holiday; "
            f"enter the year in 节假日.yaml, or print anyway with --force]")


def _office_copy(path: Path, year: int, version: int, notified: dt.date, deadline: Deadline,
                 written: list[tuple[str, str, int, str]]) -> Path:
    """The office's copy of a run of notices: how the deadline was counted, from which
    holiday data, a warning when it was counted with weekends only, and what was written."""
    buf, wb, f = _book()
    warn = wb.add_format({"font_name": "宋体", "font_size": 11, "bold": True, "font_color": "#C00000",
                          "text_wrap": True, "valign": "top", "border": 2, "border_color": "#C00000"})
    ws = wb.add_worksheet(OFFICE_COPY)
    for col, width in enumerate((12, 24, 10, 46)):
        ws.set_column(col, col, width)
    ws.merge_range(0, 0, 0, 3, f"{year}年度书面通知（{OFFICE_COPY}，不发给个人和单位）", f["title"])
    row = 2
    if deadline.weekends_only:
        ws.merge_range(row, 0, row + 2, 3,
                       f"注意：{_years(deadline)}没有节假日数据，申诉截止日 {deadline.date.isoformat()} 仅按周末顺延，"
                       f"可能是法定节假日。本批通知系加 --force 生成：发出前请按国务院公布的节假日安排核对截止日，"
                       f"需要更正的，录入 节假日.yaml 后重新生成。", warn)
        row += 4
    facts = [("书面通知日期", notified.isoformat()), ("申诉截止日", deadline.date.isoformat()),
             ("计算过程", deadline.trace), ("节假日依据", deadline.source), ("结果版本", f"{year}年度 v{version}")]
    for label, value in facts:
        ws.write(row, 0, label, f["head"])
        ws.merge_range(row, 1, row, 3, value, f["text"])
        if len(value) > 40:
            ws.set_row(row, ROW_POINTS * 3)
        row += 1
    row += 1
    ws.write_row(row, 0, ["单位编码", "单位名称", "页数", "文件"], f["head"])
    for unit, name, pages, file in written:
        row += 1
        ws.write_row(row, 0, [unit, name, pages, file], f["cell"])
    _print(ws)
    wb.close()
    write_atomically(path, buf.getvalue(), backup=False)
    return path


def _score(e: Entry) -> str:
    return fmt(Decimal(e.score)) if e.score else "—"


def _write_pages(path: Path, sheet: str, pages: list[tuple[str, str, str]], dated: dt.date) -> Path:
    """A printable workbook of one-page letters (title, body, signer), a page break after each."""
    buf, wb, f = _book()
    ws = wb.add_worksheet(sheet)
    ws.set_column(0, 3, 22)
    top, breaks = 0, []
    for title, body, signer in pages:
        ws.merge_range(top, 0, top, 3, title, f["title"])
        ws.merge_range(top + 2, 0, top + 8, 3, body, f["text"])
        ws.merge_range(top + 10, 2, top + 10, 3, signer, f["right"])
        ws.merge_range(top + 11, 2, top + 11, 3, dated.isoformat(), f["right"])
        top += 13
        breaks.append(top)
    ws.set_h_pagebreaks(breaks[:-1])
    _print(ws)
    wb.close()
    write_atomically(path, buf.getvalue(), backup=False)
    return path


_CN_DIGITS = "〇一二三四五六七八九"


def _days(n: int) -> str:
    """A period as written in official Chinese: 10 → 十日, 15 → 十五日, 7 → 七日, 30 → 三十日."""
    if n < 10:
        return f"{_CN_DIGITS[n]}日"
    if n < 100:
        tens, ones = divmod(n, 10)
        return f"{'' if tens == 1 else _CN_DIGITS[tens]}十{_CN_DIGITS[ones] if ones else ''}日"
    return f"{n}日"


BINS = [(None, 60, "60分以下"), (60, 70, "60–70"), (70, 80, "70–80"), (80, 90, "80–90"), (90, 100, "90–100"),
        (100, None, "100以上")]


OFFICE = "市考核办公室"
"""The municipal assessment office, as it signs the circular and the units' notices."""


def circular(master: Path, year: int, scheme: MunicipalScheme, out: Path, dated: dt.date | None = None) -> Path:
    """The circular: ranked tables by group and for districts, native charts, and the award
    list submitted for the Standing Committee's approval, signed by the office and dated
    ``dated`` (today when None). The published version it comes from is kept in the
    workbook's properties, never printed."""
    dated = dated or dt.date.today()
    version, rows = _latest(master, year)
    depts = [r for r in rows if r.kind == "department"]
    dists = sorted((r for r in rows if r.kind == "district"), key=lambda r: (r.rank or 10**9, r.code))
    people = [r for r in rows if r.kind == "person"]
    buf, wb, f = _book()
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
    _print(ws)

    ws = wb.add_worksheet("区市通报")
    _ranked_columns(ws)
    ws.merge_range(0, 0, 0, RANKED_LAST, f"{year}年度区(市)目标管理考核结果通报", f["title"])
    _ranked_table(ws, f, 2, dists)
    _print(ws)

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
    _print(ws, landscape=True)
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
         lambda p: "记二等功" if "二等功" in (p.trace or "") else "予以表彰"),
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
    pending = [r for r in depts + dists if r.award == "待定"]
    if pending:
        ws.merge_range(row, 0, row, 4, "待定（限额处并列，须由考核办研究确定）：" + "、".join(
            f"{r.name}（{fmt(Decimal(r.score))}分）" for r in pending), f["text"])
        ws.set_row(row, 40)
    ws.merge_range(row + 2, 2, row + 2, 4, OFFICE, f["right"])
    ws.merge_range(row + 3, 2, row + 3, 4, _chinese_date(dated), f["right"])
    _print(ws)
    wb.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(out, buf.getvalue(), backup=False)
    return out


def _chinese_date(day: dt.date) -> str:
    """A date as an official document writes it: 2027年1月20日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _yuan(amount: int) -> str:
    """10000 → 1万元, 100000 → 10万元, 15000 → 15000元."""
    return f"{amount // 10000}万元" if amount % 10000 == 0 else f"{amount}元"


RANKED_LAST = 5
PAGE_ROWS = 44
"""Rows of a portrait A4 page at the default row height, fitted to the page width."""
ROW_POINTS = 15
"""The default row height (11-point text), in points."""
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
