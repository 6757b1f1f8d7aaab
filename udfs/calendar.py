"""=APPEAL_DEADLINE(): the last day to lodge an appeal (复核)."""

from __future__ import annotations

import xlwings as xw

from udfs._cells import CATEGORY, municipal, to_date


@xw.func(category=CATEGORY)
@xw.arg("notified", doc="书面通知送达日期")
def APPEAL_DEADLINE(notified):
    """申诉截止日：通知当日不计入，期满日为法定节假日或休息日的顺延至下一工作日（含调休）。"""
    from addin.engine.calendar import appeal_deadline
    from addin.errors import CalendarError, InputError
    from addin.problems import Problem

    day = to_date(notified, "通知日期 notified")
    try:
        return appeal_deadline(day, municipal().appeals).date
    except CalendarError as exc:
        raise InputError([Problem("calendar", str(exc), field="notified", value=day.isoformat())]) from exc
