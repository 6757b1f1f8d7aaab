"""=ASSESS_COMPOSITE() and =INNOVATION_BONUS(): a unit's composite and its bonus."""

from __future__ import annotations

import xlwings as xw

from udfs._cells import CALLER_DOC, CATEGORY, TIERS, cells, municipal, number


@xw.func(category=CATEGORY)
@xw.arg("business", ndim=2, doc="业务目标得分（0–70），或各业务项目得分所在区域（自动求和）")
@xw.arg("public", ndim=2, doc="公共目标得分（0–30），或各项公共目标得分的区域（按考核方案中的顺序）")
@xw.arg("bonus", doc="创新加分，≥0，省略为0")
@xw.arg("criticisms", doc="通报批评次数，非负整数，省略为0")
@xw.arg("tier", doc="部门（默认）或 区市")
@xw.arg("caller", vba="Nothing", doc=CALLER_DOC)
def ASSESS_COMPOSITE(business, public, bonus=0, criticisms=0, tier="部门", caller=None):
    """综合得分 = 业务目标 + 公共目标 + 加分 − 通报批评次数 × 每次扣分（按考核方案），保留两位小数。"""
    from addin.numbers import read_choice
    from addin.engine.units import assess_composite
    from addin.errors import InputError

    scheme = municipal(caller)
    tier_name, problem = read_choice(tier, "考核对象 tier", TIERS, field="tier")
    if problem:
        raise InputError([problem])
    result = assess_composite(getattr(scheme, tier_name), cells(business), cells(public), bonus, criticisms)
    return number(result.unwrap())


@xw.func(category=CATEGORY)
@xw.arg("projects", ndim=2, doc="创新项目名称区域（同一项目多次认定只计最高一次）")
@xw.arg("recognizers", ndim=2, doc="认定单位类别区域：业务部门 或 党委政府")
@xw.arg("levels", ndim=2, doc="认定级别区域：市、省 或 国家")
@xw.arg("caller", vba="Nothing", doc=CALLER_DOC)
def INNOVATION_BONUS(projects, recognizers, levels, caller=None):
    """创新加分合计：按认定单位类别和级别查表（业务部门4/6/8，党委政府6/8/10），同一项目不重复加分。"""
    from addin.engine.items import score_item
    from addin.errors import InputError
    from addin.problems import length_mismatch

    p, r, lv = cells(projects), cells(recognizers), cells(levels)
    for other, name in ((r, "认定单位类别 recognizers"), (lv, "级别 levels")):
        if len(other) != len(p):
            raise InputError([length_mismatch(name, len(other), "创新项目 projects", len(p), field="projects")])
    item = municipal(caller).departments.innovation_bonus
    result = score_item(item, {"records": list(zip(p, r, lv))})
    if not result.ok:
        raise InputError(result.problems)
    return number(result.score)
