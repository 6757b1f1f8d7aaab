"""The year folder a server serves: its master, archive, scheme and the clerks' tokens.

One process serves one year folder (``kaohe serve`` in it); its formulas and button use the
folder's scheme, holidays and archive. The settings are read again when their file changes
(a token added while the server runs works at once).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ServedYear:
    folder: Path
    master: Path
    _tokens: tuple[tuple[int, int] | None, dict[str, str]] = field(default=(None, {}), repr=False)

    @property
    def archive(self) -> Path:
        from addin.intake.store import archive_path

        return archive_path(self.master)

    def scheme(self):
        from addin.office.folder import load_schemes

        return load_schemes(self.folder).municipal

    def tokens(self) -> dict[str, str]:
        """The clerks' token hashes from the office settings, re-read when the file changes."""
        from addin.office.settings import load_settings, settings_path

        path = settings_path(self.folder)
        try:
            st = os.stat(path)
            stamp = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp is None or stamp != self._tokens[0]:
            self._tokens = (stamp, dict(load_settings(self.folder).serve.tokens) if stamp else {})
        return self._tokens[1]


_served: list[ServedYear] = []


def serve_year(folder: Path, master: Path) -> ServedYear:
    """Make ``folder`` the year this process serves."""
    year = ServedYear(Path(folder).resolve(), Path(master).resolve())
    _served[:] = [year]
    return year


def served_year() -> ServedYear:
    if not _served:
        raise RuntimeError("no year folder is served: call addin.serve.year.serve_year first")
    return _served[0]
