"""重新计算排名 (Recompute rankings): one implementation, two hosts.

:func:`recompute` reads the master's input tables through a host, runs the engine once
(:func:`addin.engine.year.assess_year`), and writes the result tables as values — only
when the whole computation succeeded; otherwise it writes the 问题 sheet and leaves the
results as they were. :func:`main` is what the ribbon button calls in Excel (through the
add-in's ``RunPython "import kaohe; kaohe.main()"``); ``kaohe recompute`` runs the same
code on a file.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any, Protocol

from addin.engine.appeals import AppealInput, check_appeals
from addin.engine.audit_year import AuditRow, AuditYear, assess_audit_year
from addin.engine.people import PeopleColumns
from addin.engine.units import UnitInput
from addin.engine.year import YearResult, assess_year, paused_gc
from addin.errors import KaoheError
from addin.numbers import fmt
from addin.problems import Problem
from addin.provenance.edits import edit_problems
from addin.results import (ResultTable, appeal_table, audit_summary, audit_tables, problem_table, result_tables,
                           summary)
from addin.scheme.audit_columns import (AUDIT_SHEET, KEY, NAME, SELF_TOTAL, TYPE, VETO, audit_columns,
                                        category_header)
from addin.scheme.columns import MERIT, ROLE, STAFF_OPTIONAL, STAFF_REQUIRED, UNIT_SHEETS, bonus_columns, unit_columns
from addin.scheme.models import AuditScheme, MunicipalScheme
from addin.workbook.tables import Table, code_text, code_texts, find_table



class Host(Protocol):
    """A workbook that the macro reads and writes: an Excel book or a file."""

    name: str

    def sheet_values(self, sheet: str) -> list[list[Any]] | None:
        """The sheet's rows of values (a blank cell as None or ""); None without the sheet."""

    def write_tables(self, tables: list[ResultTable]) -> None: ...

    def status(self, text: str) -> None: ...

    def finish(self) -> None: ...


@dataclass(frozen=True)
class Recomputed:
    ok: bool
    problems: list[Problem]
    result: YearResult | None
    message: str
    audit: AuditYear | None = None
    """The audit bureau's units, when the master has their table (审计)."""


def input_specs(scheme: MunicipalScheme) -> list[tuple[str, list[str], list[str]]]:
    """The required input tables: (sheet, required headers, optional headers), as the
    scheme decides them. The optional 申诉登记 and the metadata sheet (the year) are read
    besides."""
    specs = [(UNIT_SHEETS[t], *unit_columns(scheme, t)) for t in UNIT_SHEETS]
    return specs + [("加分登记", bonus_columns(scheme), []), ("人员", STAFF_REQUIRED, STAFF_OPTIONAL)]


def _tables(host: Host, scheme: MunicipalScheme) -> tuple[dict[str, Table], list[Problem]]:
    """The input tables, their headers as the scheme decides them (:mod:`addin.scheme.columns`)."""
    tables: dict[str, Table] = {}
    problems: list[Problem] = []
    for sheet, required, optional in input_specs(scheme):
        values = host.sheet_values(sheet)
        if values is None:
            problems.append(Problem("no_sheet", f"汇总工作簿缺少工作表“{sheet}” [the master has no sheet {sheet}]",
                                    file=host.name, sheet=sheet))
            continue
        found = find_table(sheet, values, required, optional)
        if isinstance(found, Problem):
            problems.append(found.located(file=host.name))
        else:
            tables[sheet] = found
    return tables, problems


def read_inputs(tables: dict[str, Table], scheme: MunicipalScheme):
    bonus = defaultdict(list)
    _key, project, row_label, column_label = bonus_columns(scheme)
    for row, rec in tables["加分登记"].rows:
        bonus[code_text(rec["单位编码"])].append({
            "project": rec[project], "row": rec[row_label], "column": rec[column_label],
            "where": {"sheet": "加分登记", "cell": tables["加分登记"].cell(row, row_label)}})

    def units(sheet: str, tier) -> list[UnitInput]:
        out = []
        for _row, rec in tables[sheet].rows:
            code = code_text(rec["单位编码"])
            out.append(UnitInput(
                code=code, name=code_text(rec["单位名称"]), group=rec.get("分口"),
                business={p.name: rec.get(p.name) for p in tier.business},
                public={p.name: rec.get(p.name) for p in tier.public},
                criticisms=rec["通报批评次数"], veto=rec["一票否决"], fraud=rec["弄虚作假"],
                previous=rec.get("上年综合得分"), innovations=bonus.get(code, [])))
        return out

    return units("部门", scheme.departments), units("区市", scheme.districts), read_people(tables["人员"])


