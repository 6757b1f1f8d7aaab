"""The mail loop against real servers on 127.0.0.1: Dovecot for IMAP (started per module
with a throwaway configuration) and aiosmtpd for SMTP (in this process)."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import imaplib
import io
import re
import shutil
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

import mailservers as M
from addin.cli import app
from addin.mail.fetch import fetch_messages, imap_date, parse_internaldate
from addin.intake.store import Store
from addin.mail.servers import (
    EXIT_AUTH,
    EXIT_CONNECT,
    EXIT_SERVER,
    EXIT_SETTINGS,
    MailError,
    Server,
    connect_imap,
    imap_utf7,
    resolve_mail,
)
from addin.office.settings import MailSettings, Settings

runner = CliRunner()


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return M.make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def dovecot(tls):
    server = M.start_dovecot(*tls)
    yield server
    server.stop()


@pytest.fixture
def smtp():
    server = M.start_smtp()
    yield server
    server.stop()


def imap_server(dovecot, port=None, security="none", password=M.PASSWORD) -> Server:
    return Server("imap", "127.0.0.1", port or dovecot.port, security, M.USER, password, str(dovecot.cert))


def fresh_folder(dovecot, name: str) -> imaplib.IMAP4:
    imap = connect_imap(imap_server(dovecot))
    imap.delete(name)
    assert imap.create(name)[0] == "OK"
    return imap


def message(n: int, sender: str = "b001@example.gov.cn", body: str = "") -> bytes:
    """A message as the server stores it (CRLF line ends)."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "khb@example.gov.cn", f"报送材料 {n}"
    msg["Message-ID"] = f"<m{n}@example.gov.cn>"
    msg.set_content(body or f"第{n}封")
    return msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def append(imap, folder: str, data: bytes, when: dt.datetime | None = None) -> None:
    stamp = imaplib.Time2Internaldate(when.timestamp()) if when else None
    assert imap.append(folder, None, stamp, data)[0] == "OK"


# --- settings ---------------------------------------------------------------------------


def test_resolve_mail__the_environment_overrides_the_settings_file():
    settings = MailSettings.model_validate({"收件服务器": "imap.khb.gov.cn", "收件用户": "khb", "发件服务器": "smtp.khb.gov.cn",
                                           "发件加密": "starttls", "发件地址": "khb@khb.gov.cn", "报送截止": "2027-01-15"})
    env = {"KAOHE_IMAP_HOST": "imap2.khb.gov.cn", "KAOHE_IMAP_PORT": "9993", "KAOHE_IMAP_PASSWORD": "pw",
           "KAOHE_SMTP_USER": "khb2", "KAOHE_MAIL_FROM": "office@khb.gov.cn", "KAOHE_IMAP_FOLDER": "报送"}
    config = resolve_mail(settings, env, keyring_get=lambda service, user: f"{service}/{user}")
    assert (config.imap.host, config.imap.port, config.imap.security, config.imap.password) == (
        "imap2.khb.gov.cn", 9993, "ssl", "pw")
    # no KAOHE_SMTP_PASSWORD: the keyring's, under service kaohe-smtp and the login name
    assert (config.smtp.host, config.smtp.port, config.smtp.user, config.smtp.password) == (
        "smtp.khb.gov.cn", 587, "khb2", "kaohe-smtp/khb2")
    assert (config.mail_from, config.folder, config.deadline) == ("office@khb.gov.cn", "报送", dt.date(2027, 1, 15))
    assert "pw" not in repr(config.imap)


def test_resolve_mail__plain_text_only_on_loopback():
    with pytest.raises(MailError) as info:
        resolve_mail(MailSettings(), {"KAOHE_SMTP_HOST": "smtp.khb.gov.cn", "KAOHE_SMTP_SECURITY": "none"})
    assert info.value.code == EXIT_SETTINGS and "本机测试" in str(info.value)
    ok = resolve_mail(MailSettings(), {"KAOHE_SMTP_HOST": "127.0.0.1", "KAOHE_SMTP_SECURITY": "none"})
    assert ok.smtp.port == 25


