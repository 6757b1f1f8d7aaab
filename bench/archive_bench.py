"""Archive benchmark: 5 years × (500 departments + 20,000 staff). Publishing a version,
a diff of two versions, and one person's history; what the chain check (addin.archive.chain,
against the master's publish record) costs each read, against the same read unchecked.

Run: .venv/bin/python bench/archive_bench.py   (KAOHE_BENCH_SIZE=tiny: 1,000 staff, see bench/size.py)
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

from recompute_bench import make_master  # noqa: E402
from size import choose_size, timed  # noqa: E402

from addin.archive.history import history, published  # noqa: E402
from addin.archive.versions import diff, publish  # noqa: E402
from addin.hosts import FileHost  # noqa: E402
from addin.macro import recompute  # noqa: E402
from addin.scheme import load_municipal  # noqa: E402


_LATEST = """SELECT r.year, r.version, r.kind, r.code, r.name, r.unit, r.score, r.rank, r.grade, r.award, r.trace
FROM results r JOIN (SELECT year, MAX(version) AS version FROM versions GROUP BY year) v
  ON v.year = r.year AND v.version = r.version"""
"""The reads as they were before the chain: the same rows, nothing checked (the baseline)."""


def unchecked(archive: Path, where: str, params: tuple) -> list:
    """``published()`` as it was: one query, an Entry a row."""
    import sqlite3

    from addin.archive.history import Entry

    db = sqlite3.connect(archive)
    try:
        rows = db.execute(f"{_LATEST} WHERE {where} ORDER BY r.year, r.kind, r.unit, r.rank, r.code", params).fetchall()
    finally:
        db.close()
    return [Entry(*r) for r in rows]


def unchecked_diff(archive: Path, year: int, a: int, b: int) -> tuple[dict, dict]:
    """The reads of ``diff()`` as it was: both versions by (kind, code)."""
    import sqlite3

    db = sqlite3.connect(archive)
    query = "SELECT kind, code, name, score, rank, grade, award FROM results WHERE year = ? AND version = ?"
    try:
        return tuple({(r[0], r[1]): r for r in db.execute(query, (year, v))} for v in (a, b))
    finally:
        db.close()


def main() -> None:
    scheme = load_municipal()
    staff = choose_size(20_000, 1_000)
    # people looked up: the first, one in the middle, the last, a department, a head
    codes = ("P00017", f"P{staff * 12345 // 20_000:05d}", f"P{staff - 1:05d}", "B0042", "P00500")
    with tempfile.TemporaryDirectory() as tmp:
        master = Path(tmp) / "master.xlsx"
        make_master(master, random.Random(5), scheme, staff)
        t0 = time.perf_counter()
        assert recompute(FileHost(master), scheme).ok
        recompute_s = time.perf_counter() - t0
        publishes = []
        for year in range(2022, 2027):
            t0 = time.perf_counter()
            done = publish(master, year)
            publishes.append(time.perf_counter() - t0)
        import openpyxl

        wb = openpyxl.load_workbook(master)  # appeals upheld: three departments' business scores change
        ws = wb["部门"]
        for r in (2, 3, 4):
            ws.cell(r, 4).value = 69.5
        wb.save(master)
        assert recompute(FileHost(master), scheme).ok
        t0 = time.perf_counter()
        publish(master, 2026, note="v2")
        publishes.append(time.perf_counter() - t0)
        diffs = []
        for _ in range(choose_size(3, 1)):
            t0 = time.perf_counter()
            changes = diff(master, 2026, 1, 2)
            diffs.append(time.perf_counter() - t0)
        lookups = []
        for code in codes:
            t0 = time.perf_counter()
            entries = history(master, code)
            lookups.append(time.perf_counter() - t0)
            assert len(entries) == 5
        import sqlite3

        from addin.archive.versions import archive_path

        db = sqlite3.connect(archive_path(master))  # baseline: the same lookup without the (code, year) index
        scans = []
        for code in codes[:3]:
            t0 = time.perf_counter()
            found = db.execute("SELECT year, version FROM results NOT INDEXED WHERE code = ?", (code,)).fetchall()
            scans.append(time.perf_counter() - t0)
            assert len(found) == 6  # five years, 2026 in two versions
        db.close()
        archive = archive_path(master)
        code = codes[1]
        checks = [  # (what is read, checked, unchecked)
            (f"one person's history ({code}, 5 years)", lambda: history(master, code),
             lambda: unchecked(archive, "r.code = ?", (code,))),
            ("one year's results (documents, export, last year's values)",
             lambda: published(archive, year=2026, master=master), lambda: unchecked(archive, "r.year = ?", (2026,))),
            ("the two versions a diff reads", lambda: diff(master, 2026, 1, 2),
             lambda: unchecked_diff(archive, 2026, 1, 2)),
        ]
        assert len(history(master, code)) == len(unchecked(archive, "r.code = ?", (code,))) == 5
        costs = [(what, timed(check), timed(plain)) for what, check, plain in checks]
    print(f"kaohe archive benchmark — 5 years × (500 departments + 10 districts + {staff:,} staff), "
          f"{done.rows:,} results per version")
    print(f"  publish a version (read the result sheets, insert, stamp the master): median "
          f"{statistics.median(publishes):.2f} s, worst {max(publishes):.2f} s (target ≤ 2 s)")
    print(f"    baseline: one headless recompute of the same master {recompute_s:.2f} s → publishing costs "
          f"{statistics.median(publishes) / recompute_s:.2f}× a recompute")
    print(f"  diff of two versions of one year ({len(changes)} changes): median {statistics.median(diffs) * 1000:.0f} ms "
          f"(target ≤ 1 s)")
    print(f"  one person's or unit's history, checked: median {statistics.median(lookups) * 1000:.1f} ms, worst "
          f"{max(lookups) * 1000:.1f} ms (target ≤ 50 ms)")
    plain_lookup = costs[0][2]
    print(f"    baseline: the same lookup unchecked {plain_lookup * 1000:.1f} ms, as a full scan (no index) "
          f"{statistics.median(scans) * 1000:.1f} ms → the index is {statistics.median(scans) / plain_lookup:.0f}× faster")
    print("  the chain check (links, the master's publish record, the digests and rows served), per read:")
    for what, checked, plain in costs:
        print(f"    {what}: checked {checked * 1000:.1f} ms, unchecked {plain * 1000:.1f} ms → the check costs "
              f"{(checked - plain) * 1000:.1f} ms, {(checked - plain) / plain:.1f}× the read it protects")


if __name__ == "__main__":
    main()
