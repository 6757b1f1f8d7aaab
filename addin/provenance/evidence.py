"""The evidence intake keeps (issue 26 item 0): every submitted file's bytes and the message
it came in, in the office archive, content-addressed by SHA-256 (``evidence``), so a
cleaned inbox loses nothing. Listed by 报送编号, and exported as the bytes that came in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from addin.errors import KaoheError
from addin.intake.store import Store
from addin.workbook.atomic import write_atomically


class EvidenceMissing(KaoheError):
    """No submission with that 报送编号, or its bytes are not kept."""


@dataclass(frozen=True)
class Kept:
    """One submission and what the archive keeps of it."""

    number: int
    unit: str | None
    kind: str | None
    status: str
    file_name: str
    sender: str | None
    arrived_at: str | None
    file_hash: str
    file_size: int | None
    """None when the file's bytes are not kept (a rejected file, or one taken in before
    files were kept)."""
    message_hash: str | None
    message_size: int | None


def kept(store: Store, year: int) -> list[Kept]:
    """Every submission of the intake of ``year`` by 报送编号, with the sizes of its kept file
    and message (None where not kept)."""
    rows = store.db.execute(
        "SELECT s.number, s.unit_code, s.kind, s.status, s.file_name, COALESCE(s.mailer, s.sender), s.arrived_at, "
        "s.file_hash, f.size, s.message_hash, m.size FROM submissions s LEFT JOIN evidence f ON f.hash = s.file_hash "
        "LEFT JOIN evidence m ON m.hash = s.message_hash WHERE s.intake_year IS ? ORDER BY s.number", (year,))
    return [Kept(*r) for r in rows]


_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*]')


def safe_name(name: str) -> str:
    """A file name from a sender made safe to write: its last part, no path or control
    characters, no leading dot, at most 120 characters."""
    base = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return base[:120] or "file"


def export(store: Store, number: int, year: int, out: Path) -> list[Path]:
    """Write the kept file of submission ``number`` (and its message, as ``.eml``) into the
    folder ``out``, byte for byte as they came in (each checked against its hash, written
    atomically); returns the paths written."""
    row = store.db.execute("SELECT file_name, file_hash, message_hash, source FROM submissions WHERE intake_year IS ? "
                           "AND number = ?", (year, number)).fetchone()
    if row is None:
        raise EvidenceMissing(f"{year}年度没有报送编号 {number} [no submission {number} in {year}]")
    name, file_hash, message_hash, source = row
    data = store.evidence(file_hash)
    if data is None:
        raise EvidenceMissing(f"报送编号 {number}（{name}）的文件未保存在考核档案中（退回的文件不保存，或接收早于保存文件）"
                              f" [the file of submission {number} is not kept]")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / f"报送{number}_{safe_name(name)}"]
    write_atomically(written[0], data, backup=False)
    message = store.evidence(message_hash) if message_hash else None
    if message is not None:
        suffix = Path(safe_name(source)).suffix.lower() or ".eml"  # .eml, .msg, or the bundle it came in
        written.append(out / f"报送{number}_邮件{suffix}")
        write_atomically(written[1], message, backup=False)
    return written
