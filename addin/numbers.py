"""Exact numbers: decimals, half-up rounding to 2 places, rates and raw cell values.

The lowest layer: the scheme models and the engine both build on it, and it imports
neither (so the arrows between ``scheme`` and ``engine`` point one way).

Every score is a :class:`~decimal.Decimal`. Floats from Excel are converted through their
shortest repr (``0.1+0.2`` → ``0.30000000000000004``) and rounded half-up to 2 places
before any comparison, so float noise never decides a rank.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from collections.abc import Sequence
from typing import Any, Literal

from addin import problems as P
from addin.problems import Problem

CENT = Decimal("0.01")
MAX_MAGNITUDE = Decimal("1e15")
"""No figure of an assessment comes near this; anything larger is a typing slip or an
attack, refused as out of range (it could not be rounded to cents exactly)."""
ZERO = Decimal(0)
Rounding = Literal["half_up", "floor", "ceil"]

_ROUNDING = {"half_up": ROUND_HALF_UP, "floor": ROUND_FLOOR, "ceil": ROUND_CEILING}

#: Accepted spellings of the rounding modes (Chinese first, then English).
ROUNDING_NAMES: dict[str, Rounding] = {
    "四舍五入": "half_up",
    "向下取整": "floor",
    "向上取整": "ceil",
    "half_up": "half_up",
    "half-up": "half_up",
    "floor": "floor",
    "ceil": "ceil",
}


def to_decimal(value: int | float | str | Decimal) -> Decimal:
    """An exact Decimal; floats go through their shortest repr, never their binary value."""
    kind = type(value)
    if kind is Decimal:
        return value
    if kind is float:
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def q2(value: Decimal | int | float) -> Decimal:
    """Round half-up to 2 places (Python's ``round`` is banker's rounding)."""
    d = value if type(value) is Decimal else to_decimal(value)
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


def cents(value: Decimal) -> int:
    """A score as integer hundredths after half-up rounding: the key for comparisons."""
    return int(q2(value) * 100)


def round_whole(value: Decimal, mode: Rounding = "half_up") -> int:
    return int(value.quantize(Decimal(1), rounding=_ROUNDING[mode]))


def fmt(value: Decimal | int | None) -> str:
    """Display form: 2 places at most, no trailing zeros (``93.50`` → ``93.5``)."""
    if value is None:
        return "—"
    text = format(q2(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_cents(c: int) -> str:
    """Hundredths as :func:`fmt` shows them (9550 → ``95.5``, 9000 → ``90``), without a
    Decimal: the columnar path formats 100,000 totals."""
    whole, frac = divmod(abs(c), 100)
    if frac == 0:
        text = str(whole)
    elif frac % 10 == 0:
        text = f"{whole}.{frac // 10}"
    else:
        text = f"{whole}.{frac:02d}"
    return "-" + text if c < 0 else text


def parse_rate(value: Any) -> Decimal | None:
    """A rate given as 0.1, "10%", "8‰" or "0.15"; None if it cannot be read."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return to_decimal(value)
    text = str(value).strip().replace("％", "%")
    try:
        if text.endswith("%"):
            return Decimal(text[:-1].strip()) / 100
        if text.endswith("‰"):
            return Decimal(text[:-1].strip()) / 1000
        return Decimal(text)
    except InvalidOperation:
        return None


def show_rate(rate: Decimal) -> str:
    if rate * 100 == (rate * 100).to_integral_value():
        return f"{fmt(rate * 100)}%"
    return f"{fmt(rate * 1000)}‰"


# --- reading raw values (as they arrive from a cell or a record) -------------------


_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?%?")


def number_text(text: str) -> Decimal | None:
    """A number written as text: ``80``, `` 85.5 ``, full-width ``８０``, ``8.5%`` (= 0.085).
    Thousands separators, units and words are not numbers (``1,200``, ``80分``, ``八十``)."""
    t = unicodedata.normalize("NFKC", text).strip()
    if not _NUMBER_TEXT.fullmatch(t):
        return None
    if t.endswith("%"):
        return Decimal(t[:-1]) / 100
    return Decimal(t)


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def read_number(
    raw: Any,
    what: str,
    *,
    lo: Decimal | int | None = None,
    hi: Decimal | int | None = None,
    whole: bool = False,
    required: bool = True,
    **where: Any,
) -> tuple[Decimal | None, Problem | None]:
    """Read a number; a blank is a problem when required, never 0."""
    kind = type(raw)
    if kind is float or kind is int or kind is Decimal:  # the common case, fast
        value = Decimal(repr(raw)) if kind is float else Decimal(raw)
        if value.is_finite() and not (whole and (value < 0 or value != value.to_integral_value())):
            if (lo is None or value >= lo) and (hi is None or value <= hi) and -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE:
                return value, None
    if is_blank(raw):
        return None, (P.missing(what, **where) if required else None)
    if isinstance(raw, str):
        # A number typed into a text-formatted cell (or saved as text by a client) is read
        # like any number; anything else in it is a located problem, never 0.
        value = number_text(raw)
        if value is None:
            return None, P.not_a_number(what, raw, **where)
        raw_value: Any = value
    elif isinstance(raw, bool) or isinstance(raw, _dt.date):
        return None, P.not_a_number(what, raw, **where)
    else:
        raw_value = raw
    try:
        value = to_decimal(raw_value)
    except (InvalidOperation, TypeError, ValueError):
        return None, P.not_a_number(what, raw, **where)
    if not value.is_finite():
        return None, P.not_a_number(what, raw, **where)
    if abs(value) > MAX_MAGNITUDE:
        return None, P.out_of_range(what, raw, -MAX_MAGNITUDE if lo is None else lo,
                                    MAX_MAGNITUDE if hi is None else hi, **where)
    if whole and (value != value.to_integral_value() or value < 0):
        return None, P.not_whole(what, raw, **where)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        return None, P.out_of_range(what, raw, lo, hi, **where)
    return value, None


_YES = {"是", "有", "true", "yes", "y", "1", "√"}
_NO = {"否", "无", "false", "no", "n", "0"}
_FLAG_TEXT = {"是": True, "否": False}


def read_flag(
    raw: Any, what: str, *, blank: bool | None = None, **where: Any
) -> tuple[bool | None, Problem | None]:
    """Read 是/否 (TRUE/FALSE, 1/0). ``blank`` is the declared meaning of a blank cell;
    without one, a blank is missing."""
    if type(raw) is str and raw in _FLAG_TEXT:  # the common case, fast
        return _FLAG_TEXT[raw], None
    if is_blank(raw):
        if blank is None:
            return None, P.missing(what, **where)
        return blank, None
    if isinstance(raw, bool):
        return raw, None
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw), None
    text = str(raw).strip().lower()
    if text in _YES:
        return True, None
    if text in _NO:
        return False, None
    return None, P.unknown_choice(what, raw, ["是", "否"], **where)


def read_choice(
    raw: Any, what: str, names: dict[str, str], *, required: bool = True, default: str | None = None,
    **where: Any
) -> tuple[str | None, Problem | None]:
    """Read a text choice; ``names`` maps every accepted spelling to its canonical value.
    An omitted or blank choice is ``default`` when one is given."""
    if is_blank(raw):
        if default is not None:
            return default, None
        return None, (P.missing(what, **where) if required else None)
    key = str(raw).strip()
    found = names.get(key, names.get(key.lower()))
    if found is None:
        return None, P.unknown_choice(what, raw, list(names), **where)  # every accepted spelling
    return found, None


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
"""A date typed as text: 2026-06-03, 2026/6/3, 2026.6.3, 2026年6月3日."""


_NO_VETO = {"否", "无", "没有", "不否决", "—", "-", "／", "/", "no", "none"}


def read_veto(raw: Any, what: str = "一票否决", suggestions: Sequence[str] = (), **where: Any
              ) -> tuple[str | None, Problem | None]:
    """A veto cell: blank or an explicit no (否, 无) is no veto; any other text is the
    vetoing body. The seed's list ends in 等 (纪检、检察、… 等执纪执法部门), so it is open: the
    scheme's ``veto_bodies`` are suggestions, 市场监管 vetoes as much as 安全生产. Only a
    bare 是 is a problem, since it does not say who vetoed."""
    if is_blank(raw):
        return None, None
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if text.lower() in _NO_VETO:
        return None, None
    if text in ("是", "有", "√", "1", "true", "TRUE", "True"):
        examples = "、".join(suggestions) or "安全生产、环境保护"
        return None, Problem("veto_body_missing", f"{what} 应填写否决部门（如 {examples}），不要只填“{text}” "
                                                  f"[{what}: name the vetoing body]", value=raw,
                             allowed=f"否决部门名称，如 {examples} [the vetoing body]", **where)
    return text, None


def read_date(raw: Any, what: str, *, required: bool = True, **where: Any) -> tuple[_dt.date | None, Problem | None]:
    """A date cell (datetime), an Excel serial number (1900 date system), or a date typed as
    text (2026-09-24, 2026/9/24, 2026.9.24, 2026年9月24日); a blank is missing unless not
    ``required``; anything else is a located problem."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, (P.missing(what, **where) if required else None)
    if isinstance(raw, _dt.datetime):
        return raw.date(), None
    if isinstance(raw, _dt.date):
        return raw, None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 1 <= raw < 2958466:
        return (_dt.datetime(1899, 12, 30) + _dt.timedelta(days=int(raw))).date(), None
    if isinstance(raw, str):
        m = _DATE_TEXT.fullmatch(unicodedata.normalize("NFKC", raw).strip())
        if m:
            try:
                return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), None
            except ValueError:
                pass
    return None, Problem("not_a_date", f"{what} 应为日期，实际为 {P.show_value(raw)} [{what}: expected a date]",
                         value=raw, allowed="日期 date", **where)
