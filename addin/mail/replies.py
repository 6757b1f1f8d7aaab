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
import json
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path

from addin.mail.headers import SEND_POLICY, message_id, message_ids, verify_headers
from addin.mail.headers import header_text as safe_text
from addin.intake.mail import header_text as mail_header_text
from addin.intake.mail import raw_header
from addin.intake.receipt import ReceiptRow, kind_label, receipt_bytes
from addin.mail.addresses import matches, sender_address
from addin.intake.attachment import OTHER
from addin.intake.filing import FILED
from addin.intake.run import DUPLICATE, HELD, REJECTED, STATUS_ZH, BatchResult, Outcome
from addin.intake.store import Store
from addin.mail.outbox import Outgoing
from addin.problems import Problem

_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
PROBLEM = "problem"
"""A message's own problem (no workbook attached, a .zip that could not be opened)."""
_AUTOMATIC = ("mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply")

NEXT_STEP = {
    REJECTED: "请按上述原因修改后，使用考核办下发的原模板重新填写，回复本邮件发送（勿修改灰色锁定单元格）。",
    HELD: "本文件暂缓处理：考核办将电话核实发件人后放行，放行后即按本文件接收，无需重新发送；如非本单位发送，请告知考核办。",
    DUPLICATE: "此文件此前已经收到，无需重复发送。",
    OTHER: "这不是考核模板；如需报送考核材料，请附上考核办下发的 .xlsx 模板（可打包为 .zip）。",
    PROBLEM: "请把填好的、考核办下发的 .xlsx 模板作为附件（可打包为 .zip）回复本邮件发送。",
    FILED: "已留存备案，无需再报。",
}
STATUS_ZH_REPLY = {**STATUS_ZH, PROBLEM: "未能接收"}


@dataclass(frozen=True)
class Taken:
    """One file of a message as its sender is told: the outcome it got when first taken in."""

    file_name: str
    status: str
    reasons: tuple[str, ...] = ()
    unit: str = ""
    kind: str = ""
    number: int | None = None
    note: str | None = None
    sender: str = ""
    arrived: str = ""

    def receipt_row(self) -> ReceiptRow:
        code, _, name = self.unit.partition(" ")
        return ReceiptRow(self.number, True, self.file_name, "", self.sender, self.arrived, code, name, self.kind,
                          STATUS_ZH_REPLY.get(self.status, self.status),
                          "；".join([*self.reasons, *([self.note] if self.note else [])]))


def taken_from_outcome(o: Outcome) -> Taken:
    ident = o.identity
    return Taken(o.envelope.file_name, o.status, tuple([*o.reasons, *([o.late] if o.late else [])]),
                 f"{ident.unit_code} {ident.unit_name}" if ident else "", kind_label(ident.template_kind) if ident else "",
                 o.record_id, o.note, o.envelope.mailer or "",
                 o.envelope.arrival.strftime("%Y-%m-%d %H:%M") if o.envelope.arrival else "")


def taken_from_item(row) -> Taken:
    """An inbox item as recorded (:meth:`~addin.intake.store.Store.items`)."""
    if row["status"] == PROBLEM:
        return Taken(row["file_name"], PROBLEM, tuple(json.loads(row["reasons"] or "[]")))
    unit = f"{row['unit_code']} {row['unit_name']}" if row["unit_code"] else ""
    return Taken(row["file_name"], row["status"], tuple(json.loads(row["reasons"] or "[]")), unit,
                 kind_label(row["kind"]), row["number"], row["note"])


def messages_to_answer(result: BatchResult, store: Store, year: int) -> dict[str, list[Taken]]:
    """Each message of the year's intakes (an .eml in the inbox) with what its files got when
    first taken in: from the record, and — for a dry run, which records nothing — from this
    run's outcomes. A message replied to before is left out later (by its bytes)."""
    messages: dict[str, list[Taken]] = {}
    for row in store.items(year):
        if row["source"].lower().endswith(".eml"):
            messages.setdefault(row["source"], []).append(taken_from_item(row))
    if result.dry_run:
        for o in result.outcomes:
            if not o.envelope.loose and o.envelope.source.lower().endswith(".eml"):
                messages.setdefault(o.envelope.source, []).append(taken_from_outcome(o))
        for p in result.inbox_problems:
            if (p.file or "").lower().endswith(".eml"):
                messages.setdefault(p.file, []).append(Taken(p.code, PROBLEM, (p.message,)))
    return messages


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


def _line(t: Taken) -> str:
    if t.status == PROBLEM:
        return "\n   ".join(["未找到可接收的考核模板", *(f"  · {r}" for r in t.reasons), f"下一步：{NEXT_STEP[PROBLEM]}"])
    lines = [f"文件：{t.file_name}"]
    if t.unit or t.kind:
        lines.append(f"单位：{t.unit}　模板：{t.kind}".rstrip("　模板："))
    lines.append(f"结果：{STATUS_ZH_REPLY.get(t.status, t.status)}" +
                 (f"（报送编号 {t.number}）" if t.number is not None else ""))
    lines += [f"  · {reason}" for reason in t.reasons]
    if t.note:
        lines.append(f"  · {t.note}")
    if t.status in NEXT_STEP:
        lines.append(f"下一步：{NEXT_STEP[t.status]}")
    return "\n   ".join(lines)


def compose_replies(messages: dict[str, list[Taken]], inbox: Path, store: Store, *, mail_from: str, year: int,
                    office: str = "市考核办", office_addresses: tuple[str, ...] = (),
                    now: dt.datetime | None = None) -> tuple[list[Outgoing], list[Problem]]:
    """One reply per message (see :func:`messages_to_answer`) not replied to before (by its
    bytes, and by its Message-ID, so the same message saved twice gets one reply). No
    reply goes to the office itself: ``mail_from`` or any of ``office_addresses``."""
    now = now or dt.datetime.now(dt.UTC)
    replies: list[Outgoing] = []
    problems: list[Problem] = []
    seen_hashes: set[str] = set()
    seen_ids: set[str] = set()
    domain = mail_from.rpartition("@")[2] or "localhost"
    for source, taken in messages.items():
        path = Path(inbox) / source
        try:
            raw = path.read_bytes()
        except OSError:
            continue  # the inbox was cleaned: no headers to answer
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
        subject = safe_text(mail_header_text(raw_header(headers, "Subject")))
        references = message_ids(headers.get("References"))
        files = [t for t in taken if t.status != PROBLEM]
        said = f"共 {len(files)} 个附件" if files else "没有可接收的附件"
        body = ["您好：", "", f"{office}已收到您的邮件“{subject or '（无主题）'}”，{said}，处理结果如下：", ""]
        for n, t in enumerate(taken, start=1):
            body.append(f"{n}. " + _line(t))
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
        receipt = receipt_bytes([t.receipt_row() for t in files], year)  # their files only
        unit = next((t.unit.split(" ")[0] for t in files if t.unit), "")
        msg.add_attachment(receipt, maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           filename=f"{year}年度考核材料接收回执{('_' + safe_text(unit, 40)) if unit else ''}.xlsx")
        wrong = verify_headers(msg, set_headers)
        if wrong:
            problems.append(Problem("reply_headers", f"{source}：回复的邮件头未通过核对，未发送 [the reply's headers did "
                                                     f"not parse back as set: {wrong[:200]}]", file=source))
            continue
        replies.append(Outgoing(msg, [recipient], digest, source, their_id,
                                tuple(t.number for t in files if t.number is not None)))
    return replies, problems
