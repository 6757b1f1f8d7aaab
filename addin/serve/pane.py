"""The task pane (``/taskpane.html``): the year's status from the archive, for the office.

Plain HTML rendered on the server, readable without Office.js: the units that submitted,
the units still missing, the files held with their 报送编号, and the last recompute's
outcome. That outcome has two sources, both shown:

- the archive's last published version of the year (``kaohe publish`` seals the master's
  results as recomputed, with when, by whom and the note): durable, the same for every
  server process and after a restart, and the office's official record. The archive
  records publishes, not recomputes, so a recompute that was never published is not in it;
  a broken archive chain is shown as its reason, not as a page error;
- this server's last 重新计算排名 (clerk, time, message), in memory only: the served
  button never writes the master on the server's disk nor the archive (the book is the
  clerk's, in their Excel), so there is nothing durable to read it back from.

The status itself is served only to a clerk with a token (``GET /kaohe/status``, the same
check as every call, 401 without): the page is a shell that loads it with the token kept in
the browser's storage, so nobody on the intranet reads unit names or held files without
one. A link ending ``#token=…`` stores the token once and is then cleared from the address
(a fragment never reaches the server, nor its log).

In Excel the same page is the add-in's shared runtime:
it loads Office.js, xlwings' client and the functions' code, associates the ribbon's
重新计算排名 with the recompute script, and keeps the clerk's token (entered once here) in
the browser's storage for every call (``globalThis.getAuth``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

TAKEN = ("accepted", "warning", "superseded")


@dataclass
class YearStatus:
    year: int | None
    submitted: list[tuple[str, str]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)
    held: list[tuple[int, str, str, str]] = field(default_factory=list)
    """(报送编号, unit code, unit name, file name)."""
    published: Publication | None = None
    """The archive's last published version of the year, if any."""
    archive_problem: str | None = None
    """Why the archive's versions could not be read (a broken chain), in the clerks' words."""


@dataclass(frozen=True)
class Publication:
    version: int
    at: str
    by: str | None
    note: str


def last_publication(master: Path, year: int) -> Publication | None:
    """The last version of ``year`` in the archive beside ``master``, the chain checked
    (:func:`addin.archive.stamp.checked_archive`); None when none is published or there is
    no archive yet (none is made: a page view writes nothing)."""
    from addin.archive.stamp import checked_archive
    from addin.intake.store import archive_path

    if not archive_path(master).exists():
        return None
    with checked_archive(master, allow_pending=year) as (_db, checked):
        links = [x for x in checked.links if x.year == year]
    if not links:
        return None
    last = max(links, key=lambda x: x.version)
    return Publication(last.version, last.published_at, last.published_by, last.note or "")


def roster_units(master: Path) -> list[tuple[str, str]]:
    """(单位编码, 单位名称) of the master's 部门 and 区市 tables."""
    from python_calamine import CalamineWorkbook

    from addin.workbook.tables import code_text

    book = CalamineWorkbook.from_path(str(master))
    units = []
    for sheet in ("部门", "区市"):
        if sheet not in book.sheet_names:
            continue
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        if not rows:
            continue
        head = [str(h).strip() for h in rows[0]]
        if "单位编码" not in head:
            continue
        code_at, name_at = head.index("单位编码"), head.index("单位名称") if "单位名称" in head else None
        for row in rows[1:]:
            code = code_text(row[code_at])
            if code:
                units.append((code, code_text(row[name_at]) if name_at is not None else ""))
    return units


def year_status(master: Path, year: int | None) -> YearStatus:
    """The status of ``year`` from the archive beside ``master`` (none yet: all missing)."""
    from addin.archive.errors import ArchiveError
    from addin.intake.run import HELD, year_submissions
    from addin.intake.store import archive_path

    units = roster_units(master)
    status = YearStatus(year)
    rows = year_submissions(master, year)[0] if archive_path(master).exists() else []
    done = {r["unit_code"] for r in rows if r["status"] in TAKEN and r["unit_code"]}
    status.submitted = [(c, n) for c, n in units if c in done]
    status.missing = [(c, n) for c, n in units if c not in done]
    status.held = [(r["number"], r["unit_code"] or "", r["unit_name"] or "", r["file_name"]) for r in rows
                   if r["status"] == HELD]
    if year is not None:
        try:
            status.published = last_publication(master, year)
        except ArchiveError as exc:
            status.archive_problem = str(exc)
    return status


@dataclass
class LastRun:
    """The last recompute through this server's button."""

    at: dt.datetime
    clerk: str
    message: str


