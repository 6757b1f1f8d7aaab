"""Replace a file so that a crash at any moment leaves either the old or the new file.

The new content goes to a temp file beside the target, is flushed to disk, the previous
file is kept as ``<stem>.bak<suffix>``, and ``os.replace`` swaps them in one step.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

HOLD_ENV = "KAOHE_HOLD_BEFORE_REPLACE"
"""Tests set this to a marker path: the writer creates it and waits, so a test can kill
the process between writing the new file and replacing the old one."""


def temp_path(target: Path) -> Path:
    return target.with_name(f".{target.stem}.{os.getpid()}.tmp{target.suffix}")


def write_atomically(target: Path, data: bytes, *, backup: bool = True) -> None:
    tmp = temp_path(target)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        commit(tmp, target, backup=backup)
    finally:
        tmp.unlink(missing_ok=True)


def commit(tmp: Path, target: Path, *, backup: bool = True) -> None:
    """Move a complete, flushed temp file over the target (keeping a backup)."""
    if backup and target.exists():
        copy = backup_path(target)
        part = copy.with_name(f".{copy.name}.{os.getpid()}.part")
        try:  # the previous backup is replaced only by a complete one
            shutil.copy2(target, part)
            with open(part, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(part, copy)
        finally:
            part.unlink(missing_ok=True)
    hold = os.environ.get(HOLD_ENV)
    if hold:
        Path(hold).write_text("ready")
        time.sleep(60)
    os.replace(tmp, target)
    _fsync_dir(target.parent)


def backup_path(target: Path) -> Path:
    return target.with_name(target.stem + ".bak" + target.suffix)


def restore_backup(target: Path) -> None:
    """Put the backup made by the last :func:`commit` back in place (a rename: it needs no
    disk space), when what followed the write failed."""
    copy = backup_path(target)
    if copy.exists():
        os.replace(copy, target)
        _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    """Flush the directory entry; not every system can open a directory (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        return
    finally:
        os.close(fd)


def remove_stale_temps(target: Path) -> None:
    """Temp files of a run that was killed before it could replace the target."""
    for tmp in target.parent.glob(f".{target.stem}.*.tmp{target.suffix}"):
        tmp.unlink(missing_ok=True)
