"""Engine benchmark: rank and select 20,000 staff in 500 units plus 500 departments in
20 groups. Prints figures, not pass/fail, and the ratio against a naive per-row loop.

Run: make bench   (or: .venv/bin/python bench/engine_bench.py)
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from addin.numbers import cents  # noqa: E402
from addin.engine.quota import compute_quota  # noqa: E402
from addin.engine.ranking import rank_cents  # noqa: E402
from addin.engine.selection import select_under_quota  # noqa: E402
from addin.engine.staff import PersonInput, assess_staff  # noqa: E402
from addin.engine.units import UnitInput, assess_units  # noqa: E402
from addin.scheme import load_builtin  # noqa: E402

UNITS, STAFF, DEPTS, GROUPS = 500, 20_000, 500, 20


def build(rng: random.Random):
    depts = [
        UnitInput(code=f"B{i:04d}", name=f"部门{i}", group=f"G{i % GROUPS:02d}",
                  business={"业务目标": round(rng.uniform(50, 70), 1)},
                  public={"党的建设": round(rng.uniform(7, 10), 1), "党风廉政建设": round(rng.uniform(7, 10), 1),
                          "精神文明建设": round(rng.uniform(3, 5), 1), "招商引资": round(rng.uniform(3, 5), 1)},
                  criticisms=rng.choice([0, 0, 0, 1]), veto=rng.choice([None] * 30 + ["安全生产"]),
                  fraud=rng.choice(["否"] * 40 + ["是"]), previous=round(rng.uniform(55, 95), 1))
        for i in range(DEPTS)
    ]
    staff = [
        PersonInput(code=f"P{i:05d}", name=f"人{i}", unit=f"B{i % UNITS:04d}",
                    level="县级" if i % 10 == 0 else "科级及以下", is_head="是" if i < UNITS else "否",
                    democratic=round(rng.uniform(20, 30), 1), business=round(rng.uniform(60, 90), 1),
                    public=round(rng.uniform(7, 10), 1), complaint=rng.choice(["否"] * 50 + ["是"]),
                    serious="否", previous_grade="称职")
        for i in range(STAFF)
    ]
    return depts, staff


def timed(fn, repeat=7):
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), min(runs)


def naive_rank_select(scores, groups, rate):
    """Baseline: a per-row Python loop with float scores, as a spreadsheet macro would do it."""
    members = defaultdict(list)
    for s, g in zip(scores, groups):
        members[g].append(s)
    ranks, selected = [], []
    for s, g in zip(scores, groups):
        higher = {x for x in members[g] if x > s}
        rank = len(higher) + 1
        ranks.append(rank)
        quota = int(len(members[g]) * rate + 0.5)
        ahead = sum(1 for x in members[g] if x > s)
        selected.append(ahead < quota)
    return ranks, selected


def engine_rank_select(keys, groups, rate):
    ranks = rank_cents(keys, groups)
    idx = defaultdict(list)
    for i, g in enumerate(groups):
        idx[g].append(i)
    for members in idx.values():
        quota = compute_quota(len(members), rate)
        select_under_quota([(keys[i],) for i in members], [True] * len(members), quota)
    return ranks


def main() -> None:
    scheme = load_builtin("municipal")
    depts, staff = build(random.Random(7))

    def full():
        d = assess_units(scheme.departments, depts, scheme.conventions)
        assess_staff(scheme.staff, staff, d.standings, scheme.conventions)

    full_med, full_min = timed(full)

    rng = random.Random(11)
    staff_scores = [Decimal(rng.randrange(6000, 10000)) / 100 for _ in range(STAFF)]
    staff_groups = [i % UNITS for i in range(STAFF)]
    dept_scores = [Decimal(rng.randrange(6000, 10500)) / 100 for _ in range(DEPTS)]
    dept_groups = [i % GROUPS for i in range(DEPTS)]

    def core():
        engine_rank_select([cents(s) for s in staff_scores], staff_groups, Decimal("0.15"))
        engine_rank_select([cents(s) for s in dept_scores], dept_groups, Decimal("0.1"))

    floats_staff = [float(s) for s in staff_scores]
    floats_dept = [float(s) for s in dept_scores]

    def naive():
        naive_rank_select(floats_staff, staff_groups, 0.15)
        naive_rank_select(floats_dept, dept_groups, 0.1)

    core_med, core_min = timed(core)
    naive_med, naive_min = timed(naive, repeat=3)

    print(f"kaohe engine benchmark — {STAFF:,} staff in {UNITS} units + {DEPTS} departments in {GROUPS} groups")
    print(f"  full assessment (validate, score, rank, quotas, select, grades, links): "
          f"median {full_med * 1000:7.1f} ms   best {full_min * 1000:7.1f} ms   target ≤ 100 ms")
    print(f"  rank + select core (exact, dense, 待定-aware):                          "
          f"median {core_med * 1000:7.1f} ms   best {core_min * 1000:7.1f} ms")
    print(f"  baseline: naive per-row Python loop (float, no ties):                  "
          f"median {naive_med * 1000:7.1f} ms   best {naive_min * 1000:7.1f} ms")
    print(f"  ratio naive ÷ engine core: {naive_med / core_med:5.1f}×   "
          f"naive ÷ full assessment: {naive_med / full_med:5.1f}×")


if __name__ == "__main__":
    main()
