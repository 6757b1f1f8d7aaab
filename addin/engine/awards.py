"""Award status for a column of scores, as the =AWARD_STATUS() formula asks for it:
groups, vetoes, a quota rate per group, 待定 for a tie at the cutoff."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from addin import problems as P
from addin.engine.computed import Computed, failed
from addin.numbers import ROUNDING_NAMES, Rounding, cents, read_choice, read_veto
from addin.engine.quota import compute_quota, read_rate
from addin.engine.ranking import read_column
from addin.engine.selection import Status, select_under_quota

INELIGIBLE_PREFIX = "不得评先："


def award_status_column(
    scores: Sequence[Any],
    groups: Sequence[Any],
    vetoes: Sequence[Any],
    rate: Any = None,
    rounding: Any = None,
    *,
    title: str,
    default_rate: Decimal,
    default_rounding: Rounding,
) -> Computed[list[str]]:
    """Per row: ``title`` (e.g. 先进集体), 待定, blank, or ``不得评先：<reason>``.

    A veto cell holds the reason (安全生产, 弄虚作假, …); blank, 否 or 无 means eligible. Each
    group's quota is rows with a score × rate, rounded as the scheme says (half-up by default).
    """
    values, keys, problems = read_column(scores, groups)
    if not problems and len(vetoes) != len(scores):
        problems.append(P.length_mismatch("否决原因 vetoes", len(vetoes), "得分 scores", len(scores),
                                          field="vetoes"))
    r, problem = read_rate(rate, "比例 rate", default_rate, field="rate")
    if problem:
        problems.append(problem)
    mode, problem = read_choice(rounding, "取整方式 rounding", ROUNDING_NAMES, default=default_rounding,
                                field="rounding")
    if problem:
        problems.append(problem)
    if problems:
        return failed(problems)
    reasons = []
    for k, v in enumerate(vetoes):
        reason, problem = read_veto(v, "否决原因", field="vetoes", record=str(k + 1))
        if problem:
            problems.append(problem)
        reasons.append(reason)
    if problems:
        return failed(problems)
    members: dict[Any, list[int]] = defaultdict(list)
    for i, value in enumerate(values):
        if value is not None:
            members[keys[i]].append(i)
    out = [""] * len(values)
    traces = []
    for group, idx in members.items():
        quota = compute_quota(len(idx), r, mode)
        sel = select_under_quota([(cents(values[i]),) for i in idx], [reasons[i] is None for i in idx], quota)
        for i, status in zip(idx, sel.statuses):
            out[i] = {Status.SELECTED: title, Status.TIED: "待定", Status.NOT_SELECTED: "",
                      Status.INELIGIBLE: f"{INELIGIBLE_PREFIX}{reasons[i]}"}[status]
        traces.append(f"{group}：限额{quota}，入选{sel.selected}，待定{sel.tied}")
    for i, value in enumerate(values):
        if value is None and reasons[i]:
            out[i] = f"{INELIGIBLE_PREFIX}{reasons[i]}"
    return Computed(out, "；".join(traces))
