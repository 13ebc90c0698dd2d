"""The book's common training protocol: chapter 7's, which the chapters adopt as they retrain.

One engine stream (`global` and `mixed` scenes in turn, one scene in seven from `local`, LODE's LBS:
a still camera, a few movers, most pixels sharp in the input), drawn from pools of pre-rendered
scenes that hold every signal a book network reads (so every network and row of a profile draws the
same scenes at a seed), crops that hold the blur's streaks end to end, Adam with cosine annealing, and
the checkpoint kept the best of ``selections`` scores on held-out validation scenes of `global` and
`mixed` (the training distribution's camera-blurred six sevenths).

Why the `local` share: without it every training input has camera blur, and a network sharpens what
is already sharp (chapter 7's U-Net scored 1.6 dB below its input on `local`; with it, above it on each
of three seeds; ``benchmarks/training_mix.py``).

A chapter's budget is ``{**budget(profile), **its own keys}`` (its own may override a protocol key,
e.g. a paper's learning rate at ``paper``); :func:`experiment` builds a run from it.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from ..data.datasets import SyntheticDataset, interleave
from .cosine import from_budget
from .experiments import Experiment
from .selection import validation_psnr

PRESETS = ("global", "mixed")
SIGNALS = ("blur", "sharp", "blur_next", "mask", "ref")  # what the book's networks read: one pool for all
_COMMON = {
    "presets": PRESETS,
    "stream": interleave(PRESETS, "local", 7),
    "lr": 5e-4,
    "eta_min": 0.0,
    "grad_clip": None,
    "fast": True,
}
_BY_PROFILE = {  # validation: ``val_images`` scenes of each preset, ``val_size`` px square
    "smoke": {
        "crop": 32,
        "batch": 2,
        "pool": 4,
        "checkpoint_every": 2,
        "log_every": 1,
        "selections": 3,
        "val_size": 32,
        "val_images": 1,
    },
    # 96x96 crops of 104x104 pool scenes, batch 8 (about 30 minutes of one core buys each chapter-7
    # network its steps: see chapter 7's budget)
    "small": {
        "crop": 96,
        "batch": 8,
        "pool": 4096,
        "checkpoint_every": 100,
        "log_every": 25,
        "selections": 10,
        "val_size": 128,
        "val_images": 8,
    },
    # scenes rendered on the fly (no pool), the papers' usual crop, batch and learning rate
    "paper": {
        "crop": 256,
        "batch": 16,
        "pool": None,
        "lr": 2e-4,
        "eta_min": 1e-7,
        "checkpoint_every": 5000,
        "log_every": 100,
        "selections": 30,
        "val_size": 256,
        "val_images": 32,
    },
}
# the protocol's settings a run depends on (part of its identity)
KEYS = (
    "presets",
    "stream",
    "crop",
    "batch",
    "lr",
    "eta_min",
    "grad_clip",
    "pool",
    "fast",
    "checkpoint_every",
    "log_every",
    "selections",
    "val_size",
    "val_images",
)


def budget(profile: str) -> dict:
    """The protocol's settings at ``profile`` (``smoke``, ``small`` or ``paper``)."""
    if profile not in _BY_PROFILE:
        raise ValueError(
            f"the training protocol has no settings for profile {profile!r} (it has {', '.join(_BY_PROFILE)})"
        )
    return {**_COMMON, **_BY_PROFILE[profile]}


def experiment(
    name: str,
    model: nn.Module,
    loss: nn.Module,
    inputs: Sequence[str],
    cfg: dict,
    steps: int,
    seed: int,
    device: str,
    settings: dict,
    fast: dict | None = None,
    extra_signals: Sequence[str] = (),
) -> Experiment:
    """A run under the protocol: ``cfg`` holds :data:`KEYS` (a chapter's budget on
    :func:`budget`), ``settings`` the chapter's own (they join the identity), ``fast`` the
    model's fast :class:`~deblurbook.training.trainer.TrainConfig` fields (bf16 autocast,
    channels_last), used where ``cfg["fast"]``; ``extra_signals`` what a row reads beyond
    :data:`SIGNALS` (e.g. ``blur_prev``: its own pool; a signal's bits do not depend on the others
    rendered, so the scenes stay the same). The stream is seeded by ``seed`` alone, so every row of
    a chapter (and every chapter-7 network) at a seed draws the same scenes."""
    train_set = SyntheticDataset(
        cfg["stream"],
        crop=cfg["crop"],
        length=steps * cfg["batch"] * 8,  # enough items for <= 8 DDP ranks
        seed=1_000_003 * (seed + 1),
        signals=tuple(dict.fromkeys((*SIGNALS, *extra_signals))),
        pool=cfg["pool"],
    )
    precision = (fast or {}) if cfg["fast"] else {}
    config = from_budget(cfg, steps, seed, device, grad_clip=cfg["grad_clip"], **precision)
    recorded = {
        **{key: cfg[key] for key in KEYS},
        **settings,
        "steps": steps,
        "select_every": max(1, steps // cfg["selections"]),
    }
    validation = validation_psnr(cfg["presets"], cfg["val_size"], cfg["val_images"], inputs)
    return Experiment(name, model, loss, train_set, tuple(inputs), config, recorded, validation=validation)
