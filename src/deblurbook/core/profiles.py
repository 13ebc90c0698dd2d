"""Budgets: how much compute a run of the book spends.

A profile is a name with the few fields every chapter shares (the device it
is sized for, the seeds per ablation row, how long a run may take, how long
one notebook cell may run). What a profile means for one chapter (widths,
crops, steps, test images, ...) is that chapter's *budget*, kept in the
chapter's module as ``BUDGETS = {"smoke": {...}, "small": {...}, ...}`` and
merged onto the shared fields by :func:`budget`. Notebooks read their budget
through the ``profile`` parameter that papermill injects; no notebook
hard-codes its own sizes.

``smoke``
    CPU, seconds per notebook. The CI budget: it proves that everything
    runs, not that anything trains well.
``small``
    A reduced-scale reproduction on a two-core CPU: hours a chapter (up to about
    five), run by run; finished runs are packed under ``runs/small/`` and add up
    across sittings. Its results are committed under ``results/small/``.
``paper``
    The papers' own settings (widths, crop, batch, iterations, schedule), for
    GPUs; multi-GPU runs go through ``torchrun`` (PyTorch DDP).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from types import MappingProxyType
from typing import Any, Mapping


@dataclass(frozen=True)
class Profile:
    """The fields every chapter shares; the rest of a budget is the chapter's."""

    name: str
    purpose: str
    device: str  # the device the budget is sized for: "cpu" or "cuda"
    seeds: tuple[int, ...]  # seeds per ablation row (a claim needs three; a chapter may ask for more)
    time_budget: str  # what a run at this profile may take
    cell_timeout: int | None  # seconds one notebook cell may run (None: no limit)


_PROFILES = (
    Profile(
        "smoke",
        "CI: every code path runs, nothing is meant to converge",
        "cpu",
        (0,),
        "seconds per notebook; whole book < 10 min on 2 CPU cores",
        600,
    ),
    Profile(
        "small",
        "reduced-scale reproduction; results committed under results/small/",
        "cpu",
        (0, 1, 2),
        "hours per chapter on 2 CPU cores (up to about 5 h), resumable run by run",
        3600,
    ),
    Profile(
        "paper",
        "the papers' own settings, on GPUs (multi-GPU through torchrun)",
        "cuda",
        (0,),
        "days on GPUs, as in each paper",
        None,
    ),
)

PROFILES: Mapping[str, Profile] = MappingProxyType({p.name: p for p in _PROFILES})


def get(name: str) -> Profile:
    """The profile called ``name``; a clear error listing the known ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; known profiles: {', '.join(PROFILES)}") from None


def budget(name: str, budgets: Mapping[str, Mapping[str, Any]], owner: str = "this chapter") -> dict[str, Any]:
    """Profile ``name``'s shared fields with ``budgets[name]`` (a chapter's own) on top."""
    shared = asdict(get(name))
    if name not in budgets:
        raise ValueError(f"{owner} has no budget for profile {name!r} (it has {', '.join(budgets)})")
    return {**shared, **budgets[name]}


TABLE_COLUMNS = ("name", "device", "seeds", "time_budget", "purpose")


def table_rows() -> list[dict[str, str]]:
    """The profiles as rows of strings (tuples joined with commas)."""

    def show(value: Any) -> str:
        return (", ".join(map(str, value)) or "none") if isinstance(value, tuple) else str(value)

    return [{col: show(getattr(p, col)) for col in TABLE_COLUMNS} for p in PROFILES.values()]
