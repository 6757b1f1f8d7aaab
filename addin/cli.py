"""The ``kaohe`` command: thin adapters over the engine."""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import sqlite3
from pathlib import Path

import typer
from rich.console import Console

from addin.environment import EXIT_ENVIRONMENT
from addin.errors import HolidaysError, SchemeError, SettingsError

app = typer.Typer(
    help="kaohe 目标管理考核：方案、计分、排名与评先 [target-management assessment].",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # help text holds [English] in brackets, not markup
)


def _year_master(master: Path | None, year_dir: Path | None) -> Path | None:
    """The master given, else the year folder's (``--year-dir``, or the current folder when
    it is one)."""
    from addin.office.folder import MASTER_FILE, is_year_folder

    if master is not None:
        return master
    folder = year_dir or Path(".")
    return folder / MASTER_FILE if is_year_folder(folder) else None


def _schemes(folder: Path | None):
    """The year folder's schemes (or the shipped default, said once); a bad scheme exits 2
    with the file, the path and the reason."""
    from addin.office.folder import load_schemes

    with _exit_on(SchemeError):
        schemes = load_schemes(folder)
    if schemes.note:
        Console(soft_wrap=True, stderr=True).print(schemes.note, markup=False)
    return schemes


@contextlib.contextmanager
def _exit_on(*errors: type[Exception], folder: Path | None = None):
    """Print a clerk-facing error (Chinese with English in brackets) and exit with 2; a
    failure of the machine (disk full, read-only folder, no permission) in ``folder`` exits
    with 3."""
    from addin.environment import EnvironmentFailure, environment_failure

    try:
        yield
    except errors as exc:
        Console(soft_wrap=True).print(str(exc), markup=False)
        raise typer.Exit(2) from None
    except (OSError, EnvironmentFailure, sqlite3.Error) as exc:
        failure = exc if isinstance(exc, EnvironmentFailure) else environment_failure(exc, folder)
        if failure is None:
            raise
        Console(soft_wrap=True).print(str(failure), markup=False)
        raise typer.Exit(EXIT_ENVIRONMENT) from None


@app.command()
def demo(
    out: Path = typer.Option(Path("kaohe-demo"), help="演示工作文件夹（会被重建）[demo work folder, rebuilt]"),
    year: int = typer.Option(2026, help="考核年度 [assessment year]"),
    seed: int = typer.Option(2026, help="样例数据随机种子 [sample data seed]"),
) -> None:
    """演示一个考核年度：生成模板、填写样例报送并存为邮件、接收汇总、重新计算排名
    [run a sample year end to end: templates, mailed submissions, intake, recompute].

    Example: kaohe demo --out kaohe-demo
    """
    from addin.console import render_intake, render_year
    from addin.demo import run_demo
    from addin.engine.year import YearResult
    from addin.intake.store import archive_path
    from addin.scheme import load_audit, load_municipal

    console = Console(width=160)
    municipal, audit = load_municipal(), load_audit()
    paths, intake, outcome, audit_result, changes = run_demo(out, municipal, audit, year=year, seed=seed,
                                                             say=lambda text: console.print(text, markup=False))
    if outcome.result is not None:
        r = outcome.result
        render_year(console, YearResult(r.departments, r.districts, r.staff, audit_result), year, municipal.title)
    console.print(outcome.message, markup=False)
    from addin.console import render_changes

    render_changes(console, changes, year)
    console.rule("文件 [files]")
    for label, path in (("模板 templates", paths.templates), ("收件箱 inbox", paths.inbox),
                        ("汇总工作簿 master (结果表 results)", paths.master), ("回执 receipt", paths.receipt),
                        ("通报 circular", paths.circular),
                        ("考核档案 archive", archive_path(paths.master))):
        console.print(f"{label}: {path}", markup=False)
    rejected = [o for o in intake.outcomes if o.status == "rejected"]
    if rejected:
        render_intake(console, intake, paths.receipt)
    if not outcome.ok or rejected:
        raise typer.Exit(1)


