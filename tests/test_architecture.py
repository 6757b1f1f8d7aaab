"""Dependencies point inward: the engine and the scheme models import no I/O or Excel."""

import ast
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
                                                   ("base.py", "items.py", "models.py", "checks.py")]
    assert len(pure) > 10
    for path in pure:
        for name in imports(path):
            top = name.split(".")[0]
            assert top not in FORBIDDEN, f"{path.name} imports {name}"
            assert not name.startswith(FORBIDDEN_OURS), f"{path.name} imports {name}"


def test_modules__stay_small():
    for path in ROOT.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 800, path
