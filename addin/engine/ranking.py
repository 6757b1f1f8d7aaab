"""Ranks within groups: dense 中国式排名 (1, 2, 2, 3) or competition (1, 2, 2, 4).

Scores are compared after half-up rounding to 2 places, as integer hundredths; ties
share a rank. Ranks are for display: selection under a quota counts candidates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from decimal import Decimal
from typing import Literal

from addin.engine.numbers import cents

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
