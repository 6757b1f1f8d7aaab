"""Fill built templates the way a clerk would (through the input cells), and wrap them
in mail messages: the test corpus for intake, built from real formats."""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from addin.demo import fill_workbook
from addin.intake.store import office_secret

TEST_SECRET = b"kaohe test office secret, 32 byte"
"""The office secret the tests build templates with and seed each work folder's archive
with (an office's own is random, made on first use)."""


def seed_secret(master: Path) -> bytes:
    """Give the archive beside ``master`` the tests' office secret."""
    return office_secret(master, TEST_SECRET)


def fill(template: Path, values: dict[str, Any], out: Path) -> Path:
    """Set input cells by defined name (KH_IN_…) and save as a clerk's Excel would."""
    return fill_workbook(template, values, out)


def eml(path: Path, attachments: list[tuple[str, bytes]], *, subject: str = "报送考核材料",
        sender: str = "clerk@example.gov.cn", date: dt.datetime | None = None,
        received: dt.datetime | None | bool = True, auth: str | None = None) -> Path:
    """A message as the office's server delivered it: the topmost ``Received:`` header
    carries the arrival time (``received``; True means the same as ``date``, False none),
    ``auth`` an ``Authentication-Results`` header stamped by that server."""
    msg = EmailMessage(policy=email.policy.default)
    date = date or dt.datetime(2027, 1, 10, 9, 0, tzinfo=dt.UTC)
    if received is not False:
        when = date if received is True else received
        msg["Received"] = (f"from mail.sender.example (mail.sender.example [192.0.2.10]) by mx.khb.example.gov.cn "
                           f"(Postfix) with ESMTPS id 4ABC; {email.utils.format_datetime(when)}")
    if auth:
        msg["Authentication-Results"] = f"mx.khb.example.gov.cn; {auth}"
    msg["From"] = sender
    msg["To"] = "khb@example.gov.cn"
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(date)
    msg.set_content("请查收。")
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           filename=name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(msg.as_bytes())
    return path


APPENDIX1_FULL = {
    "KH_IN_附表1_1_6_value": 1.2, "KH_IN_附表1_1_6_note": "日常表现良好",
    "KH_IN_附表1_1_1_missed_meetings": 1,
}


def outlook_msg(path: Path, attachments: list[tuple[str, bytes]], *, subject: str, sender: str,
                date: str = "Mon, 11 Jan 2027 09:00:00 +0800") -> Path:
    """An Outlook .msg (an OLE compound file with MAPI property streams), written with
    extract-msg's own OLE writer."""
    import struct

    from extract_msg import OleWriter

    def text(value: str) -> bytes:
        return value.encode("utf-16-le")

    def props(header: bytes, entries: list[tuple[int, int, bytes]]) -> bytes:
        body = b"".join(struct.pack("<II", tag, flags) + value for tag, flags, value in entries)
        return header + body

    strings = {0x001A: "IPM.Note", 0x0037: subject, 0x0C1A: sender.split("<")[0].strip(),
               0x0C1F: sender, 0x007D: f"Date: {date}\r\nFrom: {sender}\r\nSubject: {subject}\r\n"}
    writer = OleWriter()
    entries = []
    for prop, value in strings.items():
        data = text(value)
        writer.addEntry(f"__substg1.0_{prop:04X}001F", data)
        entries.append(((prop << 16) | 0x001F, 6, struct.pack("<II", len(data) + 2, 0)))
    when = email.utils.parsedate_to_datetime(date)
    filetime = int((when - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds() * 10_000_000)
    entries.append((0x00390040, 6, struct.pack("<Q", filetime)))  # PR_CLIENT_SUBMIT_TIME
    header = struct.pack("<8sIIII8s", b"\0" * 8, 0, len(attachments), 0, len(attachments), b"\0" * 8)
    writer.addEntry("__properties_version1.0", props(header, entries))
    writer.addEntry("__nameid_version1.0", storage=True)
    for stream in ("__substg1.0_00020102", "__substg1.0_00030102", "__substg1.0_00040102"):
        writer.addEntry(f"__nameid_version1.0/{stream}", b"")
    for i, (name, data) in enumerate(attachments):
        folder = f"__attach_version1.0_#{i:08X}"
        writer.addEntry(folder, storage=True)
        writer.addEntry(f"{folder}/__substg1.0_3707001F", text(name))
        writer.addEntry(f"{folder}/__substg1.0_3704001F", text(name[:12]))
        writer.addEntry(f"{folder}/__substg1.0_37010102", data)
        attach_entries = [
            (0x37050003, 6, struct.pack("<II", 1, 0)),  # PR_ATTACH_METHOD: by value
            (0x0E210003, 6, struct.pack("<II", i, 0)),  # PR_ATTACH_NUM
            (0x3707001F, 6, struct.pack("<II", len(text(name)) + 2, 0)),
            (0x37010102, 6, struct.pack("<II", len(data), 0)),
        ]
        writer.addEntry(f"{folder}/__properties_version1.0", props(b"\0" * 8, attach_entries))
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.write(str(path))
    return path
