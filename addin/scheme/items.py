"""The vocabulary of rule kinds. Every item of every scheme is one of these.

An item is written flat in YAML: the common fields (``id``, ``name``, ``points``,
``standard``) plus a ``kind`` and that kind's parameters. Each kind declares its
inputs, in order: that order is the argument order of ``=ITEM_SCORE(item, …)`` and the
order of the input cells in the templates. The scoring itself lives in
:mod:`addin.engine.items`; this module is data only.

| kind | rule |
|---|---|
| direct | a score entered within [min, max] |
| deduct | points − Σ k × count, floored (扣完为止) |
| add | base + Σ k × count, with an optional cap |
| adjust | base ± Σ k × count (signed clauses), floored, optional cap on the bonus |
| ratio | points × numerator ÷ denominator; a set value when the denominator is 0 |
| completion | points × clamp(actual ÷ target, 0, cap) |
| threshold | full at target; ± per percentage point, the bonus capped (A1.2) |
| growth | growth rate against a target growth rate, as shares of the points |
| rank | points by place: 1st full, − step per lower place |
| average | the mean of several scores, optionally rescaled |
| discretionary | base + a value entered within a range, with a note |
| count_due | due count → full; fewer → per example; more → + per extra, capped (A3.4) |
| presence | none → 0, ≥1 → full, + per extra (A4.2) |
| choice | a score per named option (tiered) |
| lookup | per record, a table value by (row, column), one per project at its highest |
| veto | a yes/no flag that vetoes the unit; scores nothing |
| sum | the sum of several parts, each of any kind |
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from addin.scheme.base import Dec, Strict

InputType = Literal["number", "count", "flag", "rate", "scores", "note", "choice", "records"]


@dataclass(frozen=True, slots=True)
class InputSpec:
    """One input of an item: what the clerk enters."""

    name: str
    label: str
    type: InputType
    lo: Decimal | None = None
    hi: Decimal | None = None
    required: bool = True
    choices: tuple[str, ...] = ()


class VetoSpec(Strict):
    """A yes/no input on an item that zeroes the item and vetoes the unit (A4.4)."""

    input: str = "violation"
    label: str
    reason: str
    zero_item: bool = True


class Clause(Strict):
    """One ``k per unit`` clause: ``per_unit`` points for each unit of the input."""

    input: str
    label: str
    per_unit: Dec
    flag: bool = False
    max: int | None = Field(default=None, ge=0)


class ItemBase(Strict, ABC):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    points: Dec = Field(ge=0)
    standard: str = ""
    bonus: bool = False
    """A declared bonus: its score counts above the table's maximum."""
    applies_to: list[str] | None = None
    """Unit types assessed on this item; None means all."""
    veto: VetoSpec | None = None

    @abstractmethod
    def own_inputs(self) -> list[InputSpec]:
        """The kind's own inputs, in declared order."""

    def inputs(self) -> list[InputSpec]:
        specs = self.own_inputs()
        if self.veto is not None:
            specs.append(InputSpec(self.veto.input, self.veto.label, "flag"))
        return specs


def _clause_inputs(clauses: list[Clause]) -> list[InputSpec]:
    return [
        InputSpec(
            c.input,
            c.label,
            "flag" if c.flag else "count",
            Decimal(0),
            Decimal(1) if c.flag else (Decimal(c.max) if c.max is not None else None),
        )
        for c in clauses
    ]


class DirectItem(ItemBase):
    kind: Literal["direct"]
    min: Dec = Decimal(0)
    max: Dec | None = None
    label: str = "得分"

    @property
    def high(self) -> Decimal:
        return self.points if self.max is None else self.max

    @model_validator(mode="after")
    def _range(self) -> DirectItem:
        if self.min > self.high:
            raise ValueError(f"min {self.min} 大于 max {self.high} [min exceeds max]")
        return self

    def own_inputs(self) -> list[InputSpec]:
        return [InputSpec("score", self.label, "number", self.min, self.high)]


class DeductItem(ItemBase):
    kind: Literal["deduct"]
    clauses: list[Clause] = Field(min_length=1)
    floor: Dec = Decimal(0)

    @model_validator(mode="after")
    def _signs(self) -> DeductItem:
        for c in self.clauses:
            if c.per_unit <= 0:
                raise ValueError(f"扣分项 {c.input} 的 per_unit 应为正数（每单位扣分） [per_unit must be > 0]")
        return self

    def own_inputs(self) -> list[InputSpec]:
        return _clause_inputs(self.clauses)


