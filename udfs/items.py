"""=ITEM_SCORE() and =EXPLAIN(): any scheme item, by its id and its inputs in order."""

from __future__ import annotations

import xlwings as xw

from udfs._cells import CALLER_DOC, CATEGORY, number, rules


def _score(item, inputs, caller):
    from addin.engine.items import score_item_args
    from addin.errors import InputError
    from addin.scheme.lookup import find_item

    schemes = rules(caller)
    found, problem = find_item(item, schemes.municipal, schemes.audit)
    if problem:
        raise InputError([problem])
    args = [_unwrap(v) for v in inputs]
    result = score_item_args(found, args)
    if not result.ok or result.score is None:
        raise InputError(result.problems or [_dropped(found)])
    return result


def _unwrap(value):
    """A single cell stays a scalar; a range becomes a flat list."""
    from udfs._cells import cells

    flat = cells(value)
    return flat[0] if len(flat) == 1 else flat


def _dropped(item):
    from addin.problems import Problem

    return Problem("dropped", f"{item.id} {item.name} 未下达目标，不单独计分 [no target: the item drops out]",
                   item=item.id)


@xw.func(category=CATEGORY)
@xw.arg("item", doc="项目编号，按考核方案填写，如 1.1；编号在多个附表中出现时写作 附表编号:项目编号")
@xw.arg("inputs", ndim=2, doc="该项目的输入，按方案规定的顺序依次填写（区域可作为一个输入，如 A2 的各项目得分）")
@xw.arg("caller", vba="Nothing", doc=CALLER_DOC)
def ITEM_SCORE(item, caller, *inputs):
    """按考核方案计算某一项目的得分：=ITEM_SCORE(项目编号, 输入1, 输入2, …)，输入按方案中该项目的顺序填写。"""
    return number(_score(item, inputs, caller).score)


@xw.func(category=CATEGORY)
@xw.arg("item", doc="项目编号，按考核方案填写，如 1.1；编号在多个附表中出现时写作 附表编号:项目编号")
@xw.arg("inputs", ndim=2, doc="该项目的输入，顺序同 ITEM_SCORE")
@xw.arg("caller", vba="Nothing", doc=CALLER_DOC)
def EXPLAIN(item, caller, *inputs):
    """说明某一项目得分的计算过程：=EXPLAIN(项目编号, 输入1, …)，如“40 − 2×3 = 34”。在年度文件夹的汇总工作簿中，
    =EXPLAIN(单位或人员编码, 列名) 说明该单位（人员）该项输入的来源，与 kaohe trace 相同：报送编号、文件、发件人、
    到达时间、文件哈希、模板编号、工作表和单元格，或考核办录入、上年档案；报送后改动过的值标明“汇总表中已改为 X（报送值 Y）”。
    以已保存的汇总工作簿和考核办档案为准。"""
    if not _is_item(item, caller):
        from udfs._folder import workbook_fullname
        from udfs._provenance import source_lines

        args = [_unwrap(v) for v in inputs]
        text = source_lines(item, args[0] if args else None, workbook_fullname(caller))
        if text is not None:
            return text
    return _score(item, inputs, caller).trace


def _is_item(item, caller) -> bool:
    """``item`` names an item of the schemes (a scheme item always wins over a code)."""
    from addin.scheme.lookup import find_item

    schemes = rules(caller)
    return find_item(item, schemes.municipal, schemes.audit)[1] is None
