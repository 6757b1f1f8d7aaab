"""Failures of the machine rather than of a file: a full disk, a read-only folder, a
file the office may not write. Commands stop on them cleanly, with one line that says
what to do and an exit code of their own, and leave no temp file or empty database."""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from addin.errors import KaoheError

_ERRNOS = {
    errno.ENOSPC: "磁盘空间已满，请清理后重试 [no space left on the disk]",
    errno.EDQUOT: "磁盘配额已用完，请清理后重试 [disk quota exceeded]",
    errno.EROFS: "文件夹是只读的，请换到可写的文件夹后重试 [the folder is read-only]",
    errno.EACCES: "没有写入权限（文件或文件夹被设为只读或锁定），请检查权限后重试 [permission denied]",
    errno.EPERM: "操作不被允许（文件可能被锁定为不可修改），请检查后重试 [operation not permitted]",
    errno.EIO: "磁盘读写出错，请检查磁盘后重试 [input/output error]",
}
_SQLITE = {
    "database or disk is full": errno.ENOSPC,
    "disk i/o error": errno.EIO,
    "attempt to write a readonly database": errno.EROFS,
    "unable to open database file": errno.EACCES,
    "readonly database": errno.EROFS,
}


EXIT_ENVIRONMENT = 3
"""The exit code of a command the machine stopped."""


class EnvironmentFailure(KaoheError):
    """The machine stopped the command; the message is one line a clerk can act on."""


LOW_SPACE = 1 << 20


def environment_failure(exc: BaseException, folder: Path | None = None) -> EnvironmentFailure | None:
    """The environment failure behind ``exc``, or None when it is something else. SQLite
    reports a full disk as an I/O error; with ``folder`` given, little free space there
    says which it was."""
    code = None
    if isinstance(exc, OSError):
        code = exc.errno
    elif isinstance(exc, sqlite3.Error):
        text = str(exc).lower()
        code = next((c for key, c in _SQLITE.items() if key in text), None)
    if code not in _ERRNOS:
        return None
    if code == errno.EIO and folder is not None:
        try:
            if shutil.disk_usage(folder).free < LOW_SPACE:
                code = errno.ENOSPC
        except OSError:
            pass
    where = getattr(exc, "filename", None)
    suffix = f"：{where}" if where else ""
    return EnvironmentFailure(f"无法写入{suffix}；{_ERRNOS[code]}，本次未作任何更改 [nothing was changed]")


def is_environment_failure(exc: BaseException) -> bool:
    return environment_failure(exc) is not None
