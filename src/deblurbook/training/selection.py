"""Checkpoint selection on held-out validation data, and when a run has converged.

:func:`train_selected` trains a :class:`~deblurbook.training.trainer.Trainer` to its end,
scoring the model every ``every`` steps (and at the end) with ``score(model, device)``
(higher is better: a mean PSNR on held-out pairs, never the test set's). The best model is
kept in ``best.pt`` beside the run's checkpoint and loaded into the trainer at the end; the
last one is kept too (``trainer.last_model``), and the history (``trainer.selection``,
written atomically to ``selection.json`` after each score, so a resumed run continues it).

:func:`last_fifth_gain` reads a history as a learning curve: how much the best validation
score rose over the last fifth of training. A run whose last fifth added under
:data:`CONVERGED_DB` has stopped learning at its budget (:func:`converged`).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from ..core import atomic, checkpoints
from ..core.locks import hold
from ..data.testsets import synthetic_test_set
from .evaluate import evaluate
from .trainer import Trainer, fit_state_dict

Score = Callable[[nn.Module, torch.device], float]
CONVERGED_DB = 0.1  # what the last fifth of training may still add (dB) for a run to count as converged
LAST_SHARE = 0.2
VALIDATION_SEED = 50_000  # validation scenes: seeds 50,000 on (the test sets use 10,000 on)


def validation_psnr(presets: Sequence[str], size: int, count: int, inputs: Sequence[str]) -> Score:
    """A score for :func:`train_selected`: the mean PSNR over ``count`` held-out engine scenes
    of each preset (``size`` x ``size``, test-split content, seeds :data:`VALIDATION_SEED` on:
    neither the training stream's scenes nor the test sets')."""
    sets = [synthetic_test_set(p, (size, size), count, base_seed=VALIDATION_SEED) for p in presets]
    return lambda model, device: float(np.mean([evaluate(model, s, inputs, device)["psnr"] for s in sets]))


def train_selected(trainer: Trainer, score: Score, every: int) -> None:
    """Train to the end with selection every ``every`` steps; see the module's docstring. One
    selecting process per run folder: a second one fails at once, naming the first (the
    trainer's own lock is taken and released around each stretch between two scores)."""
    lock = trainer.out_dir / ".selection.lock"
    with hold(lock, f"run folder {trainer.out_dir} (selection)") if trainer.rank == 0 else contextlib.nullcontext():
        _train_selected(trainer, score, every)


def _train_selected(trainer: Trainer, score: Score, every: int) -> None:
    record_path, best_path = trainer.out_dir / "selection.json", trainer.out_dir / "best.pt"
    trainer.load_checkpoint()
    record = atomic.read_json(record_path) if record_path.is_file() else {"every": every, "history": []}
    record["history"] = [h for h in record["history"] if h["step"] <= trainer.step]
    iterations = trainer.config.iterations
    while True:
        # scored at the boundaries and the end only: a run resumed from a checkpoint between two
        # boundaries is scored where an uninterrupted one is, so it keeps the same best model
        due = trainer.step % every == 0 or trainer.step >= iterations
        if due and trainer.step > 0 and (not record["history"] or record["history"][-1]["step"] < trainer.step):
            value = float(score(trainer.model.eval(), trainer.device))  # every rank: the same weights
            best = max((h["score"] for h in record["history"]), default=float("-inf"))
            record["history"].append({"step": trainer.step, "score": value})
            if value > best and trainer.rank == 0:
                checkpoints.save({"model": trainer.model.state_dict(), "step": trainer.step}, best_path)
            record["best_step"] = max(record["history"], key=lambda h: h["score"])["step"]
            if trainer.rank == 0:
                atomic.write_json(record_path, record)
        if trainer.step >= iterations:
            break
        to_boundary = every - trainer.step % every
        trainer.train(resume=False, stop_after=None if iterations - trainer.step <= to_boundary else to_boundary)
    trainer.last_model = copy.deepcopy(trainer.model).eval()
    if trainer.world > 1:
        torch.distributed.barrier()  # rank 0 has written best.pt
    fit_state_dict(trainer.model, checkpoints.load(best_path, map_location=trainer.device)["model"], best_path)
    trainer.selection = record


def last_fifth_gain(history: list[dict], share: float = LAST_SHARE) -> float:
    """The best score of the whole run minus the best of its first ``1 - share`` of steps
    (``history``: ``[{"step", "score"}]`` in step order, as :func:`train_selected` keeps it)."""
    if not history:
        raise ValueError("an empty validation history has no learning curve")
    end = history[-1]["step"]
    early = [h["score"] for h in history if h["step"] <= (1 - share) * end]
    if not early:
        raise ValueError(f"no validation score in the first {1 - share:.0%} of {end} steps: score more often")
    return max(h["score"] for h in history) - max(early)


def converged(history: list[dict], threshold: float = CONVERGED_DB) -> bool:
    """Whether the last fifth of training added under ``threshold`` to the best validation score."""
    return last_fifth_gain(history) < threshold