@app.command()
def init(
    folder: Path = typer.Argument(..., help="新的年度文件夹，如 2026考核 [the new year folder]"),
    year: int = typer.Option(..., help="考核年度 [assessment year]"),
    scheme: Path = typer.Option(None, help="本年度考核方案 YAML，省略时复制内置默认方案 [the year's scheme]"),
    audit_scheme: Path = typer.Option(None, "--audit-scheme", help="审计局考核方案 YAML [the audit bureau's scheme]"),
    roster: Path = typer.Option(None, help="单位名册 CSV（单位编码,单位名称,类别,分口,报送邮箱）；省略时用样例城市 "
                                "[units CSV; the sample city when omitted]"),
    staff: Path = typer.Option(None, help="人员名册 CSV（人员编码,姓名,单位编码,层级,主要负责人）[staff CSV]"),
) -> None:
    """建立年度文件夹：考核方案、名册、汇总工作簿、档案（含考核办密钥）、设置和收件箱；方案先经检查
    [create a year folder bound to its scheme].

    Every command then works from inside the folder (or with --year-dir / a master in it) and uses
    that folder's scheme, never the package's.

    Example: kaohe init 2026考核 --year 2026 --scheme 我市2026方案.yaml --roster 单位.csv --staff 人员.csv
    """
    from addin.errors import KaoheError
    from addin.office.roster import RosterError, read_roster
    from addin.newyear import init_year

    with _exit_on(SchemeError, RosterError, KaoheError, folder=folder.parent if folder.parent.exists() else None):
        if roster is not None:
            units = read_roster(roster, staff)
            master = init_year(folder, year, scheme=scheme, audit_scheme=audit_scheme, roster=units,
                               units_csv=roster, staff_csv=staff)
        else:
            from addin.demo import city_books, sample_city, write_roster_csv

            units = sample_city(2026)  # the sample city of `kaohe demo` and `kaohe template`
            master = init_year(folder, year, scheme=scheme, audit_scheme=audit_scheme, roster=units,
                               books=city_books(units))
            write_roster_csv(units, folder)
    Console(soft_wrap=True).print(f"已建立年度文件夹 [year folder]: {folder}\n  考核方案: {folder / '考核方案.yaml'}\n"
                                  f"  汇总工作簿: {master}\n  档案（含考核办密钥，请勿外传）: "
                                  f"{master.with_suffix('.kaohe.sqlite')}\n下一步：cd {folder} 后运行 kaohe template 模板",
                                  markup=False)


