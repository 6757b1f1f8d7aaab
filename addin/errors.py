"""The one exception hierarchy of kaohe.

Exceptions are for programmer errors and I/O failures. Clerk errors (a bad cell, a
missing value) are :class:`addin.problems.Problem` records, collected and reported
together; :class:`InputError` carries a batch of them across a boundary that must raise
(an Excel formula, a CLI command).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from addin.problems import Problem


class KaoheError(Exception):
    """Base class of every exception kaohe raises on purpose."""


class FileIssuesError(KaoheError):
    """A YAML file of the office's is unreadable or invalid: ``issues`` holds ``(path,
    reason)`` pairs, e.g. ``("departments.public[2].points", "…")``; ``file`` names it."""

    heading = "文件有误 [invalid file]"

    def __init__(self, file: str, issues: Sequence[tuple[str, str]]):
        self.file = file
        self.issues = list(issues)
        lines = [f"{self.heading}: {file}"]
        lines += [f"  {path or '(根 root)'}: {reason}" for path, reason in self.issues]
        super().__init__("\n".join(lines))


class SchemeError(FileIssuesError):
    """A scheme file is unreadable or breaks the rules of the scheme format."""

    heading = "方案文件有误 [invalid scheme file]"


class SettingsError(FileIssuesError):
    """The year folder's settings file (``设置.yaml``) is unreadable or invalid."""

    heading = "设置文件有误 [invalid settings file]"


class HolidaysError(FileIssuesError):
    """A holiday file (``节假日.yaml``) is unreadable or invalid."""

    heading = "节假日文件有误 [invalid holiday file]"


class InputError(KaoheError):
    """Clerk input that cannot be computed; ``problems`` says where and why."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("；".join(p.message for p in self.problems))


class CalendarError(KaoheError):
    """The holiday calendar has no data for a date the computation needs."""
