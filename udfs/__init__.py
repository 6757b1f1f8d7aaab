"""The Excel formula layer (=ASSESS_COMPOSITE(), =AWARD_QUOTA(), …).

Each UDF is a thin xlwings adapter over :mod:`addin.engine`; the catalog is built in its
own issue. Nothing here holds rules: they live in the scheme files and the engine.
"""
