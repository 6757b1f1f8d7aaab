"""Intake: turn a folder of emailed workbooks into checked input for the master workbook.

- ``mail``      find attachments in .eml/.msg messages and loose files; decode names
- ``package``   check the raw bytes (format, macros, encryption, zip bombs, names that
                differ only in case) before parsing, and the parts after
- ``opc``       the package as ECMA-376 Part 2 defines it: parts by case-folded name,
                content types, relationships
- ``hygiene``   each part judged by its relationships and content type: active content,
                links out, parts nothing reaches, names pointing into other files
- ``markup``    XML of untrusted parts, parsed with no DTD; ST_Xstring escapes
- ``refusal``   the Problem that refuses a file and the exception that carries it
- ``xlsx``      a small, limit-checked reader of .xlsx parts that never expands XML entities
- ``budget``    what one file may cost to read: formula and name lengths, names, formula
                text in all, time
- ``formula``   formulas as tokens, compared by meaning and shifted as shared formulas
- ``submission``identify a workbook by its metadata, check its structure against the
                template, read and check its inputs, recompute its results
- ``store``     the SQLite record of every submission (with recorded migrations)
- ``master``    write accepted inputs into the master workbook atomically, under a lock
- ``receipt``   the receipt workbook for the senders
- ``run``       the whole batch
"""
