"""A year folder made before the office (with an archive of its own beside its master) is
merged into the office archive the first time a command runs there.

Nothing is lost and every id stays valid:

- its chain is first checked against its own master, so no tampering is carried over;
- into an office that has no archive yet, the file itself becomes the office archive
  (moved whole: every row, id and secret as it was);
- otherwise its rows are copied in one transaction: submissions keep their 报送编号 within
  their intake year (a number already taken in that year, which only a folder that took
  in another year's files can cause, gets the next free one, and the report says so),
  with their values; kept files, fetch records, replies and reminders; published
  versions of the folder's own year with their results, sealed as they were (one chain
  per year: no link is resealed, and the master's publish record stays true). Versions of
  another year, or of a year the office already holds, and anything else that cannot be
  placed are kept whole in ``set_aside`` and named in the report;
- a secret other than the office's is kept as the secret of the folder's year, so the
  templates it issued stay valid;
- the folder's own file is then renamed ``…已并入考核档案`` (kept, never deleted), and its
  ``设置.yaml``, where the office has none, becomes the office's.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from addin.archive.stamp import checked_archive
from addin.intake.store import Store
from addin.office.folder import MASTER_FILE, OFFICE_ARCHIVE, office_of, recorded_year
from addin.office.settings import SETTINGS_FILE

MERGED_SUFFIX = ".已并入考核档案"
"""The name a year folder's own archive takes once merged (kept, never deleted)."""
_SIDE = ("-wal", "-shm", "-journal")


@dataclass
class MergeReport:
    year: int | None
    source: Path
    moved: bool = False
    """The folder's archive became the office archive (there was none)."""
    submissions: int = 0
    versions: int = 0
    renumbered: list[tuple[int, int, int]] = field(default_factory=list)
    """(intake year, old number, new number) of submissions whose number was taken."""
    set_aside: list[str] = field(default_factory=list)
    settings: str | None = None

    @property
    def lines(self) -> list[str]:
        where = f"{self.source.parent.name}/{self.source.name}"
        head = (f"已把年度文件夹的档案 {where} 并入考核办档案 {OFFICE_ARCHIVE}" +
                ("（整体移入，各年度共用）" if self.moved else
                 f"（报送记录 {self.submissions} 条、发布版本 {self.versions} 个），原文件保留为 "
                 f"{self.source.name}{MERGED_SUFFIX}") + " [merged the year folder's archive into the office archive]")
        out = [head]
        out += [f"  报送编号 {old}（{year}年度）已被占用，改为 {new} [number {old} of {year} is now {new}]"
                for year, old, new in self.renumbered]
        out += [f"  未能并入、已另行保存（set_aside）：{what} [kept aside]" for what in self.set_aside]
        if self.settings:
            out.append(f"  {self.settings}")
        return out


def merge_year_archive(year_folder: Path) -> MergeReport | None:
    """Merge ``year_folder``'s own archive into its office's (see the module docstring);
    None when it has none to merge. Raises :class:`~addin.archive.chain.ChainBroken` when
    its chain does not match its own master (nothing is merged then)."""
    year_folder = Path(year_folder).resolve()
    office = office_of(year_folder)
    master = year_folder / MASTER_FILE
    legacy = master.with_suffix(".kaohe.sqlite")
    if office is None or not legacy.exists():
        return None
    target = office / OFFICE_ARCHIVE
    year = recorded_year(master)
    with checked_archive(master, legacy):  # migrates it, and refuses a tampered one
        pass
    report = MergeReport(year, legacy)
    if not target.exists():
        _checkpoint(legacy)
        os.replace(legacy, target)
        for side in _SIDE:
            Path(str(legacy) + side).unlink(missing_ok=True)
        report.moved = True
    else:
        office_store = Store(target)
        try:
            office_store.db.execute("ATTACH DATABASE ? AS old", (str(legacy),))  # never inside a transaction
            try:
                with office_store.transaction() as db:
                    _copy(db, year, legacy, report)
            finally:
                office_store.db.execute("DETACH DATABASE old")
        finally:
            office_store.close()
        _checkpoint(legacy)
        os.replace(legacy, legacy.with_name(legacy.name + MERGED_SUFFIX))
        for side in _SIDE:
            Path(str(legacy) + side).unlink(missing_ok=True)
    report.settings = _merge_settings(year_folder, office)
    return report


