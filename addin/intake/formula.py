"""Spreadsheet formulas as tokens: compared by meaning, shifted as shared formulas.

Excel, WPS and LibreOffice each write the same formula differently: function names in
another case (LibreOffice writes an unknown add-in function as ``item_score``), with
``_xlfn.``/``_xlws.``/``_xludf.`` prefixes or the add-in's path (``'C:\\…\\kaohe.xlam'!``,
``[1]!``), with or without ``$`` anchors, quotes around sheet names and spaces. Two
formulas are equal when their tokens are: the same functions, arguments, references,
numbers and string literals (string literals compare exactly).

Shared formulas (ECMA-376 Part 1, §18.3.1.40 ``f``): the anchor cell carries the text and
the range; each other cell of the group carries only the group index, and its formula is
the anchor's with every relative reference moved by the cell's offset from the anchor
(absolute ``$`` parts stay). :func:`make_shifter` tokenizes the anchor once and gives each
child's text from those tokens.

Every function here takes time linear in the formula's length: the text is read once
from left to right, each token matched where it starts (no upper-casing or slicing of
the rest of the text per token) and nothing recurses, however deep the parentheses.
"""

from __future__ import annotations

import functools
import re
from collections import deque
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import NamedTuple

from addin.workbook.identity import ADDIN_FILE
from addin.workbook.tables import column_letters, column_number

#: Prefixes Excel writes before function names it added after 2007 or that come from
#: add-ins (``_xlfn.`` future functions, ``_xlws.`` worksheet-only, ``_xludf.`` user
#: defined, ``_xll.`` XLL add-ins).
FUNCTION_PREFIXES = ("_XLFN.", "_XLWS.", "_XLUDF.", "_XLL.")
ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
          "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!")
MAX_ROW, MAX_COL = 1_048_576, 16_384

