"""Alignment benchmark: a master built by kaohe for 500 departments, 10 districts and
20,000 or 100,000 staff, as built (xlsxwriter: shared strings, the column record's last of
all) and once saved by openpyxl (as intake saves it: inline strings), then

- ``check``: align_master when nothing differs (what every command pays),
- ``align``: align_master after a scheme edit (a public target renamed, one added, one
  removed, its values moved to their own sheet),

against the baseline of loading and saving the same master with openpyxl (what aligning
through a document model would cost at the least), in the same run.

Run: .venv/bin/python bench/alignment_bench.py [staff ...]   (KAOHE_BENCH_SIZE=tiny: 1,000 staff, one run
each, see bench/size.py)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import openpyxl  # noqa: E402
from size import choose_size  # noqa: E402

from addin.office.roster import Roster, RosterPerson, RosterUnit  # noqa: E402
from addin.scheme import load_municipal  # noqa: E402
from addin.scheme.loader import builtin_path  # noqa: E402
from addin.workbook.alignment import align_master  # noqa: E402
from addin.workbook.identity import Identity  # noqa: E402
from workbook_templates.form import FormBook  # noqa: E402
from workbook_templates.master import build_master  # noqa: E402


def make_master(path: Path, scheme, staff: int, saved: bool = True) -> None:
    units = [RosterUnit(f"B{i:04d}", f"部门{i}", "部门", f"第{i % 20 + 1}口") for i in range(500)]
    units += [RosterUnit(f"Q{i:02d}", f"区{i}", "区市") for i in range(10)]
    people = [RosterPerson(f"P{i:06d}", f"人{i}", f"B{i % 500:04d}", "科级及以下", i < 500) for i in range(staff)]
    book = FormBook(path, Identity("master", scheme.id, scheme.version, "h", 2026, "KHB", "考核办", "t", "0"))
    build_master(book, scheme, Roster(units, people), 2026)
    book.close()
    if not saved:
        return
    wb = openpyxl.load_workbook(path)  # intake saves the master through openpyxl
    ws = wb["部门"]
    header = [c.value for c in ws[1]]
    for r in range(2, 502):
        for name, value in zip(header[3:8], (60, 9, 9, 4, 4)):
            ws.cell(r, header.index(name) + 1, value)
    wb.save(path)


def edited_scheme(folder: Path):
    text = builtin_path("municipal").read_text(encoding="utf-8")
    parts = [line for line in text.splitlines() if line.startswith("    - {name: ") and "附表3" in line]
    renamed = parts[0].replace(parts[0].split("name: ")[1].split(",")[0], "文明创建")
    investment = next(line for line in text.splitlines() if "附表4B" in line and line.startswith("    - {name: "))
    text = text.replace(parts[0], renamed).replace(investment, "    - {name: 营商环境, points: 5, scored_by: 市营商环境局}")
    (folder / "scheme.yaml").write_text(text, encoding="utf-8")
    return load_municipal(folder / "scheme.yaml")


def best(fn, runs: int = 3) -> float:
    times = []
    for _ in range(choose_size(runs, 1)):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(sizes: list[int]) -> None:
    scheme = load_municipal()
    print("kaohe alignment benchmark — a master of 500 departments and 10 districts: align_master unchanged (check) "
          "and after a scheme edit (align), against openpyxl loading and saving it")
    for staff, saved in ((n, s) for n in sizes for s in (False, True)):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            base = folder / "base.xlsx"
            make_master(base, scheme, staff, saved)
            edited = edited_scheme(folder)
            master = folder / "考核汇总.xlsx"
            shutil.copy(base, master)
            check = best(lambda: align_master(master, scheme))

            def align():
                shutil.copy(base, master)
                assert len(align_master(master, edited)) == 4

            aligned = best(align)

            def baseline():
                openpyxl.load_workbook(master).save(folder / "openpyxl.xlsx")

            model = best(baseline, runs=1)
            size = base.stat().st_size / 1e6
            shape = "after intake" if saved else "as built"
            print(f"{staff:>7} staff, {shape:12} ({size:.1f} MB): check {check:.3f} s, align {aligned:.3f} s; "
                  f"openpyxl load+save {model:.2f} s; align/openpyxl {aligned / model:.3f}, "
                  f"check/openpyxl {check / model:.3f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or choose_size([20_000, 100_000], [1_000]))
