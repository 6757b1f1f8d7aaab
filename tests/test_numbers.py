from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from addin.numbers import cents, fmt, fmt_cents, parse_rate, q2, read_flag, read_number, to_decimal
from conftest import D


def test_q2__rounds_half_up_not_bankers():
    assert q2(D("2.345")) == D("2.35")
    assert q2(D("2.335")) == D("2.34")
    assert q2(D("0.125")) == D("0.13")
    # Python's round is banker's rounding, and floats are binary: both are wrong here.
    assert round(0.125, 2) == 0.12


def test_to_decimal__float_sum_ties_with_exact_value():
    noisy = 0.1 + 0.2
    assert noisy != 0.3
    assert q2(to_decimal(noisy)) == q2(to_decimal(0.3)) == D("0.30")
    assert cents(to_decimal(noisy)) == cents(D("0.3")) == 30


def test_fmt__drops_trailing_zeros():
    assert fmt(D("93.50")) == "93.5"
    assert fmt(D("10.00")) == "10"
    assert fmt(D("0.005")) == "0.01"
    assert fmt(None) == "—"


def test_parse_rate__percent_permille_and_fraction():
    assert parse_rate("10%") == D("0.1")
    assert parse_rate("8‰") == D("0.008")
    assert parse_rate(0.15) == D("0.15")
    assert parse_rate("15％") == D("0.15")
    assert parse_rate("abc") is None


def test_read_number__blank_is_missing_never_zero():
    value, problem = read_number(None, "业务目标", lo=0, hi=70, record="B001")
    assert value is None
    assert problem.code == "missing"
    assert problem.record == "B001"
    assert "业务目标" in problem.message and "blank" in problem.message


def test_read_number__text_that_is_not_a_number_is_an_error():
    for text in ("六十五", "65分", "1,200", "6 5"):
        value, problem = read_number(text, "业务目标", lo=0, hi=70)
        assert value is None and problem.code == "not_a_number", text
        assert f"“{text}”" in problem.message


def test_read_number__a_number_typed_as_text_reads_as_that_number():
    """A text-formatted cell (WPS, LibreOffice, Excel's 文本 format) keeps "65" as text."""
    assert read_number("65", "业务目标", lo=0, hi=70) == (Decimal("65"), None)
    assert read_number(" 65.5 ", "业务目标", lo=0, hi=70) == (Decimal("65.5"), None)
    assert read_number("６５", "业务目标", lo=0, hi=70) == (Decimal("65"), None)  # full-width digits
    assert read_number("8.5%", "增长率") == (Decimal("0.085"), None)
    value, problem = read_number("71", "业务目标", lo=0, hi=70)
    assert value is None and problem.code == "out_of_range"  # the same rules as any number


def test_read_number__out_of_range_names_value_and_range():
    value, problem = read_number(71.5, "业务目标", lo=0, hi=70, field="业务目标")
    assert value is None
    assert problem.code == "out_of_range"
    assert problem.allowed == "0–70"
    assert "71.5" in problem.message and "0–70" in problem.message
    assert "outside the allowed range" in problem.message


def test_read_number__whole_rejects_fractions_and_negatives():
    assert read_number(2.5, "次数", whole=True)[1].code == "not_whole"
    assert read_number(-1, "次数", whole=True)[1].code == "not_whole"
    assert read_number(3.0, "次数", whole=True) == (Decimal(3), None)


def test_read_flag__declared_blank_meaning_and_unknown_text():
    assert read_flag(None, "弄虚作假", blank=False) == (False, None)
    assert read_flag("是", "弄虚作假") == (True, None)
    assert read_flag(None, "投诉")[1].code == "missing"
    assert read_flag("也许", "投诉")[1].code == "unknown_choice"


def test_read_flag__a_range_where_one_cell_is_expected_is_a_problem_not_a_crash():
    """A formula given two cells for a 是/否 argument (=STAFF_GRADE(90, A1:A2, 0)): the value
    arrives as a list, which is no choice, said so (it once raised TypeError: unhashable)."""
    value, problem = read_flag([None, None], "名额内 in_quota", blank=False)
    assert value is None and problem.code == "unknown_choice" and problem.allowed == "是、否"


def test_read_date__typed_as_text_in_the_forms_clerks_use():
    import datetime as dt

    from addin.numbers import read_date

    for text in ("2026-06-03", "2026/6/3", "2026.6.3", "2026年6月3日", "２０２６-０６-０３", " 2026-6-3 "):
        assert read_date(text, "通报日期") == (dt.date(2026, 6, 3), None), text
    for text in ("6/3/2026", "2026-13-01", "上月", "2026-02-30"):
        value, problem = read_date(text, "通报日期")
        assert value is None and problem.code == "not_a_date", text
    assert read_date(46176.0, "通报日期") == (dt.date(2026, 6, 3), None)  # an Excel serial


@given(st.integers(-10**8, 10**8))
def test_fmt_cents__shows_hundredths_as_fmt_does(c):
    assert fmt_cents(c) == fmt(Decimal(c).scaleb(-2))


def test_fmt_cents__by_hand():
    assert [fmt_cents(c) for c in (9550, 9000, 9506, 5, 0, -105, -100)] == \
        ["95.5", "90", "95.06", "0.05", "0", "-1.05", "-1"]
