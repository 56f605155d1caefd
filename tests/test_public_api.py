"""Every public module says what it exports: ``__all__`` exists, names only what exists, and is complete.

The rule: a module's public names are its top-level functions, classes and assignments whose names do
not start with ``_`` (a module logger and type variables excepted). Imported names are not its own and
are exported only when ``__all__`` says so on purpose (a re-export).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import presswatch

ROOT = Path(presswatch.__file__).parent
SKIP_PARTS = {"migrations", "__main__.py"}
NOT_API = {"log", "logger"}


def _modules() -> list[Path]:
    """Every module of the package but private ones (``_name.py``), ``__main__`` and migrations."""
    return sorted(
        p for p in ROOT.rglob("*.py")
        if not SKIP_PARTS & set(p.relative_to(ROOT).parts)
        and (p.name == "__init__.py" or not p.name.startswith("_"))
    )


def _name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _own_public_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            value = node.value
            if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "TypeVar":
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return {n for n in names if not n.startswith("_") and n not in NOT_API}


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_all_is_present_exact_and_complete(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared = None
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                declared = ast.literal_eval(node.value) if node.value is not None else None
    assert declared is not None, f"{path.name} has no __all__"
    missing = _own_public_names(tree) - set(declared)
    assert not missing, f"public names missing from __all__: {sorted(missing)}"
    module = importlib.import_module(_name(path))
    absent = [n for n in declared if not hasattr(module, n)]
    assert not absent, f"__all__ names what does not exist: {absent}"
    assert len(declared) == len(set(declared)), "duplicates in __all__"
