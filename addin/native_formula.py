"""Native formulas: scheme items compiled to ordinary spreadsheet formulas.

A template built with ``--formulas native`` computes in any spreadsheet program, with no
add-in: Excel 2010 and later, Excel on the web, WPS and LibreOffice. Each item kind
becomes one formula over the item's input cells, built only from the functions in
:data:`ALLOWED_FUNCTIONS`. The engine (:mod:`addin.engine.items`) stays the single
source of truth: intake recomputes everything with it, and the test suite proves these
formulas equal to it in LibreOffice (``tests/test_native.py``).

What a formula shows:

- a number, rounded half-up to 2 places where the engine rounds (:func:`cents`: the binary
  error is taken off at 10 places first, then ``ROUND`` rounds half away from zero, so
  0.025 computed as 0.02499999999999858 still gives 0.03, as the engine's exact decimals do);
- :data:`UNFILLED` when a required input is blank (never 0);
- :data:`INVALID` when an input is out of its range, not a whole number, not one of the
  choices, or the inputs contradict each other (a numerator above its denominator);
- :data:`DROPPED` when an item without a target drops out of its table;
- :data:`AT_OFFICE` for a kind no single formula can express (``lookup``: one value
  per project at its highest needs a per-project maximum over a list of records).

This module is pure: it imports the scheme's item models and the numbers' bound, and
it never imports the engine (the compiler is tested against the engine, never the
other way round).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from addin.numbers import MAX_MAGNITUDE
from addin.scheme import items as K
from addin.scheme.items import InputSpec, ItemBase

UNFILLED = "未填"
INVALID = "输入有误"
DROPPED = "不计分"
AT_OFFICE = "汇总时计分"
STATUSES = (UNFILLED, INVALID, DROPPED, AT_OFFICE)

ALLOWED_FUNCTIONS = frozenset({
    # the list: in Excel 2010, WPS and LibreOffice alike
    "IF", "AND", "OR", "MIN", "MAX", "ROUND", "SUM", "SUMPRODUCT", "ISNUMBER", "ISBLANK", "COUNTIF",
    "INDEX", "MATCH",
    # also in every Excel since 2000 (and WPS, LibreOffice): used by the fixed formulas of
    # the templates (subtotals, the scoring sheet's pending check, the dropped-item rescale)
    "COUNT", "COUNTA", "SUMIF",
})
"""Every function a native template may call. ``tests/test_native.py`` fails on any other."""

BOUND = format(MAX_MAGNITUDE, "E")
"""The engine refuses numbers beyond ±10¹⁵ (addin.numbers.MAX_MAGNITUDE): ``1E+15``."""

_YES = ("是", "有", "true", "yes", "y", "1", "√")
_NO = ("否", "无", "false", "no", "n", "0")
"""The texts addin.numbers.read_flag accepts (MATCH compares text case-insensitively); the
numbers 1 and 0 and TRUE and FALSE are accepted too."""


# --- a small expression tree: numeric leaves are rounded, text leaves are statuses ------


@dataclass(frozen=True)
class Num:
    expr: str


@dataclass(frozen=True)
class Text:
    status: str


@dataclass(frozen=True)
class If:
    cond: str
    then: Node
    other: Node


Node = Num | Text | If


GUARD_PLACES = 10
"""Places of the inner ROUND that takes the binary error off a value before it is rounded
to cents (see :func:`cents`)."""


def cents(expr: str) -> str:
    """``expr`` rounded half-up to 2 places, as the engine rounds its exact decimals.

    Binary floats carry an error, and a difference of larger terms makes it large relative
    to the result: 10 + 0.625×6 − 0.335×35 − 2 is exactly 0.025 but computes as
    0.02499999999999858, which ROUND(…,2) takes to 0.02 although Excel's and LibreOffice's
    ROUND correct the 15th significant digit. The inner ROUND to 10 places removes that
    error first (every input a template accepts has at most 4 places, so an exact result
    lies on a 10-place grid or, from a division, at least 5·10⁻¹¹ off a half cent); the
    outer one then rounds half away from zero (2.675 → 2.68, −1.005 → −1.01)."""
    return f"ROUND(ROUND({expr},{GUARD_PLACES}),2)"


def render(node: Node) -> str:
    """The expression of a tree: every numeric leaf rounded half-up to 2 places."""
    if isinstance(node, Num):
        return cents(node.expr)
    if isinstance(node, Text):
        return f'"{node.status}"'
    return f"IF({node.cond},{render(node.then)},{render(node.other)})"


def graft(node: Node, leaf: Callable[[str], Node]) -> Node:
    """Replace every numeric leaf by ``leaf(its expression)``."""
    if isinstance(node, Num):
        return leaf(node.expr)
    if isinstance(node, Text):
        return node
    return If(node.cond, graft(node.then, leaf), graft(node.other, leaf))


def guarded(conditions: Sequence[tuple[str | None, str]], body: Node) -> Node:
    """``body`` behind (condition, status) guards, the first guard outermost."""
    for cond, status in reversed(conditions):
        if cond:
            body = If(cond, Text(status), body)
    return body


def any_of(conds: Sequence[str]) -> str | None:
    conds = [c for c in conds if c]
    if not conds:
        return None
    return conds[0] if len(conds) == 1 else f"OR({','.join(conds)})"


def num(value: Decimal | int) -> str:
    """A literal: 0.5, 12, -3 (no exponent, no trailing zeros)."""
    text = format(Decimal(value).normalize(), "f")
    return text if text != "-0" else "0"


# --- inputs -------------------------------------------------------------------------


def is_blank(cell: str) -> str:
    return f'{cell}=""'


def _texts(cell: str, texts: Sequence[str]) -> str:
    return f"ISNUMBER(MATCH({cell},{_choice_list(texts)},0))"


def flag_yes(cell: str) -> str:
    return f"OR({_texts(cell, _YES)},{cell}=1,{cell}=TRUE)"


def _flag_ok(cell: str) -> str:
    return f"OR({_texts(cell, (*_YES, *_NO))},{cell}=1,{cell}=0,{cell}=TRUE,{cell}=FALSE)"


def _number_ok(cell: str, lo: Decimal | None, hi: Decimal | None, whole: bool) -> str:
    conds = [f"{cell}>={num(lo)}" if lo is not None else f"{cell}>=-{BOUND}",
             f"{cell}<={num(hi)}" if hi is not None else f"{cell}<={BOUND}"]
    if whole:
        conds = [f"{cell}>=0", f"{cell}=ROUND({cell},0)", *conds]
    # IF, not AND: ROUND of a text would be #VALUE!, and AND evaluates every argument
    return f"IF(ISNUMBER({cell}),AND({','.join(conds)}),FALSE)"


def _choice_list(choices: Sequence[str]) -> str:
    return "{" + ",".join(f'"{c}"' for c in choices) + "}"


def choice_index(cell: str, choices: Sequence[str]) -> str:
    return f"MATCH({cell},{_choice_list(choices)},0)"


def _scores_counts(cell: str) -> tuple[str, str]:
    """(cells filled, cells holding numbers) of a range."""
    return f'SUMPRODUCT(({cell}<>"")*1)', f"SUMPRODUCT(ISNUMBER({cell})*1)"


def input_checks(spec: InputSpec, cell: str) -> tuple[str | None, str | None]:
    """(blank and required, filled but not valid) for one input."""
    if spec.type == "scores":
        filled, numbers = _scores_counts(cell)
        lo, hi = spec.lo if spec.lo is not None else Decimal(0), spec.hi
        bad = [f"{filled}<>{numbers}", f'COUNTIF({cell},"<{num(lo)}")>0']
        if hi is not None:
            bad.append(f'COUNTIF({cell},">{num(hi)}")>0')
        return f"{filled}=0", f"OR({','.join(bad)})"
    if spec.type == "records":
        return None, None
    missing = is_blank(cell) if spec.required else None
    if spec.type == "note":
        return missing, None
    if spec.type == "flag":
        ok = _flag_ok(cell)
    elif spec.type == "choice":
        ok = f"ISNUMBER({choice_index(cell, spec.choices)})"
    else:
        ok = _number_ok(cell, spec.lo, spec.hi, spec.type == "count")
    return missing, f"AND({cell}<>\"\",{ok}=FALSE)"


# --- the kinds ----------------------------------------------------------------------

Cells = Mapping[str, str]


def _units(clause: K.Clause, cells: Cells) -> str:
    return f"IF({flag_yes(cells[clause.input])},1,0)" if clause.flag else cells[clause.input]


def _clause_sum(clauses: Sequence[K.Clause], cells: Cells, sign: int = 1) -> str:
    terms = []
    for c in clauses:
        k = c.per_unit * sign
        terms.append(f"{'+' if k >= 0 else '-'}{num(abs(k))}*{_units(c, cells)}")
    return "".join(terms)


def _direct(item: K.DirectItem, cells: Cells) -> Node:
    return Num(cells["score"])


def _deduct(item: K.DeductItem, cells: Cells) -> Node:
    return Num(f"MAX({num(item.floor)},{num(item.points)}{_clause_sum(item.clauses, cells, -1)})")


def _add(item: K.AddItem, cells: Cells) -> Node:
    raw = f"{num(item.base)}{_clause_sum(item.clauses, cells)}"
    return Num(raw if item.cap is None else f"MIN({num(item.cap)},{raw})")


def _adjust(item: K.AdjustItem, cells: Cells) -> Node:
    raw = f"{num(item.start)}{_clause_sum(item.clauses, cells)}"
    floored = Num(f"MAX({num(item.floor)},{raw})")
    if item.bonus_cap is None:
        return floored
    top = num(item.start + item.bonus_cap)
    return If(f"{raw}>{top}", Num(top), floored)


def _ratio(item: K.RatioItem, cells: Cells) -> Node:
    n, d = cells["numerator"], cells["denominator"]
    when_zero = item.points if item.when_zero is None else item.when_zero
    return If(f"{d}=0", If(f"{n}<>0", Text(INVALID), Num(num(when_zero))),
              If(f"{n}>{d}", Text(INVALID), Num(f"{num(item.points)}*{n}/{d}")))


def _completion(item: K.CompletionItem, cells: Cells) -> Node:
    a, t = cells["actual"], cells["target"]
    p = num(item.points)
    score = If(f"{a}/{t}>{num(item.cap)}", Num(f"{p}*{num(item.cap)}"), Num(f"{p}*{a}/{t}"))
    no_actual = Text(UNFILLED) if item.no_actual == "error" else Num("0")
    body = If(f"{t}<=0", Text(INVALID), If(is_blank(a), no_actual, If(f"{a}<0", Text(INVALID), score)))
    return If(is_blank(t), Text(DROPPED), body) if item.no_target == "drop" else body


def _threshold(item: K.ThresholdItem, cells: Cells) -> Node:
    a, t = cells["actual"], cells["target"]
    p = num(item.points)
    bonus = f"{num(item.per_point_above)}*({a}-{t})*100"
    above = Num(f"{p}+{bonus}" if item.bonus_cap is None else f"{p}+MIN({num(item.bonus_cap)},{bonus})")
    below = Num(f"MAX({num(item.floor)},{p}-{num(item.per_point_below)}*({t}-{a})*100)")
    return If(f"{a}>={t}", above, below)


def _growth(item: K.GrowthItem, cells: Cells) -> Node:
    a, t = cells["actual"], cells["target"]

    def share(step: Decimal) -> str:
        raw = f"{num(item.at_target)}+{num(step)}*({a}-{t})*100"
        return f"{num(item.points)}*MIN({num(item.max_share)},MAX({num(item.min_share)},{raw}))"

    body = If(f"{a}>={t}", Num(share(item.per_point_above)), Num(share(item.per_point_below)))
    return If(f"{a}<0", Num("0"), body) if item.negative_growth_zero else body


def _rank(item: K.RankItem, cells: Cells) -> Node:
    return Num(f"MAX({num(item.floor)},{num(item.points)}-{num(item.step)}*({cells['rank']}-1))")


def _average(item: K.AverageItem, cells: Cells) -> Node:
    rng = cells["scores"]
    _, numbers = _scores_counts(rng)
    scale = "" if item.rescale == 1 else f"*{num(item.rescale)}"
    return Num(f"SUM({rng}){scale}/{numbers}")


def _discretionary(item: K.DiscretionaryItem, cells: Cells) -> Node:
    v, note = cells["value"], cells["note"]
    score: Node = Num(f"{num(item.base)}+{v}" if item.base else v)
    if item.note == "when_nonzero":
        score = If(f"AND({v}<>0,{is_blank(note)})", Text(UNFILLED), score)
    if item.allow_zero:
        return If(f"AND({v}<>0,OR({v}<{num(item.min)},{v}>{num(item.max)}))", Text(INVALID), score)
    return score


def _count_due(item: K.CountDueItem, cells: Cells) -> Node:
    c = cells["count"]
    extra = f"{num(item.per_extra)}*({c}-{item.due})"
    if item.extra_cap is not None:
        extra = f"MIN({num(item.extra_cap)},{extra})"
    return If(f"{c}<{item.due}", Num(f"{num(item.per_short)}*{c}"), Num(f"{num(item.points)}+{extra}"))


def _presence(item: K.PresenceItem, cells: Cells) -> Node:
    c = cells["count"]
    extra = f"{num(item.per_extra)}*({c}-1)"
    if item.extra_cap is not None:
        extra = f"MIN({num(item.extra_cap)},{extra})"
    return If(f"{c}=0", Num("0"), Num(f"{num(item.points)}+{extra}"))


def _choice(item: K.ChoiceItem, cells: Cells) -> Node:
    values = "{" + ",".join(num(v) for v in item.options.values()) + "}"
    return Num(f"INDEX({values},{choice_index(cells['choice'], list(item.options))})")


def _lookup(item: K.LookupItem, cells: Cells) -> Node:
    rng = cells["records"]
    filled, _ = _scores_counts(rng)
    return If(f"{filled}=0", Text(UNFILLED), Text(AT_OFFICE))


def _veto(item: K.VetoItem, cells: Cells) -> Node:
    return Num("0")


def _sum(item: K.SumItem, cells: Cells) -> Node:
    # as the engine does, a part's own veto flag is read but does not zero the part
    parts = [_KINDS[p.kind](p, cells) for p in item.parts]
    acc = graft(parts[0], lambda a: Num(cents(a)))
    for part in parts[1:]:
        acc = graft(acc, lambda a, part=part: graft(part, lambda b, a=a: Num(f"{a}+{cents(b)}")))
    return acc


_KINDS: Mapping[str, Callable[..., Node]] = {
    "direct": _direct, "deduct": _deduct, "add": _add, "adjust": _adjust, "ratio": _ratio,
    "completion": _completion, "threshold": _threshold, "growth": _growth, "rank": _rank, "average": _average,
    "discretionary": _discretionary, "count_due": _count_due, "presence": _presence, "choice": _choice,
    "lookup": _lookup, "veto": _veto, "sum": _sum,
}

UNEXPRESSIBLE = frozenset({"lookup"})
"""Kinds whose cell shows its inputs' status (未填 / 汇总时计分) rather than a score."""


