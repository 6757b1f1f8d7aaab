"""Fetch the office mailbox over IMAP into the year folder's inbox.

Each message is saved whole as ``<hash>.eml`` (the SHA-256 of its bytes: the same message
twice is one file), written atomically, its file time set to the server's INTERNALDATE,
and recorded in the archive with its mailbox, UIDVALIDITY, UID and server time, one commit
per message. So a connection dropped midway loses nothing that was saved and fetches
nothing twice on the retry; a changed UIDVALIDITY (the folder was rebuilt) lists the
folder again, and messages already saved are recognised by their hash.

Nothing is deleted or moved on the server unless ``move_to`` is given; the folder is
opened read-only otherwise, and bodies are read with ``BODY.PEEK[]`` (no \\Seen flag).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import imaplib
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from addin.intake.mail import FETCH_TEMP
from addin.intake.store import Store
from addin.mail.servers import EXIT_SERVER, MailError, quote_mailbox

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_INTERNALDATE = re.compile(rb'INTERNALDATE "\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"')
_UID = re.compile(rb"UID (\d+)")


@dataclass
class FetchResult:
    folder: str
    uidvalidity: int
    listed: int = 0
    saved: list[str] = field(default_factory=list)
    """Files written this time."""
    known: int = 0
    """Messages listed that were fetched before."""
    same_content: int = 0
    """New UIDs whose message was already in the inbox (same hash)."""
    moved: int = 0
    uidvalidity_changed: bool = False


def imap_date(day: dt.date) -> str:
    """01-Jan-2027, whatever the locale (RFC 3501 date)."""
    return f"{day.day:02d}-{MONTHS[day.month - 1]}-{day.year}"


def parse_internaldate(response: bytes) -> dt.datetime | None:
    m = _INTERNALDATE.search(response)
    if not m or m.group(2).decode().title() not in MONTHS:
        return None
    day, mon, year, hh, mm, ss, sign, oh, om = m.groups()
    offset = dt.timedelta(hours=int(oh), minutes=int(om)) * (1 if sign == b"+" else -1)
    local = dt.datetime(int(year), MONTHS.index(mon.decode().title()) + 1, int(day), int(hh), int(mm), int(ss),
                        tzinfo=dt.timezone(offset))
    return local.astimezone(dt.UTC)


def _ok(typ: str, data, what: str) -> None:
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")[:200]
        raise MailError(EXIT_SERVER, f"收件服务器拒绝了{what}：{detail} [the IMAP server refused: {what}]")


def save_message(inbox: Path, data: bytes, server_time: dt.datetime | None) -> tuple[str, bool]:
    """Write one message as ``<hash>.eml`` atomically; (file name, newly written)."""
    digest = hashlib.sha256(data).hexdigest()
    name = f"{digest[:24]}.eml"
    path = inbox / name
    if path.exists():
        return name, False
    fd, tmp = tempfile.mkstemp(prefix=FETCH_TEMP[0], suffix=FETCH_TEMP[1], dir=inbox)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if server_time is not None:
            stamp = server_time.timestamp()
            os.utime(tmp, (stamp, stamp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return name, True


def _search(imap: imaplib.IMAP4, since: dt.date | None, before: dt.date | None) -> list[int]:
    criteria = []
    if since:
        criteria += ["SINCE", imap_date(since)]
    if before:
        criteria += ["BEFORE", imap_date(before)]
    typ, data = imap.uid("SEARCH", *(criteria or ["ALL"]))
    _ok(typ, data, "查找邮件（UID SEARCH）")
    return sorted(int(x) for x in b" ".join(d for d in data if d).split())


def _fetch_one(imap: imaplib.IMAP4, uid: int) -> tuple[bytes, dt.datetime | None]:
    typ, data = imap.uid("FETCH", str(uid), "(INTERNALDATE BODY.PEEK[])")
    _ok(typ, data, f"读取邮件 UID {uid}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            head, body = item
            found = _UID.search(head)
            if found and int(found.group(1)) != uid:
                continue
            return body, parse_internaldate(head)
    raise MailError(EXIT_SERVER, f"收件服务器没有返回邮件 UID {uid} 的内容 [no body returned for UID {uid}]")


def _move(imap: imaplib.IMAP4, uid: int, to: str, can_move: bool) -> None:
    if can_move:
        typ, data = imap.uid("MOVE", str(uid), quote_mailbox(to))
        _ok(typ, data, f"移动邮件到“{to}”")
        return
    typ, data = imap.uid("COPY", str(uid), quote_mailbox(to))
    _ok(typ, data, f"复制邮件到“{to}”")
    typ, data = imap.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)")
    _ok(typ, data, "标记已移动的邮件")
    typ, data = imap.uid("EXPUNGE", str(uid)) if b"UIDPLUS" in _capabilities(imap) else imap.expunge()
    _ok(typ, data, "清除已移动的邮件")


def _capabilities(imap: imaplib.IMAP4) -> set[bytes]:
    """What the server announced after login (imaplib keeps it as text)."""
    return {c.upper().encode() for c in imap.capabilities}


def fetch_messages(imap: imaplib.IMAP4, inbox: Path, store: Store, *, account: str, folder: str = "INBOX",
                   since: dt.date | None = None, before: dt.date | None = None, move_to: str | None = None,
                   progress: Callable[[int, int], None] | None = None) -> FetchResult:
    """Save every message of ``folder`` not fetched before (see the module docstring).

    A dropped connection or a refused command raises :class:`MailError` (exit code 6);
    what was saved before it stays saved and recorded."""
    inbox = Path(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    for stale in inbox.glob(f"{FETCH_TEMP[0]}*{FETCH_TEMP[1]}"):  # left by a fetch that was killed
        stale.unlink(missing_ok=True)
    try:
        typ, data = imap.select(quote_mailbox(folder), readonly=move_to is None)
        _ok(typ, data, f"打开文件夹“{folder}”")
        typ, validity = imap.response("UIDVALIDITY")
        if not validity or validity[0] is None:
            raise MailError(EXIT_SERVER, "收件服务器没有给出 UIDVALIDITY [no UIDVALIDITY]")
        uidvalidity = int(validity[0])
        result = FetchResult(folder, uidvalidity)
        earlier = store.uidvalidities(account, folder)
        result.uidvalidity_changed = bool(earlier) and uidvalidity not in earlier
        uids = _search(imap, since, before)
        result.listed = len(uids)
        known = store.fetched_uids(account, folder, uidvalidity)
        new = [u for u in uids if u not in known]
        result.known = len(uids) - len(new)
        can_move = move_to is not None and b"MOVE" in _capabilities(imap)
        for i, uid in enumerate(new, start=1):
            body, server_time = _fetch_one(imap, uid)
            name, written = save_message(inbox, body, server_time)
            store.record_fetch(account, folder, uidvalidity, uid, hashlib.sha256(body).hexdigest(), name,
                               server_time)
            if written:
                result.saved.append(name)
            else:
                result.same_content += 1
            if progress:
                progress(i, len(new))
        if move_to is not None:
            for uid in uids:  # the ones fetched before and not yet moved too
                _move(imap, uid, move_to, can_move)
                store.record_move(account, folder, uidvalidity, uid, move_to)
                result.moved += 1
        return result
    except imaplib.IMAP4.abort as exc:
        raise MailError(EXIT_SERVER, f"收件时连接中断：{exc}；已保存的邮件不会丢失，重新运行 kaohe fetch 继续 "
                                     f"[connection dropped: what was saved is kept; run fetch again]") from None
    except imaplib.IMAP4.error as exc:
        raise MailError(EXIT_SERVER, f"收件服务器返回错误：{exc} [IMAP error]") from None
    except (ConnectionError, TimeoutError) as exc:
        raise MailError(EXIT_SERVER, f"收件时连接中断：{type(exc).__name__}: {exc}；已保存的邮件不会丢失，重新运行 "
                                     f"kaohe fetch 继续 [connection dropped: run fetch again]") from None
