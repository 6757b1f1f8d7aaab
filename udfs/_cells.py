"""Argument shapes as xlwings delivers them, and the link to the schemes.

xlwings passes a single cell as a scalar and a range as nested lists (with ``ndim=2``);
these helpers flatten ranges, keep the orientation of column arguments so results come
back in the same shape, and load the shipped schemes on first use (so ``import udfs``
stays light).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

CATEGORY = "目标考核"


def cells(value: Any) -> list[Any]:
    """All cells of an argument, row by row: a scalar becomes a one-element list."""
    if isinstance(value, (list, tuple)):
        out: list[Any] = []
        for row in value:
            out.extend(row if isinstance(row, (list, tuple)) else [row])
        return out
    return [value]


def is_row(value: Any) -> bool:
    """A one-row range of several cells (results then go back as a row)."""
    return (isinstance(value, (list, tuple)) and len(value) == 1 and isinstance(value[0], (list, tuple))
            and len(value[0]) > 1)


def shaped(values: Sequence[Any], like: Any) -> list[list[Any]]:
    """A column (or a row, if the input was a row) that spills as a dynamic array."""
    if is_row(like):
        return [list(values)]
    return [[v] for v in values]


def number(value: Decimal) -> float:
    """A 2-place decimal as the float Excel stores; exact for display at 2 places."""
    return float(value)


def municipal():
    from addin.scheme import load_municipal

    return load_municipal()


def audit():
    from addin.scheme import load_audit

    return load_audit()


TIERS = {"部门": "departments", "市直部门": "departments", "department": "departments",
         "区市": "districts", "区(市)": "districts", "区（市）": "districts", "district": "districts"}


def to_date(raw: Any, what: str) -> dt.date:
    """A date cell (datetime), an Excel serial number, or ISO text like 2026-09-24."""
    from addin.numbers import read_date
    from addin.errors import InputError

    day, problem = read_date(raw, what, field=what)
    if problem:
        raise InputError([problem])
    return day