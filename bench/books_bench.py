"""Responsibility-book benchmark: the staff books of the sample city (3,000 people, one
sheet each, in 67 workbooks) against the staff assessment forms of the same people (the
baseline: the same sheets-per-person shape, built in the same process), and the seven
district books.

At ``KAOHE_BENCH_SIZE=tiny`` (bench/size.py) it builds the books of two departments and a
district, once.

Run: .venv/bin/python bench/books_bench.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from addin.demo import sample_city  # noqa: E402
from addin.office.roster import Roster  # noqa: E402
from addin.scheme import load_builtin  # noqa: E402
from workbook_templates.build import build_templates  # noqa: E402

from size import choose_size  # noqa: E402

RUNS = choose_size(3, 1)


def city_of_size() -> Roster:
    """The sample city; at the tiny size its first two departments and first district only."""
    city = sample_city(2026)
    if choose_size(True, False):
        return city
    units = city.of_type("部门")[:2] + city.of_type("区市")[:1]
    codes = {u.code for u in units}
    return Roster(units, [p for p in city.people if p.unit in codes])


def timed(kind: str, municipal, audit, roster) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        built = build_templates(Path(folder), municipal=municipal, audit=audit, roster=roster, year=2026,
                                kinds=[kind], workers=1)
        return time.perf_counter() - start, len(built)


def main() -> None:
    municipal, audit = load_builtin("municipal"), load_builtin("audit")
    city = city_of_size()
    times: dict[str, list[float]] = {"staff-form": [], "staff-book": [], "district-book": []}
    counts: dict[str, int] = {}
    for _ in range(RUNS):  # interleaved, so a busy machine slows both alike
        for kind in times:
            seconds, counts[kind] = timed(kind, municipal, audit, city)
            times[kind].append(seconds)
    median = {kind: statistics.median(t) for kind, t in times.items()}
    print(f"sample city: {len(city.people)} people, median of {RUNS} runs, one process")
    for kind, seconds in median.items():
        print(f"  {kind:14s} {counts[kind]:3d} workbooks  {seconds:6.2f} s")
    print(f"  staff-book ÷ staff-form: {median['staff-book'] / median['staff-form']:.2f}×")


if __name__ == "__main__":
    main()
