"""The master's stamp: what ``kaohe publish`` writes into the master workbook, and the check
of the archive against it.

Publishing writes two things into the master, in one atomic write:

- beside the header of each result sheet (部门排名, 区市排名, 人员等次), the version the
  sheet shows: ``已发布 2026年度 v2（2026-11-20；档案链第3条 3f9a0c…）``;
- the sheet 发布记录 (publish record): one row per link of the archive's chain (place,
  year, version, when, by whom, record hash) — the chain head and every link before it,
  kept outside the archive. Recompute rewrites the result sheets only, so the record
  stays until the next publish rewrites it.

Every read of a published version checks the archive's chain against this record
(:func:`checked_archive`), so a version forged with a correctly recomputed chain is found:
its hash is not in the master. Without the master (the file is not there) or with a master
that has no record yet, only the chain itself is checked (see :mod:`addin.archive.chain`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from addin.archive.chain import Checked, Link, RecordRow, check_archive
from addin.archive.errors import ArchiveError
from addin.hosts import FileHost
from addin.intake.store import Store, archive_path, master_of
from addin.results import ResultTable
from addin.workbook.tables import Table, find_table

RECORD_SHEET = "发布记录"
RECORD_HEADERS = ["档案链序号", "年度", "版本", "发布时间", "发布人", "记录哈希"]
RECORD_NOTE = ("由 kaohe publish 写入，用于核对考核档案未被改动，请勿修改 "
               "[written by kaohe publish to check that the archive was not altered: do not edit]")


def stamp_text(link: Link) -> str:
    """The text beside the header of each result sheet that shows ``link``'s results."""
    return (f"已发布 {link.year}年度 v{link.version}（{link.published_at[:10]}；档案链第{link.seq}条 "
            f"{link.record_hash[:12]}）")


def stamp_tables(tables: dict[str, tuple[str, Table]], links: list[Link], shown: Link) -> list[ResultTable]:
    """The result sheets as they are with ``shown``'s stamp beside the header, and the
    publish record of every link (``tables``: kind → (sheet, table))."""
    out = []
    for sheet, table in tables.values():
        headers = sorted(table.columns, key=table.columns.get)
        out.append(ResultTable(sheet, headers, [[rec.get(h) for h in headers] for _row, rec in table.rows],
                               stamp=stamp_text(shown)))
    out.append(ResultTable(RECORD_SHEET, RECORD_HEADERS, [[x.seq, x.year, x.version, x.published_at,
                                                           x.published_by or "（未记录）", x.record_hash]
                                                          for x in links], highlight=None, stamp=RECORD_NOTE))
    return out


def is_stamped(host: FileHost, sheets: list[str], link: Link) -> bool:
    """Every result sheet shows ``link``'s stamp beside its header."""
    text = stamp_text(link)
    for sheet in sheets:
        values = host.sheet_values(sheet)
        if not values or text not in values[0]:
            return False
    return True


def read_record(host: FileHost) -> list[RecordRow] | None:
    """The master's publish record; None when the master has none (made before the chain,
    or never published)."""
    values = host.sheet_values(RECORD_SHEET)
    if values is None:
        return None
    found = find_table(RECORD_SHEET, values, RECORD_HEADERS)
    if not isinstance(found, Table):
        raise ArchiveError(f"汇总工作簿 {host.name} 的“{RECORD_SHEET}”表头被改动，无法核对考核档案；请从备份恢复该表 "
                           f"[the publish record of {host.name} has lost its header]")
    rows = []
    for n, rec in found.rows:
        try:
            seq, year, version = (int(float(rec[h])) for h in RECORD_HEADERS[:3])
        except (TypeError, ValueError):
            raise ArchiveError(f"汇总工作簿 {host.name} 的“{RECORD_SHEET}”第{n}行被改动，无法核对考核档案；请从备份恢复该表 "
                               f"[row {n} of the publish record of {host.name} was edited]") from None
        rows.append(RecordRow(seq, year, version, str(rec["记录哈希"] or ""), f"{RECORD_SHEET}!{found.cell(n, '档案链序号')}"))
    return rows


def master_record(master: Path | None) -> tuple[list[RecordRow] | None, str]:
    """The publish record of ``master`` (None when it is not at hand or has none), and its name."""
    if master is None or not Path(master).is_file():
        return None, str(master.name if master else "")
    from python_calamine import CalamineError

    try:
        host = FileHost(master)
    except CalamineError as exc:
        raise ArchiveError(f"无法读取汇总工作簿 {master}，无法核对考核档案：{exc} [cannot read the master]") from None
    return read_record(host), master.name


def _by_year(record: list[RecordRow] | None, name: str) -> dict[int, tuple[list[RecordRow], str]]:
    out: dict[int, tuple[list[RecordRow], str]] = {}
    for row in record or []:
        out.setdefault(row.year, ([], name))[0].append(row)
    return out


def office_records(master: Path | None, host: FileHost | None = None,
                   office: Path | None = None) -> dict[int, tuple[list[RecordRow], str]]:
    """Each year's publish record, as the masters of the office keep them: ``master``'s own
    (read from ``host`` when given), and, when it is a year folder's master (or ``office``
    is given), the master of every year folder of the office. year → (record, the master's
    name). A master keeps its own year's record; a year without a folder has none here."""
    from addin.office.folder import MASTER_FILE, office_of, year_folders

    records: dict[int, tuple[list[RecordRow], str]] = {}
    if master is not None:
        own = read_record(host) if host is not None else master_record(master)[0]
        records = _by_year(own, Path(master).name)
        office = office_of(Path(master).parent)
    if office is None:
        return records
    here = Path(master).resolve() if master is not None else None
    for year, folder in year_folders(office).items():
        other = folder / MASTER_FILE
        if year in records or other.resolve() == here:
            continue
        record, name = master_record(other)
        found = _by_year(record, f"{folder.name}/{name}").get(year)
        if found:
            records[year] = found
    return records


@contextlib.contextmanager
def checked_archive(master: Path | None, archive: Path | None = None,
                    allow_pending: int | None = None) -> Iterator[tuple[object, Checked]]:
    """The archive of ``master`` (or ``archive``), opened and every year's chain checked
    against its master's publish record (``master``'s own, and in an office every other
    year folder's): ``(connection, Checked)``. Raises
    :class:`~addin.archive.chain.ChainBroken` when the check fails (see
    :func:`~addin.archive.chain.check_archive` for ``allow_pending``, a year)."""
    if archive is None:
        archive = archive_path(master)
    elif master is None:
        master = master_of(archive)
    office = Path(archive).parent if master is None else None
    records = office_records(master, office=office)
    store = Store(archive)
    try:
        yield store.db, check_archive(store.db, records, allow_pending)
    finally:
        store.close()
