from hypothesis import given
from hypothesis import strategies as st

from addin.engine.selection import Status, select_under_quota

S, T, N, X = Status.SELECTED, Status.TIED, Status.NOT_SELECTED, Status.INELIGIBLE


def keys(*cents):
    return [(c,) for c in cents]


def test_select_under_quota__awards_from_the_top():
    sel = select_under_quota(keys(9800, 9500, 9000), [True] * 3, 2)
    assert sel.statuses == [S, S, N]
    assert (sel.selected, sel.tied) == (2, 0)


def test_select_under_quota__tie_straddling_the_cutoff_is_pending():
    sel = select_under_quota(keys(9800, 9500, 9500, 9000), [True] * 4, 2)
    assert sel.statuses == [S, T, T, N]
    assert (sel.selected, sel.tied, sel.slots_left) == (1, 2, 1)


def test_select_under_quota__tie_inside_the_quota_is_awarded():
    sel = select_under_quota(keys(9500, 9500, 9000), [True] * 3, 2)
    assert sel.statuses == [S, S, N]


def test_select_under_quota__skips_ineligible_and_fills_with_the_next():
    sel = select_under_quota(keys(9900, 9500, 9000), [False, True, True], 1)
    assert sel.statuses == [X, S, N]


def test_select_under_quota__zero_quota_selects_nobody():
    assert select_under_quota(keys(9900), [True], 0).statuses == [N]


def test_select_under_quota__explicit_tie_break_key_decides():
    sel = select_under_quota([(9500, 6800), (9500, 6900)], [True, True], 1)
    assert sel.statuses == [N, S]


cands = st.lists(st.tuples(st.integers(0, 20), st.booleans()), max_size=40)


@given(cands, st.integers(0, 15))
def test_select_under_quota__properties(rows, quota):
    ks = [(score,) for score, _ in rows]
    eligible = [e for _, e in rows]
    sel = select_under_quota(ks, eligible, quota)
    statuses = sel.statuses
    # A quota is never exceeded, and the ineligible are never selected.
    assert statuses.count(S) <= quota
    assert all(s == X for s, e in zip(statuses, eligible) if not e)
    # 待定 appears exactly when the quota-th and next eligible candidates tie.
    ranked = sorted((score for score, e in rows if e), reverse=True)
    straddle = 0 < quota < len(ranked) and ranked[quota - 1] == ranked[quota]
    assert (T in statuses) == straddle
    # Everyone selected scores above everyone pending, who score above the rest.
    sel_scores = [k[0] for k, s in zip(ks, statuses) if s == S]
    tie_scores = {k[0] for k, s in zip(ks, statuses) if s == T}
    rest = [k[0] for k, s, e in zip(ks, statuses, eligible) if s == N and e]
    assert len(tie_scores) <= 1
    if sel_scores and rest:
        assert min(sel_scores) > max(rest)
    if tie_scores:
        assert all(min(tie_scores) < x for x in sel_scores)
        assert all(x < min(tie_scores) for x in rest)
    # Filling: if nobody is pending, the quota is filled or candidates ran out.
    if not straddle:
        assert statuses.count(S) == min(quota, len(ranked))
