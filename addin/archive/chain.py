"""The archive's hash chain: every published version is sealed, and every read checks the seal.

A version's **record hash** is the SHA-256 of its record: its place on the chain (``seq``),
year, version number, when and by whom it was published, the hash of the master it was
published from, its note, its scheme (id, version, hash and the YAML text), the digest of
its results, and the record hash of the version published before it (``prev_hash``; the
first links to ``GENESIS``). The **results digest** is the SHA-256 of the row hashes of the
version's results in (kind, code) order; a **row hash** is the SHA-256 of one result row
(year, version, kind, code, name, unit, score, rank, grade, award, 说明), each hashed as
canonical JSON (ASCII, sorted keys, no spaces), so a hash never depends on the Python or
SQLite version that computed it.

**One chain per archive, not one per year.** An archive holds every year its master
published, and the two-year rules read last year's results from it: with one chain, the
master's publish record (:mod:`addin.archive.stamp`) vouches for every year at once, and a
version forged into any year — a year the master never published included — breaks the
chain or moves its head away from the master's record. One chain per year would leave a
whole forged year a valid chain of its own that no master speaks for.

**What it detects.** A version inserted with plain SQL (it has no seal); a record or a
result edited in place after its trigger was dropped (its hash no longer matches); a
version removed (the next one's link breaks); and, with the master at hand, a forged
version appended with a correctly recomputed chain, or a rewritten history, or an archive
swapped for an older copy: the master's publish record names every link's hash, and the
archive's chain must match it link for link and end where it ends.

**What it cannot detect.** The hashes are keyed with nothing: anyone who can write the
file can recompute them. The office secret lives in the same SQLite file, so an HMAC keyed
with it would add nothing against someone who can write the file (they can read the key
too). The defence against a recomputed chain is the copy of the record hashes kept
*outside* the archive, in the master. When the master is not at hand (moved, deleted) or
holds no publish record yet (made before the chain, or whose first stamp failed), only the
chain itself is checked: edits and plain inserts are still found, a recomputed chain is
not — :attr:`Checked.vouched` says which check ran.

**What a read costs.** A read of whole versions (documents, diff, export, last year's
values) re-hashes the rows it serves and compares their digest with the record; a read of
some rows (one code's history) checks the digest of the stored row hashes of each version
it serves and re-hashes only the rows it serves (bench/archive_bench.py prints both).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

from addin.archive.errors import ArchiveError

GENESIS = "0" * 64
"""The ``prev_hash`` of the first version on the chain."""

ROW_COLUMNS = ("year", "version", "kind", "code", "name", "unit", "score", "rank", "grade", "award", "trace")
"""A result row as hashed (and as ``results`` stores it)."""

RECORD_FIELDS = ("seq", "year", "version", "published_at", "published_by", "master_hash", "note", "scheme_id",
                 "scheme_version", "scheme_hash", "scheme_yaml", "results_digest", "prev_hash")
"""What a version's record hash covers."""

_ROW_DOMAIN = b"kaohe archive row v1\n"
_RECORD_DOMAIN = b"kaohe archive record v1\n"


def _blob(value: object) -> object:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"blob": bytes(value).hex()}
    raise TypeError(f"cannot hash a {type(value).__name__}")


_encode = json.JSONEncoder(ensure_ascii=True, sort_keys=True, separators=(",", ":"), default=_blob).encode


def row_hash(row: Sequence) -> bytes:
    """The SHA-256 of one result row (the :data:`ROW_COLUMNS`, as SQLite returns them)."""
    return hashlib.sha256(_ROW_DOMAIN + _encode(list(row)).encode("ascii")).digest()


def results_digest(hashes: Iterable[bytes | None]) -> str:
    """The digest of a version's results: its row hashes in (kind, code) order."""
    h = hashlib.sha256()
    for one in hashes:
        if not isinstance(one, bytes) or len(one) != 32:
            return "missing row hash"  # never a hex digest: it matches no record
        h.update(one)
    return h.hexdigest()


