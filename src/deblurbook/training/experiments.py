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

A run's *identity* is the experiment's full resolved configuration (name,
profile, seed, the chapter's budget, the training configuration, the model's
and the loss's structure) and a digest of the package code that builds and
trains it: the builder function's source and every package module the
builder's module imports, except the book's machinery and the chapters
(tables and prose do not change what a run is). The
notebooks keep runs in folders keyed by the identity, so a changed
configuration or code trains afresh; a folder given by hand (``--out``)
refuses a checkpoint of another identity, naming both.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import inspect
import json
import os
import pkgutil
import shutil
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import torch
from torch import nn
from torch.utils.data import Dataset

from ..core.locks import waiting_for
from ..core.paths import build_dir
from ..core.provenance import code_digest, code_text, imports_of
from .selection import train_selected
from .trainer import TrainConfig, Trainer, precision

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
    identity: dict = field(default_factory=dict)
    # (model, device) -> a score on held-out validation data (higher is better); with the
    # setting "select_every", the run keeps its best model on it (training.selection)
    validation: Callable[[nn.Module, torch.device], float] | None = None


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


def build(
    name: str, profile: str = "smoke", seed: int = 0, device: str = "auto", iterations: int | None = None
) -> Experiment:
    """The experiment ``name`` at ``profile``'s budget (``iterations`` overrides its steps),
    with its identity."""
    builders = registry()
    if name not in builders:
        raise ValueError(f"unknown experiment {name!r}; known: {', '.join(builders)}")
    torch.manual_seed(seed)  # the model's initial weights depend on the seed alone
    exp = builders[name](profile=profile, seed=seed, device=device, iterations=iterations)
    exp.identity = identity(exp, profile, seed, builders[name])
    return exp


PRESENTATION = ("deblurbook.book", "deblurbook.chapters")  # what the code digest of a run leaves out


def training_code_digest(builder: Builder) -> str:
    """The builder function's source and every package module its module imports
    (but :data:`PRESENTATION`), with this registry and the trainer."""
    return _function_code_digest(getattr(builder, "func", builder))


@lru_cache(maxsize=None)
def _function_code_digest(function: Callable) -> str:
    # once per process: the builder's source is read by line number from the file, so a file edited
    # while the process trains (lines added above the builder) must not name its later runs
    modules = [m for m in imports_of(function.__module__) if not m.startswith(PRESENTATION)]
    digest = code_digest([*modules, __name__, "deblurbook.training.trainer"], skip=PRESENTATION)
    return hashlib.sha256((code_text(inspect.getsource(function)) + digest).encode()).hexdigest()


def identity(exp: Experiment, profile: str, seed: int, builder: Builder) -> dict:
    """What makes a run this run: its resolved configuration and the code behind it."""
    # where it runs and with how many loader workers is not what it is; its precision and its global
    # batch (the ranks of torchrun) are
    config = {k: v for k, v in asdict(exp.config).items() if k not in ("device", "workers")}
    amp, dtype = precision(exp.config)
    config |= {"amp": amp, "amp_dtype": dtype, "world": int(os.environ.get("WORLD_SIZE", "1"))}
    found = {
        "experiment": exp.name,
        "profile": profile,
        "seed": seed,
        "iterations": exp.config.iterations,
        "settings": exp.settings,
        "train_config": config,
        "model": repr(exp.model),
        "loss": repr(exp.loss),
        "inputs": list(exp.inputs),
        "code": training_code_digest(builder),
    }
    found = json.loads(json.dumps(found, sort_keys=True, default=str))
    found["digest"] = hashlib.sha256(json.dumps(found, sort_keys=True).encode()).hexdigest()
    return found


def run_dir(exp: Experiment, profile: str, seed: int) -> Path:
    """Where a run keeps its checkpoint and log, keyed by its identity:
    ``_build/runs/<profile>/<chapter>/<variant>-seed<k>-<identity digest, 12 hex>``."""
    chapter, variant = exp.name.split(":")
    return build_dir() / "runs" / profile / chapter / f"{variant}-seed{seed}-{exp.identity['digest'][:12]}"


def _prune_older(folder: Path) -> None:
    """Remove the folders of the same run under an older identity (a finished run replaced them)."""
    stem = folder.name.rsplit("-", 1)[0] + "-"
    for sibling in folder.parent.glob(stem + "*"):
        if sibling != folder and sibling.is_dir() and len(sibling.name) == len(folder.name):
            shutil.rmtree(sibling, ignore_errors=True)


def train_experiment(
    name: str, profile: str, seed: int = 0, device: str = "auto", progress: bool = True, workers: int | None = None
) -> tuple[Experiment, Trainer]:
    """Build, train (continuing any checkpoint of the same identity; a finished run is
    only loaded) and return. A second process asking for the same run (two notebooks
    executed in parallel) waits for the first to finish it, then loads it. ``workers``: DataLoader
    processes rendering the batches (default: the experiment's; they do not change the run)."""
    exp = build(name, profile, seed=seed, device=device)
    if workers is not None:
        exp.config.workers = workers
    folder = run_dir(exp, profile, seed)
    trainer = Trainer(
        exp.model, exp.loss, exp.train_set, exp.inputs, exp.config, folder, progress=progress, identity=exp.identity
    )
    every = exp.settings.get("select_every", 0)
    # Under torchrun every rank trains this run together: a rank must not wait for another's lock.
    with waiting_for(folder / ".experiment.lock") if trainer.world == 1 else contextlib.nullcontext():
        if every and exp.validation is not None:
            train_selected(trainer, exp.validation, every)
        else:
            trainer.train(resume=True)
    if trainer.rank == 0:
        _prune_older(folder)
    trainer.model.eval()
    return exp, trainer


def stale(runs: list[dict]) -> list[str]:
    """The runs (dicts with ``experiment``, ``profile``, ``seed``, ``identity``) that the
    current code and settings would not reproduce: their identity has changed since."""
    found = []
    for run in runs:
        now = build(run["experiment"], run["profile"], seed=run["seed"], device="cpu").identity["digest"]
        if run.get("identity") != now:
            found.append(f"{run['experiment']} seed {run['seed']} at {run['profile']}")
    return found
