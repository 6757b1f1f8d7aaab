"""The audit bureau's year, end to end (issue 24, deliver 1): its units on the master's 审计
table, their 审计目标考评表 taken in (the final score, with the unit's 自评 beside it), 重新计算排名
by score rate under the audit scheme's quota with 待定 and the integrity veto, and publish,
diff, history, the circular and publicity covering the bureau's units.

The seed lines (Part A) these cases work by hand:

- 各单位对照考核内容及评分标准进行自评；局考评考核领导小组进行最终评定 — the form's 自评 beside the
  final score; the final one counts;
- 增收节支目标（60分）…（县市区**机关不予考评此项） — a county bureau's applicable maximum is 340,
  so units compare by score rate = total ÷ applicable maximum × 400 (SPEC §4, default);
- 廉洁自律…发现并查实有不廉洁行为的…扣完所在科室该项分，并取消评先资格 — the veto;
- SPEC §0: a quota is round(count × rate) half-up; "If the last slots are contested by a tie
  (more tied eligible candidates than slots left), every tied candidate is marked 待定".
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import ooxml

from addin.archive.documents import circular, publicity_lists
from addin.archive.history import history
from addin.archive.versions import archive_path, diff, publish
from addin.engine.audit_year import AuditRow, assess_audit_year
from addin.engine.selection import Status
from addin.cli import app
from addin.hosts import FileHost
from addin.intake.extract import Update
from addin.intake.master import apply_updates
from addin.intake.run import ACCEPTED, REJECTED, WARNING, run_intake
from addin.macro import recompute, ribbon_scheme
from addin.office.roster import Roster, RosterPerson, RosterUnit
from addin.scheme.models import Quota
from conftest import D, fill_master_inputs
from fill import TEST_SECRET, eml, fill, seed_secret
from test_macro import BONUS, DEPARTMENTS, DISTRICTS, PEOPLE
from workbook_templates.build import build_templates

CATEGORIES = ("A1", "A2", "A3", "A4")
HEADERS = {"A1": "审计工作任务", "A2": "审计项目质量", "A3": "审计信息化", "A4": "其他工作"}


def with_quota(audit, **quota):
    """The audit scheme with the office's quota entered (awards.quota)."""
    return audit.model_copy(update={"awards": audit.awards.model_copy(update={"quota": Quota(**quota)})})


def row(code, name, kind, a1, a2, a3, a4, veto=None, self_total=None):
    return AuditRow(code, name, kind, dict(zip(CATEGORIES, (a1, a2, a3, a4))), veto, self_total)


# The bureau's 12 units (8 divisions 科室, 4 county bureaus 县市区局), by hand:
TWELVE = [
    row("K1", "财政审计科", "科室", 100, 120, 100, 70, veto="廉洁自律"),  # 390 ÷ 400 × 400 = 390, vetoed
    row("K2", "金融审计科", "科室", 98, 115, 95, 78, self_total=390),  # 386: the one slot left to fill alone
    row("C1", "滕州市审计局", "县市区局", 38, 110, 96, 80),  # 324 ÷ 340 × 400 = 381.176… → 381.18 ┐ tie
    row("K3", "经济责任审计科", "科室", 100, 110, "95.18", 76),  # 381.18                               ┘
    row("K4", "固定资产投资审计科", "科室", 95, 110, 90, 75),  # 370
    row("C2", "市中区审计局", "县市区局", 36, 105, "86.5", 79),  # 306.5 ÷ 340 × 400 = 360.588… → 360.59
    row("K5", "社会保障审计科", "科室", 90, 100, 90, 70),  # 350
    row("K6", "农业审计科", "科室", 85, 95, 85, 65),  # 330
    row("C3", "薛城区审计局", "县市区局", 30, 100, 80, 70),  # 280 ÷ 340 × 400 = 329.411… → 329.41
    row("K7", "办公室", "科室", 80, 90, 80, 60),  # 310
    row("C4", "峄城区审计局", "县市区局", 25, 90, 70, 65),  # 250 ÷ 340 × 400 = 294.117… → 294.12
    row("K8", "法规科", "科室", 70, 80, 70, 60),  # 280
]
EXPECTED = {  # code: (rate, dense rank, award)
    "K1": ("390", 1, Status.INELIGIBLE), "K2": ("386", 2, Status.SELECTED), "C1": ("381.18", 3, Status.TIED),
    "K3": ("381.18", 3, Status.TIED), "K4": ("370", 4, Status.NOT_SELECTED), "C2": ("360.59", 5, Status.NOT_SELECTED),
    "K5": ("350", 6, Status.NOT_SELECTED), "K6": ("330", 7, Status.NOT_SELECTED),
    "C3": ("329.41", 8, Status.NOT_SELECTED), "K7": ("310", 9, Status.NOT_SELECTED),
    "C4": ("294.12", 10, Status.NOT_SELECTED), "K8": ("280", 11, Status.NOT_SELECTED),
}