class AddItem(ItemBase):
    kind: Literal["add"]
    base: Dec = Decimal(0)
    clauses: list[Clause] = Field(min_length=1)
    cap: Dec | None = None
    """The highest score of the item; None means no cap."""

    @model_validator(mode="after")
    def _signs(self) -> AddItem:
        for c in self.clauses:
            if c.per_unit <= 0:
                raise ValueError(f"加分项 {c.input} 的 per_unit 应为正数 [per_unit must be > 0]")
        return self

    def own_inputs(self) -> list[InputSpec]:
        return _clause_inputs(self.clauses)


class AdjustItem(ItemBase):
    kind: Literal["adjust"]
    base: Dec | None = None
    """Score before the clauses; defaults to the item's points."""
    clauses: list[Clause] = Field(min_length=1)
    floor: Dec = Decimal(0)
    bonus_cap: Dec | None = None
    """At most this much above the base; None means no cap."""

    @property
    def start(self) -> Decimal:
        return self.points if self.base is None else self.base

    def own_inputs(self) -> list[InputSpec]:
        return _clause_inputs(self.clauses)


class RatioItem(ItemBase):
    kind: Literal["ratio"]
    numerator_label: str
    denominator_label: str
    when_zero: Dec | None = None
    """The score when the denominator is 0; defaults to the item's points."""

    def own_inputs(self) -> list[InputSpec]:
        return [
            InputSpec("numerator", self.numerator_label, "count", Decimal(0)),
            InputSpec("denominator", self.denominator_label, "count", Decimal(0)),
        ]


class CompletionItem(ItemBase):
    kind: Literal["completion"]
    cap: Dec = Field(default=Decimal(1), gt=0)
    actual_label: str = "实际完成"
    target_label: str = "目标任务"
    no_target: Literal["error", "drop"] = "error"
    """``drop``: with no target the item drops out and the table rescales its points."""
    no_actual: Literal["error", "zero_flagged"] = "error"
    """``zero_flagged``: a figure not supplied scores 0 and is flagged for the office."""

    def own_inputs(self) -> list[InputSpec]:
        return [
            # With no target the item may drop out, so the actual is checked in the rule.
            InputSpec("actual", self.actual_label, "number", None, None,
                      self.no_actual == "error" and self.no_target == "error"),
            InputSpec("target", self.target_label, "number", None, None, self.no_target == "error"),
        ]


class ThresholdItem(ItemBase):
    kind: Literal["threshold"]
    per_point_above: Dec = Field(ge=0)
    bonus_cap: Dec | None = None
    per_point_below: Dec = Field(ge=0)
    floor: Dec = Decimal(0)
    actual_label: str = "实际完成率"
    target_label: str = "目标率"

    def own_inputs(self) -> list[InputSpec]:
        return [
            InputSpec("actual", self.actual_label, "rate"),
            InputSpec("target", self.target_label, "rate"),
        ]


class GrowthItem(ItemBase):
    kind: Literal["growth"]
    at_target: Dec = Decimal("0.8")
    per_point_above: Dec = Decimal("0.05")
    per_point_below: Dec = Decimal("0.10")
    min_share: Dec = Decimal(0)
    max_share: Dec = Decimal("1.2")
    negative_growth_zero: bool = True
    actual_label: str = "实际增长率"
    target_label: str = "目标增长率"

    def own_inputs(self) -> list[InputSpec]:
        return [
            InputSpec("actual", self.actual_label, "rate"),
            InputSpec("target", self.target_label, "rate"),
        ]


class RankItem(ItemBase):
    kind: Literal["rank"]
    step: Dec = Field(gt=0)
    floor: Dec = Decimal(0)
    label: str = "名次"

    def own_inputs(self) -> list[InputSpec]:
        return [InputSpec("rank", self.label, "count", Decimal(1))]


class AverageItem(ItemBase):
    kind: Literal["average"]
    scale_max: Dec = Field(gt=0)
    rescale: Dec = Decimal(1)
    label: str = "各项目得分"

    def own_inputs(self) -> list[InputSpec]:
        return [InputSpec("scores", self.label, "scores", Decimal(0), self.scale_max)]


