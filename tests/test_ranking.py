
from hypothesis import given
from hypothesis import strategies as st

from addin.numbers import to_decimal
from addin.engine.ranking import rank_scores
from conftest import D


def test_rank_scores__dense_is_chinese_ranking():
    assert rank_scores([D(95), D(90), D(90), D(80)]) == [1, 2, 2, 3]


def test_rank_scores__competition_skips_after_ties():
    assert rank_scores([D(95), D(90), D(90), D(80)], method="competition") == [1, 2, 2, 4]


def test_rank_scores__within_groups_and_missing_scores():
    scores = [D(90), D(80), D(85), None, D(85)]
    groups = ["经济口", "经济口", "综合口", "综合口", "综合口"]
    assert rank_scores(scores, groups) == [1, 2, 1, None, 1]


def test_rank_scores__float_noise_never_decides_a_rank():
    assert rank_scores([to_decimal(0.1 + 0.2), D("0.3"), D("0.29")]) == [1, 1, 2]
    assert rank_scores([D("88.004"), D("88.001")]) == [1, 1]  # equal at 2 places: a tie


scores_st = st.lists(st.tuples(st.integers(0, 12000), st.sampled_from("ABC")), max_size=60)


@given(scores_st, st.randoms(use_true_random=False), st.sampled_from(["dense", "competition"]))
def test_rank_scores__unchanged_when_rows_are_reordered(rows, rnd, method):
    scores = [D(c) / 100 for c, _ in rows]
    groups = [g for _, g in rows]
    ranks = rank_scores(scores, groups, method)
    order = list(range(len(rows)))
    rnd.shuffle(order)
    shuffled = rank_scores([scores[i] for i in order], [groups[i] for i in order], method)
    assert [shuffled[order.index(i)] for i in range(len(rows))] == ranks


@given(st.lists(st.integers(0, 100), min_size=1, max_size=40))
def test_rank_scores__rank_counts_distinct_higher_scores(values):
    scores = [D(v) for v in values]
    dense = rank_scores(scores)
    comp = rank_scores(scores, method="competition")
    for s, d, c in zip(values, dense, comp):
        assert d == 1 + len({v for v in values if v > s})
        assert c == 1 + sum(1 for v in values if v > s)