@app.command()
def template(
    out: Path = typer.Argument(..., help="输出文件夹 [output folder]"),
    kind: list[str] = typer.Option(None, "--kind", "-k",
                                   help="模板种类，可多次指定 [kind, repeatable]: appendix, target-book, scoring-sheet, "
                                        "register, staff-roster, staff-form, audit-form, master；省略为全部 [all]"),
    unit: str = typer.Option(None, help="只生成该单位（单位编码、分口名称或 KHB）[one unit only]"),
    roster: Path = typer.Option(None, help="单位名册 CSV：单位编码,单位名称,类别,分口；省略用内置样例 [units CSV]"),
    staff: Path = typer.Option(None, help="人员名册 CSV：人员编码,姓名,单位编码,层级,主要负责人 [staff CSV]"),
    year: int = typer.Option(2026, help="考核年度 [assessment year]"),
    master: Path = typer.Option(None, "--master", help="模板所属的汇总工作簿：用其旁边档案中的考核办密钥为模板编号，"
                                "并使用其文件夹中的考核方案；省略时为年度文件夹的 考核汇总.xlsx，或 "
                                "OUT/市考核办/<年度>_KHB_考核汇总工作簿.xlsx [the master whose archive keys the templates]"),
    year_dir: Path = typer.Option(None, "--year-dir", help="年度文件夹（省略时为当前文件夹，如它是年度文件夹）"
                                  "[the year folder]"),
    formulas: str = typer.Option(None, "--formulas", help="计算方式 [how templates compute]：addin = 调用加载项函数"
                                 "（=ITEM_SCORE，需安装加载项）；native = 通用公式，WPS、LibreOffice、未装加载项的 Excel 均可计算；"
                                 "省略时按单位名册的“填报方式”列（空白为 addin）"),
) -> None:
    """按考核方案生成标准化模板（附表1–9、目标责任书、评分表、登记表、名册、审计考评表、汇总工作簿）
    [build the standardized templates from the schemes].

    Every template's id is keyed with the office secret kept in the archive beside the master
    (made on first use); intake accepts only templates keyed with the same secret, so send out
    templates built for the master you take submissions into.

    With --formulas native every computed cell is an ordinary formula (IF, ROUND, SUM, …) that Excel 2010+,
    WPS and LibreOffice compute without the add-in; intake recomputes either form with the engine.

    Example: kaohe template out/ --kind appendix --unit B001 --year 2026 --formulas native
    """
    from addin.demo import city_books, sample_city
    from addin.office.roster import RosterError, read_roster
    from addin.office.folder import MASTER_FILE, STAFF_FILE, UNITS_FILE, is_year_folder
    from workbook_templates.build import KIND_IDS, build_templates

    console = Console()
    folder = year_dir or (master.parent if master else (Path(".") if is_year_folder(Path(".")) else None))
    if master is None and folder is not None and is_year_folder(folder):
        master = folder / MASTER_FILE
        roster = roster or (folder / UNITS_FILE if (folder / UNITS_FILE).is_file() else None)
        staff = staff or (folder / STAFF_FILE if (folder / STAFF_FILE).is_file() else None)
    schemes = _schemes(folder)
    municipal, audit = schemes.municipal, schemes.audit
    from addin.workbook.identity import FORMULA_FORMS

    if formulas is not None and formulas not in FORMULA_FORMS:
        console.print(f"--formulas 只能为 addin 或 native，不是“{formulas}” [--formulas must be addin or native]",
                      markup=False)
        raise typer.Exit(2)
    bad = sorted(set(kind or []) - set(KIND_IDS))
    if bad:
        console.print(f"未知模板种类 [unknown kinds]: {', '.join(bad)}；可选 [choose from]: {', '.join(KIND_IDS)}",
                      markup=False)
        raise typer.Exit(2)
    books = None
    if roster is None:  # the same sample city as `kaohe demo` and `kaohe init`
        units = sample_city(2026)
        books = city_books(units)
    else:
        with _exit_on(RosterError):
            units = read_roster(roster, staff)
    from addin.intake.store import archive_path, office_secret
    from workbook_templates.build import OFFICE_FOLDER

    anchor = master or Path(out) / OFFICE_FOLDER / f"{year}_KHB_考核汇总工作簿.xlsx"
    anchor.parent.mkdir(parents=True, exist_ok=True)
    secret = office_secret(anchor)
    built = build_templates(out, municipal=municipal, audit=audit, roster=units, year=year, kinds=kind or None,
                            unit=unit, books=books, secret=secret, formulas=formulas)
    if not built:
        console.print(f"没有生成任何模板：单位 {unit} 不在名册中？[nothing built: is the unit on the roster?]",
                      markup=False)
        raise typer.Exit(2)
    console.print(f"已生成 {len(built)} 个模板 [built {len(built)} templates] → {out}", markup=False)
    console.print(f"模板编号使用 {archive_path(anchor)} 中的考核办密钥（请勿外传）[keyed with the office secret in "
                  f"that archive: keep it]", markup=False)


