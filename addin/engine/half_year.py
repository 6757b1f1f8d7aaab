"""The districts' half-year round (SPEC M2: "Half-year and year-end results are circulated
(通报) … The half-year round uses the same appendix tables, marked 半年, and never enters
the annual results").

A district's half-year standing is the sum of its half-year table scores (business and
public parts, as the year-end composite sums them; no bonus, deduction or award: those
are the year's). A district with a table not yet in has no total and is not ranked — a
blank is never 0 — and its line says which tables are missing. Ranks are the scheme's
method (dense by default) on totals rounded half-up to 2 places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from addin.engine.ranking import rank_scores
from addin.numbers import fmt, is_blank, q2, read_number
from addin.problems import Problem
from addin.scheme.models import Conventions, UnitTier


@dataclass(frozen=True)
class HalfYearRow:
    code: str
    name: str
    parts: dict[str, Decimal | None]
    """Each business and public part's half-year score, by the part's name (None: not in)."""
    total: Decimal | None
    rank: int | None
    note: str


def assess_half_year(tier: UnitTier, records: Sequence[tuple[str, str, Mapping[str, Any]]],
                     conventions: Conventions) -> tuple[list[HalfYearRow], list[Problem]]:
    """Each district's half-year total and rank (see the module docstring); ``records`` are
    (code, name, {part name: value}) as the master's half-year sheet holds them."""
    parts = [*tier.business, *tier.public]
    problems: list[Problem] = []
    scored: list[tuple[str, str, dict[str, Decimal | None], list[str]]] = []
    for code, name, raw in records:
        values: dict[str, Decimal | None] = {}
        missing: list[str] = []
        for part in parts:
            value = raw.get(part.name)
            if is_blank(value):
                values[part.name] = None
                missing.append(part.name)
                continue
            number, problem = read_number(value, part.name, lo=0, hi=part.points, record=code, field=part.name)
            if problem:
                problems.append(problem)
                missing.append(part.name)
            values[part.name] = number
        scored.append((code, name, values, missing))
    totals = [None if missing else q2(sum(values.values(), Decimal(0))) for _c, _n, values, missing in scored]
    ranks = rank_scores(totals, method=conventions.ranking)
    rows = []
    for (code, name, values, missing), total, rank in zip(scored, totals, ranks):
        if missing:
            note = f"未排名：{'、'.join(missing)}的半年材料未报送或有误"
        else:
            note = " + ".join(fmt(values[p.name]) for p in parts) + f" = {fmt(total)}"
        rows.append(HalfYearRow(code, name, values, total, rank, note))
    return rows, problems
