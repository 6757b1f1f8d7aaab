"""Periods under the Chinese holiday calendar: the appeal deadline and the reply due date.

Counting follows the Civil Code (民法典 arts. 201, 203), as the scheme's ``appeals``
fields choose: the day of notification is not counted, and a period whose last day is a
statutory holiday or rest day ends on the next working day, make-up working days (调休)
included.

Which days are worked comes, for each year, from the first source that knows it:

1. the office's own entry of the State Council's arrangement (:class:`Calendar`, from the
   scheme's ``holidays`` or the year folder's ``节假日.yaml``);
2. the ``chinese_calendar`` package;
3. neither: weekends only, and the result says so (``weekends_only``, with the years in
   ``uncovered``): every register row that used it carries a warning, and the written
   notices refuse to print (a clerk's caveat never reaches a person's notice). Never a
   failure of a computation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import chinese_calendar

from addin.scheme.models import Appeals

PACKAGE_SOURCE = f"chinese-calendar {getattr(chinese_calendar, '__version__', '')}".strip()


@dataclass(frozen=True)
class Arrangement:
    """One year's published arrangement."""

    year: int
    days_off: frozenset[dt.date]
    workdays: frozenset[dt.date]
    source: str


@dataclass(frozen=True)
class Calendar:
    """The office's arrangements by year; every other year goes to the package."""

    arrangements: Mapping[int, Arrangement] = field(default_factory=dict)

    def workday(self, day: dt.date) -> tuple[bool, str, bool]:
        """(worked, source, weekends only)."""
        arrangement = self.arrangements.get(day.year)
        if arrangement is not None:
            worked = day in arrangement.workdays or (day.weekday() < 5 and day not in arrangement.days_off)
            return worked, arrangement.source, False
        try:
            return chinese_calendar.is_workday(day), PACKAGE_SOURCE, False
        except NotImplementedError:
            return day.weekday() < 5, f"{day.year}年无节假日数据，仅按周末", True


DEFAULT_CALENDAR = Calendar()


@dataclass(frozen=True, slots=True)
class Deadline:
    date: dt.date
    trace: str
    weekends_only: bool = False
    """True when a day of the period had no holiday data and only weekends were skipped."""
    sources: tuple[str, ...] = ()
    """Where the working days came from (节假日依据)."""
    uncovered: tuple[int, ...] = ()
    """The years of the days counted with weekends only (no holiday data)."""

    @property
    def source(self) -> str:
        return "、".join(self.sources)


def period_end(start: dt.date, days: int, rules: Appeals, calendar: Calendar = DEFAULT_CALENDAR) -> Deadline:
    """The last day of a period of ``days`` days that starts with the event on ``start``."""
    last = start + dt.timedelta(days=days if rules.exclude_notice_day else days - 1)
    trace = f"{start.isoformat()} 起{days}日（{'次日起算' if rules.exclude_notice_day else '当日起算'}）至 {last.isoformat()}"
    if not rules.roll_to_workday:
        return Deadline(last, trace)
    end, sources, uncovered = last, [], []
    while True:
        worked, source, weekends = calendar.workday(end)
        if source not in sources:
            sources.append(source)
        if weekends and end.year not in uncovered:
            uncovered.append(end.year)
        if worked:
            break
        end += dt.timedelta(days=1)
    if end != last:
        trace += f"，该日为法定节假日或休息日，顺延至 {end.isoformat()}"
    trace += f"（节假日依据：{'、'.join(sources)}）"
    if uncovered:
        trace += "（节假日数据缺失，仅按周末顺延，请人工核对）"
    return Deadline(end, trace, bool(uncovered), tuple(sources), tuple(uncovered))


def appeal_deadline(notified: dt.date, rules: Appeals, calendar: Calendar = DEFAULT_CALENDAR) -> Deadline:
    """The last day on which an appeal (复核) may be lodged."""
    return period_end(notified, rules.window_days, rules, calendar)


def reply_due(lodged: dt.date, rules: Appeals, calendar: Calendar = DEFAULT_CALENDAR) -> Deadline:
    """The last day by which the office must answer an appeal."""
    return period_end(lodged, rules.reply_days, rules, calendar)


def calendar_of(holidays: Mapping[int, object], *more: Mapping[int, object]) -> Calendar:
    """A calendar from ``HolidayYear`` entries (the scheme's, then each later mapping,
    which wins for the years it lists)."""
    arrangements: dict[int, Arrangement] = {}
    for mapping in (holidays, *more):
        for year, entry in mapping.items():
            arrangements[int(year)] = Arrangement(int(year), frozenset(entry.days_off), frozenset(entry.workdays),
                                                  entry.source or f"{year}年节假日安排（考核办录入）")
    return Calendar(arrangements)


@dataclass(frozen=True, slots=True)
class Publicity:
    """A publicity period (公示期): its last day and how it was counted."""

    start: dt.date
    end: dt.date
    days: int
    counting: str
    """``calendar`` (every day counts: the seed's “5至7天”) or ``working`` (working days)."""
    weekends_only: bool = False

    @property
    def said(self) -> str:
        kind = "个工作日" if self.counting == "working" else "天"
        return f"{self.start.isoformat()}至{self.end.isoformat()}（共{self.days}{kind}）"


def publicity_period(start: dt.date, days: int, counting: str = "calendar",
                     calendar: Calendar = DEFAULT_CALENDAR) -> Publicity:
    """The period that starts on ``start`` and lasts ``days``: calendar days (the start is
    day 1), or working days (the first working day from ``start`` is day 1; holidays and
    the make-up working days of the year's arrangement respected)."""
    if counting == "calendar":
        return Publicity(start, start + dt.timedelta(days=days - 1), days, counting)
    day, counted, weekends_only = start - dt.timedelta(days=1), 0, False
    while counted < days:
        day += dt.timedelta(days=1)
        worked, _source, only = calendar.workday(day)
        weekends_only = weekends_only or only
        counted += worked
    return Publicity(start, day, days, counting, weekends_only)
