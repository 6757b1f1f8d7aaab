"""`kaohe serve` benchmark: the formulas and the button through xlwings Server, over HTTP on
a real socket on 127.0.0.1 (uvicorn serving kaohe's app in this process, a clerk's token on
every call, one kept-alive connection as Excel's client keeps one).

- formula calls per second: a one-cell ASSESS_COMPOSITE, one call after the other;
- a 1,000-row RANK_IN_GROUP array call over HTTP (target ≤ 20 ms on loopback, issue 25), and
  the same call's conversion in this process through kaohe's adapter
  (addin/serve/calls.py) against xlwings 0.37.8's stock ``custom_functions_call`` (its
  per-cell Pyodide null check): the baseline ratio;
- 重新计算排名 on a book of 500 departments, 10 districts and 3,000, 20,000 and 100,000
  staff (the masters of bench/recompute_bench.py), with the request and response sizes
  against Excel on the web's 5 MB cap: once as desktop Excel posts it (no cap: the whole
  answer) and once as Excel on the web does (above the cap: one message, nothing written).

Run: .venv/bin/python bench/serve_bench.py   (KAOHE_BENCH_SIZE=tiny: a few calls, 300 staff, see
bench/size.py). Needs the extra: pip install -e '.[server]' (``make`` installs it).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from size import choose_size  # noqa: E402

from addin.serve.environment import ServerMissing, configure_server, require_server  # noqa: E402

MB = 1024 * 1024
BODY = {"client": "Office.js", "version": "0.37.8", "runtime": "1.4", "culture_info_name": "zh-CN",
        "date_format": "yyyy/m/d", "caller_address": "Sheet1!C2"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """kaohe's app under uvicorn on 127.0.0.1 in a thread of this process."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    timeout_keep_alive=120))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise SystemExit("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


class Client:
    """One kept-alive HTTP/1.1 connection with the clerk's token."""

    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.token = token

    def post(self, path: str, body: bytes, **headers: str) -> tuple[int, bytes]:
        self.conn.request("POST", path, body=body, headers={"Content-Type": "application/json",
                                                            "Authorization": self.token, **headers})
        answer = self.conn.getresponse()
        return answer.status, answer.read()

    def call(self, func: str, *args) -> tuple[int, bytes]:
        body = json.dumps({**BODY, "func_name": func, "args": list(args)}).encode()
        return self.post("/xlwings/custom-functions-call", body)


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def year_folder(tmp: Path) -> Path:
    """A year folder made by ``kaohe init``, as an office makes it."""
    folder = tmp / "2026考核"
    subprocess.run([sys.executable, "-m", "addin.cli", "init", str(folder), "--year", "2026"], check=True,
                   capture_output=True, cwd=tmp)
    return folder