@app.command()
def intake(
    inbox: Path = typer.Argument(None, help="收件文件夹：.eml、.msg 邮件或 .xlsx 附件；在年度文件夹中省略时为 收件箱 "
                                 "[inbox folder]"),
    master: Path = typer.Option(None, "--master", help="考核办汇总工作簿 .xlsx；在年度文件夹中省略时为 考核汇总.xlsx "
                                "[the master workbook]"),
    year_dir: Path = typer.Option(None, "--year-dir", help="年度文件夹 [the year folder]"),
    year: int = typer.Option(2026, help="考核年度 [assessment year]"),
    receipt: Path = typer.Option(None, help="回执文件，默认与汇总工作簿同目录 [receipt .xlsx]"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="不显示进度和汇总表 [no progress bar or table]"),
    release: int = typer.Option(None, "--release", help="放行一份“暂缓（待核实）”的报送（回执中的编号），电话核实后使用 "
                                "[apply a held submission by its id, after checking by phone]"),
    by: str = typer.Option(None, "--by", help="放行人（记录在档案中），默认为当前登录用户 [who releases it]"),
    reply: bool = typer.Option(False, "--reply", help="接收后给每封来信的发件人回复处理结果和回执（每封只回复一次）"
                               "[reply to every sender, once per message]"),
    dry_run: bool = typer.Option(False, "--dry-run", help="与 --reply 同用：回复写入 发件箱（预览） 文件夹，不发送 "
                                 "[write the replies as .eml files instead of sending]"),
) -> None:
    """接收邮件附件：识别、校验、重算、汇总入库并生成回执 [take in emailed workbooks].

    A file from a sender not registered for its unit (or marked spf/dkim/dmarc=fail by the office's own mail
    server) is held (暂缓，待核实): listed with its id, not applied. After checking by phone, release it with
    --release ID.

    Exit codes: 0 every file accepted or held (and skipped files); 1 some file rejected; 2 could not run
    (master missing or open, another intake running, bad arguments, nothing to release); 3 the machine failed
    (disk full, read-only folder, no permission): nothing was changed. With --reply, a mail failure
    exits as kaohe fetch does (2 settings, 4 login refused, 5 unreachable or TLS, 6 refused or dropped;
    sent replies are recorded, unsent ones go out on the next run).

    Examples: kaohe intake 收件箱/ --master 考核汇总.xlsx --year 2026;
    kaohe intake --reply --dry-run (in a year folder: look at the replies first);
    kaohe intake --release 17 --by 张科长 --master 考核汇总.xlsx
    """
    from addin.intake.master import MasterError
    from addin.intake.receipt import write_receipt
    from addin.intake.run import SUPERSEDED, ReleaseError, release_held, run_intake

    console = Console(quiet=quiet)
    master = _year_master(master, year_dir)
    if inbox is None and release is None and master is not None and (master.parent / "收件箱").is_dir():
        inbox = master.parent / "收件箱"
    if release is not None:
        if master is None or not master.is_file():
            Console().print(f"找不到汇总工作簿 [master not found]: {master}", markup=False)
            raise typer.Exit(2)
        schemes = _schemes(master.parent)
        with _exit_on(MasterError, ReleaseError, SettingsError, folder=master.parent):
            outcome = release_held(master, release, by=by or getpass.getuser(), municipal=schemes.municipal,
                                   audit=schemes.audit, year=year)
        where = (f"{outcome.envelope.file_name}（{outcome.identity.unit_code} {outcome.identity.unit_name}）")
        if outcome.status == SUPERSEDED:
            Console().print(f"已放行报送 {release}：{where}；该单位此表已有更晚到达的报送，本份未写入汇总工作簿 "
                            f"[released, but a later arrival is on record: not applied]", markup=False)
        else:
            Console().print(f"已放行报送 {release}：{where}，已写入汇总工作簿 [released and applied]", markup=False)
        raise typer.Exit(0)
    if inbox is None or master is None or not master.is_file() or not inbox.is_dir():
        Console().print(f"找不到汇总工作簿或收件文件夹 [master or inbox not found]: {master} {inbox}", markup=False)
        raise typer.Exit(2)
    schemes = _schemes(master.parent)
    with _exit_on(MasterError, SettingsError, folder=master.parent):
        result = _with_progress(console, quiet, lambda progress: run_intake(
            inbox, master, municipal=schemes.municipal, audit=schemes.audit, year=year, progress=progress))
        path = write_receipt(result, receipt or master.with_name(f"{master.stem}_回执.xlsx"), year)
    from addin.console import render_intake

    render_intake(console, result, path)
    code = 1 if result.rejected else 0
    if reply:
        from addin.cli_mail import reply_to_senders

        code = reply_to_senders(result, master, inbox, year, dry_run) or code
    raise typer.Exit(code)


def _with_progress(console, quiet, work):
    if quiet:
        return work(None)
    from rich.progress import Progress

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("接收中 [intake]", total=None)

        def progress(done, total):
            bar.update(task, completed=done, total=total)

        return work(progress)


