"""The two scheme formats: the municipal scheme and the audit bureau's scheme.

Field comments marked *default* are readings of SPEC where the seed is silent; they are
fields so the assessment office can change them without touching code.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from addin.numbers import Rounding
from addin.scheme.base import Dec, Rate, Strict
from addin.scheme.holidays import HolidayYear
from addin.scheme.items import Item, LookupItem

RankMethod = Literal["dense", "competition"]


class Conventions(Strict):
    ranking: RankMethod = "dense"
    """*default* 中国式排名 (1, 2, 2, 3); ``competition`` gives 1, 2, 2, 4."""
    quota_rounding: Rounding = "half_up"
    """*default* 四舍五入."""


class Quota(Strict):
    """A quota: a rate of the candidates (rounded) or a fixed count (top 2)."""

    rate: Rate | None = None
    count: int | None = Field(default=None, ge=0)
    rounding: Rounding | None = None
    """None: the scheme's ``conventions.quota_rounding``."""
    minimum: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _one(self) -> Quota:
        if (self.rate is None) == (self.count is None):
            raise ValueError("限额须且只能给出 rate 或 count 之一 [give exactly one of rate, count]")
        if self.rate is not None and not (0 <= self.rate <= 1):
            raise ValueError(f"比例 {self.rate} 应在 0–1 之间 [rate must be within 0–1]")
        return self


class Table(Strict):
    """An appendix table (附表N): items scored by one body, summing to its points."""

    id: str
    title: str
    scored_by: str
    tiers: list[Literal["departments", "districts"]] = Field(min_length=1)
    points: Dec = Field(gt=0)
    cap_total: bool = True
    """*default* a table's total never exceeds its points (百分制)."""
    rescale_dropped: bool = False
    """Indicators with no target drop out; their points follow the average score rate."""
    note: str = ""
    items: list[Item] = Field(min_length=1)


class TargetPart(Strict):
    """A scored part of a unit's 100 points: a business part or a public target."""

    name: str
    points: Dec = Field(gt=0)
    scored_by: str = ""
    table: str | None = None
    """The appendix table that scores it; None when itemized per unit (目标责任书)."""
    alternatives: list[str] = []
    """Other tables that may score it instead (a department with no investment task)."""


class Deduction(Strict):
    per_criticism: Dec = Field(gt=0)
    """−5 per 通报批评 (seed)."""


class Awards(Strict):
    title: str = "先进集体"
    by_group: bool
    """Rank and award within each sector group (分口) rather than the whole tier."""
    quota: Quota
    reward_yuan: int = Field(ge=0)
    veto_excludes: bool = True
    fraud_excludes: bool = True
    tie_break: list[Literal["business", "public", "bonus"]] = []
    """Explicit tie-break keys after the composite, e.g. ``[business]``; empty → 待定."""
    head_barred_by: list[Literal["veto", "fraud"]] = ["veto"]
    """What bars the unit's head from 优秀 and commendation."""
    head_excellent: bool = True
    """seed: the head of an awarded unit "may be rated 优秀 directly"; false leaves the head to
    the quota like anyone else."""
    """The head of an awarded unit may be rated 优秀 directly (outside the staff quota)."""
    head_merit: str | None = None
    """A merit for the head of an awarded unit, e.g. 记二等功."""


class UnitTier(Strict):
    """Departments or districts: 100 points of business and public targets."""

    label: str
    total_points: Dec
    business: list[TargetPart] = Field(min_length=1)
    public: list[TargetPart] = Field(min_length=1)
    innovation_bonus: LookupItem
    deduction: Deduction
    awards: Awards
    veto_bodies: list[str] = Field(min_length=1)
    two_year_threshold: Dec
    two_year_alert: bool = True
    """The 诫勉或调整 alert after two years below the threshold: the seed states it for 市直部门;
    *default* off for districts (set in the scheme)."""
    """Below this composite two years running → flag (诫勉或调整)."""
    two_year_flag: str
    submission_deadline: str = Field(pattern=r"^\d{2}-\d{2}$")
    """MM-DD by which targets (or figures) reach the assessment office."""