def _checkpoint(path: Path) -> None:
    """Write the WAL back into the file, so the file alone holds everything."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA journal_mode = DELETE")
    finally:
        db.close()


def _columns(db: sqlite3.Connection, table: str, schema: str = "main") -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA {schema}.table_info({table})")]


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _set_aside(db: sqlite3.Connection, source: Path, what: str, year: int | None, payload: object,
               report: MergeReport) -> None:
    db.execute("INSERT INTO set_aside (source, what, year, payload, set_at) VALUES (?, ?, ?, ?, ?)",
               (str(source), what, year, json.dumps(payload, ensure_ascii=False, default=str), _now()))
    report.set_aside.append(what)


def _copy(db: sqlite3.Connection, year: int | None, source: Path, report: MergeReport) -> None:
    """Everything of the attached ``old`` archive into ``main`` (inside the transaction)."""
    # the secret its templates were keyed with
    (old_secret,) = db.execute("SELECT secret FROM old.office_secret WHERE id = 1").fetchone() or (None,)
    office = db.execute("SELECT secret FROM main.office_secret WHERE id = 1").fetchone()
    if old_secret is not None and office is not None and bytes(old_secret) != bytes(office[0]):
        years = {y for (y,) in db.execute("SELECT DISTINCT intake_year FROM old.submissions WHERE intake_year "
                                          "IS NOT NULL")} | ({year} if year is not None else set())
        for y in sorted(years):
            db.execute("INSERT OR IGNORE INTO year_secrets VALUES (?, ?, ?, ?)", (y, old_secret, str(source), _now()))
    elif old_secret is not None and office is None:
        db.execute("INSERT INTO main.office_secret SELECT * FROM old.office_secret")
    _copy_submissions(db, year, report)
    _copy_versions(db, year, source, report)
    # rosters as last published: a later year's wins
    latest = db.execute("SELECT MAX(year) FROM main.versions").fetchone()[0]
    verb = "REPLACE" if latest is None or (year is not None and year >= latest) else "IGNORE"
    for table in ("units", "people"):
        cols = ", ".join(_columns(db, table))
        db.execute(f"INSERT OR {verb} INTO main.{table} ({cols}) SELECT {cols} FROM old.{table}")
    for table in ("evidence", "fetched", "replies"):
        cols = ", ".join(_columns(db, table))
        db.execute(f"INSERT OR IGNORE INTO main.{table} ({cols}) SELECT {cols} FROM old.{table}")
    cols = ", ".join(c for c in _columns(db, "reminders") if c != "id")
    db.execute(f"INSERT INTO main.reminders ({cols}) SELECT {cols} FROM old.reminders ORDER BY id")


def _copy_submissions(db: sqlite3.Connection, year: int | None, report: MergeReport) -> None:
    cols = [c for c in _columns(db, "submissions") if c != "id"]
    old_rows = db.execute(f"SELECT id, {', '.join(cols)} FROM old.submissions ORDER BY id").fetchall()
    at_year, at_number = cols.index("intake_year"), cols.index("number")
    for row in old_rows:
        old_id, values = row[0], list(row[1:])
        if values[at_year] is None:
            values[at_year] = year
        taken = db.execute("SELECT 1 FROM main.submissions WHERE intake_year IS ? AND number = ?",
                           (values[at_year], values[at_number])).fetchone()
        if taken:
            (last,) = db.execute("SELECT MAX(number) FROM main.submissions WHERE intake_year IS ?",
                                 (values[at_year],)).fetchone()
            report.renumbered.append((values[at_year], values[at_number], last + 1))
            values[at_number] = last + 1
        new_id = db.execute(f"INSERT INTO main.submissions ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                            values).lastrowid
        db.execute("INSERT INTO main.submission_values SELECT ?, key, value FROM old.submission_values "
                    "WHERE submission_id = ?", (new_id, old_id))
        db.execute("INSERT INTO main.submission_writes (submission_id, sheet, key_header, key, cols, written_at) "
                   "SELECT ?, sheet, key_header, key, cols, written_at FROM old.submission_writes "
                   "WHERE submission_id = ? ORDER BY id", (new_id, old_id))
        report.submissions += 1


def _copy_versions(db: sqlite3.Connection, year: int | None, source: Path, report: MergeReport) -> None:
    """The folder's own year's versions as sealed (one chain per year); any other, aside."""
    held = {y for (y,) in db.execute("SELECT DISTINCT year FROM main.versions")}
    vcols, rcols = _columns(db, "versions"), _columns(db, "results")
    for (y,) in db.execute("SELECT DISTINCT year FROM old.versions ORDER BY year").fetchall():
        if y == year and y not in held:
            db.execute(f"INSERT INTO main.versions ({', '.join(vcols)}) SELECT {', '.join(vcols)} FROM old.versions "
                       "WHERE year = ?", (y,))
            db.execute(f"INSERT INTO main.results ({', '.join(rcols)}) SELECT {', '.join(rcols)} FROM old.results "
                       "WHERE year = ?", (y,))
            for table in ("publications", "appeals"):
                cols = ", ".join(c for c in _columns(db, table) if c != "id")
                db.execute(f"INSERT INTO main.{table} ({cols}) SELECT {cols} FROM old.{table} WHERE year = ?", (y,))
            report.versions += db.execute("SELECT COUNT(*) FROM old.versions WHERE year = ?", (y,)).fetchone()[0]
            continue
        why = "不是该文件夹的年度" if y != year else "考核办档案中已有该年度的版本"
        versions = [dict(zip(vcols, r)) for r in db.execute(f"SELECT {', '.join(vcols)} FROM old.versions "
                                                             "WHERE year = ?", (y,))]
        results = [dict(zip(rcols, r)) for r in db.execute(f"SELECT {', '.join(rcols)} FROM old.results "
                                                             "WHERE year = ?", (y,))]
        for v in versions:
            v["buckets"] = v["buckets"].hex() if isinstance(v.get("buckets"), bytes) else v.get("buckets")
        for r in results:
            r["row_hash"] = r["row_hash"].hex() if isinstance(r.get("row_hash"), bytes) else r.get("row_hash")
        _set_aside(db, source, f"{y}年度的 {len(versions)} 个发布版本（{why}）", y,
                   {"versions": versions, "results": results}, report)


def _merge_settings(year_folder: Path, office: Path) -> str | None:
    """The year folder's 设置.yaml becomes the office's where the office has none; where both
    exist the office's is used, and the folder's is renamed to say so (kept)."""
    own, office_file = year_folder / SETTINGS_FILE, office / SETTINGS_FILE
    if not own.exists():
        return None
    if not office_file.exists():
        os.replace(own, office_file)
        return f"{year_folder.name}/{SETTINGS_FILE} 已移为考核办的 {SETTINGS_FILE} [the settings are the office's now]"
    if own.read_bytes() == office_file.read_bytes():
        os.replace(own, own.with_name(own.name + MERGED_SUFFIX))
        return None
    os.replace(own, own.with_name(own.name + MERGED_SUFFIX))
    return (f"{year_folder.name}/{SETTINGS_FILE} 与考核办的 {SETTINGS_FILE} 不同，以考核办的为准；原文件保留为 "
            f"{SETTINGS_FILE}{MERGED_SUFFIX} [the office's settings are used; the folder's are kept aside]")
