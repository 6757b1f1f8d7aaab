"""The archive's errors: one class every archive command catches (clerk-facing, exit 2)."""

from __future__ import annotations

from addin.errors import KaoheError


class ArchiveError(KaoheError):
    """An archive command cannot go on; the message says why and what to do."""
