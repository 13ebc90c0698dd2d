"""Named experiments: what a chapter trains, built from a profile.

``build("chNN:variant", "small", seed=0)`` returns the model, the loss module,
the training set, the model's input keys and the :class:`TrainConfig`, so a
notebook, ``python -m deblurbook train`` and ``torchrun`` all train the same
thing.

The registry holds no chapter's name: it discovers the modules of the
``deblurbook.chapters`` package and collects each one's ``EXPERIMENTS``
mapping (``"chNN:variant" -> builder``). A builder is called as
``builder(profile=..., seed=..., device=..., iterations=...)`` and reads its
own chapter's budget. Adding a chapter adds a module; nothing here changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import torch
from torch import nn
from torch.utils.data import Dataset

from ..core.paths import build_dir
from .trainer import TrainConfig, Trainer

CHAPTERS_PACKAGE = "deblurbook.chapters"


@dataclass
class Experiment:
    name: str
    model: nn.Module
    loss: nn.Module
    train_set: Dataset
    inputs: tuple[str, ...]
    config: TrainConfig
    settings: dict


Builder = Callable[..., Experiment]


@lru_cache(maxsize=None)
def registry() -> dict[str, Builder]:
    """Every chapter module's ``EXPERIMENTS``, by experiment name."""
    package = importlib.import_module(CHAPTERS_PACKAGE)
    found: dict[str, Builder] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{CHAPTERS_PACKAGE}.{info.name}")
        for name, builder in getattr(module, "EXPERIMENTS", {}).items():
            if name in found:
                raise ValueError(f"experiment {name!r} is defined twice ({module.__name__} and another chapter)")
            found[name] = builder
    return found


def names() -> list[str]:
    return list(registry())


def build(name: str, profile: str = "smoke", seed: int = 0, device: str = "auto",
          iterations: int | None = None) -> Experiment:
    """The experiment ``name`` at ``profile``'s budget (``iterations`` overrides its steps)."""
    builders = registry()
    if name not in builders:
        raise ValueError(f"unknown experiment {name!r}; known: {', '.join(builders)}")
    torch.manual_seed(seed)  # the model's initial weights depend on the seed alone
    return builders[name](profile=profile, seed=seed, device=device, iterations=iterations)


def run_dir(name: str, profile: str, seed: int) -> Path:
    """Where a run keeps its checkpoint and log: ``_build/runs/<profile>/<chapter>/<variant>-seed<k>``."""
    chapter, variant = name.split(":")
    return build_dir() / "runs" / profile / chapter / f"{variant}-seed{seed}"


def train_experiment(name: str, profile: str, seed: int = 0, device: str = "auto",
                     progress: bool = True) -> tuple[Experiment, Trainer]:
    """Build, train (continuing any checkpoint; a finished run is only loaded) and return."""
    exp = build(name, profile, seed=seed, device=device)
    trainer = Trainer(exp.model, exp.loss, exp.train_set, exp.inputs, exp.config,
                      run_dir(name, profile, seed), progress=progress)
    trainer.train(resume=True)
    trainer.model.eval()
    return exp, trainer
