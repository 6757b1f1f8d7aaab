"""Issue 26, provenance: every published number traced to the emailed cells, the sender and
the rule steps (``kaohe trace``), the evidence kept, and edits after intake made visible.

Expected values are worked by hand from SPEC §1 and the shipped scheme's 附表1 (APPENDIX1_FULL:
1.1 one meeting missed → 2 − 0.5×1 = 1.5; 1.2–1.5 full, 1.5 + 2 + 2 + 1; 1.6 entered 1.2;
total 9.2). Files are read back with openpyxl, a reader independent of intake's."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils.datetime import to_excel
from typer.testing import CliRunner

from addin.cli import app
from addin.hosts import FileHost
from addin.intake.extract import ANY_UNIT_SHEET, Update
from addin.intake.master import apply_updates
from addin.intake.run import ACCEPTED, HELD, SUPERSEDED, release_held, run_intake
from addin.intake.store import Store
from addin.macro import recompute
from addin.office.folder import load_schemes
from addin.office.roster import Roster, RosterUnit
from addin.provenance.edits import same_value
from addin.provenance.trace import OFFICE, ROSTER, SUBMISSION
from addin.provenance.tracer import Tracer
from addin.scheme.columns import unit_columns
from fill import APPENDIX1_FULL, TEST_SECRET, eml, fill, seed_secret
from workbook_templates.build import build_templates

UTC = dt.UTC
runner = CliRunner()
DEPARTMENTS = [("B001", "市发展改革委"), ("B002", "市财政局"), ("B003", "市商务局"), ("B004", "市统计局"),
               ("B005", "市审计局")]
ROSTER_5 = Roster([RosterUnit(c, n, "部门", "综合口") for c, n in DEPARTMENTS] + [RosterUnit("Q01", "市中区", "区市")])
KIND = "appendix:附表1:departments"
AUDIT_HEADERS = ("审计工作任务", "审计项目质量", "审计信息化", "其他工作")
"""The 审计 table's category columns (the shipped audit scheme's A1–A4)."""


@pytest.fixture(scope="module")
def books(tmp_path_factory, municipal, audit):
    out = tmp_path_factory.mktemp("tpl26")
    built = build_templates(out, municipal=municipal, audit=audit, roster=ROSTER_5, year=2026, secret=TEST_SECRET,
                            kinds=["appendix", "master"])
    return {(b.identity.unit_code, b.identity.template_kind): b.path for b in built}


def office_inputs(master: Path, municipal) -> None:
    """What the office types into the master (SPEC §1, worked by hand): B001 业务目标 65, 党的建设 9,
    精神文明建设 4.5, 招商引资 4 (its 党风廉政建设 comes by mail); B00k (k = 2..5) 业务目标 49 + k, each
    public target 8, 8, 4, 4 → composite 73 + k; Q01 every part at 80% of its points."""
    updates = []
    for k, (code, _name) in enumerate(DEPARTMENTS, start=1):
        values = {"业务目标": 65, "党的建设": 9, "精神文明建设": 4.5, "招商引资": 4} if code == "B001" else \
            {"业务目标": 49 + k, "党的建设": 8, "党风廉政建设": 8, "精神文明建设": 4, "招商引资": 4}
        updates.append(Update("部门", "单位编码", code, {**values, "通报批评次数": 0, "弄虚作假": "否"}))
    tier = municipal.districts
    parts = {p.name: float(p.points) * 0.8 for p in [*tier.business, *tier.public]}
    updates.append(Update("区市", "单位编码", "Q01", {**parts, "通报批评次数": 0, "弄虚作假": "否"}))
    apply_updates(master, updates)


@pytest.fixture
def work(tmp_path, books, municipal):
    shutil.copy(books[("KHB", "master")], tmp_path / "master.xlsx")
    seed_secret(tmp_path / "master.xlsx")
    (tmp_path / "inbox").mkdir()
    office_inputs(tmp_path / "master.xlsx", municipal)
    return tmp_path


def send(work, books, name: str, values: dict, sender: str, hour: int) -> Path:
    f = fill(books[("B001", KIND)], values, work / "filled" / f"{name}.xlsx")
    return eml(work / "inbox" / f"{name}.eml", [("2026_B001_附表1.xlsx", f.read_bytes())], sender=sender,
               date=dt.datetime(2027, 1, 10, hour, 0, tzinfo=UTC))


def take_in(work, municipal, audit):
    return run_intake(work / "inbox", work / "master.xlsx", municipal=municipal, audit=audit, year=2026)


def defined_cell(path: Path, name: str) -> tuple[str, str]:
    """Where a defined name points, as openpyxl reads it (independently of intake)."""
    wb = openpyxl.load_workbook(path)
    sheet, ref = list(wb.defined_names[name].destinations)[0]
    return sheet, ref.replace("$", "")


def input_of(trace, column: str):
    return next(i for i in trace.inputs if i.column == column)


def master_cell(master: Path, sheet: str, code: str, header: str) -> str:
    ws = openpyxl.load_workbook(master)[sheet]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == code:
            return row[headers.index(header)].coordinate
    raise AssertionError(f"{code} not on {sheet}")


# --- a hand-worked department ------------------------------------------------------------


def test_trace__a_department_from_its_appendix_cells_to_its_award(work, books, municipal, audit):
    """附表1 cells → item scores → 9.2 → composite 91.7 → 口内名次 1 → 先进集体 under the quota
    5 × 10% = 0.5 → 四舍五入 1."""
    msg = send(work, books, "a", APPENDIX1_FULL, "b001@example.gov.cn", 9)
    (o,) = take_in(work, municipal, audit).outcomes
    assert o.status in (ACCEPTED, "warning"), o.reasons
    with Tracer(work / "master.xlsx", 2026, municipal, audit) as tracer:
        t = tracer.trace("B001")
    assert t.figures == (("综合得分", Decimal("91.70")), ("口内名次", 1), ("先进集体", "是"))
    assert t.steps[0] == "综合得分：业务 65 + 公共 26.7 = 91.7；入选先进集体（限额1）"  # 9 + 9.2 + 4.5 + 4 = 26.7
    assert t.steps[2] == "限额：5 × 10% = 0.5 → 四舍五入 1（5 个单位）；已入选 1 个，待定 0 个"
    clean = input_of(t, "党风廉政建设")
    assert clean.origin == SUBMISSION and clean.value == 9.2 and not clean.edited
    assert clean.table == "部门" and clean.cell == master_cell(work / "master.xlsx", "部门", "B001", "党风廉政建设")
    sub = clean.submission
    data = o.envelope.data
    assert (sub.number, sub.sender, sub.file_name) == (1, "b001@example.gov.cn", "2026_B001_附表1.xlsx")
    assert sub.file_hash == hashlib.sha256(data).hexdigest() and sub.arrived == "2027-01-10 09:00:00"
    assert sub.template_id == o.identity.template_id and len(sub.template_id) == 32
    # the cells, where the template's defined names put them, with what the clerk typed
    cells = {(c.sheet, c.cell): c.value for c in clean.cells}
    for name, value in APPENDIX1_FULL.items():
        assert cells[defined_cell(books[("B001", KIND)], name)] == value, name
    assert "附表1 1.1 主体责任落实：2 − 0.5×1 = 1.5" in clean.steps
    assert "附表1 1.6 日常考核与民主测评：评定 1.2（日常表现良好）" in clean.steps
    assert clean.steps[-1] == "附表1 合计：各项合计 9.2 = 9.2"
    assert (input_of(t, "弄虚作假").origin, input_of(t, "单位名称").origin) == (OFFICE, ROSTER)
    # the evidence: the file and its message, byte for byte, though the inbox is cleaned out
    os.remove(msg)
    out = runner.invoke(app, ["evidence", "--export", "1", "--out", str(work / "原件"), "--master",
                              str(work / "master.xlsx")], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert (work / "原件" / "报送1_2026_B001_附表1.xlsx").read_bytes() == data
    assert (work / "原件" / "报送1_邮件.eml").read_bytes().startswith(b"Received: from mail.sender.example")
    listed = runner.invoke(app, ["evidence", "--master", str(work / "master.xlsx")], terminal_width=200)
    assert listed.exit_code == 0 and "  1  B001  接收  2026_B001_附表1.xlsx  b001@example.gov.cn  " in listed.output, \
        listed.output  # the status in the clerk's words, as the receipt says it


def test_trace_command__writes_the_reply_workbook(work, books, municipal, audit):
    send(work, books, "a", APPENDIX1_FULL, "b001@example.gov.cn", 9)
    take_in(work, municipal, audit)
    out = runner.invoke(app, ["trace", "B001", "党风廉政建设", "--master", str(work / "master.xlsx"), "--xlsx",
                              str(work / "B001_答复附件.xlsx")], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "报送编号 1：2026_B001_附表1.xlsx，发件人 b001@example.gov.cn，到达 2027-01-10 09:00:00" in out.output
    ws = openpyxl.load_workbook(work / "B001_答复附件.xlsx")["输入来源"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    sheet, cell = defined_cell(books[("B001", KIND)], "KH_IN_附表1_1_1_missed_meetings")
    hit = [r for r in rows if r[13] == f"{sheet}!{cell}"]
    assert hit and hit[0][0] == "B001" and hit[0][2] == "党风廉政建设" and hit[0][7] == 1 and hit[0][15] == "1"
    missing = runner.invoke(app, ["trace", "B999", "--master", str(work / "master.xlsx")])
    assert missing.exit_code == 2 and "B999 不在汇总工作簿" in missing.output


# --- edits after intake --------------------------------------------------------------------


def test_recompute__an_edit_after_intake_is_a_warning_with_both_values(work, books, municipal, audit):
    send(work, books, "a", APPENDIX1_FULL, "b001@example.gov.cn", 9)
    take_in(work, municipal, audit)
    apply_updates(work / "master.xlsx", [Update("部门", "单位编码", "B001", {"党风廉政建设": 8.5})])
    done = recompute(FileHost(work / "master.xlsx"), municipal)
    assert done.ok
    edits = [p for p in done.problems if p.code == "edited_after_intake"]
    cell = master_cell(work / "master.xlsx", "部门", "B001", "党风廉政建设")
    assert [(p.sheet, p.cell, p.record, p.severity) for p in edits] == [("部门", cell, "B001", "warning")]
    assert "汇总表中已改为 8.5（报送值 9.2，报送编号 1，2026_B001_附表1.xlsx，b001@example.gov.cn" in edits[0].message
    ws = openpyxl.load_workbook(work / "master.xlsx")["问题"]
    assert any(r[2] == cell and "报送值 9.2" in (r[5] or "") for r in ws.iter_rows(values_only=True))
    with Tracer(work / "master.xlsx", 2026, municipal, audit) as tracer:
        edited = input_of(tracer.trace("B001"), "党风廉政建设")
    assert edited.edited and edited.value == 8.5 and edited.submitted == "9.20"
    assert "    汇总表中已改为 8.5（报送值 9.2）；是否为更正由考核办确定" in edited.lines()


# --- supersede and release -------------------------------------------------------------------


def test_trace__a_resend_that_supersedes_and_a_released_held_file(work, books, municipal, audit):
    from test_trust import mailboxes

    mailboxes(work, B001="b001@example.gov.cn")
    send(work, books, "1", APPENDIX1_FULL, "b001@example.gov.cn", 9)
    send(work, books, "2", {**APPENDIX1_FULL, "KH_IN_附表1_1_1_missed_meetings": 0}, "b001@example.gov.cn", 10)
    send(work, books, "3", {**APPENDIX1_FULL, "KH_IN_附表1_1_1_missed_meetings": 2}, "clerk@home.example", 11)
    statuses = sorted((o.envelope.source, o.status) for o in take_in(work, municipal, audit).outcomes)
    assert statuses == [("1.eml", SUPERSEDED), ("2.eml", ACCEPTED), ("3.eml", HELD)]
    release_held(work / "master.xlsx", 3, by="张科长", municipal=municipal, audit=audit, year=2026)
    with Tracer(work / "master.xlsx", 2026, municipal, audit) as tracer:
        i = input_of(tracer.trace("B001"), "党风廉政建设")
    assert i.value == 8.7 and i.submission.number == 3  # 1.1: 2 − 0.5×2 = 1 → 9.2 − 0.5
    assert i.submission.sender == "clerk@home.example" and i.submission.released_by == "张科长"
    assert [(o.number, o.status) for o in i.others] == [(1, "superseded"), (2, "superseded")]
    text = "\n".join(i.lines())
    assert f"该报送曾暂缓（发件人未登记），由 张科长 于 {i.submission.released_at[:19].replace('T', ' ')} 核实放行" in text
    assert "同一报表的其他报送（已被替代）：报送编号 2：2026_B001_附表1.xlsx，发件人 b001@example.gov.cn，到达 " \
           "2027-01-10 10:00:00" in text


# --- across versions ---------------------------------------------------------------------------


def test_trace__a_v1_to_v2_change_is_traced_to_its_new_submission(work, books, municipal, audit):
    from addin.archive.versions import publish, scheme_record
    from addin.scheme.loader import builtin_path

    record = scheme_record(municipal, builtin_path("municipal"))
    send(work, books, "1", APPENDIX1_FULL, "b001@example.gov.cn", 9)
    take_in(work, municipal, audit)
    assert recompute(FileHost(work / "master.xlsx"), municipal).ok
    publish(work / "master.xlsx", 2026, scheme=record)
    send(work, books, "2", {**APPENDIX1_FULL, "KH_IN_附表1_1_1_missed_meetings": 0}, "b001@example.gov.cn", 10)
    take_in(work, municipal, audit)
    assert recompute(FileHost(work / "master.xlsx"), municipal).ok
    publish(work / "master.xlsx", 2026, scheme=record)
    with Tracer(work / "master.xlsx", 2026, municipal, audit) as tracer:
        t = tracer.trace("B001", version=2)
        unchanged = tracer.trace("B002", version=2)
    assert t.version == 2 and t.figures[0] == ("得分", "92.20")  # 1.1 now full: 9.7, 91.7 + 0.5
    assert t.changes[0] == "得分：v1 91.70 → v2 92.20"
    assert t.changes[1].startswith("原因：新报送 报送编号 2：2026_B001_附表1.xlsx，发件人 b001@example.gov.cn，到达 "
                                   "2027-01-10 10:00:00")
    assert t.changes[1].endswith("党风廉政建设 = 9.7（此前报送值 9.2（报送编号 1））")
    assert unchanged.changes == ("与 v1 相同，无变化",)


# --- every published number of the demo year -----------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory, municipal, audit):
    from addin.demo import run_demo

    paths, _intake, _outcome, audit_result, _changes = run_demo(tmp_path_factory.mktemp("demo26") / "office",
                                                                municipal, audit, say=lambda *_: None)
    return paths, audit_result


def kept_book(store: Store, cache: dict, file_hash: str) -> openpyxl.Workbook:
    """A kept file, checked against its hash, opened with openpyxl (once)."""
    if file_hash not in cache:
        data = store.evidence(file_hash)
        assert hashlib.sha256(data).hexdigest() == file_hash
        cache[file_hash] = openpyxl.load_workbook(io.BytesIO(data))
    return cache[file_hash]


def _cell_value(value):
    """openpyxl gives a date-formatted cell as a datetime; intake's reader gives its serial."""
    if isinstance(value, dt.datetime):
        return to_excel(value)
    return value


