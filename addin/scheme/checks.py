"""Cross-field checks of a validated scheme: totals, references, unique names.

Each check yields ``(path, reason)`` with the path of the field at fault, e.g.
``departments.public[2].points``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

from addin.numbers import fmt
from addin.scheme.items import ItemBase, SumItem
from addin.scheme.models import AuditScheme, MunicipalScheme, TargetPart

Issue = tuple[str, str]


def _sum(values) -> Decimal:
    return sum(values, Decimal(0))


def _total(path: str, what: str, got: Decimal, want: Decimal) -> Issue:
    return (
        path,
        f"{what}合计 {fmt(got)}，应为 {fmt(want)} [{what}: total is {fmt(got)}, must be {fmt(want)}]",
    )


def check_items(path: str, items: Sequence[ItemBase]) -> Iterator[Issue]:
    """Unique item ids; unique input names per item; parts sum to their item's points."""
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.id in seen:
            yield (
                f"{path}[{i}].id",
                f"项目编号 {item.id} 与第 {seen[item.id] + 1} 项重复 [duplicate item id]",
            )
        seen.setdefault(item.id, i)
        names = [spec.name for spec in item.inputs()]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            yield (
                f"{path}[{i}]",
                f"项目 {item.id} 的输入名重复：{'、'.join(dupes)} [duplicate input names]",
            )
        if isinstance(item, SumItem):
            got = _sum(p.points for p in item.parts if not p.bonus)
            if got != item.points:
                yield _total(f"{path}[{i}].parts", f"项目 {item.id} 的分项分值", got, item.points)
            yield from check_items(f"{path}[{i}].parts", item.parts)


def _check_parts(
    path: str, what: str, parts: Sequence[TargetPart], want: Decimal, scheme: MunicipalScheme, tier: str
) -> Iterator[Issue]:
    got = _sum(p.points for p in parts)
    if got != want:
        yield _total(path, what, got, want)
    table_ids = {t.id for t in scheme.tables}
    for i, part in enumerate(parts):
        refs = [(f"{path}[{i}].table", part.table)] if part.table else []
        refs += [(f"{path}[{i}].alternatives[{j}]", t) for j, t in enumerate(part.alternatives)]
        for where, table_id in refs:
            if table_id not in table_ids:
                yield (where, f"未定义的附表 {table_id} [unknown table]")
                continue
            table = scheme.table(table_id)
            if tier not in table.tiers:
                yield (where, f"{table_id} 不适用于 {tier} [table not declared for this tier]")
            if table.points != part.points:
                yield (
                    f"{path}[{i}].points",
                    f"{part.name} 为 {fmt(part.points)} 分，但 {table_id} 满分为 {fmt(table.points)} 分 "
                    f"[points differ from the table's points]",
                )


def check_municipal(scheme: MunicipalScheme) -> list[Issue]:
    issues: list[Issue] = []
    ids = [t.id for t in scheme.tables]
    for i, table in enumerate(scheme.tables):
        if ids.index(table.id) != i:
            issues.append((f"tables[{i}].id", f"附表编号 {table.id} 重复 [duplicate table id]"))
        got = _sum(item.points for item in table.items if not item.bonus)
        if got != table.points:
            issues.append(_total(f"tables[{i}].items", f"{table.id} 各项分值", got, table.points))
        issues += check_items(f"tables[{i}].items", table.items)
    for tier_name in ("departments", "districts"):
        tier = getattr(scheme, tier_name)
        business = _sum(p.points for p in tier.business)
        public = tier.total_points - business
        issues += _check_parts(f"{tier_name}.business", "业务目标", tier.business, business, scheme, tier_name)
        issues += _check_parts(f"{tier_name}.public", "公共目标", tier.public, public, scheme, tier_name)
        if business + _sum(p.points for p in tier.public) != tier.total_points:
            issues.append(
                _total(tier_name, "业务目标与公共目标", business + _sum(p.points for p in tier.public),
                       tier.total_points)
            )
    staff = scheme.staff
    got = _sum(p.points for p in staff.public_items)
    if got != staff.public_points:
        issues.append(_total("staff.public_items", "工作人员公共目标", got, staff.public_points))
    target = staff.business_points + staff.public_points
    if target != 100:
        issues.append(_total("staff.business_points", "工作人员目标分", target, Decimal(100)))
    total = staff.democratic_points + target * staff.completion_weight
    if total != 100:
        issues.append(_total("staff.completion_weight", "民主测评与目标完成情况", total, Decimal(100)))
    if not staff.vote_weights or any(not (0 <= w <= 1) for w in staff.vote_weights.values()):
        issues.append(("staff.vote_weights", "票数权重应在 0–1 之间 [vote weights must be within 0–1]"))
    g = staff.grades
    if not (g.excellent_min >= g.competent_min >= g.basic_min):
        issues.append(("staff.grades", "等次分数线应依次递减 [grade thresholds must descend]"))
    for tier_name in ("departments", "districts"):
        merit = getattr(scheme, tier_name).awards.head_merit
        if merit is not None and merit not in staff.merits:
            issues.append((f"{tier_name}.awards.head_merit", f"{merit} 不是 staff.merits 中的表彰类别"
                           f"（{'、'.join(staff.merits)}） [head_merit is not one of the merit classes]"))
    return issues


def check_audit(scheme: AuditScheme) -> list[Issue]:
    issues: list[Issue] = []
    all_ids: list[str] = []
    for i, cat in enumerate(scheme.categories):
        got = _sum(item.points for item in cat.items if not item.bonus)
        if got != cat.points:
            issues.append(_total(f"categories[{i}].items", f"{cat.id} 各项分值", got, cat.points))
        issues += check_items(f"categories[{i}].items", cat.items)
        for j, item in enumerate(cat.items):
            if item.id in all_ids:
                issues.append((f"categories[{i}].items[{j}].id", f"项目编号 {item.id} 重复 [duplicate item id]"))
            all_ids.append(item.id)
            for t in item.applies_to or []:
                if t not in scheme.unit_types:
                    issues.append(
                        (f"categories[{i}].items[{j}].applies_to", f"未知单位类型 {t} [unknown unit type]")
                    )
    got = _sum(c.points for c in scheme.categories)
    if got != scheme.total_points:
        issues.append(_total("categories", "各类别分值", got, scheme.total_points))
    return issues
