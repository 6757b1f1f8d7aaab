"""The ``kaohe`` command: thin adapters over the engine. Inside a year folder no command
needs a master or a year: both are the folder's (:mod:`addin.cli_common`)."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.console import Console

from addin.cli_common import EXIT_USAGE, exit_on, parse_date, say, schemes, where
from addin.cli_usage import UsageGroup, require_files
from addin.errors import HolidaysError, KaoheError, SchemeError, SettingsError

app = typer.Typer(
    help="kaohe 目标管理考核：方案、计分、排名与评先 [target-management assessment].",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # help text holds [English] in brackets, not markup
    cls=UsageGroup,  # a wrong invocation is one line in Chinese and English, exit 2 (addin/cli_usage.py)
)


@app.command()
def demo(
    out: Path = typer.Option(Path("kaohe-demo"), help="演示用的考核办文件夹（会被重建），年度文件夹在其中 "
                             "[the demo office folder, rebuilt; its year folder inside]"),
    year: int = typer.Option(2026, help="考核年度 [assessment year]"),
    seed: int = typer.Option(2026, help="样例数据随机种子 [sample data seed]"),
) -> None:
    """演示一个考核年度：建立考核办文件夹和年度文件夹，生成模板、填写样例报送并存为邮件、接收汇总、重新计算排名
    [run a sample year end to end, as an office: templates, mailed submissions, intake, recompute].

    Every command of the README then works in the demo's year folder (cd kaohe-demo/2026考核).

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
    for label, path in (("考核办文件夹 office", out), ("年度文件夹 year folder", paths.folder),
                        ("模板 templates", paths.templates), ("收件箱 inbox", paths.inbox),
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
    folder: Path = typer.Argument(..., help="新的年度文件夹，如 2027考核；其上级文件夹为考核办文件夹 [the new year folder]"),
    year: int = typer.Option(None, help="考核年度；省略时为考核办上一年度加 1 [assessment year; default: the last + 1]"),
    scheme: Path = typer.Option(None, help="本年度考核方案 YAML；省略时沿用上一年度的，没有上一年度时复制内置方案 "
                                "[the year's scheme; default: last year's, else the shipped one]"),
    audit_scheme: Path = typer.Option(None, "--audit-scheme", help="审计局考核方案 YAML [the audit bureau's scheme]"),
    roster: Path = typer.Option(None, help="单位名册 CSV（单位编码,单位名称,类别,分口,报送邮箱）；省略时沿用上一年度的，"
                                "没有上一年度时用样例城市 [units CSV; default: last year's, else the sample city]"),
    staff: Path = typer.Option(None, help="人员名册 CSV（人员编码,姓名,单位编码,层级,主要负责人）[staff CSV]"),
) -> None:
    """建立年度文件夹：考核方案、名册、汇总工作簿和收件箱；考核办档案（含考核办密钥）和设置在上级的考核办文件夹中，
    各年度共用；方案先经检查 [create a year folder in its office].

    The folder's parent is the office: one archive (考核档案.kaohe.sqlite) and one 设置.yaml for every year.
    A new year starts from the office's previous year: its scheme and rosters, unless given. Every command
    then works from inside the folder (or with --year-dir) with that folder's scheme and year.

    Example: kaohe init 2027考核  (after 2026考核, in the same office folder)
    """
    from addin.newyear import init_year, previous_year
    from addin.office.folder import AUDIT_SCHEME_FILE, SCHEME_FILE, STAFF_FILE, UNITS_FILE, year_folders
    from addin.office.roster import RosterError, read_roster

    require_files((roster, "单位名册", "--roster"), (staff, "人员名册", "--staff"), (scheme, "考核方案", "--scheme"),
                  (audit_scheme, "审计局考核方案", "--audit-scheme"))
    office = folder.resolve().parent
    if year is None:
        known = year_folders(office)
        if not known:
            say("请用 --year 指定考核年度，如 kaohe init 2026考核 --year 2026（考核办文件夹中还没有年度文件夹）"
                "[give --year: the office has no year yet]")
            raise typer.Exit(EXIT_USAGE)
        year = max(known) + 1
    with exit_on(SchemeError, RosterError, KaoheError, folder=office if office.exists() else None):
        before = previous_year(folder, year)
        if before is not None:
            scheme = scheme or before / SCHEME_FILE
            audit_scheme = audit_scheme or before / AUDIT_SCHEME_FILE
            if roster is None and (before / UNITS_FILE).is_file():
                roster = before / UNITS_FILE
                staff = staff or (before / STAFF_FILE if (before / STAFF_FILE).is_file() else None)
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
    from addin.intake.store import archive_path

    start = f"（沿用 {before.name} 的方案和名册）" if before is not None else ""
    say(f"已建立 {year} 年度文件夹{start} [year folder]: {folder}\n  考核方案: {folder / SCHEME_FILE}\n"
        f"  汇总工作簿: {master}\n  考核办档案（各年度共用，含考核办密钥，请勿外传）: {archive_path(master)}\n"
        f"下一步：cd {folder} 后运行 kaohe template 模板")