def record_hash(record: Mapping[str, object]) -> str:
    """The record hash of a version (``record`` holds every :data:`RECORD_FIELDS` key)."""
    return hashlib.sha256(_RECORD_DOMAIN + _encode({k: record[k] for k in RECORD_FIELDS}).encode("ascii")).hexdigest()


class ChainBroken(ArchiveError):
    """The archive failed its check: the message names the version and what does not match."""

    def __init__(self, what: str, english: str):
        super().__init__(f"考核档案校验失败：{what}。档案中的结果可能被改动过，本次未使用；请勿再用该档案，"
                         f"请联系管理员用备份核对 [the archive failed its check: {english}; nothing was served]")


@dataclass(frozen=True)
class Link:
    """One published version as the chain records it."""

    seq: int
    year: int
    version: int
    published_at: str
    published_by: str | None
    master_hash: str
    note: str
    scheme_id: str | None
    scheme_version: str | None
    scheme_hash: str | None
    scheme_yaml: str | None
    results_digest: str
    prev_hash: str
    record_hash: str

    @property
    def label(self) -> str:
        return f"{self.year}年度 v{self.version}（档案链第{self.seq}条）"

    @property
    def english(self) -> str:
        return f"{self.year} v{self.version} (link {self.seq})"


_LINK_COLUMNS = tuple(f.name for f in fields(Link))


def check_links(db: sqlite3.Connection) -> list[Link]:
    """Every published version, in chain order, each record checked against its hash and
    its link to the one before. Raises :class:`ChainBroken` at the first that fails."""
    rows = db.execute(f"SELECT {', '.join(_LINK_COLUMNS)} FROM versions "
                      "ORDER BY seq IS NULL, seq, year, version").fetchall()
    links, prev = [], GENESIS
    for n, row in enumerate(rows, start=1):
        record = dict(zip(_LINK_COLUMNS, row))
        year, version, seq = record["year"], record["version"], record["seq"]
        if seq is None or record["record_hash"] is None:
            raise ChainBroken(f"{year}年度 v{version} 不在档案链上，不是由 kaohe publish 发布的（没有发布封记）",
                              f"{year} v{version} is not on the chain: it was not published by kaohe publish")
        if seq != n:
            raise ChainBroken(f"档案链第{n}条缺失或重复（下一条是 {year}年度 v{version}，记为第{seq}条）",
                              f"link {n} of the chain is missing or doubled (next: {year} v{version} as link {seq})")
        if record["prev_hash"] != prev:
            raise ChainBroken(f"{year}年度 v{version}（档案链第{seq}条）与上一版本的链接不符，其前面的版本被删除、插入或改动过",
                              f"{year} v{version} (link {seq}) does not link to the version before it")
        if record_hash(record) != record["record_hash"]:
            raise ChainBroken(f"{year}年度 v{version}（档案链第{seq}条）的版本记录（发布时间、发布人、说明、考核方案或结果摘要）"
                              "与其记录哈希不符",
                              f"the record of {year} v{version} (link {seq}) does not match its record hash")
        links.append(Link(**record))
        prev = record["record_hash"]
    return links


_ROWS = f"SELECT {', '.join(ROW_COLUMNS)}, row_hash FROM results WHERE year = ? AND version = ? ORDER BY kind, code"


def check_version(db: sqlite3.Connection, link: Link) -> list[tuple]:
    """All the results of one version, in (kind, code) order, re-hashed and checked against
    the version's record; raises :class:`ChainBroken` naming the rows that were edited."""
    rows = db.execute(_ROWS, (link.year, link.version)).fetchall()
    hashes = [row_hash(r[:-1]) for r in rows]
    if results_digest(hashes) != link.results_digest:
        edited = [r[3] for r, h in zip(rows, hashes) if h != r[-1]]
        raise _results_broken(link, len(rows), edited)
    return [r[:-1] for r in rows]


