"""Builders of the standardized workbooks (附表1–9, forms, the master workbook).

Templates are generated from the scheme files; the builders are delivered in their own
issue and never hold rules of their own.
"""
