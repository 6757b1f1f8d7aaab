"""The mail commands of ``kaohe`` (registered by :mod:`addin.cli`): ``fetch``, ``remind`` and
the replies of ``intake --reply``. Thin adapters: settings and arguments in, one library
call, failures out as one line and an exit code (see :mod:`addin.mail.servers`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from pathlib import Path

import typer
from rich.console import Console

from addin.environment import EXIT_ENVIRONMENT, environment_failure
from addin.errors import FileIssuesError
from addin.mail.servers import EXIT_SERVER, EXIT_SETTINGS, MailError

OUTBOX = "发件箱（预览）"
"""Where a dry run writes the messages it would send (inside the year folder)."""


@contextlib.contextmanager
def exit_on_mail_error():
    """A mail failure exits with its own code; a bad settings file with 2 (one message
    naming the file, the path and the reason)."""
    try:
        yield
    except MailError as exc:
        Console(soft_wrap=True, stderr=True).print(str(exc), markup=False)
        raise typer.Exit(exc.code) from None
    except FileIssuesError as exc:  # 设置.yaml, a scheme or a holiday file of the office's
        Console(soft_wrap=True, stderr=True).print(str(exc), markup=False)
        raise typer.Exit(EXIT_SETTINGS) from None


def mail_config(folder: Path):
    from addin.mail.servers import resolve_mail
    from addin.office.settings import load_settings

    return resolve_mail(load_settings(folder).mail, os.environ)


def _folder_of(year_dir: Path | None) -> Path:
    """The year folder of a mail command (the office's archive having taken in any year
    folder's own): exits 2 with one line when there is none."""
    from addin.cli_common import where

    found = where(None, year_dir, need_year=False)
    if found.folder is None:
        Console().print(f"{(year_dir or Path('.')).resolve()} 不是年度文件夹：请在年度文件夹中运行，或用 --year-dir 指定 "
                        f"[not a year folder]", markup=False)
        raise typer.Exit(EXIT_SETTINGS)
    return found.folder


def _day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        Console().print(f"{option} 应为日期，如 2027-01-15，不是“{text}” [{option} must be a date]", markup=False)
        raise typer.Exit(EXIT_SETTINGS) from None


def fetch(
    year_dir: Path = typer.Option(None, "--year-dir", help="年度文件夹（省略为当前文件夹）[the year folder]"),
    folder: str = typer.Option(None, "--folder", help="只读这个邮箱文件夹，默认为设置中的收件文件夹或 INBOX "
                               "[the mailbox folder]"),
    since: str = typer.Option(None, "--since", help="只收这天及以后到达的邮件，如 2027-01-01 [arrived on or after]"),
    before: str = typer.Option(None, "--before", help="只收这天以前到达的邮件 [arrived before]"),
    move_to: str = typer.Option(None, "--move-to", help="收取后把邮件移到这个文件夹（不加此项则不移动、不删除任何邮件）"
                                "[move fetched messages to this folder]"),
    check: bool = typer.Option(False, "--check", help="只测试收件（IMAP）和发件（SMTP）服务器能否连接登录 "
                               "[test both connections and say what failed]"),
) -> None:
    """从考核办邮箱收取邮件到年度文件夹的 收件箱 [fetch the office mailbox over IMAP].

    Each message is saved whole as <hash>.eml with its UID and server time recorded in the
    archive; a message is never fetched twice, and nothing on the server is moved or deleted
    unless --move-to is given. The password comes from KAOHE_IMAP_PASSWORD or the OS keyring.

    Exit codes: 0 done; 2 settings missing (host, password) or bad arguments; 3 the machine
    failed (disk full, read-only folder); 4 login refused; 5 server unreachable or TLS
    failed; 6 the connection dropped or the server refused a command (what was saved is kept:
    run it again).

    Example: KAOHE_IMAP_PASSWORD=… kaohe fetch --since 2027-01-01
    """
    from addin.mail.fetch import fetch_messages
    from addin.intake.store import Store, archive_path
    from addin.mail.servers import check_connections, close, connect_imap, require
    from addin.office.folder import INBOX as INBOX_DIR
    from addin.office.folder import MASTER_FILE

    where = _folder_of(year_dir)
    with exit_on_mail_error():
        config = mail_config(where)
        if check:
            failed = 0
            for label, problem in check_connections(config):
                Console(soft_wrap=True).print(f"{label}：{'正常 [ok]' if problem is None else problem}", markup=False)
                failed = failed or (problem.code if problem else 0)
            raise typer.Exit(failed)
        server = require(config.imap, "imap")
        first, last = _day(since, "--since"), _day(before, "--before")
        imap = connect_imap(server)
        store = Store(archive_path(where / MASTER_FILE))
        try:
            result = fetch_messages(imap, where / INBOX_DIR, store, account=server.account,
                                    folder=folder or config.folder, since=first, before=last, move_to=move_to)
        finally:
            store.close()
            close(imap)
    changed = "（文件夹的 UIDVALIDITY 已变化，已重新核对全部邮件）" if result.uidvalidity_changed else ""
    Console(soft_wrap=True).print(
        f"已收取 {len(result.saved)} 封新邮件到 {where / INBOX_DIR}{changed}；此前已收 {result.known} 封，"
        f"内容相同 {result.same_content} 封" + (f"；已移到“{move_to}” {result.moved} 封" if move_to else "") +
        f" [fetched {len(result.saved)} new of {result.listed} listed]", markup=False)


def check_reply_settings(master: Path, dry_run: bool) -> int:
    """Before ``intake --reply`` changes anything: the From address is set and, unless a dry
    run, the SMTP server is reached and logs in. 0, or the exit code of what failed (said
    in one line): nothing was taken in then."""
    from addin.mail.servers import close, connect_smtp, require, require_from

    try:
        config = mail_config(master.parent)
        require_from(config)
        if not dry_run:
            close(connect_smtp(require(config.smtp, "smtp")))
    except MailError as exc:
        Console(soft_wrap=True, stderr=True).print(f"{exc}；未接收任何文件 [nothing was taken in]", markup=False)
        return exc.code
    except FileIssuesError as exc:
        Console(soft_wrap=True, stderr=True).print(str(exc), markup=False)
        return EXIT_SETTINGS
    return 0


def reply_to_senders(result, master: Path, inbox: Path, year: int, dry_run: bool) -> int:
    """``intake --reply``: one reply per received message, saying what its files got when
    first taken in (a dry run: what they would get); the exit code of the replies."""
    from addin.intake.store import Store, archive_path
    from addin.mail.outbox import send_messages, write_messages
    from addin.mail.replies import compose_replies, messages_to_answer
    from addin.mail.servers import close, connect_smtp, require, require_from
    from addin.office.settings import load_settings

    console = Console(soft_wrap=True)
    try:
        config = mail_config(master.parent)
        mail_from = require_from(config)
        store = Store(archive_path(master))
        try:
            replies, problems = compose_replies(messages_to_answer(result, store, year), inbox, store,
                                                mail_from=mail_from, year=year,
                                                office_addresses=load_settings(master.parent).submission.office)
            for p in problems:
                console.print(p.message, markup=False)
            if dry_run:
                paths = write_messages(master.parent / OUTBOX, replies, "回复")
                console.print(f"预览：{len(paths)} 封回复已写入 {master.parent / OUTBOX}，未发送 "
                              f"[dry run: replies written, not sent]", markup=False)
                return 0
            if not replies:
                console.print("没有需要回复的邮件（已回复过的不再回复）[nothing to reply to]", markup=False)
                return 0
            smtp = connect_smtp(require(config.smtp, "smtp"))
            try:
                report = send_messages(smtp, replies, mail_from, lambda o: store.record_reply(
                    o.key, o.source, ", ".join(o.recipients), o.message["Message-ID"], o.in_reply_to,
                    list(o.submissions)))
            finally:
                close(smtp)
        finally:
            store.close()
    except MailError as exc:
        Console(soft_wrap=True, stderr=True).print(str(exc), markup=False)
        return exc.code
    except FileIssuesError as exc:
        Console(soft_wrap=True, stderr=True).print(str(exc), markup=False)
        return EXIT_SETTINGS
    except (OSError, sqlite3.Error) as exc:
        failure = environment_failure(exc, master.parent)
        if failure is None:
            raise
        saved = ("（这是预览：没有接收任何文件）[a dry run: nothing was taken in]" if dry_run else
                 "（本次接收结果已保存在汇总工作簿和回执中）[the intake itself is saved]")
        Console(soft_wrap=True, stderr=True).print(f"回复未能写入或记录：{failure}{saved}", markup=False)
        return EXIT_ENVIRONMENT
    for out, answer in report.refused:
        console.print(f"回复未能发出（{out.source}）：发件服务器拒收 {answer} [refused]", markup=False)
    console.print(f"已回复 {len(report.sent)} 封邮件 [replied to {len(report.sent)} messages]", markup=False)
    return EXIT_SERVER if report.refused else 0


def remind(
    before: str = typer.Option(..., "--before", help="报送截止日期，如 2027-01-15 [the deadline]"),
    send: bool = typer.Option(False, "--send", help="通过发件服务器发送；不加此项只写入 发件箱（预览） 文件夹 "
                              "[send over SMTP; without it, write .eml files only]"),
    year_dir: Path = typer.Option(None, "--year-dir", help="年度文件夹（省略为当前文件夹）[the year folder]"),
    year: int = typer.Option(None, help="考核年度：年度文件夹的年度，给出时须一致 [the folder's year]"),
    half_year: bool = typer.Option(False, "--half-year", help="催报半年工作报告（备案）：尚未报送的市直部门 "
                                   "[remind departments that have filed no half-year report]"),
) -> None:
    """给尚未报送的单位写催报邮件，列出未报送的材料和截止日期 [remind units that have not sent].

    Addresses are the roster's 报送邮箱 (the master's 部门 and 区市 tables). Without --send
    the messages are written as .eml files into 发件箱（预览） for a look first.

    Exit codes as kaohe fetch (6: some reminder was refused).

    Example: kaohe remind --before 2027-01-15 --send
    """
    from addin.intake.filing import REPORT
    from addin.intake.run import make_context, missing_templates, open_store
    from addin.mail.servers import close, connect_smtp, require, require_from
    from addin.mail.outbox import send_messages, write_messages
    from addin.mail.reminders import compose_reminders
    from addin.office.folder import MASTER_FILE, load_schemes

    from addin.cli_common import where as locate

    at = locate(None, year_dir, year)
    if at.folder is None:
        Console().print("请在年度文件夹中运行，或用 --year-dir 指定 [not a year folder]", markup=False)
        raise typer.Exit(EXIT_SETTINGS)
    where, year = at.folder, at.year
    deadline = _day(before, "--before")
    master = where / MASTER_FILE
    console = Console(soft_wrap=True)
    with exit_on_mail_error():
        schemes = load_schemes(where)
        config = mail_config(where)
        mail_from = require_from(config)
        smtp = connect_smtp(require(config.smtp, "smtp")) if send else None  # reached before anything is written
        store = open_store(master)
        try:
            ctx = make_context(master, municipal=schemes.municipal, audit=schemes.audit, year=year, store=store)
            if half_year:  # the departments' half-year reports (备案)
                filed = {f["unit_code"] for f in store.filings(year)}
                missing = [(u.code, u.name, REPORT) for u in ctx.roster.of_type("部门") if u.code not in filed]
            else:
                missing = missing_templates(master, ctx, [])
            reminders, problems = compose_reminders(missing, ctx.roster, deadline=deadline, mail_from=mail_from,
                                                    year=year)
            for p in problems:
                console.print(p.message, markup=False)
            if not send:
                paths = write_messages(where / OUTBOX, reminders, "催报")
                console.print(f"预览：{len(paths)} 封催报邮件已写入 {where / OUTBOX}，未发送；确认后加 --send 发送 "
                              f"[dry run: written, not sent]", markup=False)
                return
            report = send_messages(smtp, reminders, mail_from, lambda o: store.record_reminder(
                o.key, o.recipients, deadline.isoformat(), list(o.missing), o.message["Message-ID"]))
        finally:
            store.close()
            if smtp is not None:
                close(smtp)
    for out, answer in report.refused:
        console.print(f"催报未能发出（{out.key}）：{answer} [refused]", markup=False)
    console.print(f"已发送催报 {len(report.sent)} 封 [sent {len(report.sent)} reminders]", markup=False)
    raise typer.Exit(EXIT_SERVER if report.refused else 0)
