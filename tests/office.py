"""A real LibreOffice for the tests: tests/lo_uno.py run under the system python that
has Debian's ``python3-uno`` (`make test` installs both)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

SYSTEM_PYTHON = "/usr/bin/python3"
HERE = Path(__file__).parent


def require_uno() -> None:
    """`make test` installs LibreOffice and python3-uno; missing ones are a setup failure."""
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True)
    if shutil.which("soffice") is None or probe.returncode != 0:
        pytest.fail("LibreOffice with python3-uno is required: run `make test`, which installs them")


def libreoffice(jobs: list[dict], timeout: int = 1800) -> list[dict]:
    """Run jobs in one LibreOffice process (see tests/lo_uno.py)."""
    require_uno()
    done = subprocess.run([SYSTEM_PYTHON, str(HERE / "lo_uno.py")], input=json.dumps(jobs, ensure_ascii=False),
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)
