"""Shared pydantic building blocks: strict models, decimals, rates."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

from addin.numbers import parse_rate, to_decimal


class Strict(BaseModel):
    """Every scheme model forbids unknown fields and is immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _decimal(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return to_decimal(value)
    return value


def _rate(value: Any) -> Any:
    rate = parse_rate(value)
    if rate is None:
        raise ValueError(f"不是有效比例，应写作 10%、8‰ 或 0.1 [not a rate: {value!r}]")
    return rate


Dec = Annotated[Decimal, BeforeValidator(_decimal)]
"""A decimal number in a scheme (YAML floats arrive exact, see the loader)."""

Rate = Annotated[Decimal, BeforeValidator(_rate)]
"""A rate written as 10%, 8‰ or 0.1."""
