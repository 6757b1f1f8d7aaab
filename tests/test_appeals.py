"""The appeal register: in time or not, the reply due date, overdue replies (SPEC §3)."""

import datetime as dt

import openpyxl

from addin.engine.appeals import AppealInput, check_appeals
from addin.hosts import FileHost
from addin.macro import recompute
from test_macro import master, rows  # noqa: F401 (fixture)

D = dt.date


def test_check_appeals__deadlines_replies_and_overdue(municipal):
    rules = municipal.appeals
    appeals = [
        # Notified Thu 24 Sep: 10 days end on Sun 4 Oct (National Day) → deadline Thu 8 Oct.
        # Lodged 8 Oct: in time; the reply's 10 days end Sun 18 Oct → due Mon 19 Oct. No reply by 20 Oct: overdue.
        AppealInput("P1", "张三", dt.datetime(2026, 9, 24), dt.datetime(2026, 10, 8)),
        AppealInput("P2", "李四", "2026-09-24", "2026-10-09"),  # one day late
        AppealInput("P3", "王五", D(2026, 9, 24), D(2026, 10, 8), D(2026, 10, 21), "维持"),  # replied late
        AppealInput("P4", "赵六", D(2026, 9, 24), "下周一"),
    ]
    statuses, alerts, problems = check_appeals(appeals, rules, today=D(2026, 10, 20))
    s = {a.code: a for a in statuses}
    assert (s["P1"].deadline, s["P1"].in_time, s["P1"].reply_due) == (D(2026, 10, 8), True, D(2026, 10, 19))
    assert (s["P2"].in_time, s["P2"].reply_due) == (False, None) and "已超过期限" in s["P2"].note
    assert "答复晚于期限（2026-10-19）" in s["P3"].note and s["P3"].outcome == "维持"
    assert [(a.record, a.kind) for a in alerts] == [("P1", "申诉逾期未答复")]
    assert [(p.record, p.field, p.code) for p in problems] == [("P4", "申诉日期", "not_a_date")]


def test_recompute__appeal_register_feeds_appeals_sheet_and_alerts(master, municipal):  # noqa: F811
    wb = openpyxl.load_workbook(master)
    ws = wb["申诉登记"]
    ws.append(["P04", "人员P04", dt.datetime(2026, 9, 24), dt.datetime(2026, 10, 8), None, None, None])
    ws.append(["B03", "部门B03", dt.datetime(2026, 9, 24), "十月", None, None, None])
    wb.save(master)
    out = recompute(FileHost(master), municipal, today=D(2026, 10, 20))
    assert not out.ok  # the bad date is an input error, located
    assert {(r["工作表"], r["单元格"]) for r in rows(master, "问题")} == {("申诉登记", "D3")}
    wb = openpyxl.load_workbook(master)
    wb["申诉登记"]["D3"] = dt.datetime(2026, 10, 9)
    wb.save(master)
    out = recompute(FileHost(master), municipal, today=D(2026, 10, 20))
    assert out.ok
    appeals = {r["编码"]: r for r in rows(master, "申诉情况")}
    assert (appeals["P04"]["是否在期限内"], appeals["P04"]["答复期限"]) == ("是", "2026-10-19")
    assert appeals["B03"]["是否在期限内"] == "否"
    assert ("P04", "申诉逾期未答复") in {(r["编码"], r["类别"]) for r in rows(master, "预警")}
