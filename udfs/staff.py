"""=STAFF_TOTAL(), =DEMOCRATIC_SCORE() and =STAFF_GRADE(): the staff formulas."""

from __future__ import annotations

import xlwings as xw

from udfs._cells import CALLER_DOC, CATEGORY, municipal, number


@xw.func(category=CATEGORY)
@xw.arg("democratic", doc="民主测评得分，0–30")
@xw.arg("business", doc="业务目标得分，0–90")
@xw.arg("public", doc="公共目标得分，0–10")
@xw.arg("caller", vba="Nothing", doc=CALLER_DOC)
def STAFF_TOTAL(democratic, business, public, caller=None):
    """工作人员总分 = 民主测评 + 0.7 ×（业务目标 + 公共目标），保留两位小数（系数按考核方案）。"""
    from addin.engine.staff import staff_total_from_raw

    return number(staff_total_from_raw(municipal(caller).staff, democratic, business, public).unwrap())


@xw.func(category=CATEGORY)
@xw.arg("excellent", doc="“优秀”票数")
@xw.arg("competent", doc="“称职”票数")
@xw.arg("basic", doc="“基本称职”票数")
@xw.arg("incompetent", doc="“不称职”票数")
@xw.arg("caller", vba="Nothing", doc=CALLER_DOC)
def DEMOCRATIC_SCORE(excellent, competent, basic, incompetent, caller=None):
    """民主测评得分 = 30 × Σ(权重 × 票数) ÷ 总票数；权重按方案（优秀1、称职0.8、基本称职0.6、不称职0）。"""
    from addin.engine.staff import democratic_from_raw

    result = democratic_from_raw(municipal(caller).staff, [excellent, competent, basic, incompetent])
    return number(result.unwrap())


@xw.func(category=CATEGORY)
@xw.arg("total", doc="工作人员总分")
@xw.arg("in_quota", doc="是否在优秀名额内：TRUE/FALSE（或 是/否），省略或空白为 FALSE")
@xw.arg("complaint", doc="年度内是否被投诉、违纪违规或弄虚作假：TRUE/FALSE，省略或空白为 FALSE")
@xw.arg("caller", vba="Nothing", doc=CALLER_DOC)
def STAFF_GRADE(total, in_quota=False, complaint=False, caller=None):
    """等次：优秀（名额内且≥90）、称职（≥70）、基本称职（≥60）或 不称职；被投诉等最高为基本称职。"""
    from addin.engine.staff import grade_from_raw

    return grade_from_raw(municipal(caller).staff, total, in_quota, complaint).unwrap()
