"""Rich tables of a year's results, for the terminal (``kaohe demo``).

Names, codes, groups, 说明 and messages come from the clerks' workbooks and the office's
scheme: they are printed as :class:`~rich.text.Text` (or escaped), never read as markup, so
a unit named ``[/bold]`` prints as itself."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from addin.numbers import fmt
from addin.engine.selection import Status
from addin.engine.year import YearResult
from addin.problems import Problem

_AWARD_STYLE = {Status.SELECTED: "bold green", Status.TIED: "bold yellow", Status.INELIGIBLE: "red"}


def _cells(*values) -> list:
    """Table cells as plain text: a str is never markup (a Text passes as it is, None is blank)."""
    return [v if isinstance(v, Text) else Text("" if v is None else str(v)) for v in values]


def _award(status: Status, merit: str | None = None) -> Text:
    """是, 待定 or 否; a commended person's merit in brackets: 是（记二等功）."""
    label = {Status.SELECTED: "是", Status.TIED: "待定", Status.NOT_SELECTED: "否", Status.INELIGIBLE: "否"}[status]
    if merit and status is Status.SELECTED:
        label = f"{label}（{merit}）"
    return Text(label, style=_AWARD_STYLE.get(status, ""))


def render_year(console: Console, result: YearResult, year: int, title: str) -> None:
    console.rule(f"[bold]{year}年度 {escape(title)}")
    _departments(console, result)
    _districts(console, result)
    _staff(console, result)
    _audit(console, result)
    _alerts(console, result)
    render_problems(console, result.problems)


def _departments(console: Console, result: YearResult) -> None:
    t = Table(title="市直部门综合得分与先进集体（按分口）", show_lines=False, header_style="bold cyan")
    for col in ("分口", "口内名次", "单位编码", "单位名称", "综合得分", "先进集体"):
        t.add_column(col, justify="right" if col in ("口内名次", "综合得分") else "left", no_wrap=True)
    t.add_column("说明", overflow="fold")
    units = sorted(result.departments.units, key=lambda u: (u.group or "", u.rank or 10**9, u.code))
    for u in units:
        t.add_row(*_cells(u.group or "", str(u.rank or "—"), u.code, u.name, fmt(u.composite), _award(u.award),
                          u.trace))
    console.print(t)
    q = Table(title="先进集体限额", header_style="bold cyan")
    for col in ("分口", "计算", "限额", "已入选", "待定"):
        q.add_column(col)
    for row in result.departments.quotas:
        q.add_row(*_cells(row.group or "全部", row.calc.trace, str(row.calc.quota), str(row.selected), str(row.tied)))
    console.print(q)


def _districts(console: Console, result: YearResult) -> None:
    limit = "".join(f"（{q.calc.trace}）" for q in result.districts.quotas[:1])  # 前2名 by the scheme
    t = Table(title=Text(f"区(市)综合得分与先进集体{limit}"), header_style="bold cyan")
    for col in ("名次", "单位编码", "单位名称", "业务目标", "公共目标", "综合得分", "先进集体"):
        t.add_column(col, no_wrap=True)
    t.add_column("说明", overflow="fold")
    for u in sorted(result.districts.units, key=lambda u: (u.rank or 10**9, u.code)):
        t.add_row(*_cells(str(u.rank or "—"), u.code, u.name, fmt(u.business), fmt(u.public), fmt(u.composite),
                          _award(u.award), u.trace))
    console.print(t)


def _staff(console: Console, result: YearResult) -> None:
    people = result.staff.people
    grades = Counter(p.grade for p in people)
    console.print(Text(
        "工作人员等次分布："
        + "，".join(f"{g} {grades.get(g, 0)}人" for g in ("优秀", "待定", "称职", "基本称职", "不称职"))
        + f"（共 {len(people)} 人）"
    ))
    excellent = Counter(p.unit for p in people if p.grade == "优秀" and not p.outside_quota)
    console.print(Text("名额内优秀人数（按单位）：" + "，".join(f"{u} {n}" for u, n in sorted(excellent.items()))))
    t = Table(title="工作人员：名额外优秀、待定、拟表彰及等次受限人员", header_style="bold cyan")
    for col in ("人员编码", "姓名", "单位", "层级", "总分", "名次", "等次", "拟表彰"):
        t.add_column(col, no_wrap=True)
    t.add_column("说明", overflow="fold")
    shown = [p for p in people
             if p.outside_quota or p.grade in ("待定", "基本称职", "不称职")
             or p.commended is not Status.NOT_SELECTED]
    for p in sorted(shown, key=lambda p: (p.unit, p.level or "", p.rank or 10**9)):
        t.add_row(*_cells(p.code, p.name, p.unit, p.level or "", fmt(p.total), str(p.rank or "—"),
                          Text(p.grade or "—", style="bold green" if p.grade == "优秀" else
                               "bold yellow" if p.grade == "待定" else ""),
                          _award(p.commended, p.merit), p.trace))
    console.print(t)


