"""Where a result comes from: the package code behind it, and the files it read.

* :func:`code_digest` hashes the code of some package modules and of every
  package module they import, found by reading their ``import`` statements
  (nothing is imported to find them): the code a training run depends on, so
  that editing one chapter does not invalidate another chapter's runs. It hashes
  the syntax tree without docstrings (:func:`code_text`), so that comments,
  docstrings and formatting do not make a run stale; what the code does does.
* :func:`record_read` notes a file that a notebook reads and that another
  notebook (or run) wrote, when the book's runner asks for it through the
  ``DEBLURBOOK_READS`` environment variable: the runner re-executes a notebook
  when any file it read has changed since.
"""

from __future__ import annotations

import ast
import hashlib
import os
import textwrap
from functools import lru_cache
from pathlib import Path
from typing import Iterable

PACKAGE = "deblurbook"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
READS_VARIABLE = "DEBLURBOOK_READS"


@lru_cache(maxsize=None)
def modules() -> dict[str, Path]:
    """Every module of the package: dotted name -> source file."""
    return {
        ".".join(p.relative_to(PACKAGE_DIR.parent).with_suffix("").parts).removesuffix(".__init__"): p
        for p in sorted(PACKAGE_DIR.rglob("*.py"))
    }


def imports_of(name: str) -> set[str]:
    """The package modules that module ``name`` imports (absolute or relative, at any depth)."""
    known = modules()
    path = known[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] == PACKAGE:
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names}
    return {m for m in found if m in known and m != name}


def closure(names: Iterable[str], skip: tuple[str, ...] = ()) -> list[str]:
    """``names`` and every package module they import, directly or not (sorted),
    leaving out (and not following) modules whose names start with a prefix in ``skip``."""
    todo, seen = [n for n in names if not n.startswith(skip)] if skip else list(names), set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += [m for m in imports_of(name) if not (skip and m.startswith(skip))]
    return sorted(seen)


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]
    return tree


def code_text(source: str) -> str:
    """What a piece of Python source does, as text: its syntax tree without docstrings,
    line numbers or comments (two sources that differ only in those give the same text). A fragment
    that does not parse on its own (a lambda cut from its line) is its text."""
    try:
        return ast.dump(_without_docstrings(ast.parse(textwrap.dedent(source))))
    except SyntaxError:
        return source


def code_digest(names: Iterable[str], skip: tuple[str, ...] = ()) -> str:
    """SHA-256 of the code (:func:`code_text`) of ``names`` and all they import from the
    package (but the modules ``skip`` leaves out, see :func:`closure`)."""
    digest = hashlib.sha256()
    for name in closure(names, skip):
        digest.update(name.encode() + b"\0" + _file_code_text(modules()[name]).encode() + b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=None)
def _file_code_text(path: Path) -> str:
    """A module's :func:`code_text`, read once per process: a long-running process (a training worker,
    a notebook kernel) keeps naming its runs after the code it loaded, though the file changes."""
    return code_text(path.read_text(encoding="utf-8"))


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_read(path: str | os.PathLike) -> None:
    """Note that ``path`` was read, if the runner asked (``DEBLURBOOK_READS``)."""
    log = os.environ.get(READS_VARIABLE)
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(str(Path(path).resolve()) + "\n")
