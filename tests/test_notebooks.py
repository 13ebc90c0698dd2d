"""Every committed notebook follows the book's conventions."""

import ast
import json

import pytest

from deblurbook.book import toc
from deblurbook.core import profiles
from tests.conftest import ROOT

NOTEBOOKS = [e.path for e in toc.notebooks(ROOT)]
SMOKE_DEFAULTS = {"profile": "smoke", "device": "auto", "seed": 0}


def _nb(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def nb(request):
    return request.param, _nb(request.param)


def test_there_is_at_least_one_notebook():
    assert NOTEBOOKS


def test_committed_without_outputs(nb):
    path, data = nb
    dirty = [i for i, c in enumerate(data["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{path}: cells {dirty} carry outputs; strip them before committing"


def test_kernel_is_python3(nb):
    path, data = nb
    assert data["metadata"]["kernelspec"]["name"] == "python3", path


def test_one_parameters_cell_with_smoke_literals(nb):
    path, data = nb
    tagged = [c for c in data["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path}: {len(tagged)} parameters cells"
    values = {}
    for node in ast.parse(_source(tagged[0])).body:
        assert isinstance(node, ast.Assign), f"{path}: parameters cell holds only assignments"
        values[node.targets[0].id] = ast.literal_eval(node.value)
    for key, default in SMOKE_DEFAULTS.items():
        assert values.get(key) == default, f"{path}: {key} default must be {default!r}"
    assert values["profile"] in profiles.PROFILES


def test_title_summary_and_deviations(nb):
    path, data = nb
    markdown = "\n".join(_source(c) for c in data["cells"] if c["cell_type"] == "markdown")
    assert markdown.lstrip().startswith("# "), f"{path}: first cell must be the title"
    assert "## Summary" in markdown and "## Deviations from the paper" in markdown, path
    assert "{cite" in markdown, f"{path}: cite the paper(s)"


def test_notebooks_define_no_classes(nb):
    path, data = nb
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            tree = ast.parse(_source(cell))
            assert not any(isinstance(n, ast.ClassDef) for n in ast.walk(tree)), \
                f"{path}: classes belong in the package"
