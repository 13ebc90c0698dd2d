"""Runs that build on runs: warm starts from earlier runs (a paper's training
stages), one optimiser per data phase, and checkpoint selection on a held-out
validation set.

:func:`train_staged` trains an experiment as :func:`~.experiments.train_experiment`
does, and reads three optional keys of its ``settings``:

* ``init_from``: experiment names (same profile and seed) trained first, each
  by this function, whose selected weights start this run
  (:func:`warm_start`, in order). The LODE paper's stages: BSA-deblur, then
  LBP alone, then both from those two.
* ``phase_frozen``: per phase of ``phase_steps`` steps each, in turn, the
  parameter-name prefixes that phase leaves alone. Each phase has its own Adam
  (:class:`PhasedAdam`), as the LODE code keeps one optimiser for the
  deblurring net on global-blur epochs and another for everything on LBS
  epochs. One entry freezes those parameters throughout (fine-tuning: the
  only use the book makes of it now that every batch mixes the data).
* ``select_every``: every that many steps (and at the end) the model is
  scored by ``validation(exp)``, a function ``(model, device) -> score``
  (higher is better: a mean PSNR on held-out pairs, say, never the test
  set's); the best is kept in ``best.pt``
  beside the run's checkpoint and is the model returned. The last one is kept
  too (``trainer.last_model``), and the history (``trainer.selection``).

A resumed run continues the trainer's checkpoint and the selection record,
which is written atomically after each validation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from . import experiments
from .selection import train_selected
from .trainer import TrainConfig, Trainer, optimizer_groups

Validation = Callable[[experiments.Experiment], Callable[[nn.Module, torch.device], float]]


@torch.no_grad()
def warm_start(model: nn.Module, state: dict[str, torch.Tensor]) -> dict[str, list[str]]:
    """Copy ``state`` into ``model`` where the names match: whole tensors of the same
    shape, and the leading input channels of a weight that has gained inputs (a first
    convolution fed two more channels keeps its RGB filters; the new ones keep their
    initial values). Names only one side has are left alone. Returns what was
    ``copied`` and ``widened``."""
    own = model.state_dict()
    report = {"copied": [], "widened": []}
    for key, value in state.items():
        if key not in own:
            continue
        target = own[key]
        if target.shape == value.shape:
            target.copy_(value)
            report["copied"].append(key)
        elif (
            target.ndim == value.ndim >= 2
            and target.shape[0] == value.shape[0]
            and target.shape[2:] == value.shape[2:]
            and target.shape[1] > value.shape[1]
        ):
            target[:, : value.shape[1]].copy_(value)
            report["widened"].append(key)
        else:
            raise ValueError(f"{key}: a {tuple(target.shape)} tensor cannot start from {tuple(value.shape)}")
    return report


class PhasedAdam:
    """One Adam per data phase; phase ``k`` updates every parameter but those whose
    names start with a prefix in ``frozen[k]``. Step ``s`` (counted by :meth:`step`,
    restored with the state) belongs to phase ``(s // phase_steps) % phases``, on every rank.

    ``param_groups`` lists every group of every phase, so the trainer's learning-rate
    schedule reaches all of them. Not for fp16 loss scaling (a scaler would unscale a
    parameter shared by two phases twice): train with bfloat16 or fp32.
    """

    def __init__(self, model: nn.Module, config: TrainConfig, frozen: Sequence[Sequence[str]], phase_steps: int):
        if not frozen or phase_steps < 1:
            raise ValueError("PhasedAdam needs at least one phase and phase_steps >= 1")
        names = {id(p): n for n, p in model.named_parameters()}
        self.optimizers = []
        for prefixes in frozen:
            groups = []
            for group in optimizer_groups(model, config):
                params = [p for p in group["params"] if not names[id(p)].startswith(tuple(prefixes))]
                if params:
                    groups.append({**group, "params": params})
            if not groups:
                raise ValueError(f"a phase that freezes {list(prefixes)} leaves nothing to train")
            self.optimizers.append(torch.optim.Adam(groups, lr=config.lr, betas=config.betas))
        self.phase_steps, self.steps = phase_steps, 0

    @property
    def phase(self) -> int:
        return (self.steps // self.phase_steps) % len(self.optimizers)

    @property
    def param_groups(self) -> list[dict]:
        return [g for o in self.optimizers for g in o.param_groups]

    def zero_grad(self, set_to_none: bool = True) -> None:
        for o in self.optimizers:
            o.zero_grad(set_to_none=set_to_none)

    def step(self, closure=None):
        self.optimizers[self.phase].step()
        self.steps += 1

    def state_dict(self) -> dict:
        return {"steps": self.steps, "phases": [o.state_dict() for o in self.optimizers]}

    def load_state_dict(self, state: dict) -> None:
        if len(state["phases"]) != len(self.optimizers):
            raise ValueError(
                f"the checkpoint has {len(state['phases'])} optimiser phases, this run {len(self.optimizers)}"
            )
        for o, s in zip(self.optimizers, state["phases"]):
            o.load_state_dict(s)
        self.steps = int(state["steps"])


def train_staged(
    name: str,
    profile: str,
    seed: int = 0,
    device: str = "auto",
    progress: bool = False,
    validation: Validation | None = None,
    workers: int | None = None,
) -> tuple[experiments.Experiment, Trainer]:
    """Train ``name`` after the runs it starts from; see the module's docstring.
    Returns the experiment and its trainer, whose model holds the selected weights. ``workers``:
    DataLoader processes (default: the experiment's; they do not change the run)."""
    exp = experiments.build(name, profile, seed=seed, device=device)
    if workers is not None:
        exp.config.workers = workers
    settings = exp.settings
    for earlier in settings.get("init_from", ()):
        _, done = train_staged(earlier, profile, seed, device, progress, validation, workers)
        warm_start(exp.model, done.model.state_dict())
    folder = experiments.run_dir(exp, profile, seed)
    trainer = Trainer(
        exp.model, exp.loss, exp.train_set, exp.inputs, exp.config, folder, progress=progress, identity=exp.identity
    )
    if settings.get("phase_frozen"):
        if trainer.scaler.is_enabled():
            raise ValueError(f"{name}: phased optimisers need amp_dtype 'bfloat16' or no mixed precision")
        trainer.optimizer = PhasedAdam(
            trainer.model,
            exp.config,
            settings["phase_frozen"],
            settings.get("phase_steps", exp.config.iterations),
        )
    every = settings.get("select_every", 0)
    if every and validation is not None:
        train_selected(trainer, validation(exp), every)
    else:
        trainer.train(resume=True)
    if trainer.rank == 0:
        experiments._prune_older(folder)
    trainer.model.eval()
    return exp, trainer
