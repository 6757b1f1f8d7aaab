"""The rule engine: pure functions over schemes and plain records.

Nothing here reads files, touches Excel or imports xlwings/openpyxl. Clerk errors come
back as :class:`addin.problems.Problem` records; exceptions are for programmer errors.

Modules, one concept each:

- ``items``      the rule kinds: one item's score and its trace
- ``tables``     an appendix table's total (cap, rescaling of dropped indicators)
- ``bonus``      the innovation bonus under 同一项目不重复加分
- ``ranking``    dense (中国式) and competition ranks within groups
- ``quota``      award quotas at any rate with half-up / floor / ceil rounding
- ``selection``  selection under a quota, with 待定 for a tie at the cutoff
- ``units``      departments and districts: composite, ranks, awards, flags
- ``staff``      staff totals, democratic score, grades, quotas and unit-head links
- ``audit``      the audit bureau's 400-point totals and score rate
- ``calendar``   the appeal deadline under the Chinese holiday calendar
"""
