"""One item's score, from its rule kind and its raw inputs, with a trace in Chinese.

:func:`score_item` reads and checks the raw inputs against the item's declared inputs,
then applies the kind's rule. Item scores are rounded half-up to 2 places, so a table's
total is the sum of the item scores the clerk sees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from addin import problems as P
from addin.engine.bonus import evaluate_lookup
from addin.numbers import ZERO, fmt, is_blank, q2, read_choice, read_flag, read_number
from addin.problems import Problem
from addin.scheme import items as K
from addin.scheme.items import InputSpec, ItemBase


@dataclass(frozen=True, slots=True)
class ItemScore:
    item: str
    score: Decimal | None
    """None when the inputs have errors, or the item dropped out."""
    trace: str = ""
    problems: tuple[Problem, ...] = ()
    veto: str | None = None
    dropped: bool = False

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


@dataclass(slots=True)
class _Outcome:
    score: Decimal | None
    trace: str
    problems: list[Problem] = field(default_factory=list)
    dropped: bool = False


def _what(item: ItemBase, spec: InputSpec) -> str:
    return f"{item.id} {item.name}·{spec.label}"


def read_input(item: ItemBase, spec: InputSpec, raw: Any, where: dict[str, Any]) -> tuple[Any, Problem | None]:
    """Read one raw input of an item as its declared type."""
    what = _what(item, spec)
    where = {"item": item.id, "field": spec.label, **where}
    if spec.type in ("number", "rate"):
        return read_number(raw, what, lo=spec.lo, hi=spec.hi, required=spec.required, **where)
    if spec.type == "count":
        return read_number(raw, what, lo=spec.lo, hi=spec.hi, whole=True, required=spec.required, **where)
    if spec.type == "flag":
        return read_flag(raw, what, **where)
    if spec.type == "note":
        if is_blank(raw):
            return None, (P.missing(what, **where) if spec.required else None)
        return str(raw).strip(), None
    if spec.type == "choice":
        return read_choice(raw, what, {c: c for c in spec.choices}, required=spec.required, **where)
    if spec.type == "scores":
        return _read_scores(raw, what, spec, where)
    if spec.type == "records":
        return raw, None  # checked row by row by the lookup kind
    raise AssertionError(f"unknown input type {spec.type}")


def _read_scores(raw: Any, what: str, spec: InputSpec, where: dict[str, Any]) -> tuple[Any, Problem | None]:
    values = raw if isinstance(raw, (list, tuple)) else [raw]
    flat = [v for row in values for v in (row if isinstance(row, (list, tuple)) else [row])]
    present = [v for v in flat if not is_blank(v)]
    if not present:
        return None, P.missing(what, **where)
    out = []
    for v in present:
        number, problem = read_number(v, what, lo=spec.lo, hi=spec.hi, **where)
        if problem:
            return None, problem
        out.append(number)
    return out, None


def score_item(item: ItemBase, raw: Mapping[str, Any], **where: Any) -> ItemScore:
    """Score one item from raw inputs keyed by input name.

    ``where`` (record, sheet, …) is copied into every problem. Inputs with errors give
    a score of None and every problem found; nothing is clamped or defaulted silently.
    """
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for spec in item.inputs():
        value, problem = read_input(item, spec, raw.get(spec.name), where)
        if problem:
            problems.append(problem)
        values[spec.name] = value
    if problems:
        return ItemScore(item.id, None, problems=tuple(problems))
    try:
        outcome = _evaluate(item, values, where)
        outcome = _Outcome(None if outcome.score is None else q2(outcome.score), outcome.trace, outcome.problems,
                           outcome.dropped)
    except ArithmeticError:  # decimal's InvalidOperation, Overflow, DivisionByZero: absurd inputs
        return ItemScore(item.id, None, problems=(Problem(
            "out_of_range", f"{item.id} {item.name} 的输入数值超出合理范围，无法计分，请核对 "
            f"[{item.id}: the inputs are beyond what the item can mean]", item=item.id,
            value=", ".join(str(v) for v in values.values()), **where),))
    veto = None
    if item.veto is not None and values[item.veto.input]:
        veto = item.veto.reason
        if item.veto.zero_item:
            outcome = _Outcome(ZERO, f"{item.veto.label}：本项0分，不得评先（{veto}）", outcome.problems)
    score = None if outcome.score is None else q2(outcome.score)
    return ItemScore(item.id, score, outcome.trace, tuple(outcome.problems), veto, outcome.dropped)


def score_item_args(item: ItemBase, args: Sequence[Any], **where: Any) -> ItemScore:
    """Score an item from positional arguments in its declared input order (the
    argument order of ``=ITEM_SCORE(item, …)``). A list stands for a multi-cell range and
    is accepted only by a ``scores`` input."""
    specs = item.inputs()
    problems: list[Problem] = []
    if len(args) > len(specs):
        names = "、".join(s.label for s in specs)
        problems.append(Problem(
            "too_many_args",
            f"{item.id} {item.name} 只需{len(specs)}个输入（{names}），实际给了{len(args)}个 "
            f"[{item.id} takes {len(specs)} inputs, got {len(args)}]",
            item=item.id, value=len(args), allowed=str(len(specs)), **where))
    raw: dict[str, Any] = {}
    for spec, arg in zip(specs, args):
        if isinstance(arg, (list, tuple)) and spec.type not in ("scores", "records"):
            if len(arg) == 1:
                arg = arg[0]
            else:
                problems.append(Problem(
                    "bad_shape",
                    f"{_what(item, spec)} 应为单个单元格，实际为{len(arg)}个单元格 "
                    f"[{_what(item, spec)}: expected one cell, got {len(arg)}]",
                    item=item.id, field=spec.label, value=len(arg), allowed="1", **where))
                continue
        raw[spec.name] = arg
    result = score_item(item, raw, **where)
    if problems:
        return ItemScore(item.id, None, problems=tuple(problems) + result.problems)
    return result


def _evaluate(item: ItemBase, values: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    return _KINDS[item.kind](item, values, where)


def max_score(item: ItemBase) -> Decimal | None:
    """The highest score an item can reach under its rule; None if it has no ceiling."""
    if isinstance(item, K.DirectItem):
        return item.high
    if isinstance(item, K.DeductItem):
        return item.points
    if isinstance(item, K.AddItem):
        return item.cap
    if isinstance(item, K.AdjustItem):
        return None if item.bonus_cap is None else item.start + item.bonus_cap
    if isinstance(item, (K.RatioItem,)):
        return max(item.points, item.points if item.when_zero is None else item.when_zero)
    if isinstance(item, K.CompletionItem):
        return item.points * item.cap
    if isinstance(item, K.ThresholdItem):
        return None if item.bonus_cap is None else item.points + item.bonus_cap
    if isinstance(item, K.GrowthItem):
        return item.points * item.max_share
    if isinstance(item, K.RankItem):
        return item.points
    if isinstance(item, K.AverageItem):
        return item.scale_max * item.rescale
    if isinstance(item, K.DiscretionaryItem):
        return item.base + max(item.max, ZERO if item.allow_zero else item.max)
    if isinstance(item, K.CountDueItem):
        return None if item.extra_cap is None else item.points + item.extra_cap
    if isinstance(item, K.PresenceItem):
        return None if item.extra_cap is None else item.points + item.extra_cap
    if isinstance(item, K.ChoiceItem):
        return max(item.options.values())
    if isinstance(item, K.LookupItem):
        return item.cap
    if isinstance(item, K.VetoItem):
        return ZERO
    if isinstance(item, K.SumItem):
        parts = [max_score(p) for p in item.parts]
        return None if any(p is None for p in parts) else sum(parts, ZERO)
    raise AssertionError(f"unknown kind {item.kind}")


# --- the kinds --------------------------------------------------------------------


def _direct(item: K.DirectItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    return _Outcome(v["score"], f"评分 {fmt(v['score'])}")


def _clause_terms(clauses: Sequence[K.Clause], v: dict[str, Any]) -> tuple[Decimal, list[str]]:
    total = ZERO
    terms = []
    for c in clauses:
        units = Decimal(int(v[c.input])) if c.flag else v[c.input]
        if units:
            total += c.per_unit * units
            sign = "+" if c.per_unit > 0 else "−"
            terms.append(f"{sign} {fmt(abs(c.per_unit))}×{fmt(units)}")
    return total, terms


def _deduct(item: K.DeductItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    total, terms = _clause_terms([c.model_copy(update={"per_unit": -c.per_unit}) for c in item.clauses], v)
    raw = item.points + total
    if not terms:
        return _Outcome(item.points, f"无扣分 = {fmt(item.points)}")
    text = f"{fmt(item.points)} {' '.join(terms)} = {fmt(raw)}"
    if raw < item.floor:
        return _Outcome(item.floor, f"{text} → 扣完为止 {fmt(item.floor)}")
    return _Outcome(raw, text)


def _add(item: K.AddItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    total, terms = _clause_terms(item.clauses, v)
    raw = item.base + total
    text = f"{fmt(item.base)} {' '.join(terms)} = {fmt(raw)}" if terms else f"无加分 = {fmt(item.base)}"
    if item.cap is not None and raw > item.cap:
        return _Outcome(item.cap, f"{text} → 最高 {fmt(item.cap)}")
    return _Outcome(raw, text)


def _adjust(item: K.AdjustItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    total, terms = _clause_terms(item.clauses, v)
    start = item.start
    raw = start + total
    text = f"{fmt(start)} {' '.join(terms)} = {fmt(raw)}" if terms else f"无增减 = {fmt(start)}"
    if item.bonus_cap is not None and raw > start + item.bonus_cap:
        return _Outcome(start + item.bonus_cap, f"{text} → 加分最多 {fmt(item.bonus_cap)}")
    if raw < item.floor:
        return _Outcome(item.floor, f"{text} → 扣完为止 {fmt(item.floor)}")
    return _Outcome(raw, text)


def _ratio(item: K.RatioItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    num, den = v["numerator"], v["denominator"]
    if den == 0:
        value = item.points if item.when_zero is None else item.when_zero
        if num:
            return _Outcome(None, "", [_ratio_problem(item, num, den, where)])
        return _Outcome(value, f"无{item.denominator_label.removesuffix('数')}，得 {fmt(value)}")
    if num > den:
        return _Outcome(None, "", [_ratio_problem(item, num, den, where)])
    score = item.points * num / den
    return _Outcome(score, f"{fmt(item.points)} × {fmt(num)} ÷ {fmt(den)} = {fmt(score)}")


def _ratio_problem(item: K.RatioItem, num: Decimal, den: Decimal, where: dict[str, Any]) -> Problem:
    what = f"{item.id} {item.name}·{item.numerator_label}"
    return Problem(
        "ratio_above_one",
        f"{what} 为 {fmt(num)}，不能超过{item.denominator_label} {fmt(den)} "
        f"[{what}: {fmt(num)} exceeds the denominator {fmt(den)}]",
        item=item.id,
        field=item.numerator_label,
        value=num,
        allowed=f"0–{fmt(den)}",
        **where,
    )


def _completion(item: K.CompletionItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    actual, target = v["actual"], v["target"]
    if target is None:
        return _Outcome(None, f"未下达{item.target_label}，本项不计分，分值按其他指标平均得分率折算", dropped=True)
    if target <= 0:
        what = f"{item.id} {item.name}·{item.target_label}"
        return _Outcome(None, "", [P.out_of_range(what, target, Decimal("0.01"), None, item=item.id,
                                                   field=item.target_label, **where)])
    if actual is None:
        what = f"{item.id} {item.name}·{item.actual_label}"
        if item.no_actual == "error":
            return _Outcome(None, "", [P.missing(what, item=item.id, field=item.actual_label, **where)])
        warn = Problem(
            "figure_missing",
            f"{what} 未报数据，按0分计，请考核办核实 [{what}: figure not supplied; scored 0 and flagged]",
            severity="warning",
            item=item.id,
            field=item.actual_label,
            **where,
        )
        return _Outcome(ZERO, "未报数据，计0分", [warn])
    if actual < 0:
        what = f"{item.id} {item.name}·{item.actual_label}"
        return _Outcome(None, "", [P.out_of_range(what, actual, 0, None, item=item.id,
                                                   field=item.actual_label, **where)])
    ratio = actual / target
    text = f"{fmt(item.points)} × {fmt(actual)} ÷ {fmt(target)}"
    if ratio > item.cap:
        return _Outcome(item.points * item.cap, f"{text} → 最高 {fmt(item.cap * 100)}% = {fmt(item.points * item.cap)}")
    return _Outcome(item.points * ratio, f"{text} = {fmt(item.points * ratio)}")


def _threshold(item: K.ThresholdItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    gap = (v["actual"] - v["target"]) * 100  # percentage points
    if gap >= 0:
        bonus = item.per_point_above * gap
        text = f"{fmt(item.points)} + {fmt(item.per_point_above)}×{fmt(gap)}"
        if item.bonus_cap is not None and bonus > item.bonus_cap:
            return _Outcome(item.points + item.bonus_cap, f"{text} → 加分最多 {fmt(item.bonus_cap)} = "
                                                          f"{fmt(item.points + item.bonus_cap)}")
        return _Outcome(item.points + bonus, f"{text} = {fmt(item.points + bonus)}")
    raw = item.points - item.per_point_below * -gap
    text = f"{fmt(item.points)} − {fmt(item.per_point_below)}×{fmt(-gap)} = {fmt(raw)}"
    if raw < item.floor:
        return _Outcome(item.floor, f"{text} → 扣完为止 {fmt(item.floor)}")
    return _Outcome(raw, text)


def _growth(item: K.GrowthItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    actual, target = v["actual"], v["target"]
    if actual < 0 and item.negative_growth_zero:
        return _Outcome(ZERO, "负增长，不得分")
    gap = (actual - target) * 100
    step = item.per_point_above if gap >= 0 else item.per_point_below
    share = item.at_target + step * gap
    text = f"{fmt(item.points)} × ({fmt(item.at_target * 100)}% {'+' if gap >= 0 else '−'} {fmt(step * 100)}%×{fmt(abs(gap))})"
    clamped = min(max(share, item.min_share), item.max_share)
    if clamped != share:
        text += f" → 限 {fmt(item.min_share * 100)}%–{fmt(item.max_share * 100)}%"
    return _Outcome(item.points * clamped, f"{text} = {fmt(item.points * clamped)}")


def _rank(item: K.RankItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    rank = v["rank"]
    raw = item.points - item.step * (rank - 1)
    text = f"第{fmt(rank)}名：{fmt(item.points)} − {fmt(item.step)}×{fmt(rank - 1)} = {fmt(raw)}"
    if raw < item.floor:
        return _Outcome(item.floor, f"{text} → 最低 {fmt(item.floor)}")
    return _Outcome(raw, text)


def _average(item: K.AverageItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    scores = v["scores"]
    mean = sum(scores, ZERO) / len(scores)
    shown = "+".join(fmt(s) for s in scores) if len(scores) <= 6 else f"{len(scores)}个项目合计{fmt(sum(scores, ZERO))}"
    text = f"({shown}) ÷ {len(scores)}"
    if item.rescale != 1:
        text += f" × {fmt(item.rescale)}"
    return _Outcome(mean * item.rescale, f"{text} = {fmt(mean * item.rescale)}")


def _discretionary(item: K.DiscretionaryItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    value, note = v["value"], v["note"]
    if value != 0 and not item.min <= value <= item.max:  # allow_zero: 0, or within [min, max]
        what = f"{item.id} {item.name}·{item.label}"
        allowed = f"0 或 {P.show_range(item.min, item.max)}"
        return _Outcome(None, "", [P.out_of_range(what, value, item.min, item.max, allowed=allowed,
                                                   item=item.id, field=item.label, **where)])
    if item.note == "when_nonzero" and value != 0 and not note:
        what = f"{item.id} {item.name}·评定说明"
        return _Outcome(None, "", [Problem(
            "note_required",
            f"{what}：酌情评分须填写说明 [{what}: a discretionary score needs a note]",
            item=item.id, field="评定说明", **where)])
    score = item.base + value
    text = f"{fmt(item.base)} {'+' if value >= 0 else '−'} {fmt(abs(value))} = {fmt(score)}" if item.base else f"评定 {fmt(value)}"
    return _Outcome(score, f"{text}（{note}）" if note else text)


def _count_due(item: K.CountDueItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    count = v["count"]
    if count < item.due:
        return _Outcome(item.per_short * count, f"{fmt(count)}个，少于应交{item.due}个：{fmt(item.per_short)}×{fmt(count)} = {fmt(item.per_short * count)}")
    extra = item.per_extra * (count - item.due)
    text = f"{fmt(item.points)} + {fmt(item.per_extra)}×{fmt(count - item.due)}" if extra else f"应交{item.due}个已交齐 = {fmt(item.points)}"
    if item.extra_cap is not None and extra > item.extra_cap:
        return _Outcome(item.points + item.extra_cap, f"{text} → 加分最多 {fmt(item.extra_cap)} = {fmt(item.points + item.extra_cap)}")
    return _Outcome(item.points + extra, f"{text} = {fmt(item.points + extra)}" if extra else text)


def _presence(item: K.PresenceItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    count = v["count"]
    if count == 0:
        return _Outcome(ZERO, "没有的不得分 = 0")
    extra = item.per_extra * (count - 1)
    if not extra:
        return _Outcome(item.points, f"有 = {fmt(item.points)}")
    text = f"{fmt(item.points)} + {fmt(item.per_extra)}×{fmt(count - 1)}"
    if item.extra_cap is not None and extra > item.extra_cap:
        return _Outcome(item.points + item.extra_cap, f"{text} → 加分最多 {fmt(item.extra_cap)}")
    return _Outcome(item.points + extra, f"{text} = {fmt(item.points + extra)}")


def _choice(item: K.ChoiceItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    return _Outcome(item.options[v["choice"]], f"{v['choice']} = {fmt(item.options[v['choice']])}")


def _lookup(item: K.LookupItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    score, trace, problems = evaluate_lookup(item, v["records"], where)
    return _Outcome(score, trace, problems)


def _veto(item: K.VetoItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    return _Outcome(ZERO, f"一票否决（{item.reason}）" if v["flag"] else "无")


def _sum(item: K.SumItem, v: dict[str, Any], where: dict[str, Any]) -> _Outcome:
    total = ZERO
    texts: list[str] = []
    problems: list[Problem] = []
    for part in item.parts:
        out = _evaluate(part, v, where)
        problems += out.problems
        if out.score is None:
            return _Outcome(None, out.trace, problems, dropped=out.dropped)
        total += q2(out.score)
        texts.append(f"{part.name} {fmt(out.score)}")
    return _Outcome(total, f"{' + '.join(texts)} = {fmt(total)}", problems)


_KINDS: Mapping[str, Callable[[Any, dict[str, Any], dict[str, Any]], _Outcome]] = MappingProxyType(
    {
        "direct": _direct,
        "deduct": _deduct,
        "add": _add,
        "adjust": _adjust,
        "ratio": _ratio,
        "completion": _completion,
        "threshold": _threshold,
        "growth": _growth,
        "rank": _rank,
        "average": _average,
        "discretionary": _discretionary,
        "count_due": _count_due,
        "presence": _presence,
        "choice": _choice,
        "lookup": _lookup,
        "veto": _veto,
        "sum": _sum,
    }
)
