"""Find the workbooks in an inbox folder: .eml messages (with forwarded messages inside),
Outlook .msg messages and loose files. Names and subjects in RFC 2047/2231 or raw
GBK/GB18030 are decoded. Nothing is written and nothing is executed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.utils
import re
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path, PurePosixPath, PureWindowsPath

from addin.intake.attachment import SKIPPED, classify_attachment
from addin.problems import Problem

RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
MAX_DEPTH = 5


@dataclass(frozen=True)
class Envelope:
    """One attached or loose file, with where it came from."""

    file_name: str
    data: bytes
    source: str
    sender: str | None = None
    subject: str | None = None
    message_date: dt.datetime | None = None
    file_time: dt.datetime | None = None
    content_type: str | None = None
    """The MIME type the sender's mailer declared (a claim, used only to sort attachments)."""
    loose: bool = False
    """A file saved straight into the inbox, not attached to a message."""

    @property
    def when(self) -> tuple[dt.datetime, dt.datetime]:
        """Ordering key for resubmissions: message date, then file time."""
        floor = dt.datetime.min.replace(tzinfo=dt.UTC)
        return (self.message_date or floor, self.file_time or floor)


def fix_text(text: str | None) -> str | None:
    """Undo raw 8-bit GBK/GB18030 that a mailer put in a header without encoding it."""
    if text is None:
        return None
    if any(0xDC80 <= ord(ch) <= 0xDCFF for ch in text):
        raw = text.encode("utf-8", "surrogateescape")
        for codec in ("utf-8", "gb18030"):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError:
                continue
    return text


def name_problem(name: str, source: str) -> Problem | None:
    """Attachment names that could point outside a folder or at a device."""
    bad = (
        "/" in name or "\\" in name or ":" in name or ".." in name or name.startswith("~")
        or PureWindowsPath(name).is_absolute() or PurePosixPath(name).is_absolute()
        or bool(RESERVED.match(name.strip())) or any(ord(c) < 32 for c in name)
    )
    if not bad:
        return None
    return Problem("dangerous_name", f"附件文件名“{name}”不安全（含路径、盘符、“..”或设备名），已拒收；请改名后重新发送 "
                                     f"[unsafe attachment name]", file=source, value=name)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def header_text(raw: object) -> str | None:
    """A header decoded from RFC 2047 words and from raw 8-bit GBK/GB18030 or UTF-8."""
    if raw is None:
        return None
    text = str(raw)
    if "=?" in text:
        try:
            text = str(make_header(decode_header(text)))
        except (UnicodeDecodeError, LookupError, HeaderParseError):
            pass  # keep the raw words: a wrongly labelled charset is shown, not dropped
    return fix_text(text) or None


