"""xlwings Server's custom functions: kaohe's formula catalog (udfs/), decorated for the server."""

from addin.serve.catalog import served_functions

globals().update(served_functions())
__all__ = sorted(served_functions())
