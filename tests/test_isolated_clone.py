"""A reader clones the book into an empty folder, with nothing beside it, and
runs it. This machine (and CI) has ``../shared`` beside the checkout, so the
test clones the committed tree into a fresh temporary folder and runs the
whole book at ``smoke`` there, then renders it. Marked ``isolated``: it takes
minutes, and ``make isolated`` (part of ``make test``) runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.isolated


def _run(args, cwd, env, timeout):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_a_clone_with_nothing_beside_it_runs_and_renders_the_book(tmp_path):
    clone = tmp_path / "deblurring-reproduced"
    _run(["git", "clone", "--quiet", str(ROOT), str(clone)], tmp_path, os.environ, 120)
    assert sorted(p.name for p in tmp_path.iterdir()) == [clone.name], "the clone must stand alone"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEBLURBOOK_")}
    env["PYTHONPATH"] = str(clone / "src")  # the clone's package, not this checkout's editable install
    probe = _run([sys.executable, "-c", "import deblurbook.core.paths as p; print(p.repo_root())"], clone, env, 60)
    assert probe.stdout.strip() == str(clone)
    _run([sys.executable, "-m", "deblurbook", "reproduce", "--profile", "smoke"], clone, env, 1500)
    _run([sys.executable, "-m", "deblurbook", "render"], clone, env, 900)
    assert (clone / "_build" / "html" / "book" / "intro.html").is_file()
    executed = "\n".join(p.read_text(encoding="utf-8") for p in (clone / "_build" / "executed").rglob("*.ipynb"))
    assert "/shared/" not in executed and str(ROOT) not in executed
