"""The columns of the master's audit-bureau tables, as the audit scheme decides them: the
input table 审计 (one row per division or county bureau, filled by intake from each unit's
审计目标考评表) and the result table 审计排名 that 重新计算排名 writes. One answer that the
master template, intake, the recompute macro and the archive all ask.

A category's column holds the unit's final (最终评定) score of that category; the unit's
self-assessed total (自评总分) sits beside them, for the office to compare.
"""

from __future__ import annotations

from addin.scheme.models import AuditCategory, AuditScheme

AUDIT_SHEET = "审计"
AUDIT_RESULT_SHEET = "审计排名"
KEY, NAME, TYPE = "单位编码", "单位名称", "类别"
VETO = "一票否决"
SELF_TOTAL = "自评总分"
MAILBOXES = "报送邮箱"
SELF_PART = "self"
"""The part of a defined name that marks the form's 自评 cells: ``KH_IN_self_<category>_<item>``
for an item's, ``KH_OUT_self_<category>`` and ``KH_OUT_self_total`` for the subtotals."""
AUDIT_RESULT_HEADERS = ["单位编码", "单位名称", "类别", "总分", "适用满分", "得分率", "名次", "先进集体", "自评总分", "自评差额",
                        "说明"]
"""The 审计排名 table: 自评差额 is the final total less the self-assessed one."""


def category_header(category: AuditCategory) -> str:
    """The master column of a category's final score: its name in the scheme."""
    return category.name


def audit_columns(scheme: AuditScheme) -> tuple[list[str], list[str]]:
    """(required, optional) headers of the 审计 table: code, name, 类别 (科室 or 县市区局),
    one column per category, then the veto (the vetoing item's reason, blank for none);
    the self-assessed total and the sending addresses are optional."""
    return [KEY, NAME, TYPE, *(category_header(c) for c in scheme.categories), VETO], [SELF_TOTAL, MAILBOXES]
