"""The shared trainer on a tiny model: determinism, resume, a real kill, DDP on CPU."""

import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from deblurbook.core.checkpoints import CheckpointError
from deblurbook.models.flow_deblur import FlowDeblurNet
from deblurbook.training import experiments
from deblurbook.training.trainer import StepBatches, TrainConfig, Trainer, load_model_weights
from tests.conftest import ROOT, TRAIN, train_args


def make(out, iterations=6, seed=0, **overrides):
    exp = experiments.build("ch02:full", "smoke", seed=seed, device="cpu", iterations=iterations)
    for key, value in overrides.items():
        setattr(exp.config, key, value)
    return Trainer(exp.model, exp.loss, exp.train_set, exp.inputs, exp.config, out, progress=False)


def weights(trainer):
    return {k: v.clone() for k, v in trainer.model.state_dict().items()}


def same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


def test_step_batches_split_ranks_and_resume():
    assert list(StepBatches(1, 3, 2)) == [[2, 3], [4, 5]]
    assert list(StepBatches(0, 2, 2, rank=1, world=2)) == [[2, 3], [6, 7]]


def test_lr_schedules():
    cfg = TrainConfig(iterations=10, batch=1, lr=1.0, milestones=(4, 8), gamma=0.5)
    assert [cfg.lr_at(s) for s in (0, 3, 4, 8, 9)] == [1.0, 1.0, 0.5, 0.25, 0.25]
    poly = TrainConfig(iterations=10, batch=1, lr=1.0, schedule="poly", power=2.0)  # Caffe's "poly"
    assert [poly.lr_at(s) for s in (0, 5, 10)] == [1.0, 0.25, 0.0]
    for bad in (dict(schedule="cosine"), dict(amp_dtype="float8"), dict(iterations=-3)):
        with pytest.raises(ValueError):
            TrainConfig(**{"iterations": 10, "batch": 1, **bad})


def test_parameter_groups_carry_their_multipliers_into_the_optimizer(tmp_path):
    exp = experiments.build("ch02:full", "smoke", device="cpu", iterations=2)
    exp.config.weight_decay = 0.1
    trainer = Trainer(exp.model, exp.loss, exp.train_set, exp.inputs, exp.config, tmp_path, progress=False)
    groups = {(g["lr_mult"], g["weight_decay"]) for g in trainer.optimizer.param_groups}
    assert groups == {(1.0, 0.1), (1.0, 0.0), (0.0, 0.0), (2.0, 0.1)}
    frozen = [p.clone() for g in trainer.optimizer.param_groups if g["lr_mult"] == 0 for p in g["params"]]
    trainer.train(resume=False)
    after = [p for g in trainer.optimizer.param_groups if g["lr_mult"] == 0 for p in g["params"]]
    assert all(torch.equal(a, b) for a, b in zip(frozen, after))  # lr_mult 0: fixed, as Caffe's lr_mult: 0
    assert all(g["lr"] == exp.config.lr_at(1) * g["lr_mult"] for g in trainer.optimizer.param_groups)


def test_seeded_runs_are_identical_and_loss_goes_down(tmp_path):
    a, b = make(tmp_path / "a"), make(tmp_path / "b")
    log = a.train(resume=False)
    b.train(resume=False)
    assert same(weights(a), weights(b))
    assert (tmp_path / "a" / "checkpoint.pt").is_file() and (tmp_path / "a" / "log.json").is_file()
    assert log[-1]["step"] == 6 and "warp_s4" in log[-1]


def test_resume_gives_the_uninterrupted_result(tmp_path):
    whole = make(tmp_path / "whole")
    whole.train(resume=False)
    part = make(tmp_path / "part")
    part.train(resume=False, stop_after=5)  # checkpoints at 2 and 4; steps 5 is lost
    resumed = make(tmp_path / "part")
    assert resumed.load_checkpoint() and resumed.step == 4
    resumed.train()
    assert resumed.step == 6 and same(weights(whole), weights(resumed))


def test_bf16_autocast_and_channels_last_on_the_cpu_resume_exactly_and_learn(tmp_path):
    fast = dict(amp=True, amp_dtype="bfloat16", channels_last=True)
    whole = make(tmp_path / "whole", **fast)
    assert next(p for p in whole.model.parameters() if p.ndim == 4).is_contiguous(memory_format=torch.channels_last)
    log = whole.train(resume=False)
    assert whole.log[-1]["step"] == 6 and all(torch.isfinite(torch.tensor(e["total"])) for e in log)
    part = make(tmp_path / "part", **fast)
    part.train(resume=False, stop_after=5)
    resumed = make(tmp_path / "part", **fast)
    resumed.train()
    assert same(weights(whole), weights(resumed))
    plain = make(tmp_path / "plain")
    plain.train(resume=False)
    assert not same(weights(whole), weights(plain))  # the options are used, not ignored


def test_resume_after_a_real_kill(tmp_path):
    out = tmp_path / "killed"
    cmd = [*TRAIN, *train_args("ch02:full", out, 400)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not (out / "checkpoint.pt").exists() and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (out / "checkpoint.pt").exists(), "no checkpoint before the kill"
    killed = make(out, iterations=400)
    assert killed.load_checkpoint()
    stopped_at = killed.step
    killed.train(stop_after=2)  # the same 400-step schedule (a cosine depends on the run's length)
    # a kill in the middle of a write leaves its temporary file; the next write of that file removes it
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.name != ".lock"], "a temporary file was left"
    fresh = make(tmp_path / "fresh", iterations=400)
    fresh.train(resume=False, stop_after=stopped_at + 2)
    assert fresh.step == killed.step == stopped_at + 2 and same(weights(fresh), weights(killed))


def test_corrupt_and_foreign_checkpoints_are_named(tmp_path):
    trainer = make(tmp_path)
    (tmp_path / "checkpoint.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="checkpoint.pt: no digest file"):
        trainer.load_checkpoint()
    with pytest.raises(FileNotFoundError, match="nothere.pt"):
        load_model_weights(trainer.model, tmp_path / "nothere.pt")
    other = make(tmp_path / "other")
    other.train(resume=False)
    with pytest.raises(CheckpointError, match="checkpoint.pt: its weights do not fit FlowDeblurNet"):
        load_model_weights(FlowDeblurNet("no_rnn", width=0.125), tmp_path / "other" / "checkpoint.pt")


def test_too_small_a_dataset_is_refused(tmp_path):
    exp = experiments.build("ch02:no_rnn", "smoke", iterations=3)
    exp.config.iterations = 10_000
    with pytest.raises(ValueError, match="need"):
        Trainer(exp.model, exp.loss, exp.train_set, exp.inputs, exp.config, tmp_path)


def test_ddp_on_cpu_two_processes_matches_one_process_of_twice_the_batch(tmp_path):
    """gloo, two ranks of batch 2 == one process of batch 4 (gradients are averaged)."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29533"]
    cmd = [*launcher, "-m", "deblurbook", "train", *train_args("ch02:no_rnn", tmp_path / "ddp", 3)]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    ddp = torch.load(tmp_path / "ddp" / "checkpoint.pt", weights_only=True)
    assert ddp["step"] == 3
    exp = experiments.build("ch02:no_rnn", "smoke", iterations=3)
    exp.config.batch = 4  # the two ranks' items, in one batch: items 0-3 at step 0, ...
    single = Trainer(exp.model, exp.loss, exp.train_set, exp.inputs, exp.config, tmp_path / "one", progress=False)
    single.train(resume=False)
    for key, value in single.model.state_dict().items():
        assert torch.allclose(value, ddp["model"][key], atol=1e-5), key
