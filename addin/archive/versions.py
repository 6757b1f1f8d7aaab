"""Result versions: publish the master's current results as a frozen version, sealed onto
the archive's hash chain (:mod:`addin.archive.chain`) and stamped into the master
(:mod:`addin.archive.stamp`); list the versions and what changed between two of them (after
appeals, v2 against v1). Every read checks the chain first."""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from addin.archive.chain import Link, check_archive, check_links, check_version, seal, stage_rows, unrecorded
from addin.archive.errors import ArchiveError
from addin.archive.stamp import checked_archive, is_stamped, office_records, stamp_tables
from addin.environment import EnvironmentFailure, environment_failure
from addin.hosts import FileHost
from addin.provenance.writes import mark_version
from addin.intake.store import Store, archive_path
from addin.office.folder import office_of
from addin.results import HEADERS
from addin.scheme.audit_columns import AUDIT_RESULT_HEADERS, AUDIT_RESULT_SHEET, AUDIT_SHEET
from addin.workbook.tables import Table, code_text, find_table
from addin.workbook.text import xlsx_options

NOTHING_CHANGED = "，本次未作任何更改 [nothing was changed]"
"""The end of an environment failure's message (addin.environment): not true after a
version was committed, so a failed stamp says what was done instead."""

RESULT_SHEETS = {
    "department": ("部门排名", "单位编码", "分口", "综合得分", "口内名次", None, "先进集体"),
    "district": ("区市排名", "单位编码", None, "综合得分", "名次", None, "先进集体"),
    "person": ("人员等次", "人员编码", "单位编码", "总分", "名额范围内名次", "等次", "拟表彰"),
}
AUDIT_RESULTS = {"audit": (AUDIT_RESULT_SHEET, "单位编码", "类别", "得分率", "名次", None, "先进集体")}
"""The audit bureau's results (kind ``audit``): published when the master has them (a master
made before the bureau's table has not)."""
FIELDS = {"score": "得分", "rank": "名次", "grade": "等次", "award": "评先/表彰"}


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
    for kind, (sheet, *_rest) in AUDIT_RESULTS.items():
        table = _table(host, sheet, AUDIT_RESULT_HEADERS)
        if table is not None:
            out[kind] = table
    return out


def result_sheets(tables: dict[str, Table]) -> dict[str, tuple]:
    """The result sheets of a master's ``tables``: every kind's, the audit bureau's when present."""
    return {**RESULT_SHEETS, **{k: v for k, v in AUDIT_RESULTS.items() if k in tables}}


@dataclass(frozen=True)
class Published:
    year: int
    version: int
    rows: int
    completed: bool = False
    """No new version: the stamp of this already published version was completed in the
    master (a publish whose stamp had failed, run again)."""


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


class StampFailed(EnvironmentFailure):
    """The version is in the archive, but the machine stopped the stamp of the master."""


def publish(master: Path, year: int, note: str = "", *, scheme: SchemeRecord | None = None,
            force: bool = False, by: str | None = None) -> Published:
    """Freeze the master's current results as the next version of ``year``, with the scheme
    they were computed by and who published it (``by``, the login name by default), sealed
    onto the archive's chain (:mod:`addin.archive.chain`); then stamp the master
    (:mod:`addin.archive.stamp`). Results equal to the last version's make no new version
    (an :class:`Unchanged`), unless ``force``.

    The version is committed before the master is stamped. When the stamp fails (a full
    disk), :class:`StampFailed` says exactly that; run again, publish finds the committed
    version that the master does not record, and — the master's results being that
    version's — stamps it without making another (``Published.completed``)."""
    host = FileHost(master)
    tables = read_master_results(host)
    sheets = result_sheets(tables)
    if not any(tables[k].rows for k in ("department", "person", *AUDIT_RESULTS) if k in tables):
        raise ArchiveError("结果表为空，请先重新计算排名 [the result sheets are empty: recompute first]")
    results = []
    for kind, (_sheet, key, unit, score, rank, grade, award) in sheets.items():
        for _row, rec in tables[kind].rows:
            results.append((kind, code_text(rec[key]), rec.get("单位名称") or rec.get("姓名"),
                            rec.get(unit) if unit else None, _text(rec.get(score)), rec.get(rank),
                            rec.get(grade) if grade else None, rec.get(award), rec.get("说明")))
    records = office_records(master, host)
    store = Store(archive_path(master))
    try:
        with store.transaction() as db:
            checked = check_archive(db, records, allow_pending=year)
            links = checked.links
            last = checked.latest().get(year)
            record = records.get(year, (None, ""))[0]
            version = (last.version if last else 0) + 1
            rows = stage_rows(db, [(year, version, *r) for r in results])
            made = False
            if checked.pending:  # committed, not recorded in the master: complete its stamp, if it is this
                shown = checked.pending[-1]
                if len(checked.pending) > 1 or not _same(db, shown, rows, scheme):
                    raise unrecorded(checked.pending[0], master.name)
            elif last is not None and not force and _same(db, last, rows, scheme):
                if record is not None and is_stamped(host, [s for s, *_ in sheets.values()], last):
                    raise Unchanged(f"{year}年度的结果与已发布的 v{last.version} 完全相同，未新建版本；如确需新建，"
                                    f"请加 --force [results equal v{last.version}: no new version made]")
                shown = last  # the master shows it, without its stamp or without the publish record
            else:
                seal(db, {"year": year, "version": version, "published_at": _now(),
                          "published_by": by or getpass.getuser(), "master_hash": hashlib.sha256(host.data).hexdigest(),
                          "note": note, **_scheme_fields(scheme)}, rows, last)
                _record_roster(db, host, year)
                mark_version(db, year, version)  # the writes it was published after (issue 26)
                links = check_links(db)
                shown, made = [x for x in links if x.year == year][-1], True
    finally:
        store.close()
    try:
        # in an office each year's master keeps its own year's chain; a master with an archive
        # of its own keeps every year's (it alone speaks for that archive)
        kept = links if office_of(Path(master).parent) is None else [x for x in links if x.year == shown.year]
        host.write_tables(stamp_tables({k: (sheets[k][0], t) for k, t in tables.items()}, kept, shown))
        host.finish()
    except OSError as exc:
        failure = _stamp_failed(exc, master, shown)
        if failure is None:
            raise
        raise failure from None
    return Published(shown.year, shown.version, len(rows), completed=not made)


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _scheme_fields(scheme: SchemeRecord | None) -> dict[str, str | None]:
    return {"scheme_id": scheme.id if scheme else None, "scheme_version": scheme.version if scheme else None,
            "scheme_hash": scheme.hash if scheme else None, "scheme_yaml": scheme.text if scheme else None}


