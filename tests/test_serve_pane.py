"""The task pane (``/taskpane.html``) and the year's status it shows, from a real archive:
submissions taken in through ``kaohe intake`` from .eml files (two accepted, one held),
the master recomputed and published with ``kaohe``, the page served by ``kaohe serve`` on
127.0.0.1 and rendered by headless Chromium (Debian's ``chromium``).

The expected rows are worked by hand from the fixture (serve_fixtures.make_submitted_year)
and checked against the archive itself, read with sqlite3 here, not through kaohe."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import urllib.request
from contextlib import closing
from html.parser import HTMLParser
from pathlib import Path

import pytest

from serve_fixtures import make_submitted_year, make_year_folder, payload_of, require_server_extra, served_on_socket

require_server_extra()

DOCS = Path(__file__).resolve().parents[1] / "docs"
WINDOW = (520, 640)
ARCHIVE = "考核档案.kaohe.sqlite"  # the office archive, beside the year folders


@pytest.fixture(scope="module")
def submitted(tmp_path_factory) -> Path:
    return make_submitted_year(tmp_path_factory.mktemp("office"))


def archive_rows(folder: Path) -> dict[str, list]:
    """The year's status straight from the archive's tables (sqlite3, not kaohe's Store)."""
    with closing(sqlite3.connect(folder.parent / ARCHIVE)) as db:
        taken = db.execute("SELECT DISTINCT unit_code FROM submissions WHERE intake_year = 2026 AND status IN "
                           "('accepted', 'warning', 'superseded') ORDER BY unit_code").fetchall()
        held = db.execute("SELECT number, unit_code, unit_name, file_name FROM submissions WHERE intake_year = 2026 "
                          "AND status = 'held' ORDER BY number").fetchall()
        versions = db.execute("SELECT version, published_by, note FROM versions WHERE year = 2026").fetchall()
    return {"taken": [r[0] for r in taken], "held": [list(map(str, r)) for r in held], "versions": versions}


# --- year_status ------------------------------------------------------------------------------


def test_year_status__real_submissions_a_held_file_and_the_last_publication(submitted):
    from addin.serve.pane import Publication, year_status

    status = year_status(submitted / "考核汇总.xlsx", 2026)
    # B01 and B02 sent from their registered addresses; B03's file came from a stranger: held
    assert status.submitted == [("B01", "部门1"), ("B02", "部门2")]
    assert status.missing == [("B03", "部门3"), ("Q1", "区一")]
    assert status.held == [(3, "B03", "部门3", "B03附表1.xlsx")]  # the batch's third message
    assert status.published == Publication(1, status.published.at, getpass.getuser(), "初审")
    assert status.archive_problem is None
    archive = archive_rows(submitted)
    assert archive["taken"] == ["B01", "B02"]
    assert archive["held"] == [["3", "B03", "部门3", "B03附表1.xlsx"]]
    assert archive["versions"] == [(1, getpass.getuser(), "初审")]


def test_year_status__before_any_intake_every_unit_is_missing_and_nothing_is_published(tmp_path):
    from addin.serve.pane import year_status

    folder = make_year_folder(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    status = year_status(folder / "考核汇总.xlsx", 2026)
    assert (status.submitted, status.held, status.published, status.archive_problem) == ([], [], None, None)
    assert status.missing == [("B01", "部门1"), ("B02", "部门2"), ("B03", "部门3"), ("Q1", "区一")]
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # a page view writes nothing


def test_year_status__a_broken_archive_chain_is_shown_with_its_reason(submitted, tmp_path):
    from addin.serve.pane import render_status, year_status

    office = tmp_path / "office"
    shutil.copytree(submitted.parent, office)
    with closing(sqlite3.connect(office / ARCHIVE)) as db, db:  # as someone editing the file by hand would
        db.execute("DROP TRIGGER versions_frozen_update")
        db.execute("UPDATE versions SET note = '改过' WHERE year = 2026 AND version = 1")
    status = year_status(office / submitted.name / "考核汇总.xlsx", 2026)
    assert status.published is None
    assert "2026年度 v1" in status.archive_problem and "记录哈希不符" in status.archive_problem, status.archive_problem
    assert status.submitted == [("B01", "部门1"), ("B02", "部门2")]  # the rest of the page still shows
    page = render_status(status, None)
    assert "档案无法读取：" in page and "记录哈希不符" in page


# --- the page in headless Chromium ------------------------------------------------------------


class Tables(HTMLParser):
    """The text of each cell of each ``<table id=…>``'s body, and of each ``<p id=…>``."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.paragraphs: dict[str, str] = {}
        self._table = self._cell = self._par = None
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("id")
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.tables[self._table].append([])
        elif tag == "td" and self._in_body:
            self._cell = ""
        elif tag == "p" and attrs.get("id"):
            self._par = attrs["id"]
            self.paragraphs[self._par] = ""

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.tables[self._table][-1].append(self._cell)
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "p":
            self._par = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._par is not None:
            self.paragraphs[self._par] += data


def chromium(url: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium on ``url`` with its own profile (nothing written outside the test's
    folder); no sandbox: the page is our own, from loopback, and the sandbox needs a
    non-root user with user namespaces, which a container seldom has."""
    exe = shutil.which("chromium")
    assert exe, "Debian's chromium is missing: make sysdeps installs it"
    return subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--user-data-dir={profile}", "--virtual-time-budget=5000", *args, url],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HOME": str(profile)}, check=True)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    return struct.unpack(">II", data[16:24])


