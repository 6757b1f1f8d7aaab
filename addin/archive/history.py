"""One unit or person across the years, and last year's values for the two-year rules."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from addin.intake.store import Store, archive_path

_LATEST = """
SELECT r.year, r.version, r.kind, r.code, r.name, r.unit, r.score, r.rank, r.grade, r.award, r.trace
FROM results r
JOIN (SELECT year, MAX(version) AS version FROM versions GROUP BY year) v
  ON v.year = r.year AND v.version = r.version
"""


@dataclass(frozen=True)
class Entry:
    """One published result: the latest version of its year."""

    year: int
    version: int
    kind: str
    code: str
    name: str | None
    unit: str | None
    score: str | None
    rank: int | None
    grade: str | None
    award: str | None
    trace: str | None = None


def published(archive: Path, *, year: int | None = None, code: str | None = None) -> list[Entry]:
    """Results of the latest published version of each year, optionally one year or one code,
    ordered by year, kind, unit, rank and code."""
    where, params = [], []
    if year is not None:
        where.append("r.year = ?")
        params.append(year)
    if code is not None:
        where.append("r.code = ?")
        params.append(code)
    sql = _LATEST + (" WHERE " + " AND ".join(where) if where else "") + \
        " ORDER BY r.year, r.kind, r.unit, r.rank, r.code"
    store = Store(archive)
    try:
        rows = store.db.execute(sql, params).fetchall()
    finally:
        store.close()
    return [Entry(*r) for r in rows]


def history(master: Path, code: str) -> list[Entry]:
    """The latest published version of every year for a unit or person code."""
    return published(archive_path(master), code=code)


def previous_values(archive: Path, year: int) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Last published composites (units) and grades (people) of ``year``."""
    if not Path(archive).exists():
        return {}, {}
    entries = published(archive, year=year)
    scores = {e.code: Decimal(e.score) for e in entries if e.kind in ("department", "district") and e.score is not None}
    grades = {e.code: e.grade for e in entries if e.kind == "person" and e.grade}
    return scores, grades