def _rule(item: ItemBase, cells: Cells) -> Node:
    rule = _KINDS[item.kind](item, cells)
    if item.veto is not None and item.veto.zero_item:
        rule = If(flag_yes(cells[item.veto.input]), Num("0"), rule)
    return rule


def checked(inputs: Sequence[tuple[InputSpec, str]], rule: Node) -> Node:
    """``rule`` behind its inputs' checks: 未填 when a required one is blank, else 输入有误
    when one is not valid."""
    checks = [input_checks(spec, cell) for spec, cell in inputs]
    return guarded([(any_of([m for m, _ in checks if m]), UNFILLED),
                    (any_of([b for _, b in checks if b]), INVALID)], rule)


def item_tree(item: ItemBase, cells: Sequence[str]) -> Node:
    """The formula tree of an item over its input cells (in declared input order; a
    ``scores`` or ``records`` input is a range)."""
    specs = item.inputs()
    if len(cells) != len(specs):
        raise ValueError(f"{item.id}: {len(specs)} inputs, {len(cells)} cells")
    return checked(list(zip(specs, cells)), _rule(item, {s.name: c for s, c in zip(specs, cells)}))


def compile_item(item: ItemBase, cells: Sequence[str]) -> str:
    """``=…``: the item's score as a native formula (see the module docstring)."""
    return "=" + render(item_tree(item, cells))


