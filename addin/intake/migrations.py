"""The archive's schema, one owner for all of it: the submissions intake records and the
published results, each change a numbered migration recorded in ``schema_migrations`` (see
:meth:`addin.intake.store.Store.migrate`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from addin.archive.chain import seal_existing

Migration = Callable[[sqlite3.Connection], None]

FROZEN_UPDATES = """CREATE TRIGGER results_frozen_update BEFORE UPDATE ON results
BEGIN SELECT RAISE(ABORT, 'published results are never altered'); END;
CREATE TRIGGER versions_frozen_update BEFORE UPDATE ON versions
BEGIN SELECT RAISE(ABORT, 'published versions are never altered'); END"""
"""The triggers that refuse to change a published version (a migration that must fill a new
column drops them and makes them again)."""

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
{FROZEN_UPDATES};
CREATE TRIGGER results_frozen_delete BEFORE DELETE ON results
BEGIN SELECT RAISE(ABORT, 'published results are never altered'); END;
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
    """The archive's tables. Published results are read-only (triggers)."""
    run_script(db, ARCHIVE_SQL.replace("{FROZEN_UPDATES}", FROZEN_UPDATES))


_SUBMISSION_COLUMNS = ("id, file_hash, file_name, source, sender, subject, message_date, file_time, received_at, "
                       "unit_code, unit_name, kind, year, template_id, status, reasons, is_current")


def _m3_trust(db: sqlite3.Connection) -> None:
    """Held submissions, arrival times and releases; a file hash may now be recorded more
    than once (a rejected file sent again is processed again); the office secret."""
    run_script(
        db,
        f"""
        CREATE TABLE submissions_new (
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
            status        TEXT NOT NULL CHECK (status IN ('accepted', 'warning', 'rejected', 'superseded', 'held')),
            reasons       TEXT NOT NULL DEFAULT '[]',
            is_current    INTEGER NOT NULL DEFAULT 0,
            mailer        TEXT,
            arrived_at    TEXT,
            released_by   TEXT,
            released_at   TEXT
        );
        INSERT INTO submissions_new ({_SUBMISSION_COLUMNS}) SELECT {_SUBMISSION_COLUMNS} FROM submissions;
        DROP TABLE submissions;
        ALTER TABLE submissions_new RENAME TO submissions;
        CREATE INDEX submissions_hash ON submissions(file_hash);
        CREATE INDEX submissions_unit ON submissions(year, kind, unit_code);
        CREATE TABLE office_secret (
            id          INTEGER PRIMARY KEY CHECK (id = 1),
            secret      BLOB NOT NULL,
            created_at  TEXT NOT NULL
        );
        """
    )


def _m4_version_schemes(db: sqlite3.Connection) -> None:
    """Each published version records its scheme (id, version, hash and the YAML text)."""
    for column in ("scheme_id", "scheme_version", "scheme_hash", "scheme_yaml"):
        db.execute(f"ALTER TABLE versions ADD COLUMN {column} TEXT")


def _m5_mail(db: sqlite3.Connection) -> None:
    """The mail loop: messages fetched over IMAP (by mailbox, UIDVALIDITY and UID), replies
    sent to senders (one per message), and reminders sent to units."""
    run_script(
        db,
        """
        CREATE TABLE fetched (
            account      TEXT NOT NULL,
            folder       TEXT NOT NULL,
            uidvalidity  INTEGER NOT NULL,
            uid          INTEGER NOT NULL,
            message_hash TEXT NOT NULL,
            file         TEXT NOT NULL,
            server_time  TEXT,
            fetched_at   TEXT NOT NULL,
            moved_to     TEXT,
            PRIMARY KEY (account, folder, uidvalidity, uid)
        );
        CREATE INDEX fetched_file ON fetched(file);
        CREATE TABLE replies (
            message_hash TEXT PRIMARY KEY,
            source       TEXT NOT NULL,
            recipient    TEXT NOT NULL,
            reply_id     TEXT NOT NULL,
            in_reply_to  TEXT,
            submissions  TEXT NOT NULL DEFAULT '[]',
            sent_at      TEXT NOT NULL
        );
        CREATE TABLE reminders (
            id          INTEGER PRIMARY KEY,
            unit_code   TEXT NOT NULL,
            recipients  TEXT NOT NULL,
            deadline    TEXT NOT NULL,
            missing     TEXT NOT NULL,
            message_id  TEXT NOT NULL,
            sent_at     TEXT NOT NULL
        );
        """,
    )


