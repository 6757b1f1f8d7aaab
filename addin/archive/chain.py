"""The archive's hash chain: every published version is sealed, and every read checks the seal.

A version's **record hash** is the SHA-256 of its record: its place on the chain (``seq``),
year, version number, when and by whom it was published, the hash of the master it was
published from, its note, its scheme (id, version, hash and the YAML text), how many results
it has and their digest, and the record hash of the version published before it
(``prev_hash``; the first links to ``GENESIS``). The results are split into 256 **buckets**
by their code (the first byte of the SHA-256 of the code), so that one code's read needs
one bucket, not the whole version: a **bucket digest** is the SHA-256 of the bucket's rows
(year, version, kind, code, name, unit, score, rank, grade, award, 说明) in (kind, code)
order, the version keeps its 256 bucket digests, and the **results digest** in its record
is the SHA-256 of them. Rows, buckets and records are hashed as canonical JSON (ASCII,
sorted keys, no spaces, each behind a domain line), so a hash never depends on the Python
or SQLite version that computed it. Each result also keeps its own **row hash**, covered by
nothing: when a digest fails, it names the rows that were edited in place.

**One chain per year.** An office archive holds every year of the office, each year
published from its own year folder's master: a year's versions are sealed onto that year's
chain (``seq`` counts within the year, the first links to ``GENESIS``), and the year's
master keeps the record of exactly that chain (:mod:`addin.archive.stamp`). Every read
checks every year's chain, and each year against its own master where the office has that
year's folder; a year no master speaks for (a year forged whole, or one whose folder is
gone) is checked as a chain only, and :attr:`Checked.vouched` says so. Year folders from
before the office (each with an archive of its own) are merged into the office archive
without a link being resealed (:mod:`addin.archive.merge`): each year's chain and its
master's record stay as they were.

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

**What a read costs.** The links are a few rows. A read of whole versions (documents, diff,
export, last year's values) hashes every row it serves again; one code's read (history)
hashes again the one bucket of each version that holds the code — every row of it, so a
row of that code removed, added or moved to another bucket is found too — and checks the
version's bucket digests against its record (bench/archive_bench.py prints both against
the same reads unchecked).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from operator import itemgetter

from addin.archive.errors import ArchiveError

GENESIS = "0" * 64
"""The ``prev_hash`` of the first version on the chain."""

ROW_COLUMNS = ("year", "version", "kind", "code", "name", "unit", "score", "rank", "grade", "award", "trace")
"""A result row as hashed (and as ``results`` stores it)."""

RECORD_FIELDS = ("seq", "year", "version", "published_at", "published_by", "master_hash", "note", "scheme_id",
                 "scheme_version", "scheme_hash", "scheme_yaml", "rows", "results_digest", "prev_hash")
"""What a version's record hash covers."""

BUCKETS = 256
_ROW_DOMAIN = b"kaohe archive row v1\n"
_BUCKET_DOMAIN = b"kaohe archive bucket v1\n"
_RESULTS_DOMAIN = b"kaohe archive results v1\n"
_RECORD_DOMAIN = b"kaohe archive record v1\n"


def _blob(value: object) -> object:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"blob": bytes(value).hex()}
    raise TypeError(f"cannot hash a {type(value).__name__}")


_encode = json.JSONEncoder(ensure_ascii=True, sort_keys=True, separators=(",", ":"), default=_blob).encode


def row_hash(row: Sequence) -> bytes:
    """The SHA-256 of one result row (the :data:`ROW_COLUMNS`, as SQLite returns them)."""
    return hashlib.sha256(_ROW_DOMAIN + _encode(list(row)).encode("ascii")).digest()


def bucket_of(code: object) -> int:
    """The bucket of a result's code: the first byte of the SHA-256 of the code (as JSON)."""
    return hashlib.sha256(_encode(code).encode("ascii")).digest()[0]