def test_trace__every_published_number_of_the_demo_year_traces_to_the_cells_it_used(demo, municipal, audit):
    """All rows, no sampling: each department, district and person of the latest published
    version traces to inputs, and every cell an input names, read back from the file kept in
    the archive, holds the value the trace says the engine used; each of the audit bureau's
    published rows is its trace's score rate, rank and 先进集体, its category scores traced to
    its form's cells."""
    from addin.archive.history import published

    paths, audit_result = demo
    rows = published(paths.master.parent.parent / "考核档案.kaohe.sqlite", year=2026)
    assert {r.kind for r in rows} == {"department", "district", "person", "audit"} and len(rows) > 1000
    audit_rows = {r.code: r for r in rows if r.kind == "audit"}
    rows = [r for r in rows if r.kind != "audit"]  # the audit bureau's units: below, from their forms
    store = Store(paths.master.parent.parent / "考核档案.kaohe.sqlite")
    sheets: dict[str, openpyxl.Workbook] = {}
    checked = 0
    year_audit = load_schemes(paths.master.parent).audit  # the year folder's: its quota (20%), as kaohe trace reads it
    assert year_audit.awards.quota is not None
    with Tracer(paths.master, 2026, municipal, year_audit) as tracer:
        for r in rows:
            t = tracer.trace(r.code)  # the current master: v2 was published from it, unchanged since
            assert t.figures[0][1] == Decimal(r.score), r.code  # the traced computation gives the published number
            sources = [i for i in t.inputs if i.origin == SUBMISSION]
            assert sources, f"{r.code}: no input traced to a submission"
            for i in sources:
                s = i.submission
                book = kept_book(store, sheets, s.file_hash)
                if not i.cells:  # a register lists no row of this unit: a count of 0, said so
                    assert s.kind.startswith("register") and i.steps == (f"登记表中没有 {r.code} 的行，计 0",), i
                    assert i.value in (0, "0 行"), (r.code, i.column, i.value)
                if i.column == "通报批评次数" and not i.edited:  # one row of the register per criticism
                    assert len([c for c in i.cells if c.label == "编码"]) == i.value, (r.code, i.cells)
                for c in i.cells:
                    assert _cell_value(book[c.sheet][c.cell].value) == c.value, (r.code, i.column, c.address)
                    checked += 1
                    if c.label == i.column and not i.edited:  # a person's own cell: the very value used
                        same = c.value == i.value if isinstance(c.value, str) else \
                            Decimal(repr(c.value)) == Decimal(repr(i.value))
                        assert same, (r.code, c.address, c.value, i.value)
                if i.steps and i.cells and not i.edited:  # an appendix total: the engine's sum of those cells, used as is
                    assert Decimal(i.steps[-1].rsplit(" = ", 1)[1]) == Decimal(repr(i.value)), (r.code, i.steps)
        # the audit bureau's units: each published row (score = 得分率, rank, 先进集体) is the trace's
        # figures, computed from the master's 审计 row; each category score from its form's cells
        assert sorted(audit_rows) == sorted(u.code for u in audit_result.units) and len(audit_rows) == 12
        for code, r in audit_rows.items():
            t = tracer.trace(code)
            assert t.kind == "audit" and t.figures == (("得分率", Decimal(r.score)), ("名次", r.rank),
                                                       ("先进集体", r.award)), code
            assert t.steps[0] == f"说明（审计排名）：{r.trace}", code  # the 说明 as published
            by_column = {i.column: i for i in t.inputs}
            assert {by_column[c].origin for c in ("单位名称", "类别")} == {ROSTER}, code
            for column in AUDIT_HEADERS:
                i = by_column[column]
                assert i.origin == SUBMISSION and i.submission.kind.startswith("audit-form") and i.cells, (code, i)
                if not i.edited:  # the category's total, as the engine scores the form's cells, is the value used
                    assert Decimal(i.steps[-1].rsplit(" = ", 1)[1]) == Decimal(repr(i.value)), (code, i.steps)
            for i in t.inputs:
                if i.origin != SUBMISSION:
                    continue
                book = kept_book(store, sheets, i.submission.file_hash)
                for c in i.cells:
                    assert _cell_value(book[c.sheet][c.cell].value) == c.value, (code, i.column, c.address)
                    checked += 1
    store.close()
    assert checked > 10000


