"""Budgets: how much compute a run of the book spends.

Every notebook reads its budget from here through the ``profile`` parameter
that papermill injects; no notebook hard-codes its own sizes. Three profiles:

``smoke``
    CPU, seconds per notebook. The CI budget: the whole book stays under ten
    minutes on two cores. It proves that everything runs, not that anything
    trains well.
``small``
    A reduced-scale reproduction that a two-core CPU finishes in at most 60
    minutes per chapter. Its results are committed under ``results/small/``
    and are what the chapters' tables show.
``paper``
    The papers' own settings (widths, crop, batch, iterations, schedule), for
    GPUs. A field left ``None`` means "the paper's own value", which each
    chapter fills in from its paper through :meth:`Profile.for_chapter`.
    Multi-GPU runs go through ``torchrun`` (PyTorch DDP).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

PAPER = None  # marks a field whose value is the paper's own, chapter by chapter


@dataclass(frozen=True)
class Profile:
    """One budget. Sizes are in pixels, iterations in optimiser steps."""

    name: str
    purpose: str
    device: str  # the device the budget is sized for: "cpu" or "cuda"
    crop: int | None  # training crop side
    batch: int | None  # training batch size
    iterations: int | None  # optimiser steps per training run
    width: float  # fraction of the paper's channel widths
    test_images: int | None  # synthetic test images per preset (None: the full set)
    seeds: tuple[int, ...]  # seeds per ablation row
    time_budget: str  # what a run at this profile may take
    chapters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def for_chapter(self, chapter: str) -> dict[str, Any]:
        """The profile's fields with ``chapter``'s overrides applied on top."""
        base = {k: v for k, v in asdict(self).items() if k != "chapters"}
        base.update(self.chapters.get(chapter, {}))
        return base


_PROFILES = (
    Profile(
        name="smoke",
        purpose="CI: every code path runs, nothing is meant to converge",
        device="cpu",
        crop=32,
        batch=2,
        iterations=3,
        width=0.125,
        test_images=2,
        seeds=(0,),
        time_budget="seconds per notebook; whole book < 10 min on 2 CPU cores",
        chapters={"ch01": {"test_size": 64, "area_samples": 3, "rl_iterations": 10},
                  "ch02": {"width": 0.125, "crop": 64, "batch": 2, "iterations": 3, "lr": 1e-3,
                           "weight_decay": 1e-6, "milestones": (), "flow_weight": 1.0, "residual": True,
                           "presets": ("global", "mixed"), "checkpoint_every": 2, "log_every": 1,
                           "test_size": 64, "test_images": 2, "timing_size": (96, 160)}},
    ),
    Profile(
        name="small",
        purpose="reduced-scale reproduction; results committed under results/small/",
        device="cpu",
        crop=96,
        batch=8,
        iterations=2000,
        width=0.25,
        test_images=16,
        seeds=(0, 1),
        time_budget="<= 60 min per chapter on 2 CPU cores",
        chapters={"ch01": {"test_size": 128, "area_samples": 32, "rl_iterations": 30},
                  "ch02": {"width": 0.5, "crop": 64, "batch": 8, "iterations": 1000, "lr": 1e-3,
                           "weight_decay": 1e-6, "milestones": (750,), "flow_weight": 1.0, "residual": True,
                           "presets": ("global", "mixed"), "checkpoint_every": 100, "log_every": 10,
                           "test_size": 128, "test_images": 16, "timing_size": (720, 1280)}},
    ),
    Profile(
        name="paper",
        purpose="the papers' own settings, on GPUs (multi-GPU through torchrun)",
        device="cuda",
        crop=PAPER,
        batch=PAPER,
        iterations=PAPER,
        width=1.0,
        test_images=PAPER,
        seeds=(0,),
        time_budget="days on GPUs, as in each paper",
        chapters={"ch01": {"test_size": 256, "test_images": 100, "area_samples": 200,
                           "rl_iterations": 30},
                  "ch02": {"width": 1.0, "crop": 256, "batch": 20, "iterations": 800_000, "lr": 1e-3,
                           "weight_decay": 1e-6, "milestones": (), "flow_weight": 1.0, "residual": False,
                           "presets": ("global", "mixed"), "checkpoint_every": 5000, "log_every": 100,
                           "test_size": 256, "test_images": 100, "timing_size": (720, 1280)}},
    ),
)

PROFILES: Mapping[str, Profile] = MappingProxyType({p.name: p for p in _PROFILES})


def get(name: str) -> Profile:
    """The profile called ``name``; a clear error listing the known ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(
            f"unknown profile {name!r}; known profiles: {', '.join(PROFILES)}"
        ) from None


TABLE_COLUMNS = ("name", "device", "crop", "batch", "iterations", "width",
                 "test_images", "seeds", "time_budget", "purpose")


def table_rows() -> list[dict[str, str]]:
    """The profiles as rows of strings, ``None`` shown as "paper's"."""
    def show(value: Any) -> str:
        if value is PAPER:
            return "paper's"
        if isinstance(value, tuple):
            return ", ".join(map(str, value))
        return str(value)

    return [{col: show(getattr(p, col)) for col in TABLE_COLUMNS} for p in PROFILES.values()]


def markdown_table() -> str:
    """The profiles as a Markdown table (the book's intro shows this)."""
    rows = table_rows()
    lines = ["| " + " | ".join(TABLE_COLUMNS) + " |",
             "|" + "---|" * len(TABLE_COLUMNS)]
    lines += ["| " + " | ".join(r[c] for c in TABLE_COLUMNS) + " |" for r in rows]
    return "\n".join(lines)
