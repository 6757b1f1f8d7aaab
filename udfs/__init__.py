"""The Excel formula layer: the UDF catalog, thin xlwings adapters over the engine.

Each function parses its cell arguments, calls one engine function and raises an
:class:`addin.errors.InputError` (Chinese, English in brackets) on bad input, so a cell
never shows a plausible number for wrong input. The function names are the Excel names;
keep names and argument order: new optional arguments go only at the end.

Every function also takes xlwings' reserved ``caller`` argument, the calling range, hidden
from Excel (``@xw.arg("caller", vba="Nothing")``): it comes last, or before ``*inputs``
(ITEM_SCORE, EXPLAIN, whose ParamArray must stay last), and a new optional argument goes
just before it. Through it a formula counts with the schemes and holidays of the year
folder its workbook is in (udfs/_folder.py); outside any, with the shipped ones.

Heavy imports (the schemes, pydantic, the engine) happen on the first call.
"""

from udfs.awards import AWARD_QUOTA, AWARD_STATUS, RANK_IN_GROUP
from udfs.calendar import APPEAL_DEADLINE
from udfs.composite import ASSESS_COMPOSITE, INNOVATION_BONUS
from udfs.items import EXPLAIN, ITEM_SCORE
from udfs.staff import DEMOCRATIC_SCORE, STAFF_GRADE, STAFF_TOTAL

__all__ = [
    "APPEAL_DEADLINE",
    "ASSESS_COMPOSITE",
    "AWARD_QUOTA",
    "AWARD_STATUS",
    "DEMOCRATIC_SCORE",
    "EXPLAIN",
    "INNOVATION_BONUS",
    "ITEM_SCORE",
    "RANK_IN_GROUP",
    "STAFF_GRADE",
    "STAFF_TOTAL",
]
