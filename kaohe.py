"""The module the add-in's ribbon callback imports: ``import kaohe; kaohe.main()``.

The add-in file is ``kaohe.xlam``; xlwings' ribbon template runs the ``main`` of the
module named like the add-in file. This module only forwards to :mod:`addin.macro`.
"""


def main() -> None:
    from addin.macro import main as recompute_caller

    recompute_caller()