def test_load_settings__a_password_in_the_file_is_refused(tmp_path):
    from addin.errors import SettingsError
    from addin.office.settings import load_settings

    (tmp_path / "设置.yaml").write_text("邮箱:\n  收件服务器: imap.khb.gov.cn\n  收件密码: hunter2\n", encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        load_settings(tmp_path)
    assert "设置.yaml" in str(info.value) and "密码不能写在设置文件中" in str(info.value)
    assert Settings.model_validate({}).mail.imap_folder == "INBOX"


def test_imap_utf7__folder_names_in_chinese():
    # 已接收 = U+5DF2 U+63A5 U+6536 → UTF-16BE 5D F2 63 A5 65 36 → base64 XfJjpWU2
    assert imap_utf7("已接收") == "&XfJjpWU2-" and imap_utf7("A&B") == "A&-B"
    assert imap_date(dt.date(2027, 1, 5)) == "05-Jan-2027"
    assert parse_internaldate(b'1 (UID 7 INTERNALDATE "08-Jan-2027 17:00:00 +0800" BODY[] {3}') == dt.datetime(
        2027, 1, 8, 9, 0, tzinfo=dt.UTC)


# --- IMAP -------------------------------------------------------------------------------


def test_fetch_messages__twice_gets_each_message_once(dovecot, tmp_path):
    imap = fresh_folder(dovecot, "Twice")
    for n in (1, 2, 3):
        append(imap, "Twice", message(n))
    append(imap, "Twice", message(2))  # the same message delivered twice: one file
    store = Store(tmp_path / "a.sqlite")
    first = fetch_messages(imap, tmp_path / "inbox", store, account="a", folder="Twice")
    assert (first.listed, len(first.saved), first.same_content, first.known) == (4, 3, 1, 0)
    files = sorted(p.name for p in (tmp_path / "inbox").iterdir())
    assert files == sorted(f"{hashlib.sha256(message(n)).hexdigest()[:24]}.eml" for n in (1, 2, 3))
    assert {(tmp_path / "inbox" / f).read_bytes() for f in files} == {message(n) for n in (1, 2, 3)}
    again = fetch_messages(imap, tmp_path / "inbox", store, account="a", folder="Twice")
    assert (again.listed, again.saved, again.known) == (4, [], 4)
    # read-only: nothing was marked \\Seen or moved
    imap.select("Twice", readonly=True)
    assert imap.uid("SEARCH", "UNSEEN")[1][0].split().__len__() == 4


def test_fetch_messages__a_new_uidvalidity_lists_again_and_duplicates_nothing(dovecot, tmp_path):
    imap = fresh_folder(dovecot, "Rebuilt")
    for n in (1, 2):
        append(imap, "Rebuilt", message(n))
    store = Store(tmp_path / "a.sqlite")
    fetch_messages(imap, tmp_path / "inbox", store, account="a", folder="Rebuilt")
    imap = fresh_folder(dovecot, "Rebuilt")  # deleted and made again: a new UIDVALIDITY
    for n in (1, 2, 3):
        append(imap, "Rebuilt", message(n))
    result = fetch_messages(imap, tmp_path / "inbox", store, account="a", folder="Rebuilt")
    assert result.uidvalidity_changed
    assert (len(result.saved), result.same_content) == (1, 2)
    assert len(list((tmp_path / "inbox").iterdir())) == 3


def test_fetch_messages__a_dropped_connection_loses_nothing_and_duplicates_nothing(dovecot, tmp_path):
    imap = fresh_folder(dovecot, "Dropped")
    big = "附件内容" * 3000
    for n in range(1, 9):
        append(imap, "Dropped", message(n, body=big))
    store = Store(tmp_path / "a.sqlite")
    relay = M.CuttingRelay(dovecot.port, cut_after=120_000)  # about 3 of the 8 messages
    cut = connect_imap(imap_server(dovecot, port=relay.port))
    with pytest.raises(MailError) as info:
        fetch_messages(cut, tmp_path / "inbox", store, account="a", folder="Dropped")
    relay.close()
    assert info.value.code == EXIT_SERVER and relay.cut
    saved = sorted(p.name for p in (tmp_path / "inbox").iterdir())
    assert 0 < len(saved) < 8
    assert not [p for p in (tmp_path / "inbox").iterdir() if p.name.startswith(".")]  # no half-written file
    recorded = store.db.execute("SELECT COUNT(*) FROM fetched").fetchone()[0]
    assert recorded == len(saved)
    retry = fetch_messages(connect_imap(imap_server(dovecot)), tmp_path / "inbox", store, account="a",
                           folder="Dropped")
    assert retry.known == len(saved) and len(retry.saved) == 8 - len(saved)
    assert len(list((tmp_path / "inbox").iterdir())) == 8
    assert store.db.execute("SELECT COUNT(*) FROM fetched").fetchone()[0] == 8


def test_fetch_messages__move_to_moves_only_when_asked(dovecot, tmp_path):
    imap = fresh_folder(dovecot, "Move")
    imap.delete(M_quote("已接收"))
    assert imap.create(M_quote("已接收"))[0] == "OK"
    for n in (1, 2):
        append(imap, "Move", message(n))
    store = Store(tmp_path / "a.sqlite")
    result = fetch_messages(imap, tmp_path / "inbox", store, account="a", folder="Move", move_to="已接收")
    assert (len(result.saved), result.moved) == (2, 2)
    imap.select("Move", readonly=True)
    assert imap.uid("SEARCH", "ALL")[1] == [b""]
    imap.select(M_quote("已接收"), readonly=True)
    assert len(imap.uid("SEARCH", "ALL")[1][0].split()) == 2


def M_quote(name: str) -> str:
    from addin.mail.servers import quote_mailbox

    return quote_mailbox(name)


def test_fetch_messages__since_and_before_use_the_servers_dates(dovecot, tmp_path):
    # (Dovecot takes an APPEND date only in the past: these are years back)
    imap = fresh_folder(dovecot, "Dates")
    append(imap, "Dates", message(1), dt.datetime(2020, 12, 30, 10, tzinfo=dt.UTC))
    append(imap, "Dates", message(2), dt.datetime(2021, 1, 8, 10, tzinfo=dt.UTC))
    append(imap, "Dates", message(3), dt.datetime(2021, 1, 20, 10, tzinfo=dt.UTC))
    store = Store(tmp_path / "a.sqlite")
    result = fetch_messages(imap, tmp_path / "inbox", store, account="a", folder="Dates",
                            since=dt.date(2021, 1, 1), before=dt.date(2021, 1, 15))
    assert len(result.saved) == 1
    path = tmp_path / "inbox" / result.saved[0]
    assert b"<m2@example.gov.cn>" in path.read_bytes()
    # the file time is the server's INTERNALDATE, and the archive has it for intake
    assert dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC) == dt.datetime(2021, 1, 8, 10, tzinfo=dt.UTC)
    assert store.server_times() == {path.name: dt.datetime(2021, 1, 8, 10, tzinfo=dt.UTC)}


