"""One assessment year end to end: tables → units → staff (with the unit-head links)
→ audit bureau. The CLI demo and, later, the recompute macro call this one function."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from addin.engine.audit import AuditResult, AuditUnitInput, assess_audit
from addin.engine.people import PeopleColumns
from addin.engine.staff import PersonInput, StaffResult, assess_staff
from addin.engine.staff_columnar import assess_staff_columnar
from addin.engine.tables import TableScore, score_table
from addin.engine.units import TierResult, UnitInput, assess_units
from addin.problems import Problem
from addin.scheme.models import AuditScheme, MunicipalScheme, Quota, UnitTier

TableInputs = Mapping[str, Mapping[str, Mapping[str, Any]]]
"""Per table id: item id → input name → raw value."""


@dataclass(frozen=True)
class YearResult:
    departments: TierResult
    districts: TierResult
    staff: StaffResult
    audit: AuditResult | None
    tables: dict[str, dict[str, TableScore]] = field(default_factory=dict)
    """Per unit code: table id → its score, for parts computed from table inputs."""

    @property
    def problems(self) -> list[Problem]:
        out = self.departments.problems + self.districts.problems + self.staff.problems
        return out + (self.audit.problems if self.audit else [])

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


def fill_from_tables(
    scheme: MunicipalScheme, tier: UnitTier, unit: UnitInput, tables: TableInputs
) -> tuple[UnitInput, dict[str, TableScore]]:
    """Replace each business or public part that has table inputs by the table's total.

    A part whose table has errors gets no value; the table's problems explain why.
    """
    business, public = dict(unit.business), dict(unit.public)
    scores: dict[str, TableScore] = {}
    for parts, values in ((tier.business, business), (tier.public, public)):
        for part in parts:
            for table_id in ([part.table] if part.table else []) + part.alternatives:
                if table_id in tables:
                    ts = score_table(scheme.table(table_id), tables[table_id], record=unit.code)
                    scores[table_id] = ts
                    values[part.name] = ts.total
    return replace(unit, business=business, public=public), scores


@contextlib.contextmanager
def paused_gc():
    """Pause the cyclic garbage collector while tens of thousands of short-lived records
    are built: nothing here makes cycles, and full collections over a large heap cost more
    than the work itself. The collector's state is restored on the way out (nesting is fine)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def assess_year(
    scheme: MunicipalScheme,
    departments: Sequence[UnitInput],
    districts: Sequence[UnitInput],
    staff: Sequence[PersonInput] | PeopleColumns,
    *,
    table_inputs: Mapping[str, TableInputs] | None = None,
    audit_scheme: AuditScheme | None = None,
    audit_units: Sequence[AuditUnitInput] = (),
    audit_quota: Quota | None = None,
    reference: bool = False,
) -> YearResult:
    """The year's results. Staff go through the columnar path
    (:func:`~addin.engine.staff_columnar.assess_staff_columnar`); ``reference=True`` takes
    the per-row reference (:func:`~addin.engine.staff.assess_staff`) instead, which gives
    the same results (tests/test_year_columnar.py)."""
    with paused_gc():
        return _assess_year(scheme, departments, districts, staff, table_inputs, audit_scheme, audit_units,
                            audit_quota, reference)


def _assess_year(scheme, departments, districts, staff, table_inputs, audit_scheme, audit_units, audit_quota,
                 reference):
    table_inputs = table_inputs or {}
    tables: dict[str, dict[str, TableScore]] = {}
    filled: dict[str, list[UnitInput]] = {"departments": [], "districts": []}
    table_problems: dict[str, list[Problem]] = {"departments": [], "districts": []}
    for name, tier, units in (("departments", scheme.departments, departments),
                              ("districts", scheme.districts, districts)):
        for unit in units:
            if unit.code in table_inputs:
                unit, scores = fill_from_tables(scheme, tier, unit, table_inputs[unit.code])
                tables[unit.code] = scores
                table_problems[name] += [p for s in scores.values() for p in s.problems]
            filled[name].append(unit)
    dept = assess_units(scheme.departments, filled["departments"], scheme.conventions)
    dist = assess_units(scheme.districts, filled["districts"], scheme.conventions)
    # Table problems come first: they explain a blank part better than "missing".
    dept = replace(dept, problems=table_problems["departments"] + dept.problems)
    dist = replace(dist, problems=table_problems["districts"] + dist.problems)
    standings = {**dept.standings, **dist.standings}
    units = {**{u.code: ("部门", u.group) for u in dept.units}, **{u.code: ("区市", None) for u in dist.units}}
    if reference:
        rows = staff.people() if isinstance(staff, PeopleColumns) else staff
        people = assess_staff(scheme.staff, rows, standings, scheme.conventions, units)
    else:
        people = assess_staff_columnar(scheme.staff, staff, standings, scheme.conventions, units)
    audit = assess_audit(audit_scheme, audit_units, audit_quota) if audit_scheme is not None else None
    return YearResult(dept, dist, people, audit, tables)
