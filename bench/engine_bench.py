"""Engine benchmark: the full assessment of 500 departments in 20 groups and 20,000 or
100,000 staff (one unit per 40 staff), by the per-row reference and by the columnar path,
in one run. Prints figures, not pass/fail.

Run: make bench   (or: .venv/bin/python bench/engine_bench.py; KAOHE_BENCH_SIZE=tiny for a few
seconds' run on 2,000 staff, see bench/size.py)
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from size import choose_size  # noqa: E402

from addin.engine.people import PeopleColumns  # noqa: E402
from addin.engine.staff import PersonInput, assess_staff  # noqa: E402
from addin.engine.staff_columnar import assess_staff_columnar  # noqa: E402
from addin.engine.units import UnitInput, assess_units  # noqa: E402
from addin.scheme import load_builtin  # noqa: E402

UNITS, STAFF, DEPTS, GROUPS = 500, 20_000, 500, 20


def build(rng: random.Random, staff_count: int = STAFF, units: int = UNITS):
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
        PersonInput(code=f"P{i:05d}", name=f"人{i}", unit=f"B{i % units:04d}",
                    level="县级" if i % 10 == 0 else "科级及以下", is_head="是" if i < units else "否",
                    democratic=round(rng.uniform(20, 30), 1), business=round(rng.uniform(60, 90), 1),
                    public=round(rng.uniform(7, 10), 1), complaint=rng.choice(["否"] * 50 + ["是"]),
                    serious="否", previous_grade="称职")
        for i in range(staff_count)
    ]
    return depts, staff


def timed(fn, repeat=7):
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), min(runs)


def full_assessment(scheme, n: int) -> None:
    """assess_units for the departments, then the staff: the per-row reference
    (assess_staff on PersonInput rows) and the columnar path (assess_staff_columnar on the
    columns the master reader gives), which must agree."""
    units = n // 40
    depts, staff = build(random.Random(7), n, units)
    columns = PeopleColumns.of(staff)

    def reference():
        d = assess_units(scheme.departments, depts, scheme.conventions)
        return assess_staff(scheme.staff, staff, d.standings, scheme.conventions)

    def columnar():
        d = assess_units(scheme.departments, depts, scheme.conventions)
        return assess_staff_columnar(scheme.staff, columns, d.standings, scheme.conventions)

    want, got = reference(), columnar()
    assert [(p.code, p.total, p.rank, p.grade, p.commended, p.trace) for p in want.people] == \
        [(p.code, p.total, p.rank, p.grade, p.commended, p.trace) for p in got.people]
    ref_med, _ = timed(reference, repeat=choose_size(5, 1))
    col_med, col_min = timed(columnar, repeat=choose_size(7, 1))
    target = {20_000: 50, 100_000: 250}.get(n)
    aim = f" (target ≤ {target} ms {'✓' if col_med * 1000 <= target else '✗'})" if target else ""
    print(f"  {n:>7,} staff in {units:,} units + {DEPTS} departments: reference {ref_med * 1000:7.1f} ms | "
          f"columnar median {col_med * 1000:6.1f} ms, best {col_min * 1000:6.1f} ms{aim} → reference ÷ columnar = "
          f"{ref_med / col_med:.1f}×")


def main() -> None:
    scheme = load_builtin("municipal")
    print("kaohe engine benchmark — full assessment (validate, score, rank, quotas, select, grades, head links, "
          "alerts)")
    for n in choose_size((20_000, 100_000), (2_000,)):
        full_assessment(scheme, n)
    print("  (the rank-and-select core against a vectorized pandas baseline: bench/columnar_bench.py)")


if __name__ == "__main__":
    main()