def _kinds_beside(master: Path | None) -> list[str] | None:
    """Every year-end kind but the master when ``master`` exists (a year folder's), else all (None)."""
    from workbook_templates.build import KIND_IDS

    return [k for k in KIND_IDS if k != "master"] if master is not None and master.is_file() else None


@app.command()
def template(
    out: Path = typer.Argument(..., help="输出文件夹 [output folder]"),
    kind: list[str] = typer.Option(None, "--kind", "-k",
                                   help="模板种类，可多次指定 [kind, repeatable]: appendix, target-book, district-book, "
                                        "scoring-sheet, register, staff-roster, staff-form, staff-book, audit-form, master；"
                                        "省略为全部 [all]；half-year = 区(市)半年考核所用的附表（标明半年），只在指定时生成"),
    unit: str = typer.Option(None, help="只生成该单位（单位编码、分口名称或 KHB）[one unit only]"),
    roster: Path = typer.Option(None, help="单位名册 CSV：单位编码,单位名称,类别,分口；省略用年度文件夹的，或内置样例 "
                                "[units CSV]"),
    staff: Path = typer.Option(None, help="人员名册 CSV：人员编码,姓名,单位编码,层级,主要负责人 [staff CSV]"),
    year: int = typer.Option(None, help="考核年度；在年度文件夹中为其年度（不同则拒绝），否则默认 2026 [assessment year]"),
    master: Path = typer.Option(None, "--master", help="模板所属的汇总工作簿：用其档案中的考核办密钥为模板编号，"
                                "并使用其文件夹中的考核方案；在年度文件夹中省略 [the master whose archive keys the templates]"),
    year_dir: Path = typer.Option(None, "--year-dir", help="年度文件夹（省略时为当前文件夹，如它是年度文件夹）"
                                  "[the year folder]"),
    formulas: str = typer.Option(None, "--formulas", help="计算方式 [how templates compute]：addin = 调用加载项函数"
                                 "（=ITEM_SCORE，需安装加载项）；native = 通用公式，WPS、LibreOffice、未装加载项的 Excel 均可计算；"
                                 "省略时按单位名册的“填报方式”列（空白为 addin）"),
) -> None:
    """按考核方案生成标准化模板（附表1–9、部门/区(市)/工作人员目标责任书、评分表、登记表、名册、审计考评表、汇总工作簿）
    [build the standardized templates from the schemes].

    In a year folder the templates take its scheme, its rosters and its year, and are keyed with the office
    secret of its office archive; intake accepts only templates keyed with that secret, for that year.
    The year folder has its master (考核汇总.xlsx, made by init), so without --kind every kind but the master is
    built: there is never a second master to mistake for it.

    With --formulas native every computed cell is an ordinary formula (IF, ROUND, SUM, …) that Excel 2010+,
    WPS and LibreOffice compute without the add-in; intake recomputes either form with the engine.

    Example (in a year folder): kaohe template 模板 --kind appendix --unit B001 --formulas native
    """
    from addin.demo import city_books, sample_city
    from addin.intake.store import archive_path, office_secret
    from addin.office.folder import STAFF_FILE, UNITS_FILE
    from addin.office.roster import RosterError, read_roster
    from addin.workbook.identity import FORMULA_FORMS
    from workbook_templates.build import OFFICE_FOLDER, all_kinds, build_templates

    require_files((roster, "单位名册", "--roster"), (staff, "人员名册", "--staff"))
    at = where(master, year_dir, year, need_master=False, need_year=False)
    if at.folder is not None:
        roster = roster or (at.folder / UNITS_FILE if (at.folder / UNITS_FILE).is_file() else None)
        staff = staff or (at.folder / STAFF_FILE if (at.folder / STAFF_FILE).is_file() else None)
    year = at.year if at.year is not None else 2026
    year_schemes = schemes(at.folder or (at.master.parent if at.master else None))
    if formulas is not None and formulas not in FORMULA_FORMS:
        say(f"--formulas 只能为 addin 或 native，不是“{formulas}” [--formulas must be addin or native]")
        raise typer.Exit(EXIT_USAGE)
    bad = sorted(set(kind or []) - set(all_kinds()))
    if bad:
        say(f"未知模板种类 [unknown kinds]: {', '.join(bad)}；可选 [choose from]: {', '.join(all_kinds())}")
        raise typer.Exit(EXIT_USAGE)
    books = None
    if roster is None:  # the same sample city as `kaohe demo` and `kaohe init`
        units = sample_city(2026)
        books = city_books(units)
    else:
        with exit_on(RosterError):
            units = read_roster(roster, staff)
    anchor = at.master or Path(out) / OFFICE_FOLDER / f"{year}_KHB_考核汇总工作簿.xlsx"
    anchor.parent.mkdir(parents=True, exist_ok=True)
    with exit_on(folder=anchor.parent):
        secret = office_secret(anchor, year=year)
        built = build_templates(out, municipal=year_schemes.municipal, audit=year_schemes.audit, roster=units,
                                year=year, kinds=kind or _kinds_beside(at.master), unit=unit, books=books,
                                secret=secret, formulas=formulas)
    if not built:
        say(f"没有生成任何模板：单位 {unit} 不在名册中？[nothing built: is the unit on the roster?]" if unit else
            f"没有生成任何模板：名册 {roster or '（内置样例）'} 中没有单位 [nothing built: the roster has no units]")
        raise typer.Exit(EXIT_USAGE)
    say(f"已生成 {len(built)} 个 {year} 年度模板 [built {len(built)} templates for {year}] → {out}")
    say(f"模板编号使用 {archive_path(anchor)} 中的考核办密钥（请勿外传）[keyed with the office secret in that "
        f"archive: keep it]")


