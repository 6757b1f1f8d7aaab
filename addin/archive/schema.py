"""Migration 2: the archive's tables. Published results are read-only (triggers)."""

from __future__ import annotations

import sqlite3

ARCHIVE_SQL = """
CREATE TABLE versions (
    year          INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    published_at  TEXT NOT NULL,
    master_hash   TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (year, version)
);
CREATE TABLE results (
    year      INTEGER NOT NULL,
    version   INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('department', 'district', 'person')),
    code      TEXT NOT NULL,
    name      TEXT,
    unit      TEXT,
    score     TEXT,
    rank      INTEGER,
    grade     TEXT,
    award     TEXT,
    trace     TEXT,
    PRIMARY KEY (year, version, kind, code),
    FOREIGN KEY (year, version) REFERENCES versions(year, version)
);
CREATE INDEX results_code ON results(code, year);
CREATE TRIGGER results_frozen_update BEFORE UPDATE ON results
BEGIN SELECT RAISE(ABORT, 'published results are never altered'); END;
CREATE TRIGGER results_frozen_delete BEFORE DELETE ON results
BEGIN SELECT RAISE(ABORT, 'published results are never altered'); END;
CREATE TRIGGER versions_frozen_update BEFORE UPDATE ON versions
BEGIN SELECT RAISE(ABORT, 'published versions are never altered'); END;
CREATE TRIGGER versions_frozen_delete BEFORE DELETE ON versions
BEGIN SELECT RAISE(ABORT, 'published versions are never altered'); END;
CREATE TABLE units (
    code        TEXT PRIMARY KEY,
    name        TEXT,
    type        TEXT,
    group_name  TEXT,
    head_code   TEXT
);
CREATE TABLE people (
    code       TEXT PRIMARY KEY,
    name       TEXT,
    unit_code  TEXT,
    level      TEXT
);
CREATE TABLE publications (
    id          INTEGER PRIMARY KEY,
    year        INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    unit_code   TEXT NOT NULL,
    start_date  TEXT NOT NULL,
    end_date    TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE appeals (
    id           INTEGER PRIMARY KEY,
    year         INTEGER NOT NULL,
    code         TEXT NOT NULL,
    notified     TEXT,
    lodged       TEXT,
    in_time      INTEGER,
    reply_due    TEXT,
    replied      TEXT,
    outcome      TEXT
)
"""


def migrate_archive(db: sqlite3.Connection) -> None:
    from addin.intake.store import run_script

    run_script(db, ARCHIVE_SQL)