class StaffLevel(Strict):
    name: str
    excellent_rate: Rate | None = None
    """The 优秀 quota rate of the level's pool (required unless ``city_leaders``)."""
    commended_rate: Rate | None = None
    """The 拟表彰 quota rate (表彰限额) of the level's pool (required unless ``city_leaders``)."""
    pool: Literal["unit", "group", "district", "city"] = "unit"
    """Whose staff of this level share the quota (the proposing body's pool, SPEC §3):
    ``unit`` each unit; ``group`` the departments of one sector group together, each district
    on its own; ``district`` each district on its own and each department on its own;
    ``city`` everyone of the level."""
    city_leaders: bool = False
    """The level of the 市级领导 (the 五大班子 and other city leaders, seed: 每位机关工作人员
    (包括市级领导干部)): scored 30 + 70 like everyone, but in no quota pool and no merit
    (seed: 市级领导除外), graded by the lines only (优秀 needs a place in a quota), their
    results on a list of their own for the 市委's circulation."""

    @model_validator(mode="after")
    def _rates(self) -> StaffLevel:
        if self.city_leaders and (self.excellent_rate is not None or self.commended_rate is not None):
            raise ValueError(f"层级 {self.name} 为市级领导（city_leaders），不占限额，不应填写 excellent_rate、"
                             f"commended_rate [a city leaders' level has no quota rates]")
        if not self.city_leaders and (self.excellent_rate is None or self.commended_rate is None):
            raise ValueError(f"层级 {self.name} 须填写 excellent_rate 和 commended_rate "
                             f"[give both quota rates of level {self.name}]")
        return self


class StaffRoles(Strict):
    """The roles the roster and the 人员 sheet's 角色 column name (SPEC §3 roles). The names
    are what the clerks write; the engine knows each by its field."""

    head: str = "主要负责人"
    """A unit's principal head: linked to its unit's award (优秀 directly) or veto (not 优秀).
    A department's head in an old roster's 主要负责人 是/否 column."""
    party_secretary: str = "党委正职"
    """A district's Party secretary: outside the county-level assessment and its pools (seed:
    县级工作人员(区〈市〉党委正职除外)的目标管理考核)."""
    government_head: str = "政府主要负责人"
    """A district's government head: 优秀 + the district's head merit when the district is
    awarded (seed: 前2名的区(市)…政府主要负责人…定为优秀等次并记二等功), barred by its veto or fraud."""

    @model_validator(mode="after")
    def _distinct(self) -> StaffRoles:
        names = [self.head, self.party_secretary, self.government_head]
        if len(set(names)) != len(names) or not all(n.strip() for n in names):
            raise ValueError(f"角色名称应各不相同且不为空：{'、'.join(names)} [role names must be distinct and "
                             f"non-blank]")
        return self


class Grades(Strict):
    excellent_min: Dec
    """*default* 优秀 needs a total ≥ 90 and a place inside the quota."""
    competent_min: Dec
    """*default* 称职 ≥ 70."""
    basic_min: Dec
    """*default* 基本称职 ≥ 60; below it 不称职."""


