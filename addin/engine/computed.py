"""A computed value with its trace and the problems that prevented it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from addin.errors import InputError
from addin.problems import Problem

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Computed(Generic[T]):
    value: T | None
    trace: str = ""
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    def unwrap(self) -> T:
        """The value, or an :class:`~addin.errors.InputError` carrying every problem."""
        errors = [p for p in self.problems if p.is_error]
        if errors or self.value is None:
            raise InputError(errors or [Problem("no_value", "无结果 [no result]")])
        return self.value


def failed(problems: list[Problem] | tuple[Problem, ...]) -> Computed[Any]:
    return Computed(None, "", tuple(problems))
