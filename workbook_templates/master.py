"""The office's master workbook: the input tables "Recompute rankings" reads and the
result sheets it writes, with the headers the ribbon issue fixes (issue 6)."""

from __future__ import annotations

from addin.results import HEADERS
from addin.office.roster import Roster
from addin.scheme.columns import (MAILBOXES, MERIT, ROLE, SOURCES_HEADERS, SOURCES_SHEET, STAFF_OPTIONAL, STAFF_REQUIRED,
                                  bonus_columns, column_sources, unit_columns)
from addin.scheme.audit_columns import AUDIT_RESULT_HEADERS, AUDIT_RESULT_SHEET, AUDIT_SHEET, audit_columns
from addin.scheme.models import AuditScheme, MunicipalScheme
from addin.workbook.identity import input_name
from workbook_templates.form import FormBook, ref

APPEAL_SHEET = {"申诉登记": ["编码", "名称", "书面通知日期", "申诉日期", "答复日期", "答复内容", "处理结果"]}


def input_sheets(scheme: MunicipalScheme) -> dict[str, list[str]]:
    """The master's input tables and their headers, from the scheme (one source: columns)."""
    dept, dept_optional = unit_columns(scheme, "departments")
    dist, dist_optional = unit_columns(scheme, "districts")
    return {"部门": dept + dept_optional, "加分登记": bonus_columns(scheme), "区市": dist + dist_optional,
            "人员": STAFF_REQUIRED + STAFF_OPTIONAL, **APPEAL_SHEET}
RESULT_SHEETS: dict[str, list[str]] = {**HEADERS, "问题": ["级别", "工作表", "单元格", "编码", "项目", "说明"]}
ROWS_BLANK = 20


def audit_sheets(audit: AuditScheme | None) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The audit bureau's input table 审计 and result table 审计排名 (none without its scheme)."""
    if audit is None:
        return {}, {}
    required, optional = audit_columns(audit)
    return {AUDIT_SHEET: required + optional}, {AUDIT_RESULT_SHEET: AUDIT_RESULT_HEADERS}


