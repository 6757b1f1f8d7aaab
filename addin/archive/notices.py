"""Written notices (书面通知) of a published version: one page per person (a workbook per
unit) and one per unit with the last day to appeal, and the office's copy (考核办存档) with
how that day was counted. A deadline in a year without holiday data stops them, unless
forced; the caveat is then on the office's copy only."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from addin.archive.errors import ArchiveError
from addin.archive.history import Entry
from addin.archive.pages import OFFICE, ROW_POINTS, book, latest, print_setup, safe_name, score_text, write_letters
from addin.engine.calendar import Deadline, appeal_deadline
from addin.archive.leaders import is_city_leader, is_outside
from addin.engine.merits import merit_of
from addin.office.holidays import year_calendar
from addin.scheme.models import MunicipalScheme
from addin.workbook.atomic import write_atomically


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
    version, rows = latest(master, year)
    deadline = appeal_deadline(notified, scheme.appeals, year_calendar(scheme, master.parent))
    if deadline.weekends_only and not force:
        raise NoHolidayData(_no_holiday_data(master, deadline))
    window, reply = _days(scheme.appeals.window_days), _days(scheme.appeals.reply_days)
    names = {r.code: r.name for r in rows if r.kind in ("department", "district")}
    by_unit: dict[str, list[Entry]] = defaultdict(list)
    for r in rows:
        if r.kind == "person" and notified_by_unit(r):
            by_unit[r.unit].append(r)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for unit, people in sorted(by_unit.items()):
        signer = f"{names.get(unit, unit)}考核办"
        pages = [(f"{year}年度考核结果通知书",
                  f"{p.name}同志：\n    经考核，你{year}年度目标管理考核总分为{score_text(p)}分，"
                  f"考核等次为{p.grade}{_commended(p.award)}。\n"
                  f"    如对考核结果有异议，可在接到本通知之日起{window}内（截至{deadline.date.isoformat()}）"
                  f"向本单位考核办申请复核，考核办在{reply}内答复。", signer) for p in people]
        path = out / f"{year}_{safe_name(unit)}_{safe_name(names.get(unit, unit))}_书面通知.xlsx"
        paths.append(write_letters(path, "书面通知", pages, notified))
    pages = []
    for r in rows:
        if r.kind not in ("department", "district"):
            continue
        where = f"在{r.unit}中排名第{r.rank}" if r.kind == "department" else f"在各区(市)中排名第{r.rank}"
        award = {"是": "，拟授予先进集体称号", "待定": "，先进集体评选待考核办研究确定"}.get(r.award or "", "")
        pages.append((f"{year}年度目标管理考核结果通知",
                      f"{r.name}：\n    经考核，你单位{year}年度目标管理综合得分为{score_text(r)}分，{where}{award}。\n"
                      f"    如对考核结果有异议，可在接到本通知之日起{window}内（截至{deadline.date.isoformat()}）"
                      f"向市考核办申请复核，市考核办在{reply}内答复。", OFFICE))
    units_path = write_letters(out / f"{year}_单位考核结果通知.xlsx", "单位通知", pages, notified)
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
    buf, wb, f = book()
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
    print_setup(ws)
    wb.close()
    write_atomically(path, buf.getvalue(), backup=False)
    return path


def notified_by_unit(person: Entry) -> bool:
    """Whether the unit's office notifies ``person`` of the result: not a district's Party
    secretary (outside the county-level assessment: no grade to notify) nor a 市级领导 (seed:
    五大班子成员年度工作目标完成情况由市委在一定范围内进行通报: the 市级领导 list goes to the 市委)."""
    return not is_city_leader(person) and not is_outside(person)


def _commended(award: str | None) -> str:
    """，拟予表彰（记三等功） for a commended person (the merit when one is recommended)."""
    if not (award or "").startswith("是"):
        return ""
    merit = merit_of(award)
    return f"，拟予表彰（{merit}）" if merit else "，拟予表彰"


_CN_DIGITS = "〇一二三四五六七八九"


def _days(n: int) -> str:
    """A period as written in official Chinese: 10 → 十日, 15 → 十五日, 7 → 七日, 30 → 三十日."""
    if n < 10:
        return f"{_CN_DIGITS[n]}日"
    if n < 100:
        tens, ones = divmod(n, 10)
        return f"{'' if tens == 1 else _CN_DIGITS[tens]}十{_CN_DIGITS[ones] if ones else ''}日"
    return f"{n}日"
