"""The `paper` profile on the CPU, before any GPU is lent: every experiment builds at its paper's
settings, and each chapter's main model takes two steps at its paper width (on small crops, a
small batch) through the shared trainer, with the mixed precision a GPU would use."""

import pytest
import torch

from deblurbook import chapters
from deblurbook.training import experiments
from deblurbook.training.trainer import Trainer

pytestmark = pytest.mark.paper_cpu

MAIN = ("ch02:full", "ch03:full", "ch04:full", "ch05:full", "ch06:two_way", "ch07:unet-1M")


def test_every_experiment_builds_at_paper():
    for name in experiments.names():
        exp = experiments.build(name, "paper", device="cpu", iterations=2)
        assert exp.config.iterations == 2 and exp.identity["profile"] == "paper", name


@pytest.mark.parametrize("name", MAIN)
def test_the_main_model_steps_at_paper_width_in_bfloat16(name, tmp_path, monkeypatch):
    module = chapters.module_of(name.split(":")[0])
    small = {"crop": 48, "batch": 2, "pool": None}  # small crops and batch
    paper = module.BUDGETS["paper"]
    monkeypatch.setitem(module.BUDGETS, "paper", {**paper, **{k: v for k, v in small.items() if k in paper}})
    exp = experiments.build(name, "paper", device="cpu", iterations=2)
    exp.config.amp, exp.config.amp_dtype = True, "bfloat16"  # what a GPU with bf16 runs
    before = {k: v.clone() for k, v in exp.model.state_dict().items() if v.is_floating_point()}
    trainer = Trainer(exp.model, exp.loss, exp.train_set, exp.inputs, exp.config, tmp_path, progress=False)
    trainer.train(resume=False)  # a non-finite loss raises, naming the step
    assert trainer.step == 2 and trainer.amp
    assert any(not torch.equal(before[k], v) for k, v in exp.model.state_dict().items() if k in before)