def read_people(table: Table) -> PeopleColumns:
    """The 人员 table as columns (no per-person objects: a province has 100,000 rows)."""
    data = table.data
    return PeopleColumns(code=code_texts(data["人员编码"]), name=code_texts(data["姓名"]), unit=code_texts(data["单位编码"]),
                         level=data["层级"], is_head=data["主要负责人"], democratic=data["民主测评"],
                         business=data["业务目标"], public=data["公共目标"], complaint=data["投诉或违纪"],
                         serious=data["情节严重"],
                         previous_grade=data.get("上年等次") or [None] * len(table.numbers),
                         role=data.get(ROLE), recommended=data.get(MERIT))


def unknown_units(tables: dict[str, Table], file: str) -> list[Problem]:
    """A 加分登记 row or a person whose 单位编码 is on neither unit table: located errors,
    never dropped in silence (a bonus would vanish, a head link would be lost)."""
    known = {code for sheet in ("部门", "区市") for code in code_texts(tables[sheet].data["单位编码"])}
    problems = []
    for sheet in ("加分登记", "人员"):
        table = tables[sheet]
        codes = code_texts(table.data["单位编码"])
        if set(codes) <= known:
            continue
        people = code_texts(table.data["人员编码"]) if "人员编码" in table.data else codes
        for k, code in enumerate(codes):
            if code not in known:
                row = table.numbers[k]
                problems.append(Problem("unknown_unit", f"{sheet}第{row}行：单位编码“{code or '空白'}”不在“部门”“区市”表中，"
                                        f"请核对编码或先在单位表中增加该单位 [unit {code} is on no unit table]",
                                        record=people[k] or code, field="单位编码", value=table.data["单位编码"][k],
                                        file=file, sheet=sheet, cell=table.cell(row, "单位编码")))
    return problems


def locate(problems: list[Problem], tables: dict[str, Table], file: str) -> list[Problem]:
    """Give each problem its sheet and cell from its record (code) and field (header)."""
    where: dict[tuple[str, str], tuple[str, Table, int]] = {}
    if any(not p.cell for p in problems):
        for sheet, key in (("部门", "单位编码"), ("区市", "单位编码"), ("人员", "人员编码")):
            table = tables[sheet]
            for row, code in zip(table.numbers, code_texts(table.data[key])):
                where.setdefault((sheet, code), (sheet, table, row))
    out = []
    for p in problems:
        if p.cell:
            out.append(p.located(file=file))
            continue
        hit = next((where[(s, p.record)] for s in ("部门", "区市", "人员") if (s, p.record) in where), None)
        if hit and p.field in hit[1].columns:
            sheet, table, row = hit
            out.append(p.located(file=file, sheet=sheet, cell=table.cell(row, p.field)))
        elif hit:
            out.append(p.located(file=file, sheet=hit[0]))
        else:
            out.append(p.located(file=file))
    return out


def master_year(host: Host) -> int | None:
    """The assessment year from the master's metadata sheet (built by the templates)."""
    from addin.workbook.identity import META_SHEET

    for row in host.sheet_values(META_SHEET) or []:
        if len(row) >= 2 and row[0] == "year" and row[1] not in (None, ""):
            try:
                return int(float(row[1]))
            except ValueError:
                return None
    return None