@app.command()
def recompute(
    master: Path = typer.Argument(None, help="考核办汇总工作簿 .xlsx；在年度文件夹中省略时为 考核汇总.xlsx "
                                  "[the master workbook]"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="不显示进度 [no progress]"),
    year_dir: Path = typer.Option(None, "--year-dir", help="年度文件夹 [the year folder]"),
) -> None:
    """重新计算排名：读取输入表，计算综合得分、名次、先进集体、人员等次和预警，写入结果表
    [recompute rankings: the same code as the ribbon button, on a file].

    Exit codes: 0 results written; 1 input errors (listed in the 问题 sheet, results unchanged); 2 could not run;
    3 the machine failed (disk full, read-only folder, no permission): nothing was changed.

    Example: kaohe recompute 考核汇总.xlsx
    """
    from addin.archive.errors import ArchiveError
    from addin.hosts import FileHost
    from addin.intake.master import MasterError, check_not_open, master_lock
    from addin.macro import recompute as run

    console = Console(quiet=quiet)
    master = _year_master(master, year_dir)
    if master is None or not master.is_file():
        Console().print(f"找不到汇总工作簿 [master not found]: {master}", markup=False)
        raise typer.Exit(2)
    with _exit_on(MasterError, ArchiveError, folder=master.parent):  # last year's values: the archive's check
        check_not_open(master)
        with master_lock(master):
            outcome = run(FileHost(master, progress=lambda text: console.print(text, markup=False)),
                          _schemes(master.parent).municipal)
    from addin.console import render_problems

    render_problems(console, outcome.problems)
    console.print(outcome.message, markup=False)
    raise typer.Exit(0 if outcome.ok else 1)


addin_app = typer.Typer(help="Excel 加载项 kaohe.xlam [the Excel add-in]", no_args_is_help=True,
                        rich_markup_mode=None)
app.add_typer(addin_app, name="addin")


@addin_app.command("build")
def addin_build(
    out: Path = typer.Option(Path("dist"), help="输出文件夹 [output folder]"),
    interpreter: str = typer.Option("", help="写入配置页的 Python 解释器路径 [interpreter path]"),
) -> None:
    """由 xlwings 的功能区加载项模板生成 kaohe.xlam（目标考核 → 重新计算排名）[build the add-in].

    Example: kaohe addin build --out dist
    """
    from addin.addin_file import build_addin

    Console().print(f"已生成加载项 [built]: {build_addin(out, interpreter)}", markup=False)


@addin_app.command("install")
def addin_install() -> None:
    """在 Windows 上安装加载项并导入公式；其他系统只说明步骤 [install on Windows].

    Example: kaohe addin install
    """
    from addin.addin_file import install

    install()


@app.command()
def publish(
    master: Path = typer.Argument(..., help="考核办汇总工作簿 .xlsx [the master workbook]"),
    year: int = typer.Option(..., help="考核年度 [assessment year]"),
    note: str = typer.Option("", help="版本说明，如“复核后” [a note for the version]"),
    force: bool = typer.Option(False, "--force", help="结果与上一版本相同时仍新建版本 [publish even if unchanged]"),
) -> None:
    """发布当前结果为新版本（v1、v2…），版本一经发布不再改动，并在结果表上标注版本；同时记录计算所依据的考核方案
    [freeze the master's current results, with their scheme, as the next version].

    Results equal to the last version's make no new version unless --force. Each version is sealed onto the
    archive's hash chain, and the chain's links are written into the master (sheet 发布记录); every read of the
    archive checks both and stops (exit 2) when they do not match.

    Exit codes: 0 published (or unchanged, or the stamp of the last version completed); 2 could not run or the
    archive failed its check; 3 the machine failed: before the version was committed nothing was changed, after it
    the message says the version is in the archive but the master is not stamped, and running publish again
    completes the stamp without a new version.

    Example: kaohe publish 考核汇总.xlsx --year 2026
    """
    from addin.archive.versions import ArchiveError, Unchanged, scheme_record
    from addin.archive.versions import publish as run
    from addin.intake.master import MasterError, check_not_open, master_lock

    with _exit_on(ArchiveError, MasterError, FileNotFoundError, SchemeError, folder=master.parent):
        check_not_open(master)
        with master_lock(master):
            schemes = _schemes(master.parent)
            record = scheme_record(schemes.municipal, schemes.municipal_path)
            try:
                done = run(master, year, note, scheme=record, force=force, by=getpass.getuser())
            except Unchanged as exc:  # nothing to publish: said, not an error
                Console(soft_wrap=True).print(str(exc), markup=False)
                raise typer.Exit(0) from None
    if done.completed:
        Console().print(f"已补写 {done.year} 年度 v{done.version} 在汇总工作簿上的标记和发布记录，未新建版本 "
                        f"[completed the stamp of v{done.version}: no new version]", markup=False)
        return
    Console().print(f"已发布 {done.year} 年度 v{done.version}（{done.rows} 条结果；考核方案 {record.id} {record.version}）"
                    f"[published]", markup=False)


