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
