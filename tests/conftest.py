from __future__ import annotations

from decimal import Decimal

import pytest
import yaml
from hypothesis import strategies as st

from addin.scheme import load_builtin
from addin.scheme.items import Item
from addin.scheme.loader import _DecimalLoader
from pydantic import TypeAdapter


@pytest.fixture(scope="session")
def municipal():
    return load_builtin("municipal")


@pytest.fixture(scope="session")
def audit():
    return load_builtin("audit")


_ITEM = TypeAdapter(Item)


def item_from_yaml(text: str):
    """An item written inline in YAML, as a scheme file would hold it."""
    return _ITEM.validate_python(yaml.load(text, Loader=_DecimalLoader))


def D(x) -> Decimal:
    return Decimal(str(x))


def random_raw(spec, draw):
    """A valid raw value for an input spec, drawn with hypothesis."""
    if spec.type == "flag":
        return draw(st.sampled_from(["是", "否"]))
    if spec.type == "count":
        lo = int(spec.lo or 0)
        hi = int(spec.hi) if spec.hi is not None else lo + 40
        return draw(st.integers(lo, hi))
    if spec.type == "number":
        lo = float(spec.lo) if spec.lo is not None else 0.0
        hi = float(spec.hi) if spec.hi is not None else lo + 5000
        return draw(st.floats(lo, hi, allow_nan=False))
    if spec.type == "rate":
        return draw(st.floats(-0.3, 0.5, allow_nan=False))
    if spec.type == "scores":
        return draw(st.lists(st.floats(0, float(spec.hi), allow_nan=False), min_size=1, max_size=5))
    if spec.type == "note":
        return "说明"
    if spec.type == "choice":
        return draw(st.sampled_from(spec.choices))
    return []


def fill_master_inputs(path, tables, bonus) -> None:
    """Type the records of ``tables`` ({sheet: (key header, [record dict])}) into a built
    master's input sheets, each on the row the master prefilled with its key, and the rows of
    ``bonus`` into 加分登记, as a clerk would; saved in place."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    for sheet, (key, records) in tables.items():
        ws = wb[sheet]
        headers = [c.value for c in ws[1]]
        for r in range(2, ws.max_row + 1):
            record = next(x for x in records if x[key] == ws.cell(r, 1).value)
            for header, value in record.items():
                ws.cell(r, headers.index(header) + 1, value)
    for r, values in enumerate(bonus, start=2):
        for c, value in enumerate(values, start=1):
            wb["加分登记"].cell(r, c, value)
    wb.save(path)
