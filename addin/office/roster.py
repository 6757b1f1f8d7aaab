"""The roster: which units and people a year assesses.

A roster comes from a CSV file the office keeps (``单位编码,单位名称,类别,分口`` with an
optional ``报送邮箱`` column of addresses or domains and an optional ``填报方式`` column, and,
optionally, a staff file ``人员编码,姓名,单位编码,层级,主要负责人`` with an optional ``角色``
column) or from the built-in sample. Problems in a roster file are collected with their
line numbers.

角色 names a person's role as the scheme calls it (``staff.roles``: 主要负责人, 党委正职,
政府主要负责人); recompute checks it against the scheme and the unit's tier. A file with only
主要负责人 是/否 reads as before: 是 is the unit's head (a department's 主要负责人; in a
district, read as its government head, with a warning asking for the role).
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from addin.errors import KaoheError
from addin.mail.addresses import split_addresses

UNIT_TYPES = {"部门": "departments", "区市": "districts", "科室": "audit", "县市区局": "audit"}


@dataclass(frozen=True)
class RosterUnit:
    code: str
    name: str
    type: str
    """部门, 区市, 科室 or 县市区局."""
    group: str = ""
    mailboxes: tuple[str, ...] = ()
    """报送邮箱: the addresses (or domains) the unit sends its templates from."""
    formulas: str = "addin"
    """填报方式: ``addin`` (the unit has the add-in: =ITEM_SCORE) or ``native`` (ordinary
    formulas any spreadsheet program computes)."""

    @property
    def tier(self) -> str:
        return UNIT_TYPES[self.type]


@dataclass(frozen=True)
class RosterPerson:
    code: str
    name: str
    unit: str
    level: str
    is_head: bool = False
    """A head of the unit (主要负责人 是, or any role)."""
    role: str = ""
    """角色 as the roster writes it (blank: ``is_head`` alone, an old roster)."""


@dataclass(frozen=True)
class Roster:
    units: list[RosterUnit]
    people: list[RosterPerson] = field(default_factory=list)

    def of_type(self, *types: str) -> list[RosterUnit]:
        return [u for u in self.units if u.type in types]

    def staff_of(self, unit_code: str) -> list[RosterPerson]:
        return [p for p in self.people if p.unit == unit_code]

    def groups(self) -> dict[str, list[RosterUnit]]:
        out: dict[str, list[RosterUnit]] = {}
        for u in self.of_type("部门"):
            out.setdefault(u.group, []).append(u)
        return out


def roster_key(value: object) -> str:
    """A code or name as compared with the roster: full-width/half-width folded (NFKC) and
    whitespace of any kind removed (``"P1 "`` is P1; ``"李\u3000四"`` is 李四, as clerks pad
    two-character names); whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


class RosterError(KaoheError):
    pass


FORMULA_MODES = {"": "addin", "addin": "addin", "加载项": "addin", "安装加载项": "addin",
                 "native": "native", "通用公式": "native", "通用": "native", "无加载项": "native"}
"""填报方式 as the office may write it → the template option (blank: the add-in, the default)."""


def read_formula_mode(text: str) -> str | None:
    """``addin`` or ``native`` for a 填报方式 cell; None when it is neither."""
    return FORMULA_MODES.get(unicodedata.normalize("NFKC", text or "").strip().lower())


def _rows(path: Path, headers: list[str]) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="gb18030")
    reader = csv.DictReader(text.splitlines())
    missing = [h for h in headers if h not in (reader.fieldnames or [])]
    if missing:
        raise RosterError(f"{path}: 缺少列 {'、'.join(missing)} [missing columns: {', '.join(missing)}]")
    return [(i, {k: (v or "").strip() for k, v in row.items() if k}) for i, row in enumerate(reader, start=2)]


def read_roster(units_csv: Path, staff_csv: Path | None = None) -> Roster:
    errors: list[str] = []
    units = []
    for line, row in _rows(units_csv, ["单位编码", "单位名称", "类别"]):
        if not row["单位编码"] or not row["单位名称"]:
            errors.append(f"{units_csv} 第{line}行：单位编码和单位名称必填 [code and name are required]")
        elif row["类别"] not in UNIT_TYPES:
            errors.append(f"{units_csv} 第{line}行：类别“{row['类别']}”应为 {'、'.join(UNIT_TYPES)}")
        elif read_formula_mode(row.get("填报方式", "")) is None:
            errors.append(f"{units_csv} 第{line}行：填报方式“{row['填报方式']}”应为 加载项 或 通用公式（空白为加载项）"
                          f" [填报方式 must be 加载项 (addin) or 通用公式 (native)]")
        else:
            units.append(RosterUnit(row["单位编码"], row["单位名称"], row["类别"], row.get("分口", ""),
                                    split_addresses(row.get("报送邮箱", "")),
                                    read_formula_mode(row.get("填报方式", "")) or "addin"))
    people = []
    if staff_csv is not None:
        codes = {u.code for u in units}
        for line, row in _rows(staff_csv, ["人员编码", "姓名", "单位编码", "层级"]):
            if row["单位编码"] not in codes:
                errors.append(f"{staff_csv} 第{line}行：单位编码“{row['单位编码']}”不在单位名册中 [unknown unit]")
                continue
            role = row.get("角色", "")
            head = row.get("主要负责人", "")
            if head not in ("", "是", "否"):
                errors.append(f"{staff_csv} 第{line}行：主要负责人“{head}”应为 是 或 否（空白为否） "
                              f"[主要负责人 must be 是 or 否]")
                continue
            people.append(RosterPerson(row["人员编码"], row["姓名"], row["单位编码"], row["层级"],
                                       head == "是" or bool(role), role))
    if errors:
        raise RosterError("\n".join(errors))
    return Roster(units, people)
