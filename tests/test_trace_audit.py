"""Issue 26 × the audit bureau's year: ``kaohe trace`` of an audit unit tells the audit year
as recompute computes it — the master's 审计 row (each category's final score as intake
wrote it from the unit's 审计目标考评表, traced to the form's cells), then the score rate,
the rank, the 先进集体 under the audit scheme's quota, the integrity veto and the 自评
difference; an edit on 审计 after intake is a warning with both values; v1 → v2 explained.

The year is test_audit_year's five units (``bureau_year``: the quota entered as 40%), worked
by hand from SPEC §4 and the seed's Part A:

- 各单位对照考核内容及评分标准进行自评；局考评考核领导小组进行最终评定 — the final score counts,
  the 自评 beside it;
- 增收节支目标（60分）…（县市区**机关不予考评此项） — a county bureau's applicable maximum is 340:
  score rate = total ÷ applicable maximum × 400;
- 廉洁自律…发现并查实有不廉洁行为的…扣完所在科室该项分，并取消评先资格 — the veto;
- SPEC §0: a quota is round(count × rate) half-up; a tie for the last slots → every tied unit 待定.

By hand (A1 40 − 2×2 = 36, + A1.2 63 for a division; A2 (100 + 110) ÷ 2 = 105; A3 20 + (20 − 2×3)
+ 30 × 6 ÷ 8 + 30 = 86.5; A4 80 − 1 = 79):

==== ======== ================================ ======== ==== ==========================
unit type     total                            rate     rank 先进集体 (5 × 40% = 2 slots)
==== ======== ================================ ======== ==== ==========================
S01  科室     (40 + 63) + 105 + 86.5 + 79 = 373.5 373.5  1    是
S02  科室     99 + 105 + 86.5 + 79 = 369.5      369.5    2    待定 (tie with S03, 1 slot)
S03  科室     369.5                             369.5    2    待定
S05  县市区局 36 + 105 + 86.5 + 79 = 306.5      360.59   3    否 (名额已满)
S04  县市区局 A4.4 vetoed → 0: 297.5            350      4    否 (不得评先：廉洁自律)
==== ======== ================================ ======== ==== ==========================

306.5 ÷ 340 × 400 = 360.588… → 360.59; 297.5 ÷ 340 × 400 = 350. S02's 自评 is 377 (A3.3 30,
the final 22.5): 369.5 − 377 = −7.5.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.archive.versions import archive_path, publish
from addin.hosts import FileHost
from addin.intake.extract import Update
from addin.intake.master import apply_updates
from addin.intake.run import run_intake
from addin.macro import recompute
from addin.provenance.trace import BLANK, OFFICE, ROSTER, SUBMISSION
from addin.provenance.tracer import Tracer
from fill import eml, fill
from test_audit_year import FORMS, bureau_year, sheet_rows, with_quota  # noqa: F401  (bureau_year: the fixture)

D = Decimal


def input_of(trace, column: str):
    return next(i for i in trace.inputs if i.column == column)


def master_cell(master, code: str, header: str) -> str:
    ws = openpyxl.load_workbook(master)["审计"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == code)
    return row[headers.index(header)].coordinate


def read_back(path_of_form, cell) -> object:
    """A form's cell as openpyxl reads the file that was sent (independently of intake)."""
    return openpyxl.load_workbook(path_of_form)[cell.sheet][cell.cell].value


def taken_in(bureau_year, municipal):
    master, forms, inbox, scheme = bureau_year
    assert not run_intake(inbox, master, municipal=municipal, audit=scheme, year=2026).rejected
    return master, forms, inbox, scheme