def build_master(book: FormBook, scheme: MunicipalScheme, roster: Roster, year: int,
                 audit: AuditScheme | None = None) -> None:
    wb = book.wb
    f = book.fmt
    guide = book.sheet("说明")
    ws = guide.ws
    ws.set_column(0, 0, 110)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    lines = [
        f"{year}年度目标管理考核汇总工作簿（市考核办）",
        "1. “部门”“区市”“人员”“加分登记”为输入表：按表头填写，可调整列的顺序，表头须在前5行内；多余的列不影响计算。",
        "2. “报送邮箱”填写该单位报送材料使用的邮箱（多个用分号隔开，也可只写域名），接收时据此核对发件人。"
        "一票否决列填写否决部门（" + "、".join(scheme.departments.veto_bodies) + "），未被否决的留空；"
        "弄虚作假填“是”或“否”（空白按“否”）。",
        "3. 点击功能区“目标考核 → 重新计算排名”，结果写入“部门排名”“区市排名”“人员等次”“限额”“预警”；"
        "发现的输入问题列在“问题”表中，存在错误时不写入结果。",
        "4. 结果表每次重新计算时整体替换，请勿在结果表中手工修改。",
        f"5. “人员”表的“角色”填写{scheme.staff.roles.head}（部门）、{scheme.staff.roles.party_secretary}或"
        f"{scheme.staff.roles.government_head}（区市），{scheme.staff.roles.party_secretary}不参加县级考核、不占限额；"
        f"“推荐表彰”只能从拟表彰人员中填写{'、'.join(scheme.staff.merits)}，不超过表彰限额，市级领导除外。"
        "市级领导的结果另列于“市级领导”表，由市委通报。",
        *([f"6. “审计”为审计局各科室、县市区局的输入表：各单位报送的审计目标考评表经接收后写入各类最终评定得分、一票否决和自评总分；"
           f"重新计算时按得分率（总分 ÷ 适用满分 × {audit.rate_base:f}）排名，按审计考核方案的限额评选先进集体，"
           f"结果写入“审计排名”。"] if audit is not None else []),
    ]
    for i, text in enumerate(lines):
        ws.write_string(i, 0, text, f.label if i == 0 else f.note)
        ws.set_row(i, 32)
    audit_inputs, audit_results = audit_sheets(audit)
    sheets = {**input_sheets(scheme), **audit_inputs}
    mail_col = {name: sheets[name].index(MAILBOXES) for name in ("部门", "区市", *audit_inputs)}

    def unit_row(u, sheet: str, *first: str) -> list[str]:
        row = [*first] + [""] * (mail_col[sheet] - len(first))
        return [*row, "; ".join(u.mailboxes)] if u.mailboxes else list(first)

    prefill = {
        "部门": [unit_row(u, "部门", u.code, u.name, u.group) for u in roster.of_type("部门")],
        "区市": [unit_row(u, "区市", u.code, u.name) for u in roster.of_type("区市")],
        "人员": [staff_row(p, sheets["人员"]) for p in roster.people],
        **{name: [unit_row(u, name, u.code, u.name, u.type) for u in roster.of_type(*audit.unit_types)]
           for name in audit_inputs},
    }
    for name, headers in {**sheets, **RESULT_SHEETS, **audit_results}.items():
        sheet = book.sheet(name)
        ws = sheet.ws
        is_input = name in sheets
        for col, text in enumerate(headers):
            ws.set_column(col, col, 40 if text == "说明" else max(9, len(text) * 2 + 2))
            ws.write_string(0, col, text, f.header)
        rows = prefill.get(name, [])
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values):
                if value:
                    ws.write_string(r, c, value, f.cell)
        ws.freeze_panes(1, 2 if is_input else 0)
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        if is_input:
            for col in range(len(headers)):
                book.name(input_name("master", name, str(col + 1)), ref(name, 1, col, max(len(rows), ROWS_BLANK)))
        if name == "人员":
            staff_choices(ws, headers, scheme, max(len(rows), ROWS_BLANK))
    write_sources(book, scheme)
    wb.worksheets()[0].activate()


def staff_choices(ws, headers: list[str], scheme: MunicipalScheme, last: int) -> None:
    """Drop-down lists of the 人员 sheet's 角色 and 推荐表彰 columns, from the scheme (a
    warning, not a stop: recompute checks every value and says where it is wrong)."""
    roles = scheme.staff.roles
    for header, choices, title in ((ROLE, [roles.head, roles.party_secretary, roles.government_head], "角色"),
                                   (MERIT, list(scheme.staff.merits), "推荐表彰")):
        col = headers.index(header)
        ws.data_validation(1, col, last, col, {"validate": "list", "source": choices, "error_type": "warning",
                                               "input_title": title, "error_title": title,
                                               "error_message": "请从下拉列表中选择：" + "、".join(choices)})


def staff_row(person, headers: list[str]) -> list[str]:
    """A person's prefilled 人员 row: code, name, unit, level, 主要负责人 是/否 and, when the
    roster names it, the 角色 in its column."""
    row = [person.code, person.name, person.unit, person.level, "是" if person.is_head else "否"]
    if not person.role:
        return row
    return [*row, *[""] * (headers.index(ROLE) - len(row)), person.role]


def write_sources(book: FormBook, scheme: MunicipalScheme) -> None:
    """The very hidden sheet that records which scheme part each input column holds
    (:func:`addin.scheme.columns.column_sources`): what lets a later change of the scheme
    be applied to this master as a rename, never guessed (addin.workbook.alignment)."""
    ws = book.wb.add_worksheet(SOURCES_SHEET)
    for r, row in enumerate([SOURCES_HEADERS, *column_sources(scheme)]):
        for c, text in enumerate(row):
            ws.write_string(r, c, text)
    ws.protect()
    ws.very_hidden()