def _raw(msg: Message, name: str) -> str | None:
    """A header as it was on the wire (raw 8-bit bytes kept as surrogates)."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return value
    return None


_FILENAME = re.compile(r'(?:^|;)\s*(?:file)?name\s*=\s*"?([^";]+)"?', re.IGNORECASE)


def _filename(part: Message) -> str | None:
    name = part.get_filename()  # RFC 2231 is collapsed here
    if name is not None and "\ufffd" in name:  # raw 8-bit bytes: read the header as sent
        for header in ("Content-Disposition", "Content-Type"):
            m = _FILENAME.search(_raw(part, header) or "")
            if m:
                return header_text(m.group(1))
    return header_text(name)


def _from_message(msg: Message, source: str, depth: int = 0) -> tuple[list[Envelope], list[Problem]]:
    envelopes: list[Envelope] = []
    problems: list[Problem] = []
    sender = header_text(_raw(msg, "From"))
    subject = header_text(_raw(msg, "Subject"))
    try:
        date = _utc(email.utils.parsedate_to_datetime(str(msg["Date"]))) if msg["Date"] else None
    except (TypeError, ValueError, IndexError):
        date = None
    for part in msg.walk():
        if part is msg:
            continue
        if part.get_content_type() == "message/rfc822":
            if depth >= MAX_DEPTH:
                problems.append(Problem("too_deep", "转发层数过多，已跳过 [forwarded too deeply]", file=source))
                continue
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                e, p = _from_message(inner, source, depth + 1)
                envelopes += e
                problems += p
            continue
        if part.is_multipart():
            continue
        name = _filename(part)
        if name is None and part.get_content_disposition() != "attachment":
            continue
        name = name or "（未命名附件）"
        data = part.get_payload(decode=True) or b""
        if name.lower().endswith(".eml") and depth < MAX_DEPTH:
            inner = email.message_from_bytes(data)
            e, p = _from_message(inner, source, depth + 1)
            envelopes += e
            problems += p
            continue
        envelopes.append(Envelope(name, data, source, sender, subject, date, content_type=part.get_content_type()))
    return envelopes, problems


def read_eml(path: Path) -> tuple[list[Envelope], list[Problem]]:
    msg = email.message_from_bytes(path.read_bytes())  # compat32: raw 8-bit names survive
    envelopes, problems = _from_message(msg, path.name)
    if not envelopes and not problems:
        subject = header_text(_raw(msg, "Subject")) or ""
        problems.append(Problem("no_attachment", f"邮件“{subject}”没有附件 [the message has no attachment]",
                                file=path.name))
    return envelopes, problems


def read_msg(path: Path) -> tuple[list[Envelope], list[Problem]]:
    import extract_msg

    try:
        msg = extract_msg.openMsg(str(path))
    except Exception as exc:  # extract_msg raises many kinds on a damaged file
        return [], [Problem("broken_msg", f"Outlook 邮件文件无法读取，请重新保存 [cannot read the .msg: {exc}]",
                            file=path.name)]
    try:
        return _from_outlook(msg, path.name, 0)
    finally:
        msg.close()


def _from_outlook(msg, source: str, depth: int) -> tuple[list[Envelope], list[Problem]]:
    envelopes: list[Envelope] = []
    problems: list[Problem] = []
    date = msg.date if isinstance(msg.date, dt.datetime) else None
    for att in msg.attachments:
        data = att.data
        if hasattr(data, "attachments"):  # an attached (forwarded) message
            if depth < MAX_DEPTH:
                e, p = _from_outlook(data, source, depth + 1)
                envelopes += e
                problems += p
            continue
        name = att.longFilename or att.shortFilename or "（未命名附件）"
        envelopes.append(Envelope(name, bytes(data or b""), source, msg.sender, msg.subject, _utc(date),
                                  content_type=getattr(att, "mimetype", None)))
    if not envelopes and not problems:
        problems.append(Problem("no_attachment", f"邮件“{msg.subject}”没有附件 [the message has no attachment]",
                                file=source))
    return envelopes, problems


def collect(inbox: Path) -> tuple[list[Envelope], list[Problem]]:
    """Every file in the inbox (sub-folders included, links not followed)."""
    envelopes: list[Envelope] = []
    problems: list[Problem] = []
    for path in sorted(inbox.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        rel = str(path.relative_to(inbox))
        suffix = path.suffix.lower()
        stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        if path.stat().st_size == 0 or classify_attachment(path.name, b"x").kind == SKIPPED:
            # lock files, owner files and empty files: listed as skipped, never parsed
            envelopes.append(Envelope(path.name, path.read_bytes(), rel, file_time=stamp, loose=True))
            continue
        if suffix == ".eml":
            e, p = read_eml(path)
        elif suffix == ".msg":
            e, p = read_msg(path)
        else:
            e, p = [Envelope(path.name, path.read_bytes(), rel, file_time=stamp, loose=True)], []
        envelopes += [env if env.source == rel else dataclasses.replace(env, source=rel) for env in e]
        problems += [pr.located(file=rel) for pr in p]
    return envelopes, problems