_CELL = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d{1,7})(?![\w.(])")
_COLS = re.compile(r"(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})(?![\w.(!])")
_ROWS = re.compile(r"(\$?)(\d{1,7}):(\$?)(\d{1,7})(?![\w.(])")
_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[^\s\"'(),;:{}+\-*/^&=<>%!\[\]]+")
_OPERATOR = re.compile(r"<>|<=|>=|[-+*/^&=<>%:,;(){}]")
_OPERATOR_START = frozenset("+-*/^&=<>%:,;(){}")
#: An error literal, matched where it starts in any (ASCII) case: the text is never
#: upper-cased as a whole.
_ERROR = re.compile("|".join(re.escape(e) for e in ERRORS), re.IGNORECASE | re.ASCII)
_BOOK_INDEX = re.compile(r"\[\d+\]")
_SPACES = " \t\r\n\u00a0"
_STRUCTURED_DEPTH = 2
"""Brackets nest two deep in a structured reference: ``Table1[[#Headers],[c]]``."""


class FormulaSyntaxError(ValueError):
    """The text is not a formula we can read (it then equals no template formula)."""


class Token(NamedTuple):
    kind: str
    """``str``, ``num``, ``bool``, ``err``, ``func``, ``name``, ``cell``, ``col``, ``row``,
    ``sheet``, ``table`` (a structured reference), ``op`` or ``space`` (the intersection
    operator between two operands)."""
    text: str
    """The token as written (a ``cell`` keeps its ``$`` anchors)."""

    def key(self) -> tuple[str, str]:
        """What the token means, for comparison."""
        if self.kind == "str":
            return (self.kind, self.text)
        if self.kind == "num":
            try:
                return (self.kind, str(Decimal(self.text).normalize()))
            except ArithmeticError:  # an exponent beyond Decimal's (1e9999999999): as written
                return (self.kind, self.text)
        if self.kind in ("cell", "col", "row"):
            return (self.kind, self.text.replace("$", "").upper())
        if self.kind == "func":
            name = self.text.upper()
            for prefix in FUNCTION_PREFIXES:
                if name.startswith(prefix):
                    name = name[len(prefix):]
            return (self.kind, name)
        if self.kind == "sheet":
            return (self.kind, _sheet_name(self.text).upper())
        return (self.kind, self.text.upper())


_SPACE = Token("space", " ")


def _sheet_name(text: str) -> str:
    """``'附表 1'`` → ``附表 1``; ``Sheet1`` → ``Sheet1`` (Excel compares sheet names
    without regard to case)."""
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    return text


def _is_addin_prefix(text: str) -> bool:
    """The add-in's own path before a function name: ``'C:\\…\\kaohe.xlam'``, ``kaohe.xlam``
    or an external-link index ``[1]`` (intake allows no link but to the add-in)."""
    if _BOOK_INDEX.fullmatch(text):
        return True
    name = _sheet_name(text).replace("\\", "/").rsplit("/", 1)[-1]
    return name.lower() == ADDIN_FILE


def tokenize(formula: str) -> list[Token]:
    """The tokens of a formula (with or without the leading ``=``)."""
    return list(iter_tokens(formula))


def iter_tokens(formula: str) -> Iterator[Token]:
    """The tokens of a formula one at a time, read only as far as they are taken (a
    comparison stops reading at the first token that differs). Raises
    :class:`FormulaSyntaxError` where the text stops being a formula."""
    return _drop_addin_prefixes(_scan(formula))


def _scan(formula: str) -> Iterator[Token]:
    text = formula[1:] if formula.startswith("=") else formula
    i, n = 0, len(text)
    prev: Token | None = None
    pending_space = False
    while i < n:
        ch = text[i]
        if ch in _SPACES:
            pending_space = True
            i += 1
            continue
        token, i = _next_token(text, i, ch, formula)
        if pending_space and prev is not None and _operand_end(prev) and _operand_start(token):
            yield _SPACE  # the intersection operator
        yield token
        prev, pending_space = token, False


def _next_token(text: str, i: int, ch: str, formula: str) -> tuple[Token, int]:
    """The token starting at ``i`` (its first character ``ch``) and the index after it."""
    if ch == '"':
        return _read_string(text, i, formula)
    if ch == "'":
        j = _quoted_end(text, i, formula)
        if j + 1 >= len(text) or text[j + 1] != "!":
            raise FormulaSyntaxError(f"quoted name without '!' in {formula!r}")
        return Token("sheet", text[i:j + 1]), j + 2
    if ch == "[":
        return _read_bracket(text, i, formula)
    if ch == "#":
        m = _ERROR.match(text, i)
        if m is None:
            raise FormulaSyntaxError(f"unknown error literal in {formula!r}")
        return Token("err", m.group(0).upper()), m.end()
    if ch in _OPERATOR_START:  # no other token starts with one of these
        m = _OPERATOR.match(text, i)
        return Token("op", m.group(0)), m.end()
    if (ch == "$" or ch.isdecimal()) and (m := _ROWS.match(text, i)) and not _continues_word(text, i):
        return Token("row", m.group(0)), m.end()
    if (ch == "." or ch.isdecimal()) and (m := _NUMBER.match(text, i)) and not _continues_word(text, i):
        return Token("num", m.group(0)), m.end()
    if (m := _COLS.match(text, i)) and not _continues_word(text, i):
        return Token("col", m.group(0)), m.end()
    if (m := _CELL.match(text, i)) and not _continues_word(text, i) and not _followed_by(text, m.end(), "!"):
        return Token("cell", m.group(0)), m.end()
    if (m := _WORD.match(text, i)) and (m.group(0)[0] != "$" or _CELL.fullmatch(m.group(0))):
        return _read_word(text, m, formula)
    raise FormulaSyntaxError(f"unexpected {ch!r} in {formula!r}")


def _read_string(text: str, i: int, formula: str) -> tuple[Token, int]:
    """A string literal from its opening quote (``""`` is one quote)."""
    parts = []
    j = i + 1
    while True:
        k = text.find('"', j)
        if k < 0:
            raise FormulaSyntaxError(f"unterminated string in {formula!r}")
        parts.append(text[j:k])
        if text.startswith('"', k + 1):
            parts.append('"')
            j = k + 2
            continue
        return Token("str", "".join(parts)), k + 1


def _quoted_end(text: str, i: int, formula: str) -> int:
    """The index of the quote closing a quoted sheet name opened at ``i`` (``''`` is one)."""
    j = i + 1
    while True:
        k = text.find("'", j)
        if k < 0:
            raise FormulaSyntaxError(f"unterminated sheet name in {formula!r}")
        if text.startswith("'", k + 1):
            j = k + 2
            continue
        return k


def _read_bracket(text: str, i: int, formula: str) -> tuple[Token, int]:
    """A ``[`` where an operand starts: a workbook prefix (``[1]Sheet1!``, ``[1]!``) or else
    a structured reference without a table name (``[@col]``, ``[[#This Row],[col]]``)."""
    bang = _book_prefix_end(text, i)
    if bang is not None:
        return Token("sheet", text[i:bang]), bang + 1
    if text.find("]", i) < 0:
        raise FormulaSyntaxError(f"unterminated [ in {formula!r}")
    end = _structured_end(text, i, formula)
    return Token("table", text[i:end]), end


def _book_prefix_end(text: str, i: int) -> int | None:
    """The index of the ``!`` ending a workbook prefix opened by the ``[`` at ``i``: the
    bracket, then a sheet name or nothing, then ``!`` (``[1]Sheet1!``, ``[1]!``,
    ``[x.xlsx]Sheet1!``: the workbook-index of MS-OI29500 §2.1.863, for ECMA-376 Part 1
    §18.17.2.3); None when the bracket is not one."""
    j = text.find("]", i)
    if j < 0:
        return None
    k = j + 1
    m = _WORD.match(text, k)
    if m:
        k = m.end()
    return k if k < len(text) and text[k] == "!" else None


def _structured_end(text: str, i: int, formula: str) -> int:
    """The index after the intra-table-reference opened at ``i`` (MS-OE376 §3.2.3.1.1,
    structure references of ECMA-376 Part 1 §18.17): brackets nest at most two deep and
    ``'`` escapes the next ``[``, ``]``, ``#`` or ``'`` of a column name."""
    depth, j, n = 0, i, len(text)
    while j < n:
        c = text[j]
        if c == "'":
            j += 2
            continue
        if c == "[":
            depth += 1
            if depth > _STRUCTURED_DEPTH:
                raise FormulaSyntaxError(f"brackets nested too deep in {formula!r}")
        elif c == "]":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise FormulaSyntaxError(f"unterminated [ in {formula!r}")


def _read_word(text: str, m: re.Match, formula: str) -> tuple[Token, int]:
    """A sheet name before ``!``, a table name before its ``[`` (a structured reference,
    unless the bracket opens a workbook prefix), a function name before ``(``, TRUE/FALSE
    or a defined name."""
    word, i = m.group(0), m.end()
    if i < len(text) and text[i] == "!":
        return Token("sheet", word), i + 1
    if i < len(text) and text[i] == "[" and _book_prefix_end(text, i) is None:
        end = _structured_end(text, i, formula)
        return Token("table", text[m.start():end]), end
    if _followed_by(text, i, "("):
        return Token("func", word), i
    if word.upper() in ("TRUE", "FALSE"):
        return Token("bool", word), i
    return Token("name", word), i


def _continues_word(text: str, i: int) -> bool:
    """True inside a longer name (``A1B``, ``LOG10``): the previous character is part of it."""
    return i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_.\\")


def _followed_by(text: str, i: int, ch: str) -> bool:
    """The next character after spaces at ``i`` is ``ch`` (the spaces scanned here are
    the ones the tokenizer reads next, so each is scanned a bounded number of times)."""
    n = len(text)
    while i < n and text[i] in " \t\r\n":
        i += 1
    return i < n and text[i] == ch


_OPERAND_END = frozenset(("cell", "col", "row", "name", "num", "str", "bool", "err", "table"))
_OPERAND_START = frozenset(("cell", "col", "row", "name", "sheet", "num", "str", "bool", "err", "func", "table"))


def _operand_end(t: Token) -> bool:
    return t.kind in _OPERAND_END or t.text == ")"


def _operand_start(t: Token) -> bool:
    return t.kind in _OPERAND_START or t.text == "("


def _drop_addin_prefixes(tokens: Iterator[Token]) -> Iterator[Token]:
    """Drop the add-in's path before its functions, and read LibreOffice's ``FALSE()`` and
    ``TRUE()`` (functions of no argument) as the literals they equal (looking at most
    two tokens ahead)."""
    ahead: deque[Token] = deque()
    for token in tokens:
        ahead.append(token)
        if len(ahead) == 3 and (t := _pass_on(ahead)) is not None:
            yield t
    while ahead:
        if (t := _pass_on(ahead)) is not None:
            yield t


def _pass_on(ahead: deque[Token]) -> Token | None:
    """What the first of the tokens ahead stands for, taken off (None for an add-in prefix)."""
    t = ahead.popleft()
    if t.kind == "sheet" and ahead and ahead[0].kind == "func" and _is_addin_prefix(t.text):
        return None
    if (t.kind == "func" and len(ahead) >= 2 and t.text.upper() in ("TRUE", "FALSE")
            and ahead[0].text == "(" and ahead[1].text == ")"):
        ahead.popleft()
        ahead.popleft()
        return Token("bool", t.text)
    return t


def _key_of(formula: str) -> tuple:
    try:
        return tuple(t.key() for t in iter_tokens(formula))
    except FormulaSyntaxError:
        return (("unreadable", formula),)


class _KeyCache:
    """Keys of formulas seen before (a template's formulas are compared with every file
    of that template), bounded by the characters of the formulas it holds rather than
    by their count, so that long formulas cannot fill the memory: once full, it starts
    afresh."""

    def __init__(self, max_chars: int):
        self.max_chars = max_chars
        self.keys: dict[str, tuple] = {}
        self.chars = 0

    def get(self, formula: str) -> tuple:
        key = self.keys.get(formula)
        if key is None:
            key = _key_of(formula)
            if self.chars + len(formula) > self.max_chars:
                self.keys.clear()
                self.chars = 0
            self.keys[formula] = key
            self.chars += len(formula)
        return key


_KEYS = _KeyCache(max_chars=1 << 20)
"""About 60 bytes of key a character: at most some 60 MB, and the formulas of a batch's
templates (a native staff roster of 400 people holds 350,000 characters) fit."""


def formula_key(formula: str | None) -> tuple | None:
    """What a formula means, for comparison; None for no formula. A formula we cannot
    read is its own text, so it equals no template formula."""
    if formula is None:
        return None
    return _KEYS.get(formula)


def same_formula(found: str | None, expected: str | None) -> bool:
    """Equal by meaning (see the module's docstring). The expected formula's key is kept
    for the next file; the found one is read only as far as it agrees with it, so a long
    formula costs no more than the expected one (and its spaces)."""
    if found == expected:
        return True
    if found is None or expected is None:
        return False
    want = formula_key(expected)
    if want and want[0][0] == "unreadable":
        return False  # equal only to its own text, and ``found`` differs
    count = 0
    try:
        for token in iter_tokens(found):
            if count >= len(want) or token.key() != want[count]:
                return False
            count += 1
    except FormulaSyntaxError:
        return False
    return count == len(want)


def make_shifter(anchor: str) -> Callable[[int, int], str]:
    """The formulas of a shared-formula group: tokenizes the anchor once (raising
    :class:`FormulaSyntaxError` if it cannot) and returns the function giving the text of
    the child ``drow`` rows and ``dcol`` columns from the anchor. Relative references
    move, absolute parts stay; a reference moved off the sheet becomes ``#REF!``, as
    Excel shows it. Text between references is rendered once, so a child costs one pass
    over the anchor's references, not a new reading of its text."""
    parts: list[str | tuple] = []
    run: list[str] = ["="]
    for t in tokenize(anchor):
        if t.kind == "cell":
            col_abs, col, row_abs, row = _CELL.fullmatch(t.text).groups()
            ref: tuple = ("cell", col_abs, column_number(col), row_abs, int(row))
        elif t.kind == "col":
            a1, c1, a2, c2 = _COLS.fullmatch(t.text).groups()
            ref = ("col", a1, column_number(c1), a2, column_number(c2))
        elif t.kind == "row":
            a1, r1, a2, r2 = _ROWS.fullmatch(t.text).groups()
            ref = ("row", a1, int(r1), a2, int(r2))
        else:
            run.append(render(t))
            continue
        if run:
            parts.append("".join(run))
            run = []
        parts.append(ref)
    if run:
        parts.append("".join(run))

    def child(drow: int, dcol: int) -> str:
        out = []
        for p in parts:
            if p.__class__ is str:
                out.append(p)
            elif p[0] == "cell":  # the common case, inline
                _, col_abs, c, row_abs, r = p
                c = c if col_abs else c + dcol
                r = r if row_abs else r + drow
                out.append(f"{col_abs}{_letters(c)}{row_abs}{r}" if 1 <= c <= MAX_COL and 1 <= r <= MAX_ROW
                           else "#REF!")
            else:
                out.append(_moved(p, drow, dcol))
        return "".join(out)

    return child


@functools.cache
def _letters(col: int) -> str:
    """Column letters, each of the 16,384 columns computed once."""
    return column_letters(col)


def _moved(ref: tuple, drow: int, dcol: int) -> str:
    """A whole-column or whole-row range moved."""
    kind, a1, x1, a2, x2 = ref
    if kind == "col":
        x = _shift_part(a1, x1, dcol, MAX_COL)
        y = _shift_part(a2, x2, dcol, MAX_COL)
        return "#REF!" if x is None or y is None else f"{a1}{_letters(x)}:{a2}{_letters(y)}"
    x = _shift_part(a1, x1, drow, MAX_ROW)
    y = _shift_part(a2, x2, drow, MAX_ROW)
    return "#REF!" if x is None or y is None else f"{a1}{x}:{a2}{y}"


def _shift_part(abs_mark: str, value: int, delta: int, limit: int) -> int | None:
    value = value if abs_mark else value + delta
    return value if 1 <= value <= limit else None


def shift_formula(formula: str, drow: int, dcol: int) -> str:
    """The formula of a shared-formula child ``drow`` rows and ``dcol`` columns from its
    anchor (see :func:`make_shifter`, which serves a whole group from one reading)."""
    return make_shifter(formula)(drow, dcol)


def render(t: Token) -> str:
    """A token as formula text."""
    if t.kind == "str":
        return '"' + t.text.replace('"', '""') + '"'
    if t.kind == "sheet":
        return t.text + "!"
    return t.text
