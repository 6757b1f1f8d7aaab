"""The columns of the master's input tables, as the scheme decides them: one answer that
the master template, intake, the recompute macro and the documents all ask. A renamed
public target or a fifth one in the scheme is a renamed or fifth column everywhere, with
no code change."""

from __future__ import annotations

from addin.scheme.models import MunicipalScheme, UnitTier

UNIT_SHEETS = {"departments": "部门", "districts": "区市"}
KEY, NAME, GROUP = "单位编码", "单位名称", "分口"
CRITICISMS, VETO, FRAUD = "通报批评次数", "一票否决", "弄虚作假"
PREVIOUS, MAILBOXES = "上年综合得分", "报送邮箱"
PROJECT = "创新项目"
STAFF_REQUIRED = ["人员编码", "姓名", "单位编码", "层级", "主要负责人", "民主测评", "业务目标", "公共目标", "投诉或违纪",
                  "情节严重"]
STAFF_OPTIONAL = ["上年等次"]


def tier_of(scheme: MunicipalScheme, tier_name: str) -> UnitTier:
    return getattr(scheme, tier_name)


def unit_columns(scheme: MunicipalScheme, tier_name: str) -> tuple[list[str], list[str]]:
    """(required, optional) headers of a tier's input table (部门 or 区市): the code and
    name, the sector group where awards go by group, every business and public part of the
    tier by its name in the scheme, then criticisms, veto and fraud; last year's composite
    and the sending addresses are optional."""
    tier = tier_of(scheme, tier_name)
    required = [KEY, NAME, *([GROUP] if tier.awards.by_group else []), *(p.name for p in tier.business),
                *(p.name for p in tier.public), CRITICISMS, VETO, FRAUD]
    return required, [PREVIOUS, MAILBOXES]


def bonus_columns(scheme: MunicipalScheme) -> list[str]:
    """The 加分登记 table: unit, project, and the innovation bonus's row and column labels."""
    bonus = scheme.departments.innovation_bonus
    return [KEY, PROJECT, bonus.row_label, bonus.column_label]
