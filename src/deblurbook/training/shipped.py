"""Trained weights that ship with the repository, so that a fresh clone deblurs without training.

``weights/<profile>/<chapter>/<row>-seed<k>.pt`` holds one run's selected weights as a float16
state dict with the run's identity (:func:`~deblurbook.training.experiments.identity`), written
with a digest beside it (:mod:`deblurbook.core.checkpoints`). ``weights/index.json`` names the
model ``python -m deblurbook deblur`` uses when none is given.

A model name (``chNN:row@profile[#seed]``) resolves to shipped weights before a local run
(:func:`deblurbook.training.deblur.resolve_checkpoint`). Weights whose identity is not the one
the current code and settings give are *stale*: they still load (the architecture is checked
when the state dict is loaded), and the command says so.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..core import atomic, checkpoints
from ..core.paths import repo_root

INDEX = "index.json"


def weights_dir() -> Path:
    return repo_root() / "weights"


def path_of(experiment: str, profile: str, seed: int) -> Path:
    chapter, row = experiment.split(":")
    return weights_dir() / profile / chapter / f"{row}-seed{seed}.pt"


def ship(experiment: str, profile: str, seed: int, model: nn.Module, identity: dict) -> Path:
    """Write ``model``'s weights as float16 with ``identity``, and list them in the index."""
    state = {
        k: (v.detach().to("cpu", torch.float16) if v.is_floating_point() else v.detach().cpu())
        for k, v in model.state_dict().items()
    }
    return checkpoints.save(
        {"model": state, "identity": identity, "experiment": experiment, "profile": profile, "seed": seed},
        path_of(experiment, profile, seed),
    )


def read_index() -> dict:
    path = weights_dir() / INDEX
    return atomic.read_json(path) if path.is_file() else {"default": None}


def set_default(experiment: str, profile: str, seed: int = 0) -> None:
    """Make shipped weights the model ``deblur`` uses by default."""
    if find(experiment, profile, seed) is None:
        raise FileNotFoundError(f"{path_of(experiment, profile, seed)}: no shipped weights to make the default")
    name = f"{experiment}@{profile}" + (f"#{seed}" if seed else "")
    atomic.write_json(weights_dir() / INDEX, {**read_index(), "default": name})


def default_model() -> str:
    """The model name ``deblur`` uses when none is given."""
    name = read_index().get("default")
    if not name:
        raise FileNotFoundError(
            f"{weights_dir() / INDEX}: no default model is shipped; name one with --checkpoint chNN:row@profile"
        )
    return name


def find(experiment: str, profile: str, seed: int) -> Path | None:
    """The shipped weights of a run, if the repository has them."""
    path = path_of(experiment, profile, seed)
    return path if path.is_file() else None


def stale_note(path: Path, current: dict) -> str | None:
    """Why shipped weights are stale (their identity is not ``current``'s), or None."""
    stored = checkpoints.load(path).get("identity") or {}
    if stored.get("digest") == current["digest"]:
        return None
    return (
        f"{path}: these shipped weights were trained under identity {str(stored.get('digest'))[:12]}, but the "
        f"current code and settings give {current['digest'][:12]}: they are stale (retrain the run to "
        "update them)"
    )
