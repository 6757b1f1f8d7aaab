"""Each formula over HTTP equals the in-process UDF as the desktop add-in calls it
(tests/desktop.py): random values, blanks sent as [[null]], arguments left off as null;
a desktop error is a 400 with the same text."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serve_fixtures import make_year_folder, require_server_extra

require_server_extra()
from fastapi.testclient import TestClient  # noqa: E402

from desktop import MISSING, FakeCaller, call, desktop_udfs  # noqa: E402

TEXTS = ["部门", "区市", "是", "否", "TRUE", "FALSE", "1.1", "中国式", "竞争", "10%", "向下取整", "经济口", "综合口", "x"]
CELL = st.one_of(st.none(), st.integers(0, 120).map(float), st.decimals(0, 100, places=2).map(float),
                 st.sampled_from(TEXTS))
COLUMN = st.lists(CELL, min_size=1, max_size=4)
ARITY = {"APPEAL_DEADLINE": 2, "ASSESS_COMPOSITE": 5, "AWARD_QUOTA": 3, "AWARD_STATUS": 5, "DEMOCRATIC_SCORE": 4,
         "EXPLAIN": 3, "INNOVATION_BONUS": 3, "ITEM_SCORE": 3, "RANK_IN_GROUP": 3, "STAFF_GRADE": 3, "STAFF_TOTAL": 3}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from addin.serve.app import serve_app
    from addin.serve.tokens import add_token

    folder = make_year_folder(tmp_path_factory.mktemp("office"))
    token = add_token(folder, "张三")
    return TestClient(serve_app(folder, folder / "考核汇总.xlsx")), token, folder


def http_arg(value):
    if value is MISSING:
        return None
    if isinstance(value, tuple):
        return [[c[0]] for c in value]
    return [[value]]


def shown(result):
    """The HTTP matrix as the desktop's squeezed value (dates as the desktop's datetime)."""
    def cell(v):
        if isinstance(v, dict) and v.get("type") == "FormattedNumber":
            return dt.datetime(1899, 12, 30) + dt.timedelta(days=v["basicValue"])
        return v
    rows = [[cell(v) for v in row] for row in result]
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    if len(rows) == 1:
        return rows[0]
    return rows


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_call_function__equals_the_desktop_udf(served, data):
    client, token, folder = served
    U = desktop_udfs()
    name = data.draw(st.sampled_from(sorted(ARITY)), label="function")
    count = data.draw(st.integers(1, ARITY[name]), label="arguments given")
    args = [data.draw(st.one_of(CELL, COLUMN.map(lambda c: tuple((v,) for v in c)))) for _ in range(count)]
    if name in ("ITEM_SCORE", "EXPLAIN"):
        args[0] = data.draw(st.sampled_from(["1.1", "2.1", "1", "附表1:1.1"]))
    else:
        args += [MISSING] * data.draw(st.integers(0, 1))  # a left-off argument sent as null
        args = args[:ARITY[name]]
    sent = [http_arg(a) for a in args]
    if name in ("ITEM_SCORE", "EXPLAIN"):
        sent = [sent[0], sent[1:]]
    try:
        expected, error = call(getattr(U, name), *args, caller=FakeCaller(str(folder / "考核汇总.xlsx"))), None
    except Exception as exc:  # noqa: BLE001 - the desktop's cell shows any exception's text
        expected, error = None, exc
    done = client.post("/xlwings/custom-functions-call", headers={"Authorization": token},
                       json={"client": "Office.js", "version": "0.37.8", "runtime": "1.4", "func_name": name,
                             "args": sent, "caller_address": "Sheet1!A1", "date_format": "yyyy/m/d"})
    from addin.errors import KaoheError

    if isinstance(error, KaoheError):
        assert (done.status_code, done.text) == (400, str(error)), f"{name}{tuple(args)}"
    elif error is not None:
        assert done.status_code >= 400, f"{name}{tuple(args)}: desktop raised {error!r}, served {done.text}"
    else:
        assert done.status_code == 200, f"{name}{tuple(args)}: {done.text}"
        assert shown(done.json()["result"]) == expected, f"{name}{tuple(args)}"


# --- the result's fast path equals xlwings' own conversion ------------------------------------

ANY_CELL = st.one_of(st.none(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                     st.booleans(), st.text(max_size=6), st.sampled_from(["#N/A", "#VALUE!", "不得评先：安全生产", ""]),
                     st.dates(dt.date(1950, 1, 1), dt.date(2100, 12, 31)))


@settings(max_examples=300, deadline=None)
@given(rows=st.integers(1, 4), width=st.integers(1, 3), cells=st.lists(ANY_CELL, min_size=12, max_size=12))
def test_plain_matrix__is_what_xlwings_convert_answers_or_none(rows, width, cells):
    """Property: for any matrix, plain_matrix answers exactly what xlwings 0.37.8's
    Office.js ``convert`` answers, or None (then the call goes through ``convert``); it
    answers for every matrix of finite numbers, booleans, blanks and text not starting
    with "#". An xlwings upgrade that converts plain cells otherwise fails here."""
    import asyncio
    import math

    from addin.serve.calls import plain_matrix

    from xlwings.pro.udfs_officejs import convert

    value = [cells[r * width:(r + 1) * width] for r in range(rows)]
    fast = plain_matrix(value)
    stock = asyncio.run(convert([list(r) for r in value], {"options": {}},
                                {"runtime": "1.4", "date_format": "yyyy/m/d", "culture_info_name": "zh-CN"}))
    plain = all(c is None or type(c) in (int, bool) or (type(c) is float and math.isfinite(c))
                or (type(c) is str and not c.startswith("#")) for row in value for c in row)
    assert (fast is not None) == plain, value
    if fast is not None:
        assert fast == stock, value


def test_plain_matrix__leaves_scalars_ragged_rows_and_dates_to_convert():
    from addin.serve.calls import plain_matrix

    for value in (5, "x", [], [[]], [1, 2], [[1], [2, 3]], [[dt.date(2026, 1, 5)]], [[float("nan")]], [["#N/A"]]):
        assert plain_matrix(value) is None, value
    assert plain_matrix([[1, None], ["是", 2.5]]) == [[1, ""], ["是", 2.5]]
