"""Call UDFs the way classic xlwings calls them from Excel on Windows, on any OS.

``xlwings.udfs`` is COM-only: it imports ``pythoncom``, ``pywintypes`` and
``win32com.client``. We register small stand-ins for those three modules, then use
xlwings' own ``xlfunc``/``xlarg``/``xlret`` to attach the metadata and xlwings' own
``conversion.read``/``conversion.write`` to convert the raw cell values, exactly as
``xlwings.udfs.call_udf`` does. The one other stand-in is the "excel" conversion engine,
whose two cleaning functions mirror ``xlwings._xlwindows`` (blank → None, COM dates →
datetime, error codes → None).

Raw values are what COM hands over: numbers as float, text as str, a range as a tuple
of row tuples, an omitted optional argument as ``MISSING``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
import types
from functools import cache

import xlwings
from xlwings import conversion

MISSING = -2147352572  # DISP_E_PARAMNOTFOUND: what VBA passes for an omitted Optional
CELL_ERRORS = {-2146826281, -2146826246, -2146826259, -2146826288, -2146826252, -2146826265, -2146826273}


def _install_com_stand_ins() -> None:
    if "pythoncom" not in sys.modules:
        pythoncom = types.ModuleType("pythoncom")
        pythoncom.CoInitialize = lambda: None
        sys.modules["pythoncom"] = pythoncom
    if "pywintypes" not in sys.modules:
        pywintypes = types.ModuleType("pywintypes")
        pywintypes.com_error = type("com_error", (Exception,), {})
        pywintypes.TimeType = dt.datetime
        sys.modules["pywintypes"] = pywintypes
    if "win32com.client" not in sys.modules:
        win32com = types.ModuleType("win32com")
        client = types.ModuleType("win32com.client")
        client.Dispatch = lambda *a, **k: None
        win32com.client = client
        sys.modules["win32com"] = win32com
        sys.modules["win32com.client"] = client


class _StandInExcelEngine:
    """The cleaning half of xlwings._xlwindows.Engine, for reading UDF arguments."""

    name = "excel"
    type = "desktop"

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        def clean(value):
            if value in ("", None):
                return empty_as
            if isinstance(value, dt.datetime):
                return datetime_builder(value.year, value.month, value.day, value.hour, value.minute,
                                        value.second)
            if number_builder is not None and isinstance(value, float):
                return number_builder(value)
            if isinstance(value, int) and not isinstance(value, bool) and value in CELL_ERRORS:
                return None
            return value

        return [[clean(c) for c in row] for row in data]

    @staticmethod
    def prepare_xl_data_element(x, options):
        return "" if x is None else x


@cache
def desktop_udfs() -> types.ModuleType:
    """The ``udfs`` package imported as the Windows add-in imports it (with metadata)."""
    _install_com_stand_ins()
    from xlwings import udfs as xl_udfs

    if "excel" not in xlwings.engines.engines_by_name:
        xlwings.engines.add(xlwings.main.Engine(impl=_StandInExcelEngine()))
    saved = xlwings.func, xlwings.arg, xlwings.ret
    xlwings.func, xlwings.arg, xlwings.ret = xl_udfs.xlfunc, xl_udfs.xlarg, xl_udfs.xlret
    try:
        for name in [m for m in sys.modules if m == "udfs" or m.startswith("udfs.")]:
            del sys.modules[name]
        module = importlib.import_module("udfs")
    finally:
        xlwings.func, xlwings.arg, xlwings.ret = saved
    return module


def call(func, *raw_args, caller=None):
    """What Excel's cell shows: build the VBA wrapper's argument array, put the caller in,
    convert the raw args, call, convert and squeeze the result.

    ``raw_args`` are the arguments the clerk sees, in order; one left off at the end is an
    omitted Optional (``MISSING``). The generated VBA passes ``Nothing`` for a hidden
    argument (``vba="Nothing"``, the ``caller``), and ``xlwings.udfs.call_udf`` puts the
    calling range there: ``caller`` is that range (a :class:`FakeCaller`), or None for a
    call that has none."""
    info = func.__xlfunc__
    args_info = info["args"]
    args = vba_array(args_info, raw_args)
    for arg_info in args_info:  # xlwings.udfs.call_udf: the reserved argument "caller"
        if arg_info["name"] == "caller":
            args[arg_info["pos"]] = caller
    converted = []
    for i, raw in enumerate(args):
        arg_info = args_info[min(i, len(args_info) - 1)]
        if isinstance(raw, int) and not isinstance(raw, bool) and raw == MISSING:
            converted.append(arg_info.get("optional", None))
        else:
            converted.append(conversion.read(None, raw, arg_info["options"]))
    value = func(*converted)
    result = conversion.write(value, None, info["ret"]["options"])
    if len(result) == 1 and len(result[0]) == 1:  # xlwings.com_server.CallUDF squeezes
        return result[0][0]
    if len(result) == 1:
        return result[0]
    return result


def vba_array(args_info, raw_args) -> list:
    """The array xlwings' generated VBA hands to CallUDF: the visible arguments in order,
    ``Nothing`` (None) for a hidden one, an omitted Optional as ``MISSING``, then a
    ParamArray's items."""
    visible = [a for a in args_info if not a["vba"] and not a["vararg"]]
    varargs = any(a["vararg"] for a in args_info)
    if len(raw_args) > len(visible) and not varargs:
        raise TypeError(f"{len(raw_args)} arguments for {len(visible)}")
    given = list(raw_args[:len(visible)]) + [MISSING] * (len(visible) - len(raw_args))
    out = []
    for arg_info in args_info:
        if arg_info["vararg"]:
            continue
        out.append(None if arg_info["vba"] else given.pop(0))
    return out + list(raw_args[len(visible):])


class FakeBook:
    """The xlwings Book a caller's sheet belongs to: only its ``fullname`` is read."""

    def __init__(self, fullname):
        self._fullname = fullname

    @property
    def fullname(self):
        if isinstance(self._fullname, BaseException):
            raise self._fullname
        return self._fullname


class FakeSheet:
    def __init__(self, book):
        self.book = book


class FakeCaller:
    """The calling range xlwings passes as ``caller``: ``caller.sheet.book.fullname`` is
    the workbook's full path (Excel's ``Workbook.FullName``; a bare name such as ``Book1``
    for a workbook not yet saved). ``fullname`` may be an exception, raised on reading."""

    def __init__(self, fullname):
        self.sheet = FakeSheet(FakeBook(fullname))
        self.address = "$A$1"


def column(*values):
    """A one-column range as COM delivers it."""
    return tuple((v,) for v in values)


def row(*values):
    return (tuple(values),)


class FakeWorkbook:
    """What generate_vba_wrapper reads of the add-in workbook: its name."""

    Name = "kaohe.xlam"
