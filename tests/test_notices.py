"""Written notices from the command line in a year folder (issue 23, item 5): a deadline in
a year without holiday data stops the command until the office enters the year's
arrangement in 节假日.yaml; --force prints anyway and says so on the office's copy only."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import openpyxl
import pytest

from test_office import kaohe, office, published, shown  # noqa: F401 (fixtures)

NOTIFIED = "2028-01-20"
"""10 days after 20 Jan 2028 is Sun 30 Jan, inside the 2028 Spring Festival (26 Jan): the finding's case."""


def covered(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 3, 1))
    except NotImplementedError:
        return False
    return True


@pytest.fixture(autouse=True)
def _2028_is_not_covered():
    # the premise of every test here; a chinese-calendar that knows 2028 makes them meaningless, so they fail
    assert not covered(2028), "chinese-calendar now covers 2028: move these tests to a year it does not cover"


def texts(path) -> str:
    wb = openpyxl.load_workbook(path)
    return " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


def test_notices__a_year_without_holiday_data_stops_with_exit_2(published):  # noqa: F811
    done = kaohe("notices", "--notified", NOTIFIED, cwd=published)
    assert done.exit_code == 2, done.output
    assert done.exception is None or isinstance(done.exception, SystemExit), repr(done.exception)
    assert shown("申诉截止日按周末顺延为 2028-01-31，但2028年没有节假日数据", done.output), done.output
    assert shown(str(published / "节假日.yaml"), done.output) and shown("--force", done.output)
    assert shown(str(published.parent / "节假日.yaml"), done.output)  # the office's file, shared by its years
    assert not (published / "考核汇总_2026_书面通知").exists()  # not one notice was written


def test_notices__forced_the_persons_page_has_no_caveat(published):  # noqa: F811
    done = kaohe("notices", "--notified", NOTIFIED, "--force", cwd=published)
    assert done.exit_code == 0, done.output
    assert shown("注意：2028年没有节假日数据，截止日已按 --force 仅按周末顺延", done.output), done.output
    folder = published / "考核汇总_2026_书面通知"
    # P1 of B01 (the person's page), P2 of Q1, and the units' pages: Sun 30 Jan → Mon 31 Jan, weekends only
    for name in ("2026_B01_部门1_书面通知.xlsx", "2026_Q1_区一_书面通知.xlsx", "2026_单位考核结果通知.xlsx"):
        text = texts(folder / name)
        assert "截至2028-01-31" in text, name
        for caveat in ("注", "核对", "周末", "节假日", "force"):
            assert caveat not in text, (name, caveat)
    assert "张三同志" in texts(folder / "2026_B01_部门1_书面通知.xlsx")
    office_copy = openpyxl.load_workbook(folder / "2026_书面通知_考核办存档.xlsx")["考核办存档"]
    assert office_copy["A3"].value.startswith("注意：2028年没有节假日数据，申诉截止日 2028-01-31 仅按周末顺延")
    assert "--force" in office_copy["A3"].value


def test_notices__the_years_arrangement_in_the_offices_holidays_file_lets_them_print(published):  # noqa: F811
    # an arrangement entered as the State Council would publish it (a made-up one for 2028: 25 Jan – 2 Feb off)
    (published.parent / "节假日.yaml").write_text(
        "2028:\n  来源: 2028年节假日安排（测试录入）\n  放假:\n    - 2028-01-25 至 2028-02-02\n  调休上班: []\n",
        encoding="utf-8")
    done = kaohe("notices", "--notified", NOTIFIED, cwd=published)
    assert done.exit_code == 0, done.output
    assert "注意" not in done.output
    folder = published / "考核汇总_2026_书面通知"
    # 30 Jan is off; 31 Jan – 2 Feb too; Thu 3 Feb is the first working day
    assert "截至2028-02-03" in texts(folder / "2026_B01_部门1_书面通知.xlsx")
    copy = texts(folder / "2026_书面通知_考核办存档.xlsx")
    assert "2028年节假日安排（测试录入）" in copy and "注意" not in copy
