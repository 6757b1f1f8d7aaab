"""重新计算排名 on a served book: the actions Excel replays equal the file host's recompute,
no input sheet is touched, the master on the server's disk is never written, and above
Excel on the web's 5 MB limit nothing is written but one message."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
from serve_fixtures import make_year_folder, payload_of, require_server_extra

require_server_extra()

from test_macro import make_master  # noqa: E402

RESULT_SHEETS = ["部门排名", "区市排名", "人员等次", "市级领导", "审计排名", "限额", "预警", "申诉情况", "问题"]


def replay(payload: dict, actions: list[dict]) -> dict[str, list[list]]:
    """The book's sheets after Excel applied the actions (the few the macro emits)."""
    sheets = {s["name"]: [list(r) for r in s["values"]] for s in payload["sheets"]}
    order = [s["name"] for s in payload["sheets"]]
    touched = set()
    for a in actions:
        if a["func"] == "alert":
            continue
        name = order[a["sheet_position"]]
        touched.add(name)
        if a["func"] == "sheetClear":
            sheets[name] = []
        elif a["func"] == "setValues":
            grid = sheets[name]
            for r, row in enumerate(a["values"]):
                while len(grid) <= a["start_row"] + r:
                    grid.append([])
                line = grid[a["start_row"] + r]
                for c, v in enumerate(row):
                    while len(line) <= a["start_column"] + c:
                        line.append("")
                    line[a["start_column"] + c] = v
        else:
            assert a["func"] in ("setRangeColor", "addTable", "setSheetAutofit"), a["func"]
    return {name: sheets[name] for name in touched}


def trimmed(grid):
    rows = [[("" if v is None else v) for v in row] for row in grid]
    rows = [r[:max((k + 1 for k, v in enumerate(r) if v != ""), default=0)] for r in rows]
    while rows and not rows[-1]:
        rows.pop()
    return rows


def test_run_button__actions_equal_the_file_hosts_recompute_and_leave_inputs_alone(tmp_path, municipal, audit):
    from python_calamine import CalamineWorkbook

    from addin.hosts import FileHost
    from addin.macro import recompute
    from addin.serve.button import included_sheets, run_button

    master = make_master(tmp_path / "served", municipal, audit)
    before = hashlib.sha256(master.read_bytes()).hexdigest()
    payload = payload_of(master, included_sheets(municipal))
    answer, message = run_button(payload, municipal, tmp_path / "served", master)
    assert message.startswith("计算完成"), message
    assert hashlib.sha256(master.read_bytes()).hexdigest() == before, "the master on the server's disk was written"
    written = replay(payload, answer["actions"])
    assert set(written) <= set(RESULT_SHEETS), f"input sheets touched: {set(written) - set(RESULT_SHEETS)}"

    copy = tmp_path / "file" / master.name
    copy.parent.mkdir()
    shutil.copy(master, copy)
    recompute(FileHost(copy), municipal)
    book = CalamineWorkbook.from_path(str(copy))
    for sheet in written:
        expected = trimmed(book.get_sheet_by_name(sheet).to_python(skip_empty_area=False))
        got = trimmed(written[sheet])
        assert got == expected, f"{sheet}: served {got[:3]} … file host {expected[:3]} …"
    assert {"部门排名", "区市排名", "人员等次"} <= set(written)
    assert answer["actions"][-1]["func"] == "alert" and answer["actions"][-1]["args"][0] == message


def test_included_sheets__are_exactly_the_sheets_the_macro_reads(tmp_path, municipal, audit):
    from addin.macro import recompute
    from addin.serve.button import ServedHost, included_sheets

    import xlwings as xw

    master = make_master(tmp_path, municipal, audit)
    read = []

    class Recording(ServedHost):
        def sheet_values(self, sheet):
            read.append(sheet)
            return super().sheet_values(sheet)

    book = xw.Book(json=payload_of(master))
    recompute(Recording(book, tmp_path, master), municipal)
    assert sorted(set(read)) == sorted(included_sheets(municipal))
    assert included_sheets(municipal)[:4] == ["部门", "区市", "加分登记", "人员"]


def test_run_button__a_blank_input_writes_only_the_problems(tmp_path, municipal, audit):
    from test_macro import DEPARTMENTS

    from addin.serve.button import included_sheets, run_button

    blank = [dict(d) for d in DEPARTMENTS]
    blank[0]["业务目标"] = None
    master = make_master(tmp_path, municipal, audit, departments=blank)
    payload = payload_of(master, included_sheets(municipal))
    answer, message = run_button(payload, municipal, tmp_path, master)
    assert set(replay(payload, answer["actions"])) == {"问题"}, message
    problems = replay(payload, answer["actions"])["问题"]
    assert any("B01" in str(row) and "业务目标" in str(row) for row in problems), problems


def test_run_button__above_the_web_limit_says_so_and_writes_nothing(tmp_path, municipal, audit):
    from addin.serve.button import included_sheets, run_button

    master = make_master(tmp_path, municipal, audit)
    payload = payload_of(master, included_sheets(municipal))
    answer, message = run_button(payload, municipal, tmp_path, master, limit=1000)
    assert [a["func"] for a in answer["actions"]] == ["alert"]
    assert "13 名人员" in message and "5 MB" in message and "kaohe recompute" in message and "桌面版 Excel" in message
    desktop, _ = run_button(payload, municipal, tmp_path, master, platform="PC", limit=1000)  # no cap on desktop
    assert len(desktop["actions"]) > 1


# --- kaohe serve on a real socket ---------------------------------------------------------


def kaohe(*args, cwd):
    return subprocess.run([sys.executable, "-m", "addin.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve__starts_answers_the_manifest_and_stops(tmp_path):
    folder = make_year_folder(tmp_path)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "addin.cli", "serve", "--port", str(port)], cwd=folder,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/manifest.xml", timeout=5) as r:
                    text = r.read().decode("utf-8")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.poll() else ""
                time.sleep(0.3)
        assert "<Id>68979413-e050-45c2-a2d4-7b6025d54d14</Id>" in text
        assert f"http://127.0.0.1:{port}/taskpane.html" in text
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it (returncode −15)
    assert proc.returncode in (0, -15) and "Application shutdown complete" in out, out
    assert f"http://127.0.0.1:{port}/manifest.xml" in out and "PolyForm Noncommercial" in out


def test_serve__refuses_a_non_loopback_host_without_tls(tmp_path):
    folder = make_year_folder(tmp_path)
    done = kaohe("serve", "--host", "0.0.0.0", cwd=folder)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--behind-proxy" in done.stdout and "--certfile" in done.stdout


def test_serve__a_port_in_use_is_exit_3(tmp_path):
    import socket

    folder = make_year_folder(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = kaohe("serve", "--port", str(taken.getsockname()[1]), cwd=folder)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "已被其他程序占用" in done.stdout and len(done.stdout.strip().splitlines()) == 1


def test_serve__add_token_prints_it_once(tmp_path):
    from addin.office.settings import load_settings
    from addin.serve.tokens import clerk_of

    folder = make_year_folder(tmp_path)
    done = kaohe("serve", "--add-token", "王五", cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert clerk_of(token, load_settings(folder).serve.tokens) == "王五"
