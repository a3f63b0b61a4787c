"""The package's rooms (design doc, section 2): sizes, import directions, docstrings with examples."""

import ast
from pathlib import Path

import pytest

from helpers.config import repo_root

PACKAGE = repo_root() / "helpers"
MODULES = sorted(PACKAGE.rglob("*.py"))
ROOMS = ["core", "assets", "training", "domains", "grading"]
# Which rooms each room may import from. The façade (helpers/__init__.py) names a few functions of
# other rooms lazily, and the asset registry finds the domain modules by package name, not by import.
ALLOWED = {
    "core": {"core"},
    "assets": {"core", "assets"},
    "training": {"core", "assets", "training"},
    "domains": {"core", "assets", "training", "domains"},
    "grading": {"core", "grading"},
}
MAX_LINES = 350
MAX_CORE_MODULES = 12


def room(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else "core"


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def room_of_module(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ROOMS else "core"


def helpers_imports(tree: ast.AST):
    """(module, names) of every ``import helpers…`` / ``from helpers… import …``, at any depth."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "helpers":
            yield node.module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "helpers":
                    yield alias.name, []


def test_every_module_is_small_and_the_core_stays_flat_and_few():
    too_long = {str(p.relative_to(PACKAGE)): n for p in MODULES if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not too_long, f"modules over {MAX_LINES} lines: {too_long}"
    core = [p.name for p in MODULES if room(p) == "core"]
    assert len(core) <= MAX_CORE_MODULES, core
    assert {p.parent.name for p in MODULES if room(p) != "core"} >= {"assets", "training", "domains", "grading"}


@pytest.mark.parametrize("path", [p for p in MODULES if p.name != "__init__.py" or room(p) != "core"],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_rooms_import_only_from_rooms_above_them(path):
    tree = ast.parse(path.read_text())
    for module, names in helpers_imports(tree):
        targets = [f"{module}.{n}" for n in names] if module == "helpers" else [module]
        for target in targets:
            assert room_of_module(target) in ALLOWED[room(path)], \
                f"{path.relative_to(PACKAGE)} ({room(path)}) imports {target} ({room_of_module(target)})"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_private_name_is_imported_across_modules(path):
    tree = ast.parse(path.read_text())
    private = [f"{module}.{n}" for module, names in helpers_imports(tree) for n in names if n.startswith("_")]
    assert not private, f"{path.relative_to(PACKAGE)} imports private names {private}"


def public_definitions(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            yield node.name, node
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                        yield f"{node.name}.{item.name}", item


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_public_function_has_a_one_line_summary_and_an_example(path):
    tree = ast.parse(path.read_text())
    missing = []
    for name, node in public_definitions(tree):
        doc = ast.get_docstring(node) or ""
        if not doc.strip() or ">>>" not in doc:
            missing.append(name)
    assert not missing, f"{path.relative_to(PACKAGE)}: no docstring example (>>>) for {missing}"
