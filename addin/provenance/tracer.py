"""Assemble traces (:class:`~addin.provenance.trace.Trace`) for a year folder's master: the
engine is run once on the master's inputs, as recompute runs it; each input cell is matched
with the latest write intake made to it (:mod:`addin.provenance.writes`), its submission and
the cells of the kept file it came from (:mod:`addin.provenance.cells`); what intake did not
write is the office's entry, the roster's, or last year's from the archive. A published
version (``version``) is read from the archive, its chain checked, and its change from the
version before is explained by the writes and edits between them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from addin.archive.chain import check_version
from addin.archive.stamp import checked_archive
from addin.engine.audit_year import assess_audit_year
from addin.engine.people import PeopleRows
from addin.engine.staff import pool_of
from addin.engine.tables import score_table
from addin.engine.year import assess_year
from addin.errors import KaoheError
from addin.hosts import FileHost
from addin.intake.extract import Reader
from addin.intake.store import Store, archive_path
from addin.macro import read_audit, read_inputs, with_last_year
from addin.numbers import fmt, is_blank
from addin.problems import Problem
from addin.provenance.audit import audit_figures, audit_steps, form_steps
from addin.provenance.cells import open_kept, source_cells
from addin.provenance.edits import bonus_rows, same_value, shown, written_rows
from addin.provenance.trace import ARCHIVE, BLANK, OFFICE, ROSTER, SUBMISSION, Input, Submission, Trace
from addin.provenance.writes import ROWS, Write, latest_write, latest_writes, version_mark, writes_of
from addin.results import AWARD
from addin.scheme.columns import (BONUS_SHEET, GROUP, KEY, MAILBOXES, NAME, PREVIOUS, STAFF_OPTIONAL, STAFF_REQUIRED,
                                  UNIT_SHEETS, bonus_columns, unit_columns)
from addin.scheme.audit_columns import AUDIT_SHEET, TYPE, audit_columns
from addin.scheme.models import AuditScheme, MunicipalScheme
from addin.workbook.identity import input_name
from addin.workbook.tables import Table, code_texts, find_table

NOT_KEPT = "档案中没有保存该文件，无法列出其单元格"
"""An input from a submission whose file the archive does not keep."""
KIND_OF_SHEET = {"部门": "department", "区市": "district"}
RANKING_ZH = {"dense": "中国式排名，并列不占名次", "competition": "并列占名次"}
FIELDS_ZH = {"score": "得分", "rank": "名次", "grade": "等次", "award": "评先/表彰"}


class TraceError(KaoheError):
    """Nothing to trace: a code on no table, a master that does not compute, no such version."""


def read_master(host: FileHost, scheme: MunicipalScheme) -> dict[str, Table]:
    """The master's input tables, as recompute reads them; a master whose tables are not
    whole cannot be traced (its problems, as recompute would list them)."""
    tables: dict[str, Table] = {}
    problems: list[Problem] = []
    specs = [(UNIT_SHEETS[t], *unit_columns(scheme, t)) for t in UNIT_SHEETS]
    specs += [(BONUS_SHEET, bonus_columns(scheme), []), ("人员", STAFF_REQUIRED, STAFF_OPTIONAL)]
    for sheet, required, optional in specs:
        values = host.sheet_values(sheet)
        found = None if values is None else find_table(sheet, values, required, optional)
        if found is None or isinstance(found, Problem):
            problems.append(found or Problem("no_sheet", f"汇总工作簿缺少工作表“{sheet}”"))
        else:
            tables[sheet] = found
    if problems:
        raise TraceError("汇总工作簿的输入表不完整，无法追溯：" + "；".join(p.message for p in problems)[:500])
    return tables


class Tracer:
    """The traces of one year folder's master (open it, trace any number of codes, close it)."""

    def __init__(self, master: Path, year: int, municipal: MunicipalScheme, audit: AuditScheme):
        self.master, self.year, self.municipal, self.audit = Path(master), year, municipal, audit
        host = FileHost(self.master)
        self.tables = read_master(host, municipal)
        departments, districts, people = read_inputs(self.tables, municipal)
        departments, districts, people, self.last_year = with_last_year(host, departments, districts, people)
        self.result = assess_year(municipal, departments, districts, people)
        audit_table, audit_rows, problems = read_audit(host, audit)  # the audit bureau's units, as recompute reads them
        if problems:
            raise TraceError("汇总工作簿的“审计”表不完整，无法追溯：" + "；".join(p.message for p in problems)[:500])
        self.audit_year = assess_audit_year(audit, audit_rows) if audit_table is not None else None
        if audit_table is not None:
            self.tables[AUDIT_SHEET] = audit_table
        self.store = Store(archive_path(self.master))
        self.db: sqlite3.Connection = self.store.db
        self.writes = latest_writes(self.db, year)
        self._books: dict[str, Any] = {}
        self._rows: dict[tuple[str, str], tuple[Table, int, int]] = {}
        for sheet, key in (("部门", KEY), ("区市", KEY), ("人员", "人员编码"), (AUDIT_SHEET, KEY)):
            table = self.tables.get(sheet)
            if table is None:
                continue
            for k, (row, code) in enumerate(zip(table.numbers, code_texts(table.data[key]))):
                self._rows.setdefault((sheet, code), (table, row, k))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Tracer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the codes --------------------------------------------------------------------

    def codes(self) -> Iterator[tuple[str, str]]:
        """(kind, code) of every unit and person the master computes."""
        for tier, kind in ((self.result.departments, "department"), (self.result.districts, "district")):
            yield from ((kind, u.code) for u in tier.units)
        yield from (("person", code) for code in self.result.staff.people.code) if isinstance(
            self.result.staff.people, PeopleRows) else (("person", p.code) for p in self.result.staff.people)
        yield from (("audit", u.code) for u in (self.audit_year.units if self.audit_year else []))

    def trace(self, code: str, item: str | None = None, version: int | None = None) -> Trace:
        """The trace of a unit or person of the current master, or of published ``version``."""
        code = str(code).strip()
        current = self._current(code)
        if version is not None:
            current = self._published(current, version)
        if item:
            kept = tuple(i for i in current.inputs if _mentions(i, item))
            if not kept:
                raise TraceError(f"{code} 没有名为“{item}”的输入（可选：{'、'.join(i.column for i in current.inputs)}）"
                                 f" [no input {item}]")
            current = Trace(current.year, current.kind, current.code, current.name, current.version, current.figures,
                            current.steps, kept, current.changes, current.notes)
        return current

    def _current(self, code: str) -> Trace:
        for sheet, tier, tier_scheme in (("部门", self.result.departments, self.municipal.departments),
                                         ("区市", self.result.districts, self.municipal.districts)):
            unit = next((u for u in tier.units if u.code == code), None)
            if unit is not None:
                return self._unit(sheet, tier, tier_scheme, unit)
        people = self.result.staff.people
        codes = list(people.code) if isinstance(people, PeopleRows) else [p.code for p in people]
        if code in codes:
            return self._person(people[codes.index(code)])
        audit = self._audit(code)
        if audit is not None:
            return audit
        raise TraceError(f"{code} 不在汇总工作簿的“部门”“区市”“人员”“审计”表中 [{code} is on no table of the master]")

    # --- units --------------------------------------------------------------------------

    def _unit(self, sheet: str, tier, tier_scheme, u) -> Trace:
        by_group = tier_scheme.awards.by_group
        rank_label = "口内名次" if by_group else "名次"
        figures = (("综合得分", u.composite), (rank_label, u.rank), (tier_scheme.awards.title, AWARD[u.award]))
        steps = [f"综合得分：{u.trace}"]
        where = f"{u.group}内" if by_group else "全部区(市)中"
        steps.append(f"{rank_label} {u.rank if u.rank is not None else '—'}：{where}按综合得分从高到低排名（两位小数后比较，"
                     f"{RANKING_ZH[self.municipal.conventions.ranking]}）")
        quota = next((q for q in tier.quotas if q.group == (u.group if by_group else None)), None)
        if quota is not None:
            steps.append(f"限额：{quota.calc.trace}（{quota.calc.count} 个单位）；已入选 {quota.selected} 个，待定 {quota.tied} 个")
        steps.append(f"{tier_scheme.awards.title}：{AWARD[u.award]}" + (f"（不得评先：{u.ineligible}）" if u.ineligible
                                                                      else ""))
        table, row, k = self._rows[(sheet, u.code)]
        required, optional = unit_columns(self.municipal, "departments" if sheet == "部门" else "districts")
        inputs = [self._input(sheet, "单位", u.code, table, row, k, col)
                  for col in [*required, *optional] if col not in (KEY, MAILBOXES) and col in table.columns]
        inputs.append(self._bonus(u.code))
        return Trace(self.year, KIND_OF_SHEET[sheet], u.code, u.name, None, figures, tuple(steps), tuple(inputs))

    def _bonus(self, code: str) -> Input:
        columns = bonus_columns(self.municipal)
        held = bonus_rows(self.tables[BONUS_SHEET], code, columns)
        w = latest_write(self.writes, BONUS_SHEET, code, ROWS)
        value = f"{len(held)} 行" + ("：" + "；".join("、".join(r[1:]) for r in held) if held else "")
        if w is None:
            return Input(BONUS_SHEET, "", "加分登记", value, OFFICE if held else BLANK,
                         "考核办在汇总表中录入" if held else "无加分项目")
        sub = self.submission(w.submission_id)
        cells = tuple(self._cells(sub, code, ROWS))
        return Input(BONUS_SHEET, "", "加分登记", value, SUBMISSION, "" if self.book(sub) else NOT_KEPT, submission=sub,
                     submitted=f"{len(written_rows(w, columns))} 行", edited=held != written_rows(w, columns),
                     cells=cells, steps=() if cells else (f"登记表中没有 {code} 的行，计 0",),
                     others=tuple(self.others(sub)))

    def _input(self, sheet: str, family: str, code: str, table: Table, row: int, k: int, col: str) -> Input:
        value = table.data[col][k]
        cell = table.cell(row, col)
        if col in (NAME, GROUP, TYPE, "姓名", "单位编码", "层级", "主要负责人"):  # the office's roster decides these
            return Input(sheet, cell, col, value, ROSTER, "考核名册")
        w = latest_write(self.writes, family, code, col)
        if w is not None:
            return self._submitted(sheet, cell, col, value, code, w)
        if is_blank(value) and col in (PREVIOUS, "上年等次") and code in self.last_year:
            return Input(sheet, cell, col, value, ARCHIVE, self.last_year[code])
        if is_blank(value):
            return Input(sheet, cell, col, value, BLANK, "未填写")
        return Input(sheet, cell, col, value, OFFICE, "考核办在汇总表中录入（不来自报送）")

    def _submitted(self, sheet: str, cell: str, col: str, value: Any, code: str, w: Write) -> Input:
        sub = self.submission(w.submission_id)
        book = self.book(sub)
        if book is None:
            return Input(sheet, cell, col, value, SUBMISSION, NOT_KEPT, submission=sub, submitted=w.value,
                         edited=not same_value(value, w.value), others=tuple(self.others(sub)))
        steps = tuple(self._steps(book, sub, code, col))
        cells = tuple(self._cells(sub, code, col))
        if not cells and (sub.kind or "").startswith("register"):  # a whole-year register: no row is a count of 0
            steps = (f"登记表中没有 {code} 的行，计 0",)
        return Input(sheet, cell, col, value, SUBMISSION, submission=sub, submitted=w.value,
                     edited=not same_value(value, w.value), cells=cells, steps=steps, others=tuple(self.others(sub)))

    def _steps(self, book, sub: Submission, code: str, col: str) -> list[str]:
        """The item scores of an appendix table, or of an audit form's category, as the
        engine computes them from the file's cells (as intake did)."""
        if (sub.kind or "").startswith("audit-form:"):
            return form_steps(Reader(book, sub.file_name), self.audit, sub.kind.split(":")[1], code, col)
        if not (sub.kind or "").startswith("appendix:"):
            return []
        table = self.municipal.table(sub.kind.removesuffix(":half").split(":")[1])
        reader = Reader(book, sub.file_name)
        inputs = {item.id: {spec.name: reader.value(input_name(table.id, item.id, spec.name)) for spec in item.inputs()}
                  for item in table.items}
        scored = score_table(table, inputs, record=code)
        names = {i.id: i.name for i in table.items}
        out = [f"{table.id} {s.item} {names[s.item]}：{s.trace or fmt(s.score)}" for s in scored.items]
        out.append(f"{table.id} 合计：{scored.trace or fmt(scored.total)}")
        return out

    # --- people -------------------------------------------------------------------------

    def _person(self, p) -> Trace:
        figures = (("总分", p.total), ("名额范围内名次", p.rank), ("等次", p.grade), ("拟表彰", AWARD[p.commended]))
        steps = [f"说明：{p.trace}"]
        units = {**{u.code: ("部门", u.group) for u in self.result.departments.units},
                 **{u.code: ("区市", None) for u in self.result.districts.units}}
        level = next((lv for lv in self.municipal.staff.levels if lv.name == p.level), None)
        if level is not None:
            pool = pool_of(level.pool, p.unit, units)
            for q in self.result.staff.quotas:
                if q.unit == pool and q.level == p.level:
                    steps.append(f"{pool}·{p.level} 优秀限额 {q.excellent.trace}（已入选 {q.excellent_selected}，待定 "
                                 f"{q.excellent_tied}）；拟表彰限额 {q.commended.trace}（已入选 {q.commended_selected}，"
                                 f"待定 {q.commended_tied}）")
        table, row, k = self._rows[("人员", p.code)]
        inputs = [self._input("人员", "人员", p.code, table, row, k, col)
                  for col in [*STAFF_REQUIRED, *STAFF_OPTIONAL] if col != "人员编码" and col in table.columns]
        return Trace(self.year, "person", p.code, p.name, None, figures, tuple(steps), tuple(inputs))

    # --- the audit bureau's units ---------------------------------------------------------

    def _audit(self, code: str) -> Trace | None:
        """An audit bureau's unit (SPEC §4), as recompute computes it: its row of the master's
        审计 table (each input traced to the form intake wrote it from, or the office's
        entry), assessed with every unit of the table (:mod:`addin.provenance.audit`)."""
        if self.audit_year is None:
            return None
        u = next((x for x in self.audit_year.units if x.code == code), None)
        if u is None:
            return None
        table, row, k = self._rows[(AUDIT_SHEET, code)]
        required, optional = audit_columns(self.audit)
        inputs = [self._input(AUDIT_SHEET, AUDIT_SHEET, code, table, row, k, col)
                  for col in [*required, *optional] if col not in (KEY, MAILBOXES) and col in table.columns]
        return Trace(self.year, "audit", code, u.name or code, None, audit_figures(self.audit, u),
                     tuple(audit_steps(self.audit, self.audit_year, u)), tuple(inputs))

    # --- the archive ------------------------------------------------------------------

    def submission(self, sid: int) -> Submission:
        row = self.db.execute("SELECT id, number, file_name, COALESCE(mailer, sender), arrived_at, file_hash, "
                              "template_id, kind, unit_code, status, message_hash, released_by, released_at "
                              "FROM submissions WHERE id = ?", (sid,)).fetchone()
        return Submission(*row)

    def others(self, sub: Submission) -> list[Submission]:
        """The unit's other submissions of the same template, of the same intake year."""
        ids = self.db.execute("SELECT id FROM submissions WHERE intake_year = ? AND kind IS ? AND unit_code IS ? "
                              "AND id != ? ORDER BY number", (self.year, sub.kind, sub.unit_code, sub.id)).fetchall()
        return [self.submission(i) for (i,) in ids]

    def book(self, sub: Submission):
        """The submission's kept file, read again; None when the archive does not keep it (a
        record made before files were kept: the trace names the submission, not its cells)."""
        if sub.file_hash not in self._books:
            data = self.store.evidence(sub.file_hash)
            self._books[sub.file_hash] = None if data is None else open_kept(data, sub.file_name)
        return self._books[sub.file_hash]

    def _cells(self, sub: Submission, code: str, col: str):
        book = self.book(sub)
        if book is None:
            return []
        return source_cells(book, sub.file_name, sub.kind or "", code, col, self.municipal, self.audit)

    # --- published versions -------------------------------------------------------------

    def _published(self, current: Trace, version: int) -> Trace:
        with checked_archive(self.master) as (db, checked):
            link = checked.find(self.year, version)
            if link is None:
                known = "、".join(f"v{x.version}" for x in checked.links if x.year == self.year) or "无"
                raise TraceError(f"{self.year}年度没有已发布的版本 v{version}（已有：{known}）[no version v{version}]")
            before = checked.find(self.year, version - 1)
            latest = max(x.version for x in checked.links if x.year == self.year)
            rows = {r[3]: r for r in check_version(db, link) if r[2] == current.kind}  # a code is unique in its kind
            old = {r[3]: r for r in check_version(db, before) if r[2] == current.kind} if before else {}
        row = rows.get(current.code)
        if row is None:
            raise TraceError(f"v{version} 中没有 {current.code} 的结果 [{current.code} is not in v{version}]")
        labels = _labels(current)
        figures = ((labels["score"], row[6]), (labels["rank"], row[7]),
                   *(((labels["grade"], row[8]),) if row[8] else ()), (labels["award"], row[9]))
        steps = [f"说明（v{version} 发布时）：{row[10] or '—'}"]
        same = _same_number(row[6], current.figures[0][1]) and row[7] == current.figures[1][1]
        steps += list(current.steps[1:] if same else ["（当前汇总表的计算已与该版本不同，以下输入为当前汇总表）"])
        changes = self._changes(current, row, old.get(current.code), rows, old, before, link) if before else ()
        notes = () if version == latest else (f"注：v{version} 之后另有发布版本（最新 v{latest}）；输入及来源为当前汇总表",)
        return Trace(self.year, current.kind, current.code, current.name, version, figures, tuple(steps),
                     current.inputs, tuple(changes), notes)

    def _changes(self, current: Trace, row: tuple, prev: tuple | None, rows: dict, old: dict, before, link) -> list[str]:
        if prev is None:
            return [f"v{before.version} 中没有 {current.code}，v{link.version} 新增"]
        labels = _labels(current)
        out = [f"{labels[f]}：v{before.version} {_show(prev[i])} → v{link.version} {_show(row[i])}"
               for i, f in ((6, "score"), (7, "rank"), (8, "grade"), (9, "award")) if prev[i] != row[i]]
        if not out:
            return [f"与 v{before.version} 相同，无变化"]
        why = self._writes_between(current.code, before, link)
        why += [f"原因：汇总表 {i.table}!{i.cell} {i.column} 已改为 {shown(i.value)}（报送值 {shown(i.submitted)}，报送编号 "
                f"{i.submission.number}）" for i in current.inputs if i.edited]
        if prev[6] == row[6]:
            pooled = current.kind == "audit"  # the audit bureau ranks and selects all its units together
            peers = [c for c, r in rows.items() if c != current.code and (pooled or r[5] == row[5])
                     and c in old and old[c][6] != r[6]]
            if peers:
                why.append(f"得分未变；名次或评先的变化来自同一范围内得分变化的单位：{'、'.join(sorted(peers)[:20])}")
        return out + (why or ["原因：该期间没有新的报送写入，也没有发现汇总表改动（可能为考核办录入的列或方案的变化）"])

    def _writes_between(self, code: str, before, link) -> list[str]:
        """The writes to ``code``'s cells between two versions: after the marks of the
        versions (:func:`~addin.provenance.writes.version_mark`), or, for versions published
        before they were marked, the last write made by their time."""
        marks = [version_mark(self.db, self.year, x.version) for x in (before, link)]
        if None in marks:
            marks = [self.db.execute("SELECT COALESCE(MAX(id), 0) FROM submission_writes WHERE written_at <= ?",
                                     (x.published_at,)).fetchone()[0] for x in (before, link)]
        writes = writes_of(self.db, self.year, code)
        out = []
        for wid, col, value, sid in writes:
            if not marks[0] < wid <= marks[1]:
                continue
            prior = next((w for w in reversed(writes) if w[0] < wid and w[1] == col), None)
            if prior is not None and same_value(prior[2], value):
                continue
            was = f"此前报送值 {_show_write(col, prior[2])}（报送编号 {self.submission(prior[3]).number}）" if prior \
                else "此前未报送"
            column = "加分登记" if col == ROWS else col
            out.append(f"原因：新报送 {self.submission(sid).line()}，{column} = {_show_write(col, value)}（{was}）")
        return out


def _labels(current: Trace) -> dict[str, str]:
    """The names of a published row's fields: an audit unit's score is its score rate, its
    award the audit scheme's title (as its trace names them)."""
    if current.kind == "audit":
        return {**FIELDS_ZH, "score": current.figures[0][0], "rank": current.figures[1][0],
                "award": current.figures[2][0]}
    return FIELDS_ZH


def _show(value: Any) -> str:
    return "—" if value is None or value == "" else str(value)


def _show_write(col: str, value: str | None) -> str:
    return f"{len(json.loads(value or '[]'))} 行" if col == ROWS else shown(value)


def _same_number(a: Any, b: Any) -> bool:
    return same_value(b, a) if a is not None and b is not None else a == b


def _mentions(i: Input, item: str) -> bool:
    return item == i.column or item in i.column or (i.submission is not None and item in (i.submission.kind or "")) \
        or any(item in c.label for c in i.cells)
