"""How ``kaohe`` answers a wrong invocation (a missing argument or option, an unknown option
or command, a bad value, extra words): one line in Chinese with the English in brackets,
naming what is wrong and how to fix it (the command's own example), exit 2; never click's
"Usage:" box, never a traceback. Help (``--help``, a group given no command) is unchanged.

Typer prints a usage error in ``typer.core._main`` once it has escaped the root command::

    with self.make_context(prog_name, args, **extra) as ctx:
        rv = self.invoke(ctx)
    ...
    except _click.exceptions.ClickException as e:
        ...
            e.show()
        sys.exit(e.exit_code)
    ...
    except Exit as e:
        if standalone_mode:
            sys.exit(e.exit_code)

:class:`UsageGroup` (the ``cls`` of the ``kaohe`` Typer) catches the error in those two
methods first, prints the line and raises ``typer.Exit(2)``: the console script and
``CliRunner().invoke(app, ...)`` (both call the group's ``main``) end the same way."""

from __future__ import annotations

import contextlib
import difflib
import re
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

try:  # typer carries its own copy of click (typer._click) since it stopped depending on click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - an older typer on the click package
    from click import exceptions as click_errors

from addin.cli_common import EXIT_USAGE, say

PROG = "kaohe"
_WORDS = "kaohe.words"
"""``ctx.meta`` key (shared by every nested context): the words after ``kaohe``."""

_HELP_ERROR = getattr(click_errors, "NoArgsIsHelpError", ())
"""A group given no command shows its help: click raises that as a usage error too."""

_EXAMPLES = re.compile(r"^Examples?\b[^:\n]*:\s*(.+?)(?:\n\s*\n|\Z)", re.M | re.S)


class UsageGroup(TyperGroup):
    """The ``kaohe`` group: a usage error anywhere below it (``kaohe scheme diff 2026``
    too) is one line (:func:`usage_message`) and exit 2."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        words = list(args)
        with usage_errors(self, words):
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        ctx.meta.setdefault(_WORDS, words)
        return ctx

    def invoke(self, ctx: Any) -> Any:
        words = ctx.meta.get(_WORDS, [])
        with usage_errors(self, words), missing_files(words):
            return super().invoke(ctx)


@contextlib.contextmanager
def usage_errors(root: Any, words: list[str]):
    """Print a usage error as one line and exit 2; help asked for stays help."""
    try:
        yield
    except click_errors.UsageError as exc:
        if isinstance(exc, _HELP_ERROR):
            raise
        say(usage_message(exc, root, words), err=True)
        raise typer.Exit(EXIT_USAGE) from None


@contextlib.contextmanager
def missing_files(words: list[str]):
    """A file or folder a command needed and did not find, which no command caught itself
    (an ``--out`` or ``--receipt`` in a folder that does not exist): one line naming it and
    the option that gave it, exit 2. Other failures are the commands' own
    (:func:`addin.cli_common.exit_on`)."""
    try:
        yield
    except (FileNotFoundError, NotADirectoryError) as exc:
        path = Path(exc.filename) if exc.filename is not None else None
        option = next((f"{w}；" for w, value in zip(words, [*words[1:], ""])
                       if path is not None and w.startswith("--") and Path(value).parent == path.parent), "")
        here = f"{option}当前文件夹 {Path.cwd()}"
        if path is None:
            say(f"找不到文件或文件夹（{exc.strerror or exc}；{here}）：请检查路径 [file or folder not found]", err=True)
        elif not path.parent.is_dir():  # a file to write in a folder that is not there
            say(f"找不到文件夹 {path.parent}（{here}）：请先建立它，或写入已有的文件夹 [folder not found: {path.parent}]",
                err=True)
        else:
            say(f"找不到文件 {path}（{here}）：请检查文件名和路径 [file not found: {path}]", err=True)
        raise typer.Exit(EXIT_USAGE) from None


def usage_message(exc: Any, root: Any, words: list[str]) -> str:
    """The one line for a usage error of ``root`` given ``words``: Chinese, then the English
    in brackets; it names the argument, option, value or command and shows the command's
    own example."""
    command, names, stray = find_command(exc, root, words)
    shown = " ".join([PROG, *names])
    if isinstance(exc, click_errors.MissingParameter) and exc.param is not None:
        name, kind = param_name(exc.param), "参数" if exc.param.param_type_name == "argument" else "选项"
        english = "argument" if kind == "参数" else "option"
        text = (f"缺少{kind} {name}{chinese_help(exc.param)}：{how_to(command, shown, name)} "
                f"[missing {english} {name}{english_help(exc.param)}]")
    elif isinstance(exc, click_errors.NoSuchOption):
        close = exc.possibilities or []
        guess = f"，是否要写 {' 或 '.join(close)}？" if close else "；"
        like = example(command)
        text = (f"{shown} 没有选项 {exc.option_name}{guess}全部选项见 {shown} --help"
                f"{'' if like is None else '，用法如 ' + like} [no such option: {exc.option_name}]")
    elif isinstance(exc, click_errors.BadOptionUsage) and "requires" in exc.message:
        param = option_param(command, exc.option_name)
        text = (f"选项 {exc.option_name} 后面缺少值{chinese_help(param)}：{how_to(command, shown, exc.option_name)}"
                f" [option {exc.option_name} requires a value]")
    elif isinstance(exc, click_errors.BadOptionUsage) and "does not take" in exc.message:
        text = (f"选项 {exc.option_name} 是开关，不带值：只写 {exc.option_name} 即可 "
                f"[option {exc.option_name} does not take a value]")
    elif isinstance(exc, click_errors.BadParameter) and exc.param is not None:
        name = param_name(exc.param)
        given = option_value(exc.param, words)
        shown_value = f"“{given}”" if given is not None else ""
        text = (f"{name} 的值{shown_value}不对{value_kind(exc.param)}{chinese_help(exc.param)}："
                f"{how_to(command, shown, name)} [invalid value for {name}: {exc.message}]")
    elif stray is not None and getattr(command, "commands", None):
        close = difflib.get_close_matches(stray, list(command.commands), n=2)
        guess = f"，是否要写 {' 或 '.join(f'{shown} {c}' for c in close)}？" if close else "；"
        text = (f"{shown} 没有命令 {stray}{guess}全部命令见 {shown} --help（{'、'.join(command.commands)}）"
                f"[no such command: {stray}]")
    elif "unexpected extra argument" in exc.message:
        extra = exc.message.rsplit("(", 1)[-1].rstrip(")")
        text = (f"多余的参数 {extra}：{shown} 不接受这些词（含空格的文件名请加引号），{how_to(command, shown)} "
                f"[unexpected extra arguments: {extra}]")
    else:
        text = f"命令用法不对：{shown} --help 查看用法 [{exc.format_message()}]"
    return " ".join(text.split("\n"))


def find_command(exc: Any, root: Any, words: list[str]) -> tuple[Any, list[str], str | None]:
    """The command an error is about, its names after ``kaohe``, and the first word that
    names no command of a group (an unknown command), if any. The error's own context when
    it has one (the option parser raises a missing option value without), else the words."""
    command, names, stray = root, [], None
    for word in words:
        group = getattr(command, "commands", None)
        if group is None:
            break
        if word in group:
            command = group[word]
            names.append(word)
        elif not word.startswith("-"):
            stray = word
            break
    if exc.ctx is not None:
        ctx, own = exc.ctx, []
        while ctx.parent is not None:
            own.append(ctx.info_name or "")
            ctx = ctx.parent
        if own[::-1] != names:
            stray = None
        command, names = exc.ctx.command, own[::-1]
    return command, names, stray


def examples(command: Any) -> list[str]:
    """The command lines of a command's ``Example:`` (or ``Examples (…):``) paragraph."""
    found = _EXAMPLES.search(getattr(command, "help", None) or "")
    if found is None:
        return []
    text = " ".join(line.strip() for line in found.group(1).splitlines())
    return [piece.split("  ")[0].strip() for piece in text.split(";") if piece.strip()]


