"""Reference frames for reference-based deblurring: real clips with a neighbouring sharp
frame as the reference, and any test set with its reference swapped (Table 7's question:
does the reference's *content* matter?).

Items hold ``blur``, ``sharp`` and ``ref`` (3xHxW float in [0, 1]).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch.utils.data import Dataset

from .benchmarks import Pair
from .datasets import PairDataset

SWAPS = ("same", "unrelated", "zero", "truth")


class ClipReferences(Dataset):
    """Frame ``t`` of each clip (``t >= gap``) with the sharp frame ``t - gap`` as its reference,
    from ``{clip: [Pair, ...]}`` in frame order (as :func:`deblurbook.data.real.reds_clips`);
    the first ``per_clip`` such frames of each clip, clip after clip."""

    def __init__(self, clips: dict[str, Sequence[Pair]], gap: int = 1, per_clip: int | None = None):
        if gap < 1:
            raise ValueError(f"the reference must be another frame: gap >= 1, got {gap}")
        self.frames = {name: PairDataset(pairs) for name, pairs in clips.items() if len(pairs) > gap}
        self.index = [(name, t) for name, data in self.frames.items() for t in range(gap, len(data))[:per_clip]]
        if not self.index:
            raise ValueError(f"no clip has more than {gap} frames")
        self.gap = gap

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        name, t = self.index[i]
        data = self.frames[name]
        item, earlier = data[t], data[t - self.gap]
        if earlier["sharp"].shape != item["sharp"].shape:
            raise ValueError(f"clip {name}: frames {t - self.gap} and {t} differ in size")
        return {**item, "ref": earlier["sharp"]}


class SwappedReference(Dataset):
    """``data`` with each item's reference replaced: ``same`` (kept), ``unrelated`` (the
    reference of the item half the set away: another scene, the same size), ``zero`` (black),
    ``truth`` (the item's own sharp image: an oracle no deployed model has)."""

    def __init__(self, data: Dataset, swap: str):
        if swap not in SWAPS:
            raise ValueError(f"swap must be one of {SWAPS}, got {swap!r}")
        if swap == "unrelated" and len(data) < 2:
            raise ValueError("an unrelated reference needs a test set of two or more scenes")
        self.data, self.swap = data, swap

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        item = dict(self.data[i])
        if self.swap == "unrelated":
            other = self.data[(i + len(self.data) // 2) % len(self.data)]["ref"]
            if other.shape != item["ref"].shape:
                raise ValueError(f"items {i} and {(i + len(self.data) // 2) % len(self.data)} differ in size")
            item["ref"] = other
        elif self.swap == "zero":
            item["ref"] = torch.zeros_like(item["ref"])
        elif self.swap == "truth":
            item["ref"] = item["sharp"]
        return item
