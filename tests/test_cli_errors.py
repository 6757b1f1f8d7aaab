"""Issue 23 item 7: every wrong invocation and every missing file is one line in Chinese with
the English in brackets, naming what is missing and how to fix it; exit 2; never click's
"Usage:" box, never "None", never a traceback. Every command is covered through its own
``Example:`` line (a new command is covered as soon as it has one)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from addin.cli import app

runner = CliRunner()
ROOT = typer.main.get_command(app)


def commands(group=ROOT, path: tuple[str, ...] = ()):
    """Every command under ``kaohe``: (its words, the click command)."""
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = dict(commands())
IDS = [" ".join(p) for p in COMMANDS]


def example_words(path: tuple[str, ...]) -> list[str]:
    """The words after ``kaohe`` of the command's first example, read from its help as a
    clerk sees it (``Example: kaohe …`` or ``Examples (in a year folder): kaohe …; …``)."""
    text = COMMANDS[path].help or ""
    found = re.search(r"Examples?[^:\n]*:\s*(.*)", text)
    assert found, f"kaohe {' '.join(path)}: no Example: line in its help"
    first = found.group(1).split(";")[0].split("  ")[0]
    words = shlex.split(first)
    words = words[words.index("kaohe") + 1:]  # KAOHE_IMAP_PASSWORD=… kaohe fetch …
    assert tuple(words[:len(path)]) == path, f"the example of kaohe {' '.join(path)} is another command's: {first}"
    return words


def run(words: list[str], cwd: Path):
    here = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(app, words, terminal_width=200)
    finally:
        os.chdir(here)


def assert_one_line(result, words: list[str]) -> str:
    """Exit 2, one non-empty line, Chinese and then [English], no usage box, no None, no
    traceback; the line."""
    where = f"kaohe {' '.join(words)}"
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, (where, result.exit_code, result.output)
    assert len(lines) == 1, (where, result.output)
    line = lines[0]
    assert re.search(r"[\u4e00-\u9fff]", line), (where, line)
    assert re.search(r"\[[A-Za-z][^\]]*\]$", line), (where, line)  # ends with the English in brackets
    for never in ("Traceback", "None", "Usage:", "Error:", "Try '"):
        assert never not in line, (where, never, line)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (where, result)
    return line


def required_params(path: tuple[str, ...]):
    return [p for p in COMMANDS[path].params if p.required]


def without(words: list[str], path: tuple[str, ...], param) -> list[str]:
    """``words`` (an example) with one required parameter left out: an option with its value,
    or an argument with every positional word from its place on."""
    command = COMMANDS[path]
    options = {o: p for p in command.params if p.param_type_name == "option" for o in p.opts}
    positions, kept, rest, n = [], list(path), words[len(path):], 0
    while n < len(rest):
        word = rest[n]
        if word in options:
            takes = 0 if getattr(options[word], "is_flag", False) else 1
            if options[word] is not param:
                kept += rest[n:n + 1 + takes]
            n += 1 + takes
        else:
            positions.append(word)
            n += 1
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    if param.param_type_name == "argument":
        positions = positions[:arguments.index(param)]
    return kept + positions


def shown_name(param) -> str:
    if param.param_type_name == "argument":
        return param.name.upper()
    return next(o for o in param.opts if o.startswith("--"))


MISSING = [(path, p) for path in COMMANDS for p in required_params(path)]


def test_examples__every_command_has_one_and_some_need_something():
    assert set(IDS) >= {"demo", "init", "template", "intake", "recompute", "addin build", "addin install", "publish",
                        "diff", "history", "export", "publicize", "notices", "circular", "scheme diff", "check-scheme",
                        "deadline", "fetch", "remind"}
    assert all(example_words(path) for path in COMMANDS)
    assert {" ".join(path) for path, _ in MISSING} >= {"init", "template", "check-scheme", "deadline", "diff",
                                                        "history", "export", "publicize", "notices", "remind",
                                                        "scheme diff"}


@pytest.mark.parametrize(("path", "param"), MISSING, ids=[f"{' '.join(p)} {shown_name(q)}" for p, q in MISSING])
def test_usage_message__the_example_without_a_required_piece(tmp_path, path, param):
    words = without(example_words(path), path, param)
    line = assert_one_line(run(words, tmp_path), words)
    name = shown_name(param)
    kind = ("缺少参数", "missing argument") if param.param_type_name == "argument" else ("缺少选项", "missing option")
    assert line.startswith(f"{kind[0]} {name}") and f"[{kind[1]} {name}" in line, line
    assert f"用法 kaohe {' '.join(path)}" in line, line  # how to fix it: the command's own example
    assert list((tmp_path).iterdir()) == []  # nothing written


@pytest.mark.parametrize("path", list(COMMANDS), ids=IDS)
def test_usage_message__the_example_with_an_unknown_option(tmp_path, path):
    words = [*example_words(path), "--nope"]
    line = assert_one_line(run(words, tmp_path), words)
    assert line.startswith(f"kaohe {' '.join(path)} 没有选项 --nope") and line.endswith("[no such option: --nope]")
    assert f"kaohe {' '.join(path)} --help" in line
    assert list((tmp_path).iterdir()) == []


RUN_ANYWHERE = {("demo",), ("template",), ("deadline",), ("addin", "build"), ("addin", "install")}
"""Commands whose example runs (and succeeds) outside a year folder: the demo makes its own
office, templates default to the sample city, a deadline to the shipped scheme, and the
add-in is built or explained anywhere."""

OUTSIDE = {("init",): "请用 --year 指定考核年度，如 kaohe init 2026考核 --year 2026",
           ("check-scheme",): "找不到方案文件 addin/scheme/files/municipal.yaml（PATH；"}
"""What the other examples that need no year folder say in an empty folder; every command
not listed here or in RUN_ANYWHERE needs a year folder (its master)."""


@pytest.mark.parametrize("path", [p for p in COMMANDS if p not in RUN_ANYWHERE], ids=[
    " ".join(p) for p in COMMANDS if p not in RUN_ANYWHERE])
def test_where__the_example_outside_a_year_folder(tmp_path, path):
    words = example_words(path)
    line = assert_one_line(run(words, tmp_path), words)
    told = OUTSIDE.get(path, f"找不到汇总工作簿（{tmp_path.resolve()}）：请在年度文件夹中运行，或用 --year-dir 指定年度文件夹")
    assert line.startswith(told), line
    assert list((tmp_path).iterdir()) == []


def test_usage_message__the_lines_as_written(tmp_path):
    """Each kind of usage error, its line worked out by hand from the commands' help."""
    cases = {
        ("deadline",): "缺少参数 NOTIFIED（书面通知日期 YYYY-MM-DD）：用法 kaohe deadline 2026-09-24 "
                       "[missing argument NOTIFIED: date of notification]",
        ("publicize",): "缺少选项 --start（公示开始日期 YYYY-MM-DD）：用法 kaohe publicize --start 2027-01-11 "
                        "[missing option --start: first day of publicity]",
        ("scheme", "diff", "2026"): "缺少参数 NEW_YEAR（较晚的年度）：用法 kaohe scheme diff 2026 2027 "
                                    "[missing argument NEW_YEAR: the later year]",
        ("deadline", "2026-09-24", "--yer-dir", "x"): "kaohe deadline 没有选项 --yer-dir，是否要写 --year-dir？"
                                                      "全部选项见 kaohe deadline --help，用法如 kaohe deadline 2026-09-24 "
                                                      "[no such option: --yer-dir]",
        ("deadline", "2026-09-24", "--year-dir"): "选项 --year-dir 后面缺少值（年度文件夹（省略为当前文件夹））："
                                                  "用法 kaohe deadline 2026-09-24 [option --year-dir requires a value]",
        ("intake", "--release"): "选项 --release 后面缺少值（放行一份“暂缓（待核实）”的报送（回执中的编号），电话核实后使用）："
                                 "用法 kaohe intake --release 17 --by 张科长 [option --release requires a value]",
        ("circular", "--pdf=yes"): "选项 --pdf 是开关，不带值：只写 --pdf 即可 [option --pdf does not take a value]",
        ("publicize", "--start", "2027-01-11", "--days", "五"): (
            "--days 的值“五”不对，应为整数（公示天数（5–7），默认按方案的公示天数）：用法 kaohe publicize --start 2027-01-11 "
            "[invalid value for --days: Input should be a valid integer, unable to parse string as an integer]"),
        ("deadline", "2026-09-24", "2026-09-25"): (
            "多余的参数 2026-09-25：kaohe deadline 不接受这些词（含空格的文件名请加引号），"
            "用法 kaohe deadline 2026-09-24 [unexpected extra arguments: 2026-09-25]"),
        ("publsh",): "kaohe 没有命令 publsh，是否要写 kaohe publish？全部命令见 kaohe --help（demo、init、template、intake、"
                     "recompute、check-scheme、deadline、serve、fetch、remind、publish、diff、history、export、publicize、notices、"
                     "circular、trace、evidence、addin、scheme）[no such command: publsh]",
        ("scheme", "dif"): "kaohe scheme 没有命令 dif，是否要写 kaohe scheme diff？全部命令见 kaohe scheme --help（diff）"
                           "[no such command: dif]",
        ("--nope",): "kaohe 没有选项 --nope；全部选项见 kaohe --help [no such option: --nope]",
    }
    for words, told in cases.items():
        assert assert_one_line(run(list(words), tmp_path), list(words)) == told