def test_connect_imap__bad_password_tls_refused_and_no_server_each_have_an_exit_code(dovecot):
    with pytest.raises(MailError) as info:
        connect_imap(imap_server(dovecot, password="wrong"))
    assert info.value.code == EXIT_AUTH and "拒绝了用户名或密码" in str(info.value)
    with pytest.raises(MailError) as info:  # TLS spoken to a plain-text port
        connect_imap(imap_server(dovecot, security="ssl"), timeout=5)
    assert info.value.code == EXIT_CONNECT and "TLS" in str(info.value)
    with pytest.raises(MailError) as info:
        connect_imap(imap_server(dovecot, port=M.free_port()), timeout=5)
    assert info.value.code == EXIT_CONNECT and "无法连接" in str(info.value)
    for security, port in (("ssl", dovecot.ssl_port), ("starttls", dovecot.port)):
        conn = connect_imap(imap_server(dovecot, port=port, security=security))  # the certificate as root CA
        assert conn.state == "AUTH"
        conn.logout()


# --- the demo year, its messages in Dovecot ---------------------------------------------

OFFICE = "khb@example.gov.cn"


@pytest.fixture(scope="module")
def demo_year(tmp_path_factory, municipal, audit):
    """The demo's sample city as an office with its 2026 year folder, its templates filled
    and mailed (370 messages, one per file); the messages are kept aside to be delivered to
    the mailbox."""
    from addin.demo import prepare_demo_year

    paths, roster, _audit_units, outbox = prepare_demo_year(tmp_path_factory.mktemp("demo") / "office", municipal,
                                                            audit, say=lambda *_: None)
    messages = {p.name: p.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                for p in sorted(paths.inbox.glob("*.eml"))}
    return paths.folder, paths, roster, messages


