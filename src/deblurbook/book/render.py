"""Render the executed book to HTML with Jupyter Book 1.x.

    python -m deblurbook render

Stages ``_config.yml``, ``_toc.yml`` and ``book/`` beside the executed
notebooks in ``_build/executed`` (written by :mod:`deblurbook.book.reproduce`),
then runs ``jupyter-book build`` strictly (``-W -n --keep-going``: without
them Jupyter Book 1.x exits 0 even when a page fails) into ``_build/html``.
Notebooks are not executed again here (``execute_notebooks: 'off'``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Mapping

from ..core import atomic, profiles
from ..core.locks import LockedError, hold
from ..core.paths import repo_root
from .reproduce import EXECUTED, executed_path, stamp_path
from .tables import markdown_table
from .toc import entries

STAGED = ("_config.yml", "_toc.yml", "book")


def stage(root: Path | None = None, pages: Mapping[str, str] | None = None) -> Path:
    """Copy the book's sources next to the executed notebooks; return that folder.

    ``pages`` are extra generated Markdown files (name -> text) written to
    ``book/_generated/`` beside the profiles table.
    """
    root = root or repo_root()
    staged = root / EXECUTED
    missing = [
        str(e.path.relative_to(root))
        for e in entries(root)
        if e.is_notebook and not (executed_path(root, e).is_file() and stamp_path(executed_path(root, e)).is_file())
    ]
    if missing:
        raise FileNotFoundError(
            "no successfully executed copy of: "
            + ", ".join(missing)
            + " (run `python -m deblurbook reproduce --profile smoke` or `make book` first)"
        )
    staged.mkdir(parents=True, exist_ok=True)
    for name in STAGED:
        src, dst = root / name, staged / name
        if src.is_dir():
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    write_generated(staged / "book" / "_generated", pages or {})
    return staged


def profiles_table() -> str:
    """The profiles' shared fields as a Markdown table."""
    columns = profiles.TABLE_COLUMNS
    return markdown_table(columns, ([row[c] for c in columns] for row in profiles.table_rows()))


def write_generated(folder: Path, pages: Mapping[str, str]) -> None:
    """Pages made from the package at build time (the intro's tables)."""
    for name, text in {"profiles_table.md": profiles_table(), **pages}.items():
        atomic.write_text(folder / name, text.rstrip() + "\n")


def build(root: Path | None = None, pages: Mapping[str, str] | None = None) -> Path:
    """Stage and render; returns the page a reader should open."""
    root = root or repo_root()
    with hold(root / "_build" / ".lock", f"the build tree {root / '_build'}"):
        staged = stage(root, pages)
        jb = Path(sys.executable).with_name("jupyter-book")
        command = [
            str(jb if jb.exists() else "jupyter-book"),
            "build",
            str(staged),
            "--path-output",
            str(root),
            "--builder",
            "html",
            "-W",
            "-n",
            "--keep-going",
        ]
        result = subprocess.run(command, cwd=root)
    if result.returncode != 0:
        raise RuntimeError(f"jupyter-book build failed (exit {result.returncode}); the warnings above name the pages")
    return intro_page(root)


def intro_page(root: Path | None = None) -> Path:
    """The rendered root page (``index.html`` is only a redirect to it)."""
    root = root or repo_root()
    first = entries(root)[0]
    return root / "_build" / "html" / f"{first.file}.html"


def main(argv: list[str] | None = None, pages: Mapping[str, str] | None = None) -> int:
    if argv:
        print(f"render: takes no arguments, got {' '.join(argv)}", file=sys.stderr)
        return 2
    try:
        page = build(pages=pages)
    except (FileNotFoundError, RuntimeError, ValueError, LockedError) as err:
        print(f"render: {err}", file=sys.stderr)
        return 1
    print(f"render: done; open {page}")
    return 0
