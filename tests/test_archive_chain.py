"""The archive is tamper-evident: published versions hash-chained, the chain checked on every
read and against the master's publish record (发布记录); archives made before the chain
are sealed on first open; the archive's files are owner-only; a full disk after the commit
is told as it is and a rerun completes the stamp; names that look like rich markup print as
themselves."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from addin.archive.chain import ChainBroken, check_code, check_links, check_version, seal, stage_rows
from addin.archive.documents import circular, publicity_lists
from addin.archive.notices import notices
from addin.archive.export import export_archive
from addin.archive.history import history, previous_values
from addin.archive.stamp import RECORD_SHEET, checked_archive
from addin.archive.versions import archive_path, diff, publish, read_master_results, versions
from addin.cli import app
from addin.hosts import FileHost
from addin.intake.migrations import MIGRATIONS
from addin.intake.store import Store, write_private
from addin.macro import recompute
from addin.results import ResultTable
from addin.workbook.tables import code_text
from test_archive import computed, set_input  # noqa: F401 (fixture)
from test_environment import tmpfs  # noqa: F401 (fixture: a 4 MB tmpfs of our own)
from test_macro import DEPARTMENTS, DISTRICTS, PEOPLE, master  # noqa: F401 (fixture and data)

ROOT = Path(__file__).parents[1]
runner = CliRunner()
COLUMNS = ("year", "version", "kind", "code", "name", "unit", "score", "rank", "grade", "award", "trace")
RECORD = ("seq", "year", "version", "published_at", "published_by", "master_hash", "note", "scheme_id",
          "scheme_version", "scheme_hash", "scheme_yaml", "rows", "results_digest", "prev_hash")
ALL_ROWS = len(DEPARTMENTS) + len(DISTRICTS) + len(PEOPLE)


# --- the hashes, worked by hand from the format documented in addin/archive/chain.py ------------------

def canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":")).encode("ascii")


def row_hash_by_hand(row) -> bytes:
    return hashlib.sha256(b"kaohe archive row v1\n" + canonical(list(row))).digest()


def buckets_by_hand(rows) -> bytes:
    """256 buckets by the first byte of the SHA-256 of the code (as JSON); each bucket's rows
    in (kind, code) order as one JSON list, hashed; the 256 digests one after another."""
    buckets = [[] for _ in range(256)]
    for r in rows:
        buckets[hashlib.sha256(canonical(r[3])).digest()[0]].append(list(r))
    return b"".join(hashlib.sha256(b"kaohe archive bucket v1\n" + canonical(b)).digest() for b in buckets)


def digest_by_hand(rows) -> str:
    return hashlib.sha256(b"kaohe archive results v1\n" + buckets_by_hand(rows)).hexdigest()


def record_hash_by_hand(record: dict) -> str:
    return hashlib.sha256(b"kaohe archive record v1\n" + canonical({k: record[k] for k in RECORD})).hexdigest()


def raw(master: Path) -> sqlite3.Connection:
    """The archive as someone with write access to the file sees it: plain SQL."""
    return sqlite3.connect(archive_path(master), isolation_level=None)


def record_sheet(master: Path) -> list[tuple]:
    return list(openpyxl.load_workbook(master)[RECORD_SHEET].iter_rows(min_row=2, max_col=6, values_only=True))


def invoke(*args: str):
    result = runner.invoke(app, list(args), terminal_width=200, env={"COLUMNS": "200"})
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    return result


def forge_insert(master: Path, year: int, version: int, changes: dict[str, dict[str, str]]) -> None:
    """A forged version added with plain SQL: the last version of ``year`` copied, with
    ``changes`` (code → column → value)."""
    db = raw(master)
    last = db.execute("SELECT MAX(version) FROM versions WHERE year = ?", (year,)).fetchone()[0]
    db.execute("INSERT INTO versions (year, version, published_at, master_hash, note) VALUES (?, ?, ?, ?, ?)",
               (year, version, "2026-12-31T09:00:00", "0" * 64, "复核后"))
    for row in db.execute(f"SELECT {', '.join(COLUMNS)} FROM results WHERE year = ? AND version = ?",
                          (year, last)).fetchall():
        values = dict(zip(COLUMNS, row), version=version, **changes.get(row[3], {}))
        db.execute(f"INSERT INTO results ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                   list(values.values()))
    db.close()


# --- sealing -------------------------------------------------------------------------------------------

def test_publish__seals_every_version_onto_its_years_chain_and_records_it_in_the_master(computed):  # noqa: F811
    publish(computed, 2026, by="张科长")
    publish(computed, 2026, by="张科长", note="公示版", force=True)
    publish(computed, 2026, by="李主任", note="复核后", force=True)
    db = raw(computed)
    db.row_factory = sqlite3.Row
    links = [dict(r) for r in db.execute("SELECT * FROM versions ORDER BY year, seq")]
    assert [(x["seq"], x["year"], x["version"], x["published_by"]) for x in links] == [
        (1, 2026, 1, "张科长"), (2, 2026, 2, "张科长"), (3, 2026, 3, "李主任")]
    prev = "0" * 64
    for link in links:
        rows = db.execute(f"SELECT {', '.join(COLUMNS)}, row_hash FROM results WHERE year = ? AND version = ? "
                          "ORDER BY kind, code", (link["year"], link["version"])).fetchall()
        assert len(rows) == link["rows"] == ALL_ROWS
        assert all(row_hash_by_hand(tuple(r)[:-1]) == r["row_hash"] for r in rows)
        assert link["buckets"] == buckets_by_hand([tuple(r)[:-1] for r in rows])
        assert link["results_digest"] == digest_by_hand([tuple(r)[:-1] for r in rows])
        assert link["prev_hash"] == prev
        assert link["record_hash"] == record_hash_by_hand(link)
        prev = link["record_hash"]
    b02 = db.execute("SELECT score, rank, grade, award FROM results WHERE year = 2026 AND version = 2 AND "
                     "code = 'B02'").fetchone()
    assert tuple(b02) == ("93.00", 2, None, "待定")  # what a read returns is what was hashed
    db.close()
    assert record_sheet(computed) == [(x["seq"], x["year"], x["version"], x["published_at"], x["published_by"],
                                       x["record_hash"]) for x in links]
    ws = openpyxl.load_workbook(computed)["部门排名"]
    assert ws["I1"].value == (f"已发布 2026年度 v3（{links[2]['published_at'][:10]}；档案链第3条 "
                              f"{links[2]['record_hash'][:12]}）")


def test_publish__recompute_keeps_the_publish_record(computed, municipal):  # noqa: F811
    publish(computed, 2026)
    before = record_sheet(computed)
    set_input(computed, "部门", "B02", "业务目标", 64)
    assert recompute(FileHost(computed), municipal).ok
    ws = openpyxl.load_workbook(computed)["部门排名"]
    assert ws["I1"].value is None  # the results are no longer v1's: no stamp beside them
    assert record_sheet(computed) == before and len(before) == 1  # the record of the archive's chain stays
    assert [e.score for e in history(computed, "B02")] == ["93.00"]  # reads still check against it


# --- forgeries and edits -------------------------------------------------------------------------------

NOT_ON_CHAIN = "2026年度 v2 不在档案链上"


def test_reads__a_version_inserted_with_plain_sql_is_refused_everywhere(computed, municipal, tmp_path):  # noqa: F811
    publish(computed, 2026)
    forge_insert(computed, 2026, 2, {"P05": {"grade": "优秀"}, "B02": {"score": "99.00", "award": "是"}})
    for read in (lambda: publicity_lists(computed, 2026, dt.date(2026, 12, 21), 7, tmp_path / "p"),
                 lambda: notices(computed, 2026, dt.date(2026, 12, 14), municipal, tmp_path / "n"),
                 lambda: circular(computed, 2026, municipal, tmp_path / "c.xlsx"),
                 lambda: history(computed, "P05"),
                 lambda: export_archive(computed, tmp_path / "a.xlsx"),
                 lambda: diff(computed, 2026, 1, 2)):
        with pytest.raises(ChainBroken, match=NOT_ON_CHAIN):
            read()
    assert not (tmp_path / "p").exists() and not (tmp_path / "a.xlsx").exists()  # nothing was served
    for args in (["publicize", str(computed), "--year", "2026", "--start", "2026-12-21"],
                 ["notices", str(computed), "--year", "2026", "--notified", "2026-12-14"],
                 ["history", "P05", "--master", str(computed)],
                 ["diff", str(computed), "v1", "v2", "--year", "2026"],
                 ["export", str(computed), "--out", str(tmp_path / "e.xlsx")],
                 ["publish", str(computed), "--year", "2026"]):
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "考核档案校验失败" in result.output and NOT_ON_CHAIN in result.output, args
        assert "[the archive failed its check: 2026 v2 is not on the chain" in result.output, args
    db = raw(computed)
    assert db.execute("SELECT COUNT(*) FROM versions").fetchone()[0] == 2  # publish added nothing
    db.close()


def test_recompute__a_forged_version_of_last_year_stops_the_two_year_rules(computed, municipal):  # noqa: F811
    publish(computed, 2025)  # last year: C03 had 50 (below 60 two years running would be flagged)
    forge_insert(computed, 2025, 2, {"C03": {"score": "75.00"}})
    set_input(computed, "部门", "C03", "上年综合得分", None)  # blank: last year's value comes from the archive
    with pytest.raises(ChainBroken, match="2025年度 v2 不在档案链上"):
        previous_values(archive_path(computed), 2025)
    before = computed.read_bytes()
    with pytest.raises(ChainBroken, match="2025年度 v2 不在档案链上"):
        recompute(FileHost(computed), municipal)
    result = invoke("recompute", str(computed))
    assert result.exit_code == 2 and "2025年度 v2 不在档案链上" in result.output
    assert computed.read_bytes() == before  # nothing computed from the forged year was written


def test_reads__a_result_edited_in_place_after_dropping_its_trigger(computed, tmp_path):  # noqa: F811
    publish(computed, 2026)
    db = raw(computed)
    db.execute("DROP TRIGGER results_frozen_update")
    db.execute("UPDATE results SET grade = '优秀' WHERE code = 'P05'")
    db.close()
    with pytest.raises(ChainBroken, match="2026年度 v1（档案链第1条）中编码 P05 的结果与发布时不符"):
        history(computed, "P05")  # one code's read re-hashes the rows it serves
    with pytest.raises(ChainBroken, match="编码 P05 的结果与发布时不符"):
        publicity_lists(computed, 2026, dt.date(2026, 12, 21), 7, tmp_path)  # a whole version's read
    result = invoke("history", "P05", "--master", str(computed))
    assert result.exit_code == 2 and "编码 P05 的结果与发布时不符" in result.output
    assert "[the archive failed its check: the results of 2026 v1 (link 1) for P05 were edited in place" \
        in result.output


def test_reads__a_result_removed_or_slipped_into_a_version(computed):  # noqa: F811
    publish(computed, 2025)
    publish(computed, 2026)
    db = raw(computed)
    db.execute("DROP TRIGGER results_frozen_delete")
    db.execute("DELETE FROM results WHERE year = 2025 AND code = 'P05'")  # last year's 不称职 hidden
    db.close()
    removed = f"2025年度 v1（档案链第1条）的结果与其版本记录不符（发布时 {ALL_ROWS} 行，档案中现有 {ALL_ROWS - 1} 行）"
    with pytest.raises(ChainBroken, match=removed):
        history(computed, "P05")  # never the 2026 row alone, as if 2025 had none
    with pytest.raises(ChainBroken, match=removed):
        previous_values(archive_path(computed), 2025)
    db = raw(computed)
    db.execute("INSERT INTO results (year, version, kind, code, name, unit, score, rank, grade, award, trace, "
               "row_hash) SELECT year, version, kind, 'P05', name, unit, score, rank, grade, award, trace, row_hash "
               "FROM results WHERE year = 2025 AND code = 'P04'")  # put back with another's results and row hash
    db.close()
    with pytest.raises(ChainBroken, match="2025年度 v1（档案链第1条）中编码 P05 的结果与发布时不符"):
        history(computed, "P05")


def test_history__a_result_moved_out_of_its_bucket_is_missed_by_no_read(computed):  # noqa: F811
    publish(computed, 2026)
    db = raw(computed)
    db.execute("DROP TRIGGER results_frozen_update")
    db.execute("UPDATE results SET bucket = (bucket + 1) % 256 WHERE code = 'P05'")  # one code's read would not see it
    db.close()
    with pytest.raises(ChainBroken, match=f"2026年度 v1（档案链第1条）的结果与其版本记录不符（发布时 {ALL_ROWS} 行，"
                                          f"档案中现有 {ALL_ROWS} 行）"):
        history(computed, "P05")
    assert [e.code for e in history(computed, "P04")] == ["P04"]  # the other buckets are as published


def test_reads__a_version_record_edited_in_place(computed):  # noqa: F811
    publish(computed, 2026, note="公示版")
    db = raw(computed)
    db.execute("DROP TRIGGER versions_frozen_update")
    db.execute("UPDATE versions SET published_at = '2026-10-01T09:00:00'")  # backdated
    db.close()
    with pytest.raises(ChainBroken, match=r"2026年度 v1（档案链第1条）的版本记录（发布时间、发布人、说明、考核方案或结果摘要）与其记录哈希不符"):
        history(computed, "B02")


def test_reads__a_version_edited_with_every_hash_recomputed_is_found_by_the_master(computed):  # noqa: F811
    publish(computed, 2026)
    db = raw(computed)
    for trigger in ("results_frozen_update", "versions_frozen_update"):
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute("UPDATE results SET grade = '优秀' WHERE code = 'P05'")
    rows = db.execute(f"SELECT rowid, {', '.join(COLUMNS)} FROM results ORDER BY kind, code").fetchall()
    for r in rows:
        db.execute("UPDATE results SET row_hash = ? WHERE rowid = ?", (row_hash_by_hand(r[1:]), r[0]))
    digest = digest_by_hand([r[1:] for r in rows])
    db.row_factory = sqlite3.Row
    link = {**dict(db.execute("SELECT * FROM versions").fetchone()), "results_digest": digest}
    db.execute("UPDATE versions SET results_digest = ?, buckets = ?, record_hash = ?",
               (digest, buckets_by_hand([r[1:] for r in rows]), record_hash_by_hand(link)))
    assert len(check_links(db)) == 1  # the chain itself is consistent again
    db.close()
    with pytest.raises(ChainBroken, match="2026年度 v1（档案链第1条）与汇总工作簿 .* 发布记录中的第1条（发布记录!A2"):
        history(computed, "P05")


def test_reads__a_forged_version_with_a_recomputed_chain_is_found_by_the_master(computed, tmp_path):  # noqa: F811
    publish(computed, 2026)
    db = raw(computed)  # the forger knows the algorithm: a v2 sealed exactly as publish seals one
    db.execute("BEGIN IMMEDIATE")
    last = check_links(db)[-1]
    rows = [(2026, 2, *r[2:8], "优秀" if r[3] == "P05" else r[8], *r[9:]) for r in check_version(db, last)]
    seal(db, {"year": 2026, "version": 2, "published_at": "2026-12-31T09:00:00", "published_by": "张科长",
              "master_hash": last.master_hash, "note": "复核后", "scheme_id": None, "scheme_version": None,
              "scheme_hash": None, "scheme_yaml": None}, stage_rows(db, rows), last)
    db.execute("COMMIT")
    assert [x.version for x in check_links(db)] == [1, 2]  # a valid chain on its own
    db.close()
    told = "2026年度 v2（档案链第2条）在档案中，但汇总工作簿 2026_KHB_考核汇总工作簿.xlsx 的发布记录中没有"
    with pytest.raises(ChainBroken, match=told):
        history(computed, "P05")
    with pytest.raises(ChainBroken, match=told):
        previous_values(archive_path(computed), 2026)  # the two-year rules read it with the master beside
    result = invoke("publish", str(computed), "--year", "2026")  # the master's results are not the forged v2's
    assert result.exit_code == 2 and told in result.output
    # Without the master only the chain itself can be checked, and says so: the forgery is not found.
    away = computed.rename(tmp_path / "moved.xlsx")
    with checked_archive(None, archive_path(computed)) as (_db, checked):
        assert checked.vouched is False and [x.version for x in checked.links] == [1, 2]
    away.rename(computed)
    with pytest.raises(ChainBroken, match=told), checked_archive(computed):
        pass


def test_reads__an_archive_swapped_for_an_older_copy(computed, municipal, tmp_path):  # noqa: F811
    publish(computed, 2026)
    old = tmp_path / "old.sqlite"
    shutil.copy(archive_path(computed), old)
    set_input(computed, "部门", "B02", "业务目标", 64)
    assert recompute(FileHost(computed), municipal).ok
    assert publish(computed, 2026).version == 2
    shutil.copy(old, archive_path(computed))
    with pytest.raises(ChainBroken, match=r"汇总工作簿 .* 的发布记录有第2条（2026年度 v2，发布记录!A3），档案中没有"):
        history(computed, "B02")


# --- migration -------------------------------------------------------------------------------------------

def publish_before_the_chain(db: sqlite3.Connection, master: Path, year: int, version: int, at: str) -> None:
    """What ``publish`` did before the chain (its two INSERTs and its stamp, as they were)."""
    host = FileHost(master)
    sheets = {"department": ("部门排名", "单位编码", "分口", "综合得分", "口内名次", None, "先进集体"),
              "district": ("区市排名", "单位编码", None, "综合得分", "名次", None, "先进集体"),
              "person": ("人员等次", "人员编码", "单位编码", "总分", "名额范围内名次", "等次", "拟表彰")}
    tables = {k: t for k, t in read_master_results(host).items() if k in sheets}  # it knew no audit bureau
    results = []
    for kind, (_sheet, key, unit, score, rank, grade, award) in sheets.items():
        for _row, rec in tables[kind].rows:
            s = rec.get(score)
            results.append((kind, code_text(rec[key]), rec.get("单位名称") or rec.get("姓名"),
                            rec.get(unit) if unit else None, format(s, ".2f") if isinstance(s, float) else s,
                            rec.get(rank), rec.get(grade) if grade else None, rec.get(award), rec.get("说明")))
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO versions (year, version, published_at, master_hash, note, scheme_id, scheme_version, "
               "scheme_hash, scheme_yaml) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (year, version, at, hashlib.sha256(host.data).hexdigest(), "", None, None, None, None))
    db.executemany("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [(year, version, *r) for r in results])
    db.execute("COMMIT")
    for kind, table in tables.items():
        headers = sorted(table.columns, key=table.columns.get)
        host.write_tables([ResultTable(sheets[kind][0], headers, [[rec.get(h) for h in headers]
                                                                  for _row, rec in table.rows],
                                       stamp=f"已发布 {year}年度 v{version}（{at[:10]}）")])
    host.finish()


def test_migration__an_archive_made_before_the_chain_is_sealed_on_first_open(computed):  # noqa: F811
    old = Store.__new__(Store)  # an archive as the code before the chain made it: migrations 1–5 …
    old.path = archive_path(computed)
    old.db = sqlite3.connect(old.path, isolation_level=None)
    old.db.execute("PRAGMA journal_mode = WAL")
    assert old.migrate(MIGRATIONS[:5]) == [1, 2, 3, 4, 5]
    # … and its publish; 2026 first, then a back-filled 2025, then 2026 v2 after appeals
    publish_before_the_chain(old.db, computed, 2026, 1, "2026-12-01T10:00:00")
    publish_before_the_chain(old.db, computed, 2025, 1, "2025-12-01T10:00:00")
    publish_before_the_chain(old.db, computed, 2026, 2, "2026-12-20T10:00:00")
    old.db.close()

    store = Store(archive_path(computed))  # first open: migration 6 seals what is there
    db = store.db
    assert [r[0] for r in db.execute("SELECT version FROM schema_migrations ORDER BY version")] == list(range(1, 13))
    db.row_factory = sqlite3.Row
    links = [dict(r) for r in db.execute("SELECT * FROM versions ORDER BY year, seq")]
    assert [(x["seq"], x["year"], x["version"], x["published_by"]) for x in links] == [
        (1, 2025, 1, None), (1, 2026, 1, None), (2, 2026, 2, None)]  # each year's, in the order published
    prev = "0" * 64
    for link in links:
        if link["seq"] == 1:
            prev = "0" * 64  # each year's chain starts from nothing
        rows = db.execute(f"SELECT {', '.join(COLUMNS)}, row_hash FROM results WHERE year = ? AND version = ? "
                          "ORDER BY kind, code", (link["year"], link["version"])).fetchall()
        assert len(rows) == link["rows"] == ALL_ROWS
        assert all(row_hash_by_hand(tuple(r)[:-1]) == r["row_hash"] for r in rows)
        assert link["buckets"] == buckets_by_hand([tuple(r)[:-1] for r in rows])
        assert link["results_digest"] == digest_by_hand([tuple(r)[:-1] for r in rows])
        assert (link["prev_hash"], link["record_hash"]) == (prev, record_hash_by_hand(link))
        prev = link["record_hash"]
    with pytest.raises(sqlite3.DatabaseError, match="never altered"):  # the triggers are back
        db.execute("UPDATE versions SET note = 'x'")
    store.close()

    assert [(e.year, e.version, e.grade) for e in history(computed, "P05")] == [(2025, 1, "不称职"),
                                                                               (2026, 2, "不称职")]
    with checked_archive(computed) as (_db, checked):
        assert checked.vouched is False  # the master of that code has no publish record yet
    done = publish(computed, 2026)  # the master shows v2: its record is written, no version is made
    assert (done.version, done.completed) == (2, True)
    assert [r[:3] for r in record_sheet(computed)] == [(1, 2025, 1), (1, 2026, 1), (2, 2026, 2)]
    with checked_archive(computed) as (_db, checked):
        assert checked.vouched is True
    forge_insert(computed, 2026, 3, {"P05": {"grade": "优秀"}})
    with pytest.raises(ChainBroken, match="2026年度 v3 不在档案链上"):
        history(computed, "P05")


# --- file modes --------------------------------------------------------------------------------------------

@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_store__a_new_archive_and_its_side_files_are_owner_only(tmp_path, umask_022):
    path = tmp_path / "考核汇总.kaohe.sqlite"
    store = Store(path)
    store.secret()
    with store.transaction() as db:  # a write in progress: the -wal and -shm files exist
        db.execute("INSERT INTO reminders (unit_code, recipients, deadline, missing, message_id, sent_at) "
                   "VALUES ('B001', '[]', '2026-03-15', '[]', '<a@b>', '2026-03-16')")
        modes = {p.name: os.stat(p).st_mode & 0o777 for p in tmp_path.iterdir()}
    store.close()
    assert modes == {"考核汇总.kaohe.sqlite": 0o600, "考核汇总.kaohe.sqlite-wal": 0o600,
                     "考核汇总.kaohe.sqlite-shm": 0o600}
    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    assert os.stat(plain).st_mode & 0o777 == 0o644  # what the umask gives any other file


def test_store__an_existing_archive_that_others_could_read_is_narrowed(tmp_path, umask_022):
    path = tmp_path / "a.kaohe.sqlite"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()  # made 0644, as before
    assert os.stat(path).st_mode & 0o777 == 0o644
    Store(path).close()
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_store__an_archive_made_by_kaohe_init_is_owner_only(tmp_path, umask_022):
    result = invoke("init", str(tmp_path / "2026考核"), "--year", "2026")
    assert result.exit_code == 0, result.output
    assert os.stat(tmp_path / "考核档案.kaohe.sqlite").st_mode & 0o777 == 0o600  # the office's archive


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o277])
def test_write_private__a_kept_file_is_owner_only_whatever_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        write_private(tmp_path / "abc.xlsx", b"PK\x03\x04")
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "abc.xlsx").st_mode & 0o777 == 0o600
    assert (tmp_path / "abc.xlsx").read_bytes() == b"PK\x03\x04" and os.listdir(tmp_path) == ["abc.xlsx"]


# --- a full disk, a kill, and the rerun ---------------------------------------------------------------------

def _publish(master: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "addin.cli", "publish", str(master), "--year", "2026"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_publish__a_full_disk_after_the_commit_says_so_and_a_rerun_stamps(computed, municipal, tmpfs):  # noqa: F811
    """A real full disk (a 4 MB tmpfs): room for the archive's commit, none for the master's
    new copy. Publish says the version is in the archive and the master is not stamped;
    run again with room, it stamps that version and makes none."""
    wb = openpyxl.load_workbook(computed)  # a master of ~400 KB: its new copy cannot fit in what is left
    ws = wb.create_sheet("附件")
    for _ in range(250):
        ws.append([os.urandom(1500).hex()])
    wb.save(computed)
    master = tmpfs / "考核汇总.xlsx"
    shutil.copy(computed, master)
    first = _publish(master)
    assert first.returncode == 0 and "v1" in first.stdout, first.stdout + first.stderr
    set_input(master, "部门", "B02", "业务目标", 64)  # an appeal upheld: 93 → 94
    assert recompute(FileHost(master), municipal).ok
    before = master.read_bytes()
    assert len(before) > 350_000
    free = shutil.disk_usage(tmpfs).free
    (tmpfs / "filler.bin").write_bytes(b"\0" * (free - 200 * 1024))  # 200 KB left: the commit fits, the copy not

    full = _publish(master)
    assert full.returncode == 3, full.stdout + full.stderr
    assert "Traceback" not in full.stdout + full.stderr
    assert full.stdout.startswith("2026年度 v2 已发布并写入考核档案，但未能在汇总工作簿 考核汇总.xlsx 上标记（汇总工作簿未改动）："
                                  "磁盘空间已满，请清理后重试 [no space left on the disk]。处理后请再运行一次 kaohe publish ")
    assert "[v2 of 2026 is in the archive but the master was not stamped: run kaohe publish again" in full.stdout
    assert "本次未作任何更改" not in full.stdout  # the version *was* committed
    assert master.read_bytes() == before
    db = raw(master)
    assert db.execute("SELECT version FROM versions ORDER BY seq").fetchall() == [(1,), (2,)]
    db.close()
    assert not [p.name for p in tmpfs.iterdir() if p.name.startswith(".")]  # no temp copy left behind

    (tmpfs / "filler.bin").unlink()
    told = invoke("history", "B02", "--master", str(master))  # until the stamp is completed, reads stop
    assert told.exit_code == 2 and "2026年度 v2（档案链第2条）在档案中，但汇总工作簿 考核汇总.xlsx 的发布记录中没有" in told.output
    again = _publish(master)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "已补写 2026 年度 v2 在汇总工作簿上的标记和发布记录，未新建版本" in again.stdout
    db = raw(master)
    assert db.execute("SELECT version FROM versions ORDER BY seq").fetchall() == [(1,), (2,)]  # no v3
    db.close()
    assert openpyxl.load_workbook(master)["部门排名"]["I1"].value.startswith("已发布 2026年度 v2")
    assert [r[:3] for r in record_sheet(master)] == [(1, 2026, 1), (2, 2026, 2)]
    assert [e.score for e in history(master, "B02")] == ["94.00"]
    same = _publish(master)  # and now it is simply unchanged
    assert same.returncode == 0 and "完全相同，未新建版本" in same.stdout


def test_publish__killed_while_stamping_then_run_again_completes_the_stamp(computed):  # noqa: F811
    publish(computed, 2026)
    marker = computed.parent / "holding"
    env = {**os.environ, "KAOHE_HOLD_BEFORE_REPLACE": str(marker)}
    proc = subprocess.Popen([sys.executable, "-m", "addin.cli", "publish", str(computed), "--year", "2026", "--force"],
                            env=env, cwd=ROOT)
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with pytest.raises(ChainBroken, match="v2（档案链第2条）在档案中"):
        history(computed, "B02")
    done = publish(computed, 2026)
    assert (done.version, done.completed) == (2, True)
    assert [v for v, *_ in versions(computed, 2026)] == [1, 2]
    assert [e.version for e in history(computed, "B02")] == [2]


# --- names that look like markup ----------------------------------------------------------------------------

def test_history_and_diff__names_that_look_like_markup_print_as_themselves(computed, municipal):  # noqa: F811
    set_input(computed, "部门", "B02", "单位名称", "[/bold]")
    set_input(computed, "人员", "P01", "姓名", "[red]x")
    assert recompute(FileHost(computed), municipal).ok
    assert invoke("publish", str(computed), "--year", "2026").exit_code == 0
    set_input(computed, "部门", "B02", "业务目标", 64)
    assert recompute(FileHost(computed), municipal).ok
    assert invoke("publish", str(computed), "--year", "2026").exit_code == 0
    unit = invoke("history", "B02", "--master", str(computed))
    assert unit.exit_code == 0, unit.output
    assert "[/bold]" in unit.output and "94.00" in unit.output
    person = invoke("history", "P01", "--master", str(computed))
    assert person.exit_code == 0 and "[red]x" in person.output
    changes = invoke("diff", str(computed), "v1", "v2", "--year", "2026")
    assert changes.exit_code == 0, changes.output
    assert "[/bold]" in changes.output and "93.00" in changes.output and "94.00" in changes.output
    code = invoke("history", "[red]x", "--master", str(computed))  # the code typed is printed as typed
    assert code.exit_code == 1 and "[red]x 历年考核结果" in code.output


def test_render_problems__a_message_that_looks_like_markup_prints_as_itself():
    from rich.console import Console

    from addin.console import render_changes, render_problems
    from addin.problems import Problem
    from addin.archive.versions import Change

    console = Console(record=True, width=200)
    render_problems(console, [Problem("x", "单位“[/bold]”有误 [bad]", record="[red]x", severity="error")])
    render_changes(console, [Change("department", "B02", "[/bold]", "score", "93.00", "94.00")], 2026)
    text = console.export_text()
    assert "单位“[/bold]”有误 [bad]" in text and "[red]x" in text and "│ [/bold]" in text


# --- properties ----------------------------------------------------------------------------------------------

cell = st.one_of(st.none(), st.text(max_size=12), st.integers(-10**6, 10**6),
                 st.floats(allow_nan=False, allow_infinity=False, width=32))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(st.sampled_from(["department", "district", "person"]),
                               st.text(alphabet="ABP0123456789甲乙", min_size=1, max_size=5),
                               cell, cell, cell, cell, cell, cell, cell), min_size=1, max_size=12,
                     unique_by=lambda r: (r[0], r[1])),
       data=st.data())
def test_check_version__passes_on_what_was_sealed_and_fails_on_any_one_cell_changed(rows, data):
    """Whatever a result row holds (text, numbers, blanks), what publish sealed reads back
    as sealed, as a whole and code by code; any one cell changed in place is found by both
    reads and named by its code."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "a.kaohe.sqlite")
        db = store.db
        try:
            with store.transaction():
                staged = stage_rows(db, [(2026, 1, *r) for r in rows])
                seal(db, {"year": 2026, "version": 1, "published_at": "2026-12-01T10:00:00", "published_by": "x",
                          "master_hash": "0" * 64, "note": "", "scheme_id": None, "scheme_version": None,
                          "scheme_hash": None, "scheme_yaml": None}, staged, None)
            link = check_links(db)[0]
            assert check_version(db, link) == staged
            for code in {r[3] for r in staged}:
                assert check_code(db, link, code) == [r for r in staged if r[3] == code]
            victim = data.draw(st.sampled_from(staged))
            column = data.draw(st.sampled_from(COLUMNS[4:]))
            value = data.draw(cell.filter(lambda v: v != victim[COLUMNS.index(column)] and v is not None))
            db.execute("DROP TRIGGER results_frozen_update")
            db.execute(f"UPDATE results SET {column} = ? WHERE kind = ? AND code = ?", (value, victim[2], victim[3]))
            changed = db.execute(f"SELECT {column} FROM results WHERE kind = ? AND code = ?",
                                 (victim[2], victim[3])).fetchone()[0]
            if changed == victim[COLUMNS.index(column)] and type(changed) is type(victim[COLUMNS.index(column)]):
                return  # SQLite stored the same value (e.g. 1.0 into an INTEGER column as 1): nothing changed
            with pytest.raises(ChainBroken, match=f"编码 {victim[3]} 的结果与发布时不符"):
                check_version(db, link)
            with pytest.raises(ChainBroken, match=f"编码 {victim[3]} 的结果与发布时不符"):
                check_code(db, link, victim[3])
        finally:
            store.close()
