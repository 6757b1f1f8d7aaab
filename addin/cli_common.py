"""What every ``kaohe`` command shares: where it works (the year folder, its master and its
year), the year's schemes, and how a failure ends — one line in Chinese with English in
brackets and an exit code, never a traceback."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import typer
from rich.console import Console

from addin.environment import EXIT_ENVIRONMENT
from addin.errors import FileIssuesError, KaoheError

EXIT_USAGE = 2
"""A wrong invocation, a missing or bad file of the office's, a check that failed."""


def say(text: str, *, err: bool = False) -> None:
    """One message, printed as plain text (no rich markup: names come from clerks)."""
    Console(soft_wrap=True, stderr=err).print(text, markup=False)


@contextlib.contextmanager
def exit_on(*errors: type[Exception], folder: Path | None = None):
    """Print a clerk-facing error (Chinese with English in brackets) and exit with 2; a
    failure of the machine (disk full, read-only folder, no permission) in ``folder`` exits
    with 3. A bad file of the office's (a scheme, 设置.yaml, 节假日.yaml) is always one of the
    errors."""
    from addin.environment import EnvironmentFailure, environment_failure

    try:
        yield
    except (FileIssuesError, *errors) as exc:
        say(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    except (OSError, EnvironmentFailure, sqlite3.Error) as exc:
        failure = exc if isinstance(exc, EnvironmentFailure) else environment_failure(exc, folder)
        if failure is None:
            raise
        say(str(failure))
        raise typer.Exit(EXIT_ENVIRONMENT) from None


def where(master: Path | None = None, year_dir: Path | None = None, year: int | None = None, *,
          need_master: bool = True, need_year: bool = True):
    """The year folder, master and year of a command (:func:`addin.office.folder.locate`),
    after the office's archive has taken in any year folder's own (made before the office).
    Exits 2 with one line when they disagree, or a needed master or year is missing."""
    from addin.archive.errors import ArchiveError
    from addin.archive.merge import merge_year_archive
    from addin.office.folder import MASTER_FILE, FolderError, locate, year_folders

    with exit_on(FolderError):
        found = locate(year_dir, master, year)
    if need_master and (found.master is None or not found.master.is_file()):
        shown = found.master if found.master is not None else Path(".").resolve()
        say(f"找不到汇总工作簿（{shown}）：请在年度文件夹中运行，或用 --year-dir 指定年度文件夹、--master 指定"
            f"汇总工作簿 {MASTER_FILE} [master not found: run in a year folder, or give --year-dir or --master]")
        raise typer.Exit(EXIT_USAGE)
    if need_year and found.year is None:
        say("无法确定考核年度：汇总工作簿中没有记录年度，请用 --year 指定，如 --year 2026 "
            "[no year: the master records none; give --year]")
        raise typer.Exit(EXIT_USAGE)
    if found.office is not None:
        with exit_on(ArchiveError, KaoheError, folder=found.office):
            folders = list(year_folders(found.office).values())  # oldest first: its secret is the office's
            if found.folder.resolve() not in {f.resolve() for f in folders}:
                folders.append(found.folder)
            for folder in folders:
                report = merge_year_archive(folder)
                for line in report.lines if report else []:
                    say(line, err=True)
    return found


def schemes(folder: Path | None):
    """The year folder's schemes (or the shipped default, said once); a bad scheme exits 2
    with the file, the path and the reason."""
    from addin.office.folder import load_schemes

    with exit_on():
        found = load_schemes(folder)
    if found.note:
        say(found.note, err=True)
    return found


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        say(f"日期格式应为 YYYY-MM-DD，如 2027-01-15，不是“{text}” [bad date]")
        raise typer.Exit(EXIT_USAGE) from None


def parse_version(text: str) -> int:
    try:
        return int(text.strip().lower().removeprefix("v"))
    except ValueError:
        say(f"版本应写作 v1、v2…，不是“{text}” [a version is written v1, v2…]")
        raise typer.Exit(EXIT_USAGE) from None
