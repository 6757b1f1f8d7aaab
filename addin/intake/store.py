"""The submissions record: one SQLite file next to the master workbook.

Every file intake sees is recorded (accepted or not) with its hash, sender, subject,
message date, unit, kind, year and every value read. Schema changes are migrations
recorded in ``schema_migrations``, so an old file opens in a new version; the archive
issue adds its tables the same way. Writes are transactions.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

Migration = Callable[[sqlite3.Connection], None]


def archive_path(master: Path) -> Path:
    """The SQLite archive kept beside a master workbook: ``考核汇总.xlsx`` → ``考核汇总.kaohe.sqlite``."""
    return Path(master).with_suffix(".kaohe.sqlite")


def run_script(db: sqlite3.Connection, script: str) -> None:
    """Run statements one by one (executescript would commit the open transaction).
    Statements end with ";" at a line end, so a trigger's inner "...; END" stays whole."""
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


def _m1_submissions(db: sqlite3.Connection) -> None:
    run_script(
        db,
        """
        CREATE TABLE submissions (
            id            INTEGER PRIMARY KEY,
            file_hash     TEXT NOT NULL,
            file_name     TEXT NOT NULL,
            source        TEXT NOT NULL,
            sender        TEXT,
            subject       TEXT,
            message_date  TEXT,
            file_time     TEXT,
            received_at   TEXT NOT NULL,
            unit_code     TEXT,
            unit_name     TEXT,
            kind          TEXT,
            year          INTEGER,
            template_id   TEXT,
            status        TEXT NOT NULL CHECK (status IN ('accepted', 'warning', 'rejected', 'superseded')),
            reasons       TEXT NOT NULL DEFAULT '[]',
            is_current    INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX submissions_hash ON submissions(file_hash);
        CREATE INDEX submissions_unit ON submissions(year, kind, unit_code);
        CREATE TABLE submission_values (
            submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
            key           TEXT NOT NULL,
            value         TEXT,
            PRIMARY KEY (submission_id, key)
        );
        """
    )


def _m2_archive(db: sqlite3.Connection) -> None:
    from addin.archive.schema import migrate_archive

    migrate_archive(db)


MIGRATIONS: list[tuple[int, str, Migration]] = [
    (1, "submissions and their values", _m1_submissions),
    (2, "archive: versions, results, units, people, publications, appeals", _m2_archive),
]


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


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
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
        for version, name, migrate in migrations:
            if version in done:
                continue
            with self.transaction():
                migrate(self.db)
                self.db.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                                (version, name, dt.datetime.now().isoformat(timespec="seconds")))
            applied.append(version)
        return applied

    def transaction(self):
        return _Transaction(self.db)

    def known_hash(self, file_hash: str) -> bool:
        return self.db.execute("SELECT 1 FROM submissions WHERE file_hash = ?", (file_hash,)).fetchone() is not None

    def current(self, year: int, kind: str, unit: str) -> sqlite3.Row | None:
        self.db.row_factory = sqlite3.Row
        try:
            return self.db.execute("SELECT * FROM submissions WHERE year = ? AND kind = ? AND unit_code = ? "
                                   "AND is_current = 1", (year, kind, unit)).fetchone()
        finally:
            self.db.row_factory = None

    def record(self, row: dict[str, Any], values: dict[str, Any], make_current: bool) -> int:
        """Insert one submission (inside the caller's transaction)."""
        if make_current and row.get("unit_code"):
            self.db.execute("UPDATE submissions SET is_current = 0, status = CASE WHEN status = 'rejected' THEN status "
                            "ELSE 'superseded' END WHERE year = ? AND kind = ? AND unit_code = ? AND is_current = 1",
                            (row["year"], row["kind"], row["unit_code"]))
        cols = list(row) + ["is_current"]
        cur = self.db.execute(f"INSERT INTO submissions ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                              [*row.values(), 1 if make_current else 0])
        sid = cur.lastrowid
        self.db.executemany("INSERT INTO submission_values VALUES (?, ?, ?)",
                            [(sid, key, _json(value)) for key, value in values.items()])
        return sid

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
        return False
