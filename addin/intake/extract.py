"""Read a workbook's inputs through its defined names, check them with the engine,
recompute its results, and say what goes into the master workbook."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from addin.engine.audit import AuditUnitInput, assess_audit
from addin.engine.audit_year import signed
from addin.engine.items import ItemScore
from addin.numbers import cents, fmt, is_blank, q2, read_choice, read_date, read_flag, read_number, to_decimal
from addin.engine.staff import GRADES, democratic_from_raw
from addin.engine.tables import score_table
from addin.engine.units import BookItem, score_business_book
from addin.intake.xlsx import Book, resolve
from addin.native_formula import AT_OFFICE, DROPPED, UNFILLED
from addin.problems import Problem
from addin.office.roster import Roster, roster_key
from addin.scheme.audit_columns import AUDIT_SHEET, SELF_PART, SELF_TOTAL, VETO, category_header
from addin.scheme.columns import bonus_columns
from addin.scheme.models import AuditScheme, MunicipalScheme
from addin.workbook.identity import Identity, input_name, output_name


ANY_UNIT_SHEET = "*"
"""An update for whichever unit sheet (部门 or 区市) holds the unit."""


@dataclass
class Update:
    """Set ``values`` (by column header) on the row of ``sheet`` whose ``key_header`` is ``key``."""

    sheet: str
    key_header: str
    key: str
    values: dict[str, Any]


@dataclass
class Replace:
    """Replace every row of ``sheet`` whose ``key_header`` value is in ``keys`` by ``rows``."""

    sheet: str
    key_header: str
    keys: set[str]
    rows: list[dict[str, Any]]


@dataclass
class Extracted:
    values: dict[str, Any] = field(default_factory=dict)
    updates: list[Update | Replace] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class Reader:
    """Cells by defined name, with their addresses for locating problems."""

    def __init__(self, book: Book, file: str):
        self.book, self.file = book, file
        self.where: dict[str, tuple[str, str]] = {}

    def cells(self, name: str) -> list[tuple[str, str, Any, str | None]]:
        ref = self.book.names.get((None, name))
        target = resolve(self.book, ref) if ref else None
        if not target or target[0] not in self.book.sheets:
            return []
        sheet = self.book.sheets[target[0]]
        out = []
        for coord in target[1]:
            cell = sheet.cells.get(coord)
            out.append((target[0], coord, None if cell is None else cell.value, None if cell is None else cell.formula))
        return out

    def value(self, name: str) -> Any:
        cells = self.cells(name)
        if not cells:
            return None
        sheet, coord, value, _ = cells[0]
        self.where[name] = (sheet, coord)
        return value

    def column(self, name: str) -> list[Any]:
        return [c[2] for c in self.cells(name)]

    def locate(self, problem: Problem, name: str | None) -> Problem:
        if name and name in self.where:
            sheet, coord = self.where[name]
            return problem.located(file=self.file, sheet=sheet, cell=coord)
        return problem.located(file=self.file)


def _cached_mismatch(reader: Reader, name: str, expected: Any) -> Problem | None:
    """A warning when the value the sender saw differs from ours."""
    cells = reader.cells(name)
    if not cells:
        return None
    sheet, coord, cached, _ = cells[0]
    if expected is None or cached in (None, ""):
        return None  # nothing was shown to the sender (saved without cached values)
    same = isinstance(cached, float) and cents(to_decimal(cached)) == cents(expected) if isinstance(
        expected, Decimal) else cached == expected
    if same or cached in ("待填写", "—", UNFILLED, DROPPED, AT_OFFICE):
        # placeholders of the add-in and native forms, not a value the sender disagrees with
        # (a native 输入有误 where intake reads a number is worth the warning)
        return None
    return Problem("cached_differs",
                   f"重算结果为 {fmt(expected) if isinstance(expected, Decimal) else expected}，与文件中显示的 "
                   f"{cached} 不同（已按重算结果接收） [recomputed {expected}, the file showed {cached}]",
                   severity="warning", file=reader.file, sheet=sheet, cell=coord, value=cached)


def _locate_items(reader: Reader, scores: list[ItemScore], prefix: tuple[str, ...], specs_of) -> list[Problem]:
    out = []
    for s in scores:
        for p in s.problems:
            name = None
            for spec in specs_of(s.item):
                if spec.label == p.field:
                    name = input_name(*prefix, s.item, spec.name)
            out.append(reader.locate(p, name))
    return out


HALF_YEAR_SHEET = "区市半年"
"""The master's sheet of the districts' half-year figures (made on first use): never read by
recompute, so the half-year round never enters the year's results."""


