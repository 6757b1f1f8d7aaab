"""The rooms and their floors (issue 22): each module of ``addin`` is on one floor, and an
import only ever points down or across a floor, never up; and no two modules import each
other, directly or round a circle. A package may span floors (``mail``: the addresses
sit low, since intake reads senders with them; fetch and replies sit above intake, since
they read its record), but every module has exactly one floor."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FLOORS: list[tuple[str, tuple[str, ...]]] = [
    ("core", ("addin", "addin.numbers", "addin.problems", "addin.errors", "addin.environment")),
    ("scheme", ("addin.scheme",)),
    ("engine", ("addin.engine", "addin.native_formula")),
    ("office", ("addin.office", "addin.mail", "addin.mail.addresses", "addin.mail.headers", "addin.workbook")),
    ("archive core", ("addin.archive.errors", "addin.archive.chain", "addin.provenance.writes")),
    ("intake", ("addin.intake",)),
    ("records", ("addin.results", "addin.hosts", "addin.macro", "addin.archive", "addin.mail.servers",
                 "addin.mail.outbox", "addin.mail.fetch", "addin.mail.replies", "addin.mail.reminders",
                 "addin.newyear", "addin.provenance")),
    ("adapters", ("addin.cli", "addin.cli_common", "addin.cli_archive", "addin.cli_mail", "addin.cli_trace",
                  "addin.cli_usage", "addin.console", "addin.demo", "addin.sample", "addin.addin_file",
                  "addin.cli_serve", "addin.serve")),
]
"""Lowest first. A module is on the floor of its longest listed prefix."""


def modules() -> dict[str, Path]:
    out = {}
    for path in (ROOT / "addin").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module of ``known`` that ``name`` imports, anywhere in the file (inside
    functions and ``TYPE_CHECKING`` blocks too: a circle there is a circle)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
                parent = parent.rsplit(".", node.level - 1)[0] if node.level > 1 else parent
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return (found & known) - {name}


def floor_of(module: str) -> int:
    best = None
    for n, (_label, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[1]):
                best = (n, len(prefix))
    assert best is not None, f"{module} is on no floor: add it to FLOORS"
    return best[0]


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports_of(name, path, set(mods)) for name, path in mods.items()}


def test_layers__every_import_points_down_or_across():
    arrows = graph()
    up = sorted(f"{m} ({FLOORS[floor_of(m)][0]}) → {d} ({FLOORS[floor_of(d)][0]})"
                for m, deps in arrows.items() for d in deps if floor_of(d) > floor_of(m))
    assert up == []


def test_layers__the_office_and_mail_are_rooms_of_their_own():
    """The office's data (folder and year, settings, rosters, holidays) and the mail code are
    packages; nothing is left loose that belongs in them."""
    mods = modules()
    assert {"addin.office.folder", "addin.office.settings", "addin.office.roster", "addin.office.holidays"} <= set(mods)
    assert {"addin.mail.addresses", "addin.mail.headers", "addin.mail.servers", "addin.mail.outbox",
            "addin.mail.fetch", "addin.mail.replies", "addin.mail.reminders"} <= set(mods)
    loose = {p.stem for p in (ROOT / "addin").glob("*.py")}
    assert not loose & {"yearfolder", "settings", "roster", "holidays", "mailbox", "mailserver", "outbox", "fetch",
                        "replies", "reminders", "headers", "workbook_folder"}
    assert floor_of("addin.office.folder") < floor_of("addin.intake.run") < floor_of("addin.newyear")
    assert floor_of("addin.mail.addresses") < floor_of("addin.intake.sender") < floor_of("addin.mail.replies")


def test_layers__no_import_circle():
    """Tarjan's strongly connected components of the import graph: each module alone."""
    arrows = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    circles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in arrows[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(arrows):
        if v not in index:
            visit(v)
    assert circles == []


def test_layers__the_old_circle_between_package_and_xlsx_is_gone():
    arrows = graph()
    assert "addin.intake.xlsx" not in arrows["addin.intake.package"]