def bucket_digest(rows: Sequence[Sequence]) -> bytes:
    """The digest of one bucket: its rows (the :data:`ROW_COLUMNS`) in (kind, code) order."""
    return hashlib.sha256(_BUCKET_DOMAIN + _encode(rows).encode("ascii")).digest()


def results_digest(buckets: bytes) -> str:
    """The digest of a version's results: the SHA-256 of its bucket digests."""
    return hashlib.sha256(_RESULTS_DOMAIN + buckets).hexdigest()


def record_hash(record: Mapping[str, object]) -> str:
    """The record hash of a version (``record`` holds every :data:`RECORD_FIELDS` key)."""
    return hashlib.sha256(_RECORD_DOMAIN + _encode({k: record[k] for k in RECORD_FIELDS}).encode("ascii")).hexdigest()


class ChainBroken(ArchiveError):
    """The archive failed its check: the message names the version and what does not match."""

    def __init__(self, what: str, english: str, advice: str = "档案可能被改动过：请勿再用，请联系管理员用备份核对。"):
        super().__init__(f"考核档案校验失败：{what}。{advice}本次未使用档案中的结果 "
                         f"[the archive failed its check: {english}; nothing was served]")


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
    rows: int
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
    """Every published version, year by year in chain order, each record checked against
    its hash and its link to the one before it in its year. Raises :class:`ChainBroken` at
    the first that fails."""
    rows = db.execute(f"SELECT {', '.join(_LINK_COLUMNS)} FROM versions "
                      "ORDER BY year, seq IS NULL, seq, version").fetchall()
    links: list[Link] = []
    prev, n, year_of_prev = GENESIS, 0, None
    for row in rows:
        record = dict(zip(_LINK_COLUMNS, row))
        year, version, seq = record["year"], record["version"], record["seq"]
        if year != year_of_prev:
            prev, n, year_of_prev = GENESIS, 0, year
        n += 1
        if seq is None or record["record_hash"] is None:
            raise ChainBroken(f"{year}年度 v{version} 不在档案链上，不是由 kaohe publish 发布的（没有发布封记）",
                              f"{year} v{version} is not on the chain: it was not published by kaohe publish")
        if seq != n:
            raise ChainBroken(f"{year}年度档案链第{n}条缺失或重复（下一条是 v{version}，记为第{seq}条）",
                              f"link {n} of the {year} chain is missing or doubled (next: v{version} as link {seq})")
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


def check_version(db: sqlite3.Connection, link: Link, order: str = "kind, code") -> list[tuple]:
    """All the results of one version (the :data:`ROW_COLUMNS`, in ``order``: an ORDER BY
    of their columns), hashed again and checked against the version's record; raises
    :class:`ChainBroken` naming the rows that were edited in place (by their own row
    hashes), or how many were added or removed.

    Rows are grouped by their stored bucket: a bucket edited moves its row into another
    group, and that group's digest fails like any other change."""
    buckets: list[list[tuple]] = [[] for _ in range(BUCKETS)]
    rows = []
    for r in db.execute(f"SELECT bucket, {', '.join(ROW_COLUMNS)} FROM results WHERE year = ? AND version = ? "
                        f"ORDER BY {order}", (link.year, link.version)):
        if type(r[0]) is not int or not 0 <= r[0] < BUCKETS:
            raise _results_broken(db, link)
        row = r[1:]
        buckets[r[0]].append(row)
        rows.append(row)
    try:
        for bucket in buckets:
            bucket.sort(key=_KIND_CODE)  # SQLite's order of text is Python's (UTF-8 keeps code point order)
    except TypeError:  # a kind or code that is not text: never published so
        raise _results_broken(db, link) from None
    if results_digest(b"".join(map(bucket_digest, buckets))) != link.results_digest:
        raise _results_broken(db, link)
    return rows


_KIND_CODE = itemgetter(2, 3)


