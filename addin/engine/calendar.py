"""The appeal deadline under the Chinese holiday calendar.

Counting follows the Civil Code (民法典 arts. 201, 203), as the scheme's ``appeals``
fields choose: the day of notification is not counted, and a period whose last day is a
statutory holiday or rest day ends on the next working day, make-up working days (调休)
included. Holiday data come from the ``chinese_calendar`` package; for a date beyond its
data the result is a :class:`~addin.errors.CalendarError`, never a guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar

from addin.errors import CalendarError
from addin.scheme.models import Appeals


@dataclass(frozen=True, slots=True)
class Deadline:
    date: dt.date
    trace: str
    weekends_only: bool = False
    """True when holiday data was missing and only weekends were skipped."""


def is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise CalendarError(
            f"节假日数据未覆盖 {day.year} 年（{day.isoformat()}），无法确定期限，请升级 chinese-calendar "
            f"或人工确定 [no holiday data for {day.year}: upgrade chinese-calendar or decide by hand]"
        ) from exc


def period_end(start: dt.date, days: int, rules: Appeals, *, weekends_only: bool = False) -> Deadline:
    """The last day of a period of ``days`` days that starts with the event on ``start``.

    Beyond the holiday data this raises :class:`CalendarError`, unless ``weekends_only``
    asks for a result that skips weekends only — clearly marked as such in the trace.
    """
    last = start + dt.timedelta(days=days if rules.exclude_notice_day else days - 1)
    trace = f"{start.isoformat()} 起{days}日（{'次日起算' if rules.exclude_notice_day else '当日起算'}）至 {last.isoformat()}"
    if rules.roll_to_workday:
        end = last
        marked = False
        while True:
            try:
                working = is_workday(end)
            except CalendarError:
                if not weekends_only:
                    raise
                working, marked = end.weekday() < 5, True
            if working:
                break
            end += dt.timedelta(days=1)
        if end != last:
            trace += f"，该日为法定节假日或休息日，顺延至 {end.isoformat()}"
        if marked:
            trace += f"（{end.year}年法定节假日数据缺失，仅按周末顺延，请人工核对）"
        last = end
        return Deadline(last, trace, marked)
    return Deadline(last, trace)


def appeal_deadline(notified: dt.date, rules: Appeals, *, weekends_only: bool = False) -> Deadline:
    """The last day on which an appeal (复核) may be lodged."""
    return period_end(notified, rules.window_days, rules, weekends_only=weekends_only)


def reply_due(lodged: dt.date, rules: Appeals) -> Deadline:
    """The last day by which the office must answer an appeal."""
    return period_end(lodged, rules.reply_days, rules)