def test_assess_audit_year__twelve_units_a_tie_at_the_quota_and_the_integrity_veto(audit):
    """12 × 20% = 2.4 → 四舍五入 2. K1 (390) is vetoed (廉洁自律: 取消评先资格), K2 (386) takes the
    first slot, and C1 (a county bureau, 324 of 340) and K3 (381.18 of 400) tie at 381.18 for
    the one slot left: both 待定, never one chosen."""
    result = assess_audit_year(with_quota(audit, rate="20%"), TWELVE)
    assert result.ok, result.problems
    got = {u.code: (u.rate, u.rank, u.award) for u in result.units}
    assert got == {code: (D(rate), rank, award) for code, (rate, rank, award) in EXPECTED.items()}
    assert (result.quota.count, result.quota.quota, result.selected, result.tied) == (12, 2, 1, 2)
    u = {x.code: x for x in result.units}
    assert u["C1"].total == D(324) and u["C1"].applicable_max == D(340)
    assert u["C1"].trace == ("A1 38 + A2 110 + A3 96 + A4 80 = 324；得分率 324 ÷ 340 × 400 = 381.18；"
                             "待定：2个单位并列争1个名额，由局考评考核领导小组确定；未填自评")
    assert u["K1"].veto == "廉洁自律" and "不得评先：廉洁自律" in u["K1"].trace
    assert "得分率" not in u["K1"].trace  # a division's rate is its total: no arithmetic to show
    assert "入选先进集体（限额2）" in u["K2"].trace
    # K2 self-assessed 390, the leadership group found 386: −4
    assert (u["K2"].self_total, u["K2"].difference) == (D(390), D(-4))
    assert "自评 390，最终评定较自评 −4" in u["K2"].trace
    assert u["K4"].trace.endswith("未入选：限额2个，名额已满；未填自评")


def test_assess_audit_year__no_quota_entered_ranks_only_and_warns(audit):
    """SPEC §4: "The selection quota is not given by the source: the office enters it (a scheme
    field)". The shipped scheme leaves it blank: ranks, nobody selected, a warning naming the field."""
    assert audit.awards.quota is None
    result = assess_audit_year(audit, TWELVE)
    assert result.ok and result.quota is None
    assert {u.award for u in result.units} == {Status.NOT_SELECTED, Status.INELIGIBLE}
    assert next(u for u in result.units if u.code == "K2").trace.count("未评选：未设定先进集体限额") == 1
    (warning,) = result.problems
    assert warning.severity == "warning" and warning.field == "awards.quota" and "20%" in warning.message


def test_assess_audit_year__bad_cells_are_errors_with_their_field(audit):
    """A blank is never 0, text is not a number, 类别 is 科室 or 县市区局, a bare 是 names no
    vetoing body, and a negative score is out of range."""
    rows = [row("K1", "甲科", "科室", None, 120, 100, 70), row("K2", "乙科", "处室", 90, 100, 100, 70),
            row("K3", "丙科", "科室", 90, "八十", 100, 70, veto="是"), row("K4", "丁科", "科室", 90, 100, -1, 70),
            row("K5", "戊科", "科室", 90, 100, 100, 70, self_total="很高")]
    result = assess_audit_year(with_quota(audit, count=1), rows)
    assert not result.ok
    assert {(p.record, p.field, p.code) for p in result.problems} == {
        ("K1", "审计工作任务", "missing"), ("K2", "类别", "unknown_choice"), ("K3", "审计项目质量", "not_a_number"),
        ("K3", "一票否决", "veto_body_missing"), ("K4", "审计信息化", "out_of_range"),
        ("K5", "自评总分", "not_a_number")}
    assert all(u.total is None for u in result.units)  # a unit with a bad cell gets no total


RATES = st.lists(st.tuples(st.sampled_from(["科室", "县市区局"]), st.integers(0, 40000), st.booleans()), min_size=1,
                 max_size=15)


@settings(max_examples=60, deadline=None)
@given(units=RATES, rate=st.sampled_from(["10%", "20%", "35%", "50%"]))
def test_assess_audit_year__never_over_the_quota_never_a_vetoed_unit_never_a_lower_rate_first(audit, units, rate):
    """Invariants of SPEC §0 over any bureau: selections never exceed the quota; a vetoed unit is
    never selected; no eligible unit left out has a higher rate than one selected; 待定 only
    where a tie straddles the cutoff (then selected + 待定 exceeds the quota)."""
    rows = [row(f"U{i}", f"单位{i}", kind, Decimal(hundredths) / 100, 0, 0, 0, veto="廉洁自律" if vetoed else None)
            for i, (kind, hundredths, vetoed) in enumerate(units)]
    result = assess_audit_year(with_quota(audit, rate=rate), rows)
    assert result.ok
    selected = [u for u in result.units if u.award is Status.SELECTED]
    tied = [u for u in result.units if u.award is Status.TIED]
    assert len(selected) <= result.quota.quota
    assert all(u.veto is None for u in selected + tied)
    left_out = [u for u in result.units if u.award is Status.NOT_SELECTED]
    if selected and left_out:
        assert min(u.rate for u in selected) > max(u.rate for u in left_out)
    if tied:
        assert len({u.rate for u in tied}) == 1 and len(selected) + len(tied) > result.quota.quota


# --- the master: the bureau's units as a table of the city's master -------------------------

AUDIT_UNITS = [RosterUnit(r.code, r.name, r.type, mailboxes=(f"{r.code.lower()}@audit.example.gov.cn",))
               for r in TWELVE]