# --- totals and the staff formulas --------------------------------------------------


@dataclass(frozen=True)
class TotalItem:
    """One item row of a table, as the total sees it."""

    cell: str
    points: Decimal
    bonus: bool
    may_drop: bool
    at_office: bool = False
    """The item's kind is scored only at the office (see UNEXPRESSIBLE)."""


def may_drop(item: ItemBase) -> bool:
    if isinstance(item, K.CompletionItem):
        return item.no_target == "drop"
    if isinstance(item, K.SumItem):
        return any(may_drop(p) for p in item.parts)
    return False


def _status_of(cells: Sequence[str], allow_dropped: bool, at_office: bool = False) -> tuple[str, str]:
    """(some cell is not a number, the status to show then: 未填 before 汇总时计分 before 输入有误)."""
    def count(status: str) -> str:
        return "+".join(f'({c}="{status}")' for c in cells)

    ok = "+".join(f"ISNUMBER({c})" + (f'+({c}="{DROPPED}")' if allow_dropped else "") for c in cells)
    other = f'IF(({count(AT_OFFICE)})>0,"{AT_OFFICE}","{INVALID}")' if at_office else f'"{INVALID}"'
    return f"({ok})<{len(cells)}", f'IF(({count(UNFILLED)})>0,"{UNFILLED}",{other})'


