"""When the machine fails, not a file: a full disk (a 4 MB tmpfs), a read-only folder, an
immutable master, and kill -9 at random moments. Intake stops with one line and exit code
3, changes nothing, and leaves no temp file or empty database; killed runs lose nothing.

The mounts need root (CI runs as root; `make test` as root or with sudo)."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from fill import eml
from test_intake import filled, master_value, templates, work  # noqa: F401

ROOT = Path(__file__).parents[1]


def _sudo() -> list[str]:
    return [] if os.geteuid() == 0 else ["sudo", "-n"]


@pytest.fixture
def tmpfs(tmp_path):
    """A 4 MB tmpfs of our own, unmounted afterwards (room for a master, its copy and its backup)."""
    point = tmp_path / "mnt"
    point.mkdir()
    done = subprocess.run([*_sudo(), "mount", "-t", "tmpfs", "-o", "size=4m,mode=0777", "tmpfs", str(point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs ({done.stderr.strip()}): these tests need root, as CI has")
    try:
        yield point
    finally:
        subprocess.run([*_sudo(), "umount", "-l", str(point)], capture_output=True)


def _intake(folder: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "addin.cli", "intake", str(folder / "inbox"), "--master",
                           str(folder / "master.xlsx"), "--quiet", *extra], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".") or p.suffix in (".part", ".tmp")
                  or p.name.endswith((".lock", "-journal")))


def _prepare(target: Path, work: Path, templates) -> bytes:  # noqa: F811
    shutil.copy(work / "master.xlsx", target / "master.xlsx")
    shutil.copy(work / "master.kaohe.sqlite", target / "master.kaohe.sqlite")  # the office secret
    (target / "inbox").mkdir()
    f = filled(templates, work)
    eml(target / "inbox" / "a.eml", [("附表1.xlsx", f.read_bytes())])
    return (target / "master.xlsx").read_bytes()


def _assert_clean_stop(done: subprocess.CompletedProcess, folder: Path, master_before: bytes) -> None:
    assert done.returncode == 3, (done.returncode, done.stdout, done.stderr)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == 1 and "无法写入" in lines[0] and "未作任何更改" in lines[0], done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert (folder / "master.xlsx").read_bytes() == master_before
    assert _leftovers(folder) == []


def test_intake__a_full_disk_stops_cleanly_with_nothing_changed(tmpfs, work, templates):  # noqa: F811
    before = _prepare(tmpfs, work, templates)
    free = shutil.disk_usage(tmpfs).free
    (tmpfs / "filler.bin").write_bytes(b"\0" * (free - 12 * 1024))  # leave less than a master's size
    done = _intake(tmpfs)
    _assert_clean_stop(done, tmpfs, before)
    assert "磁盘空间已满" in done.stdout
    (tmpfs / "filler.bin").unlink()
    with sqlite3.connect(tmpfs / "master.kaohe.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COUNT(*) FROM submissions").fetchone() == (0,)  # nothing recorded
    again = _intake(tmpfs)  # room again: the same inbox goes in
    assert again.returncode == 0, again.stdout
    assert master_value(tmpfs, "部门", "B001", "党风廉政建设") == 9.2


def test_intake__a_full_disk_before_the_record_exists_leaves_no_empty_database(tmpfs, work, templates):  # noqa: F811
    before = _prepare(tmpfs, work, templates)
    (tmpfs / "master.kaohe.sqlite").unlink()
    free = shutil.disk_usage(tmpfs).free
    (tmpfs / "filler.bin").write_bytes(b"\0" * (free - 2048))
    done = _intake(tmpfs)
    _assert_clean_stop(done, tmpfs, before)
    assert not list(tmpfs.glob("master.kaohe.sqlite*"))  # no table-less SQLite file left behind


def test_intake__a_read_only_folder_stops_cleanly(tmpfs, work, templates):  # noqa: F811
    before = _prepare(tmpfs, work, templates)
    subprocess.run([*_sudo(), "mount", "-o", "remount,ro", str(tmpfs)], check=True)
    done = _intake(tmpfs)
    _assert_clean_stop(done, tmpfs, before)
    assert "只读" in done.stdout


def test_intake__an_immutable_master_stops_cleanly(work, templates):  # noqa: F811
    f = filled(templates, work)
    eml(work / "inbox" / "a.eml", [("附表1.xlsx", f.read_bytes())])
    before = (work / "master.xlsx").read_bytes()
    subprocess.run([*_sudo(), "chattr", "+i", str(work / "master.xlsx")], check=True)
    try:
        done = _intake(work)
    finally:
        subprocess.run([*_sudo(), "chattr", "-i", str(work / "master.xlsx")], check=True)
    assert done.returncode == 3 and "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert (work / "master.xlsx").read_bytes() == before
    assert not list(work.glob(".master.*"))
    with sqlite3.connect(work / "master.kaohe.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM submissions").fetchone() == (0,)  # the record rolled back too


def test_intake__killed_at_random_moments_loses_and_duplicates_nothing(work, templates):  # noqa: F811
    """kill -9 at ten random moments of a batch of ten files; the master is always the old
    or a complete new one, the record always consistent; a last run finishes the batch."""
    for k in range(10):
        f = filled(templates, work, unit="B001" if k % 2 == 0 else "B002",
                   values={"KH_IN_附表1_1_6_value": 1.0 + k / 20, "KH_IN_附表1_1_6_note": "良好",
                           "KH_IN_附表1_1_1_missed_meetings": k % 3}, name=f"f{k}.xlsx")
        eml(work / "inbox" / f"m{k:02d}.eml", [(f"f{k}.xlsx", f.read_bytes())],
            date=dt.datetime(2027, 1, 10, 9, k, tzinfo=dt.UTC))
    rng = random.Random(12)
    seen = {(work / "master.xlsx").read_bytes()}
    for _ in range(10):
        proc = subprocess.Popen([sys.executable, "-m", "addin.cli", "intake", str(work / "inbox"), "--master",
                                 str(work / "master.xlsx"), "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 2.5))
        proc.kill()
        proc.wait()
        openpyxl.load_workbook(work / "master.xlsx")  # always a whole workbook
        seen.add((work / "master.xlsx").read_bytes())
        with sqlite3.connect(work / "master.kaohe.sqlite") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            current = db.execute("SELECT unit_code, COUNT(*) FROM submissions WHERE is_current = 1 "
                                 "GROUP BY unit_code").fetchall()
            assert all(n == 1 for _, n in current)  # never two current submissions of one unit
    done = _intake(work)
    assert done.returncode == 0, done.stdout
    assert not _leftovers(work)
    with sqlite3.connect(work / "master.kaohe.sqlite") as db:
        hashes = [h for (h,) in db.execute("SELECT file_hash FROM submissions")]
    assert len(hashes) == len(set(hashes)) == 10  # each file recorded exactly once
    # The last to arrive per unit wins. 附表1: 1.1 = 2 − 0.5 × missed meetings, 1.2–1.5 full (6.5), 1.6 entered.
    # B001: m08, 2 missed, 1.6 = 1.40 → 1 + 6.5 + 1.4 = 8.9; B002: m09, none missed, 1.45 → 2 + 6.5 + 1.45 = 9.95
    assert master_value(work, "部门", "B001", "党风廉政建设") == 8.9
    assert master_value(work, "部门", "B002", "党风廉政建设") == 9.95


def test_intake_reply__a_full_disk_for_the_dry_run_previews_is_one_line_not_a_traceback(tmp_path, work, templates):  # noqa: F811
    """Issue 21 (low): the previews of ``intake --reply --dry-run`` hit a full disk (a
    tmpfs of 16 KB, filled, mounted where they go): one line, exit 3, no traceback; the
    intake itself is saved and says so."""
    from addin.cli_mail import OUTBOX

    outbox = work / OUTBOX
    outbox.mkdir()
    done = subprocess.run([*_sudo(), "mount", "-t", "tmpfs", "-o", "size=16k,mode=0777", "tmpfs", str(outbox)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs ({done.stderr.strip()}): these tests need root, as CI has")
    try:
        (outbox / "filler.bin").write_bytes(b"\0" * (shutil.disk_usage(outbox).free - 512))
        eml(work / "inbox" / "a.eml", [("附表1.xlsx", filled(templates, work).read_bytes())],
            sender="b001@example.gov.cn")
        run = subprocess.run([sys.executable, "-m", "addin.cli", "intake", str(work / "inbox"), "--master",
                              str(work / "master.xlsx"), "--quiet", "--reply", "--dry-run"], cwd=ROOT,
                             capture_output=True, text=True, timeout=300,
                             env={**os.environ, "KAOHE_MAIL_FROM": "khb@example.gov.cn"})
        assert run.returncode == 3, (run.stdout, run.stderr)
        assert "Traceback" not in run.stdout + run.stderr
        assert "磁盘空间已满" in run.stderr and "这是预览：没有接收任何文件" in run.stderr
        assert master_value(work, "部门", "B001", "党风廉政建设") is None  # a dry run takes nothing in (issue 23)
        assert [p.name for p in outbox.iterdir()] == ["filler.bin"]  # no partial preview left
    finally:
        subprocess.run([*_sudo(), "umount", "-l", str(outbox)], capture_output=True)
