"""The runner on a tiny fake book: one notebook that works, one that fails."""

import json
import subprocess
import sys

import pytest

from deblurbook.book import reproduce
from tests.conftest import read_json


def test_failure_names_notebook_cell_and_error_and_keeps_partial_copy(fake_book):
    outcomes = reproduce.run("smoke", root=fake_book, progress=False)
    assert [o.status for o in outcomes] == ["failed"]  # stops at the first failure
    message = outcomes[0].message
    assert "notebooks/ch09_bad/09.01-bad.ipynb" in message
    assert "cell 3" in message and "ValueError: deliberately broken" in message
    partial = fake_book / "_build/executed/notebooks/ch09_bad/09.01-bad.ipynb"
    assert partial.is_file() and "partial copy kept" in message
    cells = json.loads(partial.read_text())["cells"]
    assert any(c.get("outputs") for c in cells if c["cell_type"] == "code")


def test_keep_going_runs_the_rest_and_logs_each(fake_book):
    outcomes = reproduce.run("smoke", root=fake_book, keep_going=True, progress=False)
    assert [o.status for o in outcomes] == ["failed", "ran"]
    log = read_json(fake_book / "results/smoke/reproduce.json")
    assert {n["notebook"].split("/")[-1]: n["status"] for n in log["notebooks"]} == {
        "09.01-bad.ipynb": "failed", "08.01-good.ipynb": "ran"}


def test_parameters_injected_and_unchanged_runs_skipped(fake_book):
    first = reproduce.run("small", chapter="ch08", seed=7, root=fake_book, progress=False)
    assert [o.status for o in first] == ["ran"]
    executed = json.loads((fake_book / "_build/executed/notebooks/ch08_good/08.01-good.ipynb").read_text())
    printed = "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))
    assert '"profile": "small"' in printed and '"seed": 7' in printed
    again = reproduce.run("small", chapter="ch08", seed=7, root=fake_book, progress=False)
    assert [o.status for o in again] == ["skipped"]
    other_seed = reproduce.run("small", chapter="ch08", seed=8, root=fake_book, progress=False)
    assert [o.status for o in other_seed] == ["ran"]


def test_edited_notebook_runs_again(fake_book):
    reproduce.run("smoke", chapter="ch08", root=fake_book, progress=False)
    nb = fake_book / "notebooks/ch08_good/08.01-good.ipynb"
    nb.write_text(nb.read_text().replace("print(", "print('edited', "))
    assert [o.status for o in reproduce.run("smoke", chapter="ch08", root=fake_book,
                                            progress=False)] == ["ran"]


def test_cli_exit_code_and_message(fake_book, monkeypatch, capsys):
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(fake_book))
    assert reproduce.main(["--profile", "smoke", "--keep-going"]) == 1
    err = capsys.readouterr().err
    assert "FAILED notebooks/ch09_bad/09.01-bad.ipynb, cell 3" in err
    assert reproduce.main(["--profile", "smoke", "--chapter", "ch08"]) == 0
    assert reproduce.main(["--profile", "smoke", "--chapter", "ch42"]) == 2


def test_unknown_profile_is_refused_before_running(fake_book):
    with pytest.raises(ValueError, match="unknown profile"):
        reproduce.run("huge", root=fake_book, progress=False)


def test_nbval_fails_on_the_broken_notebook_and_names_it(fake_book):
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "--nbval-lax", "notebooks/ch09_bad"], cwd=fake_book,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "09.01-bad.ipynb" in result.stdout and "deliberately broken" in result.stdout