def press_button(url: str, folder: Path, token: str) -> dict:
    """重新计算排名 as the ribbon posts it: the included sheets of the book, the clerk's token."""
    from addin.serve.button import included_sheets
    from addin.serve.year import ServedYear

    include = included_sheets(ServedYear(folder, folder / "考核汇总.xlsx").scheme())
    request = urllib.request.Request(f"{url}/xlwings/custom-scripts-call/recompute", method="POST",
                                     data=json.dumps(payload_of(folder / "考核汇总.xlsx", include)).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": token,
                                              "Kaohe-Platform": "OfficeOnline"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.loads(answer.read())


def test_taskpane__chromium_renders_the_archives_rows_and_the_last_recompute(submitted, tmp_path):
    """The served page as Chromium renders it (its DOM after the page's scripts ran, Office.js
    and xlwings' client loaded from the server): the three tables hold the archive's rows,
    the last publication and this server's last button are shown. Also the README's
    picture: ``KAOHE_UPDATE_DOCS=1`` copies the screenshot to docs/serve-taskpane.png."""
    from addin.serve.tokens import add_token

    token = add_token(submitted, "张三")
    with served_on_socket(submitted) as url:
        actions = press_button(url, submitted, token)["actions"]
        assert [a["args"] for a in actions if a["func"] == "alert"][0][0].startswith("计算完成"), actions[-1]
        # the clerk's link: the token after '#' is stored by the page, never sent in the URL
        dom = chromium(f"{url}/taskpane.html#token={token}", tmp_path / "profile", "--dump-dom").stdout
        shot = tmp_path / "taskpane.png"
        chromium(f"{url}/taskpane.html#token={token}", tmp_path / "profile", f"--window-size={WINDOW[0]},{WINDOW[1]}",
                 f"--screenshot={shot}")
        tokenless = chromium(f"{url}/taskpane.html", tmp_path / "stranger", "--dump-dom").stdout
    page = Tables()
    page.feed(dom)
    archive = archive_rows(submitted)
    assert [row[0] for row in page.tables["submitted"]] == archive["taken"] == ["B01", "B02"]
    assert page.tables["submitted"] == [["B01", "部门1"], ["B02", "部门2"]]
    assert page.tables["missing"] == [["B03", "部门3"], ["Q1", "区一"]]
    assert page.tables["held"] == archive["held"] == [["3", "B03", "部门3", "B03附表1.xlsx"]]
    assert page.paragraphs["last-published"].startswith(f"最近发布：v1（2026-")
    assert page.paragraphs["last-published"].endswith(f"，{getpass.getuser()}）：初审")
    assert "张三：计算完成" in page.paragraphs["last-recompute"], page.paragraphs["last-recompute"]
    assert token not in dom
    stranger = Tables()
    stranger.feed(tokenless)  # another browser, no token: the shell and its prompt, none of the year's rows
    assert stranger.tables == {} and "请输入令牌后查看本年度报送情况" in tokenless and "B03附表1.xlsx" not in tokenless
    assert png_size(shot) == WINDOW and shot.stat().st_size > 10_000  # a blank page is a few hundred bytes
    if os.environ.get("KAOHE_UPDATE_DOCS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copy(shot, DOCS / "serve-taskpane.png")


def test_status__the_years_rows_only_with_a_token(submitted):
    """The status behind the pane is a call like any other (issue 25, auth: 401 without a
    token): the page itself is a shell with no unit and no held file in it; with the
    clerk's token the fragment holds the archive's rows, and the log names the clerk."""
    from fastapi.testclient import TestClient

    from addin.serve.app import serve_app
    from addin.serve.tokens import add_token

    token = add_token(submitted, "李四")
    with TestClient(serve_app(submitted, submitted / "考核汇总.xlsx")) as client:
        shell = client.get("/taskpane.html")
        refused = client.get("/kaohe/status")
        wrong = client.get("/kaohe/status", headers={"Authorization": "x" * 43})
        given = client.get("/kaohe/status", headers={"Authorization": token})
    assert shell.status_code == 200 and "部门1" not in shell.text and "B03附表1.xlsx" not in shell.text
    assert (refused.status_code, wrong.status_code, given.status_code) == (401, 401, 200)
    page = Tables()
    page.feed(given.text)
    assert page.tables["submitted"] == [["B01", "部门1"], ["B02", "部门2"]]
    assert page.tables["held"] == [["3", "B03", "部门3", "B03附表1.xlsx"]]
