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
from email import policy
from email.message import Message
from pathlib import Path, PurePosixPath, PureWindowsPath

from addin.intake.attachment import system_file
from addin.intake.bundle import is_bundle, open_bundle
from addin.mail.addresses import sender_address
from addin.problems import Problem

RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
MAX_DEPTH = 5
FETCH_TEMP = (".fetch-", ".tmp")
"""Prefix and suffix of the file ``kaohe fetch`` writes before renaming it to its
``<hash>.eml``: never a submission (a fetch killed midway leaves one; the next removes it)."""
MAX_PARTS = 500


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
    mailer: str | None = None
    """Who sent the message to the office: the one address of the outermost From, as the
    standard parser reads the raw header (:func:`addin.mail.addresses.sender_address`), or None
    when it names no single address. A claim, checked by the sender rules."""
    arrived: dt.datetime | None = None
    """When the office's server received it (topmost Received), or None."""
    auth_results: tuple[str, ...] = ()
    mailer_text: str | None = None
    """The outermost From decoded for display (never parsed for an address)."""
    forwarded_auth: tuple[str, ...] = ()
    """The ``Authentication-Results`` of the forwarded message the file was attached to
    (empty for a file attached to the outermost message)."""

    @property
    def arrival(self) -> dt.datetime | None:
        """When the office received the file: the office server's topmost Received time,
        else the file's time in the inbox. Never the sender's Date header."""
        return self.arrived or self.file_time

    @property
    def when(self) -> dt.datetime:
        """Ordering key for resubmissions: arrival."""
        return self.arrival or dt.datetime.min.replace(tzinfo=dt.UTC)


_UNFOLD = re.compile(r"\r?\n(?=[ \t])")


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
    text = _UNFOLD.sub("", fix_text(str(raw)))  # RFC 5322 §2.2.3: a line break before white space goes
    if "=?" in text:  # the standard parser's unstructured reading (raw 8-bit text beside words)
        try:
            text = str(policy.default.header_factory("X-Text", text))
        except (UnicodeError, LookupError, HeaderParseError, ValueError):
            pass  # keep the raw words: a wrongly labelled charset is shown, not dropped
    return text or None


def raw_header(msg: Message, name: str) -> str | None:
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
            m = _FILENAME.search(raw_header(part, header) or "")
            if m:
                return header_text(m.group(1))
    return header_text(name)


@dataclass(frozen=True)
class Delivery:
    """What the office's own side knows of a message, from the outermost message only
    (a forwarded message inside is content, not delivery)."""

    mailer: str | None = None
    """The one address of the outermost message's From (the mailbox that sent it to the
    office), or None when the From headers do not name exactly one."""
    arrived: dt.datetime | None = None
    """The time in the topmost ``Received:`` header (added by the office's server)."""
    auth_results: tuple[str, ...] = ()
    """``Authentication-Results`` headers, topmost first."""
    mailer_text: str | None = None
    """The outermost From as a person reads it (decoded; for display only)."""


def _received_time(msg: Message) -> dt.datetime | None:
    """The date after the last ";" of the topmost Received header (RFC 5321 §4.4)."""
    received = msg.get_all("Received") or []
    if not received:
        return None
    _, _, stamp = str(received[0]).rpartition(";")
    try:
        return _utc(email.utils.parsedate_to_datetime(stamp.strip()))
    except (TypeError, ValueError, IndexError):
        return None


def _raw_all(msg: Message, name: str) -> list[str]:
    return [value for key, value in msg.raw_items() if key.lower() == name.lower()]


def _auth_results(msg: Message) -> tuple[str, ...]:
    return tuple(str(h) for h in (msg.get_all("Authentication-Results") or []))


def delivery_of(msg: Message) -> Delivery:
    froms = _raw_all(msg, "From")
    return Delivery(sender_address(froms), _received_time(msg), _auth_results(msg),
                    header_text(froms[0]) if froms else None)


@dataclass
class _Budget:
    """Limits for one file: how deep forwarded messages nest and how many parts are read."""

    parts: int = MAX_PARTS
    exceeded: bool = False

    def take(self) -> bool:
        self.parts -= 1
        if self.parts < 0:
            self.exceeded = True
        return not self.exceeded