def extract_appendix(identity: Identity, reader: Reader, municipal: MunicipalScheme) -> Extracted:
    half_year = identity.template_kind.endswith(":half")
    kind = identity.template_kind.removesuffix(":half").split(":")
    table = municipal.table(kind[1])
    tier_name = kind[2] if len(kind) > 2 else table.tiers[0]
    out = Extracted()
    inputs: dict[str, dict[str, Any]] = {}
    specs = {i.id: i.inputs() for i in table.items}
    for item in table.items:
        raw = {}
        for spec in specs[item.id]:
            name = input_name(table.id, item.id, spec.name)
            raw[spec.name] = reader.value(name)
            out.values[f"{table.id}.{item.id}.{spec.name}"] = raw[spec.name]
        inputs[item.id] = raw
    result = score_table(table, inputs, record=identity.unit_code)
    out.problems += _locate_items(reader, list(result.items), (table.id,), lambda i: specs[i])
    if result.total is None:
        return out
    for s in result.items:
        mismatch = _cached_mismatch(reader, output_name(table.id, s.item), s.score)
        if mismatch:
            out.problems.append(mismatch)
    mismatch = _cached_mismatch(reader, output_name(table.id, "total"), result.total)
    if mismatch:
        out.problems.append(mismatch)
    out.values[f"{table.id}.total"] = result.total
    tier = getattr(municipal, tier_name)
    for part in tier.business + tier.public:
        if table.id == part.table or table.id in part.alternatives:
            sheet = "部门" if tier_name == "departments" else (HALF_YEAR_SHEET if half_year else "区市")
            out.updates.append(Update(sheet, "单位编码", identity.unit_code, {part.name: result.total}))
    return out


def extract_audit(identity: Identity, reader: Reader, audit: AuditScheme, roster: Roster | None = None) -> Extracted:
    """An audit unit's 审计目标考评表: the final score (最终评定) recomputed from the inputs,
    written to the master's 审计 table (each category's score, the veto, the self-assessed
    total); each item whose 自评 differs from the final score is a located warning, and so is
    a 自评 left half-filled. The roster's 类别 must be the form's."""
    unit_type = identity.template_kind.split(":")[1]
    out = Extracted()
    inputs: dict[str, dict[str, Any]] = {}
    specs = {}
    for cat in audit.categories:
        for item in cat.items:
            if item.applies_to is not None and unit_type not in item.applies_to:
                continue
            specs[item.id] = item.inputs()
            raw = {}
            for spec in specs[item.id]:
                name = input_name(cat.id, item.id, spec.name)
                raw[spec.name] = reader.column(name) if spec.type == "scores" else reader.value(name)
                out.values[f"{item.id}.{spec.name}"] = raw[spec.name]
            inputs[item.id] = raw
    listed = next((u for u in (roster.units if roster else []) if u.code == identity.unit_code), None)
    if listed is not None and listed.type != unit_type:
        out.problems.append(Problem(
            "audit_type_differs", f"汇总工作簿“{AUDIT_SHEET}”表中 {identity.unit_code} 的类别为“{listed.type}”，本表为{unit_type}"
            f"考评表；请核对名册，或使用考核办按名册下发的模板 [the master lists {identity.unit_code} as {listed.type}, "
            f"this is the {unit_type} form]", file=reader.file, record=identity.unit_code, value=listed.type,
            allowed=unit_type))
    result = assess_audit(audit, [AuditUnitInput(identity.unit_code, identity.unit_name, unit_type, inputs)])
    unit = result.units[0]
    cat_of = {i.id: c.id for c in audit.categories for i in c.items}
    for cat in unit.categories.values():
        for s in cat.items:
            for p in s.problems:
                name = next((input_name(cat_of[s.item], s.item, sp.name) for sp in specs[s.item]
                             if sp.label == p.field), None)
                out.problems.append(reader.locate(p, name))
    self_total, self_problems = _self_assessment(reader, audit, unit, specs, out)
    out.problems += self_problems
    if unit.total is not None and not any(p.is_error for p in out.problems):
        out.values.update({"total": unit.total, "rate": unit.rate})
        mismatch = _cached_mismatch(reader, output_name("total"), unit.total)
        if mismatch:
            out.problems.append(mismatch)
        values: dict[str, Any] = {category_header(c): unit.categories[c.id].total for c in audit.categories}
        out.updates.append(Update(AUDIT_SHEET, "单位编码", identity.unit_code,
                                  {**values, VETO: unit.veto or "", SELF_TOTAL: self_total}))
    return out


