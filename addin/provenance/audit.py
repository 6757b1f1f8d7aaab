"""The trace of one of the audit bureau's units (SPEC §4) as recompute computes it: the
master's 审计 row — each category's final score as intake wrote it from the unit's
审计目标考评表 (traced to the form's cells, with the item scores the engine gives them), the
一票否决 and the 自评总分 likewise, or typed by the office — then
:func:`~addin.engine.audit_year.assess_audit_year`: the score rate, the rank, the 先进集体
under the audit scheme's quota, the integrity veto and the 自评 difference; the figures are
those of the 审计排名 sheet and of the published rows of kind ``audit``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from addin.engine.audit import AuditUnitInput, score_audit_unit
from addin.engine.audit_year import AuditStanding, AuditYear, signed
from addin.intake.extract import Reader
from addin.numbers import ZERO, fmt, q2, read_number
from addin.results import AWARD
from addin.scheme.audit_columns import AUDIT_RESULT_SHEET, AUDIT_SHEET, SELF_PART, SELF_TOTAL, VETO, category_header
from addin.scheme.models import AuditScheme
from addin.workbook.identity import input_name

RANKING_ZH = {"dense": "中国式排名，并列不占名次", "competition": "并列占名次"}


def audit_figures(scheme: AuditScheme, u: AuditStanding) -> tuple[tuple[str, Any], ...]:
    """The unit's published numbers, as 审计排名 holds them: score rate (the published
    score), rank, 先进集体."""
    return ("得分率", u.rate), ("名次", u.rank), (scheme.awards.title, AWARD[u.award])


def audit_steps(scheme: AuditScheme, year: AuditYear, u: AuditStanding) -> list[str]:
    """The rule steps of one unit: its 说明 on 审计排名, the total of its category scores,
    the score rate, the rank, the quota and the selection, the veto, the 自评 difference."""
    steps = [f"说明（{AUDIT_RESULT_SHEET}）：{u.trace}"]
    if u.total is None:
        return [*steps, f"输入有误，未计算：请按“问题”表改正“{AUDIT_SHEET}”表中 {u.code} 的单元格"]
    parts = " + ".join(f"{c.id} {category_header(c)} {fmt(u.categories[c.id])}" for c in scheme.categories
                       if c.id in u.categories)
    steps.append(f"总分：{parts} = {fmt(u.total)}（“{AUDIT_SHEET}”表各类别的最终评定得分之和）")
    steps.append(f"得分率：{fmt(u.total)} ÷ 适用满分 {fmt(u.applicable_max)}（{u.type}）× {fmt(scheme.rate_base)} = "
                 f"{fmt(u.rate)}（保留两位小数，四舍五入）")
    steps.append(f"名次 {u.rank if u.rank is not None else '—'}：{len(year.units)} 个单位按得分率从高到低排名（"
                 f"{RANKING_ZH[scheme.conventions.ranking]}）")
    title = scheme.awards.title
    if year.quota is None:
        steps.append(f"限额：审计考核方案未设定{title}限额（awards.quota），只排名次、不评选")
    else:
        steps.append(f"限额：{year.quota.trace}（{year.quota.count} 个单位）；已入选 {year.selected} 个，待定 {year.tied} 个")
    steps.append(f"{title}：{AWARD[u.award]}" + (f"（{u.note}）" if u.note else ""))
    steps.append(f"一票否决：{u.veto}，不得评先" if u.veto else "一票否决：无")
    if u.difference is None:
        steps.append("自评：未填自评总分")
    elif u.difference == 0:
        steps.append(f"自评：自评总分 {fmt(u.self_total)}，与最终评定一致")
    else:
        steps.append(f"自评：最终评定 {fmt(u.total)} − 自评总分 {fmt(u.self_total)} = {signed(u.difference)}")
    return steps


def form_steps(reader: Reader, scheme: AuditScheme, unit_type: str, code: str, column: str) -> list[str]:
    """The arithmetic behind one 审计 column, from the form's cells as intake read them: a
    category's item scores and total (:func:`~addin.engine.audit.score_audit_unit`), the
    vetoing item, or the sum of the 自评 cells."""
    items = [(cat, item) for cat in scheme.categories for item in cat.items
             if item.applies_to is None or unit_type in item.applies_to]
    if column == SELF_TOTAL:
        given: list[Decimal] = []
        for cat, item in items:
            value, problem = read_number(reader.value(input_name(SELF_PART, cat.id, item.id)), item.id, lo=0,
                                         required=False)
            if value is not None and problem is None:
                given.append(value)
        if not given:
            return ["本表未填自评"]
        return [f"自评总分：各项自评得分之和 {' + '.join(fmt(v) for v in given)} = {fmt(q2(sum(given, ZERO)))}"]
    inputs = {item.id: {spec.name: reader.column(input_name(cat.id, item.id, spec.name)) if spec.type == "scores"
                        else reader.value(input_name(cat.id, item.id, spec.name)) for spec in item.inputs()}
              for cat, item in items}
    cats, _problems = score_audit_unit(scheme, AuditUnitInput(code, code, unit_type, inputs))
    names = {item.id: item.name for _cat, item in items}
    if column == VETO:
        out = [f"{s.item} {names[s.item]}：{s.trace or fmt(s.score)}" + (f"；一票否决：{s.veto}" if s.veto else "")
               for cat, item in items if item.veto is not None
               for s in cats[cat.id].items if s.item == item.id]
        return out or ["本表没有一票否决项目"]
    cat = next((c for c in scheme.categories if category_header(c) == column), None)
    if cat is None:
        return []
    scored = cats[cat.id]
    out = [f"{s.item} {names.get(s.item, '')}：{s.trace or fmt(s.score)}" for s in scored.items]
    out.append(f"{cat.id} {cat.name} 合计：{scored.trace or fmt(scored.total)}")
    return out
