"""Reader benchmark: the untrusted .xlsx reader (package checks, every part judged, cells,
formulas with shared formulas expanded, defined names, locked flags) against a bare
python-calamine read of every sheet's values, on the corpus of real workbooks
(tests/corpus.py; ``make corpus`` fetches it, ``KAOHE_CORPUS`` names another folder).

Each file is read by both in turn, several rounds; a file's figure is its best round (the
machine is shared), and the corpus's figure the sum over its files. The parts the reader
remembers by their bytes are forgotten before every read, so no file is helped by having
been read before (in intake a batch of one template's submissions is).

Run: .venv/bin/python bench/reader_bench.py   (KAOHE_BENCH_SIZE=tiny: one round, see bench/size.py)
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from size import choose_size  # noqa: E402
from corpus import corpus_files, corpus_folder, missing  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from addin.intake import opc  # noqa: E402
from addin.intake.package import check_package, open_package  # noqa: E402
from addin.intake.xlsx import UnsafeWorkbook, read_book  # noqa: E402

ROUNDS = choose_size(21, 1)


def kaohe_read(data: bytes, name: str) -> None:
    opc.remembered.cache_clear()
    archive, problem = open_package(data, name)
    if problem:
        return
    try:
        book = read_book(archive, name)
    except UnsafeWorkbook:
        return
    check_package(archive, book, name)


def calamine_read(data: bytes) -> None:
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    for sheet in wb.sheet_names:
        wb.get_sheet_by_name(sheet).to_python()


def best(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def main() -> None:
    if missing():
        raise SystemExit(f"no corpus in {corpus_folder()}: run `make corpus`")
    files = [(p.relative_to(corpus_folder()).as_posix(), p.read_bytes()) for p in corpus_files()]
    ours = {name: float("inf") for name, _ in files}
    theirs = dict(ours)
    for _ in range(ROUNDS):
        for name, data in files:
            ours[name] = min(ours[name], best(kaohe_read, data, name))
            theirs[name] = min(theirs[name], best(calamine_read, data))
    total, base = sum(ours.values()), sum(theirs.values())
    size = sum(len(d) for _, d in files)
    print("kaohe reader benchmark")
    print(f"  corpus: {len(files)} real workbooks, {size / 1024:.0f} KiB ({corpus_folder()})")
    print(f"  kaohe reader (package checks, cells, formulas, names, locks): {total * 1000:.1f} ms "
          f"= {total / len(files) * 1000:.2f} ms per file")
    print(f"  python-calamine (values only):                                {base * 1000:.1f} ms "
          f"= {base / len(files) * 1000:.2f} ms per file")
    print(f"  reader ÷ calamine = {total / base:.2f}× (target ≤ 3×)")
    worst = sorted(files, key=lambda f: ours[f[0]] / theirs[f[0]], reverse=True)[:3]
    for name, _ in worst:
        print(f"    slowest against calamine: {name}: {ours[name] * 1000:.2f} ms, {ours[name] / theirs[name]:.1f}×")


if __name__ == "__main__":
    main()
