"""Shared fixtures: the repository root and tiny fake books for runner tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
TRAIN = [sys.executable, "-m", "deblurbook", "train"]  # the train command, as a reader types it


def run_python(args, timeout: int = 120, **kwargs) -> subprocess.CompletedProcess:
    """``python *args`` with this interpreter in a child process, its output captured as text."""
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout, **kwargs)


def train_args(experiment: str, out: Path, iterations: int, profile: str = "smoke") -> list[str]:
    """The train command's arguments for one experiment into ``out`` on the CPU."""
    return [
        "--experiment",
        experiment,
        "--profile",
        profile,
        "--out",
        str(out),
        "--device",
        "cpu",
        "--iterations",
        str(iterations),
    ]


@pytest.fixture
def repo() -> Path:
    return ROOT


def write_notebook(path: Path, *sources: str, parameters: str = 'profile = "smoke"\ndevice = "auto"\nseed = 0') -> Path:
    """A notebook with a parameters cell followed by one code cell per source."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    cells = [nbformat.v4.new_markdown_cell("# A test notebook")]
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    cells.append(params)
    cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nb.cells = cells
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def fake_book(tmp_path: Path) -> Path:
    """A minimal book: one good notebook in ch08, one that fails in ch09."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname='fake'\n")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    write_notebook(
        tmp_path / "notebooks/ch08_good/08.01-good.ipynb",
        "import json, pathlib\nprint(json.dumps({'profile': profile, 'seed': seed}))",
    )
    write_notebook(tmp_path / "notebooks/ch09_bad/09.01-bad.ipynb", "x = 1", "raise ValueError('deliberately broken')")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n"
        "  - file: notebooks/ch09_bad/09.01-bad\n"
        "  - file: notebooks/ch08_good/08.01-good\n"
    )
    return tmp_path


def read_json(path: Path):
    return json.loads(Path(path).read_text())


@pytest.fixture
def empty_root(tmp_path: Path, monkeypatch) -> Path:
    """An empty checkout (``_toc.yml`` and ``pyproject.toml`` only) that the package takes for
    the repository root: whatever it writes (build tree, weights) lands there."""
    (tmp_path / "_toc.yml").write_text("")
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(tmp_path))
    return tmp_path
