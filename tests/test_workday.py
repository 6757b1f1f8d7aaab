"""The office's working day (issue 23): replies, receipts and messages that tell the truth on
every run. Messages are .eml files as the mail server delivered them, replies go to an
aiosmtpd server on 127.0.0.1, receipts are read back cell by cell."""

from __future__ import annotations

import email
import io
import zipfile
from email import policy
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

import mailservers as M
from addin.cli import app
from addin.intake.extract import Update
from addin.intake.master import apply_updates
from fill import APPENDIX1_FULL, eml, fill
from test_intake import filled, master_value, templates, work  # noqa: F401
from test_trust import mailboxes, settings as write_settings

runner = CliRunner()
OFFICE = "khb@example.gov.cn"


@pytest.fixture
def smtp():
    server = M.start_smtp()
    yield server
    server.stop()


def mail_env(smtp) -> dict[str, str]:
    return {"KAOHE_SMTP_HOST": "127.0.0.1", "KAOHE_SMTP_PORT": str(smtp.port), "KAOHE_SMTP_SECURITY": "none",
            "KAOHE_MAIL_FROM": OFFICE}


def intake(work, *extra: str, env: dict | None = None):
    return runner.invoke(app, ["intake", str(work / "inbox"), "--master", str(work / "master.xlsx"), *extra],
                         env=env, terminal_width=200)


def flat(text: str) -> str:
    return "".join(text.split())


def replies_by_recipient(smtp) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for m in smtp.messages:
        msg = m.message
        body = msg.get_body(preferencelist=("plain",)).get_content()
        out.setdefault(m.rcpt_tos[0], []).append(body)
    return out


def receipt_rows(work) -> dict[str, tuple]:
    """The office's receipt, by file name: (报送编号, 本次, 状态, 原因, 放行)."""
    ws = openpyxl.load_workbook(work / "master_回执.xlsx")["回执"]
    return {r[2]: (r[0], r[1], r[9], r[10], r[11]) for r in ws.iter_rows(min_row=4, values_only=True) if r[2]}


def test_intake_reply__the_readmes_preview_then_send_tells_each_sender_its_first_outcome(work, templates, smtp):
    """README 邮箱设置: `intake --reply --dry-run`, then `intake --reply`. The dry run
    changes nothing; the real run replies once to each message with what its files got when
    first taken in — accepted, or held with what happens next — never "duplicate"."""
    mailboxes(work, B001="b001@example.gov.cn", B002="b002@example.gov.cn")
    eml(work / "inbox" / "1.eml", [("附表1.xlsx", filled(templates, work).read_bytes())], sender="b001@example.gov.cn")
    eml(work / "inbox" / "2.eml", [("附表1.xlsx", filled(templates, work, unit="B002", name="b2.xlsx").read_bytes())],
        sender="someone@qq.example.com")
    master = (work / "master.xlsx").read_bytes()
    preview = intake(work, "--reply", "--dry-run", env=mail_env(smtp))
    assert preview.exit_code == 0, preview.output
    assert "预览（未接收、未写入、未记录）" in flat(preview.output)
    assert (work / "master.xlsx").read_bytes() == master and not (work / "master_回执.xlsx").exists()
    previews = sorted((work / "发件箱（预览）").glob("回复_*.eml"))
    assert len(previews) == 2 and smtp.messages == []
    sent = intake(work, "--reply", env=mail_env(smtp))
    assert sent.exit_code == 0, sent.output
    got = replies_by_recipient(smtp)
    assert sorted(got) == ["b001@example.gov.cn", "someone@qq.example.com"] and all(len(v) == 1 for v in got.values())
    b001, held = got["b001@example.gov.cn"][0], got["someone@qq.example.com"][0]
    assert "结果：接收（报送编号 1）" in b001 and "重复" not in b001
    assert "结果：暂缓（待核实）（报送编号 2）" in held and "考核办将电话核实发件人后放行" in held and "重复" not in held
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.2
    again = intake(work, "--reply", env=mail_env(smtp))
    assert again.exit_code == 0 and len(smtp.messages) == 2  # replied once each, whatever reruns


