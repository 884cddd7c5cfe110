"""The shape of the code: no import loops, and the layers only import downwards.

Read from the source with ``ast`` (nothing is imported), so a loop hidden behind ``TYPE_CHECKING`` or
inside a function counts too: such a loop still ties two modules that should stand one above the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "tlgui"
QT_PACKAGES = ("PySide6", "pyqtgraph", "shiboken6")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE_ROOT.rglob("*.py"))}


def _imports(path: Path, modules: dict[str, Path]) -> tuple[set[str], set[str]]:
    """(tlgui modules imported, top-level names of other packages imported) by one file."""
    inner: set[str] = set()
    outer: set[str] = set()
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # "from pkg import mod" imports the module pkg.mod; "from mod import name" imports mod.
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] == "tlgui":
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name:
                    inner.add(name)
            else:
                outer.add(name.split(".")[0])
    return inner, outer


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules)[0] - {name} for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_loop_anywhere_in_tlgui():
    assert _cycles(_graph()) == []


def test_the_loop_finder_finds_a_loop():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_the_engine_imports_neither_qt_nor_its_drivers():
    modules = _modules()
    for name, path in modules.items():
        if not name.startswith("tlgui.core"):
            continue
        inner, outer = _imports(path, modules)
        assert not outer & set(QT_PACKAGES), f"{name} imports Qt"
        drivers = [m for m in inner if m.startswith(("tlgui.gui", "tlgui.cli"))]
        assert not drivers, f"{name} imports {drivers}"


def test_the_window_does_not_import_the_command_line():
    modules = _modules()
    for name, path in modules.items():
        if name.startswith("tlgui.gui"):
            inner, _ = _imports(path, modules)
            assert not [m for m in inner if m.startswith("tlgui.cli")], name


def test_every_module_the_architecture_notes_name_exists():
    import re

    text = (PACKAGE_ROOT.parent / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:[\w/]+/)?\w+\.py)`", text))
    files = ["/" + str(p.relative_to(PACKAGE_ROOT.parent)) for p in PACKAGE_ROOT.rglob("*.py")]
    files += ["/" + str(p.relative_to(PACKAGE_ROOT.parent)) for p in (PACKAGE_ROOT.parent / "tests").glob("*.py")]
    missing = sorted(name for name in named if not any(f.endswith("/" + name) for f in files))
    assert named and missing == []