@app.command()
def intake(
    inbox: Path = typer.Argument(None, help="收件文件夹：.eml、.msg 邮件或 .xlsx 附件；在年度文件夹中省略时为 收件箱 "
                                 "[inbox folder]"),
    master: Path = typer.Option(None, "--master", help="考核办汇总工作簿 .xlsx；在年度文件夹中省略 [the master workbook]"),
    year_dir: Path = typer.Option(None, "--year-dir", help="年度文件夹 [the year folder]"),
    year: int = typer.Option(None, help="考核年度；为汇总工作簿的年度，给出时须一致 [assessment year: the master's]"),
    receipt: Path = typer.Option(None, help="回执文件，默认与汇总工作簿同目录 [receipt .xlsx]"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="不显示进度和汇总表 [no progress bar or table]"),
    release: int = typer.Option(None, "--release", help="放行一份“暂缓（待核实）”的报送（回执中的编号），电话核实后使用 "
                                "[apply a held submission by its id, after checking by phone]"),
    by: str = typer.Option(None, "--by", help="放行人（记录在档案中），默认为当前登录用户 [who releases it]"),
    reply: bool = typer.Option(False, "--reply", help="接收后给每封来信的发件人回复处理结果和回执（每封只回复一次）"
                               "[reply to every sender, once per message]"),
    dry_run: bool = typer.Option(False, "--dry-run", help="与 --reply 同用：预览——只核对、把回复写入 发件箱（预览） 文件夹，"
                                 "不接收、不记录、不发送 [preview: check, write the replies as .eml files; nothing is "
                                 "taken in, recorded or sent]"),
    recheck: bool = typer.Option(False, "--recheck", help="重新核对此前退回的文件（考核办修改名册或方案后）"
                                 "[check again the files earlier runs rejected]"),
) -> None:
    """接收邮件附件：识别、校验、重算、汇总入库并生成回执 [take in emailed workbooks].

    The year is the master's: a template of another year is refused, whatever --year says. A file from a sender
    not registered for its unit (or marked spf/dkim/dmarc=fail by the office's own mail server) is held
    (暂缓，待核实): listed with its id, not applied. After checking by phone, release it with --release ID.

    Exit codes: 0 every file accepted or held (and skipped files); 1 some file rejected; 2 could not run
    (master missing or open, another intake running, bad arguments, nothing to release); 3 the machine failed
    (disk full, read-only folder, no permission): nothing was changed. With --reply, a mail failure
    exits as kaohe fetch does (2 settings, 4 login refused, 5 unreachable or TLS, 6 refused or dropped;
    sent replies are recorded, unsent ones go out on the next run).

    Examples (in a year folder): kaohe intake; kaohe intake --reply --dry-run;
    kaohe intake --release 17 --by 张科长
    """
    from addin.intake.master import MasterError
    from addin.intake.receipt import write_receipt
    from addin.intake.run import SUPERSEDED, ReleaseError, release_held, run_intake, year_submissions
    from addin.office.folder import INBOX

    console = Console(quiet=quiet)
    at = where(master, year_dir, year)
    year_schemes = schemes(at.folder or at.master.parent)
    if release is not None:
        with exit_on(MasterError, ReleaseError, SettingsError, folder=at.master.parent):
            _align(at.master, year_schemes.municipal)
            outcome = release_held(at.master, release, by=by or getpass.getuser(), municipal=year_schemes.municipal,
                                   audit=year_schemes.audit, year=at.year)
        shown = f"{outcome.envelope.file_name}（{outcome.identity.unit_code} {outcome.identity.unit_name}）"
        if outcome.status == SUPERSEDED:
            say(f"已放行报送 {release}：{shown}；该单位此表已有更晚到达的报送，本份未写入汇总工作簿 "
                f"[released, but a later arrival is on record: not applied]")
        else:
            say(f"已放行报送 {release}：{shown}，已写入汇总工作簿 [released and applied]")
        raise typer.Exit(0)
    inbox = inbox or (at.master.parent / INBOX)
    if not inbox.is_dir():
        say(f"找不到收件文件夹：{inbox}；请把邮件或附件放入 {INBOX}，或在命令中给出文件夹 [inbox not found]")
        raise typer.Exit(EXIT_USAGE)
    if dry_run and not reply:
        say("--dry-run 只与 --reply 同用：预览回复，不接收任何文件 [--dry-run goes with --reply]")
        raise typer.Exit(EXIT_USAGE)
    if reply:  # the mail settings and the server, before anything changes
        from addin.cli_mail import check_reply_settings

        code = check_reply_settings(at.master, dry_run)
        if code:
            raise typer.Exit(code)
    with exit_on(MasterError, SettingsError, folder=at.master.parent):
        if not dry_run:
            _align(at.master, year_schemes.municipal)
        result = _with_progress(console, quiet, lambda progress: run_intake(
            inbox, at.master, municipal=year_schemes.municipal, audit=year_schemes.audit, year=at.year,
            progress=progress, dry_run=dry_run, recheck=recheck))
        path = None if dry_run else write_receipt(result, receipt or at.master.with_name(f"{at.master.stem}_回执.xlsx"),
                                                  at.year, state=year_submissions(at.master, at.year))
    from addin.console import render_intake

    render_intake(console, result, path)
    code = 1 if result.rejected else 0
    if reply:
        from addin.cli_mail import reply_to_senders

        code = reply_to_senders(result, at.master, inbox, at.year, dry_run) or code
    raise typer.Exit(code)