def city_master(tmp_path, municipal, audit, audit_units, *, kinds=("master",)):
    """The city's master (test_macro's departments, districts, people and bonus) with the
    bureau's units on the roster; returns the built workbooks by (unit, kind)."""
    units = [RosterUnit(d["单位编码"], f"部门{d['单位编码']}", "部门", d["分口"]) for d in DEPARTMENTS]
    units += [RosterUnit(d["单位编码"], f"区{d['单位编码']}", "区市") for d in DISTRICTS]
    people = [RosterPerson(p["人员编码"], f"人员{p['人员编码']}", p["单位编码"], p["层级"], p["主要负责人"] == "是")
              for p in PEOPLE]
    built = build_templates(tmp_path / "模板", municipal=municipal, audit=audit,
                            roster=Roster(units + audit_units, people), year=2026, kinds=list(kinds),
                            secret=TEST_SECRET)
    by_kind = {(b.identity.unit_code, b.identity.template_kind): b.path for b in built}
    master = tmp_path / "考核汇总.xlsx"
    shutil.copy(by_kind[("KHB", "master")], master)
    seed_secret(master)
    fill_master_inputs(master, {"部门": ("单位编码", DEPARTMENTS), "区市": ("单位编码", DISTRICTS),
                                "人员": ("人员编码", PEOPLE)}, BONUS)
    return master, by_kind


def sheet_rows_of(path, sheet):
    """The rows of a sheet below its headers, as tuples (blank rows left out)."""
    return [r for r in openpyxl.load_workbook(path)[sheet].iter_rows(min_row=2, values_only=True) if r[0] is not None]


def sheet_rows(path, sheet):
    ws = openpyxl.load_workbook(path)[sheet]
    headers = [c.value for c in ws[1]]
    return [dict(zip(headers, r)) for r in ws.iter_rows(min_row=2, values_only=True) if r[0] is not None]


def test_build_master__the_roster_names_the_bureaus_units_on_its_audit_table(tmp_path, municipal, audit):
    master, _ = city_master(tmp_path, municipal, audit, AUDIT_UNITS)
    ws = openpyxl.load_workbook(master)["审计"]
    assert [c.value for c in ws[1]] == ["单位编码", "单位名称", "类别", "审计工作任务", "审计项目质量", "审计信息化", "其他工作",
                                        "一票否决", "自评总分", "报送邮箱"]
    assert [c.value for c in ws[2]][:3] == ["K1", "财政审计科", "科室"] and ws["J2"].value == "k1@audit.example.gov.cn"
    assert [c.value for c in ws[4]][:3] == ["C1", "滕州市审计局", "县市区局"]
    assert "审计排名" in openpyxl.load_workbook(master).sheetnames


def test_recompute__the_bureau_ranked_on_the_city_master(tmp_path, municipal, audit):
    """The twelve units entered on 审计 (as intake writes them): 审计排名 holds the hand-worked
    ranks, 限额 the bureau's quota, and the city's results are as before."""
    master, _ = city_master(tmp_path, municipal, audit, AUDIT_UNITS)
    wb = openpyxl.load_workbook(master)
    ws = wb["审计"]
    for r, unit in enumerate(TWELVE, start=2):
        values = [unit.categories[c] for c in CATEGORIES]
        for c, value in enumerate(values, start=4):
            ws.cell(r, c, float(value) if isinstance(value, str) else value)
        ws.cell(r, 8, unit.veto)
        ws.cell(r, 9, unit.self_total)
    wb.save(master)
    out = recompute(FileHost(master), municipal, audit=with_quota(audit, rate="20%"))
    assert out.ok, out.problems
    ranks = {r["单位编码"]: r for r in sheet_rows(master, "审计排名")}
    assert [r["单位编码"] for r in sheet_rows(master, "审计排名")] == ["K1", "K2", "C1", "K3", "K4", "C2", "K5", "K6",
                                                                      "C3", "K7", "C4", "K8"]
    assert {c: (r["得分率"], r["名次"], r["先进集体"]) for c, r in ranks.items()} == {
        c: (float(rate), rank, {Status.SELECTED: "是", Status.TIED: "待定"}.get(award, "否"))
        for c, (rate, rank, award) in EXPECTED.items()}
    assert (ranks["C1"]["总分"], ranks["C1"]["适用满分"]) == (324, 340)
    assert (ranks["K2"]["自评总分"], ranks["K2"]["自评差额"]) == (390, -4)
    assert ranks["K1"]["说明"].endswith("不得评先：廉洁自律；未填自评")
    quota = [r for r in sheet_rows(master, "限额") if r["范围"] == "审计局·先进集体"]
    assert quota == [{"范围": "审计局·先进集体", "数量": 12, "比例": "20%", "取整方式": "四舍五入", "限额": 2, "已入选": 1,
                      "待定": 2}]
    assert {r["单位编码"]: r["综合得分"] for r in sheet_rows(master, "部门排名")}["C02"] == 96  # the city as before
    assert "审计局 12 个单位，先进集体 1 个，待定 2 个" in out.message


def test_recompute__a_bad_audit_cell_is_located_and_nothing_is_written(tmp_path, municipal, audit):
    master, _ = city_master(tmp_path, municipal, audit, AUDIT_UNITS[:2])
    wb = openpyxl.load_workbook(master)
    wb["审计"]["D2"], wb["审计"]["E2"], wb["审计"]["F2"], wb["审计"]["G2"] = 100, 120, 100, 70
    wb["审计"]["D3"], wb["审计"]["E3"], wb["审计"]["F3"], wb["审计"]["G3"] = 98, "一百一十五", 95, 78
    wb.save(master)
    out = recompute(FileHost(master), municipal, audit=audit)
    assert not out.ok
    (error,) = [p for p in out.problems if p.is_error]
    assert (error.sheet, error.cell, error.record, error.code) == ("审计", "E3", "K2", "not_a_number")
    assert sheet_rows(master, "审计排名") == []  # nothing written
    assert [r["单元格"] for r in sheet_rows(master, "问题") if r["级别"] == "错误"] == ["E3"]


