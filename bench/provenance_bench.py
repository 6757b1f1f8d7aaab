"""Provenance benchmark (issue 26): what the check for edits after intake adds to every
recompute, on a province-sized master whose every person's inputs were written by intake
(20,000 staff × 7 columns recorded in ``submission_writes``), against the recompute itself
(the baseline, in the same process); and what ``kaohe trace`` costs: opening the tracer (the
engine run once) and one trace.

Run: .venv/bin/python bench/provenance_bench.py   (KAOHE_BENCH_SIZE=tiny: 1,000 staff, see bench/size.py)
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from recompute_bench import make_master  # noqa: E402
from size import choose_size, timed  # noqa: E402

from addin.hosts import FileHost  # noqa: E402
from addin.intake.extract import Update  # noqa: E402
from addin.intake.store import Store, archive_path  # noqa: E402
from addin.macro import recompute  # noqa: E402
from addin.provenance.edits import edit_problems  # noqa: E402
from addin.provenance.tracer import Tracer, read_master  # noqa: E402
from addin.provenance.writes import record_writes  # noqa: E402
from addin.scheme import load_audit, load_municipal  # noqa: E402

COLUMNS = ("民主测评", "业务目标", "公共目标", "投诉或违纪", "情节严重", "上年等次", "层级")


def record_staff(master: Path, scheme) -> int:
    """One submission per unit, and the master's own values recorded as what it wrote."""
    tables = read_master(FileHost(master), scheme)
    people = tables["人员"]
    by_unit: dict[str, list[Update]] = {}
    for _row, rec in people.rows:
        by_unit.setdefault(str(rec["单位编码"]), []).append(
            Update("人员", "人员编码", str(rec["人员编码"]), {c: rec.get(c) for c in COLUMNS}))
    store = Store(archive_path(master))
    written = 0
    try:
        with store.transaction():
            for n, (unit, updates) in enumerate(sorted(by_unit.items()), start=1):
                sid = store.db.execute(
                    "INSERT INTO submissions (file_hash, file_name, source, received_at, unit_code, kind, year, status, "
                    "is_current, intake_year, number) VALUES (?, ?, ?, '2027-01-08T09:00:00', ?, 'staff-roster', 2026, "
                    "'accepted', 1, 2026, ?)", (f"{n:064x}", f"{unit}.xlsx", f"{unit}.eml", unit, n)).lastrowid
                written += record_writes(store.db, sid, updates)
    finally:
        store.close()
    return written


def main() -> None:
    scheme, audit = load_municipal(), load_audit()
    staff = choose_size(20_000, 1_000)
    with tempfile.TemporaryDirectory() as tmp:
        master = Path(tmp) / "master.xlsx"
        make_master(master, random.Random(26), scheme, staff)
        written = record_staff(master, scheme)
        tables = read_master(FileHost(master), scheme)
        base = timed(lambda: recompute(FileHost(master), scheme))
        check = timed(lambda: edit_problems(tables, archive_path(master), 2026, master.name))
        found = edit_problems(tables, archive_path(master), 2026, master.name)
        t0 = time.perf_counter()
        tracer = Tracer(master, 2026, scheme, audit)
        opened = time.perf_counter() - t0
        codes = [f"P{i:05d}" for i in range(0, staff, max(1, staff // 50))]
        one = timed(lambda: [tracer.trace(c) for c in codes], 1) / len(codes)
        tracer.close()
    print(f"{staff:,} staff, {written:,} master cells recorded as written by intake ({len(found)} edits found)")
    print(f"recompute (baseline)             {base:8.3f} s")
    print(f"edits-after-intake check         {check:8.3f} s   check/recompute {check / base:.3f}×")
    print(f"kaohe trace: open (engine once)  {opened:8.3f} s   open/recompute {opened / base:.3f}×")
    print(f"kaohe trace: one person          {one * 1000:8.2f} ms")


if __name__ == "__main__":
    main()