class DiscretionaryItem(ItemBase):
    kind: Literal["discretionary"]
    base: Dec = Decimal(0)
    min: Dec
    max: Dec
    allow_zero: bool = False
    """Also accept exactly 0 outside [min, max] (a deduction of −3 to −5, or none)."""
    note: Literal["always", "when_nonzero"] = "always"
    label: str = "评定分值"

    @model_validator(mode="after")
    def _range(self) -> DiscretionaryItem:
        if self.min > self.max:
            raise ValueError(f"min {self.min} 大于 max {self.max} [min exceeds max]")
        return self

    def own_inputs(self) -> list[InputSpec]:
        lo, hi = (min(self.min, Decimal(0)), max(self.max, Decimal(0))) if self.allow_zero else (self.min, self.max)
        return [
            InputSpec("value", self.label, "number", lo, hi),
            InputSpec("note", "评定说明", "note", required=self.note == "always"),
        ]


class CountDueItem(ItemBase):
    kind: Literal["count_due"]
    due: int = Field(ge=1)
    per_short: Dec = Field(ge=0)
    per_extra: Dec = Field(ge=0)
    extra_cap: Dec | None = None
    label: str = "提交个数"

    def own_inputs(self) -> list[InputSpec]:
        return [InputSpec("count", self.label, "count", Decimal(0))]


class PresenceItem(ItemBase):
    kind: Literal["presence"]
    per_extra: Dec = Field(ge=0)
    extra_cap: Dec | None = None
    label: str = "项数"

    def own_inputs(self) -> list[InputSpec]:
        return [InputSpec("count", self.label, "count", Decimal(0))]


class ChoiceItem(ItemBase):
    kind: Literal["choice"]
    options: dict[str, Dec] = Field(min_length=1)
    label: str = "等次"

    def own_inputs(self) -> list[InputSpec]:
        return [InputSpec("choice", self.label, "choice", choices=tuple(self.options))]


class LookupItem(ItemBase):
    kind: Literal["lookup"]
    row_label: str
    column_label: str
    table: dict[str, dict[str, Dec]] = Field(min_length=1)
    aliases: dict[str, str] = {}
    """Other accepted spellings (English, short forms) of row and column names."""
    once_per_project: bool = True
    """同一项目不重复加分: a project recognized several times counts once, at its highest."""
    cap: Dec | None = None

    @model_validator(mode="after")
    def _columns(self) -> LookupItem:
        columns = [tuple(row) for row in self.table.values()]
        if len(set(columns)) != 1:
            raise ValueError("查找表各行的列必须相同 [every row of the table needs the same columns]")
        known = set(self.table) | set(columns[0])
        for alias, target in self.aliases.items():
            if target not in known:
                raise ValueError(f"别名 {alias} 指向未知项 {target} [alias targets an unknown name]")
        return self

    @property
    def columns(self) -> list[str]:
        return list(next(iter(self.table.values())))

    def row_names(self) -> dict[str, str]:
        """Accepted spellings of a row → its name in ``table`` (names and their aliases)."""
        return {n: n for n in self.table} | {k: v for k, v in self.aliases.items() if v in self.table}

    def column_names(self) -> dict[str, str]:
        """Accepted spellings of a column → its name (names and their aliases)."""
        columns = self.columns
        return {n: n for n in columns} | {k: v for k, v in self.aliases.items() if v in columns}

    def own_inputs(self) -> list[InputSpec]:
        return [InputSpec("records", f"项目、{self.row_label}、{self.column_label}", "records")]


class VetoItem(ItemBase):
    kind: Literal["veto"]
    label: str
    reason: str

    def own_inputs(self) -> list[InputSpec]:
        return [InputSpec("flag", self.label, "flag")]


class SumItem(ItemBase):
    kind: Literal["sum"]
    parts: list[Item] = Field(min_length=1)

    def own_inputs(self) -> list[InputSpec]:
        return [spec for part in self.parts for spec in part.inputs()]


Item = Annotated[
    Union[
        DirectItem,
        DeductItem,
        AddItem,
        AdjustItem,
        RatioItem,
        CompletionItem,
        ThresholdItem,
        GrowthItem,
        RankItem,
        AverageItem,
        DiscretionaryItem,
        CountDueItem,
        PresenceItem,
        ChoiceItem,
        LookupItem,
        VetoItem,
        SumItem,
    ],
    Field(discriminator="kind"),
]

KIND_NAMES = frozenset(
    {
        "direct", "deduct", "add", "adjust", "ratio", "completion", "threshold", "growth",
        "rank", "average", "discretionary", "count_due", "presence", "choice", "lookup",
        "veto", "sum",
    }
)

SumItem.model_rebuild()
