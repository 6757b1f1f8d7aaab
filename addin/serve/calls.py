"""One formula call from Excel, as the desktop add-in would compute it.

xlwings Server's Office.js client posts each call to ``/xlwings/custom-functions-call`` as
``{"func_name", "args", "caller_address", "culture_info_name", "date_format", "version",
"runtime", "client"}`` (xlwings_server/static/js/custom-functions/custom-functions-code.js,
``let body = {client: "Office.js", func_name: funcName, args: args, ...}``). Every
parameter is declared ``"dimensionality": "matrix"``, so a cell comes as ``[[60]]``, a blank
cell as ``[[null]]`` and an argument left off as ``null``.

Two things of xlwings 0.37.8's ``custom_functions_call`` break the desktop's rules, and this
module is what kaohe uses instead (tests/test_serve_calls.py pins both, so an upgrade that
changes them fails a test):

- ``to_scalar([[None]])`` is None, and ``if arg is None: args[i] = arg_info.get("optional")``
  turns a blank cell into the Python default: =ASSESS_COMPOSITE(60,27,<blank>) would be 87
  where the desktop says 加分 未填写. Here ``null`` is an omitted argument (the default) and
  ``[[null]]`` a blank (None), on every argument.
- A clerk's error (:class:`~addin.errors.KaoheError`) falls to xlwings Server's catch-all
  handler: HTTP 500 "An error occurred.", which the client retries (500 is in its
  ``customFunctionsRetryCodes``). Here it is :class:`Refused`, answered 400 with the
  desktop's text, which the client shows on the cell's error flag without retrying.

The cells are cleaned here in one pass, then converted by xlwings' own converters with the
argument's options (``ndim``), so the function gets what the desktop gives it. xlwings'
Office.js engine checks every cell for Pyodide's ``JsNull`` with ``from pyodide.ffi import
JsNull`` (``xlwings.utils.is_jsnull``): outside Pyodide that import fails and is retried
for every cell, about 50 µs each (a 1,000-row RANK_IN_GROUP took 150–290 ms). Our cleaning
engine (:data:`ENGINE`) does not look for Pyodide. The result goes back through xlwings'
``convert`` (dates as serial numbers in the workbook's date format), except a matrix of
plain cells (:func:`plain_matrix`), which ``convert`` would return unchanged but for blanks
as "" after a pandas ``isna`` on every cell (a third of a 1,000-row call's time).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from addin.errors import KaoheError

ENGINE = "kaohe-served"
"""The name of the conversion engine that reads the cleaned cells of a served call."""


class Refused(Exception):
    """A call answered with HTTP 400 and ``text``: the desktop's message for the cell."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


class _Book:
    def __init__(self, fullname: str):
        self.fullname = fullname


class _Sheet:
    def __init__(self, book: _Book):
        self.book = book


class ServedCaller:
    """The ``caller`` a served formula gets: Excel's address, in a book whose ``fullname``
    is the master of the year folder the server serves, so the formula counts with that
    folder's scheme and holidays (:func:`udfs._folder.rules_of`), as a workbook in the
    folder does on a PC."""

    def __init__(self, master: Path, address: str | None = None):
        self.sheet = _Sheet(_Book(str(master)))
        self.address = address


