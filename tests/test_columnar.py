"""The columnar path equals the per-row reference, row for row (hypothesis: small score
ranges so that ties fall at every boundary, rows without a score, ineligible rows,
quotas from 0 to beyond the group)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.engine.columnar import NO_KEY, SELECTED, TIED, INELIGIBLE, NOT_SELECTED, rank_groups, select_groups
from addin.engine.ranking import rank_cents
from addin.engine.selection import Status, select_under_quota

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