def with_last_year(host: Host, departments, districts, people):
    """Blank 上年 columns take last year's published values from the archive (the office's,
    for a master in a year folder); returns them with, per code filled, where its value
    came from (``考核档案 2026年度 v2``), for the 说明."""
    archive = getattr(host, "archive", None)
    year = master_year(host)
    if archive is None or year is None or not archive.exists():
        return departments, districts, people, {}
    from addin.archive.history import previous_values

    scores, grades, source = previous_values(archive, year - 1, getattr(host, "path", None))
    sources: dict[str, str] = {}
    fill = []
    for u in departments + districts:
        if u.previous is None and u.code in scores:
            fill.append(replace(u, previous=scores[u.code]))
            sources[u.code] = f"上年综合得分 {fmt(scores[u.code])} 取自{source}"
        else:
            fill.append(u)
    previous = []
    for code, given in zip(people.code, people.previous_grade):
        if given is None and grades.get(code):
            previous.append(grades[code])
            sources[code] = f"上年等次“{grades[code]}”取自{source}"
        else:
            previous.append(given)
    return fill[:len(departments)], fill[len(departments):], replace(people, previous_grade=previous), sources


def with_sources(tables: list[ResultTable], sources: dict[str, str]) -> list[ResultTable]:
    """Each result row whose last-year value came from the archive says so in its 说明."""
    if not sources:
        return tables
    out = []
    for t in tables:
        if "说明" not in t.headers or t.headers[0] not in ("单位编码", "人员编码", "编码"):
            out.append(t)
            continue
        at = t.headers.index("说明")
        rows = [[*r[:at], "；".join(x for x in (r[at], sources.get(str(r[0]))) if x), *r[at + 1:]]
                if str(r[0]) in sources else r for r in t.rows]
        out.append(replace(t, rows=rows))
    return out


APPEAL_HEADERS = ["编码", "书面通知日期", "申诉日期"]
APPEAL_OPTIONAL = ["名称", "答复日期", "答复内容", "处理结果"]


def read_appeals(host: Host) -> tuple[list[AppealInput], Table | None, list[Problem]]:
    """The optional 申诉登记 table."""
    values = host.sheet_values("申诉登记")
    if values is None:
        return [], None, []
    found = find_table("申诉登记", values, APPEAL_HEADERS, APPEAL_OPTIONAL)
    if isinstance(found, Problem):
        return [], None, [found.located(file=host.name)]
    rows = [AppealInput(code_text(r["编码"]), code_text(r.get("名称")), r["书面通知日期"], r["申诉日期"], r.get("答复日期"),
                        r.get("处理结果")) for _row, r in found.rows]
    return rows, found, []


def recompute(host: Host, scheme: MunicipalScheme, today: dt.date | None = None, *,
              audit: AuditScheme | None = None) -> Recomputed:
    """Read, compute, write (see the module's docstring); the 100,000 rows of a province's
    staff are read and written with the cyclic garbage collector paused. ``audit``: the
    audit bureau's scheme, for the master's 审计 table (default: the host's folder's, else
    the shipped one)."""
    with paused_gc():
        return _recompute(host, scheme, today, audit)


def _recompute(host: Host, scheme: MunicipalScheme, today: dt.date | None,
               audit: AuditScheme | None = None) -> Recomputed:
    from addin.office.holidays import year_calendar

    host.status("目标考核：读取输入表…")
    tables, problems = _tables(host, scheme)
    audit = audit if audit is not None else folder_audit_scheme(getattr(host, "folder", None))
    audit_found, audit_rows, audit_problems = read_audit(host, audit)
    problems += audit_problems
    appeals, appeal_table_found, appeal_problems = read_appeals(host)
    problems += appeal_problems
    if problems:
        host.write_tables([problem_table(problems)])
        host.finish()
        return Recomputed(False, problems, None, f"输入表有误，未计算（{len(problems)} 个问题，见“问题”表）")
    departments, districts, people = read_inputs(tables, scheme)
    unknown = unknown_units(tables, host.name)
    departments, districts, people, sources = with_last_year(host, departments, districts, people)
    host.status("目标考核：计算中…")
    result = assess_year(scheme, departments, districts, people)
    folder = getattr(host, "folder", None)
    statuses, appeal_alerts, appeal_issues = check_appeals(appeals, scheme.appeals, today or dt.date.today(),
                                                           year_calendar(scheme, folder))
    problems = unknown + locate(result.problems, tables, host.name) + _locate_appeals(appeal_issues,
                                                                                     appeal_table_found, host.name)
    audit_year = assess_audit_year(audit, audit_rows) if audit_found is not None else None
    if audit_year is not None:
        problems += locate_audit(audit_year.problems, audit_found, host.name)
    written = {**tables, AUDIT_SHEET: audit_found} if audit_found is not None else tables
    problems += edit_problems(written, getattr(host, "archive", None), master_year(host), host.name,
                              bonus_columns(scheme))  # edits after intake (issue 26): warnings
    errors = [p for p in problems if p.is_error]
    host.status("目标考核：写入结果…")
    if errors:
        host.write_tables([problem_table(problems)])
        host.finish()
        return Recomputed(False, problems, result, f"发现 {len(errors)} 处输入错误，结果未写入，请按“问题”表修改后重算",
                          audit_year)
    host.write_tables([*audit_tables(with_sources(result_tables(result, appeal_alerts), sources), audit_year),
                       appeal_table(statuses), problem_table(problems)])
    host.finish()
    return Recomputed(True, problems, result, "计算完成：" + summary(result) + audit_summary(audit_year), audit_year)


