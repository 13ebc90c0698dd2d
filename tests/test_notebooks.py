"""Every committed notebook follows the book's conventions."""

import ast
import json
import re

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
    dirty = [
        i
        for i, c in enumerate(data["cells"])
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
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
            python = "\n".join(line for line in _source(cell).splitlines() if not line.lstrip().startswith(("%", "!")))
            tree = ast.parse(python)
            assert not any(isinstance(n, ast.ClassDef) for n in ast.walk(tree)), (
                f"{path}: classes belong in the package"
            )


CODE_COLUMNS = 88
# a decimal figure with a unit typed into prose: the book glues such numbers from the results instead
TYPED_NUMBER = re.compile(r"(?<![\w.{`$])(\d+\.\d+)\s*(dB|x|s|px|%|M)(?![\w}])")


def _paper_numbers() -> set[str]:
    """Every number the chapters quote from the papers (typed there on purpose)."""
    from deblurbook import chapters

    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, float):
            found.update({f"{value:g}", f"{value:.2f}", f"{value:.1f}", f"{value / 1e6:.1f}", f"{value / 1e6:.2f}"})

    for module in chapters.modules():
        walk(getattr(module, "PAPER", {}))
    return found


def test_code_fits_the_page(nb):
    path, data = nb
    long = [
        (i, line)
        for i, c in enumerate(data["cells"])
        if c["cell_type"] == "code"
        for line in _source(c).splitlines()
        if len(line) > CODE_COLUMNS
    ]
    assert not long, f"{path}: code lines over {CODE_COLUMNS} columns (ruff format --line-length 88): {long[:2]}"


def test_plumbing_is_hidden_in_the_book(nb):
    path, data = nb
    code = [c for c in data["cells"] if c["cell_type"] == "code"]
    tags = [set(c.get("metadata", {}).get("tags", [])) for c in code]
    setup = next(i for i, t in enumerate(tags) if "parameters" in t) + 1
    assert {"hide-input", "remove-input", "remove-cell"} & tags[setup], f"{path}: hide the imports cell"
    install = tags[0]
    assert {"skip-execution", "nbval-skip", "remove-cell"} <= install, f"{path}: first cell installs for Colab"
    repository = re.search(r"^repository:\n\s+url:\s*(\S+)", (ROOT / "_config.yml").read_text(), re.M).group(1)
    install_code = _source(code[0])
    assert f'"{repository}"' in install_code, f"{path}: fetch _config.yml's repository.url ({repository})"
    # "Run All" where the package is importable must not reinstall it (issue 26)
    assert 'if importlib.util.find_spec("deblurbook") is None:' in install_code, f"{path}: install unguarded"
    assert "DEBLURBOOK_ROOT" in install_code, f"{path}: the clone is not where the package looks for data"


def test_results_pages_say_what_profile_they_show(nb):
    path, data = nb
    code = "\n".join(_source(c) for c in data["cells"] if c["cell_type"] == "code")
    if "results.save(" in code:
        assert "pages.banner(profile, device)" in code, (
            f"{path}: a results page opens with pages.banner(profile, device)"
        )


def test_prose_types_no_measured_number(nb):
    path, data = nb
    allowed = _paper_numbers()
    typed = [
        m.group(0)
        for c in data["cells"]
        if c["cell_type"] == "markdown"
        for m in TYPED_NUMBER.finditer(_source(c))
        if m.group(1) not in allowed
    ]
    assert not typed, f"{path}: numbers typed into prose (glue them from the results): {typed}"


def test_each_notebook_ends_with_exercises(nb):
    path, data = nb
    markdown = "\n".join(_source(c) for c in data["cells"] if c["cell_type"] == "markdown")
    assert "## Exercises" in markdown, f"{path}: add two or three exercises"
    exercises = markdown.split("## Exercises", 1)[1].split("\n## ", 1)[0]
    assert len(re.findall(r"^\d+\. ", exercises, re.M)) >= 2, f"{path}: at least two numbered exercises"


def test_figure_and_section_labels_are_unique_across_the_book():
    """Sphinx labels (``:name:`` of figures, ``(label)=`` targets) share one namespace for the
    whole book: a label used twice fails the strict build."""
    seen: dict[str, str] = {}
    duplicates = []
    for path in NOTEBOOKS:
        text = "\n".join(_source(c) for c in _nb(path)["cells"] if c["cell_type"] == "markdown")
        for label in re.findall(r"^:name:\s*(\S+)|^\((\S+)\)=", text, re.M):
            name = label[0] or label[1]
            if name in seen and seen[name] != path.name:
                duplicates.append(f"{name} ({seen[name]}, {path.name})")
            seen.setdefault(name, path.name)
    assert not duplicates, f"labels used in more than one notebook: {duplicates}"


def test_the_book_pages_and_the_readme_type_no_measured_number():
    """The Markdown pages under ``book/`` and the README follow the notebooks' rule: a measured
    number comes from the results (glued into a notebook), never typed."""
    allowed = _paper_numbers()
    pages = sorted((ROOT / "book").glob("*.md")) + [ROOT / "README.md"]
    typed = {
        p.name: hits
        for p in pages
        if (
            hits := [
                m.group(0) for m in TYPED_NUMBER.finditer(p.read_text(encoding="utf-8")) if m.group(1) not in allowed
            ]
        )
    }
    assert not typed, f"numbers typed into pages (glue them in a notebook instead): {typed}"