def _self_assessment(reader: Reader, audit: AuditScheme, unit, specs: dict, out: Extracted
                     ) -> tuple[Decimal | None, list[Problem]]:
    """The unit's 自评 of each item against the final score: (the self-assessed total, when
    every item not a declared bonus has one; problems). A blank bonus counts 0."""
    problems: list[Problem] = []
    scores = {s.item: s.score for cat in unit.categories.values() for s in cat.items}
    given: dict[str, Decimal] = {}
    blank: list[str] = []
    for cat in audit.categories:
        for item in cat.items:
            if item.id not in specs:
                continue
            name = input_name(SELF_PART, cat.id, item.id)
            raw = reader.value(name)
            value, problem = read_number(raw, f"{item.id} {item.name}·自评得分", lo=0, required=False, item=item.id,
                                         field="自评得分")
            if problem:
                problems.append(reader.locate(problem, name))
                continue
            if value is None:
                if not item.bonus:
                    blank.append(item.id)
                continue
            given[item.id] = value
            out.values[f"{item.id}.self"] = value
            final = scores.get(item.id)
            if final is not None and q2(value) != final:
                problems.append(reader.locate(Problem(
                    "self_differs", f"{item.id} {item.name}：自评 {fmt(value)}，最终评定 {fmt(final)}（相差 "
                    f"{signed(q2(final - value))}），以最终评定为准 [{item.id}: self-assessed {fmt(value)}, final "
                    f"{fmt(final)}]", severity="warning", item=item.id, value=value, allowed=fmt(final)), name))
    if not given:
        return None, problems  # no self-assessment in this file
    if blank:
        problems.append(Problem(
            "self_incomplete", f"自评未填完（{'、'.join(blank)} 未填），未计自评总分 [self-assessment incomplete: "
            f"{', '.join(blank)} blank]", severity="warning", file=reader.file, value=len(blank)))
        return None, problems
    self_total = q2(sum(given.values(), Decimal(0)))
    out.values["self_total"] = self_total
    if unit.total is not None and self_total != unit.total:
        where = reader.cells(output_name(SELF_PART, "total"))
        problems.append(Problem(
            "self_differs", f"总分：自评 {fmt(self_total)}，最终评定 {fmt(unit.total)}（相差 "
            f"{signed(q2(unit.total - self_total))}），以最终评定为准 [total: self-assessed {fmt(self_total)}, final "
            f"{fmt(unit.total)}]", severity="warning", value=self_total, allowed=fmt(unit.total), file=reader.file,
            sheet=where[0][0] if where else None, cell=where[0][1] if where else None))
    return self_total, problems