# --- intake, recompute, publish, diff, history, circular, publicity ------------------------

FIVE = [RosterUnit("S01", "财政审计科", "科室"), RosterUnit("S02", "金融审计科", "科室"),
        RosterUnit("S03", "经济责任审计科", "科室"), RosterUnit("S04", "滕州市审计局", "县市区局"),
        RosterUnit("S05", "市中区审计局", "县市区局")]
COUNTY = {"KH_IN_A1_A1_1_not_done": 2, "KH_IN_A2_A2_scores": [100, 110], "KH_IN_A3_A3_2_missing": 3,
          "KH_IN_A3_A3_3_numerator": 6, "KH_IN_A3_A3_3_denominator": 8, "KH_IN_A3_A3_4_count": 2,
          "KH_IN_A4_A4_2_count": 1, "KH_IN_A4_A4_4_no_card": 1}
"""A1 40 − 2×2 = 36; A2 (100 + 110) ÷ 2 = 105; A3 20 + (20 − 2×3) + 30 × 6 ÷ 8 + 30 = 86.5; A4 80 − 1 = 79:
306.5, and 306.5 ÷ 340 × 400 = 360.59."""
DIVISION = {**COUNTY, "KH_IN_A1_A1_2_actual": 0.09, "KH_IN_A1_A1_2_target": 0.08}
"""+ A1.2: target met by 1 percentage point above, +3 → 63: 369.5."""
FINAL = {"A1_A1_1": 36, "A1_A1_2": 63, "A2_A2": 105, "A3_A3_1": 20, "A3_A3_2": 14, "A3_A3_3": 22.5, "A3_A3_4": 30,
         "A4_A4_1": 10, "A4_A4_2": 10, "A4_A4_3": 10, "A4_A4_4": 9, "A4_A4_5": 10, "A4_A4_6": 10, "A4_A4_7": 10,
         "A4_A4_8": 10}
"""A division's final item scores for DIVISION (every item not a declared bonus), 369.5 in all."""


def self_values(**changes):
    scores = {**FINAL, **changes}
    return {f"KH_IN_self_{k}": v for k, v in scores.items()}


FORMS = {
    "S01": ("audit-form:科室", {**DIVISION, "KH_IN_A1_A1_1_not_done": 0, **self_values(A1_A1_1=40)}),  # 373.5, 自评 =
    "S02": ("audit-form:科室", {**DIVISION, **self_values(A3_A3_3=30)}),  # 369.5; 自评 377 (A3.3 30, not 22.5)
    "S03": ("audit-form:科室", DIVISION),  # 369.5, no 自评
    "S04": ("audit-form:县市区局", {**COUNTY, "KH_IN_A4_A4_4_violation": "是"}),  # A4.4 → 0: 297.5 → 350, vetoed
    "S05": ("audit-form:县市区局", COUNTY),  # 360.59
}


@pytest.fixture
def bureau_year(tmp_path, municipal, audit):
    """The city's master with the bureau's five units, its quota entered (40%: 5 × 40% = 2),
    and each unit's form filled as its clerk would, mailed to the office."""
    scheme = with_quota(audit, rate="40%")
    master, forms = city_master(tmp_path, municipal, scheme, FIVE, kinds=("master", "audit-form"))
    inbox = tmp_path / "收件箱"
    for code, (kind, values) in FORMS.items():
        f = fill(forms[(code, kind)], values, tmp_path / "已填报" / f"{code}.xlsx")
        eml(inbox / f"{code}.eml", [(f"{code}_审计目标考评表.xlsx", f.read_bytes())], sender=f"{code}@audit.example.gov.cn")
    return master, forms, inbox, scheme


def test_run_intake__audit_forms_go_to_the_masters_audit_table_with_the_self_assessment(bureau_year, municipal):
    master, _forms, inbox, scheme = bureau_year
    result = run_intake(inbox, master, municipal=municipal, audit=scheme, year=2026)
    status = {o.identity.unit_code: o for o in result.outcomes}
    assert {c: o.status for c, o in status.items()} == {"S01": ACCEPTED, "S02": WARNING, "S03": ACCEPTED,
                                                        "S04": ACCEPTED, "S05": ACCEPTED}
    # Where the 科室 form puts them, by its layout (1-based rows): 6 header rows, the column
    # headers on 7; A1's title 8, A1.1 9, A1.1b 10–11 (value, note), A1.2 12–13, A1.2b 14–15,
    # A1.3 16–17, subtotal 18; A2's title 19, its 10 score rows 20–29, subtotal 30; A3's title
    # 31, A3.1 32, A3.2 33, A3.3 34–35 (numerator, denominator) … so A3.3's 自评 (column G) is
    # G34. A3.4 36, A3.5 37, subtotal 38; A4's title 39, A4.1 40–45, A4.2 46, A4.3 47–52,
    # A4.4 53–54 (with the veto flag), A4.5 55–56, A4.6 57–58, A4.7 59–60, A4.8 61–62,
    # subtotal 63, 总分 64: the total's 自评 is G64.
    shown = {(p.code, p.item, p.cell) for p in status["S02"].problems}
    assert shown == {("self_differs", "A3.3", "G34"), ("self_differs", None, "G64")}  # the item's 自评 cell, the total's
    messages = [p.message for p in status["S02"].problems]
    assert messages[0].startswith("A3.3 AO应用：自评 30，最终评定 22.5（相差 −7.5），以最终评定为准")
    assert messages[1].startswith("总分：自评 377，最终评定 369.5（相差 −7.5）")
    table = {r["单位编码"]: r for r in sheet_rows(master, "审计")}
    assert [table["S01"][h] for h in HEADERS.values()] == [103, 105, 86.5, 79]  # 40 + 63; … = 373.5
    assert (table["S01"]["自评总分"], table["S02"]["自评总分"], table["S03"]["自评总分"]) == (373.5, 377, None)
    assert table["S04"]["一票否决"] == "廉洁自律" and table["S04"]["其他工作"] == 70
    assert table["S05"]["一票否决"] is None  # no veto: blank