def _align(master: Path, scheme) -> None:
    """Bring the master's input columns in line with the folder's scheme (a scheme edited
    after init), saying what changed; under the master's lock."""
    from addin.intake.master import check_not_open, master_lock
    from addin.workbook.alignment import align_master

    check_not_open(master)
    with master_lock(master):
        for change in align_master(master, scheme):
            say(change.message, err=True)


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
    master: Path = typer.Argument(None, help="考核办汇总工作簿 .xlsx；在年度文件夹中省略 [the master workbook]"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="不显示进度 [no progress]"),
    year_dir: Path = typer.Option(None, "--year-dir", help="年度文件夹 [the year folder]"),
) -> None:
    """重新计算排名：读取输入表，计算综合得分、名次、先进集体、人员等次和预警，写入结果表
    [recompute rankings: the same code as the ribbon button, on a file].

    Blank 上年综合得分 and 上年等次 are filled from the office archive's latest published version of the
    previous year. When the folder's scheme was edited after init, the master's columns follow it first
    (renamed columns keep their values, new ones are blank, removed ones move to a sheet of their own).

    Exit codes: 0 results written; 1 input errors (listed in the 问题 sheet, results unchanged); 2 could not run;
    3 the machine failed (disk full, read-only folder, no permission): nothing was changed.

    Example (in a year folder): kaohe recompute
    """
    from addin.archive.errors import ArchiveError
    from addin.hosts import FileHost
    from addin.intake.master import MasterError, check_not_open, master_lock
    from addin.macro import recompute as run
    from addin.workbook.alignment import align_master
    from addin.workbook.worksheet import SheetError

    console = Console(quiet=quiet)
    at = where(master, year_dir, need_year=False)
    year_schemes = schemes(at.folder or at.master.parent)
    scheme = year_schemes.municipal
    with exit_on(MasterError, ArchiveError, SheetError, HolidaysError, folder=at.master.parent):
        check_not_open(at.master)
        with master_lock(at.master):
            for change in align_master(at.master, scheme):
                say(change.message, err=True)
            outcome = run(FileHost(at.master, progress=lambda text: console.print(text, markup=False)), scheme,
                          audit=year_schemes.audit)
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