def check_code(db: sqlite3.Connection, link: Link, code: str) -> list[tuple]:
    """The results of one code in one version, checked through its bucket: the version's
    bucket digests against its record, then every row of the code's bucket hashed again
    against its bucket digest (a row of the code removed, added, edited or moved to another
    bucket fails). Raises :class:`ChainBroken`."""
    (buckets,) = db.execute("SELECT buckets FROM versions WHERE year = ? AND version = ?",
                            (link.year, link.version)).fetchone()
    if not isinstance(buckets, bytes) or len(buckets) != 32 * BUCKETS or results_digest(buckets) != link.results_digest:
        raise ChainBroken(f"{link.label}的结果摘要与其版本记录不符",
                          f"the bucket digests of {link.english} do not match its record")
    b = bucket_of(code)
    rows = db.execute(f"SELECT {', '.join(ROW_COLUMNS)} FROM results WHERE year = ? AND version = ? AND bucket = ? "
                      "ORDER BY kind, code", (link.year, link.version, b)).fetchall()
    if bucket_digest(rows) != buckets[32 * b:32 * b + 32]:
        raise _results_broken(db, link)
    return [r for r in rows if r[3] == code]  # one row a kind: in kind order


def _results_broken(db: sqlite3.Connection, link: Link) -> ChainBroken:
    """What a failed digest means, from the whole version: rows edited in place (named by
    their own row hashes) or rows added or removed (the count against the record's)."""
    rows = db.execute(f"SELECT {', '.join(ROW_COLUMNS)}, row_hash FROM results WHERE year = ? AND version = ? "
                      "ORDER BY kind, code", (link.year, link.version)).fetchall()
    edited = [r[3] for r in rows if row_hash(r[:-1]) != r[-1]]
    count = len(rows)
    if edited and count == link.rows:
        codes = "、".join(map(str, edited[:5])) + ("等" if len(edited) > 5 else "")
        return ChainBroken(f"{link.label}中编码 {codes} 的结果与发布时不符（被直接改动过）",
                           f"the results of {link.english} for {', '.join(map(str, edited[:5]))} were edited in place")
    return ChainBroken(f"{link.label}的结果与其版本记录不符（发布时 {link.rows} 行，档案中现有 {count} 行）："
                       "有结果被增加、删除或改动",
                       f"the results of {link.english} do not match its record ({link.rows} rows published, "
                       f"{count} now): rows were added, removed or edited")


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
    """One year's chain against its master's publish record: every link the master recorded
    must be on the chain with the same record hash, in order. Returns the links after the
    master's last one (published, but not recorded in the master: a stamp that failed, or a
    forgery)."""
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
    return ChainBroken(f"{link.label}在档案中，但汇总工作簿 {master} 的发布记录中没有",
                       f"{link.english} is in the archive but not in the publish record of {master}: rerun "
                       "kaohe publish if a publish was interrupted (no new version is made); otherwise the archive "
                       "was altered",
                       "如果是上次发布时磁盘已满等原因未能写入汇总工作簿，请再运行一次 kaohe publish 补写（不会新建版本）；"
                       "如果没有这样的发布，档案被改动过：请勿再用，请联系管理员用备份核对。")


@dataclass(frozen=True)
class Checked:
    """The chain of an archive, checked."""

    links: list[Link]
    vouched: bool
    """True when every year's master's publish record was at hand and covers every link of
    its year; False when some year was checked as a chain only (no master, or a master
    without a record)."""
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


def check_archive(db: sqlite3.Connection, records: dict[int, tuple[list[RecordRow], str]],
                  allow_pending: int | None = None) -> Checked:
    """Every year's chain (:func:`check_links`), and each year whose master's publish
    record is given (``records``: year → (record, master's name)) against it
    (:func:`check_master`). A link a year's master has not recorded fails the check, unless
    it is of the year ``allow_pending`` (publish, which completes the stamp)."""
    links = check_links(db)
    by_year: dict[int, list[Link]] = {}
    for link in links:
        by_year.setdefault(link.year, []).append(link)
    pending: list[Link] = []
    vouched = True
    for year, year_links in by_year.items():
        if year not in records:
            vouched = False
            continue
        record, master = records[year]
        late = check_master(year_links, record, master)
        if late and year != allow_pending:
            raise unrecorded(late[0], master)
        pending += late
        vouched = vouched and not late
    for year, (record, master) in records.items():  # a year its master records, gone from the archive
        if record and year not in by_year:
            check_master([], record, master)
    return Checked(links, vouched, pending)


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


