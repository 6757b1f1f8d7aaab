from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from addin.engine.quota import compute_quota, explain_quota
from conftest import D


def test_compute_quota__70_staff_at_15_percent_is_11():
    # The binary value of 0.15 makes the product 10.4999…; round() then gives 10 either way.
    assert Decimal(0.15) * 70 < Decimal("10.5")
    assert round(70 * 0.15) == 10
    assert compute_quota(70, D("0.15")) == 11


def test_compute_quota__25_departments_at_10_percent_is_3():
    assert round(25 * 0.1) == 2  # Python's round: banker's rounding
    assert compute_quota(25, D("0.1")) == 3


def test_compute_quota__other_rates_and_roundings():
    assert compute_quota(23, D("0.1")) == 2
    assert compute_quota(15, D("0.1")) == 2
    assert compute_quota(14, D("0.1")) == 1
    assert compute_quota(4, D("0.1")) == 0
    assert compute_quota(60, D("0.05")) == 3
    assert compute_quota(250, D("0.008")) == 2
    assert compute_quota(62, D("0.008")) == 0  # 0.496
    assert compute_quota(19, D("0.1"), "floor") == 1
    assert compute_quota(11, D("0.1"), "ceil") == 2
    assert compute_quota(4, D("0.1"), minimum=1) == 1
    assert compute_quota(0, D("0.1"), minimum=1) == 0


def test_explain_quota__trace_shows_the_arithmetic():
    assert explain_quota(70, D("0.15")).trace == "70 × 15% = 10.5 → 四舍五入 11"
    assert explain_quota(250, D("0.008")).trace == "250 × 8‰ = 2 → 四舍五入 2"


@given(st.integers(0, 5000), st.integers(0, 1000), st.sampled_from(["half_up", "floor", "ceil"]))
def test_compute_quota__never_more_than_count_and_monotone(count, permille, rounding):
    rate = Decimal(permille) / 1000
    q = compute_quota(count, rate, rounding)
    assert 0 <= q <= count
    assert compute_quota(count + 1, rate, rounding) >= q
    assert compute_quota(count, rate, "floor") <= q <= compute_quota(count, rate, "ceil")
