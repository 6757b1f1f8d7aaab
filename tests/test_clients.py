"""Intake accepts what real spreadsheet clients save.

- LibreOffice Calc, driven through its UNO API (``tests/lo_uno.py`` under the system
  python with Debian's ``python3-uno``): every template kind a department and a district
  send is filled cell by cell through its defined names, saved with LibreOffice's own
  xlsx filter, mailed as .eml and taken in.
- Excel-, WPS- and Strict-shaped saves, rewritten at the XML level from ECMA-376
  (``tests/ooxml.py``): shared formulas, ``_xlfn.``/``_xludf.``, inline strings, cached
  errors, calcChain, understated dimensions, prefixed and Strict namespaces.

Expected figures are worked by hand from the scheme's standards (APPENDIX_DEFAULTS.md).
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

import ooxml
from addin.intake.run import ACCEPTED, run_intake
from addin.office.roster import Roster, RosterPerson, RosterUnit
from fill import TEST_SECRET, eml, fill, seed_secret
from workbook_templates.build import build_templates

from office import libreoffice

ROSTER = Roster(
    units=[RosterUnit("B001", "市发展改革委", "部门", "综合口"), RosterUnit("B002", "市财政局", "部门", "综合口"),
           RosterUnit("Q01", "市中区", "区市")],
    people=[RosterPerson("B001-01", "张三", "B001", "县级", True),
            RosterPerson("B001-02", "李四", "B001", "科级及以下")],
)
BOOKS = {"B001": [("重点项目", Decimal(40), "按期完成"), ("改革任务", Decimal(30), "按期完成")]}


@pytest.fixture(scope="module")
def templates(tmp_path_factory, municipal, audit):
    out = tmp_path_factory.mktemp("clients")
    built = build_templates(out, municipal=municipal, audit=audit, roster=ROSTER, year=2026, books=BOOKS,
                            secret=TEST_SECRET,
                            kinds=["appendix", "master", "target-book", "scoring-sheet", "register", "staff-roster"])
    return {(b.identity.unit_code, b.identity.template_kind): b.path for b in built}


# What the clerks type, by defined name. Each table's total is worked by hand beside it.
TYPED: dict[tuple[str, str], dict] = {
    # 1.1: 2 − 0.5×1 = 1.5; 1.2–1.5 full: 1.5 + 2 + 2 + 1; 1.6 entered 1.2 → 9.2
    ("B001", "appendix:附表1:departments"): {"KH_IN_附表1_1_1_missed_meetings": 1, "KH_IN_附表1_1_6_value": 1.2,
                                            "KH_IN_附表1_1_6_note": "日常表现良好"},
    # 2.1: 2.5 − 0.5×2 = 1.5; 2.2 full 2; 2.3: 2.5 − 0.2×3 = 1.9; 2.4 full 1.5; 2.5 entered 1 → 7.9
    ("B001", "appendix:附表2"): {"KH_IN_附表2_2_1_missed_study": 2, "KH_IN_附表2_2_3_meetings_missed": 3,
                                "KH_IN_附表2_2_5_value": 1, "KH_IN_附表2_2_5_note": "信息报送及时"},
    # 3.1 full 1; 3.2: 1 − 0.2×2 = 0.6; 3.3 市级 0.8; 3.4: 0.08 ÷ 0.1 × 1 = 0.8; 3.5 full 1 → 4.2
    ("B001", "appendix:附表3"): {"KH_IN_附表3_3_2_missing_activities": 2, "KH_IN_附表3_3_3_choice": "市级",
                                "KH_IN_附表3_3_4_actual": 0.08, "KH_IN_附表3_3_4_target": 0.1},
    # 4.1: 12000 ÷ 10000 = 1.2 (the cap) × 3 = 3.6; 4.2: 3 ÷ 4 × 1 = 0.75; 4.3: 0.5 − 0.05×2 = 0.4;
    # 4.4: 0.1×3 = 0.3 → 5.05, capped at the table's 5 points
    ("B001", "appendix:附表4"): {"KH_IN_附表4_4_1_actual": 12000, "KH_IN_附表4_4_1_target": 10000,
                                "KH_IN_附表4_4_2_actual": 3, "KH_IN_附表4_4_2_target": 4,
                                "KH_IN_附表4_4_3_monthly_missed": 2, "KH_IN_附表4_4_4_leads": 3},
    ("B001", "target-book"): {},
    # votes 40/8/2/0: 30 × (40 + 0.8×8 + 0.6×2) ÷ 50 = 28.56; votes 20/20/10/0: 30 × 42 ÷ 50 = 25.2.
    # The second person's business score is typed as text "80" (a text-formatted cell).
    ("B001", "staff-roster"): {"KH_IN_staff_votes_0": [40, 20], "KH_IN_staff_votes_1": [8, 20],
                               "KH_IN_staff_votes_2": [2, 10], "KH_IN_staff_votes_3": [0, 0],
                               "KH_IN_staff_business": [85.5, "80"], "KH_IN_staff_public": [9.5, 9]},
    # B001: 38.5 + 29 = 67.5; B002 has no target book: its one item is typed in, 70 points, 66 scored
    ("G-综合口", "scoring-sheet"): {"KH_IN_B001_1_score": 38.5, "KH_IN_B001_2_score": 29,
                                  "KH_IN_B002_1_item": "重点工作", "KH_IN_B002_1_points": 70,
                                  "KH_IN_B002_1_score": 66},
    ("KHB", "register"): {"KH_IN_bonus_unit": ["B001"], "KH_IN_bonus_project": ["一网通办"],
                          "KH_IN_bonus_recognizer": ["党委政府"], "KH_IN_bonus_level": ["省"],
                          "KH_IN_criticism_unit": ["B002"], "KH_IN_criticism_date": [{"typed": "2026-06-03"}],
                          "KH_IN_criticism_document": ["通报〔2026〕12号"], "KH_IN_criticism_reason": ["整改不力"]},
    # 1.4: 2 − 0.5×1 = 1.5; 1.6 entered 1.5; the rest full (2 + 1.5 + 2 + 1) → 9.5
    ("Q01", "appendix:附表1:districts"): {"KH_IN_附表1_1_4_admonished": 1, "KH_IN_附表1_1_6_value": 1.5,
                                         "KH_IN_附表1_1_6_note": "良好"},
    # every completion at 100% (41 points); 5.02 3rd: 3 − 0.15×2 = 2.7; 5.12 and 5.13 two points
    # above the target growth: (80% + 2×5%) × 3 = 2.7 each → 41 + 2.7 + 5.4 = 49.1
    ("Q01", "appendix:附表5"): {
        **{f"KH_IN_附表5_5_{n:02d}_{k}": 1000 * n for n in (1, 3, 4, 5, 6, 7, 8, 9, 10, 11)
           for k in ("actual", "target")},
        "KH_IN_附表5_5_02_rank": 3, "KH_IN_附表5_5_12_actual": 0.10, "KH_IN_附表5_5_12_target": 0.08,
        "KH_IN_附表5_5_13_actual": 0.10, "KH_IN_附表5_5_13_target": 0.08},
    # 6.1: 3 − 0.5 = 2.5; 6.2: 9 ÷ 10 × 2 = 1.8; 6.3 full 2; 6.4: 1.5 + 0.5 = 2; 6.5 full 3;
    # 6.6: 2 (capped at 100%) + 1 = 3; 6.7: 1 ÷ 2 × 2 = 1; 6.8 full 3 → 18.3
    ("Q01", "appendix:附表6"): {"KH_IN_附表6_6_1_unmet": 1, "KH_IN_附表6_6_2_actual": 9, "KH_IN_附表6_6_2_target": 10,
                               "KH_IN_附表6_6_4_actual": 0.95, "KH_IN_附表6_6_4_target": 0.95,
                               "KH_IN_附表6_6_6_actual": 5000, "KH_IN_附表6_6_6_target": 4000,
                               "KH_IN_附表6_6_7_actual": 1, "KH_IN_附表6_6_7_target": 2},
    # 7.1–7.3 full (2 + 1.5 + 2); 7.4: 0.9 × 2.5 = 2.25; 7.5 full 1; 7.6 2nd: 1 − 0.1 = 0.9 → 9.65
    ("Q01", "appendix:附表7"): {"KH_IN_附表7_7_4_actual": 0.9, "KH_IN_附表7_7_4_target": 1, "KH_IN_附表7_7_6_rank": 2},
    # 8.1: 1.5 − 0.5 = 1; 8.2 full 1; 8.3: 8 ÷ 10 = 0.8; 8.4: 1 − 0.1×2 = 0.8; 8.5 entered 0.4 → 4
    ("Q01", "appendix:附表8"): {"KH_IN_附表8_8_1_missed_study": 1, "KH_IN_附表8_8_3_actual": 8,
                               "KH_IN_附表8_8_3_target": 10, "KH_IN_附表8_8_4_models_short": 2,
                               "KH_IN_附表8_8_5_value": 0.4, "KH_IN_附表8_8_5_note": "活动丰富"},
    # 9.1: 0.9 × 1.5 = 1.35; 9.2: 1.3 capped at 1.2 × 1.5 = 1.8; 9.3: 1 − 0.1×2 = 0.8;
    # 9.4: 0.25×1 = 0.25; 9.5 2nd: 0.5 − 0.05 = 0.45 → 4.65
    ("Q01", "appendix:附表9"): {"KH_IN_附表9_9_1_actual": 90, "KH_IN_附表9_9_1_target": 100,
                               "KH_IN_附表9_9_2_actual": 130, "KH_IN_附表9_9_2_target": 100,
                               "KH_IN_附表9_9_3_short": 2, "KH_IN_附表9_9_4_projects": 1, "KH_IN_附表9_9_5_rank": 2},
}

EXPECTED_MASTER = {
    ("部门", "B001"): {"党风廉政建设": 9.2, "党的建设": 7.9, "精神文明建设": 4.2, "招商引资": 5, "业务目标": 67.5,
                     "通报批评次数": 0},
    ("部门", "B002"): {"业务目标": 66, "通报批评次数": 1},
    ("区市", "Q01"): {"党风廉政建设": 9.5, "经济目标": 49.1, "社会目标": 18.3, "党的建设": 9.65, "思想政治工作": 4,
                    "招商引资": 4.65, "通报批评次数": 0},
    ("人员", "B001-01"): {"民主测评": 28.56, "业务目标": 85.5, "公共目标": 9.5},
    ("人员", "B001-02"): {"民主测评": 25.2, "业务目标": 80, "公共目标": 9},
}


def master_rows(path: Path, sheet: str, key: str) -> dict[str, dict]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if key in r)
    headers = rows[head]
    return {str(r[headers.index(key)]): dict(zip(headers, r)) for r in rows[head + 1:] if r[headers.index(key)]}


def assert_master(master: Path) -> None:
    for (sheet, code), expected in EXPECTED_MASTER.items():
        row = master_rows(master, sheet, "人员编码" if sheet == "人员" else "单位编码")[code]
        got = {h: row[h] for h in expected}
        assert {h: Decimal(str(v)) for h, v in got.items()} == {h: Decimal(str(v)) for h, v in expected.items()}, \
            (sheet, code)
    bonus = master_rows(master, "加分登记", "单位编码")["B001"]
    assert (bonus["创新项目"], bonus["认定单位类别"], bonus["级别"]) == ("一网通办", "党委政府", "省")


@pytest.fixture(scope="module")
def saved_by_libreoffice(tmp_path_factory, templates):
    out = tmp_path_factory.mktemp("lo_saved")
    jobs = [{"src": str(templates[key]), "out": str(out / templates[key].name), "values": values}
            for key, values in TYPED.items()]
    libreoffice(jobs)
    return {key: out / templates[key].name for key in TYPED}


def mail_and_take_in(saved: dict, master_template: Path, folder: Path, municipal, audit):
    """Each saved file mailed by its unit, then taken into a fresh master."""
    shutil.copy(master_template, folder / "master.xlsx")
    seed_secret(folder / "master.xlsx")
    inbox = folder / "inbox"
    for i, ((unit, _kind), path) in enumerate(saved.items()):
        local = unit.lower() if unit.isascii() else "group"  # an addr-spec is ASCII here (RFC 2047 §5)
        eml(inbox / f"{i:02d}_{unit}.eml", [(path.name, path.read_bytes())], sender=f"{local}@example.gov.cn")
    return run_intake(inbox, folder / "master.xlsx", municipal=municipal, audit=audit, year=2026)


def test_run_intake__libreoffice_saves_of_every_kind_are_accepted_with_the_typed_values(
        tmp_path, templates, saved_by_libreoffice, municipal, audit):
    result = mail_and_take_in(saved_by_libreoffice, templates[("KHB", "master")], tmp_path, municipal, audit)
    statuses = {o.envelope.file_name: (o.status, o.reasons) for o in result.outcomes}
    assert {n: v for n, v in statuses.items() if v[0] != ACCEPTED} == {}
    assert len(result.outcomes) == len(TYPED)
    assert_master(tmp_path / "master.xlsx")


def test_libreoffice__writes_lower_case_addin_functions_and_a_hidden_metadata_sheet(saved_by_libreoffice):
    """What made intake refuse LibreOffice's files (issue 11): still what LibreOffice writes."""
    import zipfile

    with zipfile.ZipFile(saved_by_libreoffice[("B001", "appendix:附表1:departments")]) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        workbook = z.read("xl/workbook.xml").decode()
    assert "item_score(&quot;附表1:1.1&quot;,F8,F9)" in sheet
    assert 'name="_kaohe"' in workbook and 'state="hidden"' in workbook


