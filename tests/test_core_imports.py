"""Import fences: the pure core (themes, ingest, export and the modules they share) never reaches for
Flask or the DB, and no test module imports another."""

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent / "voc"
FORBIDDEN = ("flask", "voc.models", "voc.extensions")
# The core packages, and the pure modules they share: the domain's fixed sets and the PII masker.
MODULES = sorted(
    [
        *(p for package in ("themes", "ingest", "export") for p in (ROOT / package).rglob("*.py")),
        ROOT / "vocabulary.py",
        ROOT / "pii.py",
    ]
)


def imported_names(path: Path) -> set[str]:
    """Every module name a file imports, including `from voc import models` as voc.models."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_core_has_modules():
    assert MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_avoids_flask_and_database(path):
    breaches = {
        name
        for name in imported_names(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    }
    assert not breaches


def test_no_test_module_imports_another():
    """Shared helpers live in tests/factories.py, texts.py and routes.py; a test module is no library."""
    breaches = {
        path.name: sorted(name for name in imported_names(path) if name.startswith("tests.test_"))
        for path in sorted(TESTS.glob("test_*.py"))
    }
    assert {name: found for name, found in breaches.items() if found} == {}
