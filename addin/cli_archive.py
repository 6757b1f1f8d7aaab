"""The archive commands of ``kaohe`` (registered by :mod:`addin.cli`): publish, diff, history,
export, publicize, notices, circular and scheme diff. Thin adapters: in a year folder they
need no master and no year (the folder's), and a year or master that disagrees with the
folder is refused."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from addin.cli_common import EXIT_USAGE, exit_on, parse_date, parse_version, say, schemes, where

YEAR_DIR = typer.Option(None, "--year-dir", help="年度文件夹（省略为当前文件夹）[the year folder]")
YEAR = typer.Option(None, help="考核年度；在年度文件夹中省略，须与其一致 [the year: the folder's]")
MASTER = typer.Argument(None, help="考核办汇总工作簿 .xlsx；在年度文件夹中省略 [the master workbook]")


def publish(
    master: Path = MASTER,
    year: int = YEAR,
    year_dir: Path = YEAR_DIR,
    note: str = typer.Option("", help="版本说明，如“复核后” [a note for the version]"),
    force: bool = typer.Option(False, "--force", help="结果与上一版本相同时仍新建版本 [publish even if unchanged]"),
) -> None:
    """发布当前结果为新版本（v1、v2…），版本一经发布不再改动，并在结果表上标注版本；同时记录计算所依据的考核方案
    [freeze the master's current results, with their scheme, as the next version].

    The year is the master's: a --year that is not refuses (exit 2). Results equal to the last version's make
    no new version unless --force. Each version is sealed onto its year's hash chain in the office archive, and the
    chain's links are written into the master (sheet 发布记录); every read of the archive checks both and stops
    (exit 2) when they do not match.

    Exit codes: 0 published (or unchanged, or the stamp of the last version completed); 2 could not run or the
    archive failed its check; 3 the machine failed: before the version was committed nothing was changed, after it
    the message says the version is in the archive but the master is not stamped, and running publish again
    completes the stamp without a new version.

    Example (in a year folder): kaohe publish
    """
    from addin.archive.versions import ArchiveError, Unchanged, scheme_record
    from addin.archive.versions import publish as run
    from addin.intake.master import MasterError, check_not_open, master_lock

    at = where(master, year_dir, year)
    with exit_on(ArchiveError, MasterError, FileNotFoundError, folder=at.master.parent):
        check_not_open(at.master)
        with master_lock(at.master):
            year_schemes = schemes(at.folder or at.master.parent)
            record = scheme_record(year_schemes.municipal, year_schemes.municipal_path)
            try:
                done = run(at.master, at.year, note, scheme=record, force=force, by=getpass.getuser())
            except Unchanged as exc:  # nothing to publish: said, not an error
                say(str(exc))
                raise typer.Exit(0) from None
    if done.completed:
        say(f"已补写 {done.year} 年度 v{done.version} 在汇总工作簿上的标记和发布记录，未新建版本 "
            f"[completed the stamp of v{done.version}: no new version]")
        return
    say(f"已发布 {done.year} 年度 v{done.version}（{done.rows} 条结果；考核方案 {record.id} {record.version}）[published]")


def diff(
    versions: list[str] = typer.Argument(..., help="两个版本，如 v1 v2（也可在前面写汇总工作簿）[two versions]"),
    year: int = YEAR,
    year_dir: Path = YEAR_DIR,
    out: Path = typer.Option(None, help="变更表 .xlsx，默认与汇总工作簿同目录 [the diff workbook]"),
) -> None:
    """列出两个版本之间变化的得分、名次、等次和评先结果 [list what changed between two versions].

    Example (in a year folder): kaohe diff v1 v2
    """
    from addin.archive.versions import FIELDS, KIND_ZH, ArchiveError, scheme_label, version_schemes, write_diff
    from addin.archive.versions import diff as run

    if len(versions) not in (2, 3):
        say("请写两个版本，如 kaohe diff v1 v2（或 kaohe diff 考核汇总.xlsx v1 v2）[give two versions]")
        raise typer.Exit(EXIT_USAGE)
    at = where(Path(versions[0]) if len(versions) == 3 else None, year_dir, year)
    va, vb = (parse_version(v) for v in versions[-2:])
    with exit_on(ArchiveError):
        changes = run(at.master, at.year, va, vb)
        known = version_schemes(at.master)
    console = Console()
    say(f"考核方案 [schemes]: v{va} {scheme_label(known.get((at.year, va)))}；"
        f"v{vb} {scheme_label(known.get((at.year, vb)))}")
    t = RichTable(title=Text(f"{at.year}年度 v{va} → v{vb}：{len(changes)} 处变化"))
    for col in ("类别", "编码", "名称", "项目", f"v{va}", f"v{vb}"):
        t.add_column(col)
    for ch in changes:  # names and codes come from the clerks: Text, never markup
        t.add_row(*map(Text, (KIND_ZH[ch.kind], ch.code, ch.name, FIELDS.get(ch.field, ch.field), str(ch.old or ""),
                              str(ch.new or ""))))
    console.print(t)
    path = write_diff(changes, out or at.master.with_name(f"{at.master.stem}_{at.year}_v{va}_v{vb}_变更.xlsx"), at.year,
                      va, vb)
    say(f"变更表 [diff workbook]: {path}")


def history(
    code: str = typer.Argument(..., help="单位编码或人员编码 [unit or person code]"),
    master: Path = typer.Option(None, "--master", help="考核办汇总工作簿 .xlsx；在年度文件夹中省略 [the master]"),
    year_dir: Path = YEAR_DIR,
) -> None:
    """显示某单位或某人历年考核结果（考核办档案中各年度最新发布版本）[one unit or person across the years].

    Example (in a year folder): kaohe history B001
    """
    from addin.archive.history import history as run
    from addin.archive.versions import ArchiveError, scheme_label, version_schemes

    at = where(master, year_dir, need_year=False)
    with exit_on(ArchiveError):
        entries = run(at.master, code)
        known = version_schemes(at.master) if entries else {}
    console = Console()
    console.print(history_table(code, entries, console.width))
    for e in entries:  # the scheme of each version on its own line: the table stays readable at 80 columns
        say(f"  {e.year}年度 v{e.version} 考核方案 [scheme]: {scheme_label(known.get((e.year, e.version)))}")
    if not entries:
        say(f"考核档案中没有 {code} 的发布结果 [no published results for {code}]")
        raise typer.Exit(1)


def history_table(code: str, entries, width: int = 80) -> RichTable:
    """A unit's or a person's years, readable at 80 columns: when the table fits ``width``,
    every column keeps its widest cell (up to 20 cells), so names stay whole; narrower, cells
    fold rather than being cut. The kind is in the title, 等次 only for people, and the
    scheme is printed below the table."""
    from rich.cells import cell_len

    from addin.archive.versions import KIND_ZH

    kinds = list(dict.fromkeys(e.kind for e in entries))
    mixed, people, only_people = len(kinds) > 1, "person" in kinds, kinds == ["person"]
    title = f"{code} 历年考核结果" + (f"（{KIND_ZH[kinds[0]]}）" if len(kinds) == 1 else "")
    columns = ["年度", "版本", *(["类别"] if mixed else []), "姓名" if only_people else "名称",
               "单位" if only_people else "单位/分口", "得分", "名次", *(["等次"] if people else []),
               "拟表彰" if only_people else "评先/表彰"]
    rows = [[str(e.year), f"v{e.version}", *([KIND_ZH[e.kind]] if mixed else []), e.name or "", e.unit or "",
             e.score or "", str(e.rank or ""), *([e.grade or ""] if people else []), e.award or ""] for e in entries]
    t = RichTable(title=Text(title))
    widest = [min(20, max([cell_len(col), *(cell_len(r[k]) for r in rows)])) for k, col in enumerate(columns)]
    fits = sum(widest) + 3 * len(columns) + 1 <= width  # each cell's padding and rule, and the right edge
    for col, w in zip(columns, widest):
        t.add_column(col, overflow="fold", min_width=w if fits else None)
    for r in rows:  # names, units and codes come from the clerks: Text, never markup
        t.add_row(*map(Text, r))
    return t


def export(
    master: Path = MASTER,
    out: Path = typer.Option(..., help="导出的 .xlsx [output workbook]"),
    code: str = typer.Option(None, help="另附某单位或某人的历年记录 [add one unit's or person's history]"),
    year_dir: Path = YEAR_DIR,
) -> None:
    """导出考核档案：每年度一张表（最新发布版本），可附某单位或某人的历年记录 [export the archive].

    Example (in a year folder): kaohe export --out 考核档案.xlsx --code B001
    """
    from addin.archive.errors import ArchiveError
    from addin.archive.export import export_archive

    at = where(master, year_dir, need_year=False)
    with exit_on(ArchiveError):
        done = export_archive(at.master, out, code)
    say(f"已导出 [exported]: {done}")


def publicize(
    master: Path = MASTER,
    year: int = YEAR,
    year_dir: Path = YEAR_DIR,
    start: str = typer.Option(..., help="公示开始日期 YYYY-MM-DD [first day of publicity]"),
    days: int = typer.Option(None, help="公示天数（5–7），默认按方案的公示天数 [days, 5–7; default: the scheme's]"),
) -> None:
    """按单位生成拟定优秀和拟表彰人员公示表（最新发布版本）[publicity lists per unit].

    Example (in a year folder): kaohe publicize --start 2027-01-11
    """
    from addin.archive.documents import publicity_lists
    from addin.archive.versions import ArchiveError
    from addin.office.holidays import year_calendar

    at = where(master, year_dir, year)
    first = parse_date(start)
    scheme = schemes(at.folder or at.master.parent).municipal
    with exit_on(ArchiveError):
        paths = publicity_lists(at.master, at.year, first, days or scheme.staff.publicity_days,
                                at.master.with_name(f"{at.master.stem}_{at.year}_公示"), scheme.staff.publicity_counting,
                                year_calendar(scheme, at.folder or at.master.parent))
    say(f"已生成 {len(paths)} 份公示表 [publicity lists] → {paths[0].parent if paths else '-'}")


def notices(
    master: Path = MASTER,
    year: int = YEAR,
    year_dir: Path = YEAR_DIR,
    notified: str = typer.Option(..., help="书面通知日期 YYYY-MM-DD [date of notification]"),
    force: bool = typer.Option(False, "--force", help="截止日所在年度没有节假日数据时仍按周末顺延生成（只在考核办存档中注明）"
                                                     " [print even without holiday data: said on the office's copy only]"),
) -> None:
    """生成书面通知：每人一页（按单位成册）、每单位一页，写明结果和申诉截止日；另生成考核办存档（截止日的计算和
    节假日依据）[written notices, and the office's copy].

    When the deadline falls in a year with no holiday data (no 节假日.yaml of the folder or the office, none in the
    scheme, none in chinese-calendar), nothing is written and the command exits 2 asking for the year's arrangement
    in 节假日.yaml. With --force the notices are written with the weekends-only deadline; only the office's copy
    (…_书面通知_考核办存档.xlsx) says so, never a notice.

    Exit codes: 0 written; 2 could not run (no holiday data without --force, nothing published, a bad file).

    Example (in a year folder): kaohe notices --notified 2027-01-20
    """
    from addin.archive.notices import notices as run
    from addin.archive.versions import ArchiveError

    at = where(master, year_dir, year)
    day = parse_date(notified)
    scheme = schemes(at.folder or at.master.parent).municipal
    with exit_on(ArchiveError, folder=at.master.parent):
        done = run(at.master, at.year, day, scheme, at.master.with_name(f"{at.master.stem}_{at.year}_书面通知"),
                   force=force)
    say(f"已生成 {len(done.letters)} 份书面通知，申诉截止日 {done.deadline.date.isoformat()} [notices] → "
        f"{done.office.parent}")
    say(f"考核办存档 [the office's copy]: {done.office}")
    if done.deadline.weekends_only:
        say(f"注意：{'、'.join(f'{y}年' for y in done.deadline.uncovered)}没有节假日数据，截止日已按 --force 仅按周末顺延；"
            f"考核办存档中已注明，通知上不写，发出前请核对 [printed with --force: the deadline counts weekends only; "
            f"check it before sending]")


def circular(
    master: Path = MASTER,
    year: int = YEAR,
    year_dir: Path = YEAR_DIR,
    pdf: bool = typer.Option(False, "--pdf", help="同时用 LibreOffice 输出 PDF [also print to PDF]"),
    half_year: bool = typer.Option(False, "--half-year", help="区(市)半年考核通报：用“区市半年”表（半年附表的得分），"
                                   "不计入年度结果 [the districts' half-year circular]"),
    date: str = typer.Option(None, "--date", help="落款日期 YYYY-MM-DD，默认今天 [the date it is signed; today]"),
) -> None:
    """生成考核结果通报：分口排名表、区(市)排名表、图表和提请市委常委会批准的名单，落款为市考核办公室和日期
    [the circular, signed by the office and dated].

    Every unit not awarded has its reason in 说明 (不得评先, 待定, or 未入选 with the quota, its arithmetic when
    the quota is 0). The published version it comes from is in the workbook's properties, not on the page.

    The 市级领导 (a level with city_leaders in the scheme) are on no page of the circular: their results go to a
    list of their own beside it (…_市级领导.xlsx), for the 市委's circulation.

    With --half-year: the districts' half-year circular, from the 区市半年 sheet that intake fills from the
    appendix tables marked 半年 (kaohe template 模板 --kind half-year); it never enters the year's results.

    Example (in a year folder): kaohe circular --pdf --date 2027-01-25
    """
    from addin.archive.documents import circular as run
    from addin.archive.documents import to_pdf
    from addin.archive.leaders import leader_list
    from addin.archive.versions import ArchiveError

    at = where(master, year_dir, year)
    dated = parse_date(date) if date else None
    year_schemes = schemes(at.folder or at.master.parent)
    leaders = None
    with exit_on(ArchiveError):
        if half_year:  # from the master's half-year sheet: nothing published, nothing of the year's results
            from addin.archive.half_year import half_year_circular

            path = half_year_circular(at.master, at.year, year_schemes.municipal,
                                      at.master.with_name(f"{at.master.stem}_{at.year}_半年通报.xlsx"), dated)
        else:
            path = run(at.master, at.year, year_schemes.municipal,
                       at.master.with_name(f"{at.master.stem}_{at.year}_通报.xlsx"), dated, audit=year_schemes.audit)
            leaders = leader_list(at.master, at.year, at.master.with_name(f"{at.master.stem}_{at.year}_市级领导.xlsx"),
                                  dated)
        done = [path, *(to_pdf([path], path.parent) if pdf else [])]
        apart = [] if leaders is None else [leaders, *(to_pdf([leaders], leaders.parent) if pdf else [])]
    for p in done:
        say(f"通报 [circular]: {p}")
    for p in apart:
        say(f"市级领导考核结果（报市委通报，不在通报中）[the city leaders' list, for the 市委]: {p}")


def scheme_diff(
    old_year: int = typer.Argument(..., help="较早的年度 [the earlier year]"),
    new_year: int = typer.Argument(..., help="较晚的年度 [the later year]"),
    master: Path = typer.Option(None, "--master", help="考核办汇总工作簿 .xlsx；在年度文件夹中省略 [master]"),
    year_dir: Path = YEAR_DIR,
) -> None:
    """列出两个年度考核方案（各年度最新发布版本所依据的方案）之间的规则变化
    [what changed in the rules between two years' published schemes].

    Example (in a year folder of the office): kaohe scheme diff 2026 2027
    """
    import yaml

    from addin.archive.versions import ArchiveError, latest_scheme, scheme_label
    from addin.errors import SchemeError
    from addin.scheme.compare import compare_schemes
    from addin.scheme.loader import _DecimalLoader, parse_scheme

    at = where(master, year_dir, need_year=False)
    with exit_on(ArchiveError, SchemeError):
        records = [latest_scheme(at.master, y) for y in (old_year, new_year)]
        old, new = (parse_scheme(yaml.load(r.text, Loader=_DecimalLoader), f"{y}年度方案")  # noqa: S506
                    for r, y in zip(records, (old_year, new_year)))
    say(f"{old_year}：{scheme_label(records[0])} → {new_year}：{scheme_label(records[1])}")
    changes = compare_schemes(old, new)
    for path, a, b in changes:
        say(f"  {path}: {'（无）' if a is None else a} → {'（无）' if b is None else b}")
    say(f"共 {len(changes)} 处规则变化 [{len(changes)} changes]" if changes else
        "两个年度的考核规则相同 [the rules are the same]")


COMMANDS = {"publish": publish, "diff": diff, "history": history, "export": export, "publicize": publicize,
            "notices": notices, "circular": circular}