def _parts(msg: Message, budget: _Budget):
    """The leaf parts and the attached messages of a message, each once (``walk`` would
    also descend into attached messages, which the caller opens itself)."""
    if msg.get_content_type() == "message/rfc822" or not msg.is_multipart():
        return
    payload = msg.get_payload()
    for part in payload if isinstance(payload, list) else []:
        if not budget.take():
            return
        if part.is_multipart() and part.get_content_type() != "message/rfc822":
            yield from _parts(part, budget)
        else:
            yield part


def _date(msg: Message) -> dt.datetime | None:
    try:
        return _utc(email.utils.parsedate_to_datetime(str(msg["Date"]))) if msg["Date"] else None
    except (TypeError, ValueError, IndexError):
        return None


def _from_message(msg: Message, source: str, delivery: Delivery, budget: _Budget,
                  depth: int = 0) -> tuple[list[Envelope], list[Problem]]:
    envelopes: list[Envelope] = []
    problems: list[Problem] = []
    sender = header_text(raw_header(msg, "From"))
    subject = header_text(raw_header(msg, "Subject"))
    date = _date(msg)

    def nested(inner: Message) -> None:
        if depth >= MAX_DEPTH:
            problems.append(Problem("too_deep", f"转发嵌套超过{MAX_DEPTH}层，内层邮件已跳过 "
                                                f"[messages nested deeper than {MAX_DEPTH}: skipped]", file=source))
            return
        e, p = _from_message(inner, source, delivery, budget, depth + 1)
        envelopes.extend(e)
        problems.extend(p)

    leaves = list(_parts(msg, budget)) if msg.is_multipart() else ([msg] if depth == 0 and _filename(msg) else [])
    for part in leaves:
        if part.get_content_type() == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                nested(inner)
            continue
        name = _filename(part)
        if name is None and part.get_content_disposition() != "attachment":
            continue
        name = name or "（未命名附件）"
        data = part.get_payload(decode=True) or b""
        if name.lower().endswith(".eml") and data:
            nested(email.message_from_bytes(data))
            continue
        files = [(name, data)]
        if is_bundle(name, data, part.get_content_type()):  # several workbooks in one .zip
            files, unopened = open_bundle(name, data, name_problem=name_problem)
            problems.extend(p.located(file=source) if p.file is None else p for p in unopened)
        for file_name, body in files:
            envelopes.append(Envelope(file_name, body, source, sender, subject, date,
                                      content_type=None if file_name != name else part.get_content_type(),
                                      mailer=delivery.mailer, arrived=delivery.arrived,
                                      auth_results=delivery.auth_results, mailer_text=delivery.mailer_text,
                                      forwarded_auth=_auth_results(msg) if depth else ()))
    if budget.exceeded and depth == 0:
        problems.append(Problem("too_many_parts", f"邮件部件超过{MAX_PARTS}个，其余已跳过 "
                                                  f"[more than {MAX_PARTS} parts: the rest were skipped]", file=source))
    return envelopes, problems


def read_eml(path: Path) -> tuple[list[Envelope], list[Problem]]:
    msg = email.message_from_bytes(path.read_bytes())  # compat32: raw 8-bit names survive
    envelopes, problems = _from_message(msg, path.name, delivery_of(msg), _Budget())
    if not envelopes and not problems:
        subject = header_text(raw_header(msg, "Subject")) or ""
        problems.append(Problem("no_attachment", f"邮件“{subject}”没有附件 [the message has no attachment]",
                                file=path.name))
    return envelopes, problems


