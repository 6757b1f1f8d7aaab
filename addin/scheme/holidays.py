"""A year's holiday arrangement as the State Council publishes it each November
(国务院办公厅关于节假日安排的通知): the days off (放假) and the weekend days worked in
lieu (调休上班). The office enters it the day it appears, in the scheme (``holidays:``) or
in a ``节假日.yaml`` beside the master, in this form::

    2027:
      来源: 国务院办公厅关于2027年部分节假日安排的通知
      放假: [2027-01-01, 2027-02-06 至 2027-02-14]
      调休上班: [2027-02-20]

A list entry is one date or a range ``A 至 B`` (both days included).
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import Field, field_validator, model_validator

from addin.scheme.base import Strict

_RANGE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*(?:至|~|–|—|to)\s*(\d{4}-\d{2}-\d{2})\s*$")


def _dates(entries: list[object]) -> list[dt.date]:
    out: list[dt.date] = []
    for entry in entries:
        if isinstance(entry, dt.datetime):
            out.append(entry.date())
        elif isinstance(entry, dt.date):
            out.append(entry)
        else:
            text = str(entry)
            m = _RANGE.match(text)
            try:
                if m:
                    first, last = dt.date.fromisoformat(m.group(1)), dt.date.fromisoformat(m.group(2))
                    if last < first:
                        raise ValueError(f"区间“{text}”的结束日早于开始日 [the range ends before it starts]")
                    out += [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
                else:
                    out.append(dt.date.fromisoformat(text.strip()))
            except ValueError as exc:
                if "区间" in str(exc):
                    raise
                raise ValueError(f"“{text}”不是日期或“日期 至 日期”区间（应写作 2027-02-06 或 2027-02-06 至 2027-02-14） "
                                 f"[not a date or a range]") from None
    return out


class HolidayYear(Strict):
    source: str = Field("", alias="来源")
    days_off: list[dt.date] = Field(default_factory=list, alias="放假")
    workdays: list[dt.date] = Field(default_factory=list, alias="调休上班")

    @field_validator("days_off", "workdays", mode="before")
    @classmethod
    def _expand(cls, value: object) -> list[dt.date]:
        return _dates(value if isinstance(value, list) else [value])

    @model_validator(mode="after")
    def _apart(self) -> HolidayYear:
        both = sorted(set(self.days_off) & set(self.workdays))
        if both:
            raise ValueError(f"{both[0].isoformat()} 同时列为放假和调休上班 [a day is both off and worked]")
        return self