def test_require_files__a_missing_roster_is_one_line(tmp_path):
    """The finding: a missing roster CSV gave a 50-line traceback (kaohe template); kaohe init
    names it before anything else (its year)."""
    for words in (["init", "2027考核", "--roster", "missing.csv"], ["template", "模板", "--roster", "missing.csv"],
                  ["init", "2027考核", "--year", "2027", "--roster", "missing.csv"]):
        line = assert_one_line(run(words, tmp_path), words)
        assert line == (f"找不到单位名册文件 missing.csv（--roster；当前文件夹 {tmp_path.resolve()}）：请检查文件名和路径 "
                        f"[file not found: --roster missing.csv]"), line
    (tmp_path / "单位.csv").write_text("单位编码,单位名称,类别,分口\nB001,市委办公室,部门,党群\n", encoding="utf-8")
    words = ["template", "模板", "--roster", "单位.csv", "--staff", "人员 名册.csv"]
    line = assert_one_line(run(words, tmp_path), words)
    assert line.startswith("找不到人员名册文件 人员 名册.csv（--staff；") and line.endswith("[file not found: --staff 人员 名册.csv]")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["单位.csv"]  # nothing built, no year folder made


def test_template__an_empty_roster_says_so_not_none(tmp_path):
    """Was 没有生成任何模板：单位 None 不在名册中 (no --unit given)."""
    (tmp_path / "单位.csv").write_text("单位编码,单位名称,类别,分口\n", encoding="utf-8")
    done = run(["template", "模板", "--roster", "单位.csv", "--kind", "appendix"], tmp_path)
    assert done.exit_code == 2 and "None" not in done.output, done.output
    assert "没有生成任何模板：名册 单位.csv 中没有单位 [nothing built: the roster has no units]" in done.output


