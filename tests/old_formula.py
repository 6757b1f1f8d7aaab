"""The formula tokenizer as it stood before issue 21, kept only as the reference of the
equivalence properties in test_cost.py: the linear tokenizer must read every formula
this one read the same way. (It upper-cased the whole text at every ``#`` and was read
again for every shared-formula child: do not use it for anything else.)"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

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
_OPERATORS = ("<>", "<=", ">=", "+", "-", "*", "/", "^", "&", "=", "<", ">", "%", ":", ",", ";", "(", ")", "{", "}")


class FormulaSyntaxError(ValueError):
    """The text is not a formula we can read (it then equals no template formula)."""


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    """``str``, ``num``, ``bool``, ``err``, ``func``, ``name``, ``cell``, ``col``, ``row``,
    ``sheet``, ``op`` or ``space`` (the intersection operator between two operands)."""
    text: str
    """The token as written (a ``cell`` keeps its ``$`` anchors)."""

    def key(self) -> tuple[str, str]:
        """What the token means, for comparison."""
        if self.kind == "str":
            return (self.kind, self.text)
        if self.kind == "num":
            try:
                return (self.kind, str(Decimal(self.text).normalize()))
            except InvalidOperation:
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


def _sheet_name(text: str) -> str:
    """``'附表 1'`` → ``附表 1``; ``Sheet1`` → ``Sheet1`` (Excel compares sheet names
    without regard to case)."""
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    return text


def _is_addin_prefix(text: str) -> bool:
    """The add-in's own path before a function name: ``'C:\\…\\kaohe.xlam'``, ``kaohe.xlam``
    or an external-link index ``[1]`` (intake allows no link but to the add-in)."""
    if re.fullmatch(r"\[\d+\]", text):
        return True
    name = _sheet_name(text).replace("\\", "/").rsplit("/", 1)[-1]
    return name.lower() == ADDIN_FILE


def tokenize(formula: str) -> list[Token]:
    """The tokens of a formula (with or without the leading ``=``)."""
    text = formula[1:] if formula.startswith("=") else formula
    tokens: list[Token] = []
    i, n = 0, len(text)
    pending_space = False
    while i < n:
        ch = text[i]
        if ch in " \t\r\n\u00a0":
            pending_space = True
            i += 1
            continue
        start_len = len(tokens)
        if ch == '"':
            j = i + 1
            buf = []
            while True:
                if j >= n:
                    raise FormulaSyntaxError(f"unterminated string in {formula!r}")
                if text[j] == '"':
                    if j + 1 < n and text[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    break
                buf.append(text[j])
                j += 1
            tokens.append(Token("str", "".join(buf)))
            i = j + 1
        elif ch == "'":
            j = i + 1
            while True:
                if j >= n:
                    raise FormulaSyntaxError(f"unterminated sheet name in {formula!r}")
                if text[j] == "'":
                    if j + 1 < n and text[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            if j + 1 >= n or text[j + 1] != "!":
                raise FormulaSyntaxError(f"quoted name without '!' in {formula!r}")
            tokens.append(Token("sheet", text[i:j + 1]))
            i = j + 2
        elif ch == "[":
            j = text.find("]", i)
            if j < 0:
                raise FormulaSyntaxError(f"unterminated [ in {formula!r}")
            k = j + 1
            m = _WORD.match(text, k)
            if m:
                k = m.end()
            if k < n and text[k] == "!":
                tokens.append(Token("sheet", text[i:k]))
                i = k + 1
            else:
                raise FormulaSyntaxError(f"unsupported [ in {formula!r}")
        elif ch == "#":
            err = next((e for e in ERRORS if text.upper().startswith(e, i)), None)
            if err is None:
                raise FormulaSyntaxError(f"unknown error literal in {formula!r}")
            tokens.append(Token("err", err))
            i += len(err)
        elif (m := _ROWS.match(text, i)) and not _continues_word(text, i):
            tokens.append(Token("row", m.group(0)))
            i = m.end()
        elif (m := _NUMBER.match(text, i)) and not _continues_word(text, i):
            tokens.append(Token("num", m.group(0)))
            i = m.end()
        elif (m := _COLS.match(text, i)) and not _continues_word(text, i):
            tokens.append(Token("col", m.group(0)))
            i = m.end()
        elif (m := _CELL.match(text, i)) and not _continues_word(text, i) and not _followed_by(text, m.end(), "!"):
            tokens.append(Token("cell", m.group(0)))
            i = m.end()
        elif (m := _WORD.match(text, i)) and (m.group(0)[0] != "$" or _CELL.fullmatch(m.group(0))):
            word = m.group(0)
            i = m.end()
            if i < n and text[i] == "!":
                tokens.append(Token("sheet", word))
                i += 1
            elif _followed_by(text, i, "("):
                tokens.append(Token("func", word))
            elif word.upper() in ("TRUE", "FALSE"):
                tokens.append(Token("bool", word))
            else:
                tokens.append(Token("name", word))
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise FormulaSyntaxError(f"unexpected {ch!r} in {formula!r}")
            tokens.append(Token("op", op))
            i += len(op)
        if pending_space and start_len and len(tokens) > start_len:
            before, after = tokens[start_len - 1], tokens[start_len]
            if _operand_end(before) and _operand_start(after):
                tokens.insert(start_len, Token("space", " "))
        pending_space = False
    return _drop_addin_prefixes(tokens)


def _continues_word(text: str, i: int) -> bool:
    """True inside a longer name (``A1B``, ``LOG10``): the previous character is part of it."""
    return i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_.\\")


def _followed_by(text: str, i: int, ch: str) -> bool:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i < len(text) and text[i] == ch


def _operand_end(t: Token) -> bool:
    return t.kind in ("cell", "col", "row", "name", "num", "str", "bool", "err") or t.text == ")"


def _operand_start(t: Token) -> bool:
    return t.kind in ("cell", "col", "row", "name", "sheet", "num", "str", "bool", "err", "func") or t.text == "("


def _drop_addin_prefixes(tokens: list[Token]) -> list[Token]:
    """Drop the add-in's path before its functions, and read LibreOffice's ``FALSE()`` and
    ``TRUE()`` (functions of no argument) as the literals they equal."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "sheet" and i + 1 < len(tokens) and tokens[i + 1].kind == "func" and _is_addin_prefix(t.text):
            i += 1
            continue
        if (t.kind == "func" and t.text.upper() in ("TRUE", "FALSE") and i + 2 < len(tokens)
                and tokens[i + 1].text == "(" and tokens[i + 2].text == ")"):
            out.append(Token("bool", t.text))
            i += 3
            continue
        out.append(t)
        i += 1
    return out


