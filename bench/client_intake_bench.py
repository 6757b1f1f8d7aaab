"""Intake of submissions saved by a real client: 1,000 templates (200 departments × 5
appendix tables) filled and saved by LibreOffice Calc through its UNO API, beside the same
inputs filled by our own fill code (openpyxl). Both sets are taken in end to end in the
same run; the LibreOffice ones may cost at most 1.3× as much.

Run: .venv/bin/python bench/client_intake_bench.py [DEPARTMENTS=200]   (needs soffice and python3-uno;
KAOHE_BENCH_SIZE=tiny: 2 departments, one intake each, see bench/size.py)
"""

from __future__ import annotations

import json
import shutil
import statistics
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
from fill import TEST_SECRET, fill, seed_secret  # noqa: E402
from intake_bench import VALUES  # noqa: E402

from addin.intake.run import run_intake  # noqa: E402
from addin.office.roster import Roster, RosterUnit  # noqa: E402
from addin.scheme import load_audit, load_municipal  # noqa: E402
from workbook_templates.build import build_templates  # noqa: E402


def take_in(inbox: Path, master: Path, work: Path, municipal, audit) -> tuple[float, int]:
    runs = []
    for k in range(choose_size(3, 1)):
        folder = work / f"run{k}"
        folder.mkdir(parents=True)
        shutil.copy(master, folder / "master.xlsx")
        seed_secret(folder / "master.xlsx")
        t0 = time.perf_counter()
        result = run_intake(inbox, folder / "master.xlsx", municipal=municipal, audit=audit, year=2026)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), sum(o.status == "accepted" for o in result.outcomes)


def main() -> None:
    municipal, audit = load_municipal(), load_audit()
    departments = int(sys.argv[1]) if len(sys.argv) > 1 else choose_size(200, 2)
    roster = Roster([RosterUnit(f"B{i:03d}", f"部门{i}", "部门", f"第{i % 20 + 1}口") for i in range(departments)])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        built = build_templates(tmp / "tpl", municipal=municipal, audit=audit, roster=roster, year=2026,
                                kinds=["appendix", "master"], secret=TEST_SECRET)
        ours, lo = tmp / "ours", tmp / "libreoffice"
        lo.mkdir()
        jobs = []
        for b in built:
            kind = b.identity.template_kind
            if kind.startswith("appendix"):
                table = kind.split(":")[1]
                name = f"{b.identity.unit_code}_{table}.xlsx"
                fill(b.path, VALUES[table], ours / name)
                jobs.append({"src": str(b.path), "out": str(lo / name), "values": VALUES[table]})
        t0 = time.perf_counter()
        done = subprocess.run(["/usr/bin/python3", str(ROOT / "tests" / "lo_uno.py")], input=json.dumps(jobs),
                              capture_output=True, text=True, check=True)
        assert len(json.loads(done.stdout)) == len(jobs)
        lo_save = time.perf_counter() - t0
        master = next(b.path for b in built if b.identity.template_kind == "master")
        plain, plain_ok = take_in(ours, master, tmp / "work_ours", municipal, audit)
        client, client_ok = take_in(lo, master, tmp / "work_lo", municipal, audit)
    n = len(jobs)
    print("kaohe intake of real-client saves")
    print(f"  LibreOffice filled and saved {n} templates through UNO in {lo_save:.1f} s (not part of intake)")
    print(f"  our fill code's files:  {plain:.2f} s = {plain / n * 1000:.2f} ms per workbook; accepted {plain_ok}")
    print(f"  LibreOffice's files:    {client:.2f} s = {client / n * 1000:.2f} ms per workbook; accepted {client_ok}")
    print(f"  LibreOffice ÷ ours = {client / plain:.2f}× (target ≤ 1.3×)")


if __name__ == "__main__":
    main()
