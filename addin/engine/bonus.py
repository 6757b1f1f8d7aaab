"""The innovation bonus (创新加分): a lookup per recognized project, where one project
recognized several times counts once, at its highest value (同一项目不重复加分)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from addin import problems as P
from addin.numbers import ZERO, fmt, is_blank, read_choice
from addin.problems import Problem
from addin.scheme.items import LookupItem


def _rows(records: Iterable[Any] | None) -> list[tuple[Any, Any, Any, dict[str, Any]]]:
    """(project, row, column, where): a Mapping record may carry its own ``where``
    (e.g. the sheet row it came from) for the problems it causes."""
    rows = []
    for rec in records or ():
        if isinstance(rec, Mapping):
            rows.append((rec.get("project"), rec.get("row"), rec.get("column"), dict(rec.get("where") or {})))
        else:
            rows.append((*(tuple(rec) + (None, None, None))[:3], {}))
    return rows


def evaluate_lookup(
    item: LookupItem, records: Iterable[Any] | None, where: dict[str, Any]
) -> tuple[Decimal | None, str, list[Problem]]:
    """Score ``(project, row, column)`` records, e.g. ``("智慧审批", "党委政府", "省")``.

    Wholly blank rows are skipped (a range often ends in empty rows); a partly blank row
    is an error naming its line.
    """
    rows_by_name, cols_by_name = item.row_names(), item.column_names()
    base = {k: v for k, v in where.items() if k not in ("item", "field")}
    best: dict[str, tuple[Decimal, str]] = {}
    problems: list[Problem] = []
    for i, (project, row, col, own) in enumerate(_rows(records), start=1):
        if all(is_blank(x) for x in (project, row, col)):
            continue
        what = f"{item.name}第{i}行"
        at = {**base, **own}
        if is_blank(project):
            problems.append(P.missing(f"{what}·项目", item=item.id, field="项目", **at))
            continue
        r, p1 = read_choice(row, f"{what}·{item.row_label}", rows_by_name, item=item.id,
                            field=item.row_label, **at)
        c, p2 = read_choice(col, f"{what}·{item.column_label}", cols_by_name, item=item.id,
                            field=item.column_label, **at)
        if p1 or p2:
            problems += [p for p in (p1, p2) if p]
            continue
        value = item.table[r][c]
        name = str(project).strip()
        key = name if item.once_per_project else f"{name}#{i}"
        if key not in best or value > best[key][0]:
            best[key] = (value, f"{name}（{r}·{c}）{fmt(value)}")
    if problems:
        return None, "", problems
    if not best:
        return ZERO, "无加分", []
    total = sum((v for v, _ in best.values()), ZERO)
    text = "；".join(t for _, t in best.values()) + f" = {fmt(total)}"
    if item.cap is not None and total > item.cap:
        return item.cap, f"{text} → 最多 {fmt(item.cap)}", []
    return total, text, []
