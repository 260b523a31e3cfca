"""The layers of docs/architecture.md, checked on the code: an app imports only apps below it, at
module level (inside a function only in AppConfig.ready()), and never behind try/except ImportError."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Folder -> (import name, layer). media_pipeline and search share a layer: neither imports the other;
# branch_life sits above lectures (it names lessons only as pages, but may import the library).
APPS = {
    "members": ("members", 0),
    "media_pipeline": ("media_pipeline", 1),
    "search": ("search", 1),
    "lectures": ("lectures", 2),
    "branch_life": ("branch_life", 3),
    "quizzes": ("quizzes", 3),
    "supervision": ("supervision", 4),
    "site": ("dianke", 5),
}
LAYER = {name: layer for name, layer in APPS.values()}
# Helpers of the site package that every app may use: they import no app of the project.
SHARED = {"dianke.http"}


def modules():
    for folder, (app, _layer) in APPS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield app, path


def imported_apps(node):
    names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
        [node.module or ""] if node.level == 0 else [])
    return {name.split(".")[0] for name in names if name not in SHARED} & set(LAYER)


def test_shared_helpers_import_no_app():
    for name in SHARED:
        tree = ast.parse((ROOT / "site" / (name.split(".", 1)[1] + ".py")).read_text())
        imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        assert not set().union(*(imported_apps(n) for n in imports)), name


def inside_ready(stack):
    return any(isinstance(n, ast.FunctionDef) and n.name == "ready" for n in stack)


def walk(tree):
    """(node, enclosing function/try nodes) for every import."""
    def visit(node, stack):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, stack
            yield from visit(child, stack + [child] if isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Try) else stack)
    yield from visit(tree, [])


@pytest.mark.parametrize(("app", "path"), list(modules()), ids=lambda v: str(v).split("/work/main/")[-1])
def test_imports_follow_the_layers(app, path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node, stack in walk(tree):
        for other in imported_apps(node) - {app}:
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            assert LAYER[other] < LAYER[app], f"{where}: {app} imports {other}, which is not below it"
            in_function = any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) for n in stack)
            assert not in_function or inside_ready(stack), f"{where}: imports {other} inside a function"
            guarded = any(isinstance(n, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                for h in n.handlers) for n in stack)
            assert not guarded, f"{where}: imports {other} behind try/except ImportError"