@app.command("check-scheme")
def check_scheme(path: Path = typer.Argument(..., help="方案文件 (YAML) [scheme file]")) -> None:
    """检查方案文件，列出全部问题 [validate a scheme file and list every problem].

    Example: kaohe check-scheme addin/scheme/files/municipal.yaml
    """
    from addin.scheme import load_scheme
    from addin.scheme.loader import scheme_hash

    require_files((path, "方案", "PATH"))
    with exit_on(SchemeError):
        scheme = load_scheme(path)
    Console().print(f"方案有效 [valid]: {scheme.id} {scheme.version}  hash {scheme_hash(scheme)[:16]}", markup=False)


@app.command()
def deadline(
    notified: str = typer.Argument(..., help="书面通知日期 YYYY-MM-DD [date of notification]"),
    year_dir: Path = typer.Option(None, "--year-dir", help="年度文件夹（省略为当前文件夹）[year folder]"),
) -> None:
    """计算申诉（复核）截止日，并说明节假日依据 [the last day to lodge an appeal, and which holiday data it used].

    Holidays come from the year folder's 节假日.yaml, then the office's, then the scheme's holidays, then
    chinese-calendar; a year none covers is counted on weekends only and said so.

    Example: kaohe deadline 2026-09-24
    """
    from addin.engine.calendar import appeal_deadline
    from addin.office.holidays import HOLIDAYS_FILE, year_calendar

    day = parse_date(notified)
    if year_dir is not None and not year_dir.is_dir():
        say(f"找不到年度文件夹 {year_dir}；请给出正确的文件夹，或在年度文件夹中运行 [no such folder: {year_dir}]")
        raise typer.Exit(EXIT_USAGE)
    folder = year_dir if year_dir is not None else Path(".")
    with exit_on(SchemeError, HolidaysError):
        scheme = schemes(folder).municipal
        result = appeal_deadline(day, scheme.appeals, year_calendar(scheme, folder))
    say(f"{result.date.isoformat()}  ({result.trace})")
    say(f"节假日依据 [holiday data]: {result.source}")
    if result.weekends_only:
        say(f"注意：该年度没有节假日数据，仅按周末顺延；请在 {folder / HOLIDAYS_FILE} 中录入国务院当年的节假日安排 "
            f"[no holiday data: weekends only]")


def _register_commands() -> None:
    """``fetch`` and ``remind`` live in addin/cli_mail.py (the mail loop); publish, diff,
    history, export, publicize, notices, circular and scheme diff in addin/cli_archive.py."""
    from addin import cli_archive, cli_mail, cli_serve

    app.command("serve")(cli_serve.serve)
    app.command("fetch")(cli_mail.fetch)
    app.command("remind")(cli_mail.remind)
    for name, command in cli_archive.COMMANDS.items():
        app.command(name)(command)
    from addin import cli_trace  # trace and evidence (issue 26)

    for name, command in cli_trace.COMMANDS.items():
        app.command(name)(command)
    scheme_app.command("diff")(cli_archive.scheme_diff)


scheme_app = typer.Typer(help="考核方案 [the scheme]", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(scheme_app, name="scheme")
_register_commands()


if __name__ == "__main__":  # pragma: no cover
    app()