# --- =EXPLAIN on the master ----------------------------------------------------------------


def test_EXPLAIN__on_the_master_gives_a_units_provenance(demo, municipal, audit):
    """In the year folder, =EXPLAIN(编码, 列名) is the trace of that input; a scheme item still
    gives its score's arithmetic, and a code the master does not have says so in the cell."""
    from desktop import FakeCaller, call, desktop_udfs

    udfs = desktop_udfs()
    paths, _audit_result = demo
    caller = FakeCaller(str(paths.master))
    text = call(udfs.EXPLAIN, "B013", "通报批评次数", caller=caller)
    with Tracer(paths.master, 2026, municipal, audit) as tracer:
        assert text == "\n".join(tracer.trace("B013", "通报批评次数").lines())
    # the demo's appeal: the office set B013's 通报批评次数 to 0 after the register gave 1
    assert "汇总表中已改为 0（报送值 1）；是否为更正由考核办确定" in [line.strip() for line in text.split("\n")]
    assert "发件人 khb@example.gov.cn" in text and "通报批评!" in text
    assert "通报日期 = 2026-06-03" in text  # the register's date cell holds the serial 46176
    assert call(udfs.EXPLAIN, "A1.1", 3.0, caller=caller) == "40 − 2×3 = 34"
    with pytest.raises(Exception, match="B999 不在汇总工作簿"):
        call(udfs.EXPLAIN, "B999", "业务目标", caller=caller)