def read_msg(path: Path) -> tuple[list[Envelope], list[Problem]]:
    import extract_msg

    try:
        msg = extract_msg.openMsg(str(path))
    except Exception as exc:  # extract_msg raises many kinds on a damaged file
        return [], [_broken_msg(path, exc)]
    try:
        header = getattr(msg, "header", None)
        received = getattr(msg, "receivedTime", None)
        if isinstance(header, Message) and header.get("From") is not None:
            froms = _raw_all(header, "From")  # the transport headers Outlook kept, as received
        else:
            froms = [msg.sender] if msg.sender else []
        delivery = Delivery(sender_address(froms),
                            _utc(received) if isinstance(received, dt.datetime) else
                            (_received_time(header) if isinstance(header, Message) else None),
                            _auth_results(header) if isinstance(header, Message) else (),
                            header_text(froms[0]) if froms else None)
        return _from_outlook(msg, path.name, delivery, _Budget(), 0)
    except Exception as exc:  # a damaged stream found while reading attachments: this file fails alone
        return [], [_broken_msg(path, exc)]
    finally:
        msg.close()


def _broken_msg(path: Path, exc: Exception) -> Problem:
    return Problem("broken_msg", f"Outlook 邮件文件已损坏，无法读取，请重新保存后发送 [cannot read the .msg: "
                                 f"{type(exc).__name__}: {str(exc)[:200]}]", file=path.name)


def _from_outlook(msg, source: str, delivery: Delivery, budget: _Budget,
                  depth: int) -> tuple[list[Envelope], list[Problem]]:
    envelopes: list[Envelope] = []
    problems: list[Problem] = []
    date = msg.date if isinstance(msg.date, dt.datetime) else None
    for att in msg.attachments:
        if not budget.take():
            problems.append(Problem("too_many_parts", f"邮件附件超过{MAX_PARTS}个，其余已跳过 "
                                                      f"[more than {MAX_PARTS} parts: the rest were skipped]",
                                    file=source))
            break
        data = att.data
        if hasattr(data, "attachments"):  # an attached (forwarded) message
            if depth < MAX_DEPTH:
                e, p = _from_outlook(data, source, delivery, budget, depth + 1)
                envelopes += e
                problems += p
            else:
                problems.append(Problem("too_deep", f"转发嵌套超过{MAX_DEPTH}层，内层邮件已跳过 "
                                                    f"[messages nested deeper than {MAX_DEPTH}: skipped]", file=source))
            continue
        name = att.longFilename or att.shortFilename or "（未命名附件）"
        envelopes.append(Envelope(name, bytes(data or b""), source, msg.sender, msg.subject, _utc(date),
                                  content_type=getattr(att, "mimetype", None), mailer=delivery.mailer,
                                  arrived=delivery.arrived, auth_results=delivery.auth_results,
                                  mailer_text=delivery.mailer_text))
    if not envelopes and not problems and depth == 0:
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
        if path.name.startswith(FETCH_TEMP[0]) and path.name.endswith(FETCH_TEMP[1]):
            continue  # a message still being (or never fully) fetched
        rel = str(path.relative_to(inbox))
        suffix = path.suffix.lower()
        stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        if path.stat().st_size == 0 or system_file(path.name):
            # lock files, owner files and empty files: listed as skipped, never parsed
            envelopes.append(Envelope(path.name, path.read_bytes(), rel, file_time=stamp, loose=True))
            continue
        try:
            if suffix == ".eml":
                e, p = read_eml(path)
            elif suffix == ".msg":
                e, p = read_msg(path)
            else:
                data = path.read_bytes()
                if is_bundle(path.name, data):
                    files, p = open_bundle(path.name, data, name_problem=name_problem)
                    e = [Envelope(name, body, rel, file_time=stamp, loose=True) for name, body in files]
                else:
                    e, p = [Envelope(path.name, data, rel, file_time=stamp, loose=True)], []
        except OSError:
            raise  # the inbox itself cannot be read: the environment, not this file
        except Exception as exc:  # any other failure is this file's alone; the batch goes on
            e, p = [], [Problem("unreadable", f"文件无法读取，已跳过，请重新保存后发送 [cannot read this file: "
                                              f"{type(exc).__name__}: {str(exc)[:200]}]", file=rel)]
        envelopes += [dataclasses.replace(env, source=rel, file_time=env.file_time or stamp) for env in e]
        problems += [pr.located(file=rel) for pr in p]
    return envelopes, problems