def example(command: Any, mention: str | None = None) -> str | None:
    """The example to show: the first naming ``mention`` (an option), else the first."""
    lines = examples(command)
    return next((line for line in lines if mention and mention in line.split()), lines[0]) if lines else None


def how_to(command: Any, shown: str, mention: str | None = None) -> str:
    """用法 and the command's example; a command without one points at its help."""
    found = example(command, mention)
    return f"用法 {found}" if found is not None else f"详见 {shown} --help"


def param_name(param: Any) -> str:
    """``--start`` for an option (its long name), ``NOTIFIED`` for an argument."""
    if param.param_type_name == "argument":
        return (param.name or "").upper()
    return next((o for o in param.opts if o.startswith("--")), param.opts[0])


def option_param(command: Any, option: str) -> Any:
    return next((p for p in getattr(command, "params", []) if option in getattr(p, "opts", [])), None)


def option_value(param: Any, words: list[str]) -> str | None:
    """What was given for an option (``--days x`` or ``--days=x``); None for an argument."""
    if param.param_type_name != "option":
        return None
    for n, word in enumerate(words):
        for opt in param.opts:
            if word == opt and n + 1 < len(words):
                return words[n + 1]
            if word.startswith(opt + "="):
                return word[len(opt) + 1:]
    return None


def value_kind(param: Any) -> str:
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    kind = {int: "整数", float: "数字"}.get(annotation)
    return f"，应为{kind}" if kind else ""


def chinese_help(param: Any) -> str:
    """The Chinese part of a parameter's help, in brackets: （书面通知日期 YYYY-MM-DD）."""
    text = (getattr(param, "help", None) or "").split("[", 1)[0].strip().rstrip("，,；;：:")
    return f"（{text}）" if text else ""


def english_help(param: Any) -> str:
    found = re.search(r"\[([^\]]+)\]", getattr(param, "help", None) or "")
    return f": {found.group(1)}" if found else ""


def require_files(*given: tuple[Path | None, str, str]) -> None:
    """Exit 2 with one line for the first file given on the command line that is not there:
    ``(path, what, option)``, as ``(roster, "单位名册", "--roster")``; None is not given."""
    for path, what, option in given:
        if path is not None and not Path(path).is_file():
            say(f"找不到{what}文件 {path}（{option}；当前文件夹 {Path.cwd()}）：请检查文件名和路径 "
                f"[file not found: {option} {path}]")
            raise typer.Exit(EXIT_USAGE)