def year_copy(demo_year, tmp_path) -> Path:
    """A copy of the demo office with its year folder (without the mail): the year folder."""
    folder, *_ = demo_year
    office = tmp_path / "office"
    shutil.copytree(folder.parent, office, ignore=shutil.ignore_patterns("收件箱", "已填报", "模板"))
    target = office / folder.name
    (target / "收件箱").mkdir()
    return target


def env_for(dovecot, smtp, folder: str) -> dict[str, str]:
    return {"KAOHE_IMAP_HOST": "127.0.0.1", "KAOHE_IMAP_PORT": str(dovecot.ssl_port), "KAOHE_IMAP_SECURITY": "ssl",
            "KAOHE_IMAP_USER": M.USER, "KAOHE_IMAP_PASSWORD": M.PASSWORD, "KAOHE_IMAP_FOLDER": folder,
            "KAOHE_MAIL_CAFILE": str(dovecot.cert), "KAOHE_SMTP_HOST": "127.0.0.1", "KAOHE_SMTP_PORT": str(smtp.port),
            "KAOHE_SMTP_SECURITY": "none", "KAOHE_MAIL_FROM": OFFICE}


def kaohe(args: list[str], env: dict[str, str], folder: Path):
    return runner.invoke(app, [*args, "--year-dir", str(folder)], env=env, terminal_width=200)


def test_mail_loop__fetch_reply_remind_on_the_demo_year(dovecot, smtp, demo_year, tmp_path):
    """Every sender gets exactly one correct reply: to the From of their message, threaded to
    it, in Chinese, with their own receipt; a rerun sends nothing twice; units still missing
    templates are reminded at their 报送邮箱."""
    from addin.demo import sender_of

    _folder, _paths, roster, messages = demo_year
    year = year_copy(demo_year, tmp_path)
    imap = fresh_folder(dovecot, "Demo")
    for data in messages.values():
        append(imap, "Demo", data)
    env = env_for(dovecot, smtp, "Demo")

    fetched = kaohe(["fetch"], env, year)
    assert fetched.exit_code == 0, fetched.output
    assert f"已收取 {len(messages)} 封新邮件" in fetched.output
    again = kaohe(["fetch"], env, year)
    assert again.exit_code == 0 and "已收取 0 封新邮件" in again.output and f"此前已收 {len(messages)} 封" in again.output
    assert len(list((year / "收件箱").glob("*.eml"))) == len(messages)

    took = kaohe(["intake", "--reply", "--quiet"], env, year)
    assert took.exit_code in (0, 1) and took.exception is None, took.output
    # every sender but the office itself (its own register: no reply to itself)
    senders = {n: d for n, d in messages.items() if not n.startswith("KHB_")}
    assert len(senders) == len(messages) - 1
    assert f"已回复 {len(senders)} 封邮件" in took.output and "未回复" not in took.output
    replies = list(smtp.messages)
    assert len(replies) == len(senders)
    by_thread = {r.message["In-Reply-To"]: r for r in replies}
    assert len(by_thread) == len(senders)
    for name, data in senders.items():
        theirs = email.message_from_bytes(data)
        reply = by_thread[theirs["Message-ID"]]
        unit = name.split("_")[0]
        assert reply.rcpt_tos == [sender_of(unit)] and reply.mail_from == OFFICE
        msg = reply.message
        assert msg["To"] == sender_of(unit) and msg["References"] == theirs["Message-ID"]
        assert msg["Subject"] == f"回复：2026年度目标考核材料报送（{unit}）"
        assert msg["Auto-Submitted"] == "auto-replied"
        body = msg.get_body(("plain",)).get_content()
        (attachment,) = list(msg.iter_attachments())
        assert attachment.get_filename().startswith("2026年度考核材料接收回执")
        book = openpyxl.load_workbook(io.BytesIO(attachment.get_content()))
        rows = [r for r in book["回执"].iter_rows(min_row=4, values_only=True) if r[0]]
        assert len(rows) == 1 and rows[0][6] in (unit, None)  # their one file, never another unit's
        assert book["未报送"].max_row == 1  # no other unit's data
        assert "文件：" in body and "结果：" in body and rows[0][9] in body
    # the wire: the Chinese subject is RFC 2047, the attachment's name RFC 2231, the body UTF-8
    raw = replies[0].data
    assert b"Subject: =?utf-8?" in raw and raw.isascii()
    assert re.search(rb"filename\*(0\*)?=utf-8''2026%E5%B9%B4", raw)  # RFC 2231, continued if long

    smtp.messages.clear()
    rerun = kaohe(["intake", "--reply", "--quiet"], env, year)
    assert rerun.exit_code in (0, 1), rerun.output
    assert smtp.messages == [] and "没有需要回复的邮件" in rerun.output

    reminded = kaohe(["remind", "--before", "2027-01-15", "--send"], env, year)
    assert reminded.exit_code == 0, reminded.output
    # the demo sends no target book (due in March): every department is reminded of it
    departments = [u for u in roster.units if u.type == "部门"]
    reminders = {r.rcpt_tos[0]: r.message for r in smtp.messages}
    assert set(reminders) >= {sender_of(u.code) for u in departments}
    sample = reminders[sender_of(departments[0].code)]
    text = sample.get_body(("plain",)).get_content()
    assert "目标责任书" in text and "2027年01月15日" in text and departments[0].name in text
    assert sample["Subject"] == "催报：2026年度目标管理考核材料（01月15日截止）"


