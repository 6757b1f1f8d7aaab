"""Dependencies point inward: the engine and the scheme models import no I/O or Excel."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "addin"
FORBIDDEN = {
    "xlwings", "openpyxl", "python_calamine", "xlsxwriter", "sqlite3", "typer", "rich", "pathlib",
    "io", "os", "shutil", "subprocess", "socket", "urllib", "email", "yaml",
}
FORBIDDEN_OURS = ("addin.cli", "addin.console", "addin.scheme.loader", "udfs", "workbook_templates")


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_engine_and_models__import_no_io_excel_or_adapters():
    pure = list((ROOT / "engine").glob("*.py")) + [ROOT / "scheme" / n for n in
                                                   ("base.py", "items.py", "models.py", "checks.py")] + [
        ROOT / "numbers.py", ROOT / "problems.py", ROOT / "native_formula.py"]
    assert len(pure) > 10
    for path in pure:
        for name in imports(path):
            top = name.split(".")[0]
            assert top not in FORBIDDEN, f"{path.name} imports {name}"
            assert not name.startswith(FORBIDDEN_OURS), f"{path.name} imports {name}"


def test_modules__stay_small():
    for path in ROOT.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 800, path


def _scheme_terms(municipal, audit) -> set[str]:
    """What only the scheme may spell: table titles, item names and ids (附表 items by their
    table-qualified id, audit items by their own), public target names, audit categories."""
    terms = set()
    for table in municipal.tables:
        terms |= {table.title, *(i.name for i in table.items), *(f"{table.id}:{i.id}" for i in table.items)}
    for tier in (municipal.departments, municipal.districts):
        terms |= {p.name for p in tier.public}
    for cat in audit.categories:
        terms |= {cat.name, *(i.name for i in cat.items), *(i.id for i in cat.items)}
    # an id that reads as a cell address (A2) cannot be told from one in text: left out
    return {t for t in terms if len(t) >= 2 and not re.fullmatch(r"[A-Z]{1,3}\d+", t)}


def test_modules__no_module_outside_the_scheme_spells_an_item(municipal, audit):
    """Adding or renaming an item needs no code: no string in addin/ (outside addin/scheme/),
    udfs/ or workbook_templates/ names an item, a table title, a public target or an
    audit category of the shipped schemes."""
    terms = _scheme_terms(municipal, audit)
    assert {"思想政治工作", "附表1:1.1", "A4.8", "党风廉政建设"} <= terms
    found = []
    for folder in (ROOT, ROOT.parent / "udfs", ROOT.parent / "workbook_templates"):
        for path in folder.rglob("*.py"):
            if "scheme" in path.relative_to(ROOT.parent).parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    for term in terms:
                        if re.search(rf"(?<![\w.]){re.escape(term)}(?![\w.])", node.value):
                            found.append((path.name, term))
    assert found == []



def test_layers__numbers_below_the_scheme_below_the_engine():
    """Arrows point one way: numbers imports neither the scheme nor the engine; the scheme
    models import no engine module."""
    assert not [n for n in imports(ROOT / "numbers.py") if n.startswith(("addin.engine", "addin.scheme"))]
    for path in (ROOT / "scheme").glob("*.py"):
        assert not [n for n in imports(path) if n.startswith("addin.engine")], path.name


def test_layers__the_native_compiler_never_imports_the_engine():
    """The compiler is tested against the engine, never built from it: it reads the scheme
    models only."""
    found = imports(ROOT / "native_formula.py")
    assert not [n for n in found if n.startswith("addin.engine")]
    assert {n for n in found if n.startswith("addin")} == {"addin.numbers", "addin.scheme", "addin.scheme.items"}