def _sealed(rows: list[tuple]) -> tuple[list[bytes], list[int], bytes]:
    """Each row's hash and bucket, and the bucket digests, of rows in (kind, code) order;
    each row encoded once (a bucket's JSON list is its rows' JSON joined by commas)."""
    texts = [_encode(r) for r in rows]
    buckets = [bucket_of(r[3]) for r in rows]
    groups: list[list[str]] = [[] for _ in range(BUCKETS)]
    for text, b in zip(texts, buckets):
        groups[b].append(text)
    digests = b"".join(hashlib.sha256(_BUCKET_DOMAIN + f"[{','.join(g)}]".encode("ascii")).digest() for g in groups)
    return [hashlib.sha256(_ROW_DOMAIN + t.encode("ascii")).digest() for t in texts], buckets, digests


def seal(db: sqlite3.Connection, record: dict[str, object], rows: list[tuple], prev: Link | None) -> str:
    """Insert one version and its results (``rows`` as :func:`stage_rows` returned them),
    sealed onto its year's chain after ``prev`` (the year's latest version, or None for the
    year's first); returns its record hash. Inside the caller's transaction."""
    if prev is not None and prev.year != record["year"]:
        raise ValueError(f"a {record['year']} version cannot follow {prev.english} on a chain")
    hashes, buckets, digests = _sealed(rows)
    record = {**record, "seq": (prev.seq if prev else 0) + 1, "prev_hash": prev.record_hash if prev else GENESIS,
              "rows": len(rows), "results_digest": results_digest(digests)}
    record["record_hash"] = record_hash(record)
    record["buckets"] = digests
    db.execute(f"INSERT INTO versions ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
               list(record.values()))
    db.executemany(f"INSERT INTO results ({', '.join(ROW_COLUMNS)}, row_hash, bucket) VALUES "
                   f"({', '.join('?' * (len(ROW_COLUMNS) + 2))})", [(*r, h, b) for r, h, b in zip(rows, hashes, buckets)])
    return record["record_hash"]


def seal_existing(db: sqlite3.Connection) -> int:
    """Put the versions published before the chain onto their years' chains, each year in
    the order they were published (the migration that adds the chain; its triggers are off
    meanwhile). Their publisher is unknown (None). Returns how many were sealed."""
    versions = db.execute("SELECT year, version FROM versions ORDER BY year, published_at, rowid").fetchall()
    prev, seq, year_of_prev = GENESIS, 0, None
    for year, version in versions:
        if year != year_of_prev:
            prev, seq, year_of_prev = GENESIS, 0, year
        seq += 1
        found = db.execute(f"SELECT rowid, {', '.join(ROW_COLUMNS)} FROM results WHERE year = ? AND version = ? "
                           "ORDER BY kind, code", (year, version)).fetchall()
        hashes, buckets, digests = _sealed([r[1:] for r in found])
        db.executemany("UPDATE results SET row_hash = ?, bucket = ? WHERE rowid = ?",
                       [(h, b, r[0]) for r, h, b in zip(found, hashes, buckets)])
        record = dict(zip(RECORD_FIELDS, db.execute(f"SELECT {', '.join(RECORD_FIELDS)} FROM versions WHERE year = ? "
                                                    "AND version = ?", (year, version)).fetchone()))
        record.update(seq=seq, prev_hash=prev, rows=len(found), results_digest=results_digest(digests))
        prev = record_hash(record)
        db.execute("UPDATE versions SET seq = ?, prev_hash = ?, rows = ?, results_digest = ?, buckets = ?, "
                   "record_hash = ? WHERE year = ? AND version = ?",
                   (seq, record["prev_hash"], record["rows"], record["results_digest"], digests, prev, year, version))
    return len(versions)
