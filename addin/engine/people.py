"""The staff table by column, in and out of the columnar assessment.

:class:`PeopleColumns` is the 人员 sheet as read: one list per field, no per-person
objects. :class:`PeopleRows` is the result: numpy columns of hundredths, ranks and grade
codes, with a :class:`~addin.engine.staff.PersonResult` built only when one row is asked
for, and every row's 说明 built in one pass (:meth:`PeopleRows.traces`) when the result
sheet is written. Both are plain data; the assessment is
:func:`addin.engine.staff_columnar.assess_staff_columnar`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any, overload

import numpy as np

from addin.engine.columnar import NO_KEY, TIED
from addin.engine.selection import Status
from addin.engine.staff import CAP_NOTE, GRADES, PENDING, PersonInput, PersonResult, total_text
from addin.numbers import fmt_cents, is_blank

FIELDS = ("code", "name", "unit", "level", "is_head", "democratic", "business", "public", "complaint", "serious",
          "previous_grade")
OPTIONAL = ("role", "recommended")
"""Columns a master may lack (an old 人员 sheet): None stands for a column of blanks."""

#: Grade codes of :attr:`PeopleRows.grade`: -1 none, 0–3 :data:`~addin.engine.staff.GRADES`, 4 待定.
GRADE_NAMES = (*GRADES, PENDING)
#: Commendation codes of :attr:`PeopleRows.commended` (those of :mod:`addin.engine.columnar`).
COMMENDED = (Status.NOT_SELECTED, Status.SELECTED, Status.TIED, Status.INELIGIBLE)

#: Kinds of the grade's note (:attr:`PeopleRows.note`).
NO_NOTE, DIRECT, IN_QUOTA, PENDING_NOTE, BY_LINE = range(5)


@dataclass(frozen=True)
class PeopleColumns:
    """The staff inputs as columns of raw cell values (the fields of
    :class:`~addin.engine.staff.PersonInput`), all of one length."""

    code: Sequence[str]
    name: Sequence[str]
    unit: Sequence[str]
    level: Sequence[Any]
    is_head: Sequence[Any]
    democratic: Sequence[Any]
    business: Sequence[Any]
    public: Sequence[Any]
    complaint: Sequence[Any]
    serious: Sequence[Any]
    previous_grade: Sequence[Any]
    votes: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    """Vote counts of the rows that give them instead of a democratic score (by row)."""
    role: Sequence[Any] | None = None
    """角色 (:mod:`addin.engine.roles`); None: the sheet has no such column."""
    recommended: Sequence[Any] | None = None
    """推荐表彰 (:mod:`addin.engine.merits`); None: the sheet has no such column."""

    def __len__(self) -> int:
        return len(self.code)

    def person(self, i: int) -> PersonInput:
        return PersonInput(*(getattr(self, f)[i] for f in FIELDS[:6]), votes=self.votes.get(i),
                           business=self.business[i], public=self.public[i], complaint=self.complaint[i],
                           serious=self.serious[i], previous_grade=self.previous_grade[i],
                           role=None if self.role is None else self.role[i],
                           recommended=None if self.recommended is None else self.recommended[i])

    def people(self) -> list[PersonInput]:
        return [self.person(i) for i in range(len(self))]

    def given(self, name: str) -> list[int]:
        """The rows whose optional column ``name`` (``role``, ``recommended``) is not blank."""
        values = getattr(self, name)
        if values is None:
            return []
        return [i for i, v in enumerate(values) if v is not None and not is_blank(v)]

    @classmethod
    def of(cls, people: Sequence[PersonInput]) -> PeopleColumns:
        columns = {f: [getattr(p, f) for p in people] for f in FIELDS + OPTIONAL}
        return cls(**columns, votes={i: p.votes for i, p in enumerate(people) if p.votes})


@dataclass(frozen=True, eq=False)
class TraceParts:
    """What the 说明 of each row is made of (see :meth:`PeopleRows.traces`)."""

    weight: str
    fixed_head: dict[int, str]
    """Rows whose first part is not ``民主测评 d + w×目标 t = total`` from the columns."""
    target: np.ndarray
    """业务 + 公共 in hundredths (rows not in ``fixed_head``)."""
    before: dict[int, list[str]]
    """Notes ahead of the grade's note (a barred head)."""
    after: dict[int, str]
    """A note after the grade's note (a 党委正职 outside the assessment, a 市级领导)."""
    direct: dict[int, str]
    in_quota: list[str | None]
    """Per group: the in-quota note."""
    pending: list[str | None]
    """Per group: the 待定 note."""
    lines: tuple[str, str, str]
    """Per line (competent, basic, below): the template of the grade's note."""
    line: np.ndarray
    capped: np.ndarray