def test_run_intake__audit_form_of_a_unit_not_on_the_audit_table_or_of_another_type(bureau_year, municipal,
                                                                                     tmp_path):
    """Intake checks the bureau's units like any unit: against the master's 审计 table."""
    master, forms, inbox, scheme = bureau_year
    for p in inbox.iterdir():
        p.unlink()
    wb = openpyxl.load_workbook(master)
    wb["审计"].delete_rows(6)  # S05 leaves the roster
    wb["审计"]["C5"] = "科室"  # S04 listed as a division, its form is a county bureau's
    wb.save(master)
    for code in ("S04", "S05"):
        kind, values = FORMS[code]
        f = fill(forms[(code, kind)], values, tmp_path / "again" / f"{code}.xlsx")
        (inbox / f"{code}.xlsx").write_bytes(f.read_bytes())
    result = run_intake(inbox, master, municipal=municipal, audit=scheme, year=2026)
    by = {o.envelope.file_name: o for o in result.outcomes}
    assert by["S05.xlsx"].status == REJECTED and by["S05.xlsx"].problems[0].code == "unknown_unit"
    assert by["S04.xlsx"].status == REJECTED
    assert [p.code for p in by["S04.xlsx"].problems if p.is_error] == ["audit_type_differs"]


def test_run_intake__a_self_assessment_in_words_is_refused_at_its_cell(bureau_year, municipal, tmp_path):
    master, forms, inbox, scheme = bureau_year
    for p in inbox.iterdir():
        p.unlink()
    f = fill(forms[("S05", "audit-form:县市区局")], {**COUNTY, "KH_IN_self_A2_A2": "一百零五"}, tmp_path / "w.xlsx")
    (inbox / "S05.xlsx").write_bytes(f.read_bytes())
    (o,) = run_intake(inbox, master, municipal=municipal, audit=scheme, year=2026).outcomes
    assert o.status == REJECTED
    # A 县市区局 form has no A1.2 or A1.2b: A1.1 9, A1.1b 10–11, A1.3 12–13, subtotal 14, A2's
    # title 15, A2's first row 16: its 自评 is G16.
    assert [(p.code, p.cell, p.value) for p in o.problems] == [("not_a_number", "G16", "一百零五")]


