"""Formula cost benchmark (issue 21): the red team's two files taken in end to end, against
a plain filled template in the same run; the earlier tokenizer (tests/old_formula.py) on
the same content for the before figures, scaled down where it would take minutes; the
growth of the tokenizer's time from n to 4n on adversarial formulas; and the costliest
files the budget lets through.

Run: .venv/bin/python bench/formula_bench.py   (KAOHE_BENCH_SIZE=tiny: a hundredth of each file and formula,
see bench/size.py)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from size import choose_size  # noqa: E402
import costly  # noqa: E402
import old_formula  # noqa: E402
from fill import APPENDIX1_FULL, TEST_SECRET, fill, seed_secret  # noqa: E402
from test_cost import ADVERSARIAL, growth  # noqa: E402

from addin.intake import formula  # noqa: E402
from addin.intake.package import DEFAULT_LIMITS  # noqa: E402
from addin.intake.run import run_intake  # noqa: E402
from addin.office.roster import Roster, RosterUnit  # noqa: E402
from addin.scheme import load_audit, load_municipal  # noqa: E402
from workbook_templates.build import build_templates  # noqa: E402


def best(fn, *args, repeat: int = 3) -> float:
    out = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)
        out = min(out, time.perf_counter() - t0)
    return out


def intake_one(data: bytes, master: Path, work: Path, municipal, audit) -> tuple[float, str]:
    """Seconds to take in one file alone (a fresh master each time), and its first reason."""
    if work.exists():
        shutil.rmtree(work)
    (work / "inbox").mkdir(parents=True)
    shutil.copy(master, work / "master.xlsx")
    seed_secret(work / "master.xlsx")
    (work / "inbox" / "f.xlsx").write_bytes(data)
    t0 = time.perf_counter()
    result = run_intake(work / "inbox", work / "master.xlsx", municipal=municipal, audit=audit, year=2026)
    seconds = time.perf_counter() - t0
    o = result.outcomes[0]
    if not o.problems:
        return seconds, o.status
    p = o.problems[0]
    return seconds, f"{o.status}: {p.code}" + (f" at {p.sheet}!{p.cell}" if p.cell else "")


def old_busy_estimate() -> str:
    """The earlier tokenizer on ``#BUSY!,`` × n: quadratic, so 100,000 is extrapolated."""
    sizes = choose_size((2_500, 5_000, 10_000), (100, 200, 400))
    times = [best(old_formula.tokenize, "#BUSY!," * n, repeat=1) for n in sizes]
    estimate = times[-1] * (100_000 / sizes[-1]) ** 2
    shown = ", ".join(f"{n:,}: {t:.2f} s" for n, t in zip(sizes, times))
    return f"{shown}; ×2 size → ×{times[-1] / times[-2]:.1f} time; 100,000 extrapolated: {estimate:.0f} s"


def main() -> None:
    municipal, audit = load_municipal(), load_audit()
    roster = Roster([RosterUnit("B001", "市发展改革委", "部门", "综合口")])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        built = build_templates(tmp / "tpl", municipal=municipal, audit=audit, roster=roster, year=2026,
                                kinds=["appendix", "master"], secret=TEST_SECRET)
        master = next(b.path for b in built if b.identity.template_kind == "master")
        appendix = next(b.path for b in built if b.identity.template_kind == "appendix:附表1:departments")
        good = fill(appendix, APPENDIX1_FULL, tmp / "good.xlsx").read_bytes()
        anchor = costly.chain(2731)  # 8,192 characters
        busy, children, edge = choose_size((100_000, 9_000, 600), (1_000, 90, 6))
        files = {
            "plain filled 附表1 (baseline)": good,
            f"red team 1: #BUSY!, × {busy:,} in a name": costly.busy_name(good, busy),
            f"red team 2: 8,192-char anchor, {children:,} children": costly.shared_fill(good, anchor, children),
            "within Excel: #BUSY!, × 1,170 in a name": costly.busy_name(good, 1_170),
            f"budget's edge: 8,192-char anchor, {edge:,} children": costly.shared_fill(good, anchor, edge),
            "names' budget's edge: 120 × 8,190 characters": _many_names(good, 120),
        }
        print("kaohe formula cost benchmark (issue 21)")
        print(f"  limits: formula ≤ {DEFAULT_LIMITS.max_formula_length:,} characters, formulas in all ≤ "
              f"{DEFAULT_LIMITS.max_formula_total:,}, names ≤ {DEFAULT_LIMITS.max_names:,} holding ≤ "
              f"{DEFAULT_LIMITS.max_name_total:,}, ≤ {DEFAULT_LIMITS.max_seconds:g} s a file")
        base = None
        for label, data in files.items():
            seconds, verdict = intake_one(data, master, tmp / "work", municipal, audit)
            base = base or seconds
            print(f"  {label:48s} {len(data) / 1024:6.0f} KB  {seconds:6.2f} s  ({seconds / base:5.1f}× baseline)  "
                  f"{verdict}")

        print("  before (the earlier tokenizer, same process):")
        print(f"    red team 1, #BUSY!, × n in a name: {old_busy_estimate()}")
        per_child_old = best(old_formula.shift_formula, "=" + anchor, 1, 0)
        child = formula.make_shifter("=" + anchor)
        per_child_new = best(child, 1, 0)
        print(f"    red team 2, one child of the 8,192-char anchor: before {per_child_old * 1000:.1f} ms "
              f"(re-read each time; × {children:,} children = {per_child_old * children:.0f} s), now "
              f"{per_child_new * 1000:.2f} ms "
              f"(read once per group), {per_child_old / per_child_new:.0f}× less")

        n, rounds, tries = choose_size((3_000, 7, 3), (100, 1, 1))
        print(f"  time at 4n ÷ time at n (linear ≈ 4, quadratic ≈ 16), n = {n:,}:")
        for label, make in ADVERSARIAL.items():
            print(f"    {label:40s} {growth(formula.tokenize, make, n, rounds, tries):5.2f}")
        before = growth(old_formula.tokenize, ADVERSARIAL["error literals (#BUSY!,×N)"], choose_size(1_000, 100),
                        rounds=choose_size(2, 1), tries=1)
        print(f"    {'error literals, the earlier tokenizer':40s} {before:5.2f}")


def _many_names(data: bytes, count: int) -> bytes:
    """``count`` defined names of 8,190 characters each (within Excel's length)."""
    import ooxml

    def step(parts):
        text = parts["xl/workbook.xml"].decode("utf-8")
        names = "".join(f'<definedName name="Busy{i}">{"#BUSY!," * 1170}</definedName>' for i in range(count))
        parts["xl/workbook.xml"] = text.replace("</definedNames>", names + "</definedNames>").encode("utf-8")

    return ooxml.rewrite(data, *costly.EXCEL_UNSHARED, step)


if __name__ == "__main__":
    main()
