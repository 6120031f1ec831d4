"""The locks: servers install runtime packages only, and every package voc imports is declared."""

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_TOOLS = {"pytest", "hypothesis", "schemathesis", "playwright", "ruff", "pip-tools"}
# Import names that differ from the distribution that provides them.
DISTRIBUTION = {
    "sklearn": "scikit-learn",
    "flask_sqlalchemy": "flask-sqlalchemy",
    "flask_login": "flask-login",
    "flask_migrate": "flask-migrate",
    "flask_wtf": "flask-wtf",
    "argon2": "argon2-cffi",
    "email_validator": "email-validator",
    "vaderSentiment": "vadersentiment",
    "flask_limiter": "flask-limiter",
}


def pins(path: Path) -> dict[str, str]:
    """name -> version of every pinned line of a compiled lock file."""
    found = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", path.read_text(), flags=re.MULTILINE)
    return {name.lower().replace("_", "-"): version for name, version in found}


def declared(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[\[=<>~!]", line)[0].lower().replace("_", "-"))
    return names


def test_the_runtime_lock_holds_no_test_tool_and_every_line_is_hashed():
    runtime = pins(ROOT / "requirements.txt")
    assert runtime, "requirements.txt pins nothing"
    assert not TEST_TOOLS & set(runtime), "a test tool would be installed on servers by `make run`"
    text = (ROOT / "requirements.txt").read_text()
    for name in runtime:
        block = re.search(
            rf"^{re.escape(name)}==.*?(?=^\S|\Z)", text, flags=re.MULTILINE | re.DOTALL | re.IGNORECASE
        )
        assert block and "--hash=sha256:" in block.group(0), f"{name} is pinned without a hash"


def test_the_dev_lock_agrees_with_the_runtime_lock():
    runtime, dev = pins(ROOT / "requirements.txt"), pins(ROOT / "requirements-dev.txt")
    assert TEST_TOOLS <= set(dev)
    assert {name: dev[name] for name in set(dev) & set(runtime)} == {
        name: runtime[name] for name in set(dev) & set(runtime)
    }


def test_every_direct_import_of_voc_is_declared_at_its_pinned_version():
    imported = set()
    for path in [*(ROOT / "voc").rglob("*.py"), ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {name for name in imported if name not in sys.stdlib_module_names and name != "voc"}
    wanted = {DISTRIBUTION.get(name, name).lower().replace("_", "-") for name in third_party}
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["dynamic"]
    optional = set()  # an optional extra (not dev) may provide what a lazily imported module needs
    for name, files in extras.get("optional-dependencies", {}).items():
        if name != "dev":
            for file in files["file"]:
                optional |= declared(ROOT / file)
    missing = wanted - declared(ROOT / "requirements.in") - optional
    assert not missing, f"imported by voc but not declared in requirements.in: {sorted(missing)}"
    unlocked = declared(ROOT / "requirements.in") - set(pins(ROOT / "requirements.txt"))
    assert not unlocked, f"declared in requirements.in but not locked: {sorted(unlocked)}"


def test_pyproject_declares_the_same_lists_as_the_lock_inputs():
    dynamic = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["dynamic"]
    assert dynamic["dependencies"]["file"] == ["requirements.in"]
    assert dynamic["optional-dependencies"]["dev"]["file"] == ["requirements-dev.in"]
