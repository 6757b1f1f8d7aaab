"""The differential harness of native formulas: the engine against a real LibreOffice.

A native template (one sheet per table, built by the real template code) is opened once
in LibreOffice. Hypothesis draws input sets for every item; each set is typed into the
item's cells through UNO, the document recalculates, and the item's score and the
table's total are read back. Every read must equal what the engine says for the same
inputs: the same number exactly at 2 places, or the same status (未填, 输入有误, 不计分,
汇总时计分). Used by tests/test_native.py (a CI-sized sample) and
bench/native_bench.py (at least 1,000 sets per kind).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from addin.engine.items import score_item
from addin.engine.tables import score_table
from addin.intake.package import open_package
from addin.intake.xlsx import read_book, resolve
from addin.scheme.items import InputSpec, ItemBase
from addin.scheme.loader import _DecimalLoader
from addin.scheme.models import Table
from addin.workbook.identity import Identity, input_name, output_name
from office import libreoffice
from workbook_templates.appendix import build_appendix, native_shown, native_total_shown
from workbook_templates.form import FormBook

HERE = Path(__file__).parent
JUNK = ["abc", "八十", "-"]


def kinds_tables() -> list[Table]:
    text = (HERE / "native_kinds.yaml").read_text(encoding="utf-8")
    return TypeAdapter(list[Table]).validate_python(yaml.load(text, Loader=_DecimalLoader))


def build_book(path: Path, municipal, tables: list[Table]) -> Path:
    """One native workbook, a sheet per table, through the appendix builder."""
    identity = Identity("appendix:test", "municipal", "t", "h", 2026, "T01", "测试单位", "x", "kaohe", "native")
    book = FormBook(path, identity)
    for table in tables:
        build_appendix(book, municipal, table, table.tiers[0], "测试单位", 2026, "native")
    return book.close()


# --- the domain of each input -------------------------------------------------------


def _cents(lo: Decimal, hi: Decimal, places: int = 2) -> st.SearchStrategy:
    scale = 10 ** places
    return st.integers(int(lo * scale), int(hi * scale)).map(lambda k: k / scale)


def valid_value(spec: InputSpec) -> st.SearchStrategy:
    """A value the engine accepts on its own (boundaries included)."""
    if spec.type == "flag":
        return st.sampled_from(["是", "否", "有", "无", 1, 0])
    if spec.type == "choice":
        return st.sampled_from(list(spec.choices))
    if spec.type == "note":
        return st.sampled_from(["说明", "酌情扣分"])
    if spec.type == "records":
        return st.sampled_from(["项目甲"])
    if spec.type == "count":
        lo = int(spec.lo or 0)
        hi = int(spec.hi) if spec.hi is not None else lo + 5000
        return st.one_of(st.integers(lo, min(hi, lo + 40)), st.integers(lo, hi), st.sampled_from([lo, hi]))
    if spec.type == "rate":
        return _cents(Decimal("-0.2"), Decimal("0.6"), 4)
    if spec.type == "scores":
        hi = spec.hi if spec.hi is not None else Decimal(100)
        cell = st.one_of(st.none(), _cents(spec.lo or Decimal(0), hi), st.sampled_from([float(hi), 0]))
        return st.lists(cell, min_size=10, max_size=10).filter(lambda xs: any(x is not None for x in xs))
    lo = spec.lo if spec.lo is not None else Decimal(-500)
    hi = spec.hi if spec.hi is not None else Decimal(100000)
    return st.one_of(_cents(lo, hi), st.sampled_from([float(lo), float(hi)]), _cents(Decimal(0), Decimal(20)))


def any_value(spec: InputSpec) -> st.SearchStrategy:
    """Anything a clerk may leave: blanks, text, values out of range or not whole."""
    if spec.type == "scores":
        cell = st.one_of(st.none(), valid_value(InputSpec("s", "s", "number", spec.lo, spec.hi)),
                         st.sampled_from([-1, float((spec.hi or 100) + 1), "abc"]))
        return st.lists(cell, min_size=10, max_size=10)
    bad: list[Any] = [None, *JUNK]
    if spec.type == "count":
        lo = int(spec.lo or 0)
        bad += [lo - 1, 2.5] + ([int(spec.hi) + 1] if spec.hi is not None else [])
    elif spec.type == "number":
        bad += [float(spec.lo) - 0.01] if spec.lo is not None else []
        bad += [float(spec.hi) + 0.01] if spec.hi is not None else []
    elif spec.type in ("flag", "choice"):
        bad += ["其他"]
    return st.one_of(valid_value(spec), st.sampled_from(bad))


def inputs_of(item: ItemBase) -> st.SearchStrategy:
    specs = item.inputs()

    @st.composite
    def draw(d):
        clean = d(st.integers(0, 4)) > 0  # four in five sets are in the domain; the rest anything
        pick = valid_value if clean else any_value
        return {s.name: d(pick(s)) for s in specs}
    return draw()


def draw_all(strategy: st.SearchStrategy, n: int) -> list[Any]:
    """``n`` examples of a strategy, drawn by hypothesis (boundaries and small values first,
    the same ones on every run)."""
    out: list[Any] = []

    @settings(max_examples=n, database=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def collect(x):
        out.append(x)

    collect()
    return out


def base_inputs(item: ItemBase) -> dict[str, Any]:
    """A fixed valid input set for the items not under test (so the total is computed)."""
    fixed = {"flag": "否", "note": "说明", "records": "项目甲"}
    out = {}
    for s in item.inputs():
        if s.type == "choice":
            out[s.name] = s.choices[0]
        elif s.type == "count":
            out[s.name] = int(s.lo or 0) + 1
        elif s.type == "rate":
            out[s.name] = 0.05
        elif s.type == "scores":
            out[s.name] = [8.5, 9] + [None] * 8
        elif s.type == "number":
            out[s.name] = float(s.hi) if s.hi is not None else 10
        else:
            out[s.name] = fixed[s.type]
    return out


# --- cases --------------------------------------------------------------------------


@dataclass
class Case:
    table: Table
    item: ItemBase
    raw: dict[str, Any]
    inputs: dict[str, dict[str, Any]]


@dataclass
class Plan:
    cases: list[Case] = field(default_factory=list)
    jobs: list[dict] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    """The indexes of the cases given as ``extra``."""
    starts: list[int] = field(default_factory=list)
    """Where each table's cases start (each begins by typing its base set)."""