@dataclass(frozen=True, eq=False)
class PeopleRows(Sequence[PersonResult]):
    """The people of a :class:`~addin.engine.staff.StaffResult` by column. Indexing gives a
    :class:`PersonResult` equal to the reference's (its one note makes the 说明 when read)."""

    code: Sequence[str]
    name: Sequence[str]
    unit: Sequence[str]
    level: list[str | None]
    democratic: np.ndarray
    """Hundredths; NO_KEY where the row's score is in ``democratic_exact``."""
    democratic_exact: dict[int, Decimal | None]
    total: np.ndarray
    """Hundredths; NO_KEY where there is no total."""
    rank: np.ndarray
    """0 where there is no rank."""
    grade: np.ndarray
    """Codes of :data:`GRADE_NAMES`; -1 where there is no grade."""
    commended: np.ndarray
    """Codes of :data:`COMMENDED`."""
    merit: dict[int, str | None]
    outside: np.ndarray
    group: np.ndarray
    note: np.ndarray
    """The kind of the grade's note: NO_NOTE, DIRECT, IN_QUOTA, PENDING_NOTE or BY_LINE."""
    parts: TraceParts

    def __len__(self) -> int:
        return len(self.code)

    @overload
    def __getitem__(self, i: int) -> PersonResult: ...

    @overload
    def __getitem__(self, i: slice) -> list[PersonResult]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return PersonResult(self.code[i], self.name[i], self.unit[i], self.level[i], self.democratic_of(i),
                            self.total_of(i), int(self.rank[i]) or None, self.grade_of(i),
                            COMMENDED[self.commended[i]], self.merit.get(i), bool(self.outside[i]),
                            (partial(self._trace, i),))

    def __iter__(self) -> Iterator[PersonResult]:
        return (self[i] for i in range(len(self)))

    def democratic_of(self, i: int) -> Decimal | None:
        if i in self.democratic_exact:
            return self.democratic_exact[i]
        return Decimal(int(self.democratic[i])).scaleb(-2)

    def total_of(self, i: int) -> Decimal | None:
        c = int(self.total[i])
        return None if c == NO_KEY else Decimal(c).scaleb(-2)

    def grade_of(self, i: int) -> str | None:
        g = int(self.grade[i])
        return None if g < 0 else GRADE_NAMES[g]

    def grade_count(self, grade: str) -> int:
        """How many rows have ``grade``."""
        return int((self.grade == GRADE_NAMES.index(grade)).sum())

    def _trace(self, i: int) -> str:
        return self._compose([i], fmt_cents)[0]

    def traces(self) -> list[str]:
        """Every row's 说明 in one pass (the text of each distinct hundredths made once)."""
        values = set(self.total.tolist()) | set(self.democratic.tolist()) | set(self.parts.target.tolist())
        return self._compose(slice(None), {c: fmt_cents(c) for c in values}.__getitem__)

    def _compose(self, rows: slice | list[int], text) -> list[str]:
        """The 说明 of ``rows``: the total's arithmetic (or the reader's), a barred head's
        note, the grade's note, 拟表彰待定."""
        p = self.parts
        index = range(len(self))[rows] if isinstance(rows, slice) else rows
        totals = self.total[rows].tolist()
        out = [total_text(text(d), "", p.weight, text(t), text(s))
               for d, t, s in zip(self.democratic[rows].tolist(), p.target[rows].tolist(), totals)]
        lines, in_quota, pending, direct, before, fixed, after = p.lines, p.in_quota, p.pending, p.direct, p.before, \
            p.fixed_head, p.after
        columns = zip(self.note[rows].tolist(), p.line[rows].tolist(), p.capped[rows].tolist(),
                      self.group[rows].tolist(), (self.commended[rows] == TIED).tolist(), totals)
        for k, (i, (kind, line, capped, group, tied, total)) in enumerate(zip(index, columns)):
            head = fixed.get(i, out[k])
            if i in before:
                head = "；".join((head, *before[i]))
            if kind == BY_LINE:
                head = f"{head}；{lines[line].format(text(total))}{CAP_NOTE if capped else ''}"
            elif kind == IN_QUOTA:
                head = f"{head}；{in_quota[group]}"
            elif kind == PENDING_NOTE:
                head = f"{head}；{pending[group]}"
            elif kind == DIRECT:
                head = f"{head}；{direct[i]}"
            if i in after:
                head = f"{head}；{after[i]}" if head else after[i]
            out[k] = f"{head}；拟表彰待定" if tied else head
        return out

    def order(self) -> np.ndarray:
        """Row indices by unit, level, rank (rows without one last) and code."""
        if not len(self):
            return np.zeros(0, dtype=np.int64)
        rank = np.where(self.rank == 0, 10**9, self.rank)
        level = np.array([lv or "" for lv in self.level], dtype=str)
        return np.lexsort((np.array(self.code, dtype=str), rank, level, np.array(self.unit, dtype=str)))

