"""The add-in, checked at the zip level against xlwings' own ribbon template."""

from __future__ import annotations

import importlib
import re
import zipfile
from pathlib import Path

from addin.addin_file import ADDIN_FILE, CALLBACK, build_addin, install, template_path
from addin.intake.xlsx import read_book  # noqa: F401
from xlwings_config import VBA_LINES, Workbook, get_config, workbook_from_xlsx


def test_build_addin__ribbon_tab_and_button(tmp_path):
    path = build_addin(tmp_path)
    assert path.name == ADDIN_FILE
    ribbon = zipfile.ZipFile(path).read("customUI/customUI.xml").decode("utf-8")
    assert re.search(r'<tab id="kaoheTab" label="目标考核">', ribbon)
    buttons = re.findall(r"<button\b[^>]*>", ribbon, re.S)
    assert len(buttons) == 1
    assert 'label="重新计算排名"' in buttons[0] and 'size="large"' in buttons[0]
    assert f'onAction="{CALLBACK}"' in buttons[0]


def test_build_addin__vba_part_and_every_other_part_untouched(tmp_path):
    path = build_addin(tmp_path)
    with zipfile.ZipFile(template_path()) as src, zipfile.ZipFile(path) as built:
        assert src.namelist() == built.namelist()
        for name in src.namelist():
            if name not in ("customUI/customUI.xml", "xl/worksheets/sheet1.xml", "xl/workbook.xml"):
                assert src.read(name) == built.read(name), name
        assert src.read("xl/vbaProject.bin") == built.read("xl/vbaProject.bin")


def test_build_addin__only_the_config_sheet_and_ribbon_change(tmp_path):
    path = build_addin(tmp_path)
    with zipfile.ZipFile(path) as built:
        assert '<sheet name="myaddin.conf"' in built.read("xl/workbook.xml").decode()


def test_get_config__the_add_ins_settings_are_where_xlwings_reads_them(tmp_path):
    """Read by a reader that follows xlwings' VBA GetConfig line by line."""
    path = build_addin(tmp_path / "addin", interpreter=r"C:\Python311\pythonw.exe")
    this = workbook_from_xlsx(path)
    active = Workbook({"部门": {"A1": "单位编码"}}, tmp_path)
    read = {k: get_config(k, active=active, this=this, default="(default)") for k in
            ("ADD_WORKBOOK_TO_PYTHONPATH", "UDF MODULES", "INTERPRETER_WIN", "INTERPRETER", "PYTHONPATH",
             "CONDA PATH", "DEBUG UDFS", "USE UDF SERVER", "LICENSE_KEY")}
    assert read == {"ADD_WORKBOOK_TO_PYTHONPATH": False, "UDF MODULES": "udfs",
                    "INTERPRETER_WIN": r"C:\Python311\pythonw.exe", "INTERPRETER": "pythonw", "PYTHONPATH": "",
                    "CONDA PATH": "", "DEBUG UDFS": False, "USE UDF SERVER": False, "LICENSE_KEY": ""}
    # the template's own sheet, as round 1 shipped it, is never read: the setting fell back to "true"
    old = Workbook({"_myaddin.conf": this.sheets["myaddin.conf"]})
    assert get_config("ADD_WORKBOOK_TO_PYTHONPATH", active=active, this=old, default="true") == "true"


def test_get_config__a_conf_file_beside_an_emailed_workbook_changes_nothing(tmp_path):
    path = build_addin(tmp_path / "addin", interpreter=r"C:\Python311\pythonw.exe")
    inbox = tmp_path / "收件"
    inbox.mkdir()
    (inbox / "myaddin.conf").write_text('"INTERPRETER_WIN","C:\\evil\\python.exe"\n"PYTHONPATH","\\\\evil\\share"\n'
                                        '"ADD_WORKBOOK_TO_PYTHONPATH","True"\n"CONDA PATH","C:\\evil"\n',
                                        encoding="utf-8")
    user = tmp_path / "user.conf"
    user.write_text('"UDF MODULES","evil"\n', encoding="utf-8")
    active = Workbook({"附表1": {}}, inbox)
    this = workbook_from_xlsx(path)
    assert get_config("INTERPRETER_WIN", active=active, this=this, user_file=user) == r"C:\Python311\pythonw.exe"
    assert get_config("PYTHONPATH", active=active, this=this, user_file=user) == ""
    assert get_config("ADD_WORKBOOK_TO_PYTHONPATH", active=active, this=this, user_file=user) is False
    assert get_config("CONDA PATH", active=active, this=this, user_file=user) == ""
    assert get_config("UDF MODULES", active=active, this=this, user_file=user) == "udfs"


def test_get_config__an_active_workbooks_own_sheet_comes_first_documented_risk(tmp_path):
    """xlwings reads the active workbook's myaddin.conf sheet before the add-in's: a known
    risk (README), which kaohe cannot switch off without changing xlwings' VBA. Intake
    refuses such a workbook (an added sheet), and clerks open received files only in
    Protected View."""
    this = workbook_from_xlsx(build_addin(tmp_path / "addin"))
    hostile = Workbook({"myaddin.conf": {"A1": "Interpreter_Win", "B1": r"C:\evil.exe"}}, tmp_path)
    assert get_config("INTERPRETER_WIN", active=hostile, this=this) == r"C:\evil.exe"


def test_xlwings_vba__still_reads_config_as_the_test_reader_does():
    import xlwings

    vba = (Path(xlwings.__file__).parent / "xlwings_custom_addin.bas").read_text(encoding="utf-8", errors="replace")
    lines = [line.strip() for line in vba.splitlines()]
    for expected in VBA_LINES:
        assert expected in lines, expected
    order = [lines.index(x) for x in VBA_LINES[7:11]]
    assert order == sorted(order)  # active sheet → add-in sheet → directory file → user file


def test_the_callback_module__imports_as_the_add_in_file_stem():
    module = importlib.import_module(ADDIN_FILE.rsplit(".", 1)[0])
    assert callable(module.main)


def test_install__explains_and_stops_off_windows(monkeypatch, tmp_path):
    said = []
    monkeypatch.setattr("sys.platform", "linux")
    assert install(ask=lambda _: "y", say=said.append) is None
    assert "XLSTART" in said[0] and "信任对 VBA 工程对象模型的访问" in said[0]
    assert "未做任何更改" in said[-1]
