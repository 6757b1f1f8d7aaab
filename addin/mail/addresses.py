"""Mailbox addresses as the office writes them: one address (``b001@example.gov.cn``) or
a whole domain (``example.gov.cn`` or ``@example.gov.cn``), several in one cell."""

from __future__ import annotations

import re
from collections.abc import Iterable
from email import errors, policy

_HARMLESS = (errors.ObsoleteHeaderDefect, errors.UndecodableBytesDefect, errors.NonASCIILocalPartDefect)
"""Defects of a From that leave no doubt which address it names."""


def split_addresses(text: str | None) -> tuple[str, ...]:
    """A 报送邮箱 cell: addresses or domains separated by commas, semicolons (either width),
    顿号 or spaces; lower-cased."""
    if not text:
        return ()
    return tuple(p.strip().lower() for p in re.split(r"[,;，；、\s]+", str(text)) if p.strip())


def matches(address: str, allowed: Iterable[str]) -> bool:
    """``address`` is one of ``allowed``: an exact address, or any address of a domain
    (subdomains are other domains)."""
    address = address.strip().lower()
    domain = address.rpartition("@")[2]
    for entry in allowed:
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry.startswith("@") or "@" not in entry:
            if domain == entry.lstrip("@"):
                return True
        elif address == entry:
            return True
    return False


def sender_address(values: list[str] | tuple[str, ...]) -> str | None:
    """The one address a message's From headers name, as every mail server, DMARC check
    and mail client reads it: the standard library's RFC 5322 parser over the **raw**
    header values (encoded words stay inside the display name, where they decode to
    text and never to an address). None unless there is exactly one From header naming
    exactly one mailbox (no group) with a local part and a domain of printable
    characters, read without a defect that makes the parser guess (an unquoted ``@`` in a
    display name, an unclosed bracket: servers and clients may read those otherwise);
    obsolete syntax (``John Q. Public``) and raw 8-bit display names are fine. Anything
    else is held by the sender check.

    ``values`` are the From headers as they were on the wire (raw 8-bit bytes kept as
    surrogates, which make the address unreadable, not another address)."""
    if len(values) != 1 or values[0] is None:
        return None
    try:
        header = policy.default.header_factory("From", str(values[0]))
    except (errors.HeaderParseError, IndexError, ValueError, TypeError, AttributeError):
        return None  # the parser refused the header, or tripped over it (3.11's parser fails on ". <a@b>")
    if len(header.groups) != 1 or header.groups[0].display_name is not None or len(header.addresses) != 1:
        return None
    if any(not isinstance(d, _HARMLESS) for d in header.defects):
        return None  # the parser guessed (``b001@x <evil@y>``): servers may read another address
    address = header.addresses[0]
    if not address.username or not address.domain:
        return None
    spec = address.addr_spec
    if not all(ch.isprintable() and not 0xDC80 <= ord(ch) <= 0xDCFF for ch in spec):
        return None
    return spec
