"""Built-in sample data: a small city's year, deterministic, with the cases that matter
planted in it (a veto at the top, fraud, a tie at the cutoff, two years below 60, one
project recognized twice, an indicator with no target, a complaint, a serious case).

Used by ``kaohe demo`` and the benchmarks; the tests build their own data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from addin.engine.audit import AuditUnitInput
from addin.engine.staff import PersonInput
from addin.engine.units import UnitInput
from addin.scheme.models import AuditScheme, MunicipalScheme

GROUPS = ["综合口", "经济口", "农业农村口", "社会事业口"]
DEPT_NAMES = [
    "市发展改革委", "市财政局", "市审计局", "市统计局", "市商务局", "市工信局",
    "市农业农村局", "市水利局", "市林业局", "市自然资源局", "市生态环境局", "市住建局",
    "市教育局", "市卫健委", "市民政局", "市人社局", "市文旅局", "市医保局",
    "市市场监管局", "市应急局", "市交通运输局", "市城管局", "市司法局", "市信访局",
]
DISTRICTS = ["市中区", "薛城区", "峄城区", "台儿庄区", "山亭区", "滕州市", "高新区"]


@dataclass(frozen=True)
class SampleYear:
    year: int
    departments: list[UnitInput]
    districts: list[UnitInput]
    district_economic: dict[str, dict[str, dict[str, object]]]
    """附表5 inputs per district code: item id → input name → raw value."""
    staff: list[PersonInput]
    audit_units: list[AuditUnitInput]


def _d(x: float) -> float:
    return float(Decimal(str(x)).quantize(Decimal("0.1")))


def sample_departments(rng: random.Random, n: int = 24) -> list[UnitInput]:
    units = []
    for i in range(n):
        code = f"B{i + 1:03d}"
        name = DEPT_NAMES[i % len(DEPT_NAMES)] + ("" if i < len(DEPT_NAMES) else f"{i // len(DEPT_NAMES) + 1}")
        units.append(UnitInput(
            code=code,
            name=name,
            group=GROUPS[i % len(GROUPS)],
            business={"业务目标": _d(rng.uniform(55, 69))},
            public={"党的建设": _d(rng.uniform(8, 10)), "党风廉政建设": _d(rng.uniform(8, 10)),
                    "精神文明建设": _d(rng.uniform(4, 5)), "招商引资": _d(rng.uniform(3, 5))},
            criticisms=0,
            previous=_d(rng.uniform(75, 95)),
        ))
    if n >= 24:
        # Planted cases (indices are fixed, so the demo always shows them).
        units[0] = _with(units[0], business={"业务目标": 69.5}, veto="安全生产")          # top, but vetoed
        units[4] = _with(units[4], business={"业务目标": 69.0}, innovations=[
            ("一网通办", "党委政府", "省"), ("一网通办", "业务部门", "国家"), ("企业服务码", "业务部门", "市")])
        units[8] = _with(units[8], business={"业务目标": 62.0})
        units[1] = _with(units[1], business={"业务目标": 68.0}, public=_full())
        units[5] = _with(units[5], business={"业务目标": 68.0}, public=_full())       # tie with B002
        units[9] = _with(units[9], fraud="是")
        units[13] = _with(units[13], business={"业务目标": 40.0}, criticisms=2, previous=58.5)  # 2 years < 60
        units[6] = _with(units[6], criticisms=1)
    return units


def _full() -> dict[str, float]:
    return {"党的建设": 9.5, "党风廉政建设": 9.5, "精神文明建设": 4.5, "招商引资": 4.5}


def _with(u: UnitInput, **changes) -> UnitInput:
    from dataclasses import replace

    return replace(u, **changes)


def sample_districts(rng: random.Random, scheme: MunicipalScheme) -> tuple[list[UnitInput], dict]:
    table = scheme.table("附表5")
    economic: dict[str, dict[str, dict[str, object]]] = {}
    units = []
    for i, name in enumerate(DISTRICTS):
        code = f"Q{i + 1:02d}"
        inputs: dict[str, dict[str, object]] = {}
        for item in table.items:
            if item.kind == "completion":
                target = rng.randrange(80, 500) * 10
                inputs[item.id] = {"actual": round(target * rng.uniform(0.85, 1.15)), "target": target}
            elif item.kind == "growth":
                inputs[item.id] = {"actual": _d(rng.uniform(5, 11)) / 100, "target": 0.08}
            elif item.kind == "rank":
                inputs[item.id] = {"rank": i + 1}
        if i == 6:
            inputs["5.07"] = {"actual": None, "target": None}  # 高新区: no 技改 target set
        economic[code] = inputs
        units.append(UnitInput(
            code=code, name=name,
            business={"社会目标": _d(rng.uniform(16, 20))},
            public={"党的建设": _d(rng.uniform(8, 10)), "党风廉政建设": _d(rng.uniform(8, 10)),
                    "思想政治工作": _d(rng.uniform(4, 5)), "招商引资": _d(rng.uniform(3.5, 5))},
            criticisms=0, previous=_d(rng.uniform(80, 95)),
        ))
    units[1] = _with(units[1], veto="环境保护")
    units[3] = _with(units[3], innovations=[("枣庄模式", "党委政府", "国家")])
    return units, economic


def sample_staff(rng: random.Random, units: list[UnitInput], per_unit: int = 12) -> list[PersonInput]:
    people = []
    for u in units:
        for j in range(per_unit):
            code = f"{u.code}-{j + 1:02d}"
            head = j == 0
            level = "县级" if j < 3 else "科级及以下"
            people.append(PersonInput(
                code=code, name=f"{u.name[:4]}{'负责人' if head else '干部'}{j + 1}", unit=u.code, level=level,
                is_head="是" if head else "否",
                democratic=_d(rng.uniform(22, 30)), business=_d(rng.uniform(70, 90)), public=_d(rng.uniform(8, 10)),
                complaint="否", serious="否", previous_grade="称职",
            ))
    # A complaint, a serious case with a second 不称职 year.
    people[14] = _with(people[14], complaint="是", business=89.0, democratic=29.0)
    people[27] = _with(people[27], complaint="是", serious="是", business=40.0, democratic=12.0,
                       previous_grade="不称职")
    return people


def sample_audit(rng: random.Random, scheme: AuditScheme) -> list[AuditUnitInput]:
    units = []
    names = ["办公室", "法规科", "财政审计科", "金融审计科", "经济责任审计科", "固定资产投资审计科",
             "社会保障审计科", "农业审计科", "市中区审计局", "薛城区审计局", "峄城区审计局", "滕州市审计局"]
    for i, name in enumerate(names):
        county = name.endswith("审计局")
        items: dict[str, dict[str, object]] = {
            "A1.1": {"not_done": rng.choice([0, 0, 1, 2])},
            "A1.1b": {"value": 0, "note": None},
            "A1.3": {"value": 0, "note": None},
            "A2": {"scores": [rng.randrange(90, 118) for _ in range(rng.randrange(3, 7))]},
            "A3.1": {"handwritten": rng.choice([0, 0, 1])},
            "A3.2": {"missing": rng.choice([0, 1, 2, 3])},
            "A3.3": {"numerator": 6, "denominator": rng.choice([6, 7, 8])},
            "A3.4": {"count": rng.choice([1, 2, 2, 3])},
            "A3.5": {"items": 0},
            "A4.1": {"praised_high": rng.choice([0, 1]), "praised_bureau": 1, "criticized_high": 0,
                     "criticized_bureau": 0, "absent_study": rng.choice([0, 1]), "discord": "否"},
            "A4.2": {"count": rng.choice([0, 1, 2, 3])},
            "A4.3": {"key_reports": rng.choice([0, 1]), "short_bureau": rng.choice([0, 1]), "short_province": 0,
                     "province_journal": rng.choice([0, 1, 2]), "provincial_press": 0, "national_media": 0},
            "A4.4": {"no_card": rng.choice([0, 0, 1]), "violation": "否"},
            "A4.5": {"absent": rng.choice([0, 1]), "no_certificate": 0},
            "A4.6": {"value": 0, "note": None},
            "A4.7": {"value": 0, "note": None},
            "A4.8": {"praised_examples": rng.choice([0, 1, 2]), "not_met": "否"},
        }
        if not county:
            items["A1.2"] = {"actual": _d(rng.uniform(3, 12)) / 100, "target": 0.08}
            items["A1.2b"] = {"value": 0, "note": None}
        units.append(AuditUnitInput(f"S{i + 1:02d}", name, "县市区局" if county else "科室", items))
    units[2].items["A3.5"]["items"] = 1          # expert experience, +50
    units[3].items["A4.4"]["violation"] = "是"   # integrity violation: veto
    units[5].items["A4.6"].update(value=-2, note="未完成刊物征订任务")
    return units


def sample_year(municipal: MunicipalScheme, audit: AuditScheme, year: int = 2026, seed: int = 2026) -> SampleYear:
    rng = random.Random(seed)
    departments = sample_departments(rng)
    districts, economic = sample_districts(rng, municipal)
    staff = sample_staff(rng, departments + districts)
    return SampleYear(year, departments, districts, economic, staff, sample_audit(rng, audit))


def sample_roster(data: SampleYear):
    """The sample city as a roster, for the templates."""
    from addin.roster import Roster, RosterPerson, RosterUnit

    units = [RosterUnit(u.code, u.name, "部门", u.group) for u in data.departments]
    units += [RosterUnit(u.code, u.name, "区市") for u in data.districts]
    units += [RosterUnit(u.code, u.name, u.type) for u in data.audit_units]
    people = [RosterPerson(p.code, p.name, p.unit, p.level, p.is_head == "是") for p in data.staff]
    return Roster(units, people)


BOOK_ITEMS = ["重点项目推进", "年度重点任务", "改革创新事项", "民生实事", "服务企业发展", "安全生产与风险防控",
              "法治建设", "信息化建设"]


def sample_books(departments: list[UnitInput], seed: int = 7) -> dict[str, list[tuple[str, Decimal, str]]]:
    """Each department's 目标责任书 business items: 4–6 items whose points sum to 70."""
    rng = random.Random(seed)
    books = {}
    for u in departments:
        n = rng.randrange(4, 7)
        cuts = sorted(rng.sample(range(5, 66, 5), n - 1))
        points = [b - a for a, b in zip([0, *cuts], [*cuts, 70])]
        names = rng.sample(BOOK_ITEMS, n)
        books[u.code] = [(name, Decimal(p), f"完成{name}年度目标，按完成进度和质量评分") for name, p in zip(names, points)]
    return books
