"""The submissions record: one SQLite file next to the master workbook.

Every file intake sees is recorded (accepted or not) with its hash, sender, subject,
message date, unit, kind, year and every value read. Schema changes are migrations
recorded in ``schema_migrations``, so an old file opens in a new version; the archive
issue adds its tables the same way. Writes are transactions.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import secrets
import sqlite3
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
import zlib
from typing import Any, NamedTuple

from addin.errors import KaoheError
from addin.intake.migrations import MIGRATIONS, Migration
from addin.office.folder import OFFICE_ARCHIVE, office_archive


class Recorded(NamedTuple):
    """A submission as recorded: its 报送编号, and the one it superseded (if any)."""

    number: int
    replaced: int | None


class EvidenceError(KaoheError):
    """A kept file no longer matches its hash."""


PRIVATE = 0o600
"""The mode of the archive and its -wal/-shm/-journal files: it holds the office secret."""
SIDE_FILES = ("-wal", "-shm", "-journal")


def archive_path(master: Path) -> Path:
    """The archive of a master: the office's (``考核档案.kaohe.sqlite`` in the office folder)
    for the master of a year folder, else the file beside the master (``考核汇总.xlsx`` →
    ``考核汇总.kaohe.sqlite``). A year folder whose own archive has not been merged into
    the office's yet (made before the office) keeps using its own until a command merges
    it (:func:`addin.archive.merge.merge_year_archive`)."""
    master = Path(master)
    beside = master.with_suffix(".kaohe.sqlite")
    office = office_archive(master.parent)
    if office is not None and (office.exists() or not beside.exists()):
        return office
    return beside


def master_of(archive: Path) -> Path | None:
    """The master an archive belongs to: ``考核汇总.kaohe.sqlite`` → ``考核汇总.xlsx``;
    None for an office archive (every year folder's master belongs to it)."""
    archive = Path(archive)
    if archive.name == OFFICE_ARCHIVE:
        return None
    return archive.with_name(archive.name.removesuffix(".kaohe.sqlite") + ".xlsx")


def write_private(target: Path, data: bytes) -> None:
    """Write a file of the archive's (a kept submission) owner-only (0600, whatever the
    umask) and atomically: a temp file beside it, flushed, renamed over it."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE), "wb") as fh:
            if os.name != "nt":
                os.fchmod(fh.fileno(), PRIVATE)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def office_secret(master: Path, first: bytes | None = None, *, year: int | None = None) -> bytes:
    """The office secret of ``master``'s archive (made on first use); with ``year``, the
    secret that year's templates are keyed with (see :meth:`Store.secret`)."""
    store = Store(archive_path(master))
    try:
        return store.secret(first, year=year)
    finally:
        store.close()


def _json(value: Any) -> str:
    def default(o):
        if isinstance(o, Decimal):
            return format(o, "f")
        if isinstance(o, (dt.date, dt.datetime)):
            return o.isoformat()
        if isinstance(o, set):
            return sorted(o)
        return str(o)

    return json.dumps(value, ensure_ascii=False, default=default, sort_keys=True)


def make_private(path: Path) -> None:
    """Make the archive file owner-only (0600) before SQLite opens it, whatever the umask:
    a new file is created 0600 (and set so, in case the umask took bits away); an existing
    one of ours that others may read is narrowed to 0600, with any -wal/-shm/-journal
    beside it. SQLite creates its -wal, -shm and -journal files with the mode of the
    database file, so they are 0600 too. On Windows, and where the file system keeps no
    Unix modes (FAT, a network share) or is read-only, the file is left as it is."""
    if os.name == "nt":
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    except FileExistsError:
        for name in (str(path), *(str(path) + s for s in SIDE_FILES)):
            _narrow(Path(name))
        return
    try:
        os.fchmod(fd, PRIVATE)
    finally:
        os.close(fd)


def _narrow(path: Path) -> None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    if st.st_mode & 0o077 and st.st_uid == os.geteuid():
        try:
            os.chmod(path, PRIVATE)
        except OSError as exc:  # no Unix modes (FAT, a share) or read-only: left as it is
            if exc.errno not in _UNNARROWABLE:
                raise


_UNNARROWABLE = (errno.EPERM, errno.EACCES, errno.EROFS, errno.ENOTSUP)


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        make_private(self.path)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        self.migrate()

    def close(self) -> None:
        self.db.close()

    def migrate(self, migrations: Iterable[tuple[int, str, Migration]] = MIGRATIONS) -> list[int]:
        """Apply the migrations not yet recorded, each in its own transaction."""
        self.db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                        "applied_at TEXT NOT NULL)")
        done = {row[0] for row in self.db.execute("SELECT version FROM schema_migrations")}
        applied = []
        # A table rebuild (copy, drop, rename) must not cascade: foreign keys are checked
        # after each migration instead (SQLite's documented procedure; the pragma is a no-op
        # inside a transaction, hence outside it).
        self.db.execute("PRAGMA foreign_keys = OFF")
        try:
            for version, name, migrate in migrations:
                if version in done:
                    continue
                with self.transaction():
                    migrate(self.db)
                    broken = self.db.execute("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise sqlite3.IntegrityError(f"migration {version} broke foreign keys: {broken[:3]}")
                    self.db.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                                    (version, name, dt.datetime.now().isoformat(timespec="seconds")))
                applied.append(version)
        finally:
            self.db.execute("PRAGMA foreign_keys = ON")
        return applied

    def transaction(self):
        return _Transaction(self.db)

    def received_hash(self, file_hash: str, year: int | None = None) -> bool:
        """Already received in the intake of ``year`` (any year, when None): the same bytes
        were accepted (or superseded since). A held file sent again is checked again (its
        own unit's re-send may be taken), and so is a rejected file sent again unchanged:
        the office may have fixed its side (the roster, the year) in between; and so is a
        file of another year's intake (last year's file sent again is last year's file)."""
        return self.db.execute("SELECT 1 FROM submissions WHERE file_hash = ? AND status IN "
                               "('accepted', 'warning', 'superseded') AND (? IS NULL OR intake_year = ?)",
                               (file_hash, year, year)).fetchone() is not None

    def keep_evidence(self, file_hash: str, data: bytes) -> None:
        """Keep a file's bytes under their SHA-256 (inside the caller's transaction; the
        same bytes are kept once), zlib-compressed when that saves a sixteenth or more (a
        message: its base64 and text; a workbook is already deflated and is kept as it is)."""
        if hashlib.sha256(data).hexdigest() != file_hash:
            raise ValueError(f"evidence {file_hash[:12]}… does not hash to its name")
        if self.db.execute("SELECT 1 FROM evidence WHERE hash = ?", (file_hash,)).fetchone():
            return
        packed = None if data.startswith(b"PK\x03\x04") else zlib.compress(data, 6)  # a zip is deflated already
        codec, blob = ("zlib", packed) if packed is not None and len(packed) * 16 <= len(data) * 15 else ("stored", data)
        self.db.execute("INSERT INTO evidence VALUES (?, ?, ?, ?, ?)",
                        (file_hash, len(data), codec, blob, dt.datetime.now().isoformat(timespec="seconds")))

    def evidence(self, file_hash: str) -> bytes | None:
        """The kept bytes of a file, checked against their hash; None when not kept here."""
        row = self.db.execute("SELECT codec, data FROM evidence WHERE hash = ?", (file_hash,)).fetchone()
        if row is None:
            return None
        data = zlib.decompress(row[1]) if row[0] == "zlib" else bytes(row[1])
        if hashlib.sha256(data).hexdigest() != file_hash:
            raise EvidenceError(f"考核档案中保存的文件 {file_hash[:12]}… 已损坏或被改动 [the kept file does not match its "
                               f"hash]")
        return data

    def held_hash(self, file_hash: str, year: int | None = None) -> bool:
        """These bytes are on record as held (暂缓) in the intake of ``year``, waiting for the
        office's check."""
        return self.db.execute("SELECT 1 FROM submissions WHERE file_hash = ? AND status = 'held' AND "
                               "(? IS NULL OR intake_year = ?)", (file_hash, year, year)).fetchone() is not None

    def settle_held(self, file_hash: str, number: int, year: int | None = None) -> None:
        """The same bytes came from a sender on record and were taken (报送编号 ``number``):
        the held copies of them need no release any more (inside the caller's transaction)."""
        self.db.execute("UPDATE submissions SET status = 'superseded', released_by = ?, released_at = ? "
                        "WHERE file_hash = ? AND status = 'held' AND (? IS NULL OR intake_year = ?)",
                        (f"（同一文件已由登记邮箱报送，报送编号 {number}）", dt.datetime.now().isoformat(timespec="seconds"),
                         file_hash, year, year))

    def secret(self, first: bytes | None = None, *, year: int | None = None) -> bytes:
        """The office secret that keys template ids, made on first use: 32 random bytes
        (``first`` only where a test or the demo needs a known one). It stays in this file:
        never in a template, a receipt or an export. ``year``: the secret that year's
        templates were keyed with — the office's, unless the year came from an archive of
        its own with another secret (merged into the office's: ``year_secrets``)."""
        if year is not None:
            own = self.db.execute("SELECT secret FROM year_secrets WHERE year = ?", (year,)).fetchone()
            if own:
                return bytes(own[0])
        row = self.db.execute("SELECT secret FROM office_secret WHERE id = 1").fetchone()
        if row:
            return bytes(row[0])
        with self.transaction():
            self.db.execute("INSERT OR IGNORE INTO office_secret VALUES (1, ?, ?)",
                            (first or secrets.token_bytes(32), dt.datetime.now().isoformat(timespec="seconds")))
        return bytes(self.db.execute("SELECT secret FROM office_secret WHERE id = 1").fetchone()[0])

    def submission(self, number: int, year: int | None = None) -> sqlite3.Row | None:
        """The submission with this 报送编号 in the intake of ``year`` (the only year of an
        archive of one year folder, when None)."""
        self.db.row_factory = sqlite3.Row
        try:
            if year is None:
                found = self.db.execute("SELECT * FROM submissions WHERE number = ? ORDER BY id", (number,)).fetchall()
                return found[0] if len(found) == 1 else None
            return self.db.execute("SELECT * FROM submissions WHERE intake_year = ? AND number = ?",
                                   (year, number)).fetchone()
        finally:
            self.db.row_factory = None

    def release(self, row: sqlite3.Row, status: str, by: str, make_current: bool) -> None:
        """Mark a held submission (``row``) released (inside the caller's transaction)."""
        sid = row["id"]
        if make_current:
            self.db.execute("UPDATE submissions SET is_current = 0, status = CASE WHEN status IN ('rejected', 'held') "
                            "THEN status ELSE 'superseded' END WHERE year = ? AND kind = ? AND unit_code = ? "
                            "AND is_current = 1", (row["year"], row["kind"], row["unit_code"]))
        self.db.execute("UPDATE submissions SET status = ?, is_current = ?, released_by = ?, released_at = ? "
                        "WHERE id = ?", (status, 1 if make_current else 0, by,
                                         dt.datetime.now().isoformat(timespec="seconds"), sid))

    def current(self, year: int, kind: str, unit: str) -> sqlite3.Row | None:
        self.db.row_factory = sqlite3.Row
        try:
            return self.db.execute("SELECT * FROM submissions WHERE year = ? AND kind = ? AND unit_code = ? "
                                   "AND is_current = 1", (year, kind, unit)).fetchone()
        finally:
            self.db.row_factory = None

    def record(self, row: dict[str, Any], values: dict[str, Any], make_current: bool) -> Recorded:
        """Insert one submission (inside the caller's transaction); returns its 报送编号, the
        next number of its intake year (``row["intake_year"]``), and the 报送编号 of the
        submission it made superseded (the unit's earlier current one), if any."""
        replaced = None
        if make_current and row.get("unit_code"):
            earlier = self.db.execute("SELECT number FROM submissions WHERE year = ? AND kind = ? AND unit_code = ? "
                                      "AND is_current = 1", (row["year"], row["kind"], row["unit_code"])).fetchone()
            replaced = earlier[0] if earlier else None
            self.db.execute("UPDATE submissions SET is_current = 0, status = CASE WHEN status IN ('rejected', 'held') "
                            "THEN status ELSE 'superseded' END WHERE year = ? AND kind = ? AND unit_code = ? "
                            "AND is_current = 1",
                            (row["year"], row["kind"], row["unit_code"]))
        (last,) = self.db.execute("SELECT MAX(number) FROM submissions WHERE intake_year IS ?",
                                  (row.get("intake_year"),)).fetchone()
        number = (last or 0) + 1
        cols = list(row) + ["is_current", "number"]
        cur = self.db.execute(f"INSERT INTO submissions ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                              [*row.values(), 1 if make_current else 0, number])
        sid = cur.lastrowid
        self.db.executemany("INSERT INTO submission_values VALUES (?, ?, ?)",
                            [(sid, key, _json(value)) for key, value in values.items()])
        return Recorded(number, replaced)

    def record_filing(self, year: int | None, unit_code: str | None, unit_name: str | None, file_name: str,
                      file_hash: str, source: str, mailer: str | None, arrived_at: str | None) -> None:
        """A half-year report filed for the record (inside the caller's transaction)."""
        self.db.execute("INSERT INTO filings (intake_year, unit_code, unit_name, file_name, file_hash, source, mailer, "
                        "arrived_at, filed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (year, unit_code, unit_name, file_name, file_hash, source, mailer, arrived_at,
                         dt.datetime.now().isoformat(timespec="seconds")))

    def filings(self, year: int | None) -> list[sqlite3.Row]:
        """The half-year reports filed in the intake of ``year``."""
        self.db.row_factory = sqlite3.Row
        try:
            return self.db.execute("SELECT * FROM filings WHERE intake_year IS ? ORDER BY id", (year,)).fetchall()
        finally:
            self.db.row_factory = None

    # --- the inbox items an intake has seen (issue 23) ---------------------------------

    def seen_items(self, year: int | None) -> dict[tuple[str, str, str], str]:
        """(source, file name, file hash) → first outcome, of every inbox item the intakes
        of ``year`` saw."""
        return {(a, b, c): d for a, b, c, d in self.db.execute(
            "SELECT source, file_name, file_hash, status FROM inbox_items WHERE intake_year IS ?", (year,))}

    def forget_item(self, year: int | None, source: str, file_name: str, file_hash: str) -> None:
        """Let an inbox item be taken in again (a rejected file the office wants re-checked)."""
        self.db.execute("DELETE FROM inbox_items WHERE intake_year IS ? AND source = ? AND file_name = ? AND "
                        "file_hash = ?", (year, source, file_name, file_hash))

    def record_item(self, year: int | None, source: str, file_name: str, file_hash: str, status: str,
                    reasons: list[str], number: int | None = None, note: str | None = None) -> None:
        """An inbox item and the outcome it got when first taken in (inside the caller's
        transaction; an item seen before keeps its first outcome)."""
        self.db.execute("INSERT OR IGNORE INTO inbox_items (intake_year, source, file_name, file_hash, status, "
                        "reasons, number, note, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (year, source, file_name, file_hash, status, json.dumps(reasons, ensure_ascii=False), number,
                         note, dt.datetime.now().isoformat(timespec="seconds")))

    def items(self, year: int | None, source: str | None = None) -> list[sqlite3.Row]:
        """The inbox items of ``year`` (of one ``source``), each with its submission's unit,
        template and current status where it was recorded, in the order they were seen."""
        self.db.row_factory = sqlite3.Row
        try:
            return self.db.execute(
                "SELECT i.*, s.unit_code, s.unit_name, s.kind, s.status AS current_status, s.released_by, "
                "s.released_at FROM inbox_items i LEFT JOIN submissions s ON s.intake_year IS i.intake_year "
                "AND s.number = i.number WHERE i.intake_year IS ? AND (? IS NULL OR i.source = ?) ORDER BY i.id",
                (year, source, source)).fetchall()
        finally:
            self.db.row_factory = None

    def year_submissions(self, year: int | None) -> list[sqlite3.Row]:
        """Every submission of the intake of ``year``, by 报送编号, with its current status and
        the note it was taken in with (what it replaced)."""
        self.db.row_factory = sqlite3.Row
        try:
            return self.db.execute("SELECT s.*, (SELECT i.note FROM inbox_items i WHERE i.intake_year IS s.intake_year "
                                   "AND i.number = s.number ORDER BY i.id LIMIT 1) AS note FROM submissions s "
                                   "WHERE s.intake_year IS ? ORDER BY s.number", (year,)).fetchall()
        finally:
            self.db.row_factory = None

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]

    def by_hash(self, file_hash: str, year: int | None = None) -> sqlite3.Row | None:
        """The latest record of a file with these bytes (in the intake of ``year``, when given;
        taken ones first)."""
        self.db.row_factory = sqlite3.Row
        try:
            return self.db.execute("SELECT * FROM submissions WHERE file_hash = ? AND (? IS NULL OR intake_year = ?) "
                                   "ORDER BY status IN ('accepted', 'warning', 'superseded') DESC, id DESC LIMIT 1",
                                   (file_hash, year, year)).fetchone()
        finally:
            self.db.row_factory = None

    # --- the mail loop --------------------------------------------------------------

    def fetched_uids(self, account: str, folder: str, uidvalidity: int) -> set[int]:
        return {r[0] for r in self.db.execute("SELECT uid FROM fetched WHERE account = ? AND folder = ? AND "
                                              "uidvalidity = ?", (account, folder, uidvalidity))}

    def uidvalidities(self, account: str, folder: str) -> set[int]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT uidvalidity FROM fetched WHERE account = ? AND "
                                              "folder = ?", (account, folder))}

    def record_fetch(self, account: str, folder: str, uidvalidity: int, uid: int, message_hash: str, file: str,
                     server_time: dt.datetime | None) -> None:
        """One message saved (committed at once: a dropped connection loses nothing saved)."""
        with self.transaction():
            self.db.execute("INSERT OR IGNORE INTO fetched (account, folder, uidvalidity, uid, message_hash, file, "
                            "server_time, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (account, folder, uidvalidity, uid, message_hash, file,
                             server_time.isoformat() if server_time else None,
                             dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))

    def record_move(self, account: str, folder: str, uidvalidity: int, uid: int, to: str) -> None:
        with self.transaction():
            self.db.execute("UPDATE fetched SET moved_to = ? WHERE account = ? AND folder = ? AND uidvalidity = ? "
                            "AND uid = ?", (to, account, folder, uidvalidity, uid))

    def server_times(self) -> dict[str, dt.datetime]:
        """When the office's mail server received each fetched file (IMAP INTERNALDATE)."""
        out = {}
        for file, stamp in self.db.execute("SELECT file, MIN(server_time) FROM fetched WHERE server_time IS NOT "
                                           "NULL GROUP BY file"):
            out[file] = dt.datetime.fromisoformat(stamp)
        return out

    def replied(self, message_hash: str) -> bool:
        return self.db.execute("SELECT 1 FROM replies WHERE message_hash = ?", (message_hash,)).fetchone() is not None

    def replied_to(self, message_id: str) -> bool:
        """A reply to the message with this Message-ID was sent (the same message saved
        twice, or fetched into two files, is answered once)."""
        return self.db.execute("SELECT 1 FROM replies WHERE in_reply_to = ?", (message_id,)).fetchone() is not None

    def record_reply(self, message_hash: str, source: str, recipient: str, reply_id: str, in_reply_to: str | None,
                     submissions: list[int]) -> None:
        """A reply the SMTP server accepted (committed at once)."""
        with self.transaction():
            self.db.execute("INSERT OR IGNORE INTO replies VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (message_hash, source, recipient, reply_id, in_reply_to, json.dumps(submissions),
                             dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))

    def record_reminder(self, unit: str, recipients: list[str], deadline: str, missing: list[str],
                        message_id: str) -> None:
        with self.transaction():
            self.db.execute("INSERT INTO reminders (unit_code, recipients, deadline, missing, message_id, sent_at) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            (unit, json.dumps(recipients), deadline, json.dumps(missing, ensure_ascii=False),
                             message_id, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
        return False