def test_run_day__accept_hold_reject_correct_release_receipts_row_by_row(work, templates):
    """A three-run day. Run 1: B001 accepted, B002's file from a stranger held, Q01's empty
    attachment rejected. Run 2: B001 sends a correction (replaces 1), the rejected
    one is not reported again. Release 2. Run 3: nothing new. The receipt after each run is
    the year's state, this run's files marked; exit codes count only this run's files."""
    mailboxes(work, B001="b001@example.gov.cn", B002="b002@example.gov.cn")
    eml(work / "inbox" / "1.eml", [("a1.xlsx", filled(templates, work, name="a1.xlsx").read_bytes())],
        sender="b001@example.gov.cn")
    eml(work / "inbox" / "2.eml", [("b2.xlsx", filled(templates, work, unit="B002", name="b2.xlsx").read_bytes())],
        sender="x@qq.example.com")
    eml(work / "inbox" / "3.eml", [("q1.xlsx", b"")], sender="q01@example.gov.cn")
    first = intake(work, "--quiet")
    assert first.exit_code == 1  # a rejection in this run
    rows = receipt_rows(work)
    assert [(f, r[0], r[1], r[2], r[4]) for f, r in rows.items()] == [
        ("a1.xlsx", 1, "本次", "接收", None), ("b2.xlsx", 2, "本次", "暂缓（待核实）", None),
        ("q1.xlsx", 3, "本次", "退回", None)]
    assert rows["a1.xlsx"][3] is None
    assert rows["b2.xlsx"][3].startswith("暂缓，待核实：发件人 x@qq.example.com 不是B002 市财政局 或 市纪委(监察局)登记的报送邮箱")
    assert rows["q1.xlsx"][3].startswith("文件为空（0字节）")

    corrected = filled(templates, work, values={**APPENDIX1_FULL, "KH_IN_附表1_1_1_missed_meetings": 0}, name="a2.xlsx")
    eml(work / "inbox" / "4.eml", [("a2.xlsx", corrected.read_bytes())], sender="b001@example.gov.cn")
    second = intake(work, "--quiet")
    assert second.exit_code == 0, second.output  # the earlier rejection is not reported again
    rows = receipt_rows(work)
    assert [(f, r[0], r[1], r[2]) for f, r in rows.items()] == [
        ("a1.xlsx", 1, None, "已被更新的报送替代"), ("b2.xlsx", 2, None, "暂缓（待核实）"), ("q1.xlsx", 3, None, "退回"),
        ("a2.xlsx", 4, "本次", "接收")]
    assert rows["a2.xlsx"][3] == "已替代此前的报送（报送编号 1），以本次为准"
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.7  # 9.2 + the 0.5 of the missed meeting

    released = runner.invoke(app, ["intake", "--release", "2", "--by", "张科长", "--master", str(work / "master.xlsx")])
    assert released.exit_code == 0, released.output
    third = intake(work, "--quiet")
    assert third.exit_code == 0
    rows = receipt_rows(work)
    assert rows["b2.xlsx"][2] == "接收" and rows["b2.xlsx"][4].startswith("已由 张科长 于 ")
    assert [r[1] for r in rows.values()] == [None, None, None, None]  # nothing new in run 3
    assert master_value(work, "部门", "B002", "党风廉政建设") == 9.2


def test_intake_reply__a_message_without_a_workbook_gets_a_reply_saying_what_to_attach(work, templates, smtp):
    path = work / "inbox" / "empty.eml"
    msg = email.message.EmailMessage(policy=policy.default)
    msg["From"], msg["To"], msg["Subject"] = "b001@example.gov.cn", OFFICE, "报送考核材料"
    msg["Message-ID"] = "<forgot@example.gov.cn>"
    msg.set_content("请查收。")  # the clerk forgot the attachment
    path.write_bytes(msg.as_bytes())
    done = intake(work, "--reply", env=mail_env(smtp))
    assert done.exit_code in (0, 1), done.output
    body = replies_by_recipient(smtp)["b001@example.gov.cn"][0]
    assert "没有可接收的附件" in body and "没有附件" in body and "作为附件" in body


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_run_intake__a_zip_of_two_workbooks_is_taken_in_as_two_files_in_one_reply(work, templates, smtp):
    one = filled(templates, work).read_bytes()
    two = filled(templates, work, unit="B002", name="b2.xlsx").read_bytes()
    bundle = _zip({"附表1_发改委.xlsx": one, "附表1_财政局.xlsx": two, "__MACOSX/._x": b"junk",
                   "inner.zip": _zip({"x.xlsx": one})})
    eml(work / "inbox" / "z.eml", [("材料.zip", bundle)], sender="b001@example.gov.cn")
    done = intake(work, "--reply", env=mail_env(smtp))
    assert "[接收]附表1_发改委.xlsx（材料.zip）" in flat(done.output)
    assert "[接收]附表1_财政局.xlsx（材料.zip）" in flat(done.output)
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.2
    assert master_value(work, "部门", "B002", "党风廉政建设") == 9.2
    body = replies_by_recipient(smtp)["b001@example.gov.cn"][0]
    assert body.count("结果：接收") == 2 and "只打开一层" in body  # the .zip inside the .zip: said, not opened


