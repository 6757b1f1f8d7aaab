"""Problems are data with an address.

A :class:`Problem` says what is wrong (``code``, a bilingual ``message``) and where: the
item and input of a scheme, the record (a unit or person code) and field (a column
header), and, once an adapter has located it, the file, sheet and cell. The engine
fills what it knows; adapters fill the rest with :meth:`Problem.located`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

Severity = Literal["error", "warning"]

SHOWN = 80
"""The most characters of a sender's own text (a formula, a cell) a message quotes."""


def clip(text: object, limit: int = SHOWN) -> str:
    """A sender's text as a message quotes it: one line, at most ``limit`` characters
    (then …), so no file can make a reason, a receipt or a reply large."""
    shown = " ".join(str(text).split())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str
    severity: Severity = "error"
    item: str | None = None
    field: str | None = None
    record: str | None = None
    value: Any = None
    allowed: str | None = None
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None

    def located(self, **where: Any) -> Problem:
        """A copy with address parts filled in (file, sheet, cell, record, ...)."""
        return dataclasses.replace(self, **where)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def show_value(value: Any) -> str:
    """How a raw value is quoted back to the clerk."""
    if value is None:
        return "空白"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, str):
        return f"“{value}”"
    return str(value)


def show_range(lo: Decimal | int | None, hi: Decimal | int | None) -> str:
    lo_s = None if lo is None else format(Decimal(lo).normalize(), "f")
    hi_s = None if hi is None else format(Decimal(hi).normalize(), "f")
    if hi_s is None:
        return "任意数 any number" if lo_s is None else f"≥ {lo_s}"
    if lo_s is None:
        return f"≤ {hi_s}"
    return f"{lo_s}–{hi_s}"


def missing(what: str, **where: Any) -> Problem:
    return Problem(
        "missing",
        f"{what} 未填写，空白不按0处理 [{what}: required value is blank; a blank is not 0]",
        value=None,
        **where,
    )


def out_of_range(what: str, value: Any, lo: Any, hi: Any, *, allowed: str | None = None, **where: Any) -> Problem:
    allowed = allowed or show_range(lo, hi)
    return Problem(
        "out_of_range",
        f"{what} 的值 {show_value(value)} 超出允许范围 {allowed} "
        f"[{what}: value {show_value(value)} is outside the allowed range {allowed}]",
        value=value,
        allowed=allowed,
        **where,
    )


def not_a_number(what: str, value: Any, **where: Any) -> Problem:
    return Problem(
        "not_a_number",
        f"{what} 应填数字，实际为 {show_value(value)} [{what}: expected a number, got {show_value(value)}]",
        value=value,
        allowed="数字 number",
        **where,
    )


def not_whole(what: str, value: Any, **where: Any) -> Problem:
    return Problem(
        "not_whole",
        f"{what} 应为非负整数，实际为 {show_value(value)} "
        f"[{what}: expected a whole number ≥ 0, got {show_value(value)}]",
        value=value,
        allowed="0, 1, 2, …",
        **where,
    )


def unknown_choice(what: str, value: Any, choices: list[str], **where: Any) -> Problem:
    allowed = "、".join(choices)
    return Problem(
        "unknown_choice",
        f"{what} 的值 {show_value(value)} 不是可选项（{allowed}） "
        f"[{what}: {show_value(value)} is not one of: {allowed}]",
        value=value,
        allowed=allowed,
        **where,
    )


def length_mismatch(what: str, got: int, other: str, want: int, **where: Any) -> Problem:
    """Two ranges that must have the same length do not."""
    return Problem(
        "bad_shape",
        f"{what} 有{got}行，{other} 有{want}行，应等长 [{what} and {other} must have the same length]",
        value=got,
        allowed=str(want),
        **where,
    )
