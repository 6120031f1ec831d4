"""The pure core (themes, ingest, export and the modules they share) never reaches for Flask or the DB."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "voc"
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
