"""The formula catalog (:mod:`udfs`) as xlwings Server serves it.

On a PC, xlwings' COM add-in decorates :mod:`udfs`; on the server the same functions are
decorated by ``xlwings.server.func``/``arg``/``ret`` (what ``xw.func`` is with
``XLWINGS_ON_SERVER=true``), which gives each its ``__xlfunc__`` metadata: the argument
names, docs, ``ndim`` options, defaults (``"optional"``) and the ParamArray
(``"vararg"``). :func:`served_functions` imports the catalog so, without touching the
``udfs`` a desktop process has imported.

The desktop hides the ``caller`` argument from Excel (``@xw.arg("caller", vba="Nothing")``);
xlwings Server's ``custom_functions_meta`` lists every argument, so :func:`functions_meta`
drops the hidden ones, or =ITEM_SCORE("1.1", …) would take its first input for the caller.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from typing import Any


def _is_udfs(name: str) -> bool:
    return name == "udfs" or name.startswith("udfs.")


@functools.cache
def served_functions() -> dict[str, Callable[..., Any]]:
    """The 11 formulas by name, decorated for xlwings Server."""
    from addin.serve.environment import configure_server

    configure_server()
    import xlwings
    import xlwings.server as server

    before = {name: sys.modules.pop(name) for name in list(sys.modules) if _is_udfs(name)}
    saved = xlwings.func, xlwings.arg, xlwings.ret
    xlwings.func, xlwings.arg, xlwings.ret = server.func, server.arg, server.ret
    try:
        module = importlib.import_module("udfs")
    finally:
        xlwings.func, xlwings.arg, xlwings.ret = saved
        sys.modules.update(before)  # a process that had imported udfs keeps its own
    return {name: getattr(module, name) for name in module.__all__}


def hidden_arguments(func: Callable[..., Any]) -> set[str]:
    """The arguments xlwings fills itself (``vba=...``: the calling range), not Excel."""
    return {a["name"] for a in func.__xlfunc__["args"] if "vba" in a["options"]}


def functions_meta() -> dict[str, Any]:
    """``/xlwings/custom-functions-meta.json``: xlwings Server's own metadata of the
    catalog (names, Chinese help, optional and repeating parameters) without the hidden
    arguments."""
    import types

    functions = served_functions()  # configures xlwings Server first
    import xlwings.server as server

    module = types.SimpleNamespace(**functions)
    meta = server.custom_functions_meta(module)
    for entry in meta["functions"]:
        hidden = hidden_arguments(functions[entry["id"]])
        entry["parameters"] = [p for p in entry["parameters"] if p["name"] not in hidden]
    return meta
