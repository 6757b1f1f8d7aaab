"""The appeal deadline (SPEC §3): notice day not counted, rolled to the next working day."""

import datetime as dt

import pytest

from addin.engine.calendar import appeal_deadline, calendar_of, reply_due
from addin.errors import HolidaysError
from addin.office.holidays import load_holiday_file
from addin.scheme.holidays import HolidayYear
from addin.scheme.loader import FILES


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


def test_appeal_deadline__beyond_every_source_is_weekends_only_and_says_so(municipal):
    # 2026-12-22 + 10 = Friday 2027-01-01. chinese-calendar 1.11 has no 2027 data and no office
    # entry exists: the date is counted on weekends only, never a failure, and marked.
    d = appeal_deadline(dt.date(2026, 12, 22), municipal.appeals)
    assert d.date == dt.date(2027, 1, 1) and d.weekends_only
    assert "仅按周末顺延" in d.trace and d.source == "2027年无节假日数据，仅按周末"


def test_appeal_deadline__the_offices_entry_covers_a_year_the_package_does_not(municipal):
    # The office enters 2027's New Year holiday (1–3 January): 2027-01-01 is then a day off
    # and the period rolls to Monday 4 January.
    calendar = calendar_of({2027: HolidayYear.model_validate({"来源": "国办发明电（2027年安排）",
                                                              "放假": ["2027-01-01 至 2027-01-03"]})})
    d = appeal_deadline(dt.date(2026, 12, 22), municipal.appeals, calendar)
    assert (d.date, d.weekends_only, d.source) == (dt.date(2027, 1, 4), False, "国办发明电（2027年安排）")
    assert "顺延至 2027-01-04" in d.trace and "节假日依据：国办发明电（2027年安排）" in d.trace


def test_appeal_deadline__the_offices_entry_wins_over_the_package(municipal):
    # Suppose the office records 8 October 2026 as an extra day off: 2026-09-24's period, which
    # the package ends on 8 October, now ends on Friday 9 October.
    extra = HolidayYear.model_validate({"放假": ["2026-10-01 至 2026-10-08"], "调休上班": ["2026-09-20", "2026-10-10"]})
    d = appeal_deadline(dt.date(2026, 9, 24), municipal.appeals, calendar_of({2026: extra}))
    assert d.date == dt.date(2026, 10, 9) and d.source == "2026年节假日安排（考核办录入）"
    assert appeal_deadline(dt.date(2026, 9, 24), municipal.appeals).source.startswith("chinese-calendar")


def test_example_holiday_file__2026_equals_the_published_arrangement_day_by_day():
    """The shipped example is the 2026 arrangement: every day of 2026 is a working day by it
    exactly when chinese-calendar (which carries the published 2026 notice) says so."""
    import chinese_calendar

    years = load_holiday_file(FILES / "节假日示例.yaml")
    calendar = calendar_of(years)
    day = dt.date(2026, 1, 1)
    while day.year == 2026:
        assert calendar.workday(day)[0] == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_load_holiday_file__a_bad_entry_names_the_file_the_path_and_the_reason(tmp_path):
    path = tmp_path / "节假日.yaml"
    path.write_text("2027:\n  放假: [2027-02-30]\n", encoding="utf-8")
    with pytest.raises(HolidaysError) as exc:
        load_holiday_file(path)
    text = str(exc.value)
    assert text.startswith("节假日文件有误") and str(path) in text
    assert "[2027].放假" in text and "“2027-02-30”不是日期" in text
    path.write_text("2027:\n  放假: [2026-12-31]\n", encoding="utf-8")
    with pytest.raises(HolidaysError, match="不在 2027 年内"):
        load_holiday_file(path)


def test_reply_due__ten_days_from_lodging(municipal):
    assert reply_due(dt.date(2026, 6, 2), municipal.appeals).date == dt.date(2026, 6, 12)  # a Friday
    # 2026-06-09 + 10 = Friday 19 June, the Dragon Boat Festival (19–21 June) → Monday 22 June.
    assert reply_due(dt.date(2026, 6, 9), municipal.appeals).date == dt.date(2026, 6, 22)