def extract_target_book(identity: Identity, reader: Reader, municipal: MunicipalScheme) -> Extracted:
    out = Extracted()
    items = []
    i = 1
    while (None, input_name("book", str(i), "item")) in reader.book.names:
        name = reader.value(input_name("book", str(i), "item"))
        points = reader.value(input_name("book", str(i), "points"))
        standard = reader.value(input_name("book", str(i), "standard"))
        if not (is_blank(name) and is_blank(points)):
            items.append((i, BookItem(str(name or ""), points)))
            out.values[f"book.{i}"] = {"item": name, "points": points, "standard": standard}
        i += 1
    _, problems = score_business_book(municipal.departments, [b for _, b in items], scored=False,
                                      record=identity.unit_code)
    for p in problems:
        row = next((n for n, b in items if b.name == p.item), None)
        out.problems.append(reader.locate(p, input_name("book", str(row), "points") if row else None))
    return out


def extract_scoring_sheet(identity: Identity, reader: Reader, municipal: MunicipalScheme) -> Extracted:
    out = Extracted()
    units: dict[str, list[int]] = {}
    for (_scope, name) in reader.book.names:
        if name.startswith("KH_IN_") and name.endswith("_score"):
            code, row = name[6:-6].rsplit("_", 1)
            units.setdefault(code, []).append(int(row))
    for code, rows in units.items():
        items = []
        for i in sorted(rows):
            name_key = input_name(code, str(i), "item")
            if (None, name_key) in reader.book.names:
                item_name = reader.value(name_key)
                points = reader.value(input_name(code, str(i), "points"))
            else:
                item_name, points = f"第{i}项", _row_points(reader, code, i)
            score = reader.value(input_name(code, str(i), "score"))
            if is_blank(item_name) and is_blank(points) and is_blank(score):
                continue
            items.append((i, BookItem(str(item_name), points, score)))
            out.values[f"{code}.{i}"] = {"item": item_name, "points": points, "score": score}
        total, problems = score_business_book(municipal.departments, [b for _, b in items], record=code)
        for p in problems:
            row = next((n for n, b in items if b.name == p.item), None)
            field_name = "score" if p.field == "得分" else "points"
            out.problems.append(reader.locate(p, input_name(code, str(row), field_name) if row else None))
        if total is not None:
            out.values[f"{code}.business"] = total
            out.updates.append(Update("部门", "单位编码", code, {municipal.departments.business[0].name: total}))
    return out


def _row_points(reader: Reader, code: str, row: int) -> Any:
    """The locked points cell beside a score (one column to the left)."""
    cells = reader.cells(input_name(code, str(row), "score"))
    if not cells:
        return None
    sheet, coord, _, _ = cells[0]
    col, num = coord.rstrip("0123456789"), coord[len(coord.rstrip("0123456789")):]
    left = chr(ord(col[-1]) - 1)
    cell = reader.book.sheets[sheet].cells.get(f"{col[:-1]}{left}{num}")
    return None if cell is None else cell.value


def _known_unit(unit: Any, units: set[str], what: str, out: Extracted, **where: Any) -> str | None:
    """The unit code of a register row, or None with a located problem when it is not on the roster."""
    code = None if is_blank(unit) else str(unit).strip()
    if code not in units:
        out.problems.append(Problem("unknown_unit", f"{what}：单位编码 {unit} 不在名册中 [unknown unit]",
                                    value=unit, **where))
        return None
    return code


def _outside_group(unit: Any, outside: set[str], group: str | None, what: str, out: Extracted, **where) -> bool:
    """A group's register names a unit of another group: a located error."""
    code = roster_key(unit)
    if not outside or code not in outside:
        return False
    out.problems.append(Problem("unit_outside_group", f"{what}：{code} 不是{group}的单位，分口考核组只能登记本口单位 "
                                f"[{code} is not a unit of the {group} group]", value=code, record=code, **where))
    return True


