"""Checkpoint selection on validation: the best kept, an interruption resumed exactly; the
last-fifth convergence rule."""

import pytest
import torch

from deblurbook.training import experiments, selection
from deblurbook.training.trainer import Trainer


def make(out):
    exp = experiments.build("ch07:unet-smoke", "smoke", device="cpu", iterations=6)
    exp.config.checkpoint_every = 2
    return Trainer(exp.model, exp.loss, exp.train_set, exp.inputs, exp.config, out, progress=False)


def score(model, device):  # deterministic, and not monotone in the step
    return float(sum(p.detach().double().sum() for p in model.parameters()).sin())


def test_an_interrupted_selection_resumes_to_the_uninterrupted_result(empty_root, tmp_path):
    whole = make(tmp_path / "whole")
    selection.train_selected(whole, score, every=2)
    assert [h["step"] for h in whole.selection["history"]] == [2, 4, 6]
    best = max(whole.selection["history"], key=lambda h: h["score"])
    assert whole.selection["best_step"] == best["step"] and score(whole.model, "cpu") == pytest.approx(best["score"])

    calls = []

    def interrupted(model, device):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return score(model, device)

    with pytest.raises(KeyboardInterrupt):
        selection.train_selected(make(tmp_path / "part"), interrupted, every=2)
    resumed = make(tmp_path / "part")
    selection.train_selected(resumed, score, every=2)
    assert resumed.selection["history"] == whole.selection["history"]
    assert all(
        torch.equal(a, b) for a, b in zip(resumed.model.state_dict().values(), whole.model.state_dict().values())
    )


def test_a_run_killed_between_two_scores_is_scored_where_an_uninterrupted_one_is(empty_root, tmp_path, monkeypatch):
    """Resumed from a checkpoint between two scores, a run scores at the next boundary, not where it
    resumed (a score there could have become its best model)."""
    whole = make(tmp_path / "whole")
    selection.train_selected(whole, score, every=3)
    save = Trainer.save_checkpoint

    def killed_after_step_4(self):
        save(self)
        if self.step == 4:
            raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "save_checkpoint", killed_after_step_4)
    with pytest.raises(KeyboardInterrupt):
        selection.train_selected(make(tmp_path / "part"), score, every=3)
    monkeypatch.undo()
    resumed = make(tmp_path / "part")
    selection.train_selected(resumed, score, every=3)
    assert [h["step"] for h in resumed.selection["history"]] == [3, 6]
    assert resumed.selection == whole.selection
    assert all(
        torch.equal(a, b) for a, b in zip(resumed.model.state_dict().values(), whole.model.state_dict().values())
    )


def test_the_last_fifth_rule_reads_a_learning_curve():
    rising = [{"step": s, "score": 20 + s / 100} for s in range(100, 1001, 100)]
    flat = [{"step": s, "score": 20 + min(s, 500) / 100} for s in range(100, 1001, 100)]
    assert selection.last_fifth_gain(rising) == pytest.approx(2.0)
    assert not selection.converged(rising) and selection.converged(flat)
    with pytest.raises(ValueError, match="first 80%"):
        selection.last_fifth_gain([{"step": 1000, "score": 20.0}])
