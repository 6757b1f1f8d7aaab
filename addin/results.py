"""A year's results as the master's result tables (headers + rows), and the problems as
the 问题 table. Pure: the hosts write these values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from addin.numbers import fmt, show_rate
from addin.engine.columnar import NO_KEY
from addin.engine.merits import award_text
from addin.engine.people import COMMENDED, GRADE_NAMES, PeopleRows
from addin.engine.quota import ROUNDING_ZH
from addin.engine.selection import Status
from addin.engine.audit_year import AuditYear
from addin.engine.year import YearResult
from addin.problems import Problem
from addin.scheme.audit_columns import AUDIT_RESULT_HEADERS, AUDIT_RESULT_SHEET

AWARD = {Status.SELECTED: "是", Status.TIED: "待定", Status.NOT_SELECTED: "否", Status.INELIGIBLE: "否"}


@dataclass(frozen=True)
class ResultTable:
    sheet: str
    headers: list[str]
    rows: list[list[Any]]
    highlight: str | None = "待定"
    """Rows containing this value are highlighted."""
    stamp: str | None = None
    """Text beside the header, outside the table (the published version, 已发布 … v1)."""


HEADERS = {
    "部门排名": ["单位编码", "单位名称", "分口", "综合得分", "口内名次", "先进集体", "说明"],
    "区市排名": ["单位编码", "单位名称", "综合得分", "名次", "先进集体", "说明"],
    "人员等次": ["人员编码", "姓名", "单位编码", "总分", "名额范围内名次", "等次", "拟表彰", "说明"],
    "市级领导": ["人员编码", "姓名", "单位编码", "层级", "民主测评", "总分", "等次", "说明"],
    "限额": ["范围", "数量", "比例", "取整方式", "限额", "已入选", "待定"],
    "预警": ["编码", "名称", "类别", "说明"],
    "申诉情况": ["编码", "名称", "书面通知日期", "申诉日期", "申诉期限", "是否在期限内", "答复期限", "答复日期", "处理结果",
             "说明"],
}


def _num(value) -> Any:
    return None if value is None else float(value)


def appeal_table(statuses) -> ResultTable:
    def day(d):
        return d.isoformat() if d else None

    rows = [[a.code, a.name, day(a.notified), day(a.lodged), day(a.deadline), "是" if a.in_time else "否",
             day(a.reply_due), day(a.replied), a.outcome, a.note] for a in statuses]
    return ResultTable("申诉情况", HEADERS["申诉情况"], rows, highlight="否")


def result_tables(result: YearResult, extra_alerts=()) -> list[ResultTable]:
    dept = sorted(result.departments.units, key=lambda u: (u.group or "", u.rank or 10**9, u.code))
    dist = sorted(result.districts.units, key=lambda u: (u.rank or 10**9, u.code))
    quotas: list[list[Any]] = []
    for q in result.departments.quotas:
        quotas.append([f"部门·{q.group}", q.calc.count, show_rate(q.calc.rate), ROUNDING_ZH[q.calc.rounding],
                       q.calc.quota, q.selected, q.tied])
    for q in result.districts.quotas:
        quotas.append(["区(市)", q.calc.count, q.calc.trace, "", q.calc.quota, q.selected, q.tied])
    for q in result.staff.quotas:
        for label, calc, selected, tied in (("优秀", q.excellent, q.excellent_selected, q.excellent_tied),
                                            ("拟表彰", q.commended, q.commended_selected, q.commended_tied)):
            quotas.append([f"{q.unit}·{q.level}·{label}", calc.count, show_rate(calc.rate), ROUNDING_ZH[calc.rounding],
                           calc.quota, selected, tied])
    alerts = result.departments.alerts + result.districts.alerts + result.staff.alerts + list(extra_alerts)
    return [
        ResultTable("部门排名", HEADERS["部门排名"],
                    [[u.code, u.name, u.group, _num(u.composite), u.rank, AWARD[u.award], u.trace] for u in dept]),
        ResultTable("区市排名", HEADERS["区市排名"],
                    [[u.code, u.name, _num(u.composite), u.rank, AWARD[u.award], u.trace] for u in dist]),
        ResultTable("人员等次", HEADERS["人员等次"], staff_rows(result.staff.people)),
        ResultTable("市级领导", HEADERS["市级领导"], leader_rows(result.staff), highlight=None),
        ResultTable("限额", HEADERS["限额"], quotas, highlight=None),
        ResultTable("预警", HEADERS["预警"], [[a.record, a.name, a.kind, a.message] for a in alerts],
                    highlight=None),
    ]


def staff_rows(people) -> list[list[Any]]:
    """The 人员等次 rows, by unit, level, rank and code; 拟表彰 names the merit
    (:func:`~addin.engine.merits.award_text`: 是（记三等功）)."""
    if not isinstance(people, PeopleRows):
        return [[p.code, p.name, p.unit, _num(p.total), p.rank, p.grade, award_text(p.commended, p.outside_quota,
                                                                                     p.merit),
                 p.trace] for p in sorted(people, key=lambda p: (p.unit, p.level or "", p.rank or 10**9, p.code))]
    awards = {(c, o): award_text(COMMENDED[c], o, None) for c in range(len(COMMENDED)) for o in (False, True)}
    grades = np.array([*GRADE_NAMES, None], dtype=object)  # code -1 is the last
    order = people.order()

    def pick(values) -> list[Any]:
        return np.asarray(values, dtype=object)[order].tolist()

    shown = list(map(awards.__getitem__, zip(people.commended[order].tolist(), people.outside[order].tolist())))
    merits = {i: m for i, m in people.merit.items() if m}
    if merits:  # a few rows: each at its place in the sorted order
        place = np.empty(len(order), dtype=np.int64)
        place[order] = np.arange(len(order))
        for i, m in merits.items():
            shown[int(place[i])] = award_text(COMMENDED[people.commended[i]], bool(people.outside[i]), m)
    columns = [pick(people.code), pick(people.name), pick(people.unit),
               [None if c == NO_KEY else c / 100 for c in people.total[order].tolist()],
               [r or None for r in people.rank[order].tolist()], grades[people.grade[order]].tolist(),
               shown, pick(people.traces())]
    return list(map(list, zip(*columns)))


def leader_rows(staff) -> list[list[Any]]:
    """The 市级领导 list for the 市委's circulation (seed: 五大班子成员年度工作目标完成情况由市委
    在一定范围内进行通报), in the order of the 人员 sheet."""
    out = []
    for i in staff.city_leaders:
        p = staff.people[i]
        out.append([p.code, p.name, p.unit, p.level, _num(p.democratic), _num(p.total), p.grade, p.trace])
    return out


def problem_table(problems: list[Problem]) -> ResultTable:
    rows = [["错误" if p.is_error else "提示", p.sheet or "", p.cell or "", p.record or "", p.item or "", p.message]
            for p in problems]
    return ResultTable("问题", ["级别", "工作表", "单元格", "编码", "项目", "说明"], rows, highlight="错误")


def summary(result: YearResult) -> str:
    d = result.departments
    return (f"部门 {len(d.units)} 个，先进集体 {sum(u.award is Status.SELECTED for u in d.units)} 个，"
            f"待定 {sum(u.award is Status.TIED for u in d.units)} 个；区(市) {len(result.districts.units)} 个；"
            f"人员 {len(result.staff.people)} 人，优秀 {_excellent(result.staff.people)} 人"
            f"（均分 {fmt(_mean([u.composite for u in d.units]))}）")


def _excellent(people) -> int:
    if isinstance(people, PeopleRows):
        return people.grade_count("优秀")
    return sum(p.grade == "优秀" for p in people)


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def audit_rows(year: AuditYear) -> list[list[Any]]:
    """The 审计排名 rows, by rank and code: total, applicable maximum, score rate, rank,
    先进集体, the self-assessed total and the difference (final − 自评), and the 说明."""
    units = sorted(year.units, key=lambda u: (u.rank or 10**9, u.code))
    return [[u.code, u.name, u.type, _num(u.total), _num(u.applicable_max), _num(u.rate), u.rank, AWARD[u.award],
             _num(u.self_total), _num(u.difference), u.trace] for u in units]


def audit_tables(tables: list[ResultTable], year: AuditYear | None) -> list[ResultTable]:
    """``tables`` with the audit bureau's results: the 审计排名 table, and its quota as a row
    of 限额 (审计局·先进集体). Unchanged without the bureau's table."""
    if year is None:
        return tables
    out = []
    for t in tables:
        if t.sheet == "限额" and year.quota is not None:
            q = year.quota
            rate = show_rate(q.rate) if q.rate is not None else q.trace
            rounding = ROUNDING_ZH[q.rounding] if q.rounding else ""
            t = ResultTable(t.sheet, t.headers, [*t.rows, ["审计局·先进集体", q.count, rate, rounding, q.quota,
                                                           year.selected, year.tied]], t.highlight, t.stamp)
        out.append(t)
    return [*out, ResultTable(AUDIT_RESULT_SHEET, AUDIT_RESULT_HEADERS, audit_rows(year))]


def audit_summary(year: AuditYear | None) -> str:
    """The audit bureau's part of the recompute message."""
    if year is None or not year.units:
        return ""
    return (f"；审计局 {len(year.units)} 个单位，先进集体 {year.selected} 个，待定 {year.tied} 个"
            + ("（未设定限额）" if year.quota is None else ""))
