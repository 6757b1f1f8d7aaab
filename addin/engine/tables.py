"""A table's total: an appendix table (附表N) or an audit category.

Regular items add up; with ``cap_total`` the sum never exceeds the table's points
(百分制). Items with no target drop out when the table rescales: their points follow the
average score rate of the others. Declared bonus items add on top, uncapped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from addin.engine.items import ItemScore, score_item
from addin.numbers import ZERO, fmt, q2
from addin.problems import Problem
from addin.scheme.items import ItemBase


@dataclass(frozen=True, slots=True)
class TableScore:
    table: str
    total: Decimal | None
    items: tuple[ItemScore, ...]
    trace: str
    problems: tuple[Problem, ...]
    vetoes: tuple[str, ...] = ()


def applies(item: ItemBase, unit_type: str | None) -> bool:
    return item.applies_to is None or unit_type is None or unit_type in item.applies_to


def score_items(
    table_id: str,
    points: Decimal,
    items: Sequence[ItemBase],
    inputs: Mapping[str, Mapping[str, Any]],
    *,
    cap_total: bool = True,
    rescale_dropped: bool = False,
    unit_type: str | None = None,
    **where: Any,
) -> TableScore:
    """Score every applicable item from ``inputs[item_id][input_name]`` and total them."""
    scores: list[ItemScore] = []
    for item in items:
        if applies(item, unit_type):
            scores.append(score_item(item, inputs.get(item.id, {}), **where))
    problems = tuple(p for s in scores for p in s.problems)
    vetoes = tuple(s.veto for s in scores if s.veto)
    if any(p.is_error for p in problems):
        return TableScore(table_id, None, tuple(scores), "", problems, vetoes)
    by_id = {i.id: i for i in items}
    regular = [s for s in scores if not by_id[s.item].bonus]
    bonus = [s for s in scores if by_id[s.item].bonus]
    scored = [s for s in regular if not s.dropped]
    subtotal = sum((s.score for s in scored), ZERO)
    parts = [f"各项合计 {fmt(subtotal)}"]
    dropped_points = sum((by_id[s.item].points for s in regular if s.dropped), ZERO)
    if dropped_points and rescale_dropped:
        base = sum((by_id[s.item].points for s in scored), ZERO)
        rate = subtotal / base if base else ZERO
        extra = q2(dropped_points * rate)
        subtotal += extra
        parts.append(f"未下达目标的 {fmt(dropped_points)} 分按平均得分率 {fmt(rate * 100)}% 折算 {fmt(extra)}")
    if cap_total and subtotal > points:
        parts.append(f"本表最高 {fmt(points)}")
        subtotal = points
    bonus_total = sum((s.score for s in bonus if s.score is not None), ZERO)
    if bonus_total:
        parts.append(f"加分 {fmt(bonus_total)}")
    total = q2(subtotal + bonus_total)
    return TableScore(table_id, total, tuple(scores), "，".join(parts) + f" = {fmt(total)}", problems, vetoes)


def score_table(table, inputs: Mapping[str, Mapping[str, Any]], **where: Any) -> TableScore:
    """Score an appendix table (:class:`addin.scheme.models.Table`)."""
    return score_items(
        table.id,
        table.points,
        table.items,
        inputs,
        cap_total=table.cap_total,
        rescale_dropped=table.rescale_dropped,
        **where,
    )