def compile_total(items: Sequence[TotalItem], points: Decimal, *, cap_total: bool, rescale_dropped: bool) -> str:
    """The table's total as the engine computes it (addin.engine.tables.score_items):
    regular items add up; with ``rescale_dropped`` the points of dropped items follow the
    others' average score rate; with ``cap_total`` the sum stops at the table's points;
    declared bonus items add on top. Any item not scored shows its status instead."""
    if not items:
        return "=0"
    regular = [i for i in items if not i.bonus]
    bonus = [i for i in items if i.bonus]
    notok, status = _status_of([i.cell for i in items], True, any(i.at_office for i in items))
    subtotal = f"SUM({','.join(i.cell for i in regular)})" if regular else "0"
    droppable = [i for i in regular if i.may_drop]
    if rescale_dropped and droppable:
        dropped = "+".join(f'({i.cell}="{DROPPED}")*{num(i.points)}' for i in droppable)
        base = f"({num(sum((i.points for i in regular), Decimal(0)))}-({dropped}))"
        subtotal = f"{subtotal}+IF({base}>0,{cents(f'({dropped})*{subtotal}/{base}')},0)"
    if cap_total:
        subtotal = f"MIN({num(points)},{subtotal})"
    total = subtotal + (f"+SUM({','.join(i.cell for i in bonus)})" if bonus else "")
    return f"=IF({notok},{status},{cents(total)})"