def check_rows(db: sqlite3.Connection, link: Link, rows: Iterable[Sequence]) -> None:
    """Some results of one version (each row with its stored row hash last): the stored
    row hashes of the whole version are checked against its record (cheap: no row is
    re-encoded), and the served rows are re-hashed."""
    stored = [h for (h,) in db.execute("SELECT row_hash FROM results WHERE year = ? AND version = ? ORDER BY kind, code",
                                       (link.year, link.version))]
    if results_digest(stored) != link.results_digest:
        raise _results_broken(link, len(stored), [])
    edited = [r[3] for r in rows if row_hash(r[:-1]) != r[-1]]
    if edited:
        raise _results_broken(link, len(stored), edited)


def _results_broken(link: Link, count: int, edited: list) -> ChainBroken:
    if edited:
        codes = "、".join(map(str, edited[:5])) + ("等" if len(edited) > 5 else "")
        return ChainBroken(f"{link.label}中编码 {codes} 的结果与发布时不符（被直接改动过）",
                           f"the results of {link.english} for {', '.join(map(str, edited[:5]))} were edited in place")
    return ChainBroken(f"{link.label}的结果（档案中现有 {count} 行）与其版本记录不符：有结果被增加、删除或改动",
                       f"the results of {link.english} ({count} rows now) do not match its record: rows were added, "
                       "removed or edited")


@dataclass(frozen=True)
class RecordRow:
    """One row of the master's publish record: a link as the master saw it published."""

    seq: int
    year: int
    version: int
    record_hash: str
    cell: str
    """Where it is in the master, e.g. 发布记录!A3."""


def check_master(links: list[Link], record: list[RecordRow], master: str) -> list[Link]:
    """The chain against the master's publish record: every link the master recorded must be
    on the chain with the same record hash. Returns the links after the master's last one
    (published, but not recorded in the master: a stamp that failed, or a forgery)."""
    for n, row in enumerate(record, start=1):
        if row.seq != n:
            raise ChainBroken(f"汇总工作簿 {master} 的发布记录不完整（{row.cell} 应为第{n}条，实为第{row.seq}条）",
                              f"the publish record in {master} is incomplete at {row.cell}")
        if n > len(links):
            raise ChainBroken(f"汇总工作簿 {master} 的发布记录有第{n}条（{row.year}年度 v{row.version}，{row.cell}），"
                              "档案中没有：档案可能被换成了旧副本",
                              f"the archive lacks link {n} ({row.year} v{row.version}) that {master} records: "
                              "an older copy of the archive?")
        link = links[n - 1]
        if (link.year, link.version, link.record_hash) != (row.year, row.version, row.record_hash):
            raise ChainBroken(f"{link.label}与汇总工作簿 {master} 发布记录中的第{n}条（{row.cell}：{row.year}年度 "
                              f"v{row.version}，哈希 {row.record_hash[:12]}…）不符",
                              f"{link.english} does not match the publish record of {master} at {row.cell}")
    return links[len(record):]


def unrecorded(link: Link, master: str) -> ChainBroken:
    """A version on the chain that the master's publish record does not have."""
    return ChainBroken(f"{link.label}在档案中，但汇总工作簿 {master} 的发布记录中没有。如果是上次发布时磁盘已满等原因未能"
                       f"写入汇总工作簿，请重新运行 kaohe publish 补写（不会新建版本）；否则档案被改动过",
                       f"{link.english} is in the archive but not in the publish record of {master}: rerun "
                       "kaohe publish if a publish was interrupted (no new version is made); otherwise the archive "
                       "was altered")


@dataclass(frozen=True)
class Checked:
    """The chain of an archive, checked."""

    links: list[Link]
    vouched: bool
    """True when the master's publish record was at hand and covers every link; False when
    only the chain itself could be checked (no master, or a master without a record)."""
    pending: list[Link]
    """Links after the master's record (only when the caller allowed them: publish)."""

    def latest(self) -> dict[int, Link]:
        """The latest version of each year."""
        out: dict[int, Link] = {}
        for link in self.links:
            if link.year not in out or link.version > out[link.year].version:
                out[link.year] = link
        return out

    def find(self, year: int, version: int) -> Link | None:
        return next((x for x in self.links if (x.year, x.version) == (year, version)), None)


