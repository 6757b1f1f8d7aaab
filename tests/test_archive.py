"""The archive: published versions, diffs, history, last year's values and exports."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from addin.archive.export import export_archive
from addin.archive.history import history
from addin.archive.versions import ArchiveError, archive_path, diff, publish, versions, write_diff
from addin.hosts import FileHost
from addin.macro import recompute
from test_macro import DEPARTMENTS, DISTRICTS, PEOPLE, master, rows  # noqa: F401 (fixture and data)

assert DEPARTMENTS and DISTRICTS and PEOPLE


@pytest.fixture
def computed(master, municipal):  # noqa: F811
    assert recompute(FileHost(master), municipal).ok
    return master


def set_input(path, sheet, code, header, value):
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    headers = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value == code:
            ws.cell(r, headers.index(header) + 1).value = value
    wb.save(path)


def test_publish__freezes_the_results_as_v1_and_stamps_the_master(computed):
    done = publish(computed, 2026)
    assert (done.version, done.rows) == (1, len(DEPARTMENTS) + len(DISTRICTS) + len(PEOPLE))
    ws = openpyxl.load_workbook(computed)["部门排名"]
    assert ws["I1"].value.startswith("已发布 2026年度 v1")
    assert len(rows(computed, "部门排名")) == len(DEPARTMENTS)  # the results themselves are kept
    db = sqlite3.connect(archive_path(computed))
    assert db.execute("SELECT score, rank, award FROM results WHERE code = 'B02'").fetchone() == ("93.00", 2, "待定")
    with pytest.raises(sqlite3.DatabaseError, match="never altered"):
        db.execute("UPDATE results SET score = '99' WHERE code = 'B02'")
    with pytest.raises(sqlite3.DatabaseError, match="never altered"):
        db.execute("DELETE FROM versions")
    db.close()


def test_publish__needs_computed_results(master):  # noqa: F811
    with pytest.raises(ArchiveError, match="请先重新计算排名"):
        publish(master, 2026)


def test_an_upheld_appeal_shows_in_v2_and_the_diff(computed, municipal, tmp_path):
    publish(computed, 2026)
    set_input(computed, "部门", "B02", "业务目标", 64)  # the appeal is upheld: 93 → 94, the tie is broken
    assert recompute(FileHost(computed), municipal).ok
    assert publish(computed, 2026, note="复核后").version == 2
    assert [v for v, _when, _note in versions(computed, 2026)] == [1, 2]
    changes = {(c.code, c.field): (c.old, c.new) for c in diff(computed, 2026, 1, 2)}
    assert changes == {("B02", "score"): ("93.00", "94.00"), ("B02", "award"): ("待定", "是"),
                       ("B03", "rank"): (2, 3), ("B03", "award"): ("待定", "否"),
                       **{(f"B{i:02d}", "rank"): (3, 4) for i in range(4, 11)}}
    path = write_diff(diff(computed, 2026, 1, 2), tmp_path / "d.xlsx", 2026, 1, 2)
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value == f"2026年度考核结果变更（v1 → v2），共 {len(changes)} 处"
    assert ("部门", "B02", "部门B02", "得分", "93.00", "94.00") in [
        tuple(r) for r in ws.iter_rows(min_row=4, values_only=True)]
    with pytest.raises(ArchiveError, match="v3"):
        diff(computed, 2026, 1, 3)


def test_history__a_unit_and_a_person_across_years(computed):
    publish(computed, 2025)
    publish(computed, 2026)
    entries = history(computed, "B02")
    assert [(e.year, e.version, e.score, e.award) for e in entries] == [(2025, 1, "93.00", "待定"),
                                                                       (2026, 1, "93.00", "待定")]
    person = history(computed, "P05")
    assert [(e.year, e.grade) for e in person] == [(2025, "不称职"), (2026, "不称职")]


def test_history__readable_at_80_columns_with_whole_names(computed, municipal):
    """`kaohe history` at 80 columns cut names to "市发 …": every name now stands whole on
    one line, no line is wider than 80, and the scheme has a line of its own."""
    from rich.cells import cell_len
    from typer.testing import CliRunner

    from addin.cli import app

    set_input(computed, "部门", "B02", "单位名称", "市发展改革委（二）")
    set_input(computed, "人员", "P01", "姓名", "欧阳建国")
    assert recompute(FileHost(computed), municipal).ok
    publish(computed, 2025)
    publish(computed, 2026)
    for code, name, words in (("B02", "市发展改革委（二）", ["经济口", "93.00", "待定"]),
                              ("P01", "欧阳建国", ["B02", "100.00", "优秀", "否"])):
        done = CliRunner().invoke(app, ["history", code, "--master", str(computed)], terminal_width=80,
                                  env={"COLUMNS": "80"})
        assert done.exit_code == 0, done.output
        lines = done.output.splitlines()
        assert max(cell_len(line) for line in lines) <= 80, done.output
        rows = [line for line in lines if name in line]
        assert len(rows) == 2, done.output  # one per year, each with the whole name
        assert all(all(w in row for w in words) for row in rows), done.output
        schemes = [line for line in lines if "考核方案 [scheme]" in line]
        assert [s.split()[0] for s in schemes] == ["2025年度", "2026年度"], done.output


def test_recompute__blank_last_year_columns_come_from_the_archive(computed, municipal):
    publish(computed, 2025)  # last year: C03 had 50, P05 was 不称职
    set_input(computed, "部门", "C03", "上年综合得分", None)
    set_input(computed, "人员", "P05", "上年等次", None)
    out = recompute(FileHost(computed), municipal)
    assert out.ok
    alerts = {(r["编码"], r["类别"]) for r in rows(computed, "预警")}
    assert ("C03", "连续两年低于60分") in alerts and ("P05", "辞退") in alerts
    c03 = next(a for a in out.result.departments.alerts if a.record == "C03")
    assert "上年 50" in c03.message


def test_export__one_sheet_per_year_and_a_history(computed, tmp_path):
    publish(computed, 2025)
    publish(computed, 2026)
    path = export_archive(computed, tmp_path / "archive.xlsx", code="H1")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["2025年度", "2026年度", "H1历年"]
    assert wb["2026年度"].max_row == 1 + len(DEPARTMENTS) + len(DISTRICTS) + len(PEOPLE)
    assert [r[0] for r in wb["H1历年"].iter_rows(min_row=2, values_only=True)] == [2025, 2026]


def test_publish__killed_while_stamping_keeps_the_committed_version_and_the_master(computed):
    publish(computed, 2026)
    before = computed.read_bytes()
    marker = computed.parent / "holding"
    env = {**os.environ, "KAOHE_HOLD_BEFORE_REPLACE": str(marker)}
    proc = subprocess.Popen([sys.executable, "-m", "addin.cli", "publish", str(computed), "--year", "2026", "--force"],
                            env=env, cwd=Path(__file__).parents[1])
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert computed.read_bytes() == before  # the master is the old one
    assert [v for v, _w, _n in versions(computed, 2026)] == [1, 2]  # v2 was committed before the stamp


def test_archive_commands(computed, tmp_path):
    from typer.testing import CliRunner

    from addin.cli import app

    runner = CliRunner()
    first = runner.invoke(app, ["publish", str(computed), "--year", "2026"])
    assert first.exit_code == 0 and "v1" in first.output and "考核方案 municipal" in first.output
    same = runner.invoke(app, ["publish", str(computed), "--year", "2026"])  # nothing changed: said, none made
    assert same.exit_code == 0 and "完全相同，未新建版本" in same.output and versions(computed, 2026)[-1][0] == 1
    forced = runner.invoke(app, ["publish", str(computed), "--year", "2026", "--force"])
    assert forced.exit_code == 0 and "v2" in forced.output
    result = runner.invoke(app, ["diff", str(computed), "v1", "v2", "--year", "2026"])
    assert result.exit_code == 0 and "0 处变化" in result.output
    assert "考核方案 [schemes]: v1 municipal 2026.1" in result.output
    bad = runner.invoke(app, ["diff", str(computed), "first", "v2", "--year", "2026"])
    assert bad.exit_code == 2 and "版本应写作 v1、v2" in bad.output
    shown = runner.invoke(app, ["history", "B02", "--master", str(computed)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "municipal 2026.1" in shown.output
    assert runner.invoke(app, ["history", "NOPE", "--master", str(computed)]).exit_code == 1
    out = runner.invoke(app, ["export", str(computed), "--out", str(tmp_path / "a.xlsx")])
    assert out.exit_code == 0 and (tmp_path / "a.xlsx").exists()


def test_publish__keeps_units_heads_people_and_appeals(computed, municipal):
    import datetime as dt

    wb = openpyxl.load_workbook(computed)
    wb["申诉登记"].append(["P04", "人员P04", dt.datetime(2026, 9, 24), dt.datetime(2026, 10, 8), dt.datetime(2026, 10, 15),
                       "情况属实", "改变"])
    wb.save(computed)
    assert recompute(FileHost(computed), municipal).ok  # the register is checked on 申诉情况, which publish keeps
    publish(computed, 2026)
    db = sqlite3.connect(archive_path(computed))
    assert db.execute("SELECT name, type, group_name, head_code FROM units WHERE code = 'C02'").fetchone() == (
        "部门C02", "部门", "综合口", "H1")
    assert db.execute("SELECT unit_code, level FROM people WHERE code = 'P05'").fetchone() == ("B02", "科级及以下")
    assert db.execute("SELECT code, in_time, reply_due, replied, outcome FROM appeals").fetchall() == [
        ("P04", 1, "2026-10-19", "2026-10-15", "改变")]


def test_scheme_diff__names_what_changed_in_the_rules_between_two_years(computed, municipal):
    """A version records its scheme (id, version, hash, YAML text); scheme diff compares the
    latest published scheme of two years."""
    from typer.testing import CliRunner

    from addin.archive.versions import SchemeRecord, scheme_record, version_schemes
    from addin.cli import app
    from addin.scheme.loader import builtin_path

    text = builtin_path("municipal").read_text(encoding="utf-8")
    old_text = text.replace("quota: {rate: 10%, minimum: 0}", "quota: {rate: 12%, rounding: floor, minimum: 0}") \
        .replace("version: 2026.1", "version: 2025.1").replace("version: \"2026.1\"", "version: \"2025.1\"")
    assert old_text != text
    publish(computed, 2025, scheme=SchemeRecord("municipal", "2025.1", "f" * 64, old_text))
    publish(computed, 2026, scheme=scheme_record(municipal, builtin_path("municipal")))
    recorded = version_schemes(computed)
    assert recorded[(2026, 1)].text == text and recorded[(2026, 1)].version == municipal.version
    out = CliRunner().invoke(app, ["scheme", "diff", "2025", "2026", "--master", str(computed)], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "departments.awards.quota.rate: 0.12 → 0.1" in out.output
    assert "departments.awards.quota.rounding: floor → （无）" in out.output
