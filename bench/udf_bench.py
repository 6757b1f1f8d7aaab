"""UDF benchmark: the Python overhead of a formula call over the bare engine function,
array calls over 1,000 rows, calls from a workbook in a year folder against calls with no
caller (the folder found, its files' stamps checked, its schemes kept), and `import udfs`
in a fresh interpreter. Prints figures.

Run: .venv/bin/python bench/udf_bench.py   (KAOHE_BENCH_SIZE=tiny: a few calls each, see bench/size.py)
"""

from __future__ import annotations

import random
import statistics
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from size import choose_size  # noqa: E402
from desktop import MISSING, FakeCaller, call, column, desktop_udfs  # noqa: E402

from addin.engine.quota import compute_quota  # noqa: E402
from addin.engine.units import assess_composite  # noqa: E402
from addin.scheme import load_municipal  # noqa: E402
from addin.scheme.loader import builtin_path  # noqa: E402

HOLIDAYS = "2027:\n  放假: [2027-01-01 至 2027-01-03, 2027-02-05 至 2027-02-13]\n  调休上班: [2027-02-14, 2027-02-20]\n"


def per_call(fn, n: int) -> float:
    runs = []
    for _ in range(choose_size(5, 1)):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - t0) / n)
    return statistics.median(runs)


def main() -> None:
    U = desktop_udfs()
    scheme = load_municipal()
    tier = scheme.departments
    rate = tier.awards.quota.rate
    U.AWARD_QUOTA(1)  # first call loads the schemes

    n = choose_size(20_000, 200)
    bare_composite = per_call(lambda: assess_composite(tier, [65.5], [27.0], 12.0, 2.0).unwrap(), n)
    udf_composite = per_call(lambda: U.ASSESS_COMPOSITE(65.5, 27.0, 12.0, 2.0, "部门"), n)
    xl_composite = per_call(lambda: call(U.ASSESS_COMPOSITE, 65.5, 27.0, 12.0, 2.0, MISSING), n)
    bare_quota = per_call(lambda: compute_quota(23, rate), n)
    udf_quota = per_call(lambda: U.AWARD_QUOTA(23.0, None, None), n)
    xl_quota = per_call(lambda: call(U.AWARD_QUOTA, 23.0, MISSING, MISSING), n)

    rng = random.Random(3)
    scores = column(*(round(rng.uniform(60, 100), 2) for _ in range(1000)))
    groups = column(*(f"G{i % 20}" for i in range(1000)))
    vetoes = column(*(rng.choice([None] * 30 + ["安全生产"]) for _ in range(1000)))
    arrays = choose_size(200, 2)
    rank_1000 = per_call(lambda: call(U.RANK_IN_GROUP, scores, groups, MISSING), arrays)
    status_1000 = per_call(lambda: call(U.AWARD_STATUS, scores, groups, vetoes, MISSING, MISSING), arrays)

    folders = year_folder_figures(U)

    imports = []
    for _ in range(choose_size(5, 1)):
        out = subprocess.run(
            [sys.executable, "-c", "import time; t=time.perf_counter(); import udfs; print(time.perf_counter()-t)"],
            cwd=ROOT, capture_output=True, text=True, check=True)
        imports.append(float(out.stdout))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare_python = time.perf_counter() - t0

    us = 1e6
    print("kaohe UDF benchmark")
    print(f"  ASSESS_COMPOSITE: engine {bare_composite * us:6.1f} µs  UDF {udf_composite * us:6.1f} µs  "
          f"overhead {(udf_composite - bare_composite) * us:5.1f} µs (target ≤ 20)  "
          f"with xlwings conversion {xl_composite * us:6.1f} µs")
    print(f"  AWARD_QUOTA:      engine {bare_quota * us:6.1f} µs  UDF {udf_quota * us:6.1f} µs  "
          f"overhead {(udf_quota - bare_quota) * us:5.1f} µs (target ≤ 20)  "
          f"with xlwings conversion {xl_quota * us:6.1f} µs")
    print(f"  RANK_IN_GROUP, 1,000 rows in 20 groups (with conversion): {rank_1000 * 1000:5.2f} ms (target ≤ 5)")
    print(f"  AWARD_STATUS,  1,000 rows in 20 groups (with conversion): {status_1000 * 1000:5.2f} ms (target ≤ 5)")
    print("  calls per second, from a workbook in a year folder vs no caller (same process, with conversion):")
    for label, (with_caller, without) in folders.items():
        print(f"    {label:<44} {1 / with_caller:9,.0f}/s vs {1 / without:9,.0f}/s  "
              f"ratio {with_caller / without:4.2f}× the time ({(with_caller - without) * us:5.1f} µs more per call)")
    print(f"  import udfs in a fresh interpreter: median {statistics.median(imports):.3f} s "
          f"(target ≤ 0.3; of which xlwings and its pandas import are most); bare interpreter start "
          f"{bare_python:.3f} s")


def year_folder_figures(U) -> dict[str, tuple[float, float]]:
    """Seconds per call with a caller in (or outside) a year folder, and with none."""
    n = choose_size(20_000, 200)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "2027考核"
        unit = folder / "模板" / "B001_单位"
        unit.mkdir(parents=True)
        shutil.copyfile(builtin_path("municipal"), folder / "考核方案.yaml")
        (folder / "节假日.yaml").write_text(HOLIDAYS, encoding="utf-8")
        master, template = FakeCaller(str(folder / "考核汇总.xlsx")), FakeCaller(str(unit / "附表1.xlsx"))
        outside = FakeCaller(str(Path(tmp) / "a" / "b" / "c" / "d" / "e" / "x.xlsx"))
        day = dt.datetime(2027, 1, 29)
        t0 = time.perf_counter()
        call(U.AWARD_QUOTA, 23.0, caller=master)  # the first call parses the folder's scheme
        first = time.perf_counter() - t0
        figures = {
            "AWARD_QUOTA, master at the folder's root": (
                per_call(lambda: call(U.AWARD_QUOTA, 23.0, MISSING, MISSING, caller=master), n),
                per_call(lambda: call(U.AWARD_QUOTA, 23.0, MISSING, MISSING), n)),
            "AWARD_QUOTA, template in 模板/<unit>/": (
                per_call(lambda: call(U.AWARD_QUOTA, 23.0, MISSING, MISSING, caller=template), n),
                per_call(lambda: call(U.AWARD_QUOTA, 23.0, MISSING, MISSING), n)),
            "AWARD_QUOTA, workbook outside any year folder": (
                per_call(lambda: call(U.AWARD_QUOTA, 23.0, MISSING, MISSING, caller=outside), n),
                per_call(lambda: call(U.AWARD_QUOTA, 23.0, MISSING, MISSING), n)),
            "APPEAL_DEADLINE, template (节假日.yaml)": (
                per_call(lambda: call(U.APPEAL_DEADLINE, day, MISSING, caller=template), n),
                per_call(lambda: call(U.APPEAL_DEADLINE, day, MISSING), n)),
        }
        assert call(U.APPEAL_DEADLINE, day, caller=template) == dt.date(2027, 2, 14)
    print(f"  first call from a year folder (parses its scheme once): {first * 1000:6.1f} ms")
    return figures


if __name__ == "__main__":
    main()