def check_archive(db: sqlite3.Connection, record: list[RecordRow] | None, master: str,
                  allow_pending: bool = False) -> Checked:
    """The chain (:func:`check_links`) and, when the master's publish record is given, the
    chain against it (:func:`check_master`); a link the master has not recorded fails the
    check unless ``allow_pending`` (publish, which completes the stamp)."""
    links = check_links(db)
    if record is None:
        return Checked(links, False, [])
    pending = check_master(links, record, master)
    if pending and not allow_pending:
        raise unrecorded(pending[0], master)
    return Checked(links, not pending, pending)


def stage_rows(db: sqlite3.Connection, rows: list[tuple]) -> list[tuple]:
    """The rows as ``results`` will store them (its column affinities: a rank 2.0 is
    stored as 2, a numeric name as text), in (kind, code) order: what is hashed is what a
    read will return. Runs inside the caller's transaction."""
    db.execute(f"CREATE TEMP TABLE IF NOT EXISTS staged AS SELECT {', '.join(ROW_COLUMNS)} FROM main.results WHERE 0")
    try:
        db.executemany(f"INSERT INTO staged VALUES ({', '.join('?' * len(ROW_COLUMNS))})", rows)
        return db.execute(f"SELECT {', '.join(ROW_COLUMNS)} FROM staged ORDER BY kind, code").fetchall()
    finally:
        db.execute("DROP TABLE temp.staged")


def seal(db: sqlite3.Connection, record: dict[str, object], rows: list[tuple], prev: Link | None) -> str:
    """Insert one version and its results (``rows`` as :func:`stage_rows` returned them),
    sealed onto the chain after ``prev``; returns its record hash. Inside the caller's
    transaction."""
    hashes = [row_hash(r) for r in rows]
    record = {**record, "seq": (prev.seq if prev else 0) + 1, "prev_hash": prev.record_hash if prev else GENESIS,
              "results_digest": results_digest(hashes)}
    record["record_hash"] = record_hash(record)
    db.execute(f"INSERT INTO versions ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
               list(record.values()))
    db.executemany(f"INSERT INTO results ({', '.join(ROW_COLUMNS)}, row_hash) VALUES "
                   f"({', '.join('?' * (len(ROW_COLUMNS) + 1))})", [(*r, h) for r, h in zip(rows, hashes)])
    return record["record_hash"]


def seal_existing(db: sqlite3.Connection) -> int:
    """Put the versions published before the chain onto it, in the order they were published
    (the migration that adds the chain; its triggers are off meanwhile). Their publisher is
    unknown (None). Returns how many were sealed."""
    prev = GENESIS
    versions = db.execute("SELECT year, version FROM versions ORDER BY published_at, rowid").fetchall()
    for seq, (year, version) in enumerate(versions, start=1):
        rows = db.execute(f"SELECT rowid, {', '.join(ROW_COLUMNS)} FROM results WHERE year = ? AND version = ? "
                          "ORDER BY kind, code", (year, version)).fetchall()
        hashes = [row_hash(r[1:]) for r in rows]
        db.executemany("UPDATE results SET row_hash = ? WHERE rowid = ?", [(h, r[0]) for r, h in zip(rows, hashes)])
        record = dict(zip(RECORD_FIELDS, db.execute(f"SELECT {', '.join(RECORD_FIELDS)} FROM versions WHERE year = ? "
                                                    "AND version = ?", (year, version)).fetchone()))
        record.update(seq=seq, prev_hash=prev, results_digest=results_digest(hashes))
        prev = record_hash(record)
        db.execute("UPDATE versions SET seq = ?, prev_hash = ?, results_digest = ?, record_hash = ? WHERE year = ? "
                   "AND version = ?", (seq, record["prev_hash"], record["results_digest"], prev, year, version))
    return len(versions)
