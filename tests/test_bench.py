"""Benches cannot rot (issue 23): every script in bench/ runs to the end at the tiny size
(``KAOHE_BENCH_SIZE=tiny``, bench/size.py) in a subprocess with the project's python and
prints its figures, and ``make bench`` names every one and runs them all to the end.

The benches are found in the folder, so a new one is covered without being listed here;
only the modules that are not benches are listed, each with its reason. The figures of a
tiny run mean nothing and are not checked (performance is measured by ``make bench``, never
in tests); that they are printed is.

native_bench.py and client_intake_bench.py drive LibreOffice (``make test`` installs it);
reader_bench.py reads the corpus (``make test`` fetches it and sets ``KAOHE_CORPUS``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"

NOT_BENCHES = {
    "analyst.py": "the analyst's pandas script: recompute_bench.py's baseline, imported, prints nothing",
    "size.py": "reads KAOHE_BENCH_SIZE for every bench, prints nothing",
}
BENCHES = sorted(p.name for p in BENCH.glob("*.py") if p.name not in NOT_BENCHES)

TIME = re.compile(r"\d\s?(?:s|ms|µs)\b")
"""A time figure: ``0.25 s``, ``16.88 ms``, ``11.8 µs``."""
RATIO = re.compile(r"\d×|[\w)]/[\w(]+ \d")
"""A ratio: ``1.7×``, or as alignment_bench.py prints it, ``align/openpyxl 0.154``."""


def run_tiny(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """``args`` run in the repository at the tiny size; the flags of a ``make test`` this
    runs under (its jobserver, its command-line variables) are not passed on."""
    inherited = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(args, cwd=ROOT, env={**inherited, "KAOHE_BENCH_SIZE": "tiny", **env},
                          capture_output=True, text=True, timeout=600)


def makefile_benches() -> list[str]:
    """The scripts the Makefile's BENCHES names, in its order."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    found = re.search(r"^BENCHES\s*:?=(.*)$", text, re.M)
    assert found, "Makefile: no BENCHES list for `make bench`"
    return found.group(1).split()


def test_not_benches__are_files_of_bench():
    """The exclusion list does not go stale: each module it names is in bench/."""
    assert {name for name in NOT_BENCHES if not (BENCH / name).is_file()} == set()
    assert len(BENCHES) >= 12, BENCHES  # the twelve benches of issue 23


@pytest.mark.parametrize("name", BENCHES)
def test_bench_script__runs_at_the_tiny_size_and_prints_its_figures(name):
    done = run_tiny([sys.executable, str(BENCH / name)])
    where = f"bench/{name} (KAOHE_BENCH_SIZE=tiny)"
    assert done.returncode == 0, f"{where} exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    assert TIME.search(done.stdout), f"{where} printed no time figure:\n{done.stdout}"
    assert RATIO.search(done.stdout), f"{where} printed no ratio:\n{done.stdout}"


def test_make_bench__lists_every_bench_once():
    listed = makefile_benches()
    assert sorted(listed) == [f"bench/{name}" for name in BENCHES], \
        f"Makefile BENCHES: add {sorted({f'bench/{n}' for n in BENCHES} - set(listed))}, " \
        f"remove {sorted(set(listed) - {f'bench/{n}' for n in BENCHES})}, once each"


def test_make_bench__runs_every_bench_to_the_end_and_fails_naming_the_failed_ones(tmp_path):
    """A bench that fails in the middle of the list: the one after it still runs, and make
    exits non-zero naming the failed one (and only it)."""
    broken = tmp_path / "broken_bench.py"
    broken.write_text('print("a first figure: 1.0 ms")\nraise SystemExit(3)\n', encoding="utf-8")
    benches = f"bench/columnar_bench.py {broken} bench/engine_bench.py"
    done = run_tiny(["make", "--no-print-directory", "run-benches", f"BENCHES={benches}",
                     f"BIN={Path(sys.executable).parent}"])
    assert done.returncode != 0, done.stdout
    assert f"{broken}: FAILED (exit 3)" in done.stdout, done.stdout
    assert "columnar core benchmark" in done.stdout and "kaohe engine benchmark" in done.stdout, done.stdout
    assert f"these benches failed: {broken}\n" in done.stderr, done.stderr


def test_bench_size__refuses_an_unknown_size():
    done = run_tiny([sys.executable, str(BENCH / "columnar_bench.py")], KAOHE_BENCH_SIZE="huge")
    assert done.returncode == 1 and "KAOHE_BENCH_SIZE='huge': expected one of full, tiny" in done.stderr, \
        (done.returncode, done.stderr)