def test_appeal_deadline__counting_rules_are_scheme_fields(municipal):
    inclusive = municipal.appeals.model_copy(update={"exclude_notice_day": False, "roll_to_workday": False})
    assert appeal_deadline(dt.date(2026, 9, 24), inclusive).date == dt.date(2026, 10, 3)


def test_appeal_deadline__weekends_only_beyond_the_data_is_marked(municipal):
    # 2026-12-25 + 10 = Monday 2027-01-04; 2027-01-02 (Sat) + 10 = Tue 2027-01-12;
    # 2027-01-06 + 10 ends Saturday 16 January → Monday 18 January.
    d = appeal_deadline(dt.date(2026, 12, 25), municipal.appeals)
    assert d.date == dt.date(2027, 1, 4) and d.weekends_only and "仅按周末顺延" in d.trace
    assert appeal_deadline(dt.date(2027, 1, 2), municipal.appeals).date == dt.date(2027, 1, 12)
    d = appeal_deadline(dt.date(2027, 1, 6), municipal.appeals)
    assert d.date == dt.date(2027, 1, 18) and "顺延至 2027-01-18" in d.trace


# --- recompute: a year without data is a warning on its row, never a failed run -----------


def _appeal(master, *row):
    import openpyxl

    wb = openpyxl.load_workbook(master)
    wb["申诉登记"].append(list(row))
    wb.save(master)


def _rows(master, sheet):
    import openpyxl

    ws = openpyxl.load_workbook(master)[sheet]
    headers = [c.value for c in ws[1]]
    return [dict(zip(headers, r)) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_recompute__an_appeal_due_in_a_year_without_data_is_a_located_warning(master, municipal):  # noqa: F811
    from addin.hosts import FileHost
    from addin.macro import recompute

    # notified 2026-12-24: the appeal window ends 2027-01-04 (Mon); lodged 2026-12-30: the
    # reply is due 2027-01-09, a Saturday → Monday 2027-01-11, both counted on weekends only.
    _appeal(master, "B01", "部门B01", dt.datetime(2026, 12, 24), dt.datetime(2026, 12, 30))
    out = recompute(FileHost(master), municipal, today=dt.date(2027, 1, 5))
    assert out.ok  # results written: the whole run did not fail
    row = next(r for r in _rows(master, "申诉情况") if r["编码"] == "B01")
    assert "申诉期限仅按周末计算" in row["说明"] and "答复期限仅按周末计算" in row["说明"]
    warnings = [p for p in out.problems if p.code == "calendar_weekends_only"]
    assert [(p.sheet, p.cell[0] if p.cell else None, p.severity) for p in warnings] == \
        [("申诉登记", "C", "warning"), ("申诉登记", "D", "warning")]
    assert {r["单位编码"] for r in _rows(master, "部门排名")} >= {"B01", "B02"}


def test_recompute__the_year_folders_holiday_file_is_used(master, municipal):  # noqa: F811
    from addin.hosts import FileHost
    from addin.macro import recompute

    (master.parent / "节假日.yaml").write_text(
        "2027:\n  来源: 国务院办公厅关于2027年部分节假日安排的通知\n  放假: [2027-01-01 至 2027-01-03]\n", encoding="utf-8")
    # notified 2026-12-22: + 10 = 2027-01-01, a day off by the office's entry → Monday 2027-01-04
    _appeal(master, "B01", "部门B01", dt.datetime(2026, 12, 22), dt.datetime(2026, 12, 28))
    out = recompute(FileHost(master), municipal, today=dt.date(2027, 1, 5))
    row = next(r for r in _rows(master, "申诉情况") if r["编码"] == "B01")
    assert "申诉期限 2027-01-04" in row["说明"] and "申诉期限仅按周末" not in row["说明"]
    assert not [p for p in out.problems if p.code == "calendar_weekends_only" and p.field == "书面通知日期"]


from test_macro import master  # noqa: E402,F401 (fixture)
