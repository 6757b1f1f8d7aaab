"""How an untrusted file is refused: the :class:`~addin.problems.Problem` that says why,
and the exception that carries it out of a parser.

Every module that reads a submission's bytes (``package``, ``opc``, ``markup``,
``xlsx``, ``hygiene``) refuses through here, so none of them needs another.
"""

from __future__ import annotations

from addin.problems import Problem


def refuse(code: str, zh: str, en: str, file: str, **where) -> Problem:
    """The problem that refuses ``file``: ``中文说明 [english]``, with where it is."""
    return Problem(code, f"{zh} [{en}]", file=file, **where)


class UnsafeWorkbook(Exception):
    """Raised inside parsing; carries the problem that refuses the file."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem
