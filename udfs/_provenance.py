"""Provenance for =EXPLAIN on a year folder's master: the lines of ``kaohe trace`` for one
unit's or person's input (:mod:`addin.provenance`), read from the saved master and the
office archive. One :class:`~addin.provenance.tracer.Tracer` is kept per master and per
thread, while neither the master nor the archive changes: a recalculation asks for many
cells, and the engine runs once for them. Per thread, because a tracer's SQLite connection
belongs to the thread that opened it: Excel calls from one thread, ``kaohe serve`` from its
pool of worker threads."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

CELL_CHARS = 32767
"""The most characters an Excel cell holds."""

_local = threading.local()
"""This thread's kept tracer: ``_local.kept`` is (master, stamp, tracer) or absent."""


def _stamp(*paths: Path) -> tuple:
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append((st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


def tracer_of(master: Path):
    """The tracer of a year folder's master, kept while the master and its archive stay
    as they are (the archive's -wal file included)."""
    from addin.intake.store import archive_path
    from addin.office.folder import load_schemes, recorded_year
    from addin.provenance.tracer import Tracer, TraceError

    archive = archive_path(master)
    stamp = _stamp(master, archive, Path(f"{archive}-wal"))
    kept = getattr(_local, "kept", None)
    if kept is not None and kept[0] == master and kept[1] == stamp:
        return kept[2]
    year = recorded_year(master)
    if year is None:
        raise TraceError(f"{master.name} 没有记录考核年度 [the master records no year]")
    schemes = load_schemes(master.parent)
    tracer = Tracer(master, year, schemes.municipal, schemes.audit)
    if kept is not None:
        kept[2].close()
    _local.kept = (master, stamp, tracer)
    return tracer


def source_lines(code: Any, item: Any, fullname: str | None) -> str | None:
    """The provenance of ``code``'s ``item`` (all its inputs when blank) as the text of one
    cell, or None when the workbook is in no year folder (the caller then explains an item
    score). A code that cannot be traced raises an :class:`~addin.errors.InputError`."""
    from addin.errors import InputError, KaoheError
    from addin.office.folder import MASTER_FILE, workbook_year_folder
    from addin.problems import Problem

    folder = workbook_year_folder(fullname)
    if folder is None or not (folder / MASTER_FILE).is_file():
        return None
    try:
        trace = tracer_of(folder / MASTER_FILE).trace(str(code or "").strip(), str(item).strip() if item else None)
    except KaoheError as exc:
        raise InputError([Problem("not_traced", str(exc))]) from None
    text = "\n".join(trace.lines())
    return text if len(text) <= CELL_CHARS else text[:CELL_CHARS - 1] + "…"
