"""A served year folder for the `kaohe serve` tests: made by `kaohe init`, with a clerk's token."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from addin.cli import app as cli

UNITS = "单位编码,单位名称,类别,分口,报送邮箱\n" + "".join(
    f"B{i:02d},部门{i},部门,综合口,b{i:02d}@example.gov.cn\n" for i in range(1, 4)) + "Q1,区一,区市,,\n"
STAFF = "人员编码,姓名,单位编码,层级,主要负责人\nP1,张三,B01,科级及以下,否\n"


def require_server_extra() -> None:
    """The server extra is installed (``make test`` installs it: ``.[test,server]``), and
    xlwings Server is configured before its first import."""
    from addin.serve.environment import configure_server, require_server

    require_server()
    configure_server()


def make_year_folder(root: Path) -> Path:
    (root / "units.csv").write_text(UNITS, encoding="utf-8")
    (root / "staff.csv").write_text(STAFF, encoding="utf-8")
    folder = root / "2026考核"
    done = CliRunner().invoke(cli, ["init", str(folder), "--year", "2026", "--roster", str(root / "units.csv"),
                                    "--staff", str(root / "staff.csv")])
    assert done.exit_code == 0, done.output
    return folder


def payload_of(master: Path, include: list[str] | None = None) -> dict:
    """The book as xlwings' Office.js client posts it (custom-scripts/index.js getBookData):
    every sheet named, the values of the included ones (blanks as ""), the others [[]]."""
    import json

    import xlwings as xw
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(master))
    sheets = []
    for name in book.sheet_names:
        values = book.get_sheet_by_name(name).to_python(skip_empty_area=False) or [[""]]
        if include is not None and name not in include:
            values = [[]]
        sheets.append({"name": name, "values": values, "pictures": [], "tables": [], "names": []})
    payload = {"client": "Office.js", "version": xw.__version__,
               "book": {"name": master.name, "active_sheet_index": 0, "selection": "A1"}, "sheets": sheets, "names": []}
    return json.loads(json.dumps(payload, default=lambda d: d.isoformat()))