def clean_cell(value: Any) -> Any:
    """A cell as the desktop's COM engine gives it: blank (null or "") as None, a number as
    a float, an error value as None, a formatted number or entity as its basic value."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return None if value.get("type") == "Error" else value.get("basicValue")
    if type(value) is int:  # JSON's 60 is Excel's double 60.0, as COM gives it on a PC
        return float(value)
    return value


class _CleanedEngine:
    """An xlwings conversion engine for cells already cleaned by :func:`clean_cell`."""

    name = ENGINE
    type = "remote"

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        if empty_as is None and number_builder is None:
            return data
        return [[empty_as if c is None else number_builder(c) if number_builder and isinstance(c, float) else c
                 for c in row] for row in data]

    @staticmethod
    def prepare_xl_data_element(x, options):
        return "" if x is None else x


def _engine_ready() -> None:
    import xlwings

    if ENGINE not in xlwings.engines.engines_by_name:
        xlwings.engines.add(xlwings.main.Engine(impl=_CleanedEngine()))


def read_argument(arg: Any, arg_info: dict) -> Any:
    """One argument as the function receives it: ``null`` (left off) is the default,
    anything else its cells, a single cell as a scalar (a blank one as None)."""
    from xlwings import conversion

    if arg is None:
        return arg_info.get("optional")
    if isinstance(arg, list) and arg and all(isinstance(row, list) for row in arg):
        rows = [[clean_cell(c) for c in row] for row in arg]
        raw = rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows
    else:
        raw = clean_cell(arg)
    return conversion.read(None, raw, arg_info["options"], engine_name=ENGINE)


def call_arguments(func: Callable[..., Any], sent: list[Any], caller: ServedCaller) -> list[Any]:
    """The positional arguments of ``func`` for the visible arguments Excel ``sent`` (a
    ParamArray's items as one list), the hidden ones filled with ``caller``."""
    _engine_ready()
    args_info = func.__xlfunc__["args"]
    visible = [a for a in args_info if "vba" not in a["options"]]
    given: dict[str, Any] = {}
    repeated: list[Any] = []
    for k, arg in enumerate(sent):
        if k >= len(visible):
            raise Refused(f"参数过多：{func.__name__} 只有 {len(visible)} 个参数 [too many arguments]")
        info = visible[k]
        if info["vararg"]:
            items = arg if isinstance(arg, list) else [arg]  # the ParamArray: a list of its arguments
            repeated += [read_argument(item, info) for item in items]
        else:
            given[info["name"]] = read_argument(arg, info)
    out: list[Any] = []
    for info in args_info:
        if "vba" in info["options"]:
            out.append(caller)
        elif info["vararg"]:
            out += repeated
        elif info["name"] in given:
            out.append(given[info["name"]])
        else:  # left off: its default; a required one None, as the desktop's VBA wrapper gives it
            out.append(info.get("optional"))
    return out


PLAIN = (int, float, bool, str)
"""Cell types that xlwings' Office.js conversion passes through as they are (exact types:
numpy's float64 is a float subclass that it converts)."""


def plain_matrix(value: Any) -> list[list[Any]] | None:
    """``value`` as xlwings' ``convert`` answers it when it is a non-empty list of equal,
    non-empty rows of plain cells (finite numbers, text not starting with "#", which Excel
    reads as an error, booleans, None as ""); None for anything else, which ``convert``
    then handles."""
    if type(value) is not list or not value or type(value[0]) is not list or not value[0]:
        return None
    width = len(value[0])
    out = []
    for row in value:
        if type(row) is not list or len(row) != width:
            return None
        line = []
        for c in row:
            kind = type(c)
            if c is None:
                line.append("")
            elif kind not in PLAIN or (kind is float and not math.isfinite(c)) or (kind is str and c.startswith("#")):
                return None
            else:
                line.append(c)
        out.append(line)
    return out


async def call_function(data: dict, functions: dict[str, Callable[..., Any]], master: Path) -> list[list[Any]]:
    """The result matrix of one call (see the module's docstring); :class:`Refused` for an
    unknown function, wrong arguments or a clerk's error."""
    from xlwings.pro.udfs_officejs import convert

    name = data.get("func_name")
    func = functions.get(name) if isinstance(name, str) else None
    if func is None:
        raise Refused(f"没有函数 {name} [no such function]")
    sent = data.get("args")
    if not isinstance(sent, list):
        raise Refused("请求缺少参数列表 [args missing]")
    args = call_arguments(func, sent, ServedCaller(master, data.get("caller_address")))
    try:
        value = func(*args)
    except KaoheError as exc:
        raise Refused(str(exc)) from None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)  # xlwings converts datetimes to serials
    ret = func.__xlfunc__["ret"]
    plain = None if ret["options"] else plain_matrix(value)
    if plain is not None:
        return plain
    return await convert(value, ret, {**data, "runtime": data.get("runtime") or "1.1"})
