"""Roles of the staff (SPEC §3 roles): who is a unit's 主要负责人, a district's 党委正职 and
its 政府主要负责人, from the 人员 sheet's 角色 column or, in an old roster, its 主要负责人
是/否 column.

- A role's meaning depends on the unit's tier: a department has a head (主要负责人), linked to
  its award or veto; a district has a Party secretary (党委正职), outside the county-level
  assessment and its pools (seed: 县级工作人员(区〈市〉党委正职除外)), and a government head
  (政府主要负责人), who takes the district's 优秀 + 记二等功 (seed: 前2名的区(市)…政府主要负责人…
  定为优秀等次并记二等功) or its bar.
- An old 主要负责人 是 keeps its meaning for a department; in a district it cannot tell the
  secretary from the mayor, so it reads as the government head (the only role the flag ever
  linked there) with a warning asking for the 角色.
- Two government heads in one district is an error on each of them.

Pure: the names come from the scheme (:class:`~addin.scheme.models.StaffRoles`), the tiers
from the unit tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from addin.numbers import read_choice
from addin.problems import Problem
from addin.scheme.models import StaffRoles

HEAD, PARTY_SECRETARY, GOVERNMENT_HEAD = "head", "party_secretary", "government_head"
LINKED = frozenset({HEAD, GOVERNMENT_HEAD})
"""The roles linked to their unit's award or veto."""
ROLE_FIELD, HEAD_FIELD = "角色", "主要负责人"
DEPARTMENT, DISTRICT = "部门", "区市"


def role_kinds(roles: StaffRoles) -> dict[str, str]:
    """Each role's name (as the clerks write it) → its kind."""
    return {roles.head: HEAD, roles.party_secretary: PARTY_SECRETARY, roles.government_head: GOVERNMENT_HEAD}


def read_role(raw: Any, roles: StaffRoles, **where: Any) -> tuple[str | None, Problem | None]:
    """The kind of a 角色 cell (None when blank), or a problem naming the roles."""
    return read_choice(raw, ROLE_FIELD, role_kinds(roles), required=False, field=ROLE_FIELD, **where)


@dataclass(frozen=True, slots=True)
class RoleRow:
    """One person with a role, as read."""

    index: int
    code: str
    unit: str
    kind: str
    stated: bool
    """Written in the 角色 column (else an old roster's 主要负责人 是)."""

    @property
    def field(self) -> str:
        return ROLE_FIELD if self.stated else HEAD_FIELD


def resolve_roles(rows: Iterable[RoleRow], units: Mapping[str, tuple[str, str | None]], roles: StaffRoles
                  ) -> tuple[dict[int, str], list[Problem]]:
    """Each row's role in its unit's tier (by row index), and the problems, in row order
    then by district: a head of a district read as its government head (a warning); a
    district's role given to a department (an error); two government heads in one
    district (an error on each). A unit on no unit table keeps the role as written."""
    kinds: dict[int, str] = {}
    problems: list[Problem] = []
    governments: dict[str, list[RoleRow]] = defaultdict(list)
    for row in rows:
        tier = units.get(row.unit, (None, None))[0]
        kind = row.kind
        if kind == HEAD and tier == DISTRICT:
            kind = GOVERNMENT_HEAD
            problems.append(Problem(
                "role_assumed",
                f"{row.code} 为区(市)的{roles.head}，未注明是{roles.party_secretary}还是{roles.government_head}，"
                f"按{roles.government_head}计（区〈市〉党委正职不参加县级考核）；请在“{ROLE_FIELD}”列注明 "
                f"[a district head without a role is read as the government head: state the role]",
                severity="warning", record=row.code, field=row.field, value=roles.head,
                allowed=f"{roles.party_secretary}、{roles.government_head}"))
        elif kind in (PARTY_SECRETARY, GOVERNMENT_HEAD) and tier == DEPARTMENT:
            name = roles.party_secretary if kind == PARTY_SECRETARY else roles.government_head
            problems.append(Problem(
                "role_tier",
                f"{row.code} 的{ROLE_FIELD}“{name}”只适用于区(市)，{row.unit} 是市直部门：部门请填“{roles.head}” "
                f"[{name} is a district role; {row.unit} is a department: use {roles.head}]",
                record=row.code, field=row.field, value=name, allowed=roles.head))
            continue
        kinds[row.index] = kind
        if kind == GOVERNMENT_HEAD and tier == DISTRICT:
            governments[row.unit].append(row)
    for unit, heads in governments.items():
        if len(heads) < 2:
            continue
        codes = "、".join(h.code for h in heads)
        for h in heads:
            problems.append(Problem(
                "two_heads",
                f"区(市) {unit} 有{len(heads)}名{roles.government_head}（{codes}）：只能有1名，"
                f"{roles.party_secretary}请在“{ROLE_FIELD}”列填“{roles.party_secretary}” "
                f"[{len(heads)} government heads in district {unit}: only one; mark the Party secretary as "
                f"{roles.party_secretary}]",
                record=h.code, field=h.field, value=roles.government_head if h.stated else "是",
                allowed=f"每个区(市)1名{roles.government_head}"))
    return kinds, problems


def headless_awards(awarded: Mapping[str, str | None], staffed: set[str], headed: set[str],
                    units: Mapping[str, tuple[str, str | None]], roles: StaffRoles) -> list[Problem]:
    """A warning for each awarded unit (code → its head's merit) that has people on the 人员
    sheet but none in the role its award goes to: the 优秀 (and merit) would reach no one."""
    problems = []
    for unit in sorted(u for u in awarded if u in staffed and u not in headed):
        district = units.get(unit, (None, None))[0] == DISTRICT
        role = roles.government_head if district else roles.head
        merit = f"和{awarded[unit]}" if awarded[unit] else ""
        problems.append(Problem(
            "no_head",
            f"{unit} 获评先进集体，但人员表中该单位没有{role}：{role}的优秀等次{merit}无人承接，"
            f"请在“{ROLE_FIELD}”列注明 [{unit} is awarded but none of its people is its {role}]",
            severity="warning", record=unit, field="单位编码", value=unit, allowed=role))
    return problems
