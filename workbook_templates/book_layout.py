"""Layout helpers the responsibility books share: the printed height of wrapped text and
the date lines under a signature."""

from __future__ import annotations

import math
import unicodedata

LINE_POINTS = 13
"""One line of 10-point 宋体 with its leading, in points."""
ONE_LINE = 15
"""Excel's default row height, enough for one line."""


def text_width(text: str) -> int:
    """Column-width units the text takes: a Chinese (wide) character two, any other one."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def row_height(text: str, width: float, minimum: float = ONE_LINE) -> float:
    """The height (points) a row needs to show ``text`` wrapped in ``width`` column units:
    Excel keeps a stored row height, it never fits a row to its text when it opens a file."""
    usable = max(width - 2, 1)
    lines = max(1, math.ceil(text_width(text) / usable))
    return max(minimum, ONE_LINE if lines == 1 else lines * LINE_POINTS + 3)


def deadline_text(year: int, deadline: str) -> str:
    """``03-15`` of 2026 → 2026年3月15日."""
    month, day = deadline.split("-")
    return f"{year}年{int(month)}月{int(day)}日"
