"""The appeal register (申诉登记): whether each appeal was lodged in time, when the
office's reply is due, and which replies are overdue (预警)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from addin.engine.calendar import DEFAULT_CALENDAR, Calendar, appeal_deadline, reply_due
from addin.numbers import read_date
from addin.engine.units import Alert
from addin.problems import Problem
from addin.scheme.models import Appeals


@dataclass(frozen=True)
class AppealInput:
    code: str
    name: str
    notified: Any
    lodged: Any
    replied: Any = None
    outcome: Any = None


@dataclass(frozen=True)
class AppealStatus:
    code: str
    name: str
    notified: dt.date
    lodged: dt.date
    deadline: dt.date
    in_time: bool
    reply_due: dt.date | None
    replied: dt.date | None
    outcome: str | None
    note: str


def check_appeals(rows: Sequence[AppealInput], rules: Appeals, today: dt.date,
                  calendar: Calendar = DEFAULT_CALENDAR) -> tuple[list[AppealStatus], list[Alert], list[Problem]]:
    """A row whose period falls in a year no holiday source covers is counted on weekends
    only, marked in its note and reported as a located warning; never a failure."""
    statuses: list[AppealStatus] = []
    alerts: list[Alert] = []
    problems: list[Problem] = []
    for a in rows:
        where = {"record": a.code}
        notified, p1 = read_date(a.notified, "书面通知日期", field="书面通知日期", **where)
        lodged, p2 = read_date(a.lodged, "申诉日期", field="申诉日期", **where)
        replied, p3 = read_date(a.replied, "答复日期", required=False, field="答复日期", **where)
        found = [p for p in (p1, p2, p3) if p]
        if found:
            problems += found
            continue
        window, reply = appeal_deadline(notified, rules, calendar), reply_due(lodged, rules, calendar)
        deadline, due = window.date, reply.date
        in_time = lodged <= deadline
        notes = [f"申诉期限 {deadline.isoformat()}" + ("" if in_time else "，已超过期限")]
        for what, period, field_name in (("申诉期限", window, "书面通知日期"), ("答复期限", reply, "申诉日期")):
            if period.weekends_only:
                notes.append(f"{what}仅按周末计算（{period.source}），请人工核对")
                problems.append(Problem(
                    "calendar_weekends_only", f"{a.code} {what}所在年度没有节假日数据，仅按周末计算为 "
                    f"{period.date.isoformat()}，请在 节假日.yaml 中录入当年节假日安排后重新计算 "
                    f"[no holiday data for that year: counted on weekends only]", severity="warning",
                    field=field_name, value=period.date.isoformat(), **where))
        if in_time and replied is None and today > due:
            alerts.append(Alert(a.code, a.name, "申诉逾期未答复", f"申诉于{lodged.isoformat()}提出，"
                                                            f"应于{due.isoformat()}前答复，至今未答复"))
            notes.append("逾期未答复")
        elif replied is not None and replied > due:
            notes.append(f"答复晚于期限（{due.isoformat()}）")
        statuses.append(AppealStatus(a.code, a.name, notified, lodged, deadline, in_time, due if in_time else None,
                                     replied, None if a.outcome in (None, "") else str(a.outcome).strip(),
                                     "；".join(notes)))
    return statuses, alerts, problems
