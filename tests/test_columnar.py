"""The columnar path equals the per-row reference, row for row (hypothesis: small score
ranges so that ties fall at every boundary, rows without a score, ineligible rows,
quotas from 0 to beyond the group)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.engine.columnar import (
    INELIGIBLE,
    NO_KEY,
    NOT_SELECTED,
    SELECTED,
    TIED,
    rank_groups,
    select_groups,
    to_cents,
    weighted_total_cents,
)
from addin.engine.ranking import rank_cents
from addin.engine.selection import Status, select_under_quota
from addin.engine.staff import staff_total
from addin.scheme import load_builtin

CODES = {Status.SELECTED: SELECTED, Status.TIED: TIED, Status.NOT_SELECTED: NOT_SELECTED,
         Status.INELIGIBLE: INELIGIBLE}

rows = st.lists(st.tuples(st.one_of(st.none(), st.integers(6000, 6010)), st.integers(0, 3), st.booleans()),
                max_size=60)


def test_rank_groups__worked_by_hand():
    keys = np.array([9000, 8550, 8550, 8000, NO_KEY, 9100, 9100], dtype=np.int64)
    groups = np.array([0, 0, 0, 0, 0, 1, 1])
    assert rank_groups(keys, groups, "dense").tolist() == [1, 2, 2, 3, 0, 1, 1]
    assert rank_groups(keys, groups, "competition").tolist() == [1, 2, 2, 4, 0, 1, 1]


def test_select_groups__a_tie_at_the_cutoff_is_pending_by_hand():
    # quota 2: 90.00 is in; 85.50 ×2 straddle the last slot → 待定; 80.00 out; no score: out
    keys = np.array([9000, 8550, 8550, 8000, NO_KEY], dtype=np.int64)
    status = select_groups(keys, np.array([True] * 5), np.zeros(5, dtype=np.int64), np.array([2]))
    assert status.tolist() == [SELECTED, TIED, TIED, NOT_SELECTED, NOT_SELECTED]


@settings(max_examples=300, deadline=None)
@given(rows, st.sampled_from(["dense", "competition"]))
def test_rank_groups__equals_rank_cents(data, method):
    keys = [k for k, _, _ in data]
    groups = [g for _, g, _ in data]
    expected = [0 if r is None else r for r in rank_cents(keys, groups, method)]
    got = rank_groups(np.array([NO_KEY if k is None else k for k in keys], dtype=np.int64),
                      np.array(groups, dtype=np.int64), method)
    assert got.tolist() == expected


@settings(max_examples=300, deadline=None)
@given(rows, st.lists(st.integers(0, 8), min_size=4, max_size=4))
def test_select_groups__equals_select_under_quota_per_group(data, quotas):
    members = defaultdict(list)
    for i, (_, g, _) in enumerate(data):
        members[g].append(i)
    expected = [None] * len(data)
    for g, idx in members.items():
        sel = select_under_quota([None if data[i][0] is None else (data[i][0],) for i in idx],
                                 [data[i][2] for i in idx], quotas[g])
        for i, status in zip(idx, sel.statuses):
            expected[i] = CODES[status]
    got = select_groups(np.array([NO_KEY if k is None else k for k, _, _ in data], dtype=np.int64),
                        np.array([e for _, _, e in data], dtype=bool),
                        np.array([g for _, g, _ in data], dtype=np.int64), np.array(quotas, dtype=np.int64))
    assert got.tolist() == expected


def test_to_cents__on_the_grid_by_hand():
    cents, ok = to_cents(np.array([0.29, 85.5, 85.555, float("nan"), -1.05, 1e14]))
    assert ok.tolist() == [True, True, False, False, True, False]
    assert cents[ok].tolist() == [29, 8550, -105]


def test_weighted_total_cents__half_up_by_hand():
    # 28.55 + 0.7 × (85.5 + 9.55) = 28.55 + 66.535 = 95.085 → 95.09 (half up)
    total = weighted_total_cents(np.array([2855]), np.array([8550]), np.array([955]), Decimal("0.7").as_integer_ratio())
    assert total.tolist() == [9509]


grid = st.integers(0, 10_000).map(lambda k: k / 100)
anyfloat = st.one_of(grid, st.floats(0, 100, allow_nan=False), st.sampled_from([85.555, 0.125, 1e-9]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(anyfloat, anyfloat, anyfloat), min_size=1, max_size=40),
       st.sampled_from(["0.7", "0.65", "0.8", "1", "0.333"]))
def test_weighted_total_cents__equals_staff_total(rows, weight):
    """On-grid rows: the columnar total equals the reference's exact Decimal total; the mask
    is exactly the rows whose value has at most 2 places (as the reference reads them)."""
    scheme = load_builtin("municipal").staff.model_copy(update={"completion_weight": Decimal(weight)})
    cols = [np.array([r[k] for r in rows]) for k in range(3)]
    converted = [to_cents(c) for c in cols]
    for k, (_, ok) in enumerate(converted):
        assert ok.tolist() == [Decimal(repr(r[k])).as_tuple().exponent >= -2 for r in rows]
    mask = converted[0][1] & converted[1][1] & converted[2][1]
    got = weighted_total_cents(*(c for c, _ in converted), Decimal(weight).as_integer_ratio())
    for i, r in enumerate(rows):
        if mask[i]:
            d, b, p = (Decimal(repr(v)) for v in r)
            assert Decimal(int(got[i])) / 100 == staff_total(d, b, p, scheme)
