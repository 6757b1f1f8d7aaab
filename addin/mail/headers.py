"""Headers of the messages kaohe sends, built only from validated tokens.

A reply carries text that came from a stranger: the subject it answers, the Message-ID
and References it threads to. Python's email package decodes an RFC 2047 encoded word
wherever it parses a header value, and before 3.13 / 3.12.5 / 3.11.10 (CVE-2024-6923)
it writes what that word decodes to, line breaks included: a subject holding
``=?utf-8?q?x=0D=0ABcc:_evil@example?=`` becomes a real ``Bcc:`` line. So every value
is first made a token that no parser can turn into a line break, and every message is
then serialized, parsed back with the standard parser, and compared with exactly the
headers kaohe set, before it may be sent (:func:`verify_headers`; with
``verify_generated_headers`` on as well where this Python has it).
"""

from __future__ import annotations

import re
from email import policy
from email.errors import MessageError
from email.message import EmailMessage
from email.parser import BytesParser

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_MSG_ID = re.compile(rf"<{_ATEXT}(?:\.{_ATEXT})*@(?:{_ATEXT}(?:\.{_ATEXT})*|\[[\x21-\x5a\x5e-\x7e]*\])>")
"""RFC 5322 §3.6.4 msg-id: ``<`` dot-atom-text ``@`` (dot-atom-text / no-fold-literal) ``>``."""
MAX_ID = 250
_MIME = ("mime-version", "content-type", "content-transfer-encoding")
"""The headers the email package adds to the body's part, each at most once."""


def _send_policy() -> policy.EmailPolicy:
    """SMTP policy; with ``verify_generated_headers`` where this Python has it."""
    if hasattr(policy.SMTP, "verify_generated_headers"):
        return policy.SMTP.clone(verify_generated_headers=True)
    return policy.SMTP


SEND_POLICY = _send_policy()


def header_text(text: str | None, limit: int = 120) -> str:
    """A stranger's text made safe for a header value we write: one line of printable
    characters, at most ``limit`` long, with every ``=?`` (the start of an encoded word)
    written ``=？`` so no parser decodes anything out of it."""
    one_line = "".join(ch if ch.isprintable() else " " for ch in (text or ""))
    one_line = " ".join(one_line.split()).replace("=?", "=？")
    return one_line[:limit].rstrip()


def message_id(text: str | None) -> str | None:
    """One RFC 5322 msg-id of plain ASCII and no encoded word, else None."""
    text = (text or "").strip()
    if len(text) > MAX_ID or "=?" in text or not _MSG_ID.fullmatch(text):
        return None
    return text


def message_ids(text: str | None, limit: int = 900) -> str:
    """The valid msg-ids of a References header, newest kept within ``limit`` characters."""
    ids = [m for m in (message_id(t) for t in re.findall(r"<[^<>]*>", text or "")) if m]
    kept: list[str] = []
    for one in reversed(ids):
        if sum(len(k) + 1 for k in kept) + len(one) > limit:
            break
        kept.insert(0, one)
    return " ".join(kept)


def verify_headers(msg: EmailMessage, expected: dict[str, str]) -> str | None:
    """None when ``msg``, serialized for sending and parsed back by the standard parser,
    has exactly the headers in ``expected`` (plus the body's MIME-Version, Content-Type
    and Content-Transfer-Encoding) with the same values; else what differs (the message
    must not be sent)."""
    try:
        wire = msg.as_bytes(policy=SEND_POLICY)
    except (MessageError, ValueError) as exc:  # refused by verify_generated_headers (HeaderWriteError)
        return f"{type(exc).__name__}: {exc}"
    header_block = wire.split(b"\r\n\r\n", 1)[0]
    if any(line and not line.startswith((b" ", b"\t")) and b":" not in line for line in header_block.split(b"\r\n")):
        return "a header line without a name"
    parsed = BytesParser(policy=policy.default).parsebytes(wire, headersonly=True)
    names = sorted(k.lower() for k in parsed.keys() if k.lower() not in _MIME)
    wanted = sorted(k.lower() for k in expected)
    if names != wanted or sorted(k.lower() for k in parsed.keys() if k.lower() in _MIME).count("content-type") != 1:
        return f"headers {names} are not {wanted}"
    for key, value in expected.items():
        # compared without white space: the email package's folder may move a space into a
        # fold between two encoded words, where decoding drops it (RFC 2047 §6.2)
        if "".join(str(parsed[key]).split()) != "".join(value.split()):
            return f"{key}: {str(parsed[key])!r} is not {value!r}"
    return None
