"""Result versions: publish the master's current results as a frozen version, and list
what changed between two versions (after appeals, v2 against v1)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from addin.errors import KaoheError
from addin.hosts import FileHost
from addin.intake.store import Store, archive_path
from addin.results import HEADERS, ResultTable
from addin.workbook.tables import Table, code_text, find_table
from addin.workbook.text import xlsx_options

RESULT_SHEETS = {
    "department": ("部门排名", "单位编码", "分口", "综合得分", "口内名次", None, "先进集体"),
    "district": ("区市排名", "单位编码", None, "综合得分", "名次", None, "先进集体"),
    "person": ("人员等次", "人员编码", "单位编码", "总分", "名额范围内名次", "等次", "拟表彰"),
}
FIELDS = {"score": "得分", "rank": "名次", "grade": "等次", "award": "评先/表彰"}


class ArchiveError(KaoheError):
    pass


def _table(host: FileHost, sheet: str, required: list[str], optional: list[str] = ()) -> Table | None:
    """A table on a sheet of the master, None when the sheet is absent; a bad header is an error."""
    values = host.sheet_values(sheet)
    if values is None:
        return None
    found = find_table(sheet, values, required, optional)
    if not isinstance(found, Table):
        raise ArchiveError(found.message)
    return found


def read_master_results(host: FileHost) -> dict[str, Table]:
    out = {}
    for kind, (sheet, *_rest) in RESULT_SHEETS.items():
        table = _table(host, sheet, HEADERS[sheet])
        if table is None:
            raise ArchiveError(f"汇总工作簿缺少结果表“{sheet}”，请先重新计算排名 [no result sheet {sheet}]")
        out[kind] = table
    return out


@dataclass(frozen=True)
class Published:
    year: int
    version: int
    rows: int


@dataclass(frozen=True)
class SchemeRecord:
    """The rules a version was computed by: what ``kaohe history`` and ``scheme diff`` name."""

    id: str
    version: str
    hash: str
    text: str


def scheme_record(scheme, path: Path) -> SchemeRecord:
    """The record of a scheme loaded from ``path`` (its YAML text as the office wrote it)."""
    from addin.scheme.loader import scheme_hash

    return SchemeRecord(scheme.id, scheme.version, scheme_hash(scheme), Path(path).read_text(encoding="utf-8"))


def scheme_label(record: SchemeRecord | None) -> str:
    return "（未记录）" if record is None else f"{record.id} {record.version}（{record.hash[:12]}）"


class Unchanged(ArchiveError):
    """The results equal the last published version's: no new version is made."""