def test_audit_year__taken_in_recomputed_published_circulated_and_publicized(bureau_year, municipal, tmp_path):
    """5 × 40% = 2 slots. S01 373.5 takes the first; S02 and S03 tie at 369.5 for the second →
    both 待定; S05 360.59 未入选; S04 350 不得评先：廉洁自律. Then S03 sends a corrected form (one
    person-time absent from training, A4.5 −2: 367.5), the tie is gone, v2 selects S02, and
    diff shows it."""
    master, forms, inbox, scheme = bureau_year
    assert not run_intake(inbox, master, municipal=municipal, audit=scheme, year=2026).rejected
    out = recompute(FileHost(master), municipal, audit=scheme)
    assert out.ok, out.problems
    ranks = {r["单位编码"]: (r["得分率"], r["名次"], r["先进集体"]) for r in sheet_rows(master, "审计排名")}
    assert ranks == {"S01": (373.5, 1, "是"), "S02": (369.5, 2, "待定"), "S03": (369.5, 2, "待定"),
                     "S05": (360.59, 3, "否"), "S04": (350, 4, "否")}
    assert publish(master, 2026).version == 1
    rows = sqlite3.connect(archive_path(master)).execute(
        "SELECT code, unit, score, rank, award FROM results WHERE kind = 'audit' ORDER BY code").fetchall()
    assert rows == [("S01", "科室", "373.50", 1, "是"), ("S02", "科室", "369.50", 2, "待定"),
                    ("S03", "科室", "369.50", 2, "待定"), ("S04", "县市区局", "350.00", 4, "否"),
                    ("S05", "县市区局", "360.59", 3, "否")]
    stamp = openpyxl.load_workbook(master)["审计排名"]
    assert any(str(c.value or "").startswith("已发布 2026年度 v1") for c in stamp[1])

    path = circular(master, 2026, municipal, tmp_path / "通报.xlsx", dated=dt.date(2027, 1, 25), audit=scheme)
    ws = openpyxl.load_workbook(path)["审计局通报"]
    text = [[c for c in r if c is not None] for r in ws.iter_rows(values_only=True)]
    flat = " ".join(str(c) for r in text for c in r)
    assert text[0] == ["2026年度审计机关目标管理考评考核结果通报"]
    assert text[3][:6] == [1, "S01", "财政审计科", "科室", 373.5, "是"]
    assert "得分率 297.5 ÷ 340 × 400 = 350；不得评先：廉洁自律" in flat
    assert "审计局先进集体（限额2个）" in flat and "第1名，得分率373.5" in flat
    assert "待定（限额处并列，须由局考评考核领导小组研究确定）：金融审计科（得分率369.5）、经济责任审计科（得分率369.5）" in flat
    assert text[-2:] == [["局考评考核领导小组"], ["2027年1月25日"]]

    paths = publicity_lists(master, 2026, dt.date(2027, 1, 11), 7, tmp_path / "公示")
    bureau = [p for p in paths if p.name == "2026_审计局_先进集体_公示.xlsx"]
    assert len(bureau) == 1
    listed = [r for r in openpyxl.load_workbook(bureau[0])["公示"].iter_rows(min_row=4, values_only=True)
              if r[1] in {u.code for u in FIVE}]
    assert listed == [(1, "S01", "财政审计科", "科室", 373.5, 1)]  # the 待定 are not proposed
    said = " ".join(str(c) for r in openpyxl.load_workbook(bureau[0])["公示"].iter_rows(values_only=True) for c in r if c)
    assert "公示期：2027-01-11至2027-01-17（共7天）。" in said  # 7 calendar days, the 11th is day 1
    assert sqlite3.connect(archive_path(master)).execute(
        "SELECT start_date, end_date FROM publications WHERE unit_code = '审计局'").fetchall() == \
        [("2027-01-11", "2027-01-17")]

    kind, values = FORMS["S03"]
    fixed = fill(forms[("S03", kind)], {**values, "KH_IN_A4_A4_5_absent": 1}, tmp_path / "已填报" / "S03b.xlsx")
    eml(inbox / "S03b.eml", [("S03_审计目标考评表（更正）.xlsx", fixed.read_bytes())], sender="s03@audit.example.gov.cn",
        date=dt.datetime(2027, 1, 12, 9, 0, tzinfo=dt.UTC))
    again = run_intake(inbox, master, municipal=municipal, audit=scheme, year=2026)
    assert [o.status for o in again.outcomes] == [ACCEPTED]
    assert recompute(FileHost(master), municipal, audit=scheme).ok
    assert publish(master, 2026, "S03更正").version == 2
    changes = {(c.code, c.field): (c.old, c.new) for c in diff(master, 2026, 1, 2) if c.kind == "audit"}
    assert changes == {("S02", "award"): ("待定", "是"), ("S03", "score"): ("369.50", "367.50"),
                       ("S03", "award"): ("待定", "否"), ("S05", "rank"): (3, 4), ("S04", "rank"): (4, 5),
                       ("S03", "rank"): (2, 3)}
    (v2,) = [e for e in history(master, "S02") if e.kind == "audit"]
    assert (v2.year, v2.version, v2.score, v2.award) == (2026, 2, "369.50", "是")


def test_migrate__a_version_published_before_the_audit_kind_still_checks(tmp_path):
    """Migration 11 rebuilds ``results`` to admit kind ``audit``: a row of an older archive
    keeps its hash and bucket (the chain still checks), and the frozen triggers are back."""
    from addin.archive.chain import ROW_COLUMNS, bucket_of, row_hash
    from addin.intake.migrations import MIGRATIONS
    from addin.intake.store import Store

    old = Store.__new__(Store)  # a file written by a kaohe that knew migrations 1–10
    old.path = tmp_path / "old.sqlite"
    old.db = sqlite3.connect(old.path, isolation_level=None)
    old.migrate([m for m in MIGRATIONS if m[0] <= 10])
    values = (2026, 1, "department", "B01", "部门B01", "经济口", "95.00", 1, None, "否", "说明")
    with pytest.raises(sqlite3.IntegrityError):
        old.db.execute(f"INSERT INTO results ({', '.join(ROW_COLUMNS)}) VALUES ({', '.join('?' * 11)})",
                       (2026, 1, "audit", *values[3:]))
    old.db.execute("INSERT INTO versions (year, version, published_at, master_hash) VALUES "
                   "(2026, 1, '2027-01-20T09:00:00', 'x')")
    old.db.execute(f"INSERT INTO results ({', '.join(ROW_COLUMNS)}, row_hash, bucket) VALUES "
                   f"({', '.join('?' * 13)})", (*values, row_hash(values), bucket_of("B01")))
    old.db.close()
    store = Store(tmp_path / "old.sqlite")
    assert store.db.execute("SELECT * FROM results").fetchall() == [(*values, row_hash(values), bucket_of("B01"))]
    store.db.execute(f"INSERT INTO results ({', '.join(ROW_COLUMNS)}) VALUES ({', '.join('?' * 11)})",
                     (2026, 1, "audit", *values[3:]))
    with pytest.raises(sqlite3.IntegrityError, match="never altered"):
        store.db.execute("UPDATE results SET score = '99' WHERE code = 'B01'")
    with pytest.raises(sqlite3.IntegrityError, match="never altered"):
        store.db.execute("DELETE FROM results")
    assert {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'results' "
                                            "AND type = 'index'")} >= {"results_code", "results_bucket"}
    store.close()