@pytest.mark.parametrize(("name", "make", "said"), [
    ("附表1.ods", lambda: _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                "content.xml": b"<x/>"}), "LibreOffice/WPS 的 ODS 表格（.ods）"),
    ("附表1.et", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "WPS 表格文件（.et）"),
    ("附表1.xlsb", lambda: _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\0"}),
     "Excel 二进制工作簿（.xlsb）"),
    ("附表1.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "旧版 Excel 97-2003 工作簿（.xls）"),
    ("附表1.csv", lambda: "单位编码,得分\nB001,9\n".encode(), "CSV 文本文件（.csv）"),
])
def test_run_intake__another_format_is_named_with_how_to_save_it_as_xlsx(work, templates, name, make, said):
    eml(work / "inbox" / "m.eml", [(name, make())], sender="b001@example.gov.cn")
    done = intake(work)
    assert done.exit_code == 1
    text = flat(done.output)
    assert flat(f"这是{said}") in text
    assert flat("WPS 中“文件 → 另存为”，类型选“Excel 文件(*.xlsx)”") in text and "LibreOffice中" in text


def test_intake_reply__a_correction_names_what_it_replaced_and_a_copy_names_whose_it_is(work, templates, smtp):
    mailboxes(work, B001="b001@example.gov.cn", B002="b002@example.gov.cn")
    b002 = filled(templates, work, unit="B002", name="b2.xlsx").read_bytes()
    eml(work / "inbox" / "1.eml", [("a1.xlsx", filled(templates, work, name="a1.xlsx").read_bytes())],
        sender="b001@example.gov.cn")
    eml(work / "inbox" / "2.eml", [("b2.xlsx", b002)], sender="b002@example.gov.cn")
    assert intake(work, "--reply", env=mail_env(smtp)).exit_code == 0
    corrected = filled(templates, work, values={**APPENDIX1_FULL, "KH_IN_附表1_1_1_missed_meetings": 0}, name="a2.xlsx")
    eml(work / "inbox" / "3.eml", [("a2.xlsx", corrected.read_bytes())], sender="b001@example.gov.cn")
    eml(work / "inbox" / "4.eml", [("转发.xlsx", b002)], sender="b001@example.gov.cn")  # forwarded from B002
    assert intake(work, "--reply", env=mail_env(smtp)).exit_code == 0
    bodies = replies_by_recipient(smtp)["b001@example.gov.cn"]
    assert len(bodies) == 3
    assert "结果：接收（报送编号 3）" in bodies[1] and "已替代此前的报送（报送编号 1），以本次为准" in bodies[1]
    assert "结果：重复（已收到相同文件）" in bodies[2]
    assert "与B002 市财政局已报送的文件完全相同（报送编号 2，接收），未再处理" in bodies[2]


def test_intake_remind__a_half_year_report_is_filed_receipted_answered_and_reminded(work, templates, smtp):
    """Issue 24 (half-year): the seed — 各部门每年两次书面报告工作，半年报告报分口考核组和市考核办备案. A
    report is any document: a .docx from B001's registered address is filed for B001 (kept,
    listed in the receipt's 备案 sheet, answered); `remind --half-year` then names B002,
    the department that filed none."""
    mailboxes(work, B001="b001@example.gov.cn", B002="b002@example.gov.cn")
    docx = _zip({"[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                                         b'<Override PartName="/word/document.xml" ContentType="application/vnd.'
                                         b'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
                 "word/document.xml": "<w:document><w:body><w:p><w:r><w:t>上半年工作总结</w:t></w:r></w:p></w:body>"
                                      "</w:document>".encode()})  # a Word document, as Word zips it
    eml(work / "inbox" / "h.eml", [("上半年工作总结.docx", docx)], subject="发改委2027年上半年工作报告",
        sender="b001@example.gov.cn")
    done = intake(work, "--reply", env=mail_env(smtp))
    assert done.exit_code == 0, done.output
    assert "[已备案（半年工作报告）]上半年工作总结.docx" in flat(done.output)
    filed = list(openpyxl.load_workbook(work / "master_回执.xlsx")["备案"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[2], r[3]) for r in filed] == [("B001", "市发展改革委", "上半年工作总结.docx",
                                                          "b001@example.gov.cn")]
    body = replies_by_recipient(smtp)["b001@example.gov.cn"][0]
    assert "结果：已备案（半年工作报告）" in body and "B001 市发展改革委的半年工作报告已备案" in body
    # remind: a year folder is needed for the command; take this work folder's master into one
    from addin.intake.store import Store

    store = Store(work / "master.kaohe.sqlite")
    try:
        assert [r["unit_code"] for r in store.filings(2026)] == ["B001"]
        assert store.evidence(__import__("hashlib").sha256(docx).hexdigest()) == docx  # kept in the archive
    finally:
        store.close()
