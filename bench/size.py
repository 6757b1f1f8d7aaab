"""The size a bench runs at, from the environment variable ``KAOHE_BENCH_SIZE``:

- ``full`` (the default, what ``make bench`` runs): the sizes whose figures the issues and
  the README quote;
- ``tiny``: the same code paths on a few rows, in seconds, so that a bench which no longer
  runs is caught by the test suite (tests/test_bench.py runs every bench so). Its figures
  mean nothing.

A bench's own command-line arguments, where it takes any, still win over either.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import TypeVar

ENV = "KAOHE_BENCH_SIZE"
SIZES = ("full", "tiny")

T = TypeVar("T")


def bench_size() -> str:
    """``full`` or ``tiny``; anything else stops the bench with what to set."""
    size = os.environ.get(ENV, "").strip().lower() or "full"
    if size not in SIZES:
        raise SystemExit(f"{ENV}={os.environ[ENV]!r}: expected one of {', '.join(SIZES)}")
    return size


def choose_size(full: T, tiny: T) -> T:
    """``full`` at the full size, ``tiny`` at the tiny one."""
    return tiny if bench_size() == "tiny" else full


def timed(work: Callable[[], object], times: int | None = None, full: int = 5) -> float:
    """The median of ``times`` runs of ``work`` in seconds (``full`` runs at the full size,
    one at the tiny size, when ``times`` is not given)."""
    runs = []
    for _ in range(times or choose_size(full, 1)):
        t0 = time.perf_counter()
        work()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)
