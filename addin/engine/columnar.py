"""The columnar path: ranking and selection over whole columns at once (numpy), exact.

Scores are integer hundredths (``int64``), as in :mod:`addin.engine.ranking` and
:mod:`addin.engine.selection`; nothing is compared as a float. A row with no score has
the key :data:`NO_KEY`. Groups are integer codes (``pandas.factorize`` or
``numpy.unique(..., return_inverse=True)`` of any labels).

The per-row functions stay the reference: :func:`rank_groups` equals
:func:`addin.engine.ranking.rank_cents` and :func:`select_groups` equals
:func:`addin.engine.selection.select_under_quota` applied per group, row for row
(tests/test_columnar.py proves it with hypothesis, ties at every boundary included).
"""

from __future__ import annotations

import numpy as np

from addin.engine.ranking import RankMethod

NO_KEY = np.iinfo(np.int64).min
"""The key of a row with no valid score: no rank, never selected."""

#: Status codes of :func:`select_groups` (as :class:`addin.engine.selection.Status`).
NOT_SELECTED, SELECTED, TIED, INELIGIBLE = 0, 1, 2, 3


def _runs(keys: np.ndarray, groups: np.ndarray):
    """Rows sorted by group, then by key from the highest: (the order, the sorted keys and
    groups, where a new key value starts within its group, each row's group start)."""
    order = np.lexsort((-keys, groups))
    ks, gs = keys[order], groups[order]
    new_group = np.ones(len(ks), dtype=bool)
    new_group[1:] = gs[1:] != gs[:-1]
    new_key = new_group.copy()
    new_key[1:] |= ks[1:] != ks[:-1]
    starts = np.flatnonzero(new_group)
    group_start = np.repeat(starts, np.diff(np.append(starts, len(ks))))
    return order, ks, gs, new_key, group_start


def rank_groups(keys: np.ndarray, groups: np.ndarray, method: RankMethod = "dense") -> np.ndarray:
    """Ranks (1 = highest) of integer keys within groups; 0 where the key is NO_KEY."""
    keys = np.asarray(keys, dtype=np.int64)
    groups = np.asarray(groups, dtype=np.int64)
    n = len(keys)
    ranks = np.zeros(n, dtype=np.int64)
    scored = np.flatnonzero(keys != NO_KEY)
    if not len(scored):
        return ranks
    order, ks, gs, new_key, group_start = _runs(keys[scored], groups[scored])
    if method == "dense":
        distinct = np.cumsum(new_key)
        value = distinct - distinct[group_start] + 1
    else:
        position = np.arange(len(ks)) - group_start + 1
        first = np.maximum.accumulate(np.where(new_key, np.arange(len(ks)), 0))
        value = position[first]
    out = np.empty(len(ks), dtype=np.int64)
    out[order] = value
    ranks[scored] = out
    return ranks


def select_groups(keys: np.ndarray, eligible: np.ndarray, groups: np.ndarray, quotas: np.ndarray) -> np.ndarray:
    """Statuses under each group's quota (``quotas[group code]``): whole tie groups are
    selected while they fit; a tie group straddling the cutoff is TIED (待定); ineligible
    rows are INELIGIBLE; rows with NO_KEY are NOT_SELECTED."""
    keys = np.asarray(keys, dtype=np.int64)
    eligible = np.asarray(eligible, dtype=bool)
    groups = np.asarray(groups, dtype=np.int64)
    quotas = np.asarray(quotas, dtype=np.int64)
    status = np.full(len(keys), NOT_SELECTED, dtype=np.int8)
    status[~eligible] = INELIGIBLE
    rows = np.flatnonzero(eligible & (keys != NO_KEY))
    if not len(rows):
        return status
    order, ks, gs, new_key, group_start = _runs(keys[rows], groups[rows])
    n = len(ks)
    tie_starts = np.flatnonzero(new_key)
    tie_len = np.diff(np.append(tie_starts, n))
    tie_start = np.repeat(tie_starts, tie_len)
    ahead = tie_start - group_start  # candidates of the group with a higher key
    end = ahead + np.repeat(tie_len, tie_len)
    quota = quotas[gs]
    chosen = np.where(end <= quota, SELECTED, np.where(ahead < quota, TIED, NOT_SELECTED)).astype(np.int8)
    out = np.empty(n, dtype=np.int8)
    out[order] = chosen
    status[rows] = out
    return status


MAX_CENTS_VALUE = 1e13
"""Beyond this a float's hundredths are no longer checked exactly: such rows take the
per-row reader (the engine refuses magnitudes beyond 10¹⁵ anyway)."""


def to_cents(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hundredths as int64, on-grid mask) of float cells. A float is on the grid when it
    is the double nearest a number of at most 2 places (what a clerk types as 85.5 or
    0.29): then ``rint(v×100)`` is that number's hundredths exactly, and ``÷100`` gives
    ``v`` back. Other rows (more places, NaN, huge) are left to the per-row reader."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values) & (np.abs(values) < MAX_CENTS_VALUE)
    scaled = np.rint(np.where(finite, values, 0.0) * 100)
    ok = finite & (scaled / 100 == values)
    return np.where(ok, scaled, 0).astype(np.int64), ok


def weighted_total_cents(democratic: np.ndarray, business: np.ndarray, public: np.ndarray,
                         weight_ratio: tuple[int, int]) -> np.ndarray:
    """民主测评 + weight × (业务 + 公共) in hundredths, rounded half-up (away from zero) to
    2 places exactly as :func:`addin.engine.staff.staff_total`; ``weight_ratio`` is the
    weight as (numerator, denominator), e.g. ``Decimal("0.7").as_integer_ratio()``."""
    num, den = weight_ratio
    x = democratic.astype(np.int64) * den + num * (business.astype(np.int64) + public.astype(np.int64))
    half_up = (2 * np.abs(x) + den) // (2 * den)
    return np.sign(x) * half_up
