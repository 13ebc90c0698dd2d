"""Runs that build on runs: warm starts, one optimiser per data phase, checkpoint selection."""

import pytest
import torch
from torch import nn
from torch.utils.data import Dataset

from deblurbook.chapters import ch03
from deblurbook.core import atomic
from deblurbook.training import stages
from deblurbook.training.stages import PhasedAdam, warm_start
from deblurbook.training.trainer import TrainConfig, Trainer


class Constant(Dataset):
    def __init__(self, value: float, length: int = 64):
        self.value, self.length = value, length

    def __len__(self):
        return self.length

    def __getitem__(self, i):
        x = torch.full((3, 5, 7), self.value)
        return {"blur": x, "sharp": x * 0.5}


class TwoParts(nn.Module):
    def __init__(self):
        super().__init__()
        self.lbp = nn.Conv2d(3, 3, 1)
        self.deblur = nn.Conv2d(3, 3, 1)

    def forward(self, x):
        return self.deblur(self.lbp(x))


class L1(nn.Module):
    def forward(self, out, batch):
        loss = (out - batch["sharp"]).abs().mean()
        return loss, {"total": float(loss.detach())}


def _phased(tmp_path, phase_steps=2, iterations=8):
    torch.manual_seed(0)
    model = TwoParts()
    data = Constant(1.0)
    config = TrainConfig(iterations=iterations, batch=2, lr=1e-2, checkpoint_every=3, log_every=1)
    trainer = Trainer(model, L1(), data, ("blur",), config, tmp_path, progress=False)
    trainer.optimizer = PhasedAdam(model, config, [("lbp.",), ()], phase_steps)
    return trainer


def test_a_phase_leaves_its_frozen_parameters_alone_and_the_other_trains_them(tmp_path):
    trainer = _phased(tmp_path)
    seen = []
    for _ in range(4):
        lbp, deblur = trainer.model.lbp.weight.clone(), trainer.model.deblur.weight.clone()
        phase = trainer.optimizer.phase
        trainer.train(resume=False, stop_after=1)
        seen.append(
            (phase, torch.equal(lbp, trainer.model.lbp.weight), torch.equal(deblur, trainer.model.deblur.weight))
        )
    # phase 0: LBP fixed, deblurring net moves; phase 1: both move
    assert seen == [(0, True, False), (0, True, False), (1, False, False), (1, False, False)]
    assert all(g["lr"] == pytest.approx(1e-2) for g in trainer.optimizer.param_groups)


def test_phased_runs_resume_to_the_same_weights(tmp_path):
    whole = _phased(tmp_path / "a")
    whole.train(resume=False)
    cut = _phased(tmp_path / "b")
    cut.train(resume=False, stop_after=5)  # the last checkpoint is at step 3
    again = _phased(tmp_path / "b")
    again.train(resume=True)
    assert again.optimizer.steps == 8
    assert all(torch.equal(a, b) for a, b in zip(whole.model.state_dict().values(), again.model.state_dict().values()))


def test_a_phase_that_freezes_everything_is_refused():
    with pytest.raises(ValueError, match="nothing to train"):
        PhasedAdam(TwoParts(), TrainConfig(iterations=2, batch=1), [("lbp.", "deblur.")], 1)


def test_warm_start_copies_matching_tensors_and_widens_first_convolutions():
    narrow, wide = nn.Sequential(nn.Conv2d(3, 4, 3)), nn.Sequential(nn.Conv2d(5, 4, 3))
    before = wide[0].weight[:, 3:].clone()
    report = warm_start(wide, narrow.state_dict())
    assert report == {"copied": ["0.bias"], "widened": ["0.weight"]}
    assert torch.equal(wide[0].weight[:, :3], narrow[0].weight) and torch.equal(wide[0].weight[:, 3:], before)
    with pytest.raises(ValueError, match="cannot start"):
        warm_start(narrow, nn.Sequential(nn.Conv2d(3, 2, 3)).state_dict())


def test_the_fine_tuned_bladenet_starts_from_the_full_model_keeps_its_lbp_and_selects_on_validation(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(tmp_path))  # runs go under tmp_path/_build/runs
    starts = []

    def recording(model, state):
        report = warm_start(model, state)
        starts.append((type(model).__name__, sorted({k.split(".")[0] for k in state}), report["widened"]))
        return report

    monkeypatch.setattr(stages, "warm_start", recording)
    _, plus = ch03.train_row("ch03:plus", "smoke", seed=0, device="cpu")
    assert starts == [("BladeNet", ["deblur", "lbp"], [])]  # the whole full model, no new channels
    _, full = ch03.train_row(ch03.experiment_of("full", "smoke"), "smoke", seed=0, device="cpu")
    tuned = dict(plus.model.named_parameters())
    moved = {name for name, value in full.model.named_parameters() if not torch.equal(value, tuned[name])}
    # LBP's weights are left alone (the code's S4; its batch-norm statistics still follow the data)
    assert moved and all(name.startswith("deblur.") for name in moved)
    assert plus.selection["best_step"] in [h["step"] for h in plus.selection["history"]]
    assert plus.selection["history"][-1]["step"] == plus.config.iterations
    assert atomic.read_json(plus.out_dir / "selection.json")["best_step"] == plus.selection["best_step"]
    # a rerun loads the finished runs and the selected weights, training nothing
    starts.clear()
    _, again = ch03.train_row("ch03:plus", "smoke", seed=0, device="cpu")
    assert all(torch.equal(a, b) for a, b in zip(plus.model.state_dict().values(), again.model.state_dict().values()))
    assert again.step == plus.step