def _audit(console: Console, result: YearResult) -> None:
    if result.audit is None:
        return
    t = Table(title="审计局目标考评（按得分率排名）", header_style="bold cyan")
    categories = list(dict.fromkeys(c for u in result.audit.units for c in u.categories))  # the scheme's order
    for col in ("名次", "单位", "类型", *categories, "总分", "适用满分", "得分率", "先进集体"):
        t.add_column(Text(col), no_wrap=True)
    t.add_column("说明", overflow="fold")
    for u in sorted(result.audit.units, key=lambda u: (u.rank or 10**9, u.code)):
        cats = [fmt(getattr(u.categories[c], "total", u.categories[c])) if c in u.categories else "—"
                for c in categories]  # a category's score, or its table's (the engine on a form's inputs)
        t.add_row(*_cells(str(u.rank or "—"), u.name, u.type, *cats, fmt(u.total), fmt(u.applicable_max),
                          fmt(u.rate), _award(u.award), u.trace))
    console.print(t)
    if result.audit.quota:
        console.print(Text(f"  审计局先进集体限额：{result.audit.quota.trace}"))


def _alerts(console: Console, result: YearResult) -> None:
    alerts = result.departments.alerts + result.districts.alerts + result.staff.alerts
    if not alerts:
        return
    t = Table(title="预警", header_style="bold red")
    for col in ("编码", "名称", "类别", "说明"):
        t.add_column(col)
    for a in alerts:
        t.add_row(*_cells(a.record, a.name, a.kind, a.message))
    console.print(t)


def render_problems(console: Console, problems: list[Problem]) -> None:
    if not problems:
        return
    t = Table(title=f"问题（{len(problems)}）", header_style="bold red")
    for col in ("级别", "编码", "项目", "字段", "说明"):
        t.add_column(col, overflow="fold")
    for p in problems:
        t.add_row(*_cells("错误" if p.is_error else "提示", p.record or "", p.item or "", p.field or "", p.message))
    console.print(t)


def render_intake(console: Console, result, receipt_path) -> None:
    """The intake summary: one block per file (status, file, unit and template on one line,
    then each reason on a line of its own), so that it reads at any terminal width."""
    from addin.intake.receipt import kind_label
    from addin.intake.run import HELD, REJECTED, STATUS_ZH

    console.print(Text("接收情况", style="bold cyan"))
    for o in result.outcomes:
        ident = o.identity
        style = "red" if o.status == REJECTED else ("yellow" if o.problems else "green")
        line = Text()
        line.append(f"[{STATUS_ZH[o.status]}] ", style=style)
        line.append(o.envelope.file_name)
        if ident:
            line.append(f"  {ident.unit_code} {ident.unit_name} · {kind_label(ident.template_kind)}", style="dim")
        if o.envelope.source != o.envelope.file_name:
            line.append(f"  （来自 {o.envelope.source}）", style="dim")
        if o.status == HELD:
            line.append(f"  报送编号 {o.record_id}（核实后放行：kaohe intake --release {o.record_id}）", style="yellow")
        console.print(line)
        for reason in o.reasons + ([o.late] if o.late else []):
            console.print(Text(f"    · {reason}"))
    for p in [*result.inbox_problems, *result.notices]:
        console.print(Text(f"[{'退回' if p.is_error else '提示'}] {p.file or ''}", style="red" if p.is_error else "yellow"))
        console.print(Text(f"    · {p.message}"))
    counts = Counter(o.status for o in result.outcomes)
    done = "，".join(f"{STATUS_ZH[k]} {v}" for k, v in counts.items()) or "本次没有新文件"
    earlier = f"；此前已处理的 {result.earlier} 个文件未再列出" if getattr(result, "earlier", 0) else ""
    if getattr(result, "dry_run", False):
        console.print(Text(f"预览（未接收、未写入、未记录）：{done}{earlier} [dry run: nothing changed]"))
        return
    console.print(Text(f"本次：{done}{earlier}；写入汇总工作簿 {result.cells_written} 个单元格；未报送 "
                       f"{len(result.missing)} 项；回执（全年度现状）：{receipt_path}"))


def render_changes(console: Console, changes, year: int) -> None:
    """What changed between two published versions (after appeals)."""
    from addin.archive.versions import FIELDS, KIND_ZH

    t = Table(title=f"{year}年度 v1 → v2（申诉复核后）：{len(changes)} 处变化", header_style="bold cyan")
    for col in ("类别", "编码", "名称", "项目", "v1", "v2"):
        t.add_column(col)
    for ch in changes:
        t.add_row(*_cells(KIND_ZH[ch.kind], ch.code, ch.name, FIELDS.get(ch.field, ch.field), str(ch.old or ""),
                          str(ch.new or "")))
    console.print(t)
