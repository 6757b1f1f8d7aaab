"""One unit or person across the years, and last year's values for the two-year rules."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from addin.archive.versions import archive_path
from addin.intake.store import Store

LATEST = """
SELECT r.year, r.version, r.kind, r.code, r.name, r.unit, r.score, r.rank, r.grade, r.award
FROM results r
JOIN (SELECT year, MAX(version) AS version FROM versions GROUP BY year) v
  ON v.year = r.year AND v.version = r.version
"""


@dataclass(frozen=True)
class Entry:
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


def history(master: Path, code: str) -> list[Entry]:
    """The latest published version of every year for a unit or person code."""
    store = Store(archive_path(master))
    try:
        rows = store.db.execute(LATEST + " WHERE r.code = ? ORDER BY r.year, r.kind", (code,)).fetchall()
    finally:
        store.close()
    return [Entry(*r) for r in rows]


def previous_values(archive: Path, year: int) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Last published composites (units) and grades (people) of ``year``."""
    if not Path(archive).exists():
        return {}, {}
    store = Store(archive)
    try:
        rows = store.db.execute(LATEST + " WHERE r.year = ?", (year,)).fetchall()
    finally:
        store.close()
    scores = {r[3]: Decimal(r[6]) for r in rows if r[2] in ("department", "district") and r[6] is not None}
    grades = {r[3]: r[8] for r in rows if r[2] == "person" and r[8]}
    return scores, grades