def test_intake_reply__exactly_once_across_a_refused_recipient_and_a_dry_run(dovecot, smtp, demo_year, tmp_path):
    from addin.demo import sender_of

    _folder, _paths, _roster, messages = demo_year
    year = year_copy(demo_year, tmp_path)
    chosen = {}
    for name, data in messages.items():  # one message each from three units
        if name.startswith(("B001_", "B002_", "Q01_")) and name.split("_")[0] not in {n.split("_")[0] for n in chosen}:
            chosen[name] = data
    assert len(chosen) == 3
    for name, data in chosen.items():
        (year / "收件箱" / name).write_bytes(data)
    env = env_for(dovecot, smtp, "INBOX")

    preview = kaohe(["intake", "--reply", "--dry-run", "--quiet"], env, year)
    assert preview.exit_code in (0, 1), preview.output
    written = sorted((year / "发件箱（预览）").glob("回复_*.eml"))
    assert len(written) == 3 and smtp.messages == []  # written, not sent, not recorded

    smtp.refuse[sender_of("B002")] = "550 5.1.1 mailbox unavailable"
    first = kaohe(["intake", "--reply", "--quiet"], env, year)
    assert first.exit_code == EXIT_SERVER and "拒收" in first.output and sender_of("B002") in first.output
    assert sorted(r.rcpt_tos[0] for r in smtp.messages) == [sender_of("B001"), sender_of("Q01")]

    smtp.refuse.clear()
    smtp.messages.clear()
    second = kaohe(["intake", "--reply", "--quiet"], env, year)
    assert second.exit_code in (0, 1) and "已回复 1 封邮件" in second.output, second.output
    assert [r.rcpt_tos[0] for r in smtp.messages] == [sender_of("B002")]
    smtp.messages.clear()
    third = kaohe(["intake", "--reply", "--quiet"], env, year)
    assert smtp.messages == [] and "没有需要回复的邮件" in third.output