# --- the office's year folder, from the command line, with forms as Excel saves them -------

FOLDER_UNITS = ("单位编码,单位名称,类别,分口,报送邮箱\nB01,部门1,部门,综合口,b01@example.gov.cn\nQ1,区一,区市,,\n"
                "K1,财政审计科,科室,,k1@audit.example.gov.cn\nK2,金融审计科,科室,,k2@audit.example.gov.cn\n"
                "C1,滕州市审计局,县市区局,,c1@audit.example.gov.cn\nC2,市中区审计局,县市区局,,c2@audit.example.gov.cn\n")
FOLDER_STAFF = "人员编码,姓名,单位编码,层级,主要负责人\nP1,张三,B01,科级及以下,否\n"
FOLDER_FORMS = {  # as FORMS above: K1 373.5 (自评 equal), K2 369.5 (自评 377), C1 360.59, C2 350 vetoed
    "K1": {**DIVISION, "KH_IN_A1_A1_1_not_done": 0, **self_values(A1_A1_1=40)},
    "K2": {**DIVISION, **self_values(A3_A3_3=30)},
    "C1": COUNTY,
    "C2": {**COUNTY, "KH_IN_A4_A4_4_violation": "是"},
}
EXCEL_SHAPES = {  # how each unit's clerk saved the filled form (tests/ooxml.py, from ECMA-376)
    "K1": ooxml.EXCEL, "K2": (ooxml.excel_extras, ooxml.shared_strings), "C1": ooxml.EXCEL,
    "C2": (ooxml.share_formulas, ooxml.calc_chain, ooxml.renumber_styles, ooxml.defined_name_attributes),
}


def kaohe(*args: str, cwd):
    """``kaohe ARGS`` typed in ``cwd``."""
    here = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(app, list(args), terminal_width=200)
    finally:
        os.chdir(here)


def flat(text: str) -> str:
    return "".join(text.split())


def city_entries(folder) -> None:
    """The office's own entries for the city's one department, district and person."""
    full = {"业务目标": 62, "党风廉政建设": 9, "党的建设": 9, "精神文明建设": 4, "招商引资": 4, "通报批评次数": 0}
    apply_updates(folder / "考核汇总.xlsx", [
        Update("部门", "单位编码", "B01", full),
        Update("区市", "单位编码", "Q1", {"经济目标": 40, "社会目标": 15, "党的建设": 9, "党风廉政建设": 9,
                                         "思想政治工作": 4, "招商引资": 4, "通报批评次数": 0}),
        Update("人员", "人员编码", "P1", {"民主测评": 25, "业务目标": 80, "公共目标": 9, "投诉或违纪": "否",
                                         "情节严重": "否"})])


