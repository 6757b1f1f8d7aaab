"""The provenance commands of ``kaohe`` (registered by :mod:`addin.cli`): ``trace`` and
``evidence``. Thin adapters over :mod:`addin.provenance`: in a year folder they need no
master and no year (the folder's)."""

from __future__ import annotations

from pathlib import Path

import typer

from addin.cli_common import exit_on, parse_version, say, schemes, where

YEAR_DIR = typer.Option(None, "--year-dir", help="年度文件夹（省略为当前文件夹）[the year folder]")
MASTER = typer.Option(None, "--master", help="考核办汇总工作簿 .xlsx；在年度文件夹中省略 [the master workbook]")


def trace(
    code: str = typer.Argument(..., help="单位编码或人员编码 [unit or person code]"),
    item: str = typer.Argument(None, help="只看一项输入，如 业务目标、附表1、通报批评次数 [one input only]"),
    version: str = typer.Option(None, "--version", help="已发布版本，如 v2：说明与上一版本相比的变化及原因 "
                                "[a published version: what changed since the one before, and why]"),
    xlsx: Path = typer.Option(None, "--xlsx", help="同时写成工作簿，可附在申诉答复后 [also write a workbook for the reply]"),
    master: Path = MASTER,
    year_dir: Path = YEAR_DIR,
) -> None:
    """追溯一个结果的来源：计算步骤（各项得分、综合得分、名次、限额、评先），每个输入来自哪份报送（报送编号、文件、
    发件人、到达时间、文件哈希、模板编号、工作表和单元格），或为考核办录入、上年档案；汇总表中报送后改动过的值标明
    “汇总表中已改为 X（报送值 Y）” [trace a result to its rule steps and its inputs' sources].

    Without --version the current master is traced; with --version vN the published version, and its change
    from v(N-1) with the new submission or the master edit that caused it.

    Exit codes: 0 traced; 2 could not run (no such code or version, a kept file missing, the archive failed its check).

    Example (in a year folder): kaohe trace B013 --version v2 --xlsx B013_复核答复附件.xlsx
    """
    from addin.archive.errors import ArchiveError
    from addin.provenance.cells import KeptFileError
    from addin.provenance.report import write_trace
    from addin.provenance.tracer import Tracer, TraceError

    at = where(master, year_dir)
    year_schemes = schemes(at.folder or at.master.parent)
    with exit_on(TraceError, KeptFileError, ArchiveError, folder=at.master.parent):
        with Tracer(at.master, at.year, year_schemes.municipal, year_schemes.audit) as tracer:
            found = tracer.trace(code, item, parse_version(version) if version else None)
        for line in found.lines():
            say(line)
        if xlsx is not None:
            say(f"追溯表 [trace workbook]: {write_trace([found], xlsx)}")


def evidence(
    export: int = typer.Option(None, "--export", help="导出该报送编号的文件和邮件 [export this submission's file "
                               "and message]"),
    out: Path = typer.Option(Path("报送原件"), "--out", help="导出到的文件夹 [the folder to export into]"),
    master: Path = MASTER,
    year_dir: Path = YEAR_DIR,
) -> None:
    """列出考核档案中保存的报送原件（文件和邮件，按报送编号），或按报送编号导出原件
    [list the kept files and messages by 报送编号, or export one].

    Intake keeps every accepted or held file and the message it came in, in the office archive, by their SHA-256
    hash (compressed where that pays): a cleaned inbox loses no evidence.

    Example (in a year folder): kaohe evidence; kaohe evidence --export 17 --out 原件
    """
    from addin.intake.run import STATUS_ZH
    from addin.intake.store import Store, archive_path
    from addin.provenance.evidence import EvidenceMissing, export as run, kept

    at = where(master, year_dir)
    with exit_on(EvidenceMissing, folder=at.master.parent):
        store = Store(archive_path(at.master))
        try:
            if export is not None:
                for path in run(store, export, at.year, out):
                    say(f"已导出 [exported]: {path}")
                return
            rows = kept(store, at.year)
        finally:
            store.close()
    say(f"{at.year}年度报送 {len(rows)} 份 [submissions]（编号 单位 状态 文件 发件人 到达 文件/邮件是否保存）")
    for k in rows:
        file_kept = f"文件 {k.file_size} 字节" if k.file_size is not None else "文件未保存"
        message_kept = f"邮件 {k.message_size} 字节" if k.message_size is not None else "无邮件"
        say(f"  {k.number}  {k.unit or '—'}  {STATUS_ZH.get(k.status, k.status)}  {k.file_name}  {k.sender or '—'}  "
            f"{(k.arrived_at or '—')[:19].replace('T', ' ')}  {file_kept}，{message_kept}  {k.file_hash[:12]}…")


COMMANDS = {"trace": trace, "evidence": evidence}
