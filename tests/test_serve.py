"""`kaohe serve`: the formulas and the button through xlwings Server, driven over HTTP with
the payloads its Office.js client sends (FastAPI's TestClient; one real socket at the end).

Expected values are worked by hand from SPEC (composite = business + public + bonus −
criticisms × 5); desktop results come from tests/desktop.py, which calls the catalog as
xlwings' COM add-in does on Windows."""

from __future__ import annotations

import logging
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from serve_fixtures import make_year_folder, require_server_extra

require_server_extra()  # before anything imports xlwings_server, which reads its settings once
from fastapi.testclient import TestClient  # noqa: E402

BODY = {"client": "Office.js", "version": "0.37.8", "runtime": "1.4", "culture_info_name": "zh-CN",
        "date_format": "yyyy/m/d", "caller_address": "Sheet1!C2"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(client, token, folder) for a fresh year folder with the clerk 张三."""
    from addin.serve.app import serve_app
    from addin.serve.tokens import add_token

    folder = make_year_folder(tmp_path_factory.mktemp("office"))
    token = add_token(folder, "张三")
    return TestClient(serve_app(folder, folder / "考核汇总.xlsx")), token, folder


def post_call(served, func, *args, token=None):
    client, own, _folder = served
    return client.post("/xlwings/custom-functions-call", json={**BODY, "func_name": func, "args": list(args)},
                       headers={"Authorization": own if token is None else token})


def test_call_function__left_off_optional_arguments_take_their_defaults(served):
    done = post_call(served, "ASSESS_COMPOSITE", [[60]], [[27]], None, None, None)  # 60 + 27 + 0 − 0 × 5
    assert (done.status_code, done.json()) == (200, {"result": [[87.0]]})
    done = post_call(served, "ASSESS_COMPOSITE", [[60]], [[27]])  # trailing ones not sent at all
    assert (done.status_code, done.json()) == (200, {"result": [[87.0]]})
    done = post_call(served, "ASSESS_COMPOSITE", [[60]], [[27]], [[3]], [[1]])  # 60 + 27 + 3 − 1 × 5 = 85
    assert (done.status_code, done.json()) == (200, {"result": [[85.0]]})


def test_call_function__a_blank_cell_on_an_optional_argument_is_a_blank_not_the_default(served):
    done = post_call(served, "ASSESS_COMPOSITE", [[60]], [[27]], [[None]])
    assert done.status_code == 400, done.text
    assert "加分" in done.text and "未填写" in done.text and "空白不按0处理" in done.text, done.text
    done = post_call(served, "STAFF_GRADE", [[95]], [[None]])  # in_quota blank: the desktop reads it as FALSE
    assert (done.status_code, done.json()["result"]) == (200, [["称职"]])


def test_call_function__a_clerks_error_is_400_with_the_desktops_text(served):
    from desktop import FakeCaller, call, desktop_udfs

    _client, _token, folder = served
    U = desktop_udfs()
    with pytest.raises(Exception) as desktop:  # 业务目标 75 is above its 70
        call(U.ASSESS_COMPOSITE, 75.0, 27.0, caller=FakeCaller(str(folder / "考核汇总.xlsx")))
    done = post_call(served, "ASSESS_COMPOSITE", [[75]], [[27]])
    assert (done.status_code, done.text) == (400, str(desktop.value))
    assert "业务" in done.text


def test_call_function__a_column_comes_back_as_a_column(served):
    # 80, 90, blank, 90 → 中国式: 90 and 90 first, 80 second; the blank row unranked
    done = post_call(served, "RANK_IN_GROUP", [[80], [90], [None], [90]], None, None)
    assert done.json() == {"result": [[2], [1], [""], [1]]}


def test_call_function__item_score_takes_its_param_array_after_the_item(served):
    # 1.1 of the shipped scheme takes 是/否 inputs: a number is refused with the item named
    done = post_call(served, "ITEM_SCORE", [["1.1"]], [[[5]], [[3]]])
    assert done.status_code == 400 and done.text.startswith("1.1 "), done.text


def test_functions_meta__lists_the_eleven_without_the_hidden_caller_or_a_namespace(served):
    client = served[0]
    meta = client.get("/xlwings/custom-functions-meta.json").json()
    names = sorted(f["name"] for f in meta["functions"])
    assert names == ["APPEAL_DEADLINE", "ASSESS_COMPOSITE", "AWARD_QUOTA", "AWARD_STATUS", "DEMOCRATIC_SCORE",
                     "EXPLAIN", "INNOVATION_BONUS", "ITEM_SCORE", "RANK_IN_GROUP", "STAFF_GRADE", "STAFF_TOTAL"]
    item = next(f for f in meta["functions"] if f["name"] == "ITEM_SCORE")
    assert [p["name"] for p in item["parameters"]] == ["item", "inputs"]
    assert item["parameters"][1].get("repeating") is True
    composite = next(f for f in meta["functions"] if f["name"] == "ASSESS_COMPOSITE")
    assert composite["description"].startswith("综合得分")
    assert [p.get("optional", False) for p in composite["parameters"]] == [False, False, True, True, True]


# --- auth ---------------------------------------------------------------------------------


def test_auth__no_token_is_401_a_token_is_200_and_the_log_names_the_clerk_not_the_token(served, caplog):
    assert post_call(served, "AWARD_QUOTA", [[25]], token="").status_code == 401
    assert post_call(served, "AWARD_QUOTA", [[25]], token="not-a-token").status_code == 401
    with caplog.at_level(logging.INFO):
        done = post_call(served, "AWARD_QUOTA", [[25]])  # 25 × 10% = 2.5 → 3 (四舍五入)
    assert (done.status_code, done.json()) == (200, {"result": [[3]]})
    token = served[1]
    lines = [r.getMessage() for r in caplog.records]
    assert any("AWARD_QUOTA" in line and "张三" in line for line in lines), lines
    assert not [line for line in lines if token in line]


def test_add_token__keeps_only_the_hash_and_the_files_comments(served):
    import hashlib

    from addin.office.settings import settings_path

    _client, token, folder = served
    text = settings_path(folder).read_text(encoding="utf-8")
    assert token not in text
    assert f"张三: sha256:{hashlib.sha256(token.encode()).hexdigest()}" in text
    assert text.lstrip().startswith("#"), "the settings file's own comments were lost"


def test_add_token__again_replaces_the_old_one(tmp_path):
    from addin.office.settings import load_settings
    from addin.serve.tokens import add_token, clerk_of

    folder = make_year_folder(tmp_path)
    first = add_token(folder, "李四")
    second = add_token(folder, "李四")
    tokens = load_settings(folder).serve.tokens
    assert list(tokens) == ["李四"]
    assert (clerk_of(first, tokens), clerk_of(second, tokens)) == (None, "李四")


# --- the manifest -----------------------------------------------------------------------

NS = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1",
      "v": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
      "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0"}


def test_manifest__the_tab_the_button_kaohes_id_and_no_namespace(served):
    from addin.serve.environment import MANIFEST_ID

    client = served[0]
    root = ET.fromstring(client.get("/manifest.xml").content)
    assert root.find("o:Id", NS).text == MANIFEST_ID != "4f342d85-3a49-41cb-90a5-37b1f2219040"  # xlwings' prod default
    assert root.find(".//v:Namespace", NS) is None
    strings = {s.get("id"): s.get("DefaultValue") for s in root.iter(f"{{{NS['bt']}}}String")}
    tab = root.find(".//v:CustomTab", NS)
    assert strings[tab.find("v:Label", NS).get("resid")] == "目标考核"
    buttons = {strings[c.find("v:Label", NS).get("resid")]: c for c in tab.iter(f"{{{NS['v']}}}Control")}
    action = buttons["重新计算排名"].find("v:Action", NS)
    assert action.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "ExecuteFunction"
    assert action.find("v:FunctionName", NS).text == "kaohe-recompute"
    pane = client.get("/taskpane.html").text  # the page that runs it associates that name with the script
    assert 'Office.actions.associate("kaohe-recompute"' in pane and 'scriptName: "recompute"' in pane


def test_manifest__urls_are_https_behind_a_proxy(tmp_path):
    from addin.serve.app import serve_app

    folder = make_year_folder(tmp_path)
    client = TestClient(serve_app(folder, folder / "考核汇总.xlsx", https=True))
    text = client.get("/manifest.xml", headers={"host": "kaohe.example.gov.cn"}).text
    urls = re.findall(r'DefaultValue="(\w+://[^"]+)"', text)
    assert urls and all(u.startswith("https://kaohe.example.gov.cn/") for u in urls), urls
    assert "<AppDomain>https://kaohe.example.gov.cn</AppDomain>" in text


# --- what a future xlwings must not change unnoticed ----------------------------------------


def test_xlwings_upgrade__stock_call_still_turns_a_blank_into_the_default():
    """xlwings 0.37.8's own custom_functions_call gives an optional argument its default
    for a blank cell ([[null]]); the adapter exists for this. If this fails, xlwings changed
    its blank handling: re-check addin/serve/calls.py against it."""
    import asyncio
    import types

    from addin.serve.catalog import served_functions

    import xlwings.server

    module = types.SimpleNamespace(ASSESS_COMPOSITE=served_functions()["ASSESS_COMPOSITE"])
    data = {**BODY, "func_name": "ASSESS_COMPOSITE", "args": [[[60]], [[27]], [[None]], None, None, [[None]]]}
    assert asyncio.run(xlwings.server.custom_functions_call(data, module)) == [[87.0]]


def test_xlwings_upgrade__stock_server_answers_a_clerks_error_500():
    """xlwings Server 1.20's catch-all handler: any exception not an XlwingsError is 500
    "An error occurred." in prod (retried by the client): why kaohe answers 400 itself."""
    import asyncio

    from addin.errors import InputError
    from addin.serve.catalog import served_functions

    served_functions()
    from xlwings_server.config import settings
    from xlwings_server.main import exception_handler

    assert settings.environment == "prod" and 500 in settings.custom_functions_retry_codes
    assert 400 not in settings.custom_functions_retry_codes
    answer = asyncio.run(exception_handler(None, InputError([])))
    assert (answer.status_code, answer.body) == (500, b"An error occurred.")


def test_xlwings_upgrade__the_client_still_sends_the_payload_the_adapter_reads():
    from pathlib import Path

    import xlwings_server

    js = (Path(xlwings_server.__file__).parent / "static/js/custom-functions/custom-functions-code.js").read_text()
    for field in ('client: "Office.js"', "func_name: funcName", "args: args", "caller_address:", "runtime: runtime"):
        assert field in js, f"custom-functions-code.js no longer sends {field}"


def test_xlwings_upgrade__stock_meta_still_shows_the_hidden_caller():
    """xlwings' custom_functions_meta lists `caller` (vba="Nothing") as a parameter: why
    catalog.functions_meta drops it."""
    import types

    from addin.serve.catalog import served_functions

    import xlwings.server

    meta = xlwings.server.custom_functions_meta(types.SimpleNamespace(ITEM_SCORE=served_functions()["ITEM_SCORE"]))
    assert [p["name"] for p in meta["functions"][0]["parameters"]] == ["item", "caller", "inputs"]


def test_configure_server__after_xlwings_was_imported_the_officejs_engine_is_there():
    """xlwings registers its officejs engine at first import only when the licence key is set
    then; the desktop UDFs import xlwings first, so configure_server adds it (else every served
    call fails with KeyError: 'officejs')."""
    import subprocess
    import sys

    code = ("import xlwings as xw\n"
            "before = [e.name for e in xw.engines]\n"
            "from addin.serve.environment import configure_server\n"
            "configure_server()\n"
            "print('officejs' in before, 'officejs' in [e.name for e in xw.engines])\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XLWINGS_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.split() == ["False", "True"], out.stderr
