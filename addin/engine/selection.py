"""Selection under a quota.

Walk the eligible candidates from the top; award whole tie groups while they fit. When a
tie group is larger than the slots left, every member is 待定 (tie at the cutoff, for the
office to decide): a quota is never exceeded and a tie is never broken arbitrarily.
Explicit tie-break keys, when a scheme names them, compare after the score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import groupby


class Status(StrEnum):
    SELECTED = "是"
    TIED = "待定"
    NOT_SELECTED = "否"
    INELIGIBLE = "不得评先"


@dataclass(frozen=True, slots=True)
class Selection:
    statuses: list[Status]
    selected: int
    tied: int
    slots_left: int
    """Slots left for the 待定 group (0 when there is no tie at the cutoff)."""


def select_under_quota(
    keys: Sequence[tuple[int, ...] | None], eligible: Sequence[bool], quota: int
) -> Selection:
    """Statuses aligned with the inputs.

    ``keys`` are comparison tuples (score in hundredths, then any tie-break keys), higher
    is better; None means no valid score (not selected).
    """
    statuses = [Status.NOT_SELECTED] * len(keys)
    order = sorted(
        (i for i in range(len(keys)) if eligible[i] and keys[i] is not None),
        key=keys.__getitem__,
        reverse=True,
    )
    for i in range(len(keys)):
        if not eligible[i]:
            statuses[i] = Status.INELIGIBLE
    remaining = quota
    selected = tied = 0
    slots_left = 0
    for _, group in groupby(order, key=keys.__getitem__):
        members = list(group)
        if remaining <= 0:
            break
        if len(members) <= remaining:
            for i in members:
                statuses[i] = Status.SELECTED
            remaining -= len(members)
            selected += len(members)
        else:
            for i in members:
                statuses[i] = Status.TIED
            tied = len(members)
            slots_left = remaining
            remaining = 0
    return Selection(statuses, selected, tied, slots_left)
