"""Publicity lists, written notices and the circular, from a published version."""

from __future__ import annotations

import datetime as dt
import subprocess
import zipfile

import openpyxl
import pytest

from addin.archive.documents import circular, notices, publicity_lists, to_pdf
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
    paths = notices(published, 2026, dt.date(2026, 9, 24), municipal, tmp_path)
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
    late = notices(published, 2026, dt.date(2026, 12, 28), municipal, tmp_path / "late")
    assert "仅按周末顺延" in texts(late[0])  # 2027 is beyond the holiday data: said plainly


def test_notices__periods_follow_the_scheme(published, municipal, tmp_path):
    scheme = municipal.model_copy(update={"appeals": municipal.appeals.model_copy(
        update={"window_days": 15, "reply_days": 7})})
    paths = notices(published, 2026, dt.date(2026, 9, 1), scheme, tmp_path)
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


def test_circular__prints_to_pdf_with_libreoffice(published, municipal, tmp_path):
    from test_libreoffice import require_tools

    require_tools()
    path = circular(published, 2026, municipal, tmp_path / "通报.xlsx")
    pdf = to_pdf([path], tmp_path)[0]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "2026年度市直部门目标管理考核结果通报" in text.replace(" ", "")
    assert "提请市委常委会批准" in text.replace(" ", "")


def test_documents__need_a_published_version(master, municipal, tmp_path):  # noqa: F811
    with pytest.raises(ArchiveError, match="kaohe publish"):
        circular(master, 2026, municipal, tmp_path / "c.xlsx")
