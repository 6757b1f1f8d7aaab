"""A trace: one published number, the rule steps that made it and, for every input, where it
came from — as data (:class:`Trace`) and as the lines a reply quotes (:meth:`Trace.lines`).
Assembled by :mod:`addin.provenance.tracer`; written as a workbook by
:mod:`addin.provenance.report`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from addin.provenance.cells import FileCell
from addin.numbers import read_date
from addin.provenance.edits import shown

SUBMISSION, OFFICE, ARCHIVE, ROSTER, BLANK = "submission", "office", "archive", "roster", "blank"
"""Where an input came from: a submission (a cell of an emailed file), typed by the office
into the master, filled from the archive's previous year, the roster, or nothing (blank)."""

ORIGIN_ZH = {SUBMISSION: "报送", OFFICE: "考核办录入", ARCHIVE: "考核档案（上年）", ROSTER: "名册", BLANK: "空白"}


def cell_text(cell: FileCell) -> str:
    """A file cell's value as a clerk reads it: a date cell (its serial, as the file holds
    it) as its date."""
    if "日期" in cell.label and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
        day, problem = read_date(cell.value, cell.label)
        if problem is None and day is not None:
            return day.isoformat()
    return shown(cell.value)


@dataclass(frozen=True)
class Submission:
    """One submission as the archive records it."""

    id: int
    number: int
    file_name: str
    sender: str | None
    arrived_at: str | None
    file_hash: str
    template_id: str | None
    kind: str | None
    unit_code: str | None
    status: str
    message_hash: str | None
    released_by: str | None
    released_at: str | None

    @property
    def arrived(self) -> str:
        return (self.arrived_at or "到达时间未知")[:19].replace("T", " ")

    def line(self) -> str:
        return (f"报送编号 {self.number}：{self.file_name}，发件人 {self.sender or '未知'}，到达 {self.arrived}，"
                f"文件 SHA-256 {self.file_hash}，模板编号 {self.template_id or '—'}")

    def release_line(self) -> str | None:
        if not self.released_by:
            return None
        when = (self.released_at or "")[:19].replace("T", " ")
        return f"该报送曾暂缓（发件人未登记），由 {self.released_by} 于 {when} 核实放行"


STATUS_ZH = {"accepted": "已采用", "warning": "已采用（有提示）", "superseded": "已被替代", "held": "暂缓（待核实）",
             "rejected": "退回"}


@dataclass(frozen=True)
class Input:
    """One input of a number: the master cell the engine read, its value, and its source."""

    table: str
    cell: str
    column: str
    value: Any
    origin: str
    note: str = ""
    submission: Submission | None = None
    submitted: str | None = None
    edited: bool = False
    cells: tuple[FileCell, ...] = ()
    steps: tuple[str, ...] = ()
    others: tuple[Submission, ...] = ()
    """The unit's other submissions of the same template: superseded, held or rejected."""

    def lines(self) -> list[str]:
        where = f"汇总表 {self.table}!{self.cell}" if self.cell else self.table
        head = f"· {self.column} = {shown(self.value)}（{where}）"
        if self.origin != SUBMISSION:
            return [f"{head}：{ORIGIN_ZH[self.origin]}" + (f"，{self.note}" if self.note else "")]
        out = [f"{head}：来自报送" + (f"（{self.note}）" if self.note else "")]
        if self.edited:
            out.append(f"    汇总表中已改为 {shown(self.value)}（报送值 {shown(self.submitted)}）；是否为更正由考核办确定")
        out.append(f"    {self.submission.line()}")
        release = self.submission.release_line()
        if release:
            out.append(f"    {release}")
        out += [f"    {c.address} {c.label} = {cell_text(c)}" for c in self.cells]
        out += [f"    {s}" for s in self.steps]
        for o in self.others:
            state = STATUS_ZH.get(o.status, o.status)
            out.append(f"    同一报表的其他报送（{state}）：{o.line()}")
            release = o.release_line()
            if release:
                out.append(f"      {release}")
        return out


@dataclass(frozen=True)
class Trace:
    """One unit's or person's published numbers, their rule steps and their inputs."""

    year: int
    kind: str
    code: str
    name: str
    version: int | None
    figures: tuple[tuple[str, Any], ...]
    steps: tuple[str, ...]
    inputs: tuple[Input, ...]
    changes: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def source(self) -> str:
        return f"已发布版本 v{self.version}" if self.version else "当前汇总表"

    def lines(self) -> list[str]:
        kind = {"department": "部门", "district": "区(市)", "person": "人员", "audit": "审计考评单位"}[self.kind]
        out = [f"{self.year}年度 {kind} {self.code} {self.name}（{self.source}）",
               "结果：" + "；".join(f"{k} {shown(v) if v is not None else '—'}" for k, v in self.figures),
               "计算步骤："]
        out += [f"  {s}" for s in self.steps]
        if self.changes:
            out.append("与上一版本相比：")
            out += [f"  {c}" for c in self.changes]
        out.append("输入及来源：")
        for i in self.inputs:
            out += [f"  {line}" for line in i.lines()]
        out += list(self.notes)
        return out
