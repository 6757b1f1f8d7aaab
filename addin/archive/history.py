"""One unit or person across the years, and last year's values for the two-year rules.
Every read checks the archive's chain (and the master's publish record) first."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from addin.archive.chain import check_code, check_version
from addin.archive.stamp import checked_archive
from addin.intake.store import archive_path


_ORDER = "kind, unit, rank, code"
"""Within a year: by kind, unit (group), rank and code."""


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


def published(archive: Path, *, year: int | None = None, code: str | None = None,
              master: Path | None = None) -> list[Entry]:
    """Results of the latest published version of each year, optionally one year or one code,
    ordered by year, kind, unit, rank and code. The chain is checked against the publish
    record of ``master`` (by default the master the archive belongs to, when it is there);
    every version served is hashed again (as a whole, or one code's bucket of it). Raises
    :class:`~addin.archive.chain.ChainBroken`."""
    entries = []
    with checked_archive(master, Path(archive)) as (db, checked):
        for link in sorted(checked.latest().values(), key=lambda x: x.year):
            if year is None or link.year == year:
                rows = check_version(db, link, _ORDER) if code is None else check_code(db, link, code)
                entries += [Entry(*r) for r in rows]
    return entries


def history(master: Path, code: str) -> list[Entry]:
    """The latest published version of every year for a unit or person code."""
    return published(archive_path(master), code=code, master=master)


def previous_values(archive: Path, year: int, master: Path | None = None
                    ) -> tuple[dict[str, Decimal], dict[str, str], str | None]:
    """Last published composites (units) and grades (people) of ``year``, the chain checked
    (against ``master``'s publish record and, in an office, every year folder's), and where
    they come from (``考核档案 2026年度 v2``; None when the year has no published version)."""
    if not Path(archive).exists():
        return {}, {}, None
    entries = published(archive, year=year, master=master)
    scores = {e.code: Decimal(e.score) for e in entries if e.kind in ("department", "district") and e.score is not None}
    grades = {e.code: e.grade for e in entries if e.kind == "person" and e.grade}
    source = f"考核档案 {year}年度 v{entries[0].version}" if entries else None
    return scores, grades, source