def _same(db, link: Link, rows: list[tuple], scheme: SchemeRecord | None) -> bool:
    """``rows`` (staged) are ``link``'s results (checked against its record), and ``scheme``
    (when given) is the one it recorded."""
    if scheme is not None and link.scheme_hash not in (None, scheme.hash):
        return False
    return [r[2:] for r in check_version(db, link)] == [r[2:] for r in rows]


def _stamp_failed(exc: OSError, master: Path, shown: Link) -> StampFailed | None:
    """The truth after a stamp the machine stopped: the version is in the archive, the
    master is as it was, and running publish again completes the stamp."""
    failure = environment_failure(exc, master.parent)
    if failure is None:
        return None
    reason = str(failure).replace(NOTHING_CHANGED, "").split("；", 1)[-1]  # 无法写入…；<the reason>
    return StampFailed(
        f"{shown.year}年度 v{shown.version} 已发布并写入考核档案，但未能在汇总工作簿 {master.name} 上标记（汇总工作簿未改动）："
        f"{reason}。"
        f"处理后请再运行一次 kaohe publish {master} --year {shown.year}：将补写标记，不会新建版本；补写之前，读取档案的命令"
        f"（公示、通知、历年记录等）会因汇总工作簿没有记录 v{shown.version} 而停止 [v{shown.version} of {shown.year} is "
        f"in the archive but the master was not stamped: run kaohe publish again to complete the stamp (no new version "
        f"is made)]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return format(value, ".2f") if isinstance(value, float) else str(value)


def versions(master: Path, year: int) -> list[tuple[int, str, str]]:
    """The published versions of ``year``: (version, published at, note), the chain checked.
    A version committed after the master's publish record (its stamp failed) is listed too:
    it is in the archive, and the next publish completes its stamp; reads of results stop
    on it until then."""
    with checked_archive(master, allow_pending=year) as (_db, checked):
        return [(x.version, x.published_at, x.note) for x in checked.links if x.year == year]


def version_schemes(master: Path) -> dict[tuple[int, int], SchemeRecord | None]:
    """The scheme of every published version, by (year, version); None for a version
    published before versions recorded their scheme. The chain checked."""
    with checked_archive(master) as (_db, checked):
        return {(x.year, x.version): SchemeRecord(x.scheme_id, x.scheme_version, x.scheme_hash, x.scheme_yaml)
                if x.scheme_hash else None for x in checked.links}


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
    """Every changed score, rank, grade and award between two published versions (both
    checked against the chain)."""
    with checked_archive(master) as (db, checked):
        known = {x.version for x in checked.links if x.year == year}
        for v in (a, b):
            if v not in known:
                raise ArchiveError(f"{year}年度没有已发布的版本 v{v}（已有：{'、'.join(f'v{k}' for k in sorted(known)) or '无'}）"
                                   f" [no published version v{v} for {year}]")
        # year, version, kind, code, name, unit, score, rank, grade, award, trace → kind, code, name, score…award
        old, new = ({(r[2], r[3]): (r[2], r[3], r[4], *r[6:10]) for r in check_version(db, checked.find(year, v))}
                    for v in (a, b))
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


KIND_ZH = {"department": "部门", "district": "区(市)", "person": "人员", "audit": "审计局"}


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
    units += [(code_text(u["单位编码"]), u["单位名称"], u["类别"], None, None)  # the audit bureau's, by 类别
              for u in rows(AUDIT_SHEET, ["单位编码", "单位名称", "类别"])]
    db.executemany("INSERT OR REPLACE INTO units VALUES (?, ?, ?, ?, ?)", units)
    db.executemany("INSERT OR REPLACE INTO people VALUES (?, ?, ?, ?)",
                   [(code_text(p["人员编码"]), p["姓名"], code_text(p["单位编码"]), p["层级"]) for p in people])
    appeals = rows("申诉情况", HEADERS["申诉情况"])
    db.execute("DELETE FROM appeals WHERE year = ?", (year,))
    db.executemany("INSERT INTO appeals (year, code, notified, lodged, in_time, reply_due, replied, outcome) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   [(year, code_text(a["编码"]), a["书面通知日期"], a["申诉日期"], int(a["是否在期限内"] == "是"),
                     a["答复期限"], a["答复日期"], a["处理结果"]) for a in appeals])
