"""The add-in, checked at the zip level against xlwings' own ribbon template."""

from __future__ import annotations

import importlib
import re
import zipfile

from addin.addin_file import ADDIN_FILE, CALLBACK, build_addin, install, template_path
from addin.intake.xlsx import read_book


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
            if name not in ("customUI/customUI.xml", "xl/worksheets/sheet1.xml"):
                assert src.read(name) == built.read(name), name
        assert src.read("xl/vbaProject.bin") == built.read("xl/vbaProject.bin")


def test_build_addin__config_sheet_for_clerks(tmp_path):
    path = build_addin(tmp_path, interpreter=r"C:\Python311\pythonw.exe")
    book = read_book(zipfile.ZipFile(path), path.name)
    sheet = book.sheets["_myaddin.conf"]
    config = {}
    for ref, cell in sheet.cells.items():
        if ref.startswith("A") and cell.value:
            value = sheet.cells.get("B" + ref[1:])
            config[cell.value] = None if value is None else value.value
    assert config["UDF Modules"] == "udfs"
    assert config["ADD_WORKBOOK_TO_PYTHONPATH"] is False
    assert config["Interpreter_Win"] == r"C:\Python311\pythonw.exe"
    assert config["Debug UDFs"] is False and config["Use UDF Server"] is False


def test_the_callback_module__imports_as_the_add_in_file_stem():
    module = importlib.import_module(ADDIN_FILE.rsplit(".", 1)[0])
    assert callable(module.main)


def test_install__explains_and_stops_off_windows(monkeypatch, tmp_path):
    said = []
    monkeypatch.setattr("sys.platform", "linux")
    assert install(ask=lambda _: "y", say=said.append) is None
    assert "XLSTART" in said[0] and "信任对 VBA 工程对象模型的访问" in said[0]
    assert "未做任何更改" in said[-1]
