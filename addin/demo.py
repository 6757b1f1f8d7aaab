"""The demo year end to end: templates for a sample city, sample submissions mailed to an
inbox, intake, the office's own entries, and 重新计算排名 on the master.

Everything is written into one work folder. Sample values are deterministic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import email.policy
import email.utils
import random
import shutil
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from addin.sample import DEPARTMENTS_BY_GROUP, DISTRICTS, person_names
from addin.scheme.items import InputSpec
from addin.workbook.identity import input_name

GROUPS = list(DEPARTMENTS_BY_GROUP)
"""The sample city's sector groups (分口), in the order their mailboxes are numbered."""


@dataclass(frozen=True)
class DemoPaths:
    folder: Path
    templates: Path
    inbox: Path
    master: Path
    receipt: Path
    circular: Path


def fill_workbook(template: Path, values: dict[str, Any], out: Path) -> Path:
    """Set input cells by defined name and save, as a clerk's spreadsheet program would."""
    import openpyxl

    wb = openpyxl.load_workbook(template)
    for name, value in values.items():
        sheet, ref = list(wb.defined_names[name].destinations)[0]
        cells = wb[sheet][ref.replace("$", "")]
        if isinstance(cells, tuple):
            flat = [c for row in cells for c in (row if isinstance(row, tuple) else (row,))]
            for cell, v in zip(flat, value if isinstance(value, list) else [value]):
                cell.value = v
        else:
            cells.value = value
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


OFFICE_MAILBOX = "khb@example.gov.cn"


def group_mailbox(group: str) -> str:
    return f"fenkou{GROUPS.index(group) + 1}@example.gov.cn"


def sender_of(unit: str) -> str:
    """The sample city's mailboxes: each unit its own, the office and each sector group theirs."""
    if unit == "KHB":
        return OFFICE_MAILBOX
    if unit.startswith("G-"):
        return group_mailbox(unit[2:])
    return f"{unit.lower()}@example.gov.cn"


def write_demo_settings(folder: Path) -> Path:
    """The sample office's 设置.yaml: its own address and the sector groups'."""
    from addin.office.settings import SETTINGS_FILE

    lines = ["# 样例考核办的设置（kaohe demo 生成）", "报送:", f"  考核办邮箱: [{OFFICE_MAILBOX}]", "  分口邮箱:"]
    lines += [f"    {g}: [{group_mailbox(g)}]" for g in GROUPS]
    path = folder / SETTINGS_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def mail(path: Path, attachment: Path, sender: str, subject: str, when: dt.datetime,
         message_id: str | None = None) -> Path:
    msg = EmailMessage(policy=email.policy.default)
    if message_id:
        msg["Message-ID"] = message_id
    msg["Received"] = f"from mail.example.gov.cn by mx.khb.example.gov.cn; {email.utils.format_datetime(when)}"
    msg["From"], msg["To"], msg["Subject"] = sender, OFFICE_MAILBOX, subject
    msg["Date"] = email.utils.format_datetime(when)
    msg.set_content("请查收附件。")
    msg.add_attachment(attachment.read_bytes(), maintype="application",
                       subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=attachment.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(msg.as_bytes())
    return path


def sample_value(spec: InputSpec, rng: random.Random) -> Any:
    """A plausible value for one input of an item."""
    if spec.type == "flag":
        return rng.choice(["否"] * 9 + ["是"])
    if spec.type == "count":
        lo = int(spec.lo or 0)
        return lo + rng.choice([0, 0, 0, 0, 1, 1, 2]) if spec.hi is None else rng.randint(lo, int(spec.hi))
    if spec.type == "choice":
        return rng.choice(spec.choices)
    if spec.type == "note":
        return "按平时掌握情况评定"
    if spec.name == "value" and spec.lo is not None and spec.lo < 0:
        return 0  # a discretionary deduction (A4.6, A4.7): none this year
    if spec.type == "rate":
        return _half_up(rng.uniform(0.05, 0.11), "0.001")
    if spec.type == "scores":
        return [rng.randint(90, 118) for _ in range(rng.randint(3, 6))]
    if spec.hi is not None and spec.lo is not None:
        return _half_up(rng.uniform(float(spec.lo) + (float(spec.hi) - float(spec.lo)) * 0.6, float(spec.hi)), "0.1")
    return None


def _half_up(drawn: float, step: str) -> float:
    """A drawn sample value on the grid ``step`` a clerk would type, rounded half-up as kaohe
    rounds everything (Python's ``round`` rounds a half to even)."""
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(repr(drawn)).quantize(Decimal(step), rounding=ROUND_HALF_UP))


