"""``python -m deblurbook train`` for the book's runs: patterns, seeds, claims, processes."""

import json
import os
import subprocess
import sys

import pytest

from deblurbook.core.locks import hold
from deblurbook.core.paths import build_dir
from deblurbook.training import cli, experiments
from tests.conftest import ROOT, run_python


def test_patterns_name_experiments_in_registry_order():
    assert cli.matching("ch07:unet-smoke, ch07:mtdn-s*") == ["ch07:unet-smoke", "ch07:mtdn-smoke"]
    with pytest.raises(ValueError, match="no experiment matches ch99:\\*"):
        cli.matching("ch07:unet-smoke,ch99:*")
    assert cli.seed_list("0, 2") == [0, 2]
    with pytest.raises(ValueError, match="integers"):
        cli.seed_list("0,a")


def test_book_runs_land_where_the_notebooks_look_and_held_runs_are_skipped(empty_root):
    claim = build_dir() / "runs" / "smoke" / ".claims" / "ch07-unet-smoke-seed1"
    with hold(claim, "another worker's run"):
        done = cli.train_book_runs(["ch07:unet-smoke"], "smoke", [0, 1], "cpu")
    assert done == ["ch07:unet-smoke#0"]
    exp = experiments.build("ch07:unet-smoke", "smoke", seed=0, device="cpu")
    assert (experiments.run_dir(exp, "smoke", 0) / "checkpoint.pt").is_file()
    assert not experiments.run_dir(
        experiments.build("ch07:unet-smoke", "smoke", seed=1, device="cpu"), "smoke", 1
    ).exists()


def test_the_command_trains_seeds_in_parallel_processes(empty_root):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = run_python(
        [
            "-m",
            "deblurbook",
            "train",
            "--experiment",
            "ch07:unet-smoke",
            "--profile",
            "smoke",
            "--seeds",
            "0,1",
            "--jobs",
            "2",
            "--device",
            "cpu",
        ],
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # a worker reaching a run the other has finished only loads it (and says so too)
    assert {line for line in result.stdout.splitlines() if line.endswith("ready")} == {
        "train: ch07:unet-smoke seed 0 at smoke ready",
        "train: ch07:unet-smoke seed 1 at smoke ready",
    }
    bad = run_python(["-m", "deblurbook", "train", "--experiment", "ch07:unet-smoke", "--iterations", "3"], env=env)
    assert bad.returncode == 2 and "need --out" in bad.stderr


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="checks the machine without a GPU")
def test_the_gpu_profile_is_refused_on_a_cpu_unless_asked_for(empty_root, capsys):
    assert cli.main(["--experiment", "ch07:unet-1M", "--profile", "paper"]) == 2
    assert "sees no CUDA GPU" in capsys.readouterr().err


def test_a_staged_run_trains_after_the_runs_it_starts_from(empty_root, capsys):
    """ch03:plus fine-tunes the full model (at smoke, chapter 7's BladeNet run): the command trains that
    first, as the chapter does, and refuses --out, where it could not be found."""
    assert cli.train_book_runs(["ch03:plus"], "smoke", [0], "cpu") == ["ch03:plus#0"]
    for name in ("ch07:bladenet-smoke", "ch03:plus"):
        exp = experiments.build(name, "smoke", seed=0, device="cpu")
        assert (experiments.run_dir(exp, "smoke", 0) / "checkpoint.pt").is_file(), name
    assert cli.main(["--experiment", "ch03:plus", "--profile", "smoke", "--out", str(empty_root / "x")]) == 2
    assert "without --out" in capsys.readouterr().err


def test_a_run_into_out_says_the_notebooks_do_not_read_it(tmp_path, capsys):
    assert (
        cli.main(["--experiment", "ch07:unet-smoke", "--profile", "smoke", "--out", str(tmp_path), "--device", "cpu"])
        == 0
    )
    assert "without --out" in capsys.readouterr().out


def _torchrun(args: list[str], port: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(port)]
    return subprocess.run(
        [*command, "-m", "deblurbook", "train", *args, "--profile", "smoke", "--device", "cpu"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_two_ranks_train_a_book_run_with_selection_together(empty_root):
    """Every rank trains the run (no rank waits on another's lock); rank 0 writes the selection."""
    result = _torchrun(["--experiment", "ch07:unet-smoke"], 29561)
    assert result.returncode == 0, result.stderr[-2000:]
    exp = experiments.build("ch07:unet-smoke", "smoke", seed=0, device="cpu")
    folder = experiments.run_dir(exp, "smoke", 0)
    assert not folder.exists()  # a single process's run is another run: its global batch differs
    runs = list((build_dir() / "runs" / "smoke" / "ch07").glob("unet-smoke-seed0-*"))
    assert len(runs) == 1 and (runs[0] / "best.pt").is_file() and (runs[0] / "selection.json").is_file()


def test_two_ranks_train_a_model_with_parameters_that_get_no_gradient(tmp_path):
    """SGENet's last full-scale CEM feeds no next stage: DDP is told (has_unused_parameters)."""
    result = _torchrun(["--experiment", "ch05:full", "--out", str(tmp_path / "sgenet")], 29562)
    assert result.returncode == 0, result.stderr[-2000:]


def test_status_says_what_each_run_has_and_trains_nothing(empty_root, capsys):
    cli.train_book_runs(["ch07:unet-smoke"], "smoke", [0], "cpu")
    capsys.readouterr()
    assert cli.main(["--experiment", "ch07:unet-smoke", "--seeds", "0,1", "--status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("ch07:unet-smoke seed 0: finished, not packed yet") and "seed 1: not started" in lines[1]
    assert lines[-1] == "0 of 2 runs packed at smoke"
    unstarted = experiments.run_dir(experiments.build("ch07:unet-smoke", "smoke", seed=1, device="cpu"), "smoke", 1)
    assert not unstarted.exists()


def test_seconds_per_step_skips_the_restart_of_a_resumed_run():
    entries = [
        {"step": 25, "seconds": 10.0},
        {"step": 50, "seconds": 20.0},
        {"step": 75, "seconds": 2.0},  # resumed: a new process's clock
        {"step": 100, "seconds": 17.0},
    ]
    assert cli.seconds_per_step(entries) == (10.0 + 15.0) / 50
    assert cli.seconds_per_step(entries[:1]) is None


def test_status_of_a_part_trained_run_says_the_time_left(empty_root, capsys):
    exp = experiments.build("ch07:unet-smoke", "smoke", seed=0, device="cpu")
    folder = experiments.run_dir(exp, "smoke", 0)
    folder.mkdir(parents=True)
    log = {
        "step": 50,
        "config": {"iterations": 650},
        "log": [{"step": 25, "seconds": 1.0}, {"step": 50, "seconds": 51.0}],
    }
    (folder / "log.json").write_text(json.dumps(log))
    assert cli.main(["--experiment", "ch07:unet-smoke", "--seeds", "0", "--status"]) == 0
    assert "part-trained: step 50 of 650, about 20 min left at its logged rate" in capsys.readouterr().out


def test_a_worker_says_its_line_in_one_write(monkeypatch):
    writes = []

    class Pipe:
        def write(self, text):
            writes.append(text)

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stdout", Pipe())
    cli.say("train: ch07:unet-smoke seed 0 at smoke ready")
    assert writes == ["train: ch07:unet-smoke seed 0 at smoke ready\n"]
