"""A served year folder for the `kaohe serve` tests: made by `kaohe init`, with a clerk's token."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from typer.testing import CliRunner

from addin.cli import app as cli

UNITS = "单位编码,单位名称,类别,分口,报送邮箱\n" + "".join(
    f"B{i:02d},部门{i},部门,综合口,b{i:02d}@example.gov.cn\n" for i in range(1, 4)) + "Q1,区一,区市,,\n"
STAFF = "人员编码,姓名,单位编码,层级,主要负责人\nP1,张三,B01,科级及以下,否\n"
APPENDIX1 = {"KH_IN_附表1_1_6_value": 1.2, "KH_IN_附表1_1_6_note": "良好", "KH_IN_附表1_1_1_missed_meetings": 1}


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


def kaohe_in(folder: Path, *args: str):
    """``kaohe ARGS`` run in ``folder`` (as a clerk types it there)."""
    here = Path.cwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(cli, list(args), terminal_width=200)
    finally:
        os.chdir(here)


def make_submitted_year(root: Path) -> Path:
    """A year folder whose archive holds real submissions, taken in through ``kaohe
    intake`` from .eml files as the office's server delivered them: 部门1 (B01) and 部门2
    (B02) each send their 附表1 from their registered address (accepted); 部门3's 附表1
    arrives from a stranger's address (held, 报送编号 3: the third message of the batch).
    Then the office fills the other tables, recomputes and publishes v1 with a note."""
    from addin.intake.extract import Update
    from addin.intake.master import apply_updates
    from fill import eml, fill

    folder = make_year_folder(root)
    for unit in ("B01", "B02", "B03"):
        done = kaohe_in(folder, "template", "模板", "--kind", "appendix", "--unit", unit)
        assert done.exit_code == 0, done.output
    senders = {"B01": "b01@example.gov.cn", "B02": "b02@example.gov.cn", "B03": "stranger@other.example"}
    for letter, (unit, sender) in zip("abc", senders.items()):
        template = next((folder / "模板").rglob(f"2026_{unit}_附表1*.xlsx"))
        data = fill(template, APPENDIX1, root / f"{unit}.xlsx").read_bytes()
        eml(folder / "收件箱" / f"{letter}.eml", [(f"{unit}附表1.xlsx", data)], sender=sender)
    taken = kaohe_in(folder, "intake")
    assert taken.exit_code == 0, taken.output
    full = {"业务目标": 62, "党风廉政建设": 9, "党的建设": 9, "精神文明建设": 4, "招商引资": 4, "通报批评次数": 0}
    updates = [Update("部门", "单位编码", f"B{i:02d}", full) for i in (1, 2, 3)]
    updates.append(Update("区市", "单位编码", "Q1", {"经济目标": 40, "社会目标": 15, "党的建设": 9, "党风廉政建设": 9,
                                                   "思想政治工作": 4, "招商引资": 4, "通报批评次数": 0}))
    updates.append(Update("人员", "人员编码", "P1", {"民主测评": 25, "业务目标": 80, "公共目标": 9, "投诉或违纪": "否",
                                                 "情节严重": "否"}))
    apply_updates(folder / "考核汇总.xlsx", updates)
    for args in (("recompute",), ("publish", "--note", "初审")):
        done = kaohe_in(folder, *args)
        assert done.exit_code == 0, done.output
    return folder


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served_on_socket(folder: Path):
    """``kaohe serve --port P`` run in ``folder`` as its own process on 127.0.0.1: yields
    the base URL once ``/manifest.xml`` answers, and stops the server after."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "addin.cli", "serve", "--port", str(port)], cwd=folder,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/manifest.xml", timeout=5):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.poll() else ""
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


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