def test_intake_reply__smtp_login_over_starttls_and_a_refused_login(tls, demo_year, tmp_path):
    cert, key = tls
    server = M.start_smtp(cert, key, login=("khb", "发件-密码"))
    try:
        year = year_copy(demo_year, tmp_path)
        name, data = next(iter(demo_year[3].items()))
        (year / "收件箱" / name).write_bytes(data)
        env = {"KAOHE_SMTP_HOST": "127.0.0.1", "KAOHE_SMTP_PORT": str(server.port), "KAOHE_SMTP_SECURITY": "starttls",
               "KAOHE_SMTP_USER": "khb", "KAOHE_SMTP_PASSWORD": "wrong", "KAOHE_MAIL_CAFILE": str(cert),
               "KAOHE_MAIL_FROM": OFFICE}
        before = (year / "考核汇总.xlsx").read_bytes()
        bad = kaohe(["intake", "--reply", "--quiet"], env, year)
        assert bad.exit_code == EXIT_AUTH and "拒绝了用户名或密码" in bad.output and "未接收任何文件" in bad.output
        assert server.messages == [] and (year / "考核汇总.xlsx").read_bytes() == before  # failed before any change
        env["KAOHE_SMTP_PASSWORD"] = "发件-密码"
        good = kaohe(["intake", "--reply", "--quiet"], env, year)
        assert good.exit_code in (0, 1) and "已回复 1 封邮件" in good.output, good.output
        assert len(server.messages) == 1
        nopass = kaohe(["intake", "--reply", "--quiet"], {k: v for k, v in env.items() if "PASSWORD" not in k}, year)
        assert nopass.exit_code == EXIT_SETTINGS and "KAOHE_SMTP_PASSWORD" in nopass.output  # checked first
    finally:
        server.stop()


def test_fetch__check_says_what_failed(dovecot, smtp, demo_year, tmp_path):
    year = year_copy(demo_year, tmp_path)
    env = env_for(dovecot, smtp, "INBOX")
    ok = kaohe(["fetch", "--check"], env, year)
    assert ok.exit_code == 0 and ok.output.count("正常") == 2, ok.output
    bad = kaohe(["fetch", "--check"], {**env, "KAOHE_IMAP_PASSWORD": "wrong"}, year)
    assert bad.exit_code == EXIT_AUTH and "IMAP" in bad.output and "拒绝了用户名或密码" in bad.output
    nothing = kaohe(["fetch"], {k: v for k, v in env.items() if not k.startswith("KAOHE_IMAP")}, year)
    assert nothing.exit_code == EXIT_SETTINGS and "KAOHE_IMAP_HOST" in nothing.output
    nopass = kaohe(["fetch"], {k: v for k, v in env.items() if k != "KAOHE_IMAP_PASSWORD"}, year)
    assert nopass.exit_code == EXIT_SETTINGS and "KAOHE_IMAP_PASSWORD" in nopass.output


def test_run_intake__a_fetched_message_arrived_when_the_server_says(demo_year, tmp_path, municipal, audit):
    """Arrival order (which of two submissions is current) uses the IMAP server's
    INTERNALDATE recorded by fetch, not the message's own Received or Date headers."""
    from addin.intake.run import run_intake
    from addin.intake.store import archive_path

    year = year_copy(demo_year, tmp_path)
    name, data = next((n, d) for n, d in demo_year[3].items() if n.startswith("B001_"))
    assert b"Received: from mail.example.gov.cn by mx.khb.example.gov.cn; Fri, 08 Jan 2027" in data
    (year / "收件箱" / "fetched.eml").write_bytes(data)
    server_time = dt.datetime(2027, 1, 9, 8, 30, tzinfo=dt.UTC)
    store = Store(archive_path(year / "考核汇总.xlsx"))
    store.record_fetch("a", "INBOX", 1, 1, hashlib.sha256(data).hexdigest(), "fetched.eml", server_time)
    store.close()
    result = run_intake(year / "收件箱", year / "考核汇总.xlsx", municipal=municipal, audit=audit, year=2026)
    (outcome,) = result.outcomes
    assert outcome.envelope.arrival == server_time
    store = Store(archive_path(year / "考核汇总.xlsx"))
    assert store.by_hash(outcome.file_hash)["arrived_at"] == server_time.isoformat()
    store.close()