def test_trace__an_audit_unit_tied_for_the_last_slot_from_its_form_to_daiding(bureau_year, municipal, tmp_path):
    """S02: its form's cells → A3 86.5 (… + 30 × 6 ÷ 8 …) → 369.5 → 369.5 ÷ 400 × 400 → rank 2 →
    待定 with S03 for the one slot left of 5 × 40% = 2; 自评 377, −7.5. The figures are its
    审计排名 row and its published row."""
    master, _forms, _inbox, scheme = taken_in(bureau_year, municipal)
    assert recompute(FileHost(master), municipal, audit=scheme).ok
    with Tracer(master, 2026, municipal, scheme) as tracer:
        t = tracer.trace("S02")
    assert (t.kind, t.code, t.name) == ("audit", "S02", "金融审计科")
    assert t.figures == (("得分率", D("369.5")), ("名次", 2), ("先进集体", "待定"))
    assert t.steps[1:] == (
        "总分：A1 审计工作任务 99 + A2 审计项目质量 105 + A3 审计信息化 86.5 + A4 其他工作 79 = 369.5（“审计”表各类别的最终评定得分之和）",
        "得分率：369.5 ÷ 适用满分 400（科室）× 400 = 369.5（保留两位小数，四舍五入）",
        "名次 2：5 个单位按得分率从高到低排名（中国式排名，并列不占名次）",
        "限额：5 × 40% = 2 → 四舍五入 2（5 个单位）；已入选 1 个，待定 2 个",
        "先进集体：待定（待定：2个单位并列争1个名额，由局考评考核领导小组确定）",
        "一票否决：无",
        "自评：最终评定 369.5 − 自评总分 377 = −7.5")
    # the same figures as 审计排名 holds them (the sheet keeps floats)
    (row,) = [r for r in sheet_rows(master, "审计排名") if r["单位编码"] == "S02"]
    assert (row["得分率"], row["名次"], row["先进集体"]) == (369.5, 2, "待定")
    assert t.steps[0] == f"说明（审计排名）：{row['说明']}"
    # the inputs: the roster's name and type; every category, the veto and 自评总分 from S02's form
    assert {i.column: i.origin for i in t.inputs} == {
        "单位名称": ROSTER, "类别": ROSTER, "审计工作任务": SUBMISSION, "审计项目质量": SUBMISSION,
        "审计信息化": SUBMISSION, "其他工作": SUBMISSION, "一票否决": SUBMISSION, "自评总分": SUBMISSION}
    a3 = input_of(t, "审计信息化")
    assert (a3.value, a3.cell, a3.edited) == (86.5, master_cell(master, "S02", "审计信息化"), False)
    assert (a3.submission.file_name, a3.submission.sender, a3.submission.kind) == (
        "S02_审计目标考评表.xlsx", "S02@audit.example.gov.cn", "audit-form:科室")
    assert a3.steps[-1].startswith("A3 审计信息化 合计：") and a3.steps[-1].endswith(" = 86.5")
    assert {c.label.split(" ")[0] for c in a3.cells} == {"A3.1", "A3.2", "A3.3", "A3.4", "A3.5"}  # A3's items only
    # A3.3 AO应用: numerator 6 and denominator 8 as the sent file holds them
    a33 = sorted(c.value for c in a3.cells if c.label.startswith("A3.3"))
    assert a33 == [6, 8]
    sent = tmp_path / "已填报" / "S02.xlsx"
    for c in a3.cells:
        assert read_back(sent, c) == c.value, c.address
    self_total = input_of(t, "自评总分")
    assert self_total.value == 377 and self_total.steps[-1].endswith(" = 377")
    assert any(c.label == "A3.3 AO应用·自评得分" and c.value == 30 for c in self_total.cells)
    text = "\n".join(t.lines())
    assert "2026年度 审计考评单位 S02 金融审计科（当前汇总表）" in text
    assert "结果：得分率 369.5；名次 2；先进集体 待定" in text

    publish(master, 2026)
    (published,) = sqlite3.connect(archive_path(master)).execute(
        "SELECT score, rank, award FROM results WHERE kind = 'audit' AND code = 'S02'").fetchall()
    assert published == ("369.50", 2, "待定")


def test_trace__an_audit_unit_vetoed_for_integrity(bureau_year, municipal):
    """S04, a county bureau: A4.4 查实不廉洁行为 → A4.4 0, A4 70, 297.5 ÷ 340 × 400 = 350, rank 4 of
    the rates, 不得评先：廉洁自律 (the veto traced to the form's flag cell)."""
    master, _forms, _inbox, scheme = taken_in(bureau_year, municipal)
    assert recompute(FileHost(master), municipal, audit=scheme).ok
    with Tracer(master, 2026, municipal, scheme) as tracer:
        t = tracer.trace("S04")
    assert t.figures == (("得分率", D("350")), ("名次", 4), ("先进集体", "否"))
    assert "得分率：297.5 ÷ 适用满分 340（县市区局）× 400 = 350（保留两位小数，四舍五入）" in t.steps
    assert "先进集体：否（不得评先：廉洁自律）" in t.steps and "一票否决：廉洁自律，不得评先" in t.steps
    assert "自评：未填自评总分" in t.steps
    veto = input_of(t, "一票否决")
    assert (veto.origin, veto.value, veto.edited) == (SUBMISSION, "廉洁自律", False)
    assert [(c.label, c.value) for c in veto.cells if c.label.endswith("查实不廉洁行为")] == [
        ("A4.4 廉洁自律·查实不廉洁行为", "是")]
    assert veto.steps[-1].endswith("；一票否决：廉洁自律")
    assert input_of(t, "其他工作").value == 70


