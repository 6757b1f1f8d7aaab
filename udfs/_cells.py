"""Argument shapes as xlwings delivers them, and the link to the schemes.

xlwings passes a single cell as a scalar and a range as nested lists (with ``ndim=2``);
these helpers flatten ranges, keep the orientation of column arguments so results come
back in the same shape, and give the schemes and holidays of the calling workbook's year
folder (the shipped ones outside any), loaded on first use (so ``import udfs`` stays light).
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


CALLER_DOC = "调用本公式的单元格（由 Excel 自动传入，不出现在参数列表中；据此找到工作簿所在的年度文件夹）"
"""The hidden ``caller`` argument: ``vba="Nothing"`` keeps it out of the VBA signature and
xlwings puts the calling range in its place (see udfs/_folder.py)."""


def rules(caller: Any = None):
    """The schemes and holidays of the calling workbook's year folder, else the shipped ones
    (:class:`udfs._folder.Rules`: ``.municipal``, ``.audit``, ``.calendar``)."""
    from udfs._folder import rules_of

    return rules_of(caller)


def municipal(caller: Any = None):
    """The municipal scheme of the calling workbook's year folder, else the shipped one."""
    return rules(caller).municipal


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