"""The appeal deadline (SPEC §3): notice day not counted, rolled to the next working day."""

import datetime as dt

import pytest

from addin.engine.calendar import appeal_deadline, reply_due
from addin.errors import CalendarError


def test_appeal_deadline__plain_working_day(municipal):
    # 2026-12-21 + 10 days = Thursday 2026-12-31, a working day.
    assert appeal_deadline(dt.date(2026, 12, 21), municipal.appeals).date == dt.date(2026, 12, 31)


def test_appeal_deadline__ends_in_national_day_holiday(municipal):
    # 2026-09-24 + 10 = 2026-10-04, inside the 1–7 October holiday → Thursday 8 October.
    d = appeal_deadline(dt.date(2026, 9, 24), municipal.appeals)
    assert d.date == dt.date(2026, 10, 8)
    assert "顺延至 2026-10-08" in d.trace


def test_appeal_deadline__make_up_working_day_counts(municipal):
    # 2026-02-04 + 10 = Saturday 2026-02-14, a make-up working day (调休) before the Spring Festival.
    assert appeal_deadline(dt.date(2026, 2, 4), municipal.appeals).date == dt.date(2026, 2, 14)


def test_appeal_deadline__weekend_rolls_to_monday(municipal):
    # 2026-11-11 + 10 = Saturday 2026-11-21 → Monday 2026-11-23.
    assert appeal_deadline(dt.date(2026, 11, 11), municipal.appeals).date == dt.date(2026, 11, 23)


def test_appeal_deadline__beyond_the_calendar_data_is_an_error(municipal):
    with pytest.raises(CalendarError) as exc:
        appeal_deadline(dt.date(2026, 12, 22), municipal.appeals)  # ends 2027-01-01
    assert "2027" in str(exc.value) and "chinese-calendar" in str(exc.value)


def test_reply_due__ten_days_from_lodging(municipal):
    assert reply_due(dt.date(2026, 6, 2), municipal.appeals).date == dt.date(2026, 6, 12)  # a Friday
    # 2026-06-09 + 10 = Friday 19 June, the Dragon Boat Festival (19–21 June) → Monday 22 June.
    assert reply_due(dt.date(2026, 6, 9), municipal.appeals).date == dt.date(2026, 6, 22)


def test_appeal_deadline__counting_rules_are_scheme_fields(municipal):
    inclusive = municipal.appeals.model_copy(update={"exclude_notice_day": False, "roll_to_workday": False})
    assert appeal_deadline(dt.date(2026, 9, 24), inclusive).date == dt.date(2026, 10, 3)


def test_appeal_deadline__weekends_only_beyond_the_data_is_marked(municipal):
    # 2026-12-25 + 10 = Monday 2027-01-04: no holiday data for 2027; asked for, a weekends-only
    # result is given and says so. 2027-01-02 (Sat) + 10 = Tue 2027-01-12.
    d = appeal_deadline(dt.date(2026, 12, 25), municipal.appeals, weekends_only=True)
    assert d.date == dt.date(2027, 1, 4) and d.weekends_only and "仅按周末顺延" in d.trace
    d = appeal_deadline(dt.date(2027, 1, 2), municipal.appeals, weekends_only=True)
    assert d.date == dt.date(2027, 1, 12)
    d = appeal_deadline(dt.date(2027, 1, 6), municipal.appeals, weekends_only=True)  # ends Sat 16 Jan → Mon 18
    assert d.date == dt.date(2027, 1, 18) and "顺延至 2027-01-18" in d.trace
