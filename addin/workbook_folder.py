"""Which year folder a workbook is in, from the workbook's full path.

A template built by ``kaohe template 模板`` lives two levels down in its year folder
(``模板/<unit folder>/file.xlsx``); the master ``考核汇总.xlsx`` lives in the folder itself.
So the year folder of a workbook is the nearest folder, its own first, that holds
``考核方案.yaml``.
"""

from __future__ import annotations

import os
from pathlib import Path

from addin.yearfolder import SCHEME_FILE

MAX_LEVELS_UP = 4
"""How far above the workbook's own folder the search goes."""


def workbook_year_folder(fullname: str | os.PathLike[str] | None, *, levels_up: int = MAX_LEVELS_UP) -> Path | None:
    """The year folder of the workbook saved at ``fullname`` (Excel's ``Workbook.FullName``).

    The workbook's own folder if it holds the file ``考核方案.yaml`` (what
    :func:`addin.yearfolder.is_year_folder` asks), else the nearest of the
    ``levels_up`` folders above it that does: the master at the folder's root and a
    template under ``模板/<unit folder>/`` both find the year folder; of two nested year
    folders the inner one wins.

    None, so that the shipped default applies, when there is no local path to go by: no
    name at all, a workbook not yet saved (Excel then gives a bare name such as ``Book1``,
    which must not be read against the current folder), a web address (a OneDrive or
    SharePoint file xlwings could not map to a local folder), or a workbook outside any
    year folder. Nothing is cached: a folder made a year folder (``kaohe init``) counts on
    the next call.
    """
    if fullname is None:
        return None
    text = os.fspath(fullname)
    if not text or "://" in text or not os.path.isabs(text):
        return None
    folder = os.path.dirname(text)  # plain strings: this runs once per formula cell
    for _ in range(levels_up + 1):
        if os.path.isfile(os.path.join(folder, SCHEME_FILE)):
            return Path(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
    return None
