"""Replies to senders: one message per received message, in Chinese, threaded to it.

A reply says what was received from the sender (file, unit, template, accepted / held /
rejected, every reason with its location), what to do next after a rejection, and
carries the sender's own receipt as an .xlsx (their files only, never another unit's
data or the list of units that have not sent). It goes to the address in the message's
From, never to a Reply-To, and not at all to an automatic message (Auto-Submitted,
Precedence bulk/junk/list, a mailer daemon) or to the office itself (RFC 3834).

Composing is pure: :func:`compose_replies` reads the batch's outcomes, the messages'
headers and the archive's record (so a rerun, where every file is a duplicate, composes
the same reply as the first run); :mod:`addin.mail.outbox` sends or writes them.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path

from addin.mail.headers import SEND_POLICY, message_id, message_ids, verify_headers
from addin.mail.headers import header_text as safe_text
from addin.intake.mail import header_text as mail_header_text
from addin.intake.mail import raw_header
from addin.intake.receipt import kind_label, receipt_bytes
from addin.mail.addresses import matches, sender_address
from addin.intake.run import DUPLICATE, HELD, REJECTED, STATUS_ZH, BatchResult, Outcome
from addin.intake.store import Store
from addin.mail.outbox import Outgoing
from addin.problems import Problem

_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_AUTOMATIC = ("mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply")

NEXT_STEP = {
    REJECTED: "请按上述原因修改后，使用考核办下发的原模板重新填写，回复本邮件发送（勿修改灰色锁定单元格）。",
    HELD: "发件邮箱与登记的报送邮箱不符，考核办将电话核实后放行，无需重新发送；如非本单位发送，请告知考核办。",
    DUPLICATE: "此文件此前已经收到，无需重复发送。",
}


def valid_address(address: str | None) -> str | None:
    """An address we may write to: the sender's one addr-spec (see
    :func:`addin.mail.addresses.sender_address`) when it is a plain ASCII address, else None."""
    if not address or not _ADDRESS.match(address) or len(address) > 254:
        return None
    return address


def _automatic(headers) -> bool:
    auto = (headers.get("Auto-Submitted") or "no").strip().lower()
    precedence = (headers.get("Precedence") or "").strip().lower()
    return auto != "no" or precedence in ("bulk", "junk", "list") or headers.get("List-Id") is not None


def _line(o: Outcome, record: dict | None) -> str:
    ident = o.identity
    unit = f"{ident.unit_code} {ident.unit_name}" if ident else (record or {}).get("unit", "")
    kind = kind_label(ident.template_kind) if ident else ""
    status = o.status
    reasons = list(o.reasons)
    if status == DUPLICATE and record:
        status_text = f"{STATUS_ZH[DUPLICATE]}，报送编号 {record['id']}，当时结果：{STATUS_ZH.get(record['status'], '')}"
    else:
        status_text = STATUS_ZH.get(status, status)
    lines = [f"文件：{o.envelope.file_name}"]
    if unit or kind:
        lines.append(f"单位：{unit}　模板：{kind}".rstrip("　模板："))
    lines.append(f"结果：{status_text}" + (f"（报送编号 {o.record_id}）" if o.record_id is not None else ""))
    if o.late:
        reasons.append(o.late)
    for reason in reasons:
        lines.append(f"  · {reason}")
    if status in NEXT_STEP:
        lines.append(f"下一步：{NEXT_STEP[status]}")
    return "\n   ".join(lines)


def compose_replies(result: BatchResult, inbox: Path, store: Store, *, mail_from: str, year: int,
                    office: str = "市考核办", office_addresses: tuple[str, ...] = (),
                    now: dt.datetime | None = None) -> tuple[list[Outgoing], list[Problem]]:
    """One reply per received message of this batch not replied to before (by its bytes,
    and by its Message-ID, so the same message saved twice gets one reply). No reply goes
    to the office itself: ``mail_from`` or any of ``office_addresses`` (its 考核办邮箱)."""
    now = now or dt.datetime.now(dt.UTC)
    by_source: dict[str, list[Outcome]] = {}
    for o in result.outcomes:
        if not o.envelope.loose and o.envelope.source.lower().endswith(".eml"):
            by_source.setdefault(o.envelope.source, []).append(o)
    replies: list[Outgoing] = []
    problems: list[Problem] = []
    seen_hashes: set[str] = set()
    seen_ids: set[str] = set()
    domain = mail_from.rpartition("@")[2] or "localhost"
    for source, outcomes in by_source.items():
        path = Path(inbox) / source
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        digest = hashlib.sha256(raw).hexdigest()
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        their_id = message_id(headers.get("Message-ID"))
        if digest in seen_hashes or store.replied(digest) or (their_id and (their_id in seen_ids
                                                                          or store.replied_to(their_id))):
            continue
        seen_hashes.add(digest)
        if their_id:
            seen_ids.add(their_id)
        recipient = valid_address(sender_address(headers.get_all("From") or []))
        if recipient is not None and matches(recipient, (mail_from, *office_addresses)):
            continue  # the office's own message (its register): no reply to itself
        if recipient is None or _automatic(headers) or recipient.split("@")[0].lower() in _AUTOMATIC:
            problems.append(Problem("no_reply", f"{source}：发件地址无效或为自动邮件，未回复 [no reply: the sender is "
                                                f"not a person's valid address]", severity="warning", file=source))
            continue
        records = {o.file_hash: _record(store, o.file_hash) for o in outcomes if o.status == DUPLICATE}
        subject = safe_text(mail_header_text(raw_header(headers, "Subject")))
        references = message_ids(headers.get("References"))
        body = ["您好：", "",
                f"{office}已收到您的邮件“{subject or '（无主题）'}”，共 {len(outcomes)} 个附件，处理结果如下：", ""]
        for n, o in enumerate(outcomes, start=1):
            body.append(f"{n}. " + _line(o, records.get(o.file_hash)))
            body.append("")
        body += ["附件为本次报送的回执（只列出您这封邮件中的文件）。",
                 f"本邮件由考核系统自动发送，请勿直接回复询问；如有疑问请联系{office}。", "", office,
                 now.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y年%m月%d日")]
        set_headers = {"From": mail_from, "To": recipient,
                       "Subject": f"回复：{subject}" if subject else f"{year}年度考核材料接收回执",
                       "Date": email.utils.format_datetime(now),
                       "Message-ID": email.utils.make_msgid("kaohe-reply", domain=domain)}
        if their_id:
            set_headers["In-Reply-To"] = their_id
            set_headers["References"] = f"{references} {their_id}".strip()
        set_headers["Auto-Submitted"] = "auto-replied"
        msg = EmailMessage(policy=SEND_POLICY)
        for key, value in set_headers.items():
            msg[key] = value
        msg.set_content("\n".join(body), charset="utf-8")
        receipt = receipt_bytes(BatchResult(outcomes, [], [], 0), year)  # their files only
        unit = next((o.identity.unit_code for o in outcomes if o.identity), "")
        msg.add_attachment(receipt, maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           filename=f"{year}年度考核材料接收回执{('_' + safe_text(unit, 40)) if unit else ''}.xlsx")
        wrong = verify_headers(msg, set_headers)
        if wrong:
            problems.append(Problem("reply_headers", f"{source}：回复的邮件头未通过核对，未发送 [the reply's headers did "
                                                     f"not parse back as set: {wrong[:200]}]", file=source))
            continue
        replies.append(Outgoing(msg, [recipient], digest, source, their_id,
                                tuple(o.record_id for o in outcomes if o.record_id is not None)))
    return replies, problems


def _record(store: Store, file_hash: str) -> dict | None:
    row = store.by_hash(file_hash)
    return None if row is None else {"id": row["id"], "status": row["status"], "unit": row["unit_code"] or ""}
