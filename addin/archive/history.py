"""One unit or person across the years, and last year's values for the two-year rules.
Every read checks the archive's chain (and the master's publish record) first."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from addin.archive.chain import ROW_COLUMNS, check_rows, check_version
from addin.archive.stamp import checked_archive
from addin.intake.store import archive_path

_BY_CODE = (f"SELECT {', '.join(ROW_COLUMNS)}, row_hash FROM results WHERE code = ? AND year = ? AND version = ?")


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


def _sqlite_order(value) -> tuple:
    """SQLite's ORDER BY: NULL, then numbers, then text, then blobs."""
    if value is None:
        return (0,)
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, value) if isinstance(value, str) else (3, bytes(value))


def _order(e: Entry) -> tuple:
    return e.year, e.kind, _sqlite_order(e.unit), _sqlite_order(e.rank), e.code


def published(archive: Path, *, year: int | None = None, code: str | None = None,
              master: Path | None = None) -> list[Entry]:
    """Results of the latest published version of each year, optionally one year or one code,
    ordered by year, kind, unit, rank and code. The chain is checked against the publish
    record of ``master`` (by default the master the archive belongs to, when it is there);
    whole versions are re-hashed, one code's rows are re-hashed with the digest of their
    version's row hashes. Raises :class:`~addin.archive.chain.ChainBroken`."""
    entries = []
    with checked_archive(master, Path(archive)) as (db, checked):
        for link in sorted(checked.latest().values(), key=lambda x: x.year):
            if year is not None and link.year != year:
                continue
            if code is None:
                rows = check_version(db, link)
            else:
                found = db.execute(_BY_CODE, (code, link.year, link.version)).fetchall()
                check_rows(db, link, found)
                rows = [r[:-1] for r in found]
            entries += [Entry(*r) for r in rows]
    return sorted(entries, key=_order)


def history(master: Path, code: str) -> list[Entry]:
    """The latest published version of every year for a unit or person code."""
    return published(archive_path(master), code=code, master=master)


def previous_values(archive: Path, year: int, master: Path | None = None) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Last published composites (units) and grades (people) of ``year``, the chain checked
    (against ``master``'s publish record: by default the master beside the archive)."""
    if not Path(archive).exists():
        return {}, {}
    entries = published(archive, year=year, master=master)
    scores = {e.code: Decimal(e.score) for e in entries if e.kind in ("department", "district") and e.score is not None}
    grades = {e.code: e.grade for e in entries if e.kind == "person" and e.grade}
    return scores, grades