def extract_register(identity: Identity, reader: Reader, municipal: MunicipalScheme, units: set[str],
                     year: int, scope: tuple[str, set[str]] | None = None) -> Extracted:
    """The 加分登记 and 通报批评 registers: the office's for every unit, or — ``scope``, (group,
    its units) — a sector group's (口考核组) for its own units only: a row of another unit is
    a located error, and only the group's units are replaced in the master."""
    out = Extracted()
    if scope is not None:
        group, own = scope
        outside = units - own
        units = own
    else:
        group, outside = None, set()
    bonus = municipal.departments.innovation_bonus
    names_rows, names_cols = bonus.row_names(), bonus.column_names()
    key, project_col, row_col, column_col = bonus_columns(municipal)
    cols = [reader.cells(input_name("bonus", k)) for k in ("unit", "project", "recognizer", "level")]
    rows = []
    for cells in zip(*cols):
        (sheet, coord, unit, _), (_, _, project, _), (_, c_rec, rec, _), (_, c_lvl, level, _) = cells
        if all(is_blank(v) for v in (unit, project, rec, level)):
            continue
        where = {"file": reader.file, "sheet": sheet}
        if _outside_group(unit, outside, group, "加分登记", out, cell=coord, **where):
            continue
        code = _known_unit(unit, units, "加分登记", out, cell=coord, **where)
        if code is None:
            continue
        r, p1 = read_choice(rec, bonus.row_label, names_rows, cell=c_rec, **where)
        lv, p2 = read_choice(level, bonus.column_label, names_cols, cell=c_lvl, **where)
        if is_blank(project):
            out.problems.append(Problem("missing", "加分登记：创新项目未填写 [project name is blank]", cell=coord,
                                        **where))
            continue
        if p1 or p2:
            out.problems += [p for p in (p1, p2) if p]
            continue
        rows.append({key: code, project_col: str(project).strip(), row_col: r, column_col: lv})
    out.values["bonus"] = rows
    counts: dict[str, int] = {}
    crit_cols = [reader.cells(input_name("criticism", k)) for k in ("unit", "date")]
    for (sheet, coord, unit, _), (_, c_date, date, _) in zip(*crit_cols):
        if is_blank(unit) and is_blank(date):
            continue
        where = {"file": reader.file, "sheet": sheet}
        if _outside_group(unit, outside, group, "通报批评", out, cell=coord, **where):
            continue
        code = _known_unit(unit, units, "通报批评", out, cell=coord, **where)
        if code is None:
            continue
        day, _problem = read_date(date, "通报日期", required=False)  # located just below
        if day is None or day.year != year:
            out.problems.append(Problem("bad_date", f"通报批评：通报日期 {date} 应为{year}年内的日期 "
                                                    f"[the date must be in {year}]", cell=c_date, value=date,
                                        allowed=f"{year}-01-01–{year}-12-31", **where))
            continue
        counts[code] = counts.get(code, 0) + 1
    out.values["criticisms"] = counts
    out.updates.append(Replace("加分登记", "单位编码", set(units), rows))
    for code in sorted(units):  # the register holds the whole year: a unit not listed has 0
        out.updates.append(Update(ANY_UNIT_SHEET, "单位编码", code, {"通报批评次数": counts.get(code, 0)}))
    return out


def _office_owned(out: Extracted, file: str, sheet: str, row: dict, person) -> None:
    """A warning for each office-owned field (姓名, 层级, 主要负责人) the file shows otherwise
    than the roster: the roster's value is used."""
    shown = {"name": ("姓名", person.name), "level": ("层级", person.level),
             "head": ("主要负责人", "是" if person.is_head else "否")}
    for key, (label, expected) in shown.items():
        got = row[key][2]
        if is_blank(got) or roster_key(got) == roster_key(expected):
            continue
        out.problems.append(Problem(
            "office_owned", f"人员 {person.code} 的{label}以考核名册为准（{expected}），文件中的“{str(got)[:40]}”未采用；"
            f"如名册有误请联系考核办 [{label} comes from the office's roster; the file's value was not used]",
            severity="warning", file=file, sheet=sheet, cell=row[key][1], value=str(got)[:40], record=person.code))


