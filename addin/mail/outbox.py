"""Messages kaohe sends (replies, reminders): over SMTP, or written as .eml files for a
dry run. What the server accepted is recorded by the caller's ``on_sent``, one message
at a time, so a failure midway leaves every sent message recorded and no unsent one."""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

from addin.mail.servers import EXIT_SERVER, MailError
from addin.workbook.atomic import write_atomically


@dataclass
class Outgoing:
    """One message to send: to whom, and what to record once the server accepted it."""

    message: EmailMessage
    recipients: list[str]
    key: str
    """The received message's hash (a reply) or the unit code (a reminder)."""
    source: str = ""
    in_reply_to: str | None = None
    submissions: tuple[int, ...] = ()
    missing: tuple[str, ...] = ()
    """The templates a reminder names (recorded with it)."""


@dataclass
class SendReport:
    sent: list[Outgoing] = field(default_factory=list)
    refused: list[tuple[Outgoing, str]] = field(default_factory=list)
    """Messages the server refused for every recipient (a 4xx or 5xx to RCPT TO), with its answer."""


def _answer(exc: smtplib.SMTPRecipientsRefused) -> str:
    parts = []
    for address, (code, text) in exc.recipients.items():
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        parts.append(f"{address}: {code} {text}")
    return "；".join(parts)[:300]


def send_messages(smtp: smtplib.SMTP, outgoing: Iterable[Outgoing], mail_from: str,
                  on_sent: Callable[[Outgoing], None]) -> SendReport:
    """Send each message; ``on_sent`` records it as soon as the server accepted it. A
    recipient refused (4xx/5xx) is reported and the others go on; a dropped connection or
    a refused message stops with :class:`MailError` (exit code 6)."""
    report = SendReport()
    for out in outgoing:
        try:
            smtp.send_message(out.message, from_addr=mail_from, to_addrs=out.recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            report.refused.append((out, _answer(exc)))
            continue
        except smtplib.SMTPResponseException as exc:
            text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
            raise MailError(EXIT_SERVER, f"发件服务器拒绝发送（{exc.smtp_code} {' '.join(str(text).split())[:200]}）；"
                                         f"已发送 {len(report.sent)} 封并已记录，其余下次重新发送 "
                                         f"[the SMTP server refused: sent ones are recorded]") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(EXIT_SERVER, f"发送时连接中断：{type(exc).__name__}: {exc}；已发送 {len(report.sent)} 封并已记录，"
                                         f"其余下次重新发送 [connection dropped: sent ones are recorded]") from None
        on_sent(out)
        report.sent.append(out)
    return report


def write_messages(folder: Path, outgoing: Iterable[Outgoing], prefix: str) -> list[Path]:
    """A dry run: each message as ``<prefix>_<key>.eml`` in ``folder`` (nothing is recorded)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for out in outgoing:
        path = folder / f"{prefix}_{out.key[:16]}.eml"
        write_atomically(path, out.message.as_bytes(policy=policy.SMTP), backup=False)
        paths.append(path)
    return paths