def test_kaohe__the_bureaus_year_in_the_offices_year_folder(tmp_path):
    """``kaohe init`` with the bureau's four units on the roster puts them on the master's 审计
    table; the office enters its quota in 审计考核方案.yaml (25%: 4 × 25% = 1, 四舍五入);
    ``template --kind audit-form`` builds their forms, filled and saved as Excel saves them,
    mailed from their addresses; ``intake`` takes the final scores in and shows K2's 自评
    difference; ``recompute`` ranks by score rate: K1 373.5 入选, K2 369.5 未入选, C1 360.59,
    C2 350 不得评先 (廉洁自律: seed 发现并查实有不廉洁行为的…取消评先资格). v1 published and
    publicized. K1 then corrects its form (2 person-times absent from training, A4.5 −4:
    369.5): K1 and K2 tie at 369.5 for the one slot, both 待定 (SPEC §0); v2 published; diff
    and history show the bureau's units."""
    office = tmp_path / "考核办"
    office.mkdir()
    (tmp_path / "units.csv").write_text(FOLDER_UNITS, encoding="utf-8")
    (tmp_path / "staff.csv").write_text(FOLDER_STAFF, encoding="utf-8")
    made = kaohe("init", "2026考核", "--year", "2026", "--roster", str(tmp_path / "units.csv"), "--staff",
                 str(tmp_path / "staff.csv"), cwd=office)
    assert made.exit_code == 0, made.output
    year = office / "2026考核"
    scheme = (year / "审计考核方案.yaml").read_text(encoding="utf-8")
    assert scheme.count("quota: null") == 1
    (year / "审计考核方案.yaml").write_text(scheme.replace("quota: null", "quota: {rate: 25%}"), encoding="utf-8")
    assert [r[:3] for r in sheet_rows_of(year / "考核汇总.xlsx", "审计")] == [
        ("K1", "财政审计科", "科室"), ("K2", "金融审计科", "科室"), ("C1", "滕州市审计局", "县市区局"),
        ("C2", "市中区审计局", "县市区局")]

    assert kaohe("template", "模板", "--kind", "audit-form", cwd=year).exit_code == 0
    forms = {code: next((year / "模板").rglob(f"2026_{code}_审计目标考评表.xlsx")) for code in FOLDER_FORMS}
    for code, values in FOLDER_FORMS.items():
        filled = fill(forms[code], values, tmp_path / "已填报" / f"{code}.xlsx").read_bytes()
        eml(year / "收件箱" / f"{code}.eml", [(f"{code}_审计目标考评表.xlsx", ooxml.rewrite(filled, *EXCEL_SHAPES[code]))],
            sender=f"{code.lower()}@audit.example.gov.cn")
    taken = kaohe("intake", cwd=year)
    assert taken.exit_code == 0, taken.output
    assert "总分：自评377，最终评定369.5（相差−7.5），以最终评定为准" in flat(taken.output)
    receipt = {r[2]: r for r in openpyxl.load_workbook(year / "考核汇总_回执.xlsx")["回执"].iter_rows(
        min_row=4, values_only=True)}
    assert receipt["K2_审计目标考评表.xlsx"][9] == "接收（有提示）"
    assert "总分：自评 377，最终评定 369.5（相差 −7.5），以最终评定为准" in receipt["K2_审计目标考评表.xlsx"][10]
    assert receipt["K1_审计目标考评表.xlsx"][9] == "接收"  # its 自评 equals the final score
    city_entries(year)
    done = kaohe("recompute", cwd=year)
    assert done.exit_code == 0, done.output
    assert "审计局4个单位，先进集体1个，待定0个" in flat(done.output)
    ranks = {r[0]: r for r in sheet_rows_of(year / "考核汇总.xlsx", "审计排名")}
    # 单位编码, 单位名称, 类别, 总分, 适用满分, 得分率, 名次, 先进集体, 自评总分, 自评差额, 说明
    assert {c: r[3:10] for c, r in ranks.items()} == {
        "K1": (373.5, 400, 373.5, 1, "是", 373.5, 0), "K2": (369.5, 400, 369.5, 2, "否", 377, -7.5),
        "C1": (306.5, 340, 360.59, 3, "否", None, None), "C2": (297.5, 340, 350, 4, "否", None, None)}
    assert "不得评先：廉洁自律" in ranks["C2"][10]
    assert kaohe("publish", cwd=year).exit_code == 0
    shown = kaohe("publicize", "--start", "2027-01-11", cwd=year)
    assert shown.exit_code == 0, shown.output
    bureau = year / "考核汇总_2026_公示" / "2026_审计局_先进集体_公示.xlsx"
    assert [r[:3] for r in openpyxl.load_workbook(bureau)["公示"].iter_rows(min_row=4, max_row=4, values_only=True)] \
        == [(1, "K1", "财政审计科")]

    fixed = fill(forms["K1"], {**FOLDER_FORMS["K1"], "KH_IN_A4_A4_5_absent": 2}, tmp_path / "已填报" / "K1b.xlsx")
    eml(year / "收件箱" / "K1b.eml", [("K1_审计目标考评表（更正）.xlsx", ooxml.rewrite(fixed.read_bytes(), *ooxml.EXCEL))],
        sender="k1@audit.example.gov.cn", date=dt.datetime(2027, 1, 12, 9, 0, tzinfo=dt.UTC))
    assert kaohe("intake", cwd=year).exit_code == 0
    done = kaohe("recompute", cwd=year)
    assert done.exit_code == 0 and "审计局4个单位，先进集体0个，待定2个" in flat(done.output), done.output
    assert kaohe("publish", "--note", "K1更正", cwd=year).exit_code == 0
    changed = kaohe("diff", "v1", "v2", cwd=year)
    assert changed.exit_code == 0, changed.output
    # dense ranks by rate: v1 K1 1, K2 2, C1 3, C2 4; v2 K1 = K2 1, C1 2, C2 3
    assert set(openpyxl.load_workbook(year / "考核汇总_2026_v1_v2_变更.xlsx").active.iter_rows(
        min_row=4, values_only=True)) == {
        ("审计局", "K1", "财政审计科", "得分", "373.50", "369.50"), ("审计局", "K1", "财政审计科", "评先/表彰", "是", "待定"),
        ("审计局", "K2", "金融审计科", "名次", 2, 1), ("审计局", "K2", "金融审计科", "评先/表彰", "否", "待定"),
        ("审计局", "C1", "滕州市审计局", "名次", 3, 2), ("审计局", "C2", "市中区审计局", "名次", 4, 3)}
    told = kaohe("history", "K2", cwd=year)
    assert told.exit_code == 0 and "K2历年考核结果（审计局）" in flat(told.output), told.output
    assert "│2026│v2│金融审计科│科室│369.50│1│待定│" in flat(told.output)
    circulated = kaohe("circular", "--date", "2027-01-25", cwd=year)
    assert circulated.exit_code == 0, circulated.output
    ws = openpyxl.load_workbook(year / "考核汇总_2026_通报.xlsx")["审计局通报"]
    text = " ".join(str(c) for r in ws.iter_rows(values_only=True) for c in r if c is not None)
    assert "审计局先进集体（限额1个）" in text and "（无）" in text
    assert "待定（限额处并列，须由局考评考核领导小组研究确定）：财政审计科（得分率369.5）、金融审计科（得分率369.5）" in text
    # The ribbon's 重新计算排名 finds the year folder's audit scheme itself (its 25% quota: the
    # shipped scheme has none, and would mark nobody 待定).
    master = year / "考核汇总.xlsx"
    again = recompute(FileHost(master), ribbon_scheme(str(master)))
    assert again.ok and (again.audit.quota.quota, again.audit.selected, again.audit.tied) == (1, 0, 2)
    assert {r[0]: r[7] for r in sheet_rows_of(master, "审计排名")} == {"K1": "待定", "K2": "待定", "C1": "否", "C2": "否"}
