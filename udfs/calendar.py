"""=APPEAL_DEADLINE(): the last day to lodge an appeal (复核)."""

from __future__ import annotations

import xlwings as xw

from udfs._cells import CALLER_DOC, CATEGORY, rules, to_date


@xw.func(category=CATEGORY)
@xw.arg("notified", doc="书面通知送达日期")
@xw.arg("detail", doc="可选：填 TRUE 时返回计算说明（含节假日依据）而不是日期")
@xw.arg("caller", vba="Nothing", doc=CALLER_DOC)
def APPEAL_DEADLINE(notified, detail=False, caller=None):
    """申诉截止日：通知当日不计入，期满日为法定节假日或休息日的顺延至下一工作日（含调休）。节假日依据为工作簿所在年度文件夹的
    节假日.yaml 和方案录入的国务院节假日安排，其次为 chinese-calendar；均无数据时仅按周末顺延，单元格显示为带“仅按周末顺延”说明的文字。"""
    from addin.engine.calendar import appeal_deadline

    day = to_date(notified, "通知日期 notified")
    folder = rules(caller)
    result = appeal_deadline(day, folder.municipal.appeals, folder.calendar)
    if detail is True or (isinstance(detail, str) and detail.strip().upper() in ("TRUE", "是")):
        return f"{result.date.isoformat()}：{result.trace}"
    if result.weekends_only:  # shown, not hidden: the cell says it was counted on weekends only
        return f"{result.date.isoformat()}（{result.date.year}年无节假日数据，仅按周末顺延，请核对）"
    return result.date
