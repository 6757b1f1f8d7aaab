import pytest

from addin.office.roster import RosterError, read_roster


def test_read_roster__units_and_staff_from_csv(tmp_path):
    units = tmp_path / "units.csv"
    units.write_text("单位编码,单位名称,类别,分口\nB001,市发展改革委,部门,综合口\nQ01,市中区,区市,\n", encoding="utf-8")
    staff = tmp_path / "staff.csv"
    staff.write_text("人员编码,姓名,单位编码,层级,主要负责人\nP1,张三,B001,县级,是\n", encoding="utf-8")
    roster = read_roster(units, staff)
    assert [(u.code, u.tier, u.group) for u in roster.units] == [("B001", "departments", "综合口"),
                                                                 ("Q01", "districts", "")]
    assert roster.people[0].is_head and roster.staff_of("B001")[0].name == "张三"


def test_read_roster__gb18030_file_from_excel(tmp_path):
    units = tmp_path / "units.csv"
    units.write_bytes("单位编码,单位名称,类别,分口\r\nB001,市财政局,部门,经济口\r\n".encode("gb18030"))
    assert read_roster(units).units[0].name == "市财政局"


def test_read_roster__every_bad_line_reported(tmp_path):
    units = tmp_path / "units.csv"
    units.write_text("单位编码,单位名称,类别\nB001,,部门\nB002,市财政局,处室\n", encoding="utf-8")
    with pytest.raises(RosterError) as exc:
        read_roster(units)
    assert "第2行" in str(exc.value) and "第3行" in str(exc.value) and "处室" in str(exc.value)
    missing = tmp_path / "bad.csv"
    missing.write_text("编码,名称\n", encoding="utf-8")
    with pytest.raises(RosterError, match="单位编码"):
        read_roster(missing)


UNITS_CSV = "单位编码,单位名称,类别,分口\nB001,市发展改革委,部门,综合口\nQ01,市中区,区市,\nSW,市委办公室,部门,综合口\n"


def test_read_roster__an_old_staff_file_with_only_the_yes_no_column_reads_as_before(tmp_path):
    """Today's 主要负责人 是/否 column alone: 是 is the unit's head, with no 角色 (a department's
    head keeps its meaning; recompute reads a district's as its government head, warning)."""
    units = tmp_path / "units.csv"
    units.write_text(UNITS_CSV, encoding="utf-8")
    staff = tmp_path / "staff.csv"
    staff.write_text("人员编码,姓名,单位编码,层级,主要负责人\nP1,张三,B001,县级,是\nP2,李四,B001,科级及以下,否\n"
                     "P3,王五,Q01,县级,是\nP4,赵六,Q01,县级,\n", encoding="utf-8")
    people = read_roster(units, staff).people
    assert [(p.code, p.is_head, p.role) for p in people] == [("P1", True, ""), ("P2", False, ""), ("P3", True, ""),
                                                             ("P4", False, "")]


def test_read_roster__the_role_column_names_each_head(tmp_path):
    units = tmp_path / "units.csv"
    units.write_text(UNITS_CSV, encoding="utf-8")
    staff = tmp_path / "staff.csv"
    staff.write_text("人员编码,姓名,单位编码,层级,角色\nP1,张三,B001,县级,主要负责人\nS1,孙七,Q01,县级,党委正职\n"
                     "G1,周八,Q01,县级,政府主要负责人\nL1,吴九,SW,市级领导,\n", encoding="utf-8")
    people = read_roster(units, staff).people
    assert [(p.code, p.level, p.is_head, p.role) for p in people] == [
        ("P1", "县级", True, "主要负责人"), ("S1", "县级", True, "党委正职"), ("G1", "县级", True, "政府主要负责人"),
        ("L1", "市级领导", False, "")]


def test_read_roster__a_head_flag_other_than_yes_or_no_is_reported_with_its_line(tmp_path):
    units = tmp_path / "units.csv"
    units.write_text(UNITS_CSV, encoding="utf-8")
    staff = tmp_path / "staff.csv"
    staff.write_text("人员编码,姓名,单位编码,层级,主要负责人\nP1,张三,B001,县级,是\nP2,李四,B001,县级,Y\n", encoding="utf-8")
    with pytest.raises(RosterError) as exc:
        read_roster(units, staff)
    assert f"{staff} 第3行：主要负责人“Y”应为 是 或 否" in str(exc.value)
