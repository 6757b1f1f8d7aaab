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