def test_recompute__an_edit_on_the_audit_table_after_intake_is_a_warning_with_both_values(bureau_year, municipal):
    """The office sets S05's 审计信息化 to 90 after its form gave 86.5: a 问题 warning at that
    cell with both values and the submission; the trace uses 90 (as recompute does: 36 + 105
    + 90 + 79 = 310, 310 ÷ 340 × 400 = 364.705… → 364.71) and says it was changed."""
    master, _forms, _inbox, scheme = taken_in(bureau_year, municipal)
    apply_updates(master, [Update("审计", "单位编码", "S05", {"审计信息化": 90})])
    done = recompute(FileHost(master), municipal, audit=scheme)
    assert done.ok, done.problems
    cell = master_cell(master, "S05", "审计信息化")
    (edit,) = [p for p in done.problems if p.code == "edited_after_intake"]
    assert (edit.sheet, edit.cell, edit.record, edit.severity) == ("审计", cell, "S05", "warning")
    number = sqlite3.connect(archive_path(master)).execute(
        "SELECT number FROM submissions WHERE unit_code = 'S05'").fetchone()[0]
    assert (f"审计!{cell} 审计信息化：汇总表中已改为 90（报送值 86.5，报送编号 {number}，S05_审计目标考评表.xlsx，"
            "S05@audit.example.gov.cn") in edit.message
    problems = openpyxl.load_workbook(master)["问题"].iter_rows(values_only=True)
    assert any(r[1] == "审计" and r[2] == cell and "报送值 86.5" in (r[5] or "") for r in problems)
    with Tracer(master, 2026, municipal, scheme) as tracer:
        t = tracer.trace("S05")
    edited = input_of(t, "审计信息化")
    assert edited.edited and edited.value == 90 and edited.submitted == "86.50"
    assert "    汇总表中已改为 90（报送值 86.5）；是否为更正由考核办确定" in edited.lines()
    assert t.figures[0] == ("得分率", D("364.71"))
    (row,) = [r for r in sheet_rows(master, "审计排名") if r["单位编码"] == "S05"]
    assert row["得分率"] == 364.71


def test_trace__an_audit_units_row_typed_by_the_office(bureau_year, municipal):
    """A unit whose form never came in: the office types its row on 审计 (S05: 36, 105, 86.5,
    79, and the veto 廉洁自律): every value is the office's, and the figures are still computed
    (306.5 ÷ 340 × 400 = 360.59, rank 3, 不得评先)."""
    master, _forms, inbox, scheme = bureau_year
    (inbox / "S05.eml").unlink()
    assert not run_intake(inbox, master, municipal=municipal, audit=scheme, year=2026).rejected
    apply_updates(master, [Update("审计", "单位编码", "S05", {"审计工作任务": 36, "审计项目质量": 105,
                                                           "审计信息化": 86.5, "其他工作": 79, "一票否决": "廉洁自律"})])
    assert recompute(FileHost(master), municipal, audit=scheme).ok
    with Tracer(master, 2026, municipal, scheme) as tracer:
        t = tracer.trace("S05")
    assert t.figures == (("得分率", D("360.59")), ("名次", 3), ("先进集体", "否"))
    origins = {i.column: i.origin for i in t.inputs}
    assert {origins[c] for c in ("审计工作任务", "审计项目质量", "审计信息化", "其他工作", "一票否决")} == {OFFICE}
    assert origins["自评总分"] == BLANK
    assert "先进集体：否（不得评先：廉洁自律）" in t.steps and "一票否决：廉洁自律，不得评先" in t.steps
    assert "  · 一票否决 = 廉洁自律（汇总表 审计!H6）：考核办录入，考核办在汇总表中录入（不来自报送）" in t.lines()
    assert "  · 审计信息化 = 86.5（汇总表 审计!" in "\n".join(t.lines())
    assert all(i.submission is None for i in t.inputs)


