"""Recompute benchmark: a master with 500 departments, 10 districts and 20,000 or 100,000
staff, recomputed headless end to end (read, compute, write), against the analyst's
pandas script over the same master in the same run, with kaohe's steps timed apart.

Run: .venv/bin/python bench/recompute_bench.py   (KAOHE_BENCH_SIZE=tiny: 1,000 staff, one run, see
bench/size.py)
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import openpyxl  # noqa: E402

from analyst import analyst_recompute  # noqa: E402
from size import choose_size  # noqa: E402

from addin.engine.year import assess_year, paused_gc  # noqa: E402
from addin.hosts import FileHost  # noqa: E402
from addin.macro import _tables, read_inputs, recompute  # noqa: E402
from addin.results import result_tables  # noqa: E402
from addin.scheme import load_municipal  # noqa: E402
from workbook_templates.master import input_sheets  # noqa: E402


def make_master(path: Path, rng: random.Random, scheme, staff: int = 20_000) -> None:
    wb = openpyxl.Workbook(write_only=True)
    layout = input_sheets(scheme)
    sheets = {name: wb.create_sheet(name) for name in layout}
    for name, headers in layout.items():
        sheets[name].append(headers)
    for i in range(500):
        sheets["部门"].append([f"B{i:04d}", f"部门{i}", f"第{i % 20 + 1}口", round(rng.uniform(50, 70), 1),
                             round(rng.uniform(7, 10), 1), round(rng.uniform(7, 10), 1), round(rng.uniform(3, 5), 1),
                             round(rng.uniform(3, 5), 1), rng.choice([0, 0, 1]),
                             rng.choice([None] * 30 + ["安全生产"]), rng.choice(["否"] * 40 + ["是"]),
                             round(rng.uniform(55, 95), 1)])
    for i in range(10):
        sheets["区市"].append([f"Q{i:02d}", f"区{i}", round(rng.uniform(40, 50), 2), round(rng.uniform(15, 20), 1),
                             9, 9, 4, 4, 0, None, "否", 85])
    for i in range(staff):
        sheets["人员"].append([f"P{i:05d}", f"人{i}", f"B{i % 500:04d}", "县级" if i % 10 == 0 else "科级及以下",
                             "是" if i < 500 else "否", round(rng.uniform(20, 30), 1), round(rng.uniform(60, 90), 1),
                             round(rng.uniform(7, 10), 1), rng.choice(["否"] * 50 + ["是"]), "否", "称职"])
    for name in ("部门排名", "区市排名", "人员等次", "限额", "预警", "问题"):
        wb.create_sheet(name)
    wb.save(path)


def stages(path: Path, scheme) -> dict[str, float]:
    """One recompute split into its steps (read, compute, result rows, write), with the
    garbage collector paused as recompute pauses it."""
    with paused_gc():
        return _stages(path, scheme)


def _stages(path: Path, scheme) -> dict[str, float]:
    t0 = time.perf_counter()
    host = FileHost(path)
    tables, _ = _tables(host, scheme)
    departments, districts, people = read_inputs(tables, scheme)
    t1 = time.perf_counter()
    result = assess_year(scheme, departments, districts, people)
    t2 = time.perf_counter()
    contents = result_tables(result)
    t3 = time.perf_counter()
    host.write_tables(contents)
    host.finish()
    t4 = time.perf_counter()
    return {"read": t1 - t0, "compute": t2 - t1, "rows": t3 - t2, "write": t4 - t3}


def main() -> None:
    scheme = load_municipal()
    print("kaohe recompute benchmark — 500 departments, 10 districts; `kaohe recompute` end to end headless "
          "(open, read, compute, write, atomic save) against an analyst's pandas script (bench/analyst.py) "
          "in the same run")
    for staff in choose_size((20_000, 100_000), (1_000,)):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "master.xlsx"
            make_master(path, random.Random(5), scheme, staff)
            ends, analyst = [], {"openpyxl": [], "xlsxwriter": []}
            for _ in range(choose_size(3, 1)):
                t0 = time.perf_counter()
                outcome = recompute(FileHost(path), scheme)
                ends.append(time.perf_counter() - t0)
                assert outcome.ok, outcome.problems[:3]
                for engine, runs in analyst.items():
                    t0 = time.perf_counter()
                    analyst_recompute(path, Path(tmp) / f"analyst-{engine}.xlsx", engine)
                    runs.append(time.perf_counter() - t0)
            parts = stages(path, scheme)
        end = statistics.median(ends)
        a_open, a_xw = statistics.median(analyst["openpyxl"]), statistics.median(analyst["xlsxwriter"])
        target = " (target ≤ 5 s and ≤ 0.35× the analyst)" if staff == 100_000 else ""
        print(f"  {staff:>7,} staff: kaohe recompute median {end:5.2f} s{target}")
        print(f"           analyst, to_excel with openpyxl (the issue's script) {a_open:5.2f} s → kaohe ÷ analyst = "
              f"{end / a_open:.2f}×")
        print(f"           analyst, to_excel with xlsxwriter                    {a_xw:5.2f} s → kaohe ÷ analyst = "
              f"{end / a_xw:.2f}×")
        print("           kaohe's steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()))


if __name__ == "__main__":
    main()
