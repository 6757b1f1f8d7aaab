"""The columns of the master's input tables, as the scheme decides them: one answer that
the master template, intake, the recompute macro and the documents all ask. A renamed
public target or a fifth one in the scheme is a renamed or fifth column everywhere, with
no code change."""

from __future__ import annotations

from addin.scheme.models import MunicipalScheme, TargetPart, UnitTier

UNIT_SHEETS = {"departments": "部门", "districts": "区市"}
KEY, NAME, GROUP = "单位编码", "单位名称", "分口"
CRITICISMS, VETO, FRAUD = "通报批评次数", "一票否决", "弄虚作假"
PREVIOUS, MAILBOXES = "上年综合得分", "报送邮箱"
PROJECT = "创新项目"
BONUS_SHEET = "加分登记"
STAFF_REQUIRED = ["人员编码", "姓名", "单位编码", "层级", "主要负责人", "民主测评", "业务目标", "公共目标", "投诉或违纪",
                  "情节严重"]
STAFF_OPTIONAL = ["上年等次", "角色", "推荐表彰"]
"""角色 (the roster's roles: 主要负责人, 党委正职, 政府主要负责人; blank: 主要负责人 是/否 decides) and
推荐表彰 (a merit class of the scheme) are optional, so an older master without them reads as before."""
ROLE, MERIT = "角色", "推荐表彰"


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


SOURCES_SHEET = "_kaohe_columns"
"""The master's very hidden sheet that records, for every input column the scheme names,
the scheme part it came from (:func:`column_sources`), so that a part renamed in the
scheme is known for a rename, not guessed."""
SOURCES_HEADERS = ["工作表", "列", "来源"]


def part_key(part: TargetPart, shared_tables: set[str]) -> str:
    """The stable key of a tier's part: ``table:<id>`` for a part scored on an appendix
    table (its values come from that table whatever the part is called), ``name:<name>``
    for a part without one (or whose table another part of the tier shares)."""
    if part.table and part.table not in shared_tables:
        return f"table:{part.table}"
    return f"name:{part.name}"


BONUS_KEYS = ("bonus:row", "bonus:column")


def column_sources(scheme: MunicipalScheme) -> list[tuple[str, str, str]]:
    """``(sheet, header, key)`` of every master input column the scheme names: each
    business and public part of both tiers (:func:`part_key`) and the innovation bonus's
    row and column labels on 加分登记 (``bonus:row``, ``bonus:column``). The fixed columns
    (code, name, criticisms…) are constants and are not listed."""
    out: list[tuple[str, str, str]] = []
    for tier_name, sheet in UNIT_SHEETS.items():
        tier = tier_of(scheme, tier_name)
        parts = [*tier.business, *tier.public]
        tables = [p.table for p in parts if p.table]
        shared = {t for t in tables if tables.count(t) > 1}
        out += [(sheet, p.name, part_key(p, shared)) for p in parts]
    _key, _project, row_label, column_label = bonus_columns(scheme)
    out += [(BONUS_SHEET, row_label, BONUS_KEYS[0]), (BONUS_SHEET, column_label, BONUS_KEYS[1])]
    return out