def test_trace__an_audit_units_v1_to_v2_change_is_traced_to_its_new_form(bureau_year, municipal, tmp_path):
    """S03 re-sends its form with one person-time absent from training (A4.5 −2): A4 77, 367.5;
    the tie is gone. S03: 得分率 369.50 → 367.50, 名次 2 → 3, 先进集体 待定 → 否, because of the
    new submission's 其他工作 77 (was 79). S02: its rate unchanged, 待定 → 是 because S03's changed."""
    master, forms, inbox, scheme = taken_in(bureau_year, municipal)
    assert recompute(FileHost(master), municipal, audit=scheme).ok
    publish(master, 2026)
    kind, values = FORMS["S03"]
    fixed = fill(forms[("S03", kind)], {**values, "KH_IN_A4_A4_5_absent": 1}, tmp_path / "已填报" / "S03b.xlsx")
    eml(inbox / "S03b.eml", [("S03_审计目标考评表（更正）.xlsx", fixed.read_bytes())], sender="s03@audit.example.gov.cn",
        date=dt.datetime(2027, 1, 12, 9, 0, tzinfo=dt.UTC))
    run_intake(inbox, master, municipal=municipal, audit=scheme, year=2026)
    assert recompute(FileHost(master), municipal, audit=scheme).ok
    publish(master, 2026, "S03更正")
    db = sqlite3.connect(archive_path(master))
    old, new = (db.execute("SELECT number FROM submissions WHERE unit_code = 'S03' AND file_name = ?",
                           (name,)).fetchone()[0] for name in ("S03_审计目标考评表.xlsx", "S03_审计目标考评表（更正）.xlsx"))
    with Tracer(master, 2026, municipal, scheme) as tracer:
        s03 = tracer.trace("S03", version=2)
        s02 = tracer.trace("S02", version=2)
    assert s03.figures == (("得分率", "367.50"), ("名次", 3), ("先进集体", "否"))
    assert s03.changes[:3] == ("得分率：v1 369.50 → v2 367.50", "名次：v1 2 → v2 3", "先进集体：v1 待定 → v2 否")
    assert s03.changes[3].startswith(f"原因：新报送 报送编号 {new}：S03_审计目标考评表（更正）.xlsx，发件人 "
                                     "s03@audit.example.gov.cn，到达 2027-01-12 09:00:00")
    assert s03.changes[3].endswith(f"其他工作 = 77（此前报送值 79（报送编号 {old}））")
    assert len(s03.changes) == 4  # the other columns of the new form are as before: no reason of their own
    assert s02.changes == ("先进集体：v1 待定 → v2 是", "得分未变；名次或评先的变化来自同一范围内得分变化的单位：S03")


# --- the steps of any bureau ---------------------------------------------------------------

CATEGORY_VALUES = st.lists(st.tuples(st.sampled_from(["科室", "县市区局"]), st.lists(st.integers(0, 15000), min_size=4,
                                                                                   max_size=4), st.booleans()),
                           min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(units=CATEGORY_VALUES, rate=st.sampled_from(["20%", "40%"]))
def test_audit_steps__the_arithmetic_lines_agree_with_the_figures_of_any_bureau(audit, units, rate):
    """Over any bureau: the 总分 line lists the four category scores and their sum; the 得分率
    line is total ÷ 400 (科室) or 340 (县市区局) × 400 rounded half-up at 2 places (SPEC §4,
    worked here with Decimal's ROUND_HALF_UP, not the engine's helper) and is the figure; the
    先进集体 line states the figure; the 是 and 待定 lines of all units are the quota line's counts."""
    from addin.engine.audit_year import AuditRow, assess_audit_year
    from addin.provenance.audit import audit_figures, audit_steps

    scheme = with_quota(audit, rate=rate)
    rows = [AuditRow(f"U{i}", f"单位{i}", kind, dict(zip(("A1", "A2", "A3", "A4"), (D(v) / 100 for v in values))),
                     "廉洁自律" if vetoed else None) for i, (kind, values, vetoed) in enumerate(units)]
    year = assess_audit_year(scheme, rows)
    awards = []
    for row_, u in zip(rows, year.units):
        steps = audit_steps(scheme, year, u)
        figures = dict(audit_figures(scheme, u))
        total = sum(row_.categories.values(), D(0))
        listed = steps[1].removeprefix("总分：").split("（")[0].rsplit(" = ", 1)
        assert [D(p.rsplit(" ", 1)[1]) for p in listed[0].split(" + ")] == list(row_.categories.values())
        assert D(listed[1]) == total
        maximum = 400 if row_.type == "科室" else 340
        expected = (total / maximum * 400).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        assert figures["得分率"] == expected
        assert steps[2].startswith(f"得分率：{total.normalize():f} ÷ 适用满分 {maximum}（{row_.type}）× 400 = "
                                   f"{expected.normalize():f}")
        award = next(s for s in steps if s.startswith("先进集体："))
        assert award.startswith(f"先进集体：{figures['先进集体']}")
        assert (row_.veto is not None) == ("一票否决：廉洁自律，不得评先" in steps)
        awards.append(figures["先进集体"])
    quota_line = next(s for s in audit_steps(scheme, year, year.units[0]) if s.startswith("限额："))
    assert quota_line.endswith(f"已入选 {awards.count('是')} 个，待定 {awards.count('待定')} 个")