@app.command()
def diff(
    master: Path = typer.Argument(..., help="考核办汇总工作簿 .xlsx [the master workbook]"),
    a: str = typer.Argument(..., help="旧版本，如 v1 [old version]"),
    b: str = typer.Argument(..., help="新版本，如 v2 [new version]"),
    year: int = typer.Option(..., help="考核年度 [assessment year]"),
    out: Path = typer.Option(None, help="变更表 .xlsx，默认与汇总工作簿同目录 [the diff workbook]"),
) -> None:
    """列出两个版本之间变化的得分、名次、等次和评先结果 [list what changed between two versions].

    Example: kaohe diff 考核汇总.xlsx v1 v2 --year 2026
    """
    from rich.table import Table as RichTable
    from rich.text import Text

    from addin.archive.versions import FIELDS, KIND_ZH, ArchiveError, scheme_label, version_schemes, write_diff
    from addin.archive.versions import diff as run

    console = Console()
    va, vb = _version(a), _version(b)
    with _exit_on(ArchiveError):
        changes = run(master, year, va, vb)
        schemes = version_schemes(master)
    console.print(f"考核方案 [schemes]: v{va} {scheme_label(schemes.get((year, va)))}；"
                  f"v{vb} {scheme_label(schemes.get((year, vb)))}", markup=False)
    t = RichTable(title=Text(f"{year}年度 v{va} → v{vb}：{len(changes)} 处变化"))
    for col in ("类别", "编码", "名称", "项目", f"v{va}", f"v{vb}"):
        t.add_column(col)
    for ch in changes:  # names and codes come from the clerks: Text, never markup
        t.add_row(*map(Text, (KIND_ZH[ch.kind], ch.code, ch.name, FIELDS.get(ch.field, ch.field), str(ch.old or ""),
                              str(ch.new or ""))))
    console.print(t)
    path = write_diff(changes, out or master.with_name(f"{master.stem}_{year}_v{va}_v{vb}_变更.xlsx"), year, va, vb)
    console.print(f"变更表 [diff workbook]: {path}", markup=False)


@app.command()
def history(
    code: str = typer.Argument(..., help="单位编码或人员编码 [unit or person code]"),
    master: Path = typer.Option(..., "--master", help="考核办汇总工作簿 .xlsx [the master workbook]"),
) -> None:
    """显示某单位或某人历年考核结果（各年度最新发布版本）[one unit or person across the years].

    Example: kaohe history B001 --master 考核汇总.xlsx
    """
    from rich.table import Table as RichTable
    from rich.text import Text

    from addin.archive.history import history as run
    from addin.archive.versions import KIND_ZH, ArchiveError, scheme_label, version_schemes

    with _exit_on(ArchiveError):
        entries = run(master, code)
        schemes = version_schemes(master) if entries else {}
    t = RichTable(title=Text(f"{code} 历年考核结果"))
    for col in ("年度", "版本", "考核方案", "类别", "名称", "单位/分口", "得分", "名次", "等次", "评先/表彰"):
        t.add_column(col)
    for e in entries:  # names, units and codes come from the clerks: Text, never markup
        t.add_row(*map(Text, (str(e.year), f"v{e.version}", scheme_label(schemes.get((e.year, e.version))),
                              KIND_ZH[e.kind], e.name or "", e.unit or "", e.score or "", str(e.rank or ""),
                              e.grade or "", e.award or "")))
    Console().print(t)
    if not entries:
        raise typer.Exit(1)