def formula_key(formula: str | None) -> tuple | None:
    """What a formula means, for comparison; None for no formula. A formula we cannot
    read is its own text, so it equals no template formula."""
    if formula is None:
        return None
    try:
        return tuple(t.key() for t in tokenize(formula))
    except FormulaSyntaxError:
        return (("unreadable", formula),)


def same_formula(a: str | None, b: str | None) -> bool:
    """Equal by meaning: see the module's docstring."""
    return formula_key(a) == formula_key(b)


def _shift_cell(text: str, drow: int, dcol: int) -> str | None:
    m = _CELL.fullmatch(text)
    if not m:
        return text
    col_abs, col, row_abs, row = m.groups()
    c, r = column_number(col), int(row)
    if not col_abs:
        c += dcol
    if not row_abs:
        r += drow
    if not (1 <= c <= MAX_COL and 1 <= r <= MAX_ROW):
        return None
    return f"{col_abs}{column_letters(c)}{row_abs}{r}"


def _shift_part(abs_mark: str, value: int, delta: int, limit: int) -> int | None:
    value = value if abs_mark else value + delta
    return value if 1 <= value <= limit else None


def shift_formula(formula: str, drow: int, dcol: int) -> str:
    """The formula of a shared-formula child ``drow`` rows and ``dcol`` columns from its
    anchor: relative references move, absolute parts stay; a reference moved off the
    sheet becomes ``#REF!``, as Excel shows it."""
    tokens = tokenize(formula)
    parts = []
    for t in tokens:
        if t.kind == "cell":
            moved = _shift_cell(t.text, drow, dcol)
            parts.append(moved if moved is not None else "#REF!")
        elif t.kind == "col":
            a1, c1, a2, c2 = _COLS.fullmatch(t.text).groups()
            x = _shift_part(a1, column_number(c1), dcol, MAX_COL)
            y = _shift_part(a2, column_number(c2), dcol, MAX_COL)
            parts.append("#REF!" if x is None or y is None else f"{a1}{column_letters(x)}:{a2}{column_letters(y)}")
        elif t.kind == "row":
            a1, r1, a2, r2 = _ROWS.fullmatch(t.text).groups()
            x = _shift_part(a1, int(r1), drow, MAX_ROW)
            y = _shift_part(a2, int(r2), drow, MAX_ROW)
            parts.append("#REF!" if x is None or y is None else f"{a1}{x}:{a2}{y}")
        else:
            parts.append(render(t))
    return "=" + "".join(parts)


def render(t: Token) -> str:
    """A token as formula text."""
    if t.kind == "str":
        return '"' + t.text.replace('"', '""') + '"'
    if t.kind == "sheet":
        return t.text + "!"
    return t.text
