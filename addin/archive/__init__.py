"""The assessment archive (考核档案): result versions, multi-year history and exports,
kept in the SQLite file next to the master that intake started.

- ``schema``    the archive's tables, added to the submissions record by a migration
- ``versions``  publish the master's results as a frozen version; diff two versions
- ``history``   one unit or person across the years; last year's values for recompute
- ``export``    the archive as an .xlsx for the office's paper files
"""
