"""A result is what its label says: runs are keyed by, and refused on, their identity."""

import signal
import subprocess
import time

import pytest

from deblurbook.chapters import ch02
from deblurbook.core import provenance
from deblurbook.training import cli, experiments
from tests.conftest import ROOT, TRAIN, train_args


@pytest.fixture
def book_root(tmp_path, monkeypatch):
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(tmp_path))  # runs go under tmp_path/_build/runs
    return tmp_path


def train(name="ch02:full", seed=0):
    return experiments.train_experiment(name, "smoke", seed=seed, device="cpu", progress=False)


def test_identity_covers_experiment_profile_seed_and_settings():
    full = experiments.build("ch02:full", "smoke").identity
    assert full["experiment"] == "ch02:full" and full["profile"] == "smoke" and len(full["digest"]) == 64
    others = [
        experiments.build("ch02:full", "smoke", seed=1),
        experiments.build("ch02:no_flow_loss", "smoke"),
        experiments.build("ch02:full", "small"),
        experiments.build("ch02:full", "smoke", iterations=5),
    ]
    assert len({full["digest"], *(e.identity["digest"] for e in others)}) == 5
    assert experiments.build("ch02:full", "smoke").identity == full  # deterministic


def test_a_changed_profile_setting_trains_afresh(book_root, monkeypatch):
    _, old = train()
    lr = ch02.BUDGETS["smoke"]["lr"]
    assert old.config.lr == lr and old.log[-1]["lr"] == pytest.approx(old.config.lr_at(old.log[-1]["step"] - 1))
    monkeypatch.setitem(ch02.BUDGETS, "smoke", {**ch02.BUDGETS["smoke"], "lr": lr / 2})
    _, new = train()
    assert new.out_dir != old.out_dir and new.log[-1]["lr"] == pytest.approx(old.log[-1]["lr"] / 2)
    assert not old.out_dir.exists()  # the older run of the same name was replaced


def test_a_changed_model_code_trains_afresh(book_root, monkeypatch, tmp_path):
    # a comment or docstring is not a change of code (provenance.code_text); a new statement is
    _, old = train()
    edited = tmp_path / "flow_deblur.py"
    edited.write_text(provenance.modules()["deblurbook.models.flow_deblur"].read_text() + "\nAN_EDIT = 1\n")
    modules = {**provenance.modules(), "deblurbook.models.flow_deblur": edited}
    monkeypatch.setattr(provenance, "modules", lambda: modules)
    _, same = train()
    assert same.out_dir == old.out_dir  # this process keeps naming runs after the code it loaded
    experiments._function_code_digest.cache_clear()  # a fresh process reads the edited code
    _, new = train()
    assert new.out_dir != old.out_dir


def test_seeds_and_experiments_never_share_a_run(book_root):
    _, zero = train(seed=0)
    _, one = train(seed=1)
    _, ablation = train("ch02:no_flow_loss")
    assert len({zero.out_dir, one.out_dir, ablation.out_dir}) == 3


def test_a_folder_given_by_hand_refuses_another_run_naming_both(tmp_path, capsys):
    out = str(tmp_path / "run")
    base = ["--profile", "smoke", "--out", out, "--device", "cpu", "--iterations", "2"]
    assert cli.main(["--experiment", "ch02:full", "--seed", "0", *base]) == 0
    assert cli.main(["--experiment", "ch02:full", "--seed", "1", *base]) == 2
    err = capsys.readouterr().err
    assert "holds ch02:full at profile smoke, seed 0" in err and "ch02:full at profile smoke, seed 1" in err
    assert cli.main(["--experiment", "ch02:no_flow_loss", "--seed", "0", *base]) == 2
    assert "ch02:no_flow_loss at profile smoke, seed 0" in capsys.readouterr().err
    assert cli.main(["--experiment", "ch02:full", "--seed", "0", *base]) == 0  # its own run: done


@pytest.mark.parametrize(
    "args, message",
    [
        (["--experiment", "ch09:magic"], "unknown experiment 'ch09:magic'"),
        (["--experiment", "ch02:full", "--device", "tpu"], "device must be one of"),
        (["--experiment", "ch02:full", "--iterations", "-3"], "--iterations must be positive"),
        (["--experiment", "ch02:full", "--profile", "huge"], "unknown profile 'huge'"),
    ],
)
def test_clear_errors_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    assert cli.main([*args, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_two_trainers_on_one_folder_the_second_fails_naming_the_first(tmp_path, capsys):
    out = tmp_path / "run"
    first = subprocess.Popen(
        [*TRAIN, *train_args("ch02:full", out, 5000)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not ((out / ".lock").exists() and (out / ".lock").read_text()):
            time.sleep(0.2)
        assert cli.main(train_args("ch02:full", out, 5000)) == 2
        assert f"is in use by pid {first.pid}" in capsys.readouterr().err
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=60)


def test_the_digest_covers_training_code_but_not_the_books_tables(monkeypatch, tmp_path):
    before = experiments.build("ch02:full", "smoke").identity["digest"]
    for module in ("deblurbook.book.tables", "deblurbook.book.stats"):
        edited = tmp_path / (module.rsplit(".", 1)[1] + ".py")
        edited.write_text(provenance.modules()[module].read_text() + "\n# a change of presentation\n")
        modules = {**provenance.modules(), module: edited}
        monkeypatch.setattr(provenance, "modules", lambda modules=modules: modules)
    assert experiments.build("ch02:full", "smoke").identity["digest"] == before


def test_stale_lists_runs_the_current_code_would_not_reproduce():
    exp = experiments.build("ch02:full", "smoke", seed=2)
    fresh = {"experiment": "ch02:full", "profile": "smoke", "seed": 2, "identity": exp.identity["digest"]}
    assert experiments.stale([fresh]) == []
    assert experiments.stale([{**fresh, "identity": "0" * 64}]) == ["ch02:full seed 2 at smoke"]


def test_precision_and_global_batch_are_part_of_a_run_but_loader_workers_are_not(monkeypatch):
    from deblurbook.training.trainer import precision

    exp = experiments.build("ch02:full", "smoke", device="cpu")
    assert precision(exp.config) == (False, None)  # amp=None: off on a CPU
    exp.config.amp, exp.config.amp_dtype = True, "bfloat16"
    assert precision(exp.config) == (True, "bfloat16")
    base = experiments.identity(exp, "smoke", 0, experiments.registry()["ch02:full"])
    exp.config.workers = 6
    assert experiments.identity(exp, "smoke", 0, experiments.registry()["ch02:full"]) == base
    exp.config.amp = False
    assert experiments.identity(exp, "smoke", 0, experiments.registry()["ch02:full"])["digest"] != base["digest"]
    exp.config.amp = True
    monkeypatch.setenv("WORLD_SIZE", "2")
    two = experiments.identity(exp, "smoke", 0, experiments.registry()["ch02:full"])
    assert two["train_config"]["world"] == 2 and two["digest"] != base["digest"]