def _addresses(book, name: str) -> tuple[str, list[str]]:
    sheet, cells = resolve(book, book.names[(None, name)])
    return sheet, cells


def plan_cases(path: Path, tables: list[Table], per_item: int, extra: list[tuple[str, str, dict]] = ()) -> Plan:
    """Input sets for every item of every table (up to ``per_item`` each, none for 0: a
    small domain such as a choice has fewer) and the ``extra`` sets (table id, item id,
    inputs), as one job."""
    archive, problem = open_package(path.read_bytes(), path.name)
    assert problem is None
    book = read_book(archive, path.name)
    by_id = {t.id: t for t in tables}
    plan = Plan()
    lo_cases: list[dict] = []
    cells: dict[tuple[str, str, str], list[str]] = {}
    for table in tables:
        for item in table.items:
            for spec in item.inputs():
                cells[(table.id, item.id, spec.name)] = _addresses(book, input_name(table.id, item.id, spec.name))[1]

    def setting(table: Table, item: ItemBase, raw: dict[str, Any]) -> list[list]:
        out = []
        for spec in item.inputs():
            addrs = cells[(table.id, item.id, spec.name)]
            values = raw[spec.name] if spec.type == "scores" else [raw[spec.name]]
            out += [[a, v] for a, v in zip(addrs, values)]
        return out

    def add(table: Table, item: ItemBase, raw: dict[str, Any], state: dict[str, dict[str, Any]],
            restore: list[ItemBase]) -> None:
        sets = [pair for other in restore for pair in setting(table, other, state[other.id])]
        sets += setting(table, item, raw)
        score = _addresses(book, output_name(table.id, item.id))[1][0]
        total = _addresses(book, output_name(table.id, "total"))[1][0]
        lo_cases.append({"sheet": table.id, "set": sets, "read": [score, total]})
        plan.cases.append(Case(table, item, raw, {**state, item.id: raw}))

    for table in tables:
        plan.starts.append(len(plan.cases))
        state = {i.id: base_inputs(i) for i in table.items}
        first = table.items[0]
        add(table, first, state[first.id], state, table.items[1:])  # type the base set of every item
        n = per_item
        for k, item in enumerate(table.items if n else []):
            for j, raw in enumerate(draw_all(inputs_of(item), n)):
                # the first set of an item puts the previous item back to its base values
                add(table, item, raw, state, [table.items[k - 1]] if k and not j else [])
        if n:
            add(table, table.items[-1], state[table.items[-1].id], state, [])
    for table_id, item_id, raw in extra:
        table = by_id[table_id]
        item = next(i for i in table.items if i.id == item_id)
        state = {i.id: base_inputs(i) for i in table.items}
        plan.extra.append(len(plan.cases))
        add(table, item, raw, state, [])
        add(table, item, state[item.id], state, [])  # and back to the base set
    plan.jobs = [{"src": str(path), "cases": lo_cases}]
    return plan