def _locate_appeals(problems: list[Problem], table: Table | None, file: str) -> list[Problem]:
    if table is None:
        return problems
    rows = {code_text(r["编码"]): n for n, r in table.rows}
    return [p.located(file=file, sheet="申诉登记", cell=table.cell(rows[p.record], p.field))
            if p.record in rows and p.field in table.columns else p.located(file=file, sheet="申诉登记")
            for p in problems]


def folder_audit_scheme(folder) -> AuditScheme:
    """The audit scheme of a master's year folder (审计考核方案.yaml), else the shipped one."""
    from pathlib import Path

    from addin.office.folder import load_schemes, workbook_year_folder

    return load_schemes(workbook_year_folder(str(Path(folder).resolve() / "_")) if folder is not None else None).audit


def read_audit(host: Host, audit: AuditScheme) -> tuple[Table | None, list[AuditRow], list[Problem]]:
    """The master's 审计 table (the audit bureau's units), its headers as the audit scheme
    decides them (:mod:`addin.scheme.audit_columns`); (None, [], []) for a master without it."""
    values = host.sheet_values(AUDIT_SHEET)
    if values is None:
        return None, [], []
    required, optional = audit_columns(audit)
    found = find_table(AUDIT_SHEET, values, required, optional)
    if isinstance(found, Problem):
        return None, [], [found.located(file=host.name)]
    rows = [AuditRow(code_text(r[KEY]), code_text(r[NAME]), r[TYPE],
                     {c.id: r[category_header(c)] for c in audit.categories}, r[VETO], r.get(SELF_TOTAL))
            for _n, r in found.rows if code_text(r[KEY])]
    return found, rows, []


def locate_audit(problems: list[Problem], table: Table, file: str) -> list[Problem]:
    """Each audit problem at its cell of the 审计 table (by code and header); one about the
    scheme (no quota) names the year folder's audit scheme file."""
    from addin.office.folder import AUDIT_SCHEME_FILE

    rows = {}
    for n, code in zip(table.numbers, code_texts(table.data[KEY])):
        rows.setdefault(code, n)
    out = []
    for p in problems:
        if p.record in rows and p.field in table.columns:
            out.append(p.located(file=file, sheet=AUDIT_SHEET, cell=table.cell(rows[p.record], p.field)))
        elif p.record is None:
            out.append(p.located(file=AUDIT_SCHEME_FILE))
        else:
            out.append(p.located(file=file, sheet=AUDIT_SHEET))
    return out


def ribbon_scheme(fullname: str | None) -> MunicipalScheme:
    """The scheme the button computes a workbook with: its year folder's (the master in it,
    or a copy in a folder below), else the shipped default."""
    from addin.office.folder import load_schemes, workbook_year_folder

    return load_schemes(workbook_year_folder(fullname)).municipal


def main() -> None:
    """The ribbon button 重新计算排名: recompute the calling workbook in Excel."""
    import xlwings as xw

    from addin.hosts import XlwingsHost

    book = xw.Book.caller()
    try:
        message = recompute(XlwingsHost(book), ribbon_scheme(book.fullname)).message
    except KaoheError as exc:  # a bad office file, a broken archive: the clerk reads why, in Chinese
        message = str(exc)
    book.app.status_bar = False
    book.app.alert(message, title="目标考核")