def _table(table_id: str, headers: list[str], rows: list[tuple]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    if not rows:
        body = f'<tr class="none"><td colspan="{len(headers)}">无</td></tr>'
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _published_line(status: YearStatus) -> str:
    if status.archive_problem:
        return f"档案无法读取：{status.archive_problem}"
    p = status.published
    if p is None:
        return "本年度尚未发布结果（kaohe publish） [nothing published yet]"
    by = f"，{p.by}" if p.by else ""
    note = f"：{p.note}" if p.note else ""
    return f"最近发布：v{p.version}（{p.at.replace('T', ' ')}{by}）{note}"


STYLE = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;font-size:13px;margin:12px;color:#222}
h1{font-size:16px;margin:0 0 8px}h2{font-size:14px;margin:14px 0 4px}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}
th{background:#f2f2f2}tr.none td{color:#888}.outcome{background:#fff2cc;padding:6px}
#token-form{margin-top:14px}#token-form input{width:60%}"""

SCRIPT = """
globalThis.getAuth = async function () {
  return { token: localStorage.getItem("kaohe-token") || "", provider: "custom" };
};
async function loadStatus() {
  const token = localStorage.getItem("kaohe-token");
  const box = document.getElementById("status");
  if (!token) { box.textContent = "请输入令牌后查看本年度报送情况 [enter your token to see the year's status]"; return; }
  const answer = await fetch("/kaohe/status", { headers: { "Authorization": token, "Auth-Provider": "custom" } });
  if (answer.ok) { box.innerHTML = await answer.text(); return; }
  box.textContent = answer.status === 401 ? "令牌无效，请重新输入 [the token was refused]"
                                          : "无法读取本年度报送情况 [status " + answer.status + "]";
}
const given = new URLSearchParams(location.hash.slice(1)).get("token");
if (given) {
  localStorage.setItem("kaohe-token", given.trim());
  // Office.js removes history.replaceState in its host; clearing the fragment works everywhere
  if (typeof history.replaceState === "function") { history.replaceState(null, "", location.pathname); }
  else { location.hash = ""; }
}
document.getElementById("token-form").addEventListener("submit", function (event) {
  event.preventDefault();
  localStorage.setItem("kaohe-token", document.getElementById("token").value.trim());
  document.getElementById("token-saved").textContent = "令牌已保存";
  loadStatus();
});
loadStatus();
if (globalThis.Office) {
  Office.onReady(function () {
    Office.actions.associate("%(action)s", async function (event) {
      const auth = await globalThis.getAuth();
      await xlwings.runPython({
        scriptName: "recompute",
        auth: auth.token,
        include: %(include)s,
        headers: { "Auth-Provider": auth.provider, "Kaohe-Platform": String(Office.context.platform) },
      });
      event.completed();
    });
  });
}
"""


def render_status(status: YearStatus, last: LastRun | None) -> str:
    """The year's status as an HTML fragment (``GET /kaohe/status``, for a clerk with a token)."""
    outcome = (f"{last.at:%Y-%m-%d %H:%M} {last.clerk}：{last.message}" if last
               else "启动以来尚无人点“重新计算排名” [no recompute through this server since it started]")
    return f"""<h2>上次计算</h2>
<p class="outcome" id="last-published">{escape(_published_line(status))}</p>
<p class="outcome" id="last-recompute">本服务：{escape(outcome)}</p>
<h2>已报送单位（{len(status.submitted)}）</h2>{_table("submitted", ["单位编码", "单位名称"], status.submitted)}
<h2>尚未报送（{len(status.missing)}）</h2>{_table("missing", ["单位编码", "单位名称"], status.missing)}
<h2>暂扣文件（{len(status.held)}）</h2>{_table("held", ["报送编号", "单位编码", "单位名称", "文件"], status.held)}"""


def render_pane(year: int | None, *, include: list[str], scripts: list[str], config: dict) -> str:
    """The page (see the module's docstring): a shell that loads :func:`render_status` with
    the clerk's token; ``scripts`` are the URLs of xlwings Server's client, ``config`` its
    client settings (``settings.jsconfig``)."""
    from addin.serve.manifest import RECOMPUTE_ACTION

    module = ' type="module"'
    tags = "\n".join(f'<script src="{escape(u)}"{module if u.endswith(("index.js", "config.js")) else ""}></script>'
                     for u in scripts)
    script = SCRIPT % {"action": RECOMPUTE_ACTION, "include": json.dumps(",".join(include), ensure_ascii=False)}
    year = f"{year}年度" if year else ""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>目标考核 {escape(year)}</title>
<style>{STYLE}</style>
<script id="config" type="application/json">{escape(json.dumps(config, ensure_ascii=False), quote=False)}</script>
{tags}
</head><body>
<h1>目标考核 {escape(year)} 报送情况</h1>
<div id="status"></div>
<form id="token-form"><label>令牌 <input id="token" type="password" autocomplete="off"></label>
<button type="submit">保存</button> <span id="token-saved"></span></form>
<script>{script}</script>
</body></html>"""
