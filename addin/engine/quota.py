"""Award quotas: ``round(count × rate)`` exactly, half-up by default, with a minimum.

70 × 15% is exactly 10.5 → 11 (floats give 10.499…); 25 × 10% is 2.5 → 3 (Python's
``round`` gives 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from addin.engine.numbers import Rounding, round_whole, show_rate

ROUNDING_ZH = {"half_up": "四舍五入", "floor": "向下取整", "ceil": "向上取整"}


@dataclass(frozen=True, slots=True)
class QuotaCalc:
    count: int
    rate: Decimal | None
    rounding: Rounding | None
    quota: int
    trace: str


def compute_quota(count: int, rate: Decimal, rounding: Rounding = "half_up", minimum: int = 0) -> int:
    """The quota for ``count`` candidates at ``rate``; never more than ``count``."""
    if count < 0:
        raise ValueError("count must be ≥ 0")
    if not (0 <= rate <= 1):
        raise ValueError("rate must be within 0–1")
    quota = max(round_whole(Decimal(count) * rate, rounding), minimum)
    return min(quota, count)


def explain_quota(count: int, rate: Decimal, rounding: Rounding = "half_up", minimum: int = 0) -> QuotaCalc:
    quota = compute_quota(count, rate, rounding, minimum)
    exact = Decimal(count) * rate
    rounded = round_whole(exact, rounding)
    trace = f"{count} × {show_rate(rate)} = {format(exact.normalize(), 'f')} → {ROUNDING_ZH[rounding]} {rounded}"
    if quota != rounded:
        trace += f" → 限额 {quota}"
    return QuotaCalc(count, rate, rounding, quota, trace)


def fixed_quota(count: int, fixed: int) -> QuotaCalc:
    quota = min(fixed, count)
    return QuotaCalc(count, None, None, quota, f"前{fixed}名")
