"""What one file may cost to read: formula lengths, defined names, formula text, time.

A workbook that Excel, WPS or LibreOffice saved from our template stays far inside
Excel's own limits, which Microsoft documents for the file format (MS-OI29500, the notes
on ISO/IEC 29500-1, i.e. ECMA-376 Part 1):

- §2.1.1085 (§18.18.35 ``ST_Formula``): "Excel restricts the contents of this simple type
  to be at most 8192 characters" — a cell's ``f`` and a defined name's text alike;
- §2.1.568 (§18.2.5 ``definedName``): "Excel restricts the value of this attribute [name]
  to be at least 1 and at most 255 characters".

Our own limits (how many names, how much formula text in all, how long) are set well
above what the largest template needs, in :class:`~addin.intake.package.Limits`. The first
excess refuses the file, and only that file, with where it is and the limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from addin.intake.package import DEFAULT_LIMITS, Limits
from addin.problems import Problem

CHECK_EVERY = 256
"""The clock is read at every this many steps (cells, names, shared-formula children)."""

RESEND = "请用下发的原模板重新填写后发送"


class OverBudget(Exception):
    """Raised where a file exceeds its budget; carries the problem that refuses it."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def _shown(name: str) -> str:
    return name if len(name) <= 40 else name[:40] + "…"


class Budget:
    """The cost account of one file, from the moment it is opened: call :meth:`tick` in
    every loop over the file's contents, :meth:`check_formula` for every formula read,
    :meth:`charge` for formula text made from another (a shared formula's child) and
    :meth:`check_name` for every defined name. Each raises :class:`OverBudget`."""

    def __init__(self, file: str, limits: Limits = DEFAULT_LIMITS, clock: Callable[[], float] = time.monotonic):
        self.file, self.limits, self.clock = file, limits, clock
        self.deadline = clock() + limits.max_seconds
        self.formula_chars = 0
        self.names = 0
        self.name_chars = 0
        self.steps = 0

    def _refuse(self, code: str, zh: str, en: str, **where) -> OverBudget:
        return OverBudget(Problem(code, f"{zh} [{en}]", file=self.file, **where))

    def tick(self, sheet: str | None = None, cell: str | None = None, name: str | None = None) -> None:
        """One step of work at ``sheet``/``cell`` (or defined ``name``); past the deadline the
        file is refused there."""
        self.steps += 1
        if self.steps % CHECK_EVERY or self.clock() <= self.deadline:
            return
        seconds = self.limits.max_seconds
        if sheet:
            where_zh, where_en = f"（读到工作表“{sheet}”{cell or ''}）", f" (reading {sheet}!{cell or ''})"
        elif name:
            where_zh, where_en = f"（读到名称“{_shown(name)}”）", f" (reading the defined name {_shown(name)})"
        else:
            where_zh = where_en = ""
        raise self._refuse("too_slow", f"工作簿处理超过 {seconds:g} 秒仍未完成{where_zh}，远超下发模板所需，已拒收；{RESEND}",
                           f"reading the workbook took longer than {seconds:g} s{where_en}; a template takes far less",
                           sheet=sheet, cell=cell, allowed=f"≤ {seconds:g} s")

    def check_formula(self, text: str, sheet: str, cell: str) -> None:
        """A cell's formula as the file holds it (without the ``=``): at most Excel's length,
        and counted in the file's formula text."""
        limit = self.limits.max_formula_length
        if len(text) > limit:
            raise self._refuse("formula_too_long", f"单元格的公式长 {len(text)} 个字符，超过 Excel 允许的 {limit} 个字符，"
                               f"不是 Excel 保存的公式，已拒收；{RESEND}",
                               f"the formula is {len(text)} characters long, beyond Excel's limit of {limit}",
                               sheet=sheet, cell=cell, value=len(text), allowed=f"≤ {limit}")
        self.charge(len(text), sheet, cell)

    def charge(self, chars: int, sheet: str, cell: str) -> None:
        """Formula text of ``chars`` characters kept for ``sheet``/``cell``."""
        self.formula_chars += chars
        limit = self.limits.max_formula_total
        if self.formula_chars > limit:
            raise self._refuse("formula_total", f"工作簿的公式合计超过 {limit} 个字符（共享公式展开后，至此单元格），"
                               f"远多于下发模板，已拒收；{RESEND}",
                               f"the workbook's formulas (shared formulas expanded) exceed {limit} characters in all "
                               f"at this cell", sheet=sheet, cell=cell, allowed=f"≤ {limit}")

    def check_name(self, name: str, text: str) -> None:
        """A defined name and its text: Excel's lengths, and counted with the others."""
        self.names += 1
        self.name_chars += len(text)
        limits = self.limits
        fix = "请删除该名称（公式→名称管理器），或用下发的原模板重新填写后发送"
        if len(name) > limits.max_name_length:
            raise self._refuse("name_too_long", f"名称“{_shown(name)}”长 {len(name)} 个字符，超过 Excel 允许的 "
                               f"{limits.max_name_length} 个字符，已拒收；{fix}",
                               f"the defined name is {len(name)} characters long, beyond Excel's limit of "
                               f"{limits.max_name_length}", value=_shown(name), allowed=f"≤ {limits.max_name_length}")
        if len(text) > limits.max_formula_length:
            raise self._refuse("name_too_long", f"名称“{_shown(name)}”的内容长 {len(text)} 个字符，超过 Excel 允许的 "
                               f"{limits.max_formula_length} 个字符，已拒收；{fix}",
                               f"the defined name {_shown(name)} holds {len(text)} characters, beyond Excel's limit "
                               f"of {limits.max_formula_length}", value=_shown(name),
                               allowed=f"≤ {limits.max_formula_length}")
        if self.names > limits.max_names:
            raise self._refuse("too_many_names", f"工作簿定义的名称超过 {limits.max_names} 个，远多于下发模板，已拒收；{RESEND}",
                               f"the workbook defines more than {limits.max_names} names", value=_shown(name),
                               allowed=f"≤ {limits.max_names}")
        if self.name_chars > limits.max_name_total:
            raise self._refuse("name_total", f"工作簿名称的内容合计超过 {limits.max_name_total} 个字符（至名称"
                               f"“{_shown(name)}”），远多于下发模板，已拒收；{RESEND}",
                               f"the defined names hold more than {limits.max_name_total} characters in all "
                               f"(at {_shown(name)})", value=_shown(name), allowed=f"≤ {limits.max_name_total}")
        self.tick(name=name)