def _m6_chain(db: sqlite3.Connection) -> None:
    """Published versions hash-chained, one chain per year (:mod:`addin.archive.chain`): each
    version's place on its year's chain, who published it, how many results it has, their bucket digests and their
    digest, the record hash of the version before it and its own; each result's row hash
    and bucket. The versions already published are sealed
    in the order they were published (their publisher unknown)."""
    for column, kind in (("seq", "INTEGER"), ("published_by", "TEXT"), ("rows", "INTEGER"), ("results_digest", "TEXT"),
                         ("buckets", "BLOB"), ("prev_hash", "TEXT"), ("record_hash", "TEXT")):
        db.execute(f"ALTER TABLE versions ADD COLUMN {column} {kind}")
    db.execute("ALTER TABLE results ADD COLUMN row_hash BLOB")
    db.execute("ALTER TABLE results ADD COLUMN bucket INTEGER")
    db.execute("DROP TRIGGER IF EXISTS results_frozen_update")
    db.execute("DROP TRIGGER IF EXISTS versions_frozen_update")
    seal_existing(db)
    run_script(db, FROZEN_UPDATES + ";\n")
    db.execute("CREATE UNIQUE INDEX versions_seq ON versions(year, seq)")
    db.execute("CREATE INDEX results_bucket ON results(year, version, bucket, kind, code)")


def _m7_evidence(db: sqlite3.Connection) -> None:
    """The files intake keeps (accepted and held submissions), in the archive itself:
    content-addressed by SHA-256, written in the batch's own transaction, so they are as
    durable as its record and survive a cleaned inbox or submissions folder. ``codec`` is
    ``stored`` (a workbook is already deflate-compressed: zlib gains under 10% for the
    cost of a millisecond a file) or ``zlib``."""
    run_script(
        db,
        """
        CREATE TABLE evidence (
            hash     TEXT PRIMARY KEY,
            size     INTEGER NOT NULL,
            codec    TEXT NOT NULL CHECK (codec IN ('stored', 'zlib')),
            data     BLOB NOT NULL,
            kept_at  TEXT NOT NULL
        );
        """,
    )


def _m8_office(db: sqlite3.Connection) -> None:
    """One archive for the office's years (issue 22): a submission's 报送编号 (``number``)
    counts within the year of the intake that took it (``intake_year``), so the numbers of
    a year folder's own archive stay valid when it is merged into the office's; the secret
    of a year merged from an archive of its own, where it differs from the office's
    (``year_secrets``: its templates stay valid); and whatever a merge could not place
    (``set_aside``: kept whole, never dropped). Existing rows keep their id as their number;
    their intake year is their template's year, or, for a file that named none, the year
    most of the archive's files name (an archive of a year folder holds one year)."""
    db.execute("ALTER TABLE submissions ADD COLUMN intake_year INTEGER")
    db.execute("ALTER TABLE submissions ADD COLUMN number INTEGER")
    common = db.execute("SELECT year FROM submissions WHERE year IS NOT NULL GROUP BY year "
                        "ORDER BY COUNT(*) DESC, year DESC LIMIT 1").fetchone()
    db.execute("UPDATE submissions SET number = id, intake_year = COALESCE(year, ?)", (common[0] if common else None,))
    run_script(
        db,
        """
        CREATE UNIQUE INDEX submissions_number ON submissions(intake_year, number);
        CREATE TABLE year_secrets (
            year      INTEGER PRIMARY KEY,
            secret    BLOB NOT NULL,
            source    TEXT NOT NULL,
            added_at  TEXT NOT NULL
        );
        CREATE TABLE set_aside (
            id       INTEGER PRIMARY KEY,
            source   TEXT NOT NULL,
            what     TEXT NOT NULL,
            year     INTEGER,
            payload  TEXT NOT NULL,
            set_at   TEXT NOT NULL
        );
        """,
    )


def _m9_inbox_items(db: sqlite3.Connection) -> None:
    """Every file (and every problem of a message) an intake of the year has seen, with the
    outcome it got when first taken in: a rerun over the same inbox does not take it in, list
    it or count it again, and a reply sent later reports that first outcome (issue 23)."""
    run_script(
        db,
        """
        CREATE TABLE inbox_items (
            id           INTEGER PRIMARY KEY,
            intake_year  INTEGER,
            source       TEXT NOT NULL,
            file_name    TEXT NOT NULL,
            file_hash    TEXT NOT NULL,
            status       TEXT NOT NULL,
            reasons      TEXT NOT NULL DEFAULT '[]',
            number       INTEGER,
            note         TEXT,
            seen_at      TEXT NOT NULL,
            UNIQUE (intake_year, source, file_name, file_hash)
        );
        CREATE INDEX inbox_items_source ON inbox_items(intake_year, source);
        """,
    )


def _m10_filings(db: sqlite3.Connection) -> None:
    """Half-year reports filed for the record (备案, issue 24): which unit, which file (its
    bytes are kept in ``evidence``), from whom, when."""
    run_script(
        db,
        """
        CREATE TABLE filings (
            id           INTEGER PRIMARY KEY,
            intake_year  INTEGER,
            unit_code    TEXT,
            unit_name    TEXT,
            file_name    TEXT NOT NULL,
            file_hash    TEXT NOT NULL,
            source       TEXT NOT NULL,
            mailer       TEXT,
            arrived_at   TEXT,
            filed_at     TEXT NOT NULL
        );
        CREATE INDEX filings_unit ON filings(intake_year, unit_code);
        """,
    )


def _m11_audit_results(db: sqlite3.Connection) -> None:
    """Published results may be the audit bureau's units (kind ``audit``): the ``results``
    table is rebuilt with the wider CHECK (SQLite cannot alter a constraint), every row,
    row hash and bucket copied as it was, so every sealed version still checks; its indexes
    and its triggers made again."""
    run_script(
        db,
        """
        DROP TRIGGER IF EXISTS results_frozen_update;
        DROP TRIGGER IF EXISTS results_frozen_delete;
        CREATE TABLE results_new (
            year      INTEGER NOT NULL,
            version   INTEGER NOT NULL,
            kind      TEXT NOT NULL CHECK (kind IN ('department', 'district', 'person', 'audit')),
            code      TEXT NOT NULL,
            name      TEXT,
            unit      TEXT,
            score     TEXT,
            rank      INTEGER,
            grade     TEXT,
            award     TEXT,
            trace     TEXT,
            row_hash  BLOB,
            bucket    INTEGER,
            PRIMARY KEY (year, version, kind, code),
            FOREIGN KEY (year, version) REFERENCES versions(year, version)
        );
        INSERT INTO results_new (year, version, kind, code, name, unit, score, rank, grade, award, trace, row_hash,
                                 bucket)
            SELECT year, version, kind, code, name, unit, score, rank, grade, award, trace, row_hash, bucket
            FROM results;
        DROP TABLE results;
        ALTER TABLE results_new RENAME TO results;
        CREATE INDEX results_code ON results(code, year);
        CREATE INDEX results_bucket ON results(year, version, bucket, kind, code);
        CREATE TRIGGER results_frozen_update BEFORE UPDATE ON results
        BEGIN SELECT RAISE(ABORT, 'published results are never altered'); END;
        CREATE TRIGGER results_frozen_delete BEFORE DELETE ON results
        BEGIN SELECT RAISE(ABORT, 'published results are never altered'); END;
        """,
    )


def _m12_provenance(db: sqlite3.Connection) -> None:
    """Provenance (issue 26): the message each submission came in (``message_hash``, its bytes
    kept in ``evidence``), and every master cell intake wrote from a submission
    (``submission_writes``: the sheet, the row's key, and the columns with the values written
    as one JSON object, in the order they were written), so recompute sees a cell edited
    since and ``kaohe trace`` names the submission a master value came from. A replaced
    register's rows are one entry per unit (column ``*``, the rows as JSON). Each version published from now on
    marks the last write before it (``version_writes``): what changed between two versions
    is the writes between their marks."""
    run_script(
        db,
        """
        ALTER TABLE submissions ADD COLUMN message_hash TEXT;
        CREATE TABLE submission_writes (
            id             INTEGER PRIMARY KEY,
            submission_id  INTEGER NOT NULL REFERENCES submissions(id),
            sheet          TEXT NOT NULL,
            key_header     TEXT NOT NULL,
            key            TEXT NOT NULL,
            cols           TEXT NOT NULL,
            written_at     TEXT NOT NULL
        );
        CREATE INDEX submission_writes_key ON submission_writes(key);
        CREATE INDEX submission_writes_submission ON submission_writes(submission_id);
        CREATE TABLE version_writes (
            year        INTEGER NOT NULL,
            version     INTEGER NOT NULL,
            last_write  INTEGER,
            PRIMARY KEY (year, version)
        );
        """,
    )


MIGRATIONS: list[tuple[int, str, Migration]] = [
    (1, "submissions and their values", _m1_submissions),
    (2, "archive: versions, results, units, people, publications, appeals", _m2_archive),
    (3, "held submissions, arrival times, releases, the office secret", _m3_trust),
    (4, "the scheme each published version was computed by", _m4_version_schemes),
    (5, "the mail loop: fetched messages, replies, reminders", _m5_mail),
    (6, "the hash chain of published versions", _m6_chain),
    (7, "the kept files (evidence), content-addressed", _m7_evidence),
    (8, "the office: numbers per year, year secrets, what a merge set aside", _m8_office),
    (9, "the inbox items each intake has seen, with their first outcome", _m9_inbox_items),
    (10, "half-year reports filed for the record", _m10_filings),
    (11, "published results of the audit bureau's units (kind audit)", _m11_audit_results),
    (12, "provenance: the message of each submission, the master cells intake wrote", _m12_provenance),
]
