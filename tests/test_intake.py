"""Intake of emailed workbooks: identification, checks, recomputation, consolidation,
receipts, and every kind of hostile input. The corpus is built here from real formats:
templates filled through openpyxl, zip and XML bytes, and email.message."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from email.message import EmailMessage
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

import ooxml

from addin.intake.run import ACCEPTED, DUPLICATE, REJECTED, SUPERSEDED, WARNING, run_intake
from addin.intake.extract import Update
from addin.intake.master import apply_updates
from addin.intake.store import Store
from addin.office.roster import Roster, RosterUnit
from fill import APPENDIX1_FULL, TEST_SECRET, eml, fill, seed_secret
from workbook_templates.build import build_templates

ROSTER = Roster([RosterUnit("B001", "市发展改革委", "部门", "综合口"), RosterUnit("B002", "市财政局", "部门", "综合口"),
                 RosterUnit("Q01", "市中区", "区市")])
UTC = dt.UTC


@pytest.fixture(scope="module")
def templates(tmp_path_factory, municipal, audit):
    out = tmp_path_factory.mktemp("tpl")
    books = {"B001": [("重点项目", Decimal(40), "按期完成"), ("改革任务", Decimal(30), "按期完成")]}
    roster = Roster(ROSTER.units + [RosterUnit("S02", "滕州市审计局", "县市区局")])
    built = build_templates(out, municipal=municipal, audit=audit, roster=roster, year=2026, books=books,
                            secret=TEST_SECRET,
                            kinds=["appendix", "master", "target-book", "scoring-sheet", "register", "staff-roster",
                                   "audit-form"])
    return {(b.identity.unit_code, b.identity.template_kind): b.path for b in built}


@pytest.fixture
def work(tmp_path, templates):
    """A work folder: the master, an inbox and a place for filled files."""
    shutil.copy(templates[("KHB", "master")], tmp_path / "master.xlsx")
    seed_secret(tmp_path / "master.xlsx")
    (tmp_path / "inbox").mkdir()
    return tmp_path


def run(work, municipal, audit, year=2026):
    return run_intake(work / "inbox", work / "master.xlsx", municipal=municipal, audit=audit, year=year)


def master_value(work, sheet, code, header):
    ws = openpyxl.load_workbook(work / "master.xlsx")[sheet]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[0] == code:
            return row[headers.index(header)]
    return None


def filled(templates, work, unit="B001", kind="appendix:附表1:departments", values=APPENDIX1_FULL, name="f.xlsx"):
    return fill(templates[(unit, kind)], values, work / "filled" / name)


def by_name(result, name):
    return next(o for o in result.outcomes if o.envelope.file_name == name)


# --- the happy path ------------------------------------------------------------------------


def test_run_intake__accepts_recomputes_and_consolidates(work, templates, municipal, audit):
    f = filled(templates, work)
    eml(work / "inbox" / "a.eml", [("附表1.xlsx", f.read_bytes())], sender="纪委 <jw@example.gov.cn>")
    result = run(work, municipal, audit)
    o = by_name(result, "附表1.xlsx")
    assert o.status == ACCEPTED, o.reasons
    assert o.identity.unit_code == "B001" and o.envelope.sender.endswith("<jw@example.gov.cn>")
    # 1.1: 2 − 0.5×1 = 1.5; 1.2–1.5 full (1.5 + 2 + 2 + 1); 1.6 entered 1.2 → 9.2
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.2
    assert master_value(work, "部门", "B002", "党风廉政建设") is None  # untouched
    store = Store(work / "master.kaohe.sqlite")
    row = store.db.execute("SELECT unit_code, kind, year, status, is_current, sender FROM submissions").fetchone()
    values = dict(store.db.execute("SELECT key, value FROM submission_values"))
    store.close()
    assert row == ("B001", "appendix:附表1:departments", 2026, "accepted", 1, "纪委 <jw@example.gov.cn>")
    assert values["附表1.1.1.missed_meetings"] == "1.0" and values["附表1.total"] == '"9.20"'
    assert (work / "master.bak.xlsx").exists()
    store = Store(work / "master.kaohe.sqlite")
    # the file and the message it came in, both kept in the archive (issue 26)
    assert store.db.execute("SELECT COUNT(*) FROM evidence").fetchone() == (2,)
    (message_hash,) = store.db.execute("SELECT message_hash FROM submissions").fetchone()
    assert store.evidence(message_hash) == (work / "inbox" / "a.eml").read_bytes()
    store.close()
    assert not result.rejected


def test_run_intake__same_inbox_twice_changes_nothing(work, templates, municipal, audit):
    f = filled(templates, work)
    eml(work / "inbox" / "a.eml", [("附表1.xlsx", f.read_bytes())])
    run(work, municipal, audit)
    before = (work / "master.xlsx").read_bytes()
    again = run(work, municipal, audit)
    # issue 23: the file the first run took is not taken in, listed or counted again
    assert (again.outcomes, again.earlier, again.rejected) == ([], 1, False)
    assert (work / "master.xlsx").read_bytes() == before
    eml(work / "inbox" / "b.eml", [("附表1.xlsx", f.read_bytes())])  # the same bytes in a new message: a duplicate
    third = run(work, municipal, audit)
    assert [(o.envelope.source, o.status) for o in third.outcomes] == [("b.eml", DUPLICATE)]
    assert "与B001 市发展改革委已报送的文件完全相同（报送编号 1，接收）" in third.outcomes[0].note
    store = Store(work / "master.kaohe.sqlite")
    assert store.count() == 1
    store.close()


def test_run_intake__resubmission_replaces_by_message_date_and_keeps_history(work, templates, municipal, audit):
    first = filled(templates, work, name="v1.xlsx")
    second = filled(templates, work, values={**APPENDIX1_FULL, "KH_IN_附表1_1_1_missed_meetings": 0}, name="v2.xlsx")
    eml(work / "inbox" / "late.eml", [("v2.xlsx", second.read_bytes())], date=dt.datetime(2027, 1, 12, tzinfo=UTC))
    eml(work / "inbox" / "early.eml", [("v1.xlsx", first.read_bytes())], date=dt.datetime(2027, 1, 11, tzinfo=UTC))
    result = run(work, municipal, audit)
    assert by_name(result, "v2.xlsx").status == ACCEPTED
    assert by_name(result, "v1.xlsx").status == SUPERSEDED
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.7  # v2: no missed meeting
    # An older copy arriving later does not overwrite the newer one on record.
    shutil.rmtree(work / "inbox")
    third = filled(templates, work, values={**APPENDIX1_FULL, "KH_IN_附表1_1_1_missed_meetings": 2}, name="v0.xlsx")
    eml(work / "inbox" / "old.eml", [("v0.xlsx", third.read_bytes())], date=dt.datetime(2027, 1, 5, tzinfo=UTC))
    result = run(work, municipal, audit)
    assert by_name(result, "v0.xlsx").status == SUPERSEDED
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.7
    store = Store(work / "master.kaohe.sqlite")
    assert store.count() == 3
    store.close()


# --- hostile and broken files ----------------------------------------------------------


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def _template_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _hostile(templates) -> dict[str, bytes]:
    base = _template_parts(templates[("B001", "appendix:附表1:departments")])
    bomb = _zip({**base, "xl/media/padding.bin": b"\0" * (3 << 20)})
    doctype = base["xl/workbook.xml"].replace(
        b"<workbook", b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><workbook', 1)
    sheet = base["xl/worksheets/sheet1.xml"]
    start = sheet.index(b"<dimension ref=")
    end = sheet.index(b"/>", start)
    absurd = sheet[:start] + b'<dimension ref="A1:XFD1048576"' + sheet[end:]
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    return {
        "random.xlsx": os.urandom(2048),
        "truncated.xlsx": templates[("B001", "appendix:附表1:departments")].read_bytes()[:3000],
        "legacy.xls": ole + b"Workbook",
        "locked.xlsx": ole + "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le"),
        "binary.xlsb": _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\0"}),
        "macro.xlsm": _zip({**base, "xl/vbaProject.bin": b"\0" * 64}),
        "bomb.xlsx": bomb,
        "entities.xlsx": _zip({**base, "xl/workbook.xml": doctype}),
        "huge.xlsx": _zip({**base, "xl/worksheets/sheet1.xml": absurd}),
        "linked.xlsx": _zip({**base, "xl/externalLinks/externalLink1.xml": b"<externalLink/>",
                             "xl/externalLinks/_rels/externalLink1.xml.rels":
                                 b'<Relationships><Relationship Id="rId1" Target="file:///C:/other.xlsx"/>'
                                 b'</Relationships>'}),
    }


EXPECTED_CODES = {
    "random.xlsx": "not_zip", "truncated.xlsx": "broken_zip", "legacy.xls": "legacy_xls",
    "locked.xlsx": "encrypted", "binary.xlsb": "xlsb", "macro.xlsm": "macro", "bomb.xlsx": "zip_bomb",
    "entities.xlsx": "unsafe_xml", "huge.xlsx": "absurd_dimension", "linked.xlsx": "external_links",
}


def test_run_intake__every_hostile_file_refused_with_its_reason(work, templates, municipal, audit):
    for name, data in _hostile(templates).items():
        (work / "inbox" / name).write_bytes(data)
    good = filled(templates, work)
    (work / "inbox" / "good.xlsx").write_bytes(good.read_bytes())
    before = sorted(p.relative_to(work) for p in work.rglob("*"))
    result = run(work, municipal, audit)
    codes = {o.envelope.file_name: (o.status, o.problems[0].code if o.problems else None) for o in result.outcomes}
    for name, code in EXPECTED_CODES.items():
        assert codes[name] == (REJECTED, code), name
    assert codes["good.xlsx"] == (ACCEPTED, None)
    reasons = {o.envelope.file_name: o.reasons[0] for o in result.outcomes if o.problems}
    assert "另存为 .xlsx" in reasons["binary.xlsb"] and "取消密码" in reasons["locked.xlsx"]
    assert "不含宏" in reasons["macro.xlsm"] and "压缩炸弹" in reasons["bomb.xlsx"]
    assert result.rejected
    # The batch went on: the good file reached the master; nothing was written outside the work folder.
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.2
    after = sorted(p.relative_to(work) for p in work.rglob("*"))
    added = {str(p) for p in set(after) - set(before)}
    assert added <= {"master.bak.xlsx", "master.kaohe.sqlite", "master.kaohe.sqlite-wal", "master.kaohe.sqlite-shm"}
    assert not any(p.suffix == ".py" for p in work.rglob("*"))


def test_run_intake__add_in_link_is_allowed(work, templates, municipal, audit):
    # as Excel records the add-in's functions: a link reached from the workbook, whose path is the add-in
    data = ooxml.rewrite(filled(templates, work).read_bytes(), ooxml.external_link(
        "file:///C:/Users/k/AppData/Roaming/Microsoft/Excel/XLSTART/kaohe.xlam"))
    (work / "inbox" / "with_addin.xlsx").write_bytes(data)
    assert run(work, municipal, audit).outcomes[0].status == ACCEPTED


def test_run_intake__not_ours_edited_and_mismatched_metadata(work, templates, municipal, audit, tmp_path):
    import xlsxwriter

    plain = tmp_path / "plain.xlsx"
    wb = xlsxwriter.Workbook(plain)
    wb.add_worksheet("Sheet1").write(0, 0, "hello")
    wb.close()
    (work / "inbox" / "plain.xlsx").write_bytes(plain.read_bytes())
    edited = openpyxl.load_workbook(templates[("B001", "appendix:附表1:departments")])
    edited["_kaohe"]["B7"] = "B002"  # claims another unit
    edited.save(work / "inbox" / "edited.xlsx")
    removed = openpyxl.load_workbook(templates[("B001", "appendix:附表1:departments")])
    del removed["_kaohe"]
    removed.save(work / "inbox" / "removed.xlsx")
    result = run(work, municipal, audit)
    codes = {o.envelope.file_name: o.problems[0].code for o in result.outcomes}
    assert codes == {"plain.xlsx": "not_ours", "edited.xlsx": "metadata_forged", "removed.xlsx": "not_ours"}


def test_run_intake__scheme_year_and_unit_must_match(work, municipal, audit, tmp_path):
    changed = municipal.model_copy(update={"version": "2026.2", "departments": municipal.departments.model_copy(
        update={"deduction": municipal.departments.deduction.model_copy(update={"per_criticism": Decimal(4)})})})
    other = Roster([RosterUnit("B001", "市发展改革委", "部门"), RosterUnit("B999", "外单位", "部门")])
    for scheme, year, unit, name in ((changed, 2026, "B001", "old_scheme.xlsx"), (municipal, 2025, "B001", "last_year.xlsx"),
                                     (municipal, 2026, "B999", "stranger.xlsx")):
        built = build_templates(tmp_path / name, municipal=scheme, audit=audit, roster=other, year=year,
                                kinds=["appendix"], unit=unit, secret=TEST_SECRET)
        path = next(b.path for b in built if b.identity.template_kind == "appendix:附表2")
        (work / "inbox" / name).write_bytes(path.read_bytes())
    result = run(work, municipal, audit)
    codes = {o.envelope.file_name: o.problems[0].code for o in result.outcomes}
    assert codes == {"old_scheme.xlsx": "scheme_changed", "last_year.xlsx": "wrong_year", "stranger.xlsx": "unknown_unit"}
    assert "2026.2" in by_name(result, "old_scheme.xlsx").reasons[0]


def test_run_intake__bad_cells_located_by_sheet_and_cell(work, templates, municipal, audit):
    text = filled(templates, work, values={**APPENDIX1_FULL, "KH_IN_附表1_1_6_value": "良好"}, name="text.xlsx")
    over = filled(templates, work, values={**APPENDIX1_FULL, "KH_IN_附表1_1_6_value": 3}, name="over.xlsx")
    formula = filled(templates, work, values={**APPENDIX1_FULL, "KH_IN_附表1_1_1_missed_meetings": "=1+1"},
                     name="formula.xlsx")
    for f in (text, over, formula):
        (work / "inbox" / f.name).write_bytes(f.read_bytes())
    result = run(work, municipal, audit)
    t, o, f = (by_name(result, n) for n in ("text.xlsx", "over.xlsx", "formula.xlsx"))
    # 1.1 to 1.5 take rows 8–18 (2, 2, 2, 3 and 2 inputs), so 1.6's value is F19.
    assert (t.status, t.problems[0].code, t.problems[0].sheet, t.problems[0].cell) == (REJECTED, "not_a_number",
                                                                                       "附表1", "F19")
    assert "1.6 日常考核与民主测评" in t.reasons[0] and "“良好”" in t.reasons[0]
    assert (o.problems[0].code, o.problems[0].allowed, o.problems[0].cell) == ("out_of_range", "0–1.5", "F19")
    assert (f.problems[0].code, f.problems[0].cell) == ("formula_in_input", "F8")
    assert master_value(work, "部门", "B001", "党风廉政建设") is None


def test_run_intake__changed_formula_in_a_locked_cell(work, templates, municipal, audit):
    parts = _template_parts(filled(templates, work))
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"MIN(10,SUM(", b"MIN(99,SUM(", 1)
    (work / "inbox" / "tampered.xlsx").write_bytes(_zip(parts))
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == REJECTED and o.problems[0].code == "formula_changed" and o.problems[0].sheet == "附表1"


# --- mail ------------------------------------------------------------------------------


def test_run_intake__forwarded_message_and_encoded_chinese_names(work, templates, municipal, audit):
    f = filled(templates, work)
    inner = EmailMessage()
    inner["From"] = "=?gb18030?b?" + __import__("base64").b64encode("市纪委".encode("gb18030")).decode() + "?= <a@b.cn>"
    inner["Subject"] = "报送附表1"
    inner["Date"] = "Sun, 10 Jan 2027 09:00:00 +0800"
    inner.set_content("见附件")
    inner.add_attachment(f.read_bytes(), maintype="application", subtype="octet-stream",
                         filename=("gb18030", "", "附表1_市发展改革委.xlsx"))  # RFC 2231
    outer = EmailMessage()
    outer["From"] = "office@b.cn"
    outer["Subject"] = "=?utf-8?b?" + __import__("base64").b64encode("转发：附表1".encode()).decode() + "?="
    outer["Date"] = "Mon, 11 Jan 2027 09:00:00 +0800"
    outer.set_content("转发")
    outer.add_attachment(inner)
    (work / "inbox" / "fwd.eml").write_bytes(outer.as_bytes())
    (work / "inbox" / "empty.eml").write_bytes(b"From: x@y.cn\r\nSubject: hello\r\n\r\nno attachment\r\n")
    result = run(work, municipal, audit)
    o = result.outcomes[0]
    assert o.envelope.file_name == "附表1_市发展改革委.xlsx" and o.status == ACCEPTED
    assert o.envelope.sender.startswith("市纪委")
    assert [p.code for p in result.inbox_problems] == ["no_attachment"]
    assert result.inbox_problems[0].file == "empty.eml"


@pytest.mark.parametrize("bad", ["../../evil.xlsx", "C:\\Windows\\evil.xlsx", "CON.xlsx", "/etc/evil.xlsx"])
def test_run_intake__dangerous_attachment_names(work, templates, municipal, audit, bad):
    f = filled(templates, work)
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "x@y.cn", "附件"
    msg.set_content("见附件")
    msg.add_attachment(f.read_bytes(), maintype="application", subtype="octet-stream", filename="placeholder.xlsx")
    raw = msg.as_bytes().replace(b'filename="placeholder.xlsx"', f'filename="{bad}"'.encode())
    (work / "inbox" / "m.eml").write_bytes(raw)
    result = run(work, municipal, audit)
    o = result.outcomes[0]
    assert o.status == REJECTED and o.problems[0].code == "dangerous_name"
    assert not (work.parent / "evil.xlsx").exists() and master_value(work, "部门", "B001", "党风廉政建设") is None


# --- the master ------------------------------------------------------------------------


def test_run_intake__refuses_when_master_is_open_or_locked(work, municipal, audit):
    from addin.intake.master import MasterError

    (work / "~$master.xlsx").write_bytes(b"owner")
    with pytest.raises(MasterError, match="正在 Excel 中打开"):
        run(work, municipal, audit)
    (work / "~$master.xlsx").unlink()
    (work / "master.xlsx.lock").write_text(str(os.getpid()))
    with pytest.raises(MasterError, match="另一个汇总任务"):
        run(work, municipal, audit)
    (work / "master.xlsx.lock").write_text("999999999")  # a dead process: the stale lock is taken over
    run(work, municipal, audit)
    assert not (work / "master.xlsx.lock").exists()


def test_run_intake__killed_mid_write_leaves_the_master_intact(work, templates):
    f = filled(templates, work)
    (work / "inbox" / "a.xlsx").write_bytes(f.read_bytes())
    before = (work / "master.xlsx").read_bytes()
    marker = work / "holding"
    env = {**os.environ, "KAOHE_HOLD_BEFORE_REPLACE": str(marker)}
    proc = subprocess.Popen([sys.executable, "-m", "addin.cli", "intake", str(work / "inbox"), "--master",
                             str(work / "master.xlsx"), "--quiet"], env=env, cwd=Path(__file__).parents[1])
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "intake never reached the write"
    assert list(work.glob(".master.*.tmp.xlsx")), "the new master is written beside the old one first"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (work / "master.xlsx").read_bytes() == before
    openpyxl.load_workbook(work / "master.xlsx")  # still a valid workbook
    # The next run cleans up the stale lock and temp file and completes.
    done = subprocess.run([sys.executable, "-m", "addin.cli", "intake", str(work / "inbox"), "--master",
                           str(work / "master.xlsx"), "--quiet"], cwd=Path(__file__).parents[1])
    assert done.returncode == 0
    assert not list(work.glob(".master.*.tmp.xlsx")) and not (work / "master.xlsx.lock").exists()
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.2


# --- receipt and command --------------------------------------------------------------


def test_intake_command__receipt_and_exit_codes(work, templates):
    from typer.testing import CliRunner

    from addin.cli import app

    f = filled(templates, work)
    (work / "inbox" / "good.xlsx").write_bytes(f.read_bytes())
    runner = CliRunner()
    ok = runner.invoke(app, ["intake", str(work / "inbox"), "--master", str(work / "master.xlsx"), "--quiet"])
    assert ok.exit_code == 0, ok.output
    (work / "inbox" / "empty.xlsx").write_bytes(b"")  # an aborted save: skipped, not a rejection
    skipped = runner.invoke(app, ["intake", str(work / "inbox"), "--master", str(work / "master.xlsx"), "--quiet"])
    assert skipped.exit_code == 0, skipped.output
    eml(work / "inbox" / "bad.eml", [("附表1.xlsx", b"")])  # an empty attachment: its sender must hear of it
    bad = runner.invoke(app, ["intake", str(work / "inbox"), "--master", str(work / "master.xlsx"), "--quiet"])
    assert bad.exit_code == 1
    receipt = openpyxl.load_workbook(work / "master_回执.xlsx")
    rows = list(receipt["回执"].iter_rows(min_row=4, values_only=True))
    # the year's state (issue 23): every submission with its number and current status, this run's marked
    results = {r[2]: (r[0], r[1], r[9], r[10]) for r in rows}
    assert results["good.xlsx"] == (1, None, "接收", None)  # taken by the first run: still listed, not this run's
    assert results["附表1.xlsx"][:3] == (2, "本次", "退回") and "文件为空" in results["附表1.xlsx"][3]
    assert "empty.xlsx" not in results  # skipped by the second run: no submission, not this run's
    again = runner.invoke(app, ["intake", str(work / "inbox"), "--master", str(work / "master.xlsx"), "--quiet"])
    assert again.exit_code == 0, again.output  # the rejection is not reported again by a rerun
    missing = [r for r in receipt["未报送"].iter_rows(min_row=2, values_only=True)]
    assert ("B002", "市财政局", "附表1（部门）") in missing and ("Q01", "市中区", "附表5") in missing
    assert not [m for m in missing if m[0] == "B001" and m[2] == "附表1（部门）"]
    assert (work / "master_回执.xlsx").stat().st_mode & 0o777 == 0o666 & ~_umask()  # not mkstemp's 0600
    nowhere = runner.invoke(app, ["intake", str(work / "nope"), "--master", str(work / "master.xlsx")])
    assert nowhere.exit_code == 2


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_run_intake__files_that_are_not_submissions_are_skipped_with_the_reason(work, templates, municipal, audit):
    inbox = work / "inbox"
    (inbox / ".~lock.附表1.xlsx#").write_bytes(b",clerk,PC-01,04.12.2026 09:12,file:///home/clerk;")
    (inbox / "~$附表1.xlsx").write_bytes(b"\x05clerk" + b"\0" * 100)
    (inbox / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    (inbox / "desktop.ini").write_bytes(b"[.ShellClassInfo]\r\n")
    (inbox / "空.xlsx").write_bytes(b"")
    (inbox / "空邮件.eml").write_bytes(b"")
    result = run(work, municipal, audit)
    got = {o.envelope.file_name: (o.status, o.problems[0].code) for o in result.outcomes}
    assert got == {".~lock.附表1.xlsx#": ("skipped", "system_file"), "~$附表1.xlsx": ("skipped", "system_file"),
                   "Thumbs.db": ("skipped", "system_file"), "desktop.ini": ("skipped", "system_file"),
                   "空.xlsx": ("skipped", "empty_file"), "空邮件.eml": ("skipped", "empty_file")}
    empty_eml = by_name(result, "空邮件.eml")
    assert "文件为空" in empty_eml.reasons[0] and "没有附件" not in empty_eml.reasons[0]
    assert not result.rejected and not result.inbox_problems
    assert Store(work / "master.kaohe.sqlite").count() == 0  # none of them is a submission


def test_run_intake__cover_letters_and_scans_are_kept_not_refused(work, templates, municipal, audit):
    from fill import outlook_msg

    f = filled(templates, work)
    tif = b"II*\x00" + b"\0" * 200  # a TIFF header (little-endian)
    outlook_msg(work / "inbox" / "scan.msg", [("签字页1.tif", tif), ("签字页2.tif", tif),
                                              ("附表1.xlsx", f.read_bytes())], subject="报送附表1", sender="jw@x.cn")
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "q01@example.gov.cn", "报送材料"
    msg.set_content("见附件")
    msg.add_attachment(b"%PDF-1.7\n%...", maintype="application", subtype="pdf", filename="报送说明.pdf")
    msg.add_attachment(b"PK\x03\x04word/document.xml", maintype="application",
                       subtype="vnd.openxmlformats-officedocument.wordprocessingml.document", filename="函.docx")
    msg.add_attachment(b"%PDF-1.7 not a workbook", maintype="application", subtype="octet-stream",
                       filename="附表5.xlsx")  # claims to be a spreadsheet by its name: still refused
    (work / "inbox" / "letter.eml").write_bytes(msg.as_bytes())
    result = run(work, municipal, audit)
    got = {o.envelope.file_name: o.status for o in result.outcomes}
    assert got == {"签字页1.tif": "other", "签字页2.tif": "other", "附表1.xlsx": ACCEPTED, "报送说明.pdf": "other",
                   "函.docx": "other", "附表5.xlsx": REJECTED}
    assert "非报表附件" in by_name(result, "签字页1.tif").reasons[0]
    assert by_name(result, "附表5.xlsx").problems[0].code == "not_zip"
    assert (work / "inbox" / "letter.eml").exists() and (work / "inbox" / "scan.msg").exists()  # kept as received


def test_render_intake__reads_at_80_columns(work, templates, municipal, audit):
    from rich.console import Console

    from addin.console import render_intake

    (work / "inbox" / "bad.xlsx").write_bytes(b"PK\x03\x04broken")
    result = run(work, municipal, audit)
    console = Console(width=80, record=True, color_system=None)
    render_intake(console, result, work / "master_回执.xlsx")
    lines = console.export_text().splitlines()
    assert lines[1] == "[退回] bad.xlsx"
    assert lines[2].startswith("    · 文件不完整或已损坏")
    assert all(len(line) > 3 for line in lines if line.strip())  # no one-character-per-line columns


def test_run_intake__late_target_book(work, templates, municipal, audit):
    values = {"KH_IN_book_1_item": "重点项目", "KH_IN_book_1_points": 40, "KH_IN_book_1_standard": "按期完成",
              "KH_IN_book_2_item": "改革任务", "KH_IN_book_2_points": 30, "KH_IN_book_2_standard": "按期完成"}
    f = fill(templates[("B001", "target-book")], values, work / "filled" / "book.xlsx")
    eml(work / "inbox" / "book.eml", [("目标责任书.xlsx", f.read_bytes())], date=dt.datetime(2026, 3, 20, tzinfo=UTC))
    short = fill(templates[("B002", "target-book")], {**values, "KH_IN_book_2_points": 20}, work / "filled" / "b2.xlsx")
    eml(work / "inbox" / "b2.eml", [("b2.xlsx", short.read_bytes())], date=dt.datetime(2026, 3, 1, tzinfo=UTC))
    result = run(work, municipal, audit)
    book, b2 = by_name(result, "目标责任书.xlsx"), by_name(result, "b2.xlsx")
    assert book.status == ACCEPTED, book.reasons
    assert book.late == "逾期：应于2026-03-15前报送，实际2026-03-20到达"
    assert b2.status == REJECTED and b2.problems[0].code == "book_total" and "60" in b2.reasons[0]


# --- the other kinds -------------------------------------------------------------------


def test_run_intake__scoring_sheet_sets_the_business_score(work, templates, municipal, audit):
    values = {"KH_IN_B001_1_score": 38.5, "KH_IN_B001_2_score": 30,
              "KH_IN_B002_1_item": "甲", "KH_IN_B002_1_points": 50, "KH_IN_B002_1_score": 45,
              "KH_IN_B002_2_item": "乙", "KH_IN_B002_2_points": 20, "KH_IN_B002_2_score": 18}
    f = fill(templates[("G-综合口", "scoring-sheet")], values, work / "filled" / "score.xlsx")
    (work / "inbox" / "score.xlsx").write_bytes(f.read_bytes())
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == ACCEPTED, o.reasons
    assert master_value(work, "部门", "B001", "业务目标") == 68.5  # 38.5 + 30
    assert master_value(work, "部门", "B002", "业务目标") == 63  # 45 + 18 (points 50 + 20 = 70)


def test_run_intake__scoring_sheet_score_above_points_rejected(work, templates, municipal, audit):
    values = {"KH_IN_B001_1_score": 41, "KH_IN_B001_2_score": 30}
    f = fill(templates[("G-综合口", "scoring-sheet")], values, work / "filled" / "score.xlsx")
    (work / "inbox" / "score.xlsx").write_bytes(f.read_bytes())
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == REJECTED
    assert (o.problems[0].code, o.problems[0].allowed, o.problems[0].record) == ("out_of_range", "0–40", "B001")


def test_run_intake__register_fills_bonus_table_and_criticism_counts(work, templates, municipal, audit):
    t = templates[("KHB", "register")]
    wb = openpyxl.load_workbook(t)
    bonus, crit = wb["加分登记"], wb["通报批评"]
    rows = [("B001", "一网通办", "党委政府", "省"), ("B001", "一网通办", "业务部门", "国家"), ("Q01", "枣庄模式", "党委政府", "国家")]
    for r, (unit, project, rec, level) in enumerate(rows, start=8):
        bonus[f"B{r}"], bonus[f"D{r}"], bonus[f"E{r}"], bonus[f"F{r}"] = unit, project, rec, level
    for r, day in enumerate((dt.datetime(2026, 5, 6), dt.datetime(2026, 8, 1)), start=8):
        crit[f"B{r}"], crit[f"D{r}"], crit[f"E{r}"] = "B002", day, f"通报〔2026〕{r}号"
    wb.save(work / "inbox" / "register.xlsx")
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == ACCEPTED, o.reasons
    ws = openpyxl.load_workbook(work / "master.xlsx")["加分登记"]
    assert [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0]] == [
        ("B001", "一网通办", "党委政府", "省"), ("B001", "一网通办", "业务部门", "国家"), ("Q01", "枣庄模式", "党委政府", "国家")]
    assert master_value(work, "部门", "B002", "通报批评次数") == 2
    assert master_value(work, "部门", "B001", "通报批评次数") == 0
    assert master_value(work, "区市", "Q01", "通报批评次数") == 0


def test_run_intake__register_rejects_unknown_unit_and_date_outside_the_year(work, templates, municipal, audit):
    wb = openpyxl.load_workbook(templates[("KHB", "register")])
    wb["加分登记"]["B8"], wb["加分登记"]["D8"], wb["加分登记"]["E8"], wb["加分登记"]["F8"] = "X99", "甲", "党委政府", "省"
    wb["通报批评"]["B8"], wb["通报批评"]["D8"] = "B002", dt.datetime(2025, 12, 30)
    wb.save(work / "inbox" / "register.xlsx")
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == REJECTED
    assert {(p.code, p.sheet, p.cell) for p in o.problems} == {("unknown_unit", "加分登记", "B8"),
                                                                ("bad_date", "通报批评", "D8")}


def test_run_intake__staff_roster_rows_go_to_the_people_table(work, templates, municipal, audit):
    t = templates[("B001", "staff-roster")]
    wb = openpyxl.load_workbook(t)
    ws = wb["考核名册"]
    first = list(wb.defined_names["KH_IN_staff_code"].destinations)[0][1].split(":")[0].replace("$", "")
    r = int(first[1:])
    for col, value in zip("ABCDEFGH", ["P1 ", "张三", "县级", "是", 20, 10, 5, 5]):  # "P1 ": a stray space
        ws[f"{col}{r}"] = value
    ws[f"J{r}"], ws[f"K{r}"], ws[f"O{r}"] = 85, 9, "称职"
    wb.save(work / "inbox" / "staff.xlsx")
    apply_updates(work / "master.xlsx", [Update("人员", "人员编码", "P1", {"姓名": "张三", "单位编码": "B001",
                                                                      "层级": "县级", "主要负责人": "是"})])
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == ACCEPTED, o.reasons
    assert master_value(work, "人员", "P1", "民主测评") == 23.25  # 30 × (20 + 8 + 3) ÷ 40
    assert (master_value(work, "人员", "P1", "业务目标"), master_value(work, "人员", "P1", "单位编码")) == (85, "B001")


def test_run_intake__the_open_staff_roster_cannot_rename_or_relevel_people(work, templates, municipal, audit):
    """Issue 21 finding 4: 姓名, 层级 and 主要负责人 are the office's; the file's are shown, not used."""
    t = templates[("B001", "staff-roster")]
    wb = openpyxl.load_workbook(t)
    ws = wb["考核名册"]
    r = int(list(wb.defined_names["KH_IN_staff_code"].destinations)[0][1].split(":")[0].replace("$", "")[1:])
    for col, value in zip("ABCDEFGH", ["P1", "李四", "县级", "是", 20, 10, 5, 5]):
        ws[f"{col}{r}"] = value
    ws[f"J{r}"], ws[f"K{r}"], ws[f"O{r}"] = 85, 9, "称职"
    wb.save(work / "inbox" / "staff.xlsx")
    apply_updates(work / "master.xlsx", [Update("人员", "人员编码", "P1", {"姓名": "张三", "单位编码": "B001",
                                                                      "层级": "科级及以下", "主要负责人": "否"})])
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == WARNING, o.reasons
    shown = {(p.code, p.cell, p.value) for p in o.problems}
    assert shown == {("office_owned", f"B{r}", "李四"), ("office_owned", f"C{r}", "县级"),
                     ("office_owned", f"D{r}", "是")}
    assert [master_value(work, "人员", "P1", c) for c in ("姓名", "层级", "主要负责人", "业务目标")] == \
        ["张三", "科级及以下", "否", 85]


def test_run_intake__audit_form_recomputed_and_recorded(work, templates, municipal, audit):
    values = {"KH_IN_A1_A1_1_not_done": 2, "KH_IN_A2_A2_scores": [100, 110], "KH_IN_A3_A3_2_missing": 3,
              "KH_IN_A3_A3_3_numerator": 6, "KH_IN_A3_A3_3_denominator": 8, "KH_IN_A3_A3_4_count": 2,
              "KH_IN_A4_A4_2_count": 1, "KH_IN_A4_A4_4_no_card": 1}
    f = fill(templates[("S02", "audit-form:县市区局")], values, work / "filled" / "audit.xlsx")
    (work / "inbox" / "audit.xlsx").write_bytes(f.read_bytes())
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == ACCEPTED, o.reasons
    # A1 36 + A2 105 + A3 (20 + 14 + 22.5 + 30) + A4 (80 − 1) = 306.5; 306.5 ÷ 340 × 400 = 360.59
    assert (o.values["total"], o.values["rate"]) == (Decimal("306.50"), Decimal("360.59"))


def test_run_intake__outlook_msg_messages(work, templates, municipal, audit):
    from fill import outlook_msg

    f = filled(templates, work)
    outlook_msg(work / "inbox" / "a.msg", [("附表1_市发展改革委.xlsx", f.read_bytes())], subject="报送附表1",
                sender="市纪委 <jw@example.gov.cn>")
    outlook_msg(work / "inbox" / "empty.msg", [], subject="只是问候", sender="x@example.gov.cn")
    (work / "inbox" / "broken.msg").write_bytes(b"\xd0\xcf\x11\xe0 not really")
    result = run(work, municipal, audit)
    o = result.outcomes[0]
    assert (o.envelope.file_name, o.envelope.subject, o.status) == ("附表1_市发展改革委.xlsx", "报送附表1", ACCEPTED)
    assert o.envelope.message_date == dt.datetime(2027, 1, 11, 1, 0, tzinfo=UTC)
    assert sorted(p.code for p in result.inbox_problems) == ["broken_msg", "no_attachment"]
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.2


def test_run_intake__raw_gb18030_attachment_name(work, templates, municipal, audit):
    f = filled(templates, work)
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "x@y.cn", "fujian"
    msg.set_content("见附件")
    msg.add_attachment(f.read_bytes(), maintype="application", subtype="octet-stream", filename="placeholder.xlsx")
    raw = msg.as_bytes().replace(b'filename="placeholder.xlsx"', b'filename="' + "附表一.xlsx".encode("gb18030") + b'"')
    (work / "inbox" / "gbk.eml").write_bytes(raw)
    o = run(work, municipal, audit).outcomes[0]
    assert o.envelope.file_name == "附表一.xlsx" and o.status == ACCEPTED


def test_run_intake__cached_values_are_recomputed_and_differences_reported(work, templates, municipal, audit):
    import re

    parts = _template_parts(templates[("B001", "appendix:附表1:departments")])
    sheet = parts["xl/worksheets/sheet1.xml"].decode()

    def put(xml: str, ref: str, inner: str, kind: str = "") -> str:
        return re.sub(rf'<c r="{ref}" (s="\d+")(?: t="\w+")?(?:/>|>.*?</c>)',
                      lambda m: f'<c r="{ref}" {m.group(1)}{kind}>{inner}</c>', xml, count=1)

    sheet = put(sheet, "F8", "<v>1</v>")  # one missed meeting: 1.1 becomes 1.5, but G8 still shows 2
    sheet = put(sheet, "F19", "<v>1.2</v>")
    sheet = put(sheet, "F20", "<is><t>良好</t></is>", ' t="inlineStr"')
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    (work / "inbox" / "stale.xlsx").write_bytes(_zip(parts))
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == WARNING
    stale = [p for p in o.problems if p.code == "cached_differs"]
    assert [(p.cell, p.value) for p in stale] == [("G8", 2.0)]
    assert "重算结果为 1.5" in stale[0].message
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.2  # the recomputed total, not the cached one


def test_store__migrations_are_recorded_and_applied_once(tmp_path):
    import sqlite3

    store = Store(tmp_path / "m.sqlite")
    versions = [r[0] for r in store.db.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == list(range(1, 13))

    def m99(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE circulars (id INTEGER PRIMARY KEY)")

    assert store.migrate([(1, "x", lambda db: None), (2, "y", lambda db: None), (99, "circulars", m99)]) == [99]
    assert store.migrate([(99, "circulars", m99)]) == []
    store.close()
    reopened = Store(tmp_path / "m.sqlite")  # an old file opens in a new version
    assert [r[0] for r in reopened.db.execute("SELECT version FROM schema_migrations ORDER BY version")] == \
        [*range(1, 13), 99]
    reopened.close()


def test_store__an_archive_of_version_1_opens_and_is_migrated(tmp_path):
    import sqlite3

    from addin.intake.store import MIGRATIONS

    old = Store.__new__(Store)  # a file written by a kaohe that knew only migration 1
    old.path = tmp_path / "old.sqlite"
    old.db = sqlite3.connect(old.path, isolation_level=None)
    old.migrate(MIGRATIONS[:1])
    old.db.execute("INSERT INTO submissions (file_hash, file_name, source, received_at, status) "
                   "VALUES ('abc', 'a.xlsx', 'a.eml', '2027-01-10T09:00:00', 'rejected')")
    old.db.execute("INSERT INTO submission_values VALUES (1, 'k', '\"v\"')")
    old.db.close()
    store = Store(tmp_path / "old.sqlite")
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"submissions", "versions", "results", "appeals", "office_secret"} <= tables
    # migration 3 rebuilt the submissions table: the old row and its values survive it
    assert store.db.execute("SELECT file_hash, status, arrived_at FROM submissions").fetchall() == \
        [("abc", "rejected", None)]
    assert store.db.execute("SELECT key, value FROM submission_values").fetchall() == [("k", '"v"')]
    assert not store.received_hash("abc")  # a rejected file is not "already received"
    store.close()


def test_write_receipt__counts_and_late_submissions(work, templates, municipal, audit):
    from addin.intake.receipt import write_receipt

    values = {"KH_IN_book_1_points": 40}  # with the prefilled second item (30) the book totals 70
    f = fill(templates[("B001", "target-book")], values, work / "filled" / "book.xlsx")
    eml(work / "inbox" / "book.eml", [("book.xlsx", f.read_bytes())], date=dt.datetime(2026, 4, 2, tzinfo=UTC))
    g = filled(templates, work)
    (work / "inbox" / "t1.xlsx").write_bytes(g.read_bytes())
    result = run(work, municipal, audit)
    path = write_receipt(result, work / "receipt.xlsx", 2026)
    wb = openpyxl.load_workbook(path)
    counts = list(wb["统计"].iter_rows(min_row=2, values_only=True))
    assert ("B001", "目标责任书", "接收", 1) in counts and ("B001", "附表1（部门）", "接收", 1) in counts
    late = list(wb["逾期"].iter_rows(min_row=2, values_only=True))
    assert late == [("B001", "目标责任书", "逾期：应于2026-03-15前报送，实际2026-04-02到达")]
    assert wb["回执"].page_setup.paperSize == 9


def test_late__district_figures_go_by_the_districts_deadline_of_the_next_year(municipal):
    """Issue 24 (smaller defect): `districts.submission_deadline` was never read. SPEC M2:
    the districts' business scores are due 15 March (of the next year); a scheme may set
    the districts' deadline apart from the departments'."""
    from addin.intake.mail import Envelope
    from addin.intake.run import _late
    from addin.workbook.identity import Identity

    scheme = municipal.model_copy(update={"districts": municipal.districts.model_copy(
        update={"submission_deadline": "03-31"})})
    business = [p.table for p in scheme.districts.business]
    assert business == ["附表5", "附表6"]  # the scheme's districts' business tables

    def late(kind: str, arrived: dt.datetime) -> str | None:
        ident = Identity(kind, "municipal", "2026.1", "h", 2026, "Q01", "市中区", "id", "kaohe")
        return _late(ident, Envelope("f.xlsx", b"", "m.eml", arrived=arrived), scheme)

    assert late("appendix:附表5", dt.datetime(2027, 3, 20, tzinfo=UTC)) is None  # after 03-15, before 03-31
    assert late("appendix:附表6", dt.datetime(2027, 4, 2, tzinfo=UTC)) == "逾期：应于2027-03-31前报送，实际2027-04-02到达"
    assert late("appendix:附表1:districts", dt.datetime(2027, 4, 2, tzinfo=UTC)) is None  # a public table: no deadline
    assert late("target-book", dt.datetime(2026, 3, 20, tzinfo=UTC)) == "逾期：应于2026-03-15前报送，实际2026-03-20到达"


def test_store__a_workbook_is_kept_as_it_is_and_a_message_compressed(tmp_path):
    """Evidence (issue 26, item 0): a workbook, like any zip, is stored as it is, never
    compressed again, even one whose members are stored uncompressed, as here (Excel, WPS and
    LibreOffice deflate theirs; compressing each once more cost 0.12 ms a file in
    bench/intake_bench.py and saved little); a message (text and base64) is zlib-compressed;
    both read back byte for byte against their SHA-256."""
    import hashlib
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>" * 200)
    book = buf.getvalue()
    message = ("Subject: 附表1\r\nContent-Transfer-Encoding: base64\r\n\r\n" + "UEsDBBQAAAAIAA==\r\n" * 300).encode()
    store = Store(tmp_path / "e.sqlite")
    with store.db:
        for data in (book, message):
            store.keep_evidence(hashlib.sha256(data).hexdigest(), data)
    codecs = dict(store.db.execute("SELECT hash, codec FROM evidence").fetchall())
    assert codecs == {hashlib.sha256(book).hexdigest(): "stored", hashlib.sha256(message).hexdigest(): "zlib"}
    assert [store.evidence(hashlib.sha256(d).hexdigest()) for d in (book, message)] == [book, message]
    store.close()