@pytest.mark.parametrize("path", [(), *COMMANDS, ("addin",), ("scheme",)], ids=["kaohe", *IDS, "addin", "scheme"])
def test_usage_group__help_stays_help(path):
    done = runner.invoke(app, [*path, "--help"], terminal_width=200, prog_name="kaohe")
    assert done.exit_code == 0 and done.output.startswith(" ".join(["Usage: kaohe", *path])), done.output
    if path in COMMANDS:
        assert "Example" in done.output


def test_usage_group__a_group_given_nothing_shows_its_help():
    for path, listed in (([], "check-scheme"), (["scheme"], "diff"), (["addin"], "install")):
        done = runner.invoke(app, path, terminal_width=200)
        assert "Usage:" in done.output and "Commands:" in done.output and listed in done.output, done.output


def test_usage_group__the_console_script_too(tmp_path):
    """Through typer's own main (sys.exit, stderr), as the installed ``kaohe`` runs."""
    done = subprocess.run([sys.executable, "-c", "from addin.cli import app; app(prog_name='kaohe')", "deadline"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == "", done
    assert done.stderr == ("缺少参数 NOTIFIED（书面通知日期 YYYY-MM-DD）：用法 kaohe deadline 2026-09-24 "
                           "[missing argument NOTIFIED: date of notification]\n"), done.stderr


NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-中文", min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(list(COMMANDS)), name=NAMES)
def test_usage_message__any_unknown_option_is_one_line(tmp_path, path, name):
    option = f"--zz{name}"
    words = [*example_words(path), option]
    line = assert_one_line(run(words, tmp_path), words)
    assert f"没有选项 {option}" in line and line.endswith(f"[no such option: {option}]")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(group=st.sampled_from([(), ("scheme",), ("addin",)]), name=NAMES.filter(lambda n: not n.startswith("-")))
def test_usage_message__any_unknown_command_is_one_line(tmp_path, group, name):
    known = ROOT.commands if not group else ROOT.commands[group[0]].commands
    if name in known:
        return
    words = [*group, name]
    line = assert_one_line(run(words, tmp_path), words)
    assert f"没有命令 {name}" in line and line.endswith(f"[no such command: {name}]")


def test_missing_files__a_file_to_write_in_a_folder_that_is_not_there(tmp_path):
    """``--out``/``--receipt`` in a missing folder gave a traceback (the atomic writer's
    temporary file not found): one line naming the folder and the option."""
    (tmp_path / "units.csv").write_text("单位编码,单位名称,类别,分口\nB01,市委办公室,部门,党群\n", encoding="utf-8")
    (tmp_path / "考核办").mkdir()
    made = run(["init", "2026考核", "--year", "2026", "--roster", str(tmp_path / "units.csv")], tmp_path / "考核办")
    assert made.exit_code == 0, made.output
    year = tmp_path / "考核办" / "2026考核"
    for words, option in ((["export", "--out", "无此文件夹/档案.xlsx"], "--out"),
                          (["intake", "--quiet", "--receipt", "无此文件夹/回执.xlsx"], "--receipt")):
        line = assert_one_line(run(words, year), words)
        assert line == (f"找不到文件夹 无此文件夹（{option}；当前文件夹 {year.resolve()}）：请先建立它，或写入已有的文件夹 "
                        f"[folder not found: 无此文件夹]"), line
        assert not (year / "无此文件夹").exists()