def item_values(items, table_id: str, rng: random.Random, clean: bool = False,
                raw: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Sample inputs by defined name; ``clean`` gives a unit with no deductions (full
    marks), ``raw`` collects the same values by item and input for the engine."""
    values: dict[str, Any] = {}
    for item in items:
        specs = item.inputs()
        for spec in specs:
            name = input_name(table_id, item.id, spec.name)
            if clean and spec.type in ("count", "flag") and spec.name not in ("rank", "count", "numerator",
                                                                                "denominator"):
                values[name] = "否" if spec.type == "flag" else 0
            elif clean and spec.name == "rank":
                values[name] = 1
            elif spec.name == "target":
                values[name] = rng.randrange(80, 500) * 10 if spec.type == "number" else 0.08
            elif spec.name == "actual" and spec.type == "number":
                continue  # set after the target
            elif spec.name == "denominator":
                values[name] = rng.randint(6, 10)
            elif spec.name == "numerator":
                continue
            else:
                value = sample_value(spec, rng)
                if value is not None:
                    values[name] = value
        for spec in specs:
            name = input_name(table_id, item.id, spec.name)
            if spec.name == "actual" and spec.type == "number":
                values[name] = int(_half_up(values[input_name(table_id, item.id, "target")] * rng.uniform(0.85, 1.15), "1"))
            elif spec.name == "numerator":
                values[name] = rng.randint(4, values[input_name(table_id, item.id, "denominator")])
        if raw is not None:
            raw[item.id] = {spec.name: values.get(input_name(table_id, item.id, spec.name)) for spec in specs}
    return values


def sample_city(seed: int):
    """About 60 departments in 8 groups, 7 districts, 12 audit units and 3,000 staff. The
    districts and the county audit bureaus fill native templates (填报方式 通用公式: no
    add-in on their PCs); the rest use the add-in."""
    from addin.office.roster import Roster, RosterPerson, RosterUnit

    rng = random.Random(seed)
    units = []
    for i in range(60):  # the k-th department of each group: names unique city-wide
        group = GROUPS[i % len(GROUPS)]
        units.append(RosterUnit(f"B{i + 1:03d}", DEPARTMENTS_BY_GROUP[group][i // len(GROUPS)], "部门", group,
                                (f"b{i + 1:03d}@example.gov.cn",)))
    units += [RosterUnit(f"Q{i + 1:02d}", name, "区市", mailboxes=(f"q{i + 1:02d}@example.gov.cn",), formulas="native")
              for i, name in enumerate(DISTRICTS)]
    audit = ["办公室", "法规科", "财政审计科", "金融审计科", "经济责任审计科", "固定资产投资审计科", "社会保障审计科",
             "农业审计科", "市中区审计局", "薛城区审计局", "峄城区审计局", "滕州市审计局"]
    units += [RosterUnit(f"S{i + 1:02d}", n, "县市区局", formulas="native") if n.endswith("审计局")
              else RosterUnit(f"S{i + 1:02d}", n, "科室") for i, n in enumerate(audit)]
    people = []
    staffed = [u for u in units if u.type in ("部门", "区市")]
    names = person_names(3000, seed)
    for k in range(3000):
        u = staffed[k % len(staffed)]
        j = k // len(staffed)
        role = "政府主要负责人" if j == 0 and u.type == "区市" else ""  # a district's head: its mayor
        people.append(RosterPerson(f"{u.code}-{j + 1:03d}", names[k], u.code, "县级" if j < 3 else "科级及以下", j == 0,
                                   role))
    rng.shuffle(people)
    people.sort(key=lambda p: (p.unit, p.code))
    return Roster(units, people)


TWINS = {"B002": "B010", "B010": "B002"}
"""Two departments of 经济口 with identical, clean submissions (a tie the demo shows)."""


def city_books(roster, seed: int = 2026) -> dict[str, list]:
    """The sample city's 目标责任书 items per department (the twins share theirs)."""
    from addin.sample import sample_books

    books = sample_books([_AsUnit(u.code) for u in roster.units if u.type == "部门"], seed)
    books["B010"] = books["B002"]
    return books


def write_roster_csv(roster, folder: Path) -> None:
    """The roster as the office keeps it: 单位名册.csv and 人员名册.csv (UTF-8 with BOM, so
    that Excel opens the Chinese correctly)."""
    import csv

    from addin.office.folder import STAFF_FILE, UNITS_FILE

    with open(folder / UNITS_FILE, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(["单位编码", "单位名称", "类别", "分口", "报送邮箱", "填报方式"])
        w.writerows([u.code, u.name, u.type, u.group, "; ".join(u.mailboxes),
                     "通用公式" if u.formulas == "native" else "加载项"] for u in roster.units)
    with open(folder / STAFF_FILE, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(["人员编码", "姓名", "单位编码", "层级", "主要负责人", "角色"])
        w.writerows([p.code, p.name, p.unit, p.level, "是" if p.is_head else "否", p.role] for p in roster.people)


def _staff_values(people, scheme, rng: random.Random) -> dict[str, list[Any]]:
    grades = list(scheme.staff.vote_weights)
    columns: dict[str, list[Any]] = {"votes_0": [], "votes_1": [], "votes_2": [], "votes_3": [], "business": [],
                                     "public": [], "complaint": [], "serious": [], "previous": []}
    for _ in people:
        total = rng.randint(30, 60)
        excellent = rng.randint(total // 2, total)
        rest = total - excellent
        competent = rng.randint(0, rest)
        basic = rng.randint(0, rest - competent)
        for k, v in enumerate((excellent, competent, basic, rest - competent - basic)):
            columns[f"votes_{k}"].append(v)
        columns["business"].append(_half_up(rng.uniform(72, 90), "0.1"))
        columns["public"].append(_half_up(rng.uniform(8, 10), "0.1"))
        complaint = rng.random() < 0.01
        columns["complaint"].append("是" if complaint else "否")
        columns["serious"].append("是" if complaint and rng.random() < 0.3 else "否")
        columns["previous"].append(rng.choice(["称职"] * 9 + ["优秀"]))
    assert len(grades) == 4
    return {input_name("staff", k): v for k, v in columns.items()}


def prepare_demo_year(office: Path, municipal, audit, *, year: int = 2026, seed: int = 2026, say=print):
    """Steps 1–2 of the demo, as an office runs them: the office folder ``office`` (rebuilt)
    with its settings, a year folder ``<year>考核`` in it (the shipped schemes, the rosters,
    the master, the inbox), the sample city's templates, filled and mailed into the inbox
    (one message per file, each with its Message-ID); the office archive keys the
    templates. The year folder's audit scheme sets the bureau's quota (20%: the source gives
    none, an office enters its own). Returns (paths, roster, the year's audit scheme, the
    files mailed per unit)."""
    from addin.intake.store import office_secret
    from addin.office.folder import AUDIT_SCHEME_FILE, SCHEME_FILE
    from addin.scheme.loader import builtin_path, load_audit
    from workbook_templates.build import build_templates

    office = Path(office)
    if office.exists():
        shutil.rmtree(office)
    folder = office / f"{year}考核"
    paths = DemoPaths(folder, folder / "模板", folder / "收件箱", folder / "考核汇总.xlsx", folder / "考核汇总_回执.xlsx",
                      folder / f"考核汇总_{year}_通报.xlsx")
    roster = sample_city(seed)
    departments = [u for u in roster.units if u.type == "部门"]
    books = city_books(roster, seed)
    twins = TWINS
    say(f"1/6 生成模板（{len(roster.units)} 个单位，{len(roster.people)} 名工作人员）…")
    folder.mkdir(parents=True)
    write_demo_settings(office)
    shutil.copyfile(builtin_path("municipal"), folder / SCHEME_FILE)
    audit = load_audit(write_audit_quota(builtin_path("audit"), folder / AUDIT_SCHEME_FILE, DEMO_AUDIT_QUOTA))
    write_roster_csv(roster, folder)
    secret = office_secret(paths.master, year=year)  # the office archive keys every template
    built = build_templates(paths.templates, municipal=municipal, audit=audit, roster=roster, year=year, books=books,
                            secret=secret)
    by_key = {(b.identity.unit_code, b.identity.template_kind): b.path for b in built}
    shutil.copy(by_key[("KHB", "master")], paths.master)

    say("2/6 填写样例报送材料并存为邮件…")
    filled = folder / "已填报"
    outbox: dict[str, list[Path]] = {}
    when = dt.datetime(year + 1, 1, 8, 9, 0, tzinfo=dt.UTC)
    for (unit, kind), template in sorted(by_key.items()):
        base = kind.split(":")[0]
        if base in ("master", "staff-form"):
            continue
        unit_rng = random.Random(f"{seed}-{min(unit, twins.get(unit, unit))}-{kind}")
        if base == "appendix":
            table = municipal.table(kind.split(":")[1])
            if table.id == "附表4B" and unit not in ("B007", "B015"):
                continue
            if table.id == "附表4" and unit in ("B007", "B015"):
                continue
            values = item_values(table.items, table.id, unit_rng, clean=unit in twins)
        elif base == "target-book":
            continue  # target books were due by 15 March; the demo year is the year-end round
        elif base == "scoring-sheet":
            values = {}
            group = unit[2:]
            for u in (x for x in departments if x.group == group):
                u_rng = random.Random(f"{seed}-{min(u.code, twins.get(u.code, u.code))}-score")
                for i, (_name, points, _std) in enumerate(books[u.code], start=1):
                    factor = 1.0 if u.code in twins else u_rng.uniform(0.82, 1.0)
                    values[input_name(u.code, str(i), "score")] = _half_up(float(points) * factor, "0.1")
        elif base == "register":
            values = _register_values(roster)
        elif base == "staff-roster":
            values = _staff_values(roster.staff_of(unit), municipal, unit_rng)
        elif base == "audit-form":
            values = {}
            for cat in audit.categories:
                items = [i for i in cat.items if i.applies_to is None or kind.endswith(tuple(i.applies_to))]
                raw: dict[str, dict[str, Any]] = {}
                values.update(item_values(items, cat.id, unit_rng, raw=raw))
                values.update(self_assessment(items, cat.id, raw, unit_rng))
        else:
            continue
        out = fill_workbook(template, values, filled / template.name)
        outbox.setdefault(unit, []).append(out)
    for unit, files in outbox.items():
        for k, f in enumerate(files):
            mail(paths.inbox / f"{unit}_{k + 1:02d}.eml", f, sender_of(unit),
                 f"{year}年度目标考核材料报送（{unit}）", when + dt.timedelta(minutes=k),
                 f"<{year}.{hashlib.sha1(unit.encode()).hexdigest()[:12]}.{k + 1:02d}@"
                 f"{sender_of(unit).partition('@')[2]}>")
    return paths, roster, audit, outbox


DEMO_AUDIT_QUOTA = '{rate: "20%"}'
"""The sample bureau's quota of 先进集体 (12 units × 20% = 2.4 → 2)."""


def write_audit_quota(source: Path, target: Path, quota: str) -> Path:
    """A copy of the audit scheme ``source`` whose ``awards.quota`` is ``quota`` (YAML), as
    an office enters it; the rest of the file (comments included) unchanged."""
    import re

    text, n = re.subn(r"^(\s+quota:) null\b", rf"\1 {quota}", source.read_text(encoding="utf-8"), count=1,
                      flags=re.MULTILINE)
    if n != 1:
        raise ValueError(f"{source}: no blank awards.quota to set")
    target.write_text(text, encoding="utf-8")
    return target


def self_assessment(items, category_id: str, raw: dict[str, dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """A unit's 自评 of each item, by defined name: the score its inputs give (a bonus only
    when it has one), now and then a few points more than the leadership group will find."""
    from addin.engine.items import score_item
    from addin.scheme.audit_columns import SELF_PART

    values: dict[str, Any] = {}
    for item in items:
        scored = score_item(item, raw[item.id])
        if not scored.ok or scored.score is None or (item.bonus and not scored.score):
            continue
        claim = float(scored.score)
        if not item.bonus and claim < float(item.points) and rng.random() < 0.08:
            claim = min(claim + rng.choice([1, 2, 3]), float(item.points))
        values[input_name(SELF_PART, category_id, item.id)] = claim
    return values


def run_demo(folder: Path, municipal, audit, *, year: int = 2026, seed: int = 2026, say=print):
    """Build, fill, mail, take in and recompute a sample year; returns the paths and results."""
    from addin.archive.documents import circular
    from addin.archive.versions import diff, publish, scheme_record
    from addin.scheme.loader import builtin_path
    from addin.hosts import FileHost
    from addin.intake.receipt import write_receipt
    from addin.intake.run import run_intake
    from addin.macro import recompute

    paths, roster, audit, outbox = prepare_demo_year(folder, municipal, audit, year=year, seed=seed, say=say)
    rng = random.Random(seed)
    say(f"3/6 接收 {sum(len(v) for v in outbox.values())} 份报送…")
    intake = run_intake(paths.inbox, paths.master, municipal=municipal, audit=audit, year=year)
    write_receipt(intake, paths.receipt, year)
    _office_entries(paths.master, rng)
    say("4/6 重新计算排名…")
    outcome = recompute(FileHost(paths.master), municipal, today=dt.date(year, 12, 23), audit=audit)
    say("5/6 发布 v1；B013 申诉成立（通报批评已撤销），重新计算后发布 v2…")
    record = scheme_record(municipal, builtin_path("municipal"))
    publish(paths.master, year, note="公示版", scheme=record)
    first = outcome
    _appeal(paths.master, year)
    outcome = recompute(FileHost(paths.master), municipal, today=dt.date(year, 12, 23), audit=audit)
    publish(paths.master, year, note="复核后", scheme=record)
    changes = diff(paths.master, year, 1, 2)
    say("6/6 生成通报…")
    circular(paths.master, year, municipal, paths.circular, audit=audit)
    assert first.ok
    return paths, intake, outcome, outcome.audit, changes


def _appeal(master: Path, year: int) -> None:
    """B013 appeals its circulated criticism; the office upholds it and corrects the input."""
    from addin.intake.extract import Update
    from addin.intake.master import apply_updates

    apply_updates(master, [
        Update("部门", "单位编码", "B013", {"通报批评次数": 0}),
        Update("申诉登记", "编码", "B013", {
            "名称": "市教育局", "书面通知日期": dt.datetime(year, 12, 14), "申诉日期": dt.datetime(year, 12, 16),
            "答复日期": dt.datetime(year, 12, 22), "答复内容": "所涉通报已由发文机关撤销", "处理结果": "改变"}),
    ])


@dataclass(frozen=True)
class _AsUnit:
    code: str


def _register_values(roster) -> dict[str, Any]:
    rows = [("B004", "一网通办", "党委政府", "省"), ("B004", "一网通办", "业务部门", "国家"),
            ("B021", "企业服务码", "业务部门", "市"), ("Q04", "枣庄模式", "党委政府", "国家")]
    values = {input_name("bonus", "unit"): [r[0] for r in rows], input_name("bonus", "project"): [r[1] for r in rows],
              input_name("bonus", "recognizer"): [r[2] for r in rows], input_name("bonus", "level"): [r[3] for r in rows],
              input_name("criticism", "unit"): ["B013", "B030"],
              input_name("criticism", "date"): [dt.datetime(2026, 6, 3), dt.datetime(2026, 9, 15)],
              input_name("criticism", "document"): ["通报〔2026〕12号", "通报〔2026〕31号"],
              input_name("criticism", "reason"): ["未按期完成整改", "安全检查不合格"]}
    return values


def _office_entries(master: Path, rng: random.Random) -> None:
    """What the office enters itself: vetoes, fraud and last year's composite."""
    from addin.intake.extract import ANY_UNIT_SHEET, Update
    from addin.intake.master import apply_updates, read_roster

    units = read_roster(master).units
    codes = sorted(u.code for u in units if u.type == "部门") + sorted(u.code for u in units if u.type == "区市")
    apply_updates(master, [Update(ANY_UNIT_SHEET, "单位编码", code, {
        "弄虚作假": "是" if code == "B017" else "否",
        **({"一票否决": "安全生产" if code == "B001" else "环境保护"} if code in ("B001", "Q02") else {}),
        "上年综合得分": 58.5 if code == "B013" else _half_up(rng.uniform(80, 95), "0.1")}) for code in codes])