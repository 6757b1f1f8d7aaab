"""Publicity lists, written notices and the circular, from a published version."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile

import openpyxl
import pytest

from addin.archive.documents import circular, publicity_lists, to_pdf
from addin.archive.notices import NoHolidayData, notices
from addin.archive.versions import ArchiveError, archive_path, publish
from addin.hosts import FileHost
from addin.macro import recompute
from test_macro import master  # noqa: F401 (fixture)


@pytest.fixture
def published(master, municipal):  # noqa: F811
    assert recompute(FileHost(master), municipal).ok
    publish(master, 2026)
    return master


def texts(path):
    wb = openpyxl.load_workbook(path)
    return " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


def test_publicity_lists__proposed_excellent_and_commended_per_unit(published, tmp_path):
    paths = publicity_lists(published, 2026, dt.date(2026, 12, 21), 7, tmp_path)
    by_unit = {p.name.split("_")[1]: p for p in paths}
    # B02: P01 优秀 (in the quota); C02: its head H1 (优秀, commended outside the quota); Q2: H3.
    assert sorted(by_unit) == ["B02", "C02", "Q2"]
    b02 = texts(by_unit["B02"])
    assert "人员P01" in b02 and "人员P02" not in b02  # P02/P03 are 待定, not proposed
    assert "公示期：2026-12-21至2026-12-27（共7天）" in b02
    rows = __import__("sqlite3").connect(archive_path(published)).execute(
        "SELECT unit_code, start_date, end_date FROM publications ORDER BY unit_code").fetchall()
    assert rows[0] == ("B02", "2026-12-21", "2026-12-27") and len(rows) == 3
    with pytest.raises(ArchiveError, match="5至7天"):
        publicity_lists(published, 2026, dt.date(2026, 12, 21), 3, tmp_path)


def test_notices__one_page_each_with_the_appeal_deadline(published, municipal, tmp_path):
    paths = notices(published, 2026, dt.date(2026, 9, 24), municipal, tmp_path).letters
    unit_book = next(p for p in paths if p.name.endswith("单位考核结果通知.xlsx"))
    b02 = next(p for p in paths if "_B02_" in p.name)
    text = texts(b02)
    assert "人员P01同志" in text and "截至2026-10-08" in text  # 24 Sep + 10 days → 4 Oct (holiday) → 8 Oct
    assert "接到本通知之日起十日内" in text and "考核办在十日内答复" in text
    ws = openpyxl.load_workbook(b02)["书面通知"]
    people = text.count("同志：")
    assert len(ws.row_breaks.brk) == people - 1  # one page each
    unit_text = texts(unit_book)
    assert "部门B02：" in unit_text and "在经济口中排名第2" in unit_text and "待考核办研究确定" in unit_text
    for text in (texts(b02), unit_text):  # a notice never carries an internal caveat
        assert "核对" not in text and "周末" not in text and "节假日" not in text


def test_notices__a_deadline_in_a_year_without_holiday_data_stops(published, municipal, tmp_path):
    """28 Dec 2026 + 10 days = 7 Jan 2027, a year neither the scheme, a 节假日.yaml nor
    chinese-calendar covers: nothing is written, the error names the year and the file."""
    with pytest.raises(NoHolidayData) as refused:
        notices(published, 2026, dt.date(2026, 12, 28), municipal, tmp_path / "late")
    message = str(refused.value)
    assert "2027年没有节假日数据" in message and "节假日.yaml" in message and "--force" in message
    assert "[no holiday data for 2027: " in message
    assert not (tmp_path / "late").exists()  # not one notice was written


def test_notices__forced_the_caveat_is_on_the_office_copy_only(published, municipal, tmp_path):
    done = notices(published, 2026, dt.date(2026, 12, 28), municipal, tmp_path / "late", force=True)
    # 28 Dec + 10 days = Thu 7 Jan 2027, a weekday: with weekends only it stands
    assert done.deadline.date == dt.date(2027, 1, 7) and done.deadline.uncovered == (2027,)
    assert done.office.name == "2026_书面通知_考核办存档.xlsx" and done.office not in done.letters
    for path in done.letters:
        text = texts(path)
        assert "截至2027-01-07" in text, path.name
        assert "核对" not in text and "周末" not in text and "节假日" not in text and "注" not in text, path.name
    ws = openpyxl.load_workbook(done.office)["考核办存档"]
    warning = ws["A3"].value  # the first thing on the office's copy, above the facts
    assert warning.startswith("注意：2027年没有节假日数据，申诉截止日 2027-01-07 仅按周末顺延") and "--force" in warning
    facts = {r[0]: r[1] for r in ws.iter_rows(min_row=7, max_row=11, max_col=2, values_only=True)}
    assert facts["书面通知日期"] == "2026-12-28" and facts["申诉截止日"] == "2027-01-07"
    assert "2027年无节假日数据，仅按周末" in facts["节假日依据"] and facts["结果版本"] == "2026年度 v1"
    listed = list(ws.iter_rows(min_row=13, max_col=4, values_only=True))
    assert listed[0] == ("单位编码", "单位名称", "页数", "文件")
    # every unit with people (B01: H2; B02: P01–P10; C02: H1; Q2: H3), then the units' book (20 + 4 units)
    assert listed[1:] == [("B01", "部门B01", 1, "2026_B01_部门B01_书面通知.xlsx"),
                          ("B02", "部门B02", 10, "2026_B02_部门B02_书面通知.xlsx"),
                          ("C02", "部门C02", 1, "2026_C02_部门C02_书面通知.xlsx"),
                          ("Q2", "区Q2", 1, "2026_Q2_区Q2_书面通知.xlsx"),
                          (None, "各单位（每单位一页）", 24, "2026_单位考核结果通知.xlsx")]


def test_notices__a_covered_deadline_has_an_office_copy_without_a_warning(published, municipal, tmp_path):
    done = notices(published, 2026, dt.date(2026, 9, 24), municipal, tmp_path)
    ws = openpyxl.load_workbook(done.office)["考核办存档"]
    assert ws["A3"].value == "书面通知日期" and ws["B4"].value == "2026-10-08"
    assert not any("注意" in str(c.value) for row in ws.iter_rows() for c in row if c.value)


def test_notices__periods_follow_the_scheme(published, municipal, tmp_path):
    scheme = municipal.model_copy(update={"appeals": municipal.appeals.model_copy(
        update={"window_days": 15, "reply_days": 7})})
    paths = notices(published, 2026, dt.date(2026, 9, 1), scheme, tmp_path).letters
    text = texts(next(p for p in paths if "_B02_" in p.name))
    # 1 Sep + 15 days = 16 Sep, a Wednesday and a working day
    assert "接到本通知之日起十五日内（截至2026-09-16）" in text and "考核办在七日内答复" in text


def test_circular__ranked_tables_charts_and_the_award_list(published, municipal, tmp_path):
    path = circular(published, 2026, municipal, tmp_path / "circular.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["部门通报", "区市通报", "图表", "提请审批名单"]
    charts = [n for n in zipfile.ZipFile(path).namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 2
    chart_data = [[c.value for c in r] for r in wb["图表"].iter_rows(min_row=2, max_col=5)]
    # 经济口: (95 + 93 + 93 + 7 × 78) / 10 = 82.7; 综合口: (94 + 96 + 50 + 7 × 78) / 10 = 78.6
    assert [r[:2] for r in chart_data[:2]] == [["经济口", 82.7], ["综合口", 78.6]]
    # every department and district: C03's 50; 14 at 78; Q4's 80; B01–B03, C01, C02, Q1–Q3 at 90 or more
    assert [r[3:] for r in chart_data] == [["60分以下", 1], ["60–70", 0], ["70–80", 14], ["80–90", 1],
                                           ["90–100", 8], ["100以上", 0]]
    awards = " ".join(str(c.value) for row in wb["提请审批名单"].iter_rows() for c in row if c.value is not None)
    assert "一、市直部门先进集体（奖励1万元）" in awards and "二、区(市)先进集体（前2名，奖励10万元）" in awards
    assert "部门C02" in awards and "区Q2" in awards and "区Q3" in awards and "区Q1" not in awards  # Q1 is vetoed
    assert "记二等功" in awards and "人员H1" in awards
    assert "待定（限额处并列" in awards and "部门B02（93分）" in awards
    ranked = [c.value for c in wb["区市通报"]["C"][3:7]]
    assert ranked == ["区Q1", "区Q2", "区Q3", "区Q4"]
    # Q1 ranks first but is vetoed: the reason stands beside it, so Q3's award over it is explained
    q1 = [c.value for c in wb["区市通报"][4]]
    assert q1[2] == "区Q1" and q1[4] == "否" and q1[5] == "不得评先：一票否决（环境保护）"
    b02 = next(r for r in wb["部门通报"].iter_rows(values_only=True) if r[1] == "B02")
    assert b02[4] == "待定" and b02[5].startswith("待定：")


def test_circular__charts_do_not_overlap_and_bars_start_at_zero(published, municipal, tmp_path):
    import re

    path = circular(published, 2026, municipal, tmp_path / "circular.xlsx")
    with zipfile.ZipFile(path) as z:
        drawing = z.read("xl/drawings/drawing1.xml").decode()
        charts = [z.read(n).decode() for n in sorted(z.namelist()) if n.startswith("xl/charts/chart")]
    anchors = re.findall(r"<xdr:from><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>.*?</xdr:from>"
                         r"<xdr:to><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>", drawing, re.S)
    (c1, r1, c2, r2), (d1, s1, d2, s2) = [tuple(map(int, a)) for a in anchors]
    assert s1 > r2 or d1 > c2  # the second chart starts below (or right of) where the first ends
    assert all('<c:min val="0"/>' in chart for chart in charts)


def test_circular__each_groups_table_stays_on_one_page(published, municipal, tmp_path, monkeypatch):
    from addin.archive import documents

    path = circular(published, 2026, municipal, tmp_path / "c.xlsx")
    ws = openpyxl.load_workbook(path)["部门通报"]
    starts = [r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").endswith("个单位）")]
    # two groups of 10: 13 rows each fit one page together; with a 20-row page the second starts a page
    assert not ws.row_breaks.brk
    monkeypatch.setattr(documents, "PAGE_ROWS", 20)
    ws = openpyxl.load_workbook(circular(published, 2026, municipal, tmp_path / "d.xlsx"))["部门通报"]
    assert [b.id for b in ws.row_breaks.brk] == [starts[1] - 1]  # a break right before the second group


def pdf_text(pdf) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def pdf_words(pdf) -> list[tuple[int, str, float, float, float, float]]:
    """Every word of a PDF as pdftotext places it: (page, text, xMin, yMin, xMax, yMax)."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words, page = [], 0
    for line in xml.splitlines():
        if "<page " in line:
            page += 1
        found = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', line)
        if found:
            x0, y0, x1, y1 = map(float, found.groups()[:4])
            words.append((page, found.group(5), x0, y0, x1, y1))
    return words


def test_circular__prints_to_pdf_with_libreoffice(published, municipal, tmp_path):
    from test_libreoffice import require_tools

    require_tools()
    path = circular(published, 2026, municipal, tmp_path / "通报.xlsx", dated=dt.date(2027, 1, 25))
    pdf = to_pdf([path], tmp_path)[0]
    text = pdf_text(pdf).replace(" ", "")
    assert "2026年度市直部门目标管理考核结果通报" in text
    assert "提请市委常委会批准" in text
    # signed by the office and dated, no internal version on the page
    assert "市考核办公室\n2027年1月25日" in text and "（v" not in text and "v1" not in text


def test_circular__the_chart_tables_header_renders_whole_in_its_cell(published, municipal, tmp_path):
    """平均综合得分 was clipped by its cell: in LibreOffice's PDF the word is on one line and
    no wider than its column. The column's width on the page comes from the PDF: 分口 and
    平均综合得分 are centred in columns A and B, so the distance between their centres is
    half of A plus half of B, shared in the ratio of the widths the workbook gives them."""
    from test_libreoffice import require_tools

    require_tools()
    path = circular(published, 2026, municipal, tmp_path / "通报.xlsx")
    ws = openpyxl.load_workbook(path)["图表"]
    width_a, width_b = ws.column_dimensions["A"].width, ws.column_dimensions["B"].width
    words = pdf_words(to_pdf([path], tmp_path)[0])
    header = [w for w in words if w[1] == "平均综合得分"]
    assert len(header) == 1, [w for w in words if "平均" in w[1]]  # one word: not wrapped, not split
    page, _, x0, y0, x1, _ = header[0]
    group = next(w for w in words if w[0] == page and w[1] == "分口" and abs(w[3] - y0) < 2)
    centre_b, centre_a = (x0 + x1) / 2, (group[2] + group[4]) / 2
    column_b = 2 * (centre_b - centre_a) * width_b / (width_a + width_b)
    assert x1 - x0 < column_b, (x1 - x0, column_b)


def test_circular__signed_by_the_office_and_dated_with_the_version_in_the_properties(published, municipal,
                                                                                    tmp_path):
    path = circular(published, 2026, municipal, tmp_path / "c.xlsx", dated=dt.date(2027, 1, 25))
    wb = openpyxl.load_workbook(path)
    ws = wb["提请审批名单"]
    cells = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells[-2:] == ["市考核办公室", "2027年1月25日"]
    assert not any("（v" in str(v) for s in wb.worksheets for row in s.iter_rows(values_only=True) for v in row if v)
    assert wb.properties.description == "考核档案 2026年度 v1"  # traceable, never printed
    today = circular(published, 2026, municipal, tmp_path / "d.xlsx")
    last = [c.value for row in openpyxl.load_workbook(today)["提请审批名单"].iter_rows() for c in row if c.value][-1]
    assert last == f"{dt.date.today().year}年{dt.date.today().month}月{dt.date.today().day}日"


def test_documents__need_a_published_version(master, municipal, tmp_path):  # noqa: F811
    with pytest.raises(ArchiveError, match="kaohe publish"):
        circular(master, 2026, municipal, tmp_path / "c.xlsx")


# --- every unit not awarded says why, a quota of 0 included (issue 23, item 6) -------------------------

QUOTA_0 = "未入选：本口限额0个（3个单位×15%=0.45，四舍五入为0）"
"""3 units × 15% = 0.45, half-up to 0: by hand."""


@pytest.fixture
def small_group(tmp_path, municipal, audit):
    """The departments of test_macro plus 党群口, a group of 3, at a quota rate of 15%."""
    from addin.scheme.models import Quota
    from test_macro import DEPARTMENTS, dept, make_master

    awards = municipal.departments.awards.model_copy(update={"quota": Quota(rate="15%")})
    scheme = municipal.model_copy(update={"departments": municipal.departments.model_copy(update={"awards": awards})})
    three = [dept("D01", "党群口", 60), dept("D02", "党群口", 55), dept("D03", "党群口", 50)]  # 88, 83, 78
    path = make_master(tmp_path, municipal, audit, [*DEPARTMENTS, *three])
    assert recompute(FileHost(path), scheme).ok
    return path, scheme


def test_recompute__every_unit_not_awarded_has_its_reason_in_the_ranking_sheets(small_group):
    from test_macro import by

    path, _scheme = small_group
    notes = {code: row["说明"] for code, row in by(path, "部门排名", "单位编码").items()}
    # 党群口: 3 × 15% = 0.45 → 0; each unit's composite is 业务 + 28 (GOOD)
    assert notes["D01"] == f"业务 60 + 公共 28 = 88；{QUOTA_0}"
    assert notes["D02"] == f"业务 55 + 公共 28 = 83；{QUOTA_0}"
    assert notes["D03"] == f"业务 50 + 公共 28 = 78；{QUOTA_0}"
    # 经济口: 10 × 15% = 1.5 → 2: B02 and B03 (93, tied) fill both; B04 (78) is told the slots are taken
    assert notes["B02"].endswith("；入选先进集体（限额2）")
    assert notes["B04"] == "业务 50 + 公共 28 = 78；未入选：本口限额2个，名额已满"
    # 综合口: C02 (96) takes one slot, C04–C10 (78) tie for the other; C03 (50) is below them
    assert notes["C03"].endswith("；未入选：本口限额2个，名额已满")
    districts = {code: row["说明"] for code, row in by(path, "区市排名", "单位编码").items()}
    assert districts["Q4"].endswith("；未入选：限额2个，名额已满")  # top 2: Q2 and Q3, Q1 vetoed
    ranked = by(path, "部门排名", "单位编码")
    unexplained = [code for code, row in ranked.items() if row["先进集体"] != "是"
                   and not any(k in row["说明"] for k in ("未入选：", "不得评先：", "待定："))]
    assert unexplained == []


def test_circular__a_group_with_a_quota_of_0_says_why_in_the_pdf(small_group, tmp_path):
    from test_libreoffice import require_tools

    require_tools()
    path, scheme = small_group
    publish(path, 2026)
    pdf = to_pdf([circular(path, 2026, scheme, tmp_path / "通报.xlsx", dated=dt.date(2027, 1, 25))], tmp_path)[0]
    text = "".join(pdf_text(pdf).split())
    assert "党群口（3个单位）" in text
    assert text.count(QUOTA_0) == 3, text[text.index("党群口"):][:400]  # beside D01, D02 and D03
    assert text.count("未入选：本口限额2个，名额已满") == 7 + 1  # 经济口 B04–B10; 综合口 C03
    assert "未入选：限额2个，名额已满" in text  # Q4
    ws = openpyxl.load_workbook(tmp_path / "通报.xlsx")["部门通报"]
    d01 = next(r for r in ws.iter_rows(values_only=True) if r[1] == "D01")
    assert d01[:6] == (1, "D01", "部门D01", 88, "否", QUOTA_0)