def extract_staff_roster(identity: Identity, reader: Reader, municipal: MunicipalScheme,
                         roster: Roster | None = None) -> Extracted:
    """One master 人员 row per person. Each code is looked up on the roster (the master's
    人员 table): a person not on it, or of another unit, is refused at the cell; codes are
    compared with whitespace and full-width forms folded ("P1 " is P1)."""
    out = Extracted()
    on_roster = {roster_key(p.code): p for p in roster.people} if roster is not None else None
    staff = municipal.staff
    keys = ["code", "name", "level", "head", *[f"votes_{k}" for k in range(len(staff.vote_weights))],
            "business", "public", "complaint", "serious", "previous"]
    columns = {k: reader.cells(input_name("staff", k)) for k in keys}
    levels = {lv.name: lv.name for lv in staff.levels}
    seen: set[str] = set()
    for i in range(len(columns["code"])):
        row = {k: columns[k][i] for k in keys}
        code = row["code"][2]
        if is_blank(code) and all(is_blank(row[k][2]) for k in ("business", "public")):
            continue
        sheet = row["code"][0]
        problems: list[Problem] = []
        if on_roster is not None:
            person = on_roster.get(roster_key(code))
            where = {"file": reader.file, "sheet": sheet, "cell": row["code"][1], "value": code, "record": roster_key(code)}
            if person is None:
                out.problems.append(Problem("unknown_person", f"人员编码“{code if not is_blank(code) else '空白'}”"
                                            f"不在考核名册中，请核对（名册由考核办维护） [person {code} is not on the roster]",
                                            **where))
                continue
            if person.unit != identity.unit_code:
                out.problems.append(Problem("person_other_unit", f"人员编码 {person.code} 不是本单位（{identity.unit_code}）"
                                            f"的人员，请核对（名册由考核办维护） [person {person.code} is not on this "
                                            f"unit's roster]", **where))
                continue
            if person.code in seen:
                out.problems.append(Problem("duplicate_person", f"人员编码 {person.code} 重复出现 "
                                            f"[person {person.code} is listed twice]", **where))
                continue
            seen.add(person.code)
            code = person.code

        def take(pair, key, problems=problems, sheet=sheet, row=row, code=code):
            value, problem = pair
            if problem:
                problems.append(problem.located(file=reader.file, sheet=sheet, cell=row[key][1], record=str(code)))
            return value

        if on_roster is not None:  # office-owned: the roster decides, whatever the file says
            level, head, name = person.level, person.is_head, person.name
            _office_owned(out, reader.file, sheet, row, person)
        else:
            level = take(read_choice(row["level"][2], "层级", levels, field="层级"), "level")
            head = take(read_flag(row["head"][2], "主要负责人", blank=False, field="主要负责人"), "head")
            name = row["name"][2]
        votes = [row[f"votes_{k}"][2] for k in range(len(staff.vote_weights))]
        democratic = democratic_from_raw(staff, votes)
        for p in democratic.problems:
            problems.append(p.located(file=reader.file, sheet=sheet, cell=row["votes_0"][1], record=str(code)))
        business = take(read_number(row["business"][2], "业务目标", lo=0, hi=staff.business_points, field="业务目标"),
                        "business")
        public = take(read_number(row["public"][2], "公共目标", lo=0, hi=staff.public_points, field="公共目标"), "public")
        complaint = take(read_flag(row["complaint"][2], "投诉或违纪", blank=False, field="投诉或违纪"), "complaint")
        serious = take(read_flag(row["serious"][2], "情节严重", blank=False, field="情节严重"), "serious")
        previous = take(read_choice(row["previous"][2], "上年等次", {g: g for g in GRADES}, required=False,
                                    field="上年等次"), "previous")
        out.problems += problems
        if problems:
            continue
        values = {"姓名": name, "单位编码": identity.unit_code, "层级": level, "主要负责人": "是" if head else "否",
                  "民主测评": democratic.value, "业务目标": business, "公共目标": public,
                  "投诉或违纪": "是" if complaint else "否", "情节严重": "是" if serious else "否", "上年等次": previous}
        out.values[str(code)] = values
        out.updates.append(Update("人员", "人员编码", str(code), values))
    return out

