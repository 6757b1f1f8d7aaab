"""Ranks within groups: dense 中国式排名 (1, 2, 2, 3) or competition (1, 2, 2, 4).

Scores are compared after half-up rounding to 2 places, as integer hundredths; ties
share a rank. Ranks are for display: selection under a quota counts candidates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from decimal import Decimal
from typing import Literal

from typing import Any

from addin import problems as P
from addin.engine.computed import Computed, failed
from addin.numbers import cents, is_blank, read_choice, read_number
from addin.problems import Problem

RankMethod = Literal["dense", "competition"]

#: Accepted spellings of the ranking methods.
RANK_METHOD_NAMES: dict[str, RankMethod] = {
    "中国式": "dense",
    "中国式排名": "dense",
    "dense": "dense",
    "竞争": "competition",
    "竞争排名": "competition",
    "competition": "competition",
}


def rank_cents(
    keys: Sequence[int | None], groups: Sequence[Hashable] | None = None, method: RankMethod = "dense"
) -> list[int | None]:
    """Rank integer keys (higher is better) within groups; None ranks as None."""
    buckets: dict[Hashable, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        if key is not None:
            buckets[None if groups is None else groups[i]].append(i)
    ranks: list[int | None] = [None] * len(keys)
    for members in buckets.values():
        members.sort(key=keys.__getitem__, reverse=True)
        rank = 0
        prev = None
        for position, i in enumerate(members, start=1):
            if keys[i] != prev:
                rank = rank + 1 if method == "dense" else position
                prev = keys[i]
            ranks[i] = rank
    return ranks


def rank_scores(
    scores: Sequence[Decimal | None], groups: Sequence[Hashable] | None = None, method: RankMethod = "dense"
) -> list[int | None]:
    """Rank scores descending within each group (all one group when ``groups`` is None)."""
    return rank_cents([None if s is None else cents(s) for s in scores], groups, method)


def read_column(
    scores: Sequence[Any], groups: Sequence[Any] | None, what: str = "得分 scores"
) -> tuple[list[Decimal | None], list[Any] | None, list[Problem]]:
    """Check a score column and its group column, row by row.

    A row with no score is padding (no rank, no status); a score that is not a number,
    a group column of another length, or a scored row with a blank group is a problem.
    """
    problems: list[Problem] = []
    if groups is not None and len(groups) != len(scores):
        problems.append(P.length_mismatch("分组 groups", len(groups), "得分 scores", len(scores), field="groups"))
        return [], None, problems
    values: list[Decimal | None] = []
    for i, raw in enumerate(scores, start=1):
        if is_blank(raw):
            values.append(None)
            continue
        value, problem = read_number(raw, f"{what}第{i}行", field="scores", record=str(i))
        values.append(value)
        if problem:
            problems.append(problem)
        elif groups is not None and is_blank(groups[i - 1]):
            problems.append(P.missing(f"分组 groups 第{i}行", field="groups", record=str(i)))
    keys = None if groups is None else [None if is_blank(g) else str(g).strip() for g in groups]
    return values, keys, problems


def rank_column(
    scores: Sequence[Any], groups: Sequence[Any] | None = None, method: Any = None,
    *, default_method: RankMethod = "dense"
) -> Computed[list[int | None]]:
    """Ranks for a raw score column within its groups; blank rows get no rank."""
    values, keys, problems = read_column(scores, groups)
    mode, problem = read_choice(method, "排名方式 method", RANK_METHOD_NAMES, default=default_method,
                                field="method")
    if problem:
        problems.append(problem)
    if problems:
        return failed(problems)
    return Computed(rank_scores(values, keys, mode))
