"""The runner on a tiny fake book: one notebook that works, one that fails."""

import json
import os
import subprocess
import sys

import pytest

from deblurbook.book import reproduce
from tests.conftest import read_json, run_python


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
        "09.01-bad.ipynb": "failed",
        "08.01-good.ipynb": "ran",
    }


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
    assert [o.status for o in reproduce.run("smoke", chapter="ch08", root=fake_book, progress=False)] == ["ran"]


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
    result = run_python(
        ["-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", "notebooks/ch09_bad"], cwd=fake_book
    )
    assert result.returncode != 0
    assert "09.01-bad.ipynb" in result.stdout and "deliberately broken" in result.stdout


def _chapter(book, number, *sources, parameters=True):
    from tests.conftest import write_notebook

    path = book / f"notebooks/ch{number}_x/{number}.01-x.ipynb"
    if parameters:
        write_notebook(path, *sources)
    else:
        write_notebook(path, *sources, parameters="x = 1")
        data = json.loads(path.read_text())
        data["cells"][1]["metadata"]["tags"] = []
        path.write_text(json.dumps(data))
    return path


def test_a_notebook_runs_again_when_a_file_it_read_changes(fake_book, monkeypatch):
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(fake_book))
    writer = _chapter(
        fake_book, "11", "from deblurbook.core import results\nresults.save(profile, 'ch11', 'numbers', {'x': 1})"
    )
    _chapter(fake_book, "12", "from deblurbook.core import results\nprint(results.load(profile, 'ch11', 'numbers'))")
    (fake_book / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n"
        "  - file: notebooks/ch11_x/11.01-x\n  - file: notebooks/ch12_x/12.01-x\n"
    )
    assert [o.status for o in reproduce.run("smoke", root=fake_book, progress=False)] == ["ran", "ran"]
    assert [o.status for o in reproduce.run("smoke", root=fake_book, progress=False)] == ["skipped", "skipped"]
    writer.write_text(writer.read_text().replace("{'x': 1}", "{'x': 2}"))
    assert [o.status for o in reproduce.run("smoke", root=fake_book, progress=False)] == ["ran", "ran"]
    stamp = read_json(fake_book / "_build/executed/notebooks/ch12_x/12.01-x.ipynb.stamp.json")
    assert list(stamp["reads"]) == ["results/smoke/ch11/numbers.json"]
    written = read_json(fake_book / "_build/executed/notebooks/ch11_x/11.01-x.ipynb.stamp.json")["writes"]
    assert list(written) == ["results/smoke/ch11/numbers.json"]
    # deleted results are written again by the notebook that wrote them; its reader, whose file
    # comes back the same, stays current
    (fake_book / "results/smoke/ch11/numbers.json").unlink()
    assert [o.status for o in reproduce.run("smoke", root=fake_book, progress=False)] == ["ran", "skipped"]


def test_a_notebook_without_a_parameters_cell_is_refused(fake_book):
    _chapter(fake_book, "13", "print(1)", parameters=False)
    (fake_book / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: notebooks/ch13_x/13.01-x\n"
    )
    (outcome,) = reproduce.run("smoke", root=fake_book, progress=False)
    assert outcome.status == "failed" and "0 cells tagged 'parameters'" in outcome.message


SLOW = "import time\ntime.sleep(60)"


def _slow_book(book):
    _chapter(book, "14", "print('quick')")
    _chapter(book, "15", SLOW)
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n"
        "  - file: notebooks/ch14_x/14.01-x\n  - file: notebooks/ch15_x/15.01-x\n"
    )


