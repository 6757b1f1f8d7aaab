"""kaohe: target-management assessment (目标管理考核) for Excel.

Folders:

- ``scheme/``  the rules as data: pydantic models, the YAML loader and the shipped schemes.
- ``engine/``  pure scoring, ranking, quotas, selection, staff grades and the appeal
  calendar. It imports no I/O, no Excel and no xlwings.
- ``cli.py``   the ``kaohe`` command, a thin adapter over the engine.
- ``sample.py`` built-in sample data for the demo and the benchmarks.
"""

__version__ = "0.1.0"
