"""Award quotas: count × rate exactly, rounded half-up by default, with a minimum.

70 × 15% is exactly 10.5 → 11 (floats give 10.499…); 25 × 10% is 2.5 → 3 (Python's
``round`` gives 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from typing import Any

from addin import problems as P
from addin.engine.computed import Computed, failed
from addin.numbers import ROUNDING_NAMES, Rounding, parse_rate, read_choice, read_number, round_whole, show_rate
from addin.problems import Problem

ROUNDING_ZH = {"half_up": "四舍五入", "floor": "向下取整", "ceil": "向上取整"}


@dataclass(frozen=True, slots=True)
class QuotaCalc:
    count: int
    rate: Decimal | None
    rounding: Rounding | None
    quota: int
    fixed: int | None = None
    """A fixed count (top 2) instead of a rate."""

    @property
    def trace(self) -> str:
        if self.fixed is not None:
            return f"前{self.fixed}名"
        exact = Decimal(self.count) * self.rate
        rounded = round_whole(exact, self.rounding)
        text = f"{self.count} × {show_rate(self.rate)} = {format(exact.normalize(), 'f')} → {ROUNDING_ZH[self.rounding]} {rounded}"
        return text if self.quota == rounded else f"{text} → 限额 {self.quota}"

    def passed_over(self, scope: str = "") -> str:
        """Why an eligible candidate with a score was not selected, for its 说明: the quota,
        and its arithmetic when the quota itself is the reason (0), e.g.
        ``未入选：本口限额0个（3个单位×15%=0.45，四舍五入为0）``; otherwise the slots went to
        those ranked above (``未入选：本口限额1个，名额已满``). ``scope`` names the pool (本口 for
        a sector group)."""
        if self.quota == 0:
            return f"未入选：{scope}限额0个（{self.arithmetic}）"
        return f"未入选：{scope}限额{self.quota}个，名额已满"

    @property
    def arithmetic(self) -> str:
        """How the quota came about, in words: ``3个单位×15%=0.45，四舍五入为0`` (a fixed count:
        ``前2名``); a minimum or the number of candidates that changed it is named."""
        if self.fixed is not None:
            text = f"前{self.fixed}名"
            return text if self.quota == self.fixed else f"{text}，共{self.count}个单位，限额为{self.quota}"
        exact = Decimal(self.count) * self.rate
        rounded = round_whole(exact, self.rounding)
        text = (f"{self.count}个单位×{show_rate(self.rate)}={format(exact.normalize(), 'f')}，"
                f"{ROUNDING_ZH[self.rounding]}为{rounded}")
        return text if self.quota == rounded else f"{text}，限额为{self.quota}"


def compute_quota(count: int, rate: Decimal, rounding: Rounding = "half_up", minimum: int = 0) -> int:
    """The quota for ``count`` candidates at ``rate``; never more than ``count``."""
    if count < 0:
        raise ValueError("count must be ≥ 0")
    if not (0 <= rate <= 1):
        raise ValueError("rate must be within 0–1")
    quota = max(round_whole(Decimal(count) * rate, rounding), minimum)
    return min(quota, count)


def explain_quota(count: int, rate: Decimal, rounding: Rounding = "half_up", minimum: int = 0) -> QuotaCalc:
    """The quota with its arithmetic (``.trace``, e.g. ``70 × 15% = 10.5 → 四舍五入 11``)."""
    return QuotaCalc(count, rate, rounding, compute_quota(count, rate, rounding, minimum))


def fixed_quota(count: int, fixed: int) -> QuotaCalc:
    return QuotaCalc(count, None, None, min(fixed, count), fixed)


def read_rate(raw: Any, what: str, default: Decimal, **where: Any) -> tuple[Decimal | None, Problem | None]:
    """A rate as 0.1, "10%" or "8‰"; omitted (None) means ``default``; within 0–1."""
    if raw is None:
        return default, None
    rate = parse_rate(raw)
    if rate is None or not (0 <= rate <= 1):
        return None, P.out_of_range(what, raw, 0, 1, allowed="0–100%（如 10%、8‰、0.15）", **where)
    return rate, None


def quota_from_raw(
    count: Any, rate: Any = None, rounding: Any = None, *, default_rate: Decimal, default_rounding: Rounding
) -> Computed[int]:
    """The quota for raw formula arguments: a count, a rate, a rounding name."""
    problems = []
    n, p1 = read_number(count, "数量 count", whole=True, field="count")
    r, p2 = read_rate(rate, "比例 rate", default_rate, field="rate")
    mode, p3 = read_choice(rounding, "取整方式 rounding", ROUNDING_NAMES, default=default_rounding,
                           field="rounding")
    problems = [p for p in (p1, p2, p3) if p]
    if problems:
        return failed(problems)
    calc = explain_quota(int(n), r, mode)
    return Computed(calc.quota, calc.trace)
