"""A reader clones the book into an empty folder, with nothing beside it, and
runs it. This machine (and CI) has ``../shared`` beside the checkout, so the
test clones the committed tree into a fresh temporary folder and runs the
book at ``smoke`` there, then renders it. Marked ``isolated``: ``make isolated``
(part of ``make test``) runs it.

The book is executed once per CI run (issue 27): when this checkout has
executed it at ``smoke`` (``make nbval`` does, before this test), the clone
is given those executed copies and what they wrote (``results/smoke``,
``weights/smoke``), which the runner reuses only where the clone's code,
notebook and every file the notebook read are the same; chapter 1, which
reads the bundled real data, is always executed in the clone. Every notebook's
recorded reads must lie inside the checkout that executed it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.isolated

ALWAYS_EXECUTED = "ch01_foundations"  # reads GoPro crops, REDS clips and Levin's kernels
BUILD_OUTPUTS = ("_build/executed", "results/smoke", "weights/smoke")


def _run(args, cwd, env, timeout):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


def _reads_outside(root: Path) -> list[str]:
    """Recorded reads (stamps of executed notebooks) that are not inside ``root``."""
    found = []
    for stamp in (root / "_build" / "executed").rglob("*.stamp.json"):
        found += [f"{stamp.name}: {p}" for p in json.loads(stamp.read_text())["reads"] if Path(p).is_absolute()]
    return found


def _outputs(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return json.dumps([c.get("outputs", []) for c in cells])


def _seed_with_this_execution(clone: Path) -> None:
    for rel in BUILD_OUTPUTS:
        if (ROOT / rel).is_dir():
            shutil.copytree(ROOT / rel, clone / rel)
    for copy in (clone / "_build" / "executed" / "notebooks").glob(f"{ALWAYS_EXECUTED}/*"):
        copy.unlink()


def test_a_clone_with_nothing_beside_it_runs_and_renders_the_book(tmp_path):
    assert not _reads_outside(ROOT), _reads_outside(ROOT)
    clone = tmp_path / "deblurring-reproduced"
    _run(["git", "clone", "--quiet", str(ROOT), str(clone)], tmp_path, os.environ, 120)
    assert sorted(p.name for p in tmp_path.iterdir()) == [clone.name], "the clone must stand alone"
    _seed_with_this_execution(clone)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEBLURBOOK_")}
    env["PYTHONPATH"] = str(clone / "src")  # the clone's package, not this checkout's editable install
    probe = _run([sys.executable, "-c", "import deblurbook.core.paths as p; print(p.repo_root())"], clone, env, 60)
    assert probe.stdout.strip() == str(clone)
    ran = _run([sys.executable, "-m", "deblurbook", "reproduce", "--profile", "smoke", "--jobs", "2"], clone, env, 1500)
    lines = (ran.stdout + ran.stderr).splitlines()
    executed_here = [line for line in lines if line.split()[:1] == ["ran"] and f"/{ALWAYS_EXECUTED}/" in line]
    assert executed_here, "chapter 1 was not executed in the clone:\n" + "\n".join(lines[-40:])
    _run([sys.executable, "-m", "deblurbook", "render"], clone, env, 900)
    assert (clone / "_build" / "html" / "book" / "intro.html").is_file()
    assert not _reads_outside(clone), _reads_outside(clone)
    # the cells' outputs (papermill's metadata names the paths it ran at); the copies reused from this
    # checkout ran here, so only those executed in the clone must not name this checkout
    executed = clone / "_build" / "executed" / "notebooks"
    assert not [p for p in executed.rglob("*.ipynb") if "/shared/" in _outputs(p)]
    assert not [p for p in executed.glob(f"{ALWAYS_EXECUTED}/*.ipynb") if str(ROOT) in _outputs(p)]
