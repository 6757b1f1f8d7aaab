"""Native formulas benchmark: the differential run (engine against LibreOffice) at 1,000
input sets per item of every kind and of every shipped table, and the build time of a
native template beside an add-in one (target: at most 1.5×).

Run: .venv/bin/python bench/native_bench.py [sets per item, default 1000]   (needs soffice and python3-uno;
KAOHE_BENCH_SIZE=tiny: 2 sets per item in one LibreOffice, one build, 2 departments' intake, see bench/size.py)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import differential as D  # noqa: E402
from size import choose_size  # noqa: E402

from addin.demo import city_books, sample_city  # noqa: E402
from addin.scheme import load_audit, load_municipal  # noqa: E402
from workbook_templates.build import build_templates  # noqa: E402


def differential(per_item: int) -> None:
    """Every kind at ``per_item`` sets per item; the shipped tables (the same kinds again, with
    the scheme's own parameters and the real totals) at a tenth of that."""
    municipal = load_municipal()
    workers = choose_size(2, 1)
    with tempfile.TemporaryDirectory() as tmp:
        for label, tables, n in (("item kinds (tests/native_kinds.yaml)", D.kinds_tables(), per_item),
                                 ("shipped tables 附表1–9", list(municipal.tables), max(1, per_item // 10))):
            path = D.build_book(Path(tmp) / "book.xlsx", municipal, tables)
            start = time.perf_counter()
            plan = D.plan_cases(path, tables, n)
            drawn = time.perf_counter() - start
            bad, seconds = D.run_plan(plan, workers=workers)
            per_kind = Counter(c.item.kind for c in plan.cases)
            print(f"differential, {label}, {n} sets per item: {len(plan.cases)} cases in {seconds:.1f} s in "
                  f"{workers} LibreOffice process{'es' if workers > 1 else ''} "
                  f"({seconds / len(plan.cases) * 1000:.1f} ms per case; hypothesis drew them in {drawn:.1f} s); "
                  f"mismatches: {len(bad)}")
            print("  cases per kind: " + ", ".join(f"{k} {n}" for k, n in sorted(per_kind.items())))
            if bad:
                print(D.show(bad))
                raise SystemExit(1)


def city():
    """The sample city's roster and 目标责任书 items; at the tiny size only its first two units
    of each type (部门, 区市, 科室, 县市区局) and their staff."""
    from addin.office.roster import Roster

    roster = sample_city(2026)
    books = city_books(roster)
    per_type = choose_size(None, 2)
    if per_type:
        seen: Counter = Counter()
        units = []
        for unit in roster.units:
            seen[unit.type] += 1
            if seen[unit.type] <= per_type:
                units.append(unit)
        codes = {u.code for u in units}
        roster = Roster(units, [p for p in roster.people if p.unit in codes])
    return roster, books


def build_time() -> None:
    municipal, audit = load_municipal(), load_audit()
    roster, books = city()
    times: dict[str, list[float]] = {"addin": [], "native": []}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(choose_size(5, 1)):
            for form in ("addin", "native"):
                start = time.perf_counter()
                built = build_templates(Path(tmp) / f"{form}{rep}", municipal=municipal, audit=audit, roster=roster,
                                        year=2026, books=books, workers=1, formulas=form,
                                        kinds=["appendix", "audit-form", "staff-roster", "staff-form"])
                times[form].append(time.perf_counter() - start)
    a, n = statistics.median(times["addin"]), statistics.median(times["native"])
    print(f"template build, {len(built)} workbooks (附表, 审计考评表, 名册, 考核表) of the sample city: "
          f"add-in {a:.2f} s, native {n:.2f} s → native ÷ add-in = {n / a:.2f}× (target ≤ 1.5×)")


def intake_time() -> None:
    """The same 500 submissions (100 departments × 5 tables; 10 at the tiny size), filled in each
    form, taken in."""
    from fill import TEST_SECRET, fill
    from intake_bench import VALUES, timed_intake

    from addin.office.roster import Roster, RosterUnit

    municipal, audit = load_municipal(), load_audit()
    departments = choose_size(100, 2)
    roster = Roster([RosterUnit(f"B{i:03d}", f"部门{i}", "部门", f"第{i % 20 + 1}口") for i in range(departments)])
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for form in ("addin", "native"):
            built = build_templates(Path(tmp) / form, municipal=municipal, audit=audit, roster=roster, year=2026,
                                    kinds=["appendix", "master"], secret=TEST_SECRET, formulas=form)
            inbox = Path(tmp) / f"inbox_{form}"
            for b in built:
                if b.identity.template_kind.startswith("appendix"):
                    table = b.identity.template_kind.split(":")[1]
                    fill(b.path, VALUES[table], inbox / f"{b.identity.unit_code}_{table}.xlsx")
            master = next(b.path for b in built if b.identity.template_kind == "master")
            times[form], result = timed_intake(inbox, master, Path(tmp) / f"work_{form}", municipal, audit,
                                               repeat=choose_size(3, 1))
            assert all(o.status == "accepted" for o in result.outcomes), form
    print(f"intake, {len(result.outcomes)} submissions: add-in form {times['addin']:.2f} s, "
          f"native form {times['native']:.2f} s → native ÷ add-in = {times['native'] / times['addin']:.2f}×")


if __name__ == "__main__":
    build_time()
    intake_time()
    differential(int(sys.argv[1]) if len(sys.argv) > 1 else choose_size(1000, 2))
