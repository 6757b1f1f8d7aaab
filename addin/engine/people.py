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

from addin.engine.columnar import NO_KEY
from addin.engine.selection import Status
from addin.engine.staff import GRADES, PENDING, PersonInput, PersonResult
from addin.numbers import fmt

FIELDS = ("code", "name", "unit", "level", "is_head", "democratic", "business", "public", "complaint", "serious",
          "previous_grade")

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

    def __len__(self) -> int:
        return len(self.code)

    def person(self, i: int) -> PersonInput:
        return PersonInput(*(getattr(self, f)[i] for f in FIELDS[:6]), votes=self.votes.get(i),
                           business=self.business[i], public=self.public[i], complaint=self.complaint[i],
                           serious=self.serious[i], previous_grade=self.previous_grade[i])

    def people(self) -> list[PersonInput]:
        return [self.person(i) for i in range(len(self))]

    @classmethod
    def of(cls, people: Sequence[PersonInput]) -> PeopleColumns:
        columns = {f: [getattr(p, f) for p in people] for f in FIELDS}
        return cls(**columns, votes={i: p.votes for i, p in enumerate(people) if p.votes})


def cents_text(c: int) -> str:
    """Hundredths as :func:`addin.numbers.fmt` shows them: 9550 → ``95.5``, 9000 → ``90``."""
    whole, frac = divmod(abs(c), 100)
    if frac == 0:
        text = str(whole)
    elif frac % 10 == 0:
        text = f"{whole}.{frac // 10}"
    else:
        text = f"{whole}.{frac:02d}"
    return "-" + text if c < 0 else text


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
    direct: dict[int, str]
    in_quota: list[str | None]
    """Per group: the in-quota note."""
    pending: list[str | None]
    """Per group: the 待定 note."""
    lines: tuple[str, str, str, str]
    """Per line (competent, basic, below): the template of the grade's note, then the cap's note."""
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
                            (partial(self._trace, i, cents_text),))

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

    def _trace(self, i: int, text) -> str:
        p = self.parts
        head = p.fixed_head.get(i)
        if head is None:
            head = (f"民主测评 {text(int(self.democratic[i]))} + {p.weight}×目标 {text(int(p.target[i]))} = "
                    f"{text(int(self.total[i]))}")
        out = [head, *p.before.get(i, ())]
        kind = self.note[i]
        if kind == DIRECT:
            out.append(p.direct[i])
        elif kind == IN_QUOTA:
            out.append(p.in_quota[self.group[i]])
        elif kind == PENDING_NOTE:
            out.append(p.pending[self.group[i]])
        elif kind == BY_LINE:
            line = int(p.line[i])
            note = p.lines[line].format(text(int(self.total[i])))
            out.append(note + p.lines[3] if p.capped[i] else note)
        if self.commended[i] == 2:
            out.append("拟表彰待定")
        return "；".join(out)

    def traces(self) -> list[str]:
        """Every row's 说明 in one pass (the text of each distinct hundredths made once)."""
        p = self.parts
        totals = self.total.tolist()
        values = set(totals) | set(self.democratic.tolist()) | set(p.target.tolist())
        text = {c: cents_text(c) for c in values}.__getitem__
        out = [f"民主测评 {text(d)} + {p.weight}×目标 {text(t)} = {text(s)}"
               for d, t, s in zip(self.democratic.tolist(), p.target.tolist(), totals)]
        for i, head in p.fixed_head.items():
            out[i] = head
        for i, before in p.before.items():
            out[i] = "；".join((out[i], *before))
        lines, in_quota, pending, direct = p.lines, p.in_quota, p.pending, p.direct
        rows = zip(self.note.tolist(), p.line.tolist(), p.capped.tolist(), self.group.tolist(),
                   (self.commended == 2).tolist(), totals)
        for i, (kind, line, capped, group, tied, total) in enumerate(rows):
            if kind == BY_LINE:
                note = lines[line].format(text(total))
                out[i] = f"{out[i]}；{note}{lines[3]}" if capped else f"{out[i]}；{note}"
            elif kind == IN_QUOTA:
                out[i] = f"{out[i]}；{in_quota[group]}"
            elif kind == PENDING_NOTE:
                out[i] = f"{out[i]}；{pending[group]}"
            elif kind == DIRECT:
                out[i] = f"{out[i]}；{direct[i]}"
            if tied:
                out[i] += "；拟表彰待定"
        return out

    def order(self) -> np.ndarray:
        """Row indices by unit, level, rank (rows without one last) and code."""
        if not len(self):
            return np.zeros(0, dtype=np.int64)
        rank = np.where(self.rank == 0, 10**9, self.rank)
        level = np.array([lv or "" for lv in self.level], dtype=str)
        return np.lexsort((np.array(self.code, dtype=str), rank, level, np.array(self.unit, dtype=str)))


def grade_lines(competent_min: Decimal, basic_min: Decimal) -> tuple[str, str, str, str]:
    """The by-line notes of :func:`addin.engine.staff.explain_grade` as templates, and the
    complaint cap's note."""
    return (f"总分 {{}} ≥ {fmt(competent_min)}", f"总分 {{}} ≥ {fmt(basic_min)}", f"总分 {{}} < {fmt(basic_min)}",
            "；被投诉或违纪违规、弄虚作假，不能定为称职以上等次")
