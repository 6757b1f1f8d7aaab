"""Mailbox addresses as the office writes them: one address (``b001@example.gov.cn``) or
a whole domain (``example.gov.cn`` or ``@example.gov.cn``), several in one cell."""

from __future__ import annotations

import re
from collections.abc import Iterable


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