def expected(case: Case) -> tuple[Decimal | str, Decimal | str]:
    """What the engine says the item and the table show for the case's inputs."""
    result = score_item(case.item, case.raw)
    table = score_table(case.table, case.inputs)
    shown = {s.item: native_shown(s, i, case.inputs[i.id]) for s, i in zip(table.items, case.table.items)}
    return native_shown(result, case.item, case.raw), native_total_shown(shown, table.total)


def same(got: Any, want: Decimal | str) -> bool:
    if isinstance(want, str):
        return got == want
    return isinstance(got, float) and Decimal(repr(got)) == want


def run_plan(plan: Plan, workers: int = 1) -> tuple[list[tuple[Case, Any, Any]], float]:
    """Run the cases in LibreOffice, in ``workers`` LibreOffice processes side by side
    (tables split between them); (mismatches, seconds in LibreOffice)."""
    from concurrent.futures import ThreadPoolExecutor

    cases = plan.jobs[0]["cases"]
    cuts = [plan.starts[k * len(plan.starts) // workers] for k in range(workers)] + [len(cases)] \
        if workers > 1 and len(plan.starts) >= workers else [0, len(cases)]
    src = Path(plan.jobs[0]["src"])
    chunks = []
    for k, (a, b) in enumerate(zip(cuts, cuts[1:])):
        # a copy per process: LibreOffice opens a file another one holds as read-only
        copy = src.with_name(f"{src.stem}_{k}{src.suffix}") if k else src
        if k:
            copy.write_bytes(src.read_bytes())
        chunks.append(dict(plan.jobs[0], src=str(copy), cases=cases[a:b]))
    start = time.perf_counter()
    with ThreadPoolExecutor(len(chunks)) as pool:
        parts = list(pool.map(lambda job: libreoffice([job])[0]["cases"], chunks))
    seconds = time.perf_counter() - start
    reads = [r for part in parts for r in part]
    assert len(reads) == len(plan.cases)
    bad = []
    for case, (score, total) in zip(plan.cases, reads):
        want = expected(case)
        if not (same(score, want[0]) and same(total, want[1])):
            bad.append((case, (score, total), want))
    return bad, seconds


def show(bad: list[tuple[Case, Any, Any]]) -> str:
    return "\n".join(f"{c.table.id}:{c.item.id} {c.raw} → LibreOffice {got}, engine {want}" for c, got, want in bad[:15])