def compile_sum(cells: Sequence[str]) -> str:
    """A subtotal of other formula cells: their sum, or the first status among them."""
    notok, status = _status_of(cells, False)
    return f"=IF({notok},{status},{cents(f'SUM({chr(44).join(cells)})')})"


def compile_inputs_sum(cells: Sequence[str], specs: Sequence[InputSpec]) -> str:
    """A subtotal of input cells, each checked against its range (a blank is 未填)."""
    return "=" + render(checked(list(zip(specs, cells)), Num(f"SUM({','.join(cells)})")))


def compile_democratic(cells: Sequence[str], weights: Sequence[Decimal], points: Decimal) -> str:
    """民主测评: points × Σ(weight × votes) ÷ Σ votes (addin.engine.staff.democratic_score);
    every count required and whole; no votes at all is 输入有误."""
    spec = InputSpec("votes", "票数", "count", Decimal(0))
    total = "+".join(cells)
    weighted = "+".join(f"{num(w)}*{c}" for w, c in zip(weights, cells))
    rule = If(f"({total})=0", Text(INVALID), Num(f"{num(points)}*({weighted})/({total})"))
    return "=" + render(checked([(spec, c) for c in cells], rule))


def _first_status(cells: Sequence[str], body: str) -> str:
    """``body``, unless one of the formula cells ``cells`` shows a status (text): the first such."""
    for c in reversed(cells):
        body = f'IF(AND(ISNUMBER({c})=FALSE,{c}<>""),{c},{body})'
    return body


def compile_staff_total(democratic: str, business: str, public: str, *, weight: Decimal,
                        democratic_points: Decimal, business_points: Decimal, public_points: Decimal,
                        computed: Sequence[str] = ()) -> str:
    """总分 = 民主测评 + weight × (业务 + 公共), to 2 places (addin.engine.staff.staff_total).
    ``computed`` are the arguments that are formula cells: a status they show is passed on."""
    specs = [InputSpec("d", "民主测评", "number", Decimal(0), democratic_points),
             InputSpec("b", "业务目标", "number", Decimal(0), business_points),
             InputSpec("p", "公共目标", "number", Decimal(0), public_points)]
    rule = Num(f"{democratic}+{num(weight)}*({business}+{public})")
    tree = checked(list(zip(specs, (democratic, business, public))), rule)
    return "=" + _first_status(list(computed), render(tree))


def compile_grade(total: str, complaint: str, *, competent_min: Decimal, basic_min: Decimal,
                  complaint_cap: str, grades: Sequence[str]) -> str:
    """The grade before the quota (never 优秀: that needs a place in the quota), from a total
    cell that may show a status; a complaint caps it (addin.engine.staff._grade)."""
    competent, basic, below = grades[1], grades[2], grades[3]
    capped = grades.index(complaint_cap)

    def grade(name: str) -> str:
        if grades.index(name) < capped:
            return f'IF({flag_yes(complaint)},"{complaint_cap}","{name}")'
        return f'"{name}"'

    t = f"ROUND({total},2)"
    by_total = (f"IF({t}>={num(competent_min)},{grade(competent)},IF({t}>={num(basic_min)},{grade(basic)},"
                f"{grade(below)}))")
    bad_flag = f"AND({complaint}<>\"\",{_flag_ok(complaint)}=FALSE)"
    return (f'=IF({total}="","{UNFILLED}",IF(ISNUMBER({total})=FALSE,{total},'
            f'IF({bad_flag},"{INVALID}",{by_total})))')
