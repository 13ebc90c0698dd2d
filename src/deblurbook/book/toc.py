"""Read the book's table of contents (``_toc.yml``, Jupyter Book 1.x ``jb-book``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from ..core.paths import repo_root


@dataclass(frozen=True)
class Entry:
    """One page of the book, in TOC order."""

    file: str  # as written in the TOC, without suffix
    path: Path  # the file on disk (.md or .ipynb)
    chapter: str | None  # "chNN" for pages under a chapter, None for the root

    @property
    def is_notebook(self) -> bool:
        return self.path.suffix == ".ipynb"


def _files(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "file" in node:
            yield node["file"]
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key, []) or []:
                yield from _files(child)
    elif isinstance(node, list):
        for child in node:
            yield from _files(child)


def _resolve(root: Path, name: str, toc_path: Path) -> Path:
    for suffix in (".ipynb", ".md"):
        candidate = root / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{toc_path}: entry {name!r} has no {name}.ipynb or {name}.md")


def _chapter_of(name: str) -> str | None:
    for part in Path(name).parts:
        if len(part) >= 4 and part.startswith("ch") and part[2:4].isdigit():
            return part[:4]
    return None


def entries(root: Path | None = None) -> list[Entry]:
    """Every page of ``_toc.yml`` in reading order, root first."""
    root = root or repo_root()
    toc_path = root / "_toc.yml"
    if not toc_path.is_file():
        raise FileNotFoundError(f"{toc_path}: missing table of contents")
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    if not isinstance(toc, dict) or toc.get("format") != "jb-book" or "root" not in toc:
        raise ValueError(f"{toc_path}: expected a jb-book TOC with a 'root' entry")
    names = [toc["root"], *_files({k: v for k, v in toc.items() if k != "root"})]
    return [Entry(n, _resolve(root, n, toc_path), _chapter_of(n)) for n in names]


def notebooks(root: Path | None = None, chapter: str | None = None) -> list[Entry]:
    """The notebooks of the TOC, in order, optionally those of one chapter."""
    found = [e for e in entries(root) if e.is_notebook]
    if chapter is not None:
        found = [e for e in found if e.chapter == chapter]
    return found
