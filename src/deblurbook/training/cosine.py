"""Cosine annealing for the shared trainer (SGDR without restarts, as PyTorch's
``CosineAnnealingLR``): ``eta_min + (lr - eta_min) (1 + cos(pi step / iterations)) / 2``.

A :class:`~deblurbook.training.trainer.TrainConfig` whose ``lr_at`` the trainer
calls at every step, so no trainer code changes; its ``schedule`` reads
``"cosine"`` in a run's identity and log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from .trainer import TrainConfig


@dataclass
class CosineConfig(TrainConfig):
    schedule: str = "cosine"
    eta_min: float = 0.0

    def __post_init__(self):
        if self.schedule != "cosine":
            raise ValueError(f"CosineConfig anneals by a cosine; schedule must be 'cosine', got {self.schedule!r}")
        if not 0 <= self.eta_min <= self.lr:
            raise ValueError(f"eta_min must lie in [0, lr = {self.lr}], got {self.eta_min}")
        shared = {f.name: getattr(self, f.name) for f in fields(TrainConfig)}
        TrainConfig(**{**shared, "schedule": "step"})  # the shared checks

    def lr_at(self, step: int) -> float:
        progress = min(step, self.iterations) / self.iterations
        return self.eta_min + (self.lr - self.eta_min) * 0.5 * (1.0 + math.cos(math.pi * progress))


def from_budget(cfg: dict, steps: int, seed: int, device: str, **fields) -> CosineConfig:
    """A chapter budget's cosine schedule over ``steps``: its batch, ``lr``, ``eta_min`` and checkpoint
    and log periods (``fields``: any other :class:`~deblurbook.training.trainer.TrainConfig` field)."""
    return CosineConfig(
        iterations=steps,
        batch=cfg["batch"],
        lr=cfg["lr"],
        eta_min=cfg["eta_min"],
        checkpoint_every=cfg["checkpoint_every"],
        log_every=cfg["log_every"],
        seed=seed,
        device=device,
        **fields,
    )
