"""Named experiments: what a chapter trains, built from a profile.

``build("ch02:full", "small", seed=0)`` returns the model, the loss module,
the training set, the model's input keys and the :class:`TrainConfig`, so a
notebook, ``python -m deblurbook.train`` and ``torchrun`` all train the same
thing. Budgets come from ``deblurbook.profiles`` (``for_chapter``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import torch
from torch import nn
from torch.utils.data import Dataset

from . import profiles
from .data import SyntheticDataset
from .models.flow_deblur import VARIANTS
from .train import TrainConfig

if TYPE_CHECKING:
    from .train import Trainer


@dataclass
class Experiment:
    name: str
    model: nn.Module
    loss: nn.Module
    train_set: Dataset
    inputs: tuple[str, ...]
    config: TrainConfig
    settings: dict


def _ch02(variant: str, cfg: dict, seed: int, device: str, iterations: int | None) -> Experiment:
    from .losses import FlowDeblurLoss
    from .models.flow_deblur import FlowDeblurNet

    model = FlowDeblurNet(variant, width=cfg["width"], residual=cfg["residual"])
    inputs = {"no_rnn": ("blur",), "single_image": ("blur",),
              "bidirectional": ("blur", "blur_next", "blur_prev")}.get(variant, ("blur", "blur_next"))
    flow_weight = 0.0 if variant in ("no_flow_loss", "single_image", "no_rnn") else cfg["flow_weight"]
    targets = ("blur_next", "blur_prev") if variant == "bidirectional" else ("blur_next",)
    loss = FlowDeblurLoss(flow_weight=flow_weight, targets=targets)
    steps = iterations if iterations is not None else cfg["iterations"]
    signals = tuple(dict.fromkeys(inputs + ("sharp",)))
    train_set = SyntheticDataset(cfg["presets"], crop=cfg["crop"], length=steps * cfg["batch"] * 8,
                                 seed=1_000_003 * (seed + 1), signals=signals)
    config = TrainConfig(iterations=steps, batch=cfg["batch"], lr=cfg["lr"], betas=(0.9, 0.999),
                         weight_decay=cfg["weight_decay"], milestones=tuple(cfg["milestones"]),
                         checkpoint_every=cfg["checkpoint_every"], log_every=cfg["log_every"],
                         seed=seed, device=device)
    return Experiment(f"ch02:{variant}", model, loss, train_set, inputs, config, dict(cfg))


_BUILDERS: dict[str, Callable[..., Experiment]] = {f"ch02:{v}": partial(_ch02, v) for v in VARIANTS}


def run_dir(name: str, profile: str, seed: int) -> Path:
    """Where a run keeps its checkpoint and log: ``_build/runs/<profile>/<chapter>/<variant>-seed<k>``."""
    from .paths import build_dir

    chapter, variant = name.split(":")
    return build_dir() / "runs" / profile / chapter / f"{variant}-seed{seed}"


def train_experiment(name: str, profile: str, seed: int = 0, device: str = "auto",
                     progress: bool = True) -> tuple[Experiment, Trainer]:
    """Build, train (continuing any checkpoint; a finished run is only loaded) and return."""
    from .train import Trainer

    exp = build(name, profile, seed=seed, device=device)
    trainer = Trainer(exp.model, exp.loss, exp.train_set, exp.inputs, exp.config,
                      run_dir(name, profile, seed), progress=progress)
    trainer.train(resume=True)
    trainer.model.eval()
    return exp, trainer


def names() -> list[str]:
    return list(_BUILDERS)


def build(name: str, profile: str = "smoke", seed: int = 0, device: str = "auto",
          iterations: int | None = None) -> Experiment:
    if name not in _BUILDERS:
        raise ValueError(f"unknown experiment {name!r}; known: {', '.join(_BUILDERS)}")
    chapter = name.split(":")[0]
    cfg = profiles.get(profile).for_chapter(chapter)
    torch.manual_seed(seed)  # the model's initial weights depend on the seed alone
    return _BUILDERS[name](cfg, seed, device, iterations)
