"""nbval's execution kept as the book's executed copies (the plugin ``make nbval`` loads)."""

import json
import os
import subprocess
import sys

import nbformat

from deblurbook.book import reproduce
from deblurbook.book.nbval_record import committed_parameters
from tests.conftest import read_json, write_notebook


def _nbval(book, *folders):
    env = dict(os.environ, DEBLURBOOK_ROOT=str(book))
    env.pop("DEBLURBOOK_READS", None)
    args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "deblurbook.book.nbval_record", "--nbval-lax"]
    return subprocess.run(
        [sys.executable, *args, *folders], cwd=book, env=env, capture_output=True, text=True, timeout=180
    )


def test_a_notebook_that_passed_nbval_is_current_for_the_runner_and_a_failed_one_is_not(fake_book, monkeypatch):
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(fake_book))  # the runner's bundled data: the fake book's, as nbval's
    write_notebook(
        fake_book / "notebooks/ch08_good/08.02-reads.ipynb",
        "from deblurbook.core import results\nresults.save(profile, 'ch08', 'numbers', {'x': 2})",
        "print(results.load(profile, 'ch08', 'numbers'))",
    )
    toc = (fake_book / "_toc.yml").read_text() + "  - file: notebooks/ch08_good/08.02-reads\n"
    (fake_book / "_toc.yml").write_text(toc)
    ran = _nbval(fake_book, "notebooks/ch08_good", "notebooks/ch09_bad")
    assert ran.returncode != 0 and "deliberately broken" in ran.stdout  # nbval still fails the bad one
    executed = fake_book / "_build/executed/notebooks"
    assert not (executed / "ch09_bad/09.01-bad.ipynb").exists()
    copy = json.loads((executed / "ch08_good/08.01-good.ipynb").read_text())
    nbformat.validate(nbformat.from_dict(copy))
    code = [c for c in copy["cells"] if c["cell_type"] == "code"]
    assert "remove-cell" in code[0]["metadata"]["tags"]  # the parameters cell, as the book leaves it out
    assert "".join(code[1]["outputs"][0]["text"]).strip() == '{"profile": "smoke", "seed": 0}'
    assert copy["metadata"]["language_info"]["name"] == "python"
    stamp = read_json(executed / "ch08_good/08.02-reads.ipynb.stamp.json")
    assert stamp["parameters"] == {"profile": "smoke", "device": "auto", "seed": 0}
    assert list(stamp["reads"]) == ["results/smoke/ch08/numbers.json"]
    outcomes = reproduce.run("smoke", root=fake_book, keep_going=True, progress=False)
    assert {o.notebook.split("/")[-1]: o.status for o in outcomes} == {
        "09.01-bad.ipynb": "failed",
        "08.01-good.ipynb": "skipped",
        "08.02-reads.ipynb": "skipped",
    }
    # another seed is another run: executed by the runner, not taken from nbval's
    again = reproduce.run("smoke", root=fake_book, seed=1, keep_going=True, progress=False)
    assert [o.status for o in again] == ["failed", "ran", "ran"]


def test_the_committed_parameters_are_read_as_literals():
    def notebook(source):
        return {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": source}]}

    assert committed_parameters(notebook('profile = "smoke"  # or small\ndevice = "auto"\nseed = 0')) == {
        "profile": "smoke",
        "device": "auto",
        "seed": 0,
    }
    assert committed_parameters(notebook('profile = "smoke"\ndevice = "auto"\nseed = make_seed()')) is None
    assert committed_parameters(notebook('profile = "smoke"\ndevice = "auto"')) is None
    assert committed_parameters({"cells": []}) is None