# --- Excel-, WPS- and Strict-shaped saves --------------------------------------------------


@pytest.fixture(scope="module")
def plain(tmp_path_factory, templates):
    """The same inputs filled by our own fill code (openpyxl): the plain files."""
    out = tmp_path_factory.mktemp("plain")
    files = {}
    for key, values in TYPED.items():
        flat = {n: ([x["typed"] if isinstance(x, dict) else x for x in v] if isinstance(v, list) else v)
                for n, v in values.items()}
        if key == ("KHB", "register"):
            flat["KH_IN_criticism_date"] = [dt.datetime(2026, 6, 3)]
        if key == ("B001", "staff-roster"):
            flat["KH_IN_staff_business"] = [85.5, 80]
        files[key] = fill(templates[key], flat, out / templates[key].name)
    return files


SHAPES = {
    "excel": ooxml.EXCEL,
    "excel_calc_chain": (ooxml.share_formulas, ooxml.calc_chain, ooxml.renumber_styles,
                         ooxml.defined_name_attributes),
    "wps": ooxml.WPS,
    "strict": (ooxml.strict_namespaces,),
    "everything": (ooxml.renumber_styles, ooxml.defined_name_attributes, *ooxml.EXCEL, *ooxml.WPS,
                   ooxml.strict_namespaces),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_run_intake__excel_wps_and_strict_shapes_give_the_plain_files_values(tmp_path, templates, plain, shape,
                                                                             municipal, audit):
    shutil.copy(templates[("KHB", "master")], tmp_path / "master.xlsx")
    seed_secret(tmp_path / "master.xlsx")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for (unit, kind), path in plain.items():
        data = ooxml.rewrite(path.read_bytes(), *SHAPES[shape])
        (inbox / f"{unit}_{kind.replace(':', '_')}.xlsx").write_bytes(data)
    result = run_intake(inbox, tmp_path / "master.xlsx", municipal=municipal, audit=audit, year=2026)
    statuses = {o.envelope.file_name: (o.status, o.reasons[:2]) for o in result.outcomes}
    assert {n: v for n, v in statuses.items() if v[0] != ACCEPTED} == {}
    assert_master(tmp_path / "master.xlsx")


def test_share_formulas__groups_the_roster_fill_down_as_excel_does(plain):
    """The fixture itself: the roster's formula columns really became shared groups."""
    data = ooxml.rewrite(plain[("B001", "staff-roster")].read_bytes(), ooxml.share_formulas)
    sheet = ooxml.unpack(data)["xl/worksheets/sheet1.xml"].decode()
    assert '<f t="shared" ref="I8:I9" si="0">DEMOCRATIC_SCORE(E8,F8,G8,H8)</f>' in sheet
    assert '<f t="shared" si="0"/>' in sheet
