"""A pytest plugin that keeps nbval's execution of the book as the book's executed copies.

    pytest -p deblurbook.book.nbval_record --nbval-lax notebooks/chNN_name/

nbval runs every code cell of a notebook in one kernel, with the values its
``parameters`` cell commits (the cheap CI budget). Where every cell of a
notebook of the table of contents passed, this plugin writes what
:func:`deblurbook.book.reproduce.execute` writes for the same run: the
executed copy under ``_build/executed`` (as the book shows it) and its stamp
(run key and the files the notebook read). ``reproduce`` at the same profile,
device and seed then finds the copy current and skips the notebook, so
``make test`` executes the book once: nbval checks it, the render reuses it
(issue 27). A notebook with a failing cell writes nothing; where the package,
the notebook or a file it read changes afterwards, ``reproduce`` runs it again.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from ..core import atomic
from ..core.paths import repo_root
from ..core.provenance import READS_VARIABLE
from . import reproduce
from .toc import notebooks

PARAMETERS = ("profile", "device", "seed")  # what reproduce injects, in its run key


def committed_parameters(notebook: dict) -> dict | None:
    """The literal values the ``parameters`` cell gives to profile, device and seed (None when
    the cell is missing or gives one of them no literal)."""
    cells = [c for c in notebook.get("cells", []) if "parameters" in (c.get("metadata", {}).get("tags") or [])]
    if len(cells) != 1:
        return None
    source = cells[0]["source"]
    found = {}
    for node in ast.parse("".join(source) if isinstance(source, list) else source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    if not set(PARAMETERS) <= set(found):
        return None
    return {name: found[name] for name in PARAMETERS}


def executed_notebook(notebook: dict, outputs: dict[int, list | None]) -> dict:
    """``notebook`` with its code cells' outputs: ``outputs`` maps the n-th code cell to what
    nbval captured (None: not run, as papermill leaves a ``skip-execution`` cell)."""
    from ipykernel.ipkernel import IPythonKernel

    executed = copy.deepcopy(notebook)
    executed.setdefault("metadata", {})["language_info"] = dict(IPythonKernel.language_info)
    count = 0
    for number, cell in enumerate(c for c in executed["cells"] if c["cell_type"] == "code"):
        captured = outputs.get(number)
        if captured is None:
            cell["outputs"], cell["execution_count"] = [], None
            continue
        count += 1
        cell["outputs"] = json.loads(json.dumps(captured))  # nbformat nodes as plain JSON
        cell["execution_count"] = count
        for output in cell["outputs"]:
            if output.get("output_type") == "execute_result":
                output["execution_count"] = count
    return reproduce.for_the_book(executed)


@dataclass
class _Run:
    """The notebook nbval is running: where its kernel reports reads, what its cells gave."""

    path: Path
    reads: Path
    previous_reads: str | None
    results_before: dict[Path, int] = field(default_factory=dict)
    start: float = field(default_factory=time.perf_counter)
    outputs: dict[int, list | None] = field(default_factory=dict)
    failed: bool = False


class Recorder:
    """The plugin's state across one pytest session."""

    def __init__(self, root: Path):
        self.root = root
        self.book = {e.path.resolve(): e for e in notebooks(root)}
        self.run: _Run | None = None

    @staticmethod
    def is_cell(item) -> bool:
        return hasattr(item, "cell_num") and hasattr(item, "test_outputs")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        # before nbval's own setup starts the notebook's kernel, which inherits the variable
        if not self.is_cell(item) or (self.run and self.run.path == Path(item.parent.path)):
            return
        handle, name = tempfile.mkstemp(prefix="reads-", suffix=".txt")
        os.close(handle)
        path = Path(item.parent.path)
        self.run = _Run(path, Path(name), os.environ.get(READS_VARIABLE), self.results_times(path))
        os.environ[READS_VARIABLE] = name

    def results_times(self, path: Path) -> dict[Path, int]:
        """The modification times in the notebook's chapter results folder at its committed profile."""
        entry = self.book.get(path.resolve())
        if entry is None:
            return {}
        parameters = committed_parameters(json.loads(entry.path.read_text(encoding="utf-8")))
        return reproduce.results_times(self.root, entry, parameters["profile"]) if parameters else {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()
        if self.run and self.is_cell(item):
            self.run.failed |= report.failed
            if call.when == "call" and not report.skipped:
                self.run.outputs[item.cell_num] = item.test_outputs

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item, nextitem):
        yield
        if self.run and self.is_cell(item) and (nextitem is None or nextitem.parent is not item.parent):
            self.finish()

    def finish(self) -> None:
        run, self.run = self.run, None
        if run.previous_reads is None:
            os.environ.pop(READS_VARIABLE, None)
        else:
            os.environ[READS_VARIABLE] = run.previous_reads
        read = run.reads.read_text(encoding="utf-8").split() if run.reads.exists() else []
        run.reads.unlink(missing_ok=True)
        entry = self.book.get(run.path.resolve())
        if run.failed or entry is None:
            return
        notebook = json.loads(entry.path.read_text(encoding="utf-8"))
        parameters = committed_parameters(notebook)
        if parameters is None:
            return
        key = reproduce.run_key(entry.path, parameters, *reproduce.code_and_inputs(self.root))
        out = reproduce.executed_path(self.root, entry)
        atomic.write_text(out, nbformat.writes(nbformat.from_dict(executed_notebook(notebook, run.outputs))))
        after = reproduce.results_times(self.root, entry, parameters["profile"])
        wrote = [p for p, t in after.items() if run.results_before.get(p) != t]
        reproduce.write_stamp(self.root, out, key, time.perf_counter() - run.start, parameters, read, wrote)


def pytest_configure(config):
    config.pluginmanager.register(Recorder(repo_root()), "deblurbook-nbval-record")