def test_the_log_is_written_after_every_notebook_and_a_second_runner_is_refused(fake_book):
    import os
    import signal
    import time

    _slow_book(fake_book)
    env = dict(os.environ, DEBLURBOOK_ROOT=str(fake_book))
    proc = subprocess.Popen(
        [sys.executable, "-m", "deblurbook", "reproduce", "--profile", "smoke"],
        cwd=fake_book,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # its kernel too is killed below
    log = fake_book / "results/smoke/reproduce.json"
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not log.is_file():
            time.sleep(0.3)
        with pytest.raises(reproduce.LockedError, match=f"the build tree .* is in use by pid {proc.pid}"):
            reproduce.run("smoke", root=fake_book, progress=False)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    (first,) = read_json(log)["notebooks"]  # written while the second notebook still ran
    assert first["notebook"].endswith("14.01-x.ipynb") and first["status"] == "ran" and first["seconds"] > 0


def test_the_book_leaves_out_plumbing_and_dead_widgets():
    notebook = {
        "metadata": {"widgets": {"state": {}}},
        "cells": [
            {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "outputs": []},
            {"cell_type": "code", "metadata": {"tags": ["injected-parameters"]}, "outputs": []},
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [
                    {
                        "output_type": "display_data",
                        "data": {reproduce.WIDGET_VIEW: {"model_id": "1"}, "text/plain": "train: 100%|#| 3/3"},
                    },
                    {"output_type": "display_data", "data": {reproduce.WIDGET_VIEW: {"model_id": "2"}}},
                ],
            },
        ],
    }
    shown = reproduce.for_the_book(notebook)
    assert [("remove-cell" in c["metadata"]["tags"]) for c in shown["cells"]] == [True, True, False]
    assert shown["cells"][2]["outputs"] == [
        {"output_type": "display_data", "data": {"text/plain": "train: 100%|#| 3/3"}}
    ]
    assert "widgets" not in shown["metadata"]


def test_chapters_run_in_parallel_each_in_order(fake_book):
    outcomes = reproduce.run("smoke", root=fake_book, progress=False, jobs=2)
    # a failure stops its own chapter only: the other was already running
    assert sorted((o.notebook.split("/")[-1], o.status) for o in outcomes) == [
        ("08.01-good.ipynb", "ran"),
        ("09.01-bad.ipynb", "failed"),
    ]
    log = read_json(fake_book / "results/smoke/reproduce.json")
    assert len(log["notebooks"]) == 2
    again = reproduce.run("smoke", chapter="ch08", root=fake_book, progress=False, jobs=2)
    assert [o.status for o in again] == ["skipped"]


def test_chapters_are_grouped_and_the_longest_goes_first(fake_book):
    from deblurbook.book.toc import notebooks

    todo = notebooks(fake_book)
    groups = reproduce.by_chapter(todo, {str(todo[1].path): 30.0, str(todo[0].path): 2.0})
    assert [[e.chapter for e in g] for g in groups] == [["ch08"], ["ch09"]]
    assert [[e.chapter for e in g] for g in reproduce.by_chapter(todo, {})] == [["ch08"], ["ch09"]]  # later first


def test_only_a_chapter_whose_notebooks_all_ran_is_handed_on(fake_book):
    called = []
    reproduce.run(
        "smoke",
        root=fake_book,
        keep_going=True,
        progress=False,
        jobs=2,
        after_chapter=lambda *args: called.append(args),
    )
    assert [args[:2] for args in called] == [("smoke", "ch08")]  # ch09 failed
    assert called[0][2] == max(1, (os.cpu_count() or 1) // 2)
    called.clear()
    reproduce.run("smoke", chapter="ch08", root=fake_book, progress=False, after_chapter=lambda *a: called.append(a))
    assert [args[:2] for args in called] == [("smoke", "ch08")] and called[0][2] >= 1  # skipped counts as current


def test_threads_beside_a_busy_machine():
    assert reproduce.threads_beside(load=0.1, cores=2, default=2) == 2
    assert reproduce.threads_beside(load=1.2, cores=2, default=2) == 1
    assert reproduce.threads_beside(load=5.0, cores=2, default=2) == 1  # never zero
    assert reproduce.threads_beside(load=0.0, cores=16, default=8) == 8  # never above torch's default


def test_kernels_beside_a_trainer_get_the_free_core_only(fake_book, monkeypatch, capsys):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(reproduce.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(reproduce.os, "getloadavg", lambda: (3.2, 3.0, 3.0))
    called = []
    reproduce.run("smoke", chapter="ch08", root=fake_book, progress=False, after_chapter=lambda *a: called.append(a))
    assert called == [("smoke", "ch08", 1)]  # what the results record says the kernels used
    assert "OMP_NUM_THREADS" not in os.environ  # restored for whatever runs next in this process
    if reproduce.kernel_threads() > 1:
        assert "the kernels run with 1 torch thread" in capsys.readouterr().err
    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # asked for explicitly: kept
    called.clear()
    reproduce.run("smoke", chapter="ch08", root=fake_book, progress=False, after_chapter=lambda *a: called.append(a))
    assert called == [("smoke", "ch08", 2)]