@app.command()
def export(
    master: Path = typer.Argument(..., help="考核办汇总工作簿 .xlsx [the master workbook]"),
    out: Path = typer.Option(..., help="导出的 .xlsx [output workbook]"),
    code: str = typer.Option(None, help="另附某单位或某人的历年记录 [add one unit's or person's history]"),
) -> None:
    """导出考核档案：每年度一张表（最新发布版本），可附某单位或某人的历年记录 [export the archive].

    Example: kaohe export 考核汇总.xlsx --out 考核档案.xlsx --code B001
    """
    from addin.archive.errors import ArchiveError
    from addin.archive.export import export_archive

    with _exit_on(ArchiveError):
        done = export_archive(master, out, code)
    Console().print(f"已导出 [exported]: {done}", markup=False)


def _version(text: str) -> int:
    try:
        return int(text.strip().lower().removeprefix("v"))
    except ValueError:
        Console().print(f"版本应写作 v1、v2… [a version is written v1, v2…]: {text}", markup=False)
        raise typer.Exit(2) from None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        Console().print(f"日期格式应为 YYYY-MM-DD [bad date]: {text}", markup=False)
        raise typer.Exit(2) from None


@app.command()
def publicize(
    master: Path = typer.Argument(..., help="考核办汇总工作簿 .xlsx [the master workbook]"),
    year: int = typer.Option(..., help="考核年度 [assessment year]"),
    start: str = typer.Option(..., help="公示开始日期 YYYY-MM-DD [first day of publicity]"),
    days: int = typer.Option(None, help="公示天数（5–7），默认按方案的公示天数 [days, 5–7; default: the scheme's staff.publicity_days]"),
) -> None:
    """按单位生成拟定优秀和拟表彰人员公示表（最新发布版本）[publicity lists per unit].

    Example: kaohe publicize 考核汇总.xlsx --year 2026 --start 2027-01-11
    """
    from addin.archive.documents import publicity_lists
    from addin.archive.versions import ArchiveError

    with _exit_on(ArchiveError):
        paths = publicity_lists(master, year, _date(start), days or _schemes(master.parent).municipal.staff.publicity_days,
                                master.with_name(f"{master.stem}_{year}_公示"))
    Console().print(f"已生成 {len(paths)} 份公示表 [publicity lists] → {paths[0].parent if paths else '-'}", markup=False)


@app.command()
def notices(
    master: Path = typer.Argument(..., help="考核办汇总工作簿 .xlsx [the master workbook]"),
    year: int = typer.Option(..., help="考核年度 [assessment year]"),
    notified: str = typer.Option(..., help="书面通知日期 YYYY-MM-DD [date of notification]"),
) -> None:
    """生成书面通知：每人一页（按单位成册）、每单位一页，写明结果和申诉截止日 [written notices].

    Example: kaohe notices 考核汇总.xlsx --year 2026 --notified 2027-01-20
    """
    from addin.archive.documents import notices as run
    from addin.archive.versions import ArchiveError

    with _exit_on(ArchiveError):
        paths = run(master, year, _date(notified), _schemes(master.parent).municipal,
                    master.with_name(f"{master.stem}_{year}_书面通知"))
    Console().print(f"已生成 {len(paths)} 份书面通知 [notices] → {paths[0].parent}", markup=False)


@app.command()
def circular(
    master: Path = typer.Argument(..., help="考核办汇总工作簿 .xlsx [the master workbook]"),
    year: int = typer.Option(..., help="考核年度 [assessment year]"),
    pdf: bool = typer.Option(False, "--pdf", help="同时用 LibreOffice 输出 PDF [also print to PDF]"),
) -> None:
    """生成考核结果通报：分口排名表、区(市)排名表、图表和提请市委常委会批准的名单 [the circular].

    Example: kaohe circular 考核汇总.xlsx --year 2026 --pdf
    """
    from addin.archive.documents import circular as run
    from addin.archive.documents import to_pdf
    from addin.archive.versions import ArchiveError

    with _exit_on(ArchiveError):
        path = run(master, year, _schemes(master.parent).municipal, master.with_name(f"{master.stem}_{year}_通报.xlsx"))
        done = [path, *(to_pdf([path], path.parent) if pdf else [])]
    for p in done:
        Console().print(f"通报 [circular]: {p}", markup=False)