def publish(master: Path, year: int, note: str = "", *, scheme: SchemeRecord | None = None,
            force: bool = False) -> Published:
    """Freeze the master's current results as the next version of ``year``, with the scheme
    they were computed by. Results equal to the last version's make no new version (an
    :class:`Unchanged`), unless ``force``."""
    host = FileHost(master)
    tables = read_master_results(host)
    if not tables["department"].rows and not tables["person"].rows:
        raise ArchiveError("结果表为空，请先重新计算排名 [the result sheets are empty: recompute first]")
    results = []
    for kind, (_sheet, key, unit, score, rank, grade, award) in RESULT_SHEETS.items():
        for _row, rec in tables[kind].rows:
            results.append((kind, code_text(rec[key]), rec.get("单位名称") or rec.get("姓名"),
                            rec.get(unit) if unit else None, _text(rec.get(score)), rec.get(rank),
                            rec.get(grade) if grade else None, rec.get(award), rec.get("说明")))
    store = Store(archive_path(master))
    try:
        with store.transaction() as db:
            last = db.execute("SELECT MAX(version) FROM versions WHERE year = ?", (year,)).fetchone()[0]
            if last is not None and not force:
                before = db.execute("SELECT kind, code, name, unit, score, rank, grade, award, trace FROM results "
                                    "WHERE year = ? AND version = ?", (year, last)).fetchall()
                same_scheme = scheme is None or db.execute(
                    "SELECT scheme_hash FROM versions WHERE year = ? AND version = ?", (year, last)
                ).fetchone()[0] in (None, scheme.hash)
                if same_scheme and sorted(map(tuple, before), key=repr) == sorted(results, key=repr):
                    raise Unchanged(f"{year}年度的结果与已发布的 v{last} 完全相同，未新建版本；如确需新建，请加 --force "
                                    f"[results equal v{last}: no new version made]")
            version = (last or 0) + 1
            db.execute("INSERT INTO versions (year, version, published_at, master_hash, note, scheme_id, "
                       "scheme_version, scheme_hash, scheme_yaml) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (year, version, dt.datetime.now().isoformat(timespec="seconds"),
                        hashlib.sha256(host.data).hexdigest(), note, *(
                            (scheme.id, scheme.version, scheme.hash, scheme.text) if scheme else (None,) * 4)))
            rows = [(year, version, *r) for r in results]
            db.executemany("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            _record_roster(db, host, year)
    finally:
        store.close()
    stamp_master(host, tables, f"已发布 {year}年度 v{version}（{dt.date.today().isoformat()}）")
    return Published(year, version, len(rows))


def stamp_master(host: FileHost, tables: dict[str, Table], stamp: str) -> None:
    """Rewrite the result sheets as they are, with the version stamped beside the header."""
    for kind, table in tables.items():
        headers = sorted(table.columns, key=table.columns.get)
        host.write_tables([ResultTable(RESULT_SHEETS[kind][0], headers, [[rec.get(h) for h in headers]
                                                                          for _row, rec in table.rows], stamp=stamp)])
    host.finish()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return format(value, ".2f") if isinstance(value, float) else str(value)


def versions(master: Path, year: int) -> list[tuple[int, str, str]]:
    store = Store(archive_path(master))
    try:
        return list(store.db.execute("SELECT version, published_at, note FROM versions WHERE year = ? ORDER BY version",
                                     (year,)))
    finally:
        store.close()


def version_schemes(master: Path) -> dict[tuple[int, int], SchemeRecord | None]:
    """The scheme of every published version, by (year, version); None for a version
    published before versions recorded their scheme."""
    store = Store(archive_path(master))
    try:
        rows = store.db.execute("SELECT year, version, scheme_id, scheme_version, scheme_hash, scheme_yaml "
                                "FROM versions").fetchall()
    finally:
        store.close()
    return {(y, v): SchemeRecord(i, ver, h, t) if h else None for y, v, i, ver, h, t in rows}


def latest_scheme(master: Path, year: int) -> SchemeRecord:
    found = {k: v for k, v in version_schemes(master).items() if k[0] == year and v is not None}
    if not found:
        raise ArchiveError(f"{year}年度没有记录了考核方案的已发布版本 [no published version of {year} records its "
                           f"scheme]")
    return found[max(found)]


@dataclass(frozen=True)
class Change:
    kind: str
    code: str
    name: str
    field: str
    old: Any
    new: Any


def diff(master: Path, year: int, a: int, b: int) -> list[Change]:
    """Every changed score, rank, grade and award between two published versions."""
    store = Store(archive_path(master))
    try:
        known = {v for (v,) in store.db.execute("SELECT version FROM versions WHERE year = ?", (year,))}
        for v in (a, b):
            if v not in known:
                raise ArchiveError(f"{year}年度没有已发布的版本 v{v}（已有：{'、'.join(f'v{k}' for k in sorted(known)) or '无'}）"
                                   f" [no published version v{v} for {year}]")
        query = "SELECT kind, code, name, score, rank, grade, award FROM results WHERE year = ? AND version = ?"
        old = {(r[0], r[1]): r for r in store.db.execute(query, (year, a))}
        new = {(r[0], r[1]): r for r in store.db.execute(query, (year, b))}
    finally:
        store.close()
    changes = []
    for key in sorted(old.keys() | new.keys()):
        o, n = old.get(key), new.get(key)
        name = (n or o)[2] or ""
        if o is None or n is None:
            changes.append(Change(key[0], key[1], name, "记录", "无" if o is None else "有", "无" if n is None else "有"))
            continue
        for i, field in enumerate(("score", "rank", "grade", "award"), start=3):
            if o[i] != n[i]:
                changes.append(Change(key[0], key[1], name, field, o[i], n[i]))
    return changes


KIND_ZH = {"department": "部门", "district": "区(市)", "person": "人员"}


def write_diff(changes: list[Change], path: Path, year: int, a: int, b: int) -> Path:
    import xlsxwriter

    from addin.workbook.atomic import write_atomically

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, xlsx_options(in_memory=True))
    ws = wb.add_worksheet(f"v{a}→v{b}")
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    cell = wb.add_format({"border": 1})
    ws.write(0, 0, f"{year}年度考核结果变更（v{a} → v{b}），共 {len(changes)} 处", wb.add_format({"bold": True,
                                                                                              "font_size": 13}))
    for c, (text, width) in enumerate((("类别", 8), ("编码", 12), ("名称", 18), ("项目", 10), (f"v{a}", 14),
                                       (f"v{b}", 14))):
        ws.set_column(c, c, width)
        ws.write(2, c, text, head)
    for r, ch in enumerate(changes, start=3):
        ws.write_row(r, 0, [KIND_ZH[ch.kind], ch.code, ch.name, FIELDS.get(ch.field, ch.field),
                            "" if ch.old is None else ch.old, "" if ch.new is None else ch.new], cell)
    ws.freeze_panes(3, 0)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    wb.close()
    write_atomically(Path(path), buf.getvalue(), backup=False)
    return Path(path)


def _record_roster(db, host: FileHost, year: int) -> None:
    """Keep the units (group, head), the people and the year's appeals (as recompute
    checked them on 申诉情况) with each version."""
    from addin.numbers import read_flag

    def rows(sheet: str, required: list[str], optional: list[str] = ()) -> list[dict]:
        found = _table(host, sheet, required, optional)
        return [rec for _n, rec in found.rows] if found else []

    people = rows("人员", ["人员编码", "姓名", "单位编码", "层级", "主要负责人"])
    heads = {code_text(p["单位编码"]): code_text(p["人员编码"]) for p in people
             if read_flag(p["主要负责人"], "主要负责人", blank=False)[0]}
    units = [(code_text(u["单位编码"]), u["单位名称"], kind, u.get("分口"), heads.get(code_text(u["单位编码"])))
             for sheet, kind in (("部门", "部门"), ("区市", "区市"))
             for u in rows(sheet, ["单位编码", "单位名称"], ["分口"])]
    db.executemany("INSERT OR REPLACE INTO units VALUES (?, ?, ?, ?, ?)", units)
    db.executemany("INSERT OR REPLACE INTO people VALUES (?, ?, ?, ?)",
                   [(code_text(p["人员编码"]), p["姓名"], code_text(p["单位编码"]), p["层级"]) for p in people])
    appeals = rows("申诉情况", HEADERS["申诉情况"])
    db.execute("DELETE FROM appeals WHERE year = ?", (year,))
    db.executemany("INSERT INTO appeals (year, code, notified, lodged, in_time, reply_due, replied, outcome) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   [(year, code_text(a["编码"]), a["书面通知日期"], a["申诉日期"], int(a["是否在期限内"] == "是"),
                     a["答复期限"], a["答复日期"], a["处理结果"]) for a in appeals])
