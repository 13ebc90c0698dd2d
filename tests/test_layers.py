"""The package's architecture: layers import only downwards, no import circle,
and no shared module names a chapter."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "deblurbook"
# layer -> the layers it may import (besides itself)
ALLOWED = {
    "core": set(),
    "imaging": {"core"},
    "data": {"core", "imaging"},
    "nn": {"core", "imaging"},
    "models": {"core", "imaging", "nn"},
    "training": {"core", "imaging", "data", "nn", "models"},
    "book": {"core", "imaging", "data", "nn", "models"},
    "chapters": {"core", "imaging", "data", "nn", "models", "training", "book"},
}
ENTRY = {"__init__", "__main__"}  # the package's own top files may import anything


def _modules() -> dict[str, Path]:
    return {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path) -> set[str]:
    """The deblurbook modules ``name`` imports (absolute or relative, at any depth)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("deblurbook")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            if base.startswith("deblurbook"):
                modules = _modules()
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
    return found


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] not in ENTRY else None


GRAPH = {name: _imports(name, path) for name, path in _modules().items()}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_go_only_downwards(module):
    layer = _layer(module)
    if layer is None:
        return
    assert layer in ALLOWED, f"{module}: layer {layer!r} is not in the table of layers"
    bad = {m for m in GRAPH[module] if _layer(m) not in ALLOWED[layer] | {layer}}
    assert not bad, f"{module} ({layer}) imports {sorted(bad)}"


def test_no_import_circle():
    def visit(node, path):
        if node in path:
            cycle = path[path.index(node) :] + [node]
            raise AssertionError("import circle: " + " -> ".join(cycle))
        for nxt in GRAPH.get(node, ()):
            if nxt in GRAPH and nxt != node and not nxt.endswith("__init__"):
                visit(nxt, path + [node])

    for module in GRAPH:
        visit(module, [])


def test_the_checker_sees_relative_and_absolute_imports():
    assert "deblurbook.core.atomic" in GRAPH["deblurbook.core.results"]
    assert "deblurbook.imaging.images" in GRAPH["deblurbook.data.content"]


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _layer(m) not in ("chapters", "models", None)))
def test_shared_modules_name_no_chapter_and_no_paper_number(module):
    text = _modules()[module].read_text(encoding="utf-8")
    hits = re.findall(r"\bch\d\d\b|\b[Pp]aper 00\d\b|\bPAPER00\d\b", text)
    assert not hits, f"{module} mentions {sorted(set(hits))}: that belongs in a chapter or model module"


def test_every_subpackage_says_what_lives_there_and_what_it_may_import():
    for layer in ALLOWED:
        doc = ast.get_docstring(ast.parse((PACKAGE / layer / "__init__.py").read_text()))
        assert doc and "import" in doc.lower(), f"{layer}/__init__.py needs a docstring naming what it may import"