scheme_app = typer.Typer(help="考核方案 [the scheme]", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(scheme_app, name="scheme")


@scheme_app.command("diff")
def scheme_diff(
    old_year: int = typer.Argument(..., help="较早的年度 [the earlier year]"),
    new_year: int = typer.Argument(..., help="较晚的年度 [the later year]"),
    master: Path = typer.Option(..., "--master", help="考核办汇总工作簿 .xlsx（其档案中记录了各年度的方案）[master]"),
) -> None:
    """列出两个年度考核方案（各年度最新发布版本所依据的方案）之间的规则变化
    [what changed in the rules between two years' published schemes].

    Example: kaohe scheme diff 2025 2026 --master 考核汇总.xlsx
    """
    from addin.archive.versions import ArchiveError, latest_scheme, scheme_label
    from addin.scheme.compare import compare_schemes
    from addin.scheme.loader import _DecimalLoader, parse_scheme

    import yaml

    with _exit_on(ArchiveError, SchemeError):
        records = [latest_scheme(master, y) for y in (old_year, new_year)]
        old, new = (parse_scheme(yaml.load(r.text, Loader=_DecimalLoader), f"{y}年度方案")  # noqa: S506
                    for r, y in zip(records, (old_year, new_year)))
    console = Console(soft_wrap=True)
    console.print(f"{old_year}：{scheme_label(records[0])} → {new_year}：{scheme_label(records[1])}", markup=False)
    changes = compare_schemes(old, new)
    for path, a, b in changes:
        console.print(f"  {path}: {'（无）' if a is None else a} → {'（无）' if b is None else b}", markup=False)
    console.print(f"共 {len(changes)} 处规则变化 [{len(changes)} changes]" if changes else
                  "两个年度的考核规则相同 [the rules are the same]", markup=False)


@app.command("check-scheme")
def check_scheme(path: Path = typer.Argument(..., help="方案文件 (YAML) [scheme file]")) -> None:
    """检查方案文件，列出全部问题 [validate a scheme file and list every problem].

    Example: kaohe check-scheme addin/scheme/files/municipal.yaml
    """
    from addin.scheme import load_scheme
    from addin.scheme.loader import scheme_hash

    with _exit_on(SchemeError):
        scheme = load_scheme(path)
    Console().print(f"方案有效 [valid]: {scheme.id} {scheme.version}  hash {scheme_hash(scheme)[:16]}", markup=False)


@app.command()
def deadline(
    notified: str = typer.Argument(..., help="书面通知日期 YYYY-MM-DD [date of notification]"),
    year_dir: Path = typer.Option(Path("."), "--year-dir", help="年度文件夹（其中的 节假日.yaml 优先）[year folder]"),
) -> None:
    """计算申诉（复核）截止日，并说明节假日依据 [the last day to lodge an appeal, and which holiday data it used].

    Holidays come from the year folder's 节假日.yaml, then the scheme's holidays, then chinese-calendar; a year
    none covers is counted on weekends only and said so.

    Example: kaohe deadline 2026-09-24
    """
    from addin.engine.calendar import appeal_deadline
    from addin.office.holidays import year_calendar

    day = _date(notified)
    with _exit_on(SchemeError, HolidaysError):
        scheme = _schemes(year_dir).municipal
        result = appeal_deadline(day, scheme.appeals, year_calendar(scheme, year_dir))
    Console().print(f"{result.date.isoformat()}  ({result.trace})", markup=False)
    Console().print(f"节假日依据 [holiday data]: {result.source}", markup=False)
    if result.weekends_only:
        Console().print(f"注意：该年度没有节假日数据，仅按周末顺延；请在 {year_dir / '节假日.yaml'} 中录入国务院当年的节假日安排 "
                        f"[no holiday data: weekends only]", markup=False)


if __name__ == "__main__":  # pragma: no cover
    app()


def _register_mail_commands() -> None:
    """``fetch`` and ``remind`` live in addin/cli_mail.py (the mail loop)."""
    from addin import cli_mail

    app.command("fetch")(cli_mail.fetch)
    app.command("remind")(cli_mail.remind)


_register_mail_commands()
