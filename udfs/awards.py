"""=AWARD_QUOTA(), =RANK_IN_GROUP() and =AWARD_STATUS(): quotas, ranks and awards."""

from __future__ import annotations

import xlwings as xw

from udfs._cells import CALLER_DOC, CATEGORY, cells, municipal, shaped


@xw.func(category=CATEGORY)
@xw.arg("count", doc="参评数量，非负整数")
@xw.arg("rate", doc="比例：10%、15%、5%、8‰ 或 0.1；省略为方案中先进集体比例（10%）")
@xw.arg("rounding", doc="取整方式：四舍五入（默认）、向下取整 或 向上取整")
@xw.arg("caller", vba="Nothing", doc=CALLER_DOC)
def AWARD_QUOTA(count, rate=None, rounding=None, caller=None):
    """评先限额 = 数量 × 比例，按取整方式取整（精确计算，25 × 10% = 3，70 × 15% = 11）。"""
    from addin.engine.quota import quota_from_raw

    scheme = municipal(caller)
    result = quota_from_raw(count, rate, rounding, default_rate=scheme.departments.awards.quota.rate,
                            default_rounding=scheme.conventions.quota_rounding)
    return result.unwrap()


@xw.func(category=CATEGORY)
@xw.arg("scores", ndim=2, doc="得分列（空白行不排名）")
@xw.arg("groups", ndim=2, doc="分组列（如分口），与得分列等长；省略则全部一组")
@xw.arg("method", doc="中国式（默认，1,2,2,3）或 竞争（1,2,2,4）")
@xw.arg("caller", vba="Nothing", doc=CALLER_DOC)
def RANK_IN_GROUP(scores, groups=None, method=None, caller=None):
    """组内名次：按得分从高到低，两位小数相同为并列；返回整列名次（动态数组）。"""
    from addin.engine.ranking import rank_column

    result = rank_column(cells(scores), None if groups is None else cells(groups), method,
                         default_method=municipal(caller).conventions.ranking)
    return shaped(result.unwrap(), scores)


@xw.func(category=CATEGORY)
@xw.arg("scores", ndim=2, doc="综合得分列")
@xw.arg("groups", ndim=2, doc="分组列（如分口），与得分列等长")
@xw.arg("vetoes", ndim=2, doc="不得评先原因列：空白为可参评，否则填原因，如 安全生产、弄虚作假")
@xw.arg("rate", doc="比例，省略为方案中先进集体比例（10%）")
@xw.arg("rounding", doc="取整方式：四舍五入（默认）、向下取整 或 向上取整")
@xw.arg("caller", vba="Nothing", doc=CALLER_DOC)
def AWARD_STATUS(scores, groups, vetoes, rate=None, rounding=None, caller=None):
    """评先结果列：先进集体、待定（限额处并列）、空白（未入选）或“不得评先：原因”。"""
    from addin.engine.awards import award_status_column

    scheme = municipal(caller)
    awards = scheme.departments.awards
    result = award_status_column(cells(scores), cells(groups), cells(vetoes), rate, rounding,
                                 title=awards.title, default_rate=awards.quota.rate,
                                 default_rounding=scheme.conventions.quota_rounding)
    return shaped(result.unwrap(), scores)
