"""Render the executed book to HTML with Jupyter Book 1.x.

    python -m deblurbook.book

Stages ``_config.yml``, ``_toc.yml`` and ``book/`` beside the executed
notebooks in ``_build/executed`` (written by :mod:`deblurbook.reproduce`),
then runs ``jupyter-book build`` strictly (``-W -n --keep-going``: without
them Jupyter Book 1.x exits 0 even when a page fails) into ``_build/html``.
Notebooks are not executed again here (``execute_notebooks: 'off'``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from . import atomic
from .paths import repo_root
from .reproduce import EXECUTED, executed_path, stamp_path
from .toc import entries

STAGED = ("_config.yml", "_toc.yml", "book")


def stage(root: Path | None = None) -> Path:
    """Copy the book's sources next to the executed notebooks; return that folder."""
    root = root or repo_root()
    staged = root / EXECUTED
    missing = [str(e.path.relative_to(root)) for e in entries(root) if e.is_notebook
               and not (executed_path(root, e).is_file() and stamp_path(executed_path(root, e)).is_file())]
    if missing:
        raise FileNotFoundError(
            "no successfully executed copy of: " + ", ".join(missing)
            + " (run `python -m deblurbook.reproduce --profile smoke` or `make book` first)")
    staged.mkdir(parents=True, exist_ok=True)
    for name in STAGED:
        src, dst = root / name, staged / name
        if src.is_dir():
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    write_generated(staged / "book" / "_generated")
    return staged


def write_generated(folder: Path) -> None:
    """Pages made from the package at build time (the intro's profiles table)."""
    from . import profiles

    atomic.write_text(folder / "profiles_table.md", profiles.markdown_table() + "\n")


def build(root: Path | None = None) -> Path:
    """Stage and render; returns the page a reader should open."""
    root = root or repo_root()
    staged = stage(root)
    jb = Path(sys.executable).with_name("jupyter-book")
    command = [str(jb if jb.exists() else "jupyter-book"), "build", str(staged),
               "--path-output", str(root), "--builder", "html", "-W", "-n", "--keep-going"]
    result = subprocess.run(command, cwd=root)
    if result.returncode != 0:
        raise RuntimeError(f"jupyter-book build failed (exit {result.returncode}); "
                           "the warnings above name the pages")
    return intro_page(root)


def intro_page(root: Path | None = None) -> Path:
    """The rendered root page (``index.html`` is only a redirect to it)."""
    root = root or repo_root()
    first = entries(root)[0]
    return root / "_build" / "html" / f"{first.file}.html"


def main() -> int:
    try:
        page = build()
    except (FileNotFoundError, RuntimeError, ValueError) as err:
        print(f"book: {err}", file=sys.stderr)
        return 1
    print(f"book: rendered; open {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