def book_payload(master: Path, include: list[str]) -> bytes:
    """The book as xlwings' Office.js client posts it for the button: every sheet named,
    the included ones with their values (blanks as ""), the others ``[[]]``."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(master))
    sheets = [{"name": name, "values": (book.get_sheet_by_name(name).to_python(skip_empty_area=False) or [[""]])
               if name in include else [[]], "pictures": [], "tables": [], "names": []} for name in book.sheet_names]
    return json.dumps({"client": "Office.js", "version": "0.37.8", "book": {"name": master.name, "active_sheet_index": 0,
                       "selection": "A1"}, "sheets": sheets, "names": []}, ensure_ascii=False).encode("utf-8")


def rank_args(rows: int) -> list:
    rng = random.Random(25)
    scores = [[round(rng.uniform(60, 100), 2)] for _ in range(rows)]
    groups = [[f"第{i % 20 + 1}口"] for i in range(rows)]
    return [scores, groups, None]


def bench_calls(client: Client, master: Path) -> None:
    from addin.serve.calls import ServedCaller, call_arguments, call_function
    from addin.serve.catalog import served_functions

    import xlwings.server

    n = choose_size(2_000, 20)
    status, answer = client.call("ASSESS_COMPOSITE", [[60]], [[27]], [[3]], [[1]])
    assert (status, json.loads(answer)) == (200, {"result": [[85.0]]}), (status, answer)  # 60 + 27 + 3 − 1 × 5
    one = median_time(lambda: client.call("ASSESS_COMPOSITE", [[60]], [[27]], [[3]], [[1]]), n)
    print(f"  one-cell ASSESS_COMPOSITE over HTTP: {one * 1000:.2f} ms a call, {1 / one:,.0f} calls/s "
          f"({n:,} calls one after the other)")

    rows = 1_000
    args = rank_args(rows)
    status, answer = client.call("RANK_IN_GROUP", *args)
    result = json.loads(answer)["result"]
    assert status == 200 and len(result) == rows and all(1 <= r[0] <= rows for r in result), (status, answer[:200])
    runs = choose_size(50, 3)
    over_http = median_time(lambda: client.call("RANK_IN_GROUP", *args), runs)

    functions = served_functions()
    data = {**BODY, "func_name": "RANK_IN_GROUP", "args": args}
    module = types.SimpleNamespace(RANK_IN_GROUP=functions["RANK_IN_GROUP"])
    ours = median_time(lambda: asyncio.run(call_function(data, functions, master)), runs)
    stock = median_time(lambda: asyncio.run(xlwings.server.custom_functions_call(data, module)), runs)
    cells = call_arguments(functions["RANK_IN_GROUP"], args, ServedCaller(master, BODY["caller_address"]))
    itself = median_time(lambda: functions["RANK_IN_GROUP"](*cells), runs)
    stock_result = asyncio.run(xlwings.server.custom_functions_call(data, module))
    assert [r[0] for r in stock_result] == [r[0] for r in result], "the stock call ranks differently"
    print(f"  {rows:,}-row RANK_IN_GROUP over HTTP: median {over_http * 1000:.1f} ms (target ≤ 20 ms on loopback; "
          f"{runs} calls)")
    print(f"    in this process, the call's conversion and the function: kaohe's adapter {ours * 1000:.1f} ms, "
          f"xlwings 0.37.8's custom_functions_call {stock * 1000:.1f} ms → stock/kaohe {stock / ours:.1f}×; of which "
          f"RANK_IN_GROUP itself (the engine, as on a PC) {itself * 1000:.1f} ms")


def bench_button(client: Client, tmp: Path, include: list[str]) -> None:
    from recompute_bench import make_master

    from addin.scheme import load_municipal

    scheme = load_municipal()
    print("  重新计算排名 on a served book (500 departments, 10 districts), request and response against Excel on the "
          "web's 5 MB cap:")
    for staff in choose_size((3_000, 20_000, 100_000), (300,)):
        master = tmp / f"book{staff}.xlsx"
        make_master(master, random.Random(5), scheme, staff)
        body = book_payload(master, include)
        t0 = time.perf_counter()
        status, desktop = client.post("/xlwings/custom-scripts-call/recompute", body, **{"Kaohe-Platform": "PC"})
        on_desktop = time.perf_counter() - t0
        alert = [a for a in json.loads(desktop)["actions"] if a["func"] == "alert"]
        assert status == 200 and alert[0]["args"][0].startswith("计算完成"), (status, desktop[:300])
        t0 = time.perf_counter()
        status, web = client.post("/xlwings/custom-scripts-call/recompute", body, **{"Kaohe-Platform": "OfficeOnline"})
        on_web = time.perf_counter() - t0
        web_actions = json.loads(web)["actions"]
        over = len(body) > 5 * MB or len(desktop) > 5 * MB
        print(f"    {staff:>7,} staff: request {len(body) / MB:5.2f} MB, response {len(desktop) / MB:5.2f} MB "
              f"{'— ABOVE the 5 MB cap' if over else '(within the 5 MB cap)'}; desktop Excel {on_desktop:.2f} s")
        if len(web_actions) == 1:
            print(f"             Excel on the web: {on_web:.2f} s, {len(web) / 1024:.1f} KB back: one message, nothing "
                  f"written: {web_actions[0]['args'][0][:48]}…")
        else:
            print(f"             Excel on the web: {on_web:.2f} s, the whole answer ({len(web) / MB:.2f} MB)")
        if len(body) > 5 * MB:
            print("             (the request alone is above the 5 MB cap)")


def main() -> None:
    try:
        require_server()
    except ServerMissing as exc:
        raise SystemExit(str(exc)) from None
    configure_server()
    import logging

    from addin.serve.app import serve_app
    from addin.serve.button import included_sheets
    from addin.serve.tokens import add_token

    print("kaohe serve benchmark — kaohe's app in front of xlwings Server 1.20, uvicorn on 127.0.0.1, one kept-alive "
          "connection, a clerk's token on every call")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        folder = year_folder(tmp)
        token = add_token(folder, "基准")
        master = folder / "考核汇总.xlsx"
        app = serve_app(folder, master)
        for logger in ("kaohe.serve", "xlwings_server"):  # a line per call, as a server logs them: not here
            logging.getLogger(logger).setLevel(logging.WARNING)
        from addin.serve.year import served_year

        include = included_sheets(served_year().scheme())
        with Served(app) as served:
            client = Client(served.port, token)
            bench_calls(client, master)
            bench_button(client, tmp, include)
            client.conn.close()


if __name__ == "__main__":
    main()