# --- the comparison of a master cell with what intake wrote ----------------------------------


@given(cents_=st.integers(min_value=-10**9, max_value=10**9))
def test_same_value__the_float_a_master_keeps_of_a_written_decimal_is_the_same(cents_):
    """Intake writes a Decimal (kept as its text); the master keeps Excel's float of it:
    the same value at 2 places, and one hundredth off is an edit."""
    written = Decimal(cents_).scaleb(-2)
    assert same_value(float(written), format(written, "f"))
    assert same_value(format(written, "f"), format(written, "f"))
    assert not same_value(float(written + Decimal("0.01")), format(written, "f"))


@given(text=st.text(min_size=1, max_size=20).filter(lambda t: t.strip() != ""))
def test_same_value__text_and_blanks(text):
    assert same_value(f" {text} ", text) and same_value(None, "") and same_value("", None)
    assert not same_value(None, text) and not same_value(text, None)


def test_scoring_label__a_scoring_sheet_cell_is_named_in_the_clerks_words():
    """The trace names a sector group's scoring-sheet cell by its row and the column header
    the clerk sees (业务目标评分表: 序号, 业务目标项目, 分值, 得分, 评分说明; workbook_templates/scoring_sheet.py HEADERS), never the cell's internal name."""
    from addin.provenance.cells import scoring_label

    assert scoring_label("1_score") == "序号1·得分"
    assert scoring_label("12_note") == "序号12·评分说明"
    assert scoring_label("3_points") == "序号3·分值"
    assert scoring_label("2_item") == "序号2·业务目标项目"