class StaffScheme(Strict):
    business_points: Dec
    public_points: Dec
    public_items: list[TargetPart] = Field(min_length=1)
    democratic_points: Dec
    completion_weight: Dec
    """*default* target completion = target score × 0.7."""
    vote_weights: dict[str, Dec]
    """*default* 优秀 1.0, 称职 0.8, 基本称职 0.6, 不称职 0."""
    levels: list[StaffLevel] = Field(min_length=1)
    quota_rounding: Rounding | None = None
    grades: Grades
    complaint_cap: Literal["基本称职", "不称职"] = "基本称职"
    serious_flag: str
    two_year_incompetent_flag: str
    publicity_days: int = Field(ge=5, le=7)
    """*default* 7 (the source's “57天” read as 5至7天)."""
    publicity_counting: Literal["calendar", "working"] = "calendar"
    """*default* ``calendar``: the seed's 5至7天 as calendar days; ``working`` for an office
    that counts working days (holidays and make-up working days respected)."""
    roles: StaffRoles = StaffRoles()
    """The names of the roles in the roster and the 人员 sheet's 角色 column."""
    merits: list[str] = ["记二等功", "记三等功", "嘉奖"]
    """The merit classes (seed: 推荐出记二等功、记三等功和受嘉奖人员), highest first: what the
    人员 sheet's 推荐表彰 column accepts, and the order of the approval list."""
    merit_limits: dict[str, int] = {}
    """*default* none: at most this many of a class in one pool (within its 表彰限额), e.g.
    ``{记二等功: 1}``."""

    @model_validator(mode="after")
    def _merits(self) -> StaffScheme:
        if len(set(self.merits)) != len(self.merits) or not all(m.strip() for m in self.merits):
            raise ValueError(f"表彰类别应各不相同且不为空：{'、'.join(self.merits)} [merit classes must be distinct and "
                             f"non-blank]")
        unknown = [k for k in self.merit_limits if k not in self.merits]
        if unknown:
            raise ValueError(f"merit_limits 中的 {'、'.join(unknown)} 不是表彰类别（{'、'.join(self.merits)}） "
                             f"[merit_limits names an unknown merit class]")
        if any(v < 0 for v in self.merit_limits.values()):
            raise ValueError("merit_limits 的人数应 ≥ 0 [merit limits must be ≥ 0]")
        names = [lv.name for lv in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(f"层级名称重复：{'、'.join(names)} [duplicate level names]")
        return self

    def city_leader_levels(self) -> set[str]:
        """The names of the 市级领导 levels (``city_leaders``)."""
        return {lv.name for lv in self.levels if lv.city_leaders}


class Appeals(Strict):
    window_days: int = Field(gt=0)
    reply_days: int = Field(gt=0)
    exclude_notice_day: bool = True
    """*default* the day of notification is not counted (民法典 art. 201)."""
    roll_to_workday: bool = True
    """*default* a period ending on a holiday or rest day ends on the next working day
    (民法典 art. 203), make-up working days (调休) respected."""


class MunicipalScheme(Strict):
    type: Literal["municipal"]
    id: str
    version: str
    title: str
    conventions: Conventions = Conventions()
    tables: list[Table] = Field(min_length=1)
    departments: UnitTier
    districts: UnitTier
    staff: StaffScheme
    appeals: Appeals
    holidays: dict[int, HolidayYear] = {}
    """The State Council's arrangements for years the holiday package does not know yet (or
    corrects), entered by the office (see :mod:`addin.scheme.holidays`)."""

    def table(self, table_id: str) -> Table:
        for table in self.tables:
            if table.id == table_id:
                return table
        raise KeyError(table_id)


class AuditCategory(Strict):
    id: str
    name: str
    points: Dec = Field(gt=0)
    items: list[Item] = Field(min_length=1)


class AuditAwards(Strict):
    title: str = "先进集体"
    quota: Quota | None = None
    """Not given by the source: the office enters it here (a rate of the bureau's units, or a
    count). None: recompute ranks the units by score rate and selects nobody, with a warning."""


class AuditScheme(Strict):
    type: Literal["audit"]
    id: str
    version: str
    title: str
    conventions: Conventions = Conventions()
    unit_types: list[str] = Field(min_length=1)
    total_points: Dec
    rate_base: Dec
    """*default* units are compared by score rate = total ÷ applicable maximum × 400."""
    categories: list[AuditCategory] = Field(min_length=1)
    awards: AuditAwards = AuditAwards()

    def applicable_max(self, unit_type: str) -> Decimal:
        return sum(
            (
                item.points
                for cat in self.categories
                for item in cat.items
                if not item.bonus and (item.applies_to is None or unit_type in item.applies_to)
            ),
            Decimal(0),
        )

    def item(self, item_id: str) -> Item:
        for cat in self.categories:
            for item in cat.items:
                if item.id == item_id:
                    return item
        raise KeyError(item_id)
