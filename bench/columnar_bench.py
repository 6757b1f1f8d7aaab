"""Columnar core benchmark (issue 16, first step): rank within groups and select under
each group's quota, at 20,000 and 100,000 staff in 500 / 2,500 units, three ways in the
same run on the same rows:

- an analyst's vectorized pandas: groupby-rank of float scores, quotas per group, whole
  tie groups in (rank "max" ≤ quota), the straddling group 待定 (rank "min" ≤ quota);
- the per-row reference engine: rank_cents and select_under_quota per group;
- the columnar path: rank_groups and select_groups over int64 hundredths.

All three must agree (checked here); the figures are medians of 7 runs.

Run: .venv/bin/python bench/columnar_bench.py   (KAOHE_BENCH_SIZE=tiny: 2,000 staff, one run each, see
bench/size.py)
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from size import choose_size  # noqa: E402

from addin.engine.columnar import SELECTED, TIED, rank_groups, select_groups  # noqa: E402
from addin.engine.ranking import rank_cents  # noqa: E402
from addin.engine.selection import Status, select_under_quota  # noqa: E402

RATE_NUM, RATE_DEN = 15, 100  # 15% excellent


def quota_of(size: int) -> int:
    """size × 15%, half-up, exactly."""
    return (2 * size * RATE_NUM + RATE_DEN) // (2 * RATE_DEN)


def rows(n: int, units: int, rng: random.Random):
    cents = [rng.randint(8000, 9500) for _ in range(n)]  # many ties
    groups = [f"U{i % units:04d}" for i in range(n)]
    eligible = [rng.random() > 0.02 for _ in range(n)]
    return cents, groups, eligible


def timed(fn, repeat: int = 7) -> float:
    runs = []
    for _ in range(choose_size(repeat, 1)):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def pandas_way(df: pd.DataFrame):
    ok = df[df["eligible"]]
    size = df.groupby("group")["score"].transform("size")
    quota = ((2 * size * RATE_NUM + RATE_DEN) // (2 * RATE_DEN)).loc[ok.index]
    rank = df.groupby("group")["score"].rank(method="dense", ascending=False)
    hi = ok.groupby("group")["score"].rank(method="max", ascending=False)
    lo = ok.groupby("group")["score"].rank(method="min", ascending=False)
    selected = hi <= quota
    tied = (lo <= quota) & ~selected
    return rank, selected, tied


def reference_way(cents, groups, eligible):
    ranks = rank_cents(cents, groups, "dense")
    idx = defaultdict(list)
    for i, g in enumerate(groups):
        idx[g].append(i)
    statuses = [None] * len(cents)
    for members in idx.values():
        sel = select_under_quota([(cents[i],) for i in members], [eligible[i] for i in members],
                                 quota_of(len(members)))
        for i, s in zip(members, sel.statuses):
            statuses[i] = s
    return ranks, statuses


def columnar_way(keys: np.ndarray, labels: np.ndarray, eligible: np.ndarray):
    codes, uniques = pd.factorize(labels)
    sizes = np.bincount(codes, minlength=len(uniques))
    quotas = (2 * sizes * RATE_NUM + RATE_DEN) // (2 * RATE_DEN)
    return rank_groups(keys, codes, "dense"), select_groups(keys, eligible, codes, quotas)


def main() -> None:
    rng = random.Random(2026)
    print("columnar core benchmark: rank within groups + select under a 15% quota (ties kept as 待定)")
    for n, units in choose_size(((20_000, 500), (100_000, 2_500)), ((2_000, 50),)):
        cents, groups, eligible = rows(n, units, rng)
        df = pd.DataFrame({"score": np.array(cents) / 100, "group": groups, "eligible": eligible})
        keys = np.array(cents, dtype=np.int64)
        labels = np.array(groups, dtype=object)
        mask = np.array(eligible)
        ranks, statuses = reference_way(cents, groups, eligible)
        c_ranks, c_status = columnar_way(keys, labels, mask)
        p_rank, p_sel, p_tied = pandas_way(df)
        assert c_ranks.tolist() == ranks
        assert [s is Status.SELECTED for s in statuses] == (c_status == SELECTED).tolist()
        assert [s is Status.TIED for s in statuses] == (c_status == TIED).tolist()
        assert p_rank.astype(int).tolist() == ranks
        assert int(p_sel.sum()) == int((c_status == SELECTED).sum()) and int(p_tied.sum()) == int(
            (c_status == TIED).sum())
        t_pandas = timed(lambda: pandas_way(df))
        t_reference = timed(lambda: reference_way(cents, groups, eligible), repeat=3)
        t_columnar = timed(lambda: columnar_way(keys, labels, mask))
        print(f"  {n:>7,} staff in {units:,} units: pandas {t_pandas * 1000:7.1f} ms | per-row reference "
              f"{t_reference * 1000:7.1f} ms | columnar {t_columnar * 1000:6.1f} ms → columnar ÷ pandas = "
              f"{t_columnar / t_pandas:.2f}× (target ≤ 1.5×), reference ÷ columnar = {t_reference / t_columnar:.1f}×")
    print("  (rows without a score: none here; the hypothesis properties in tests/test_columnar.py cover them)")


if __name__ == "__main__":
    main()
