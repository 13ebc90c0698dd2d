"""Alternate between data sets in phases of whole steps (the LODE paper's alternating epochs).

The shared trainer reads step ``s`` as items ``[s * batch, (s + 1) * batch)``
(per rank: ``(s * world + r) * batch ...``). :class:`AlternatingPhases` maps
those items so that every batch comes from one source, and the sources take
turns for ``phase_steps`` steps each: with two sources, steps ``0 ..
phase_steps - 1`` read the first, the next ``phase_steps`` the second, and so
on, for every rank of a step alike (``world``: the ranks of torchrun, read from
``WORLD_SIZE`` by default, as the trainer does). A source's own items are read
in order across its phases.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from torch.utils.data import Dataset


class AlternatingPhases(Dataset):
    def __init__(self, sources: Sequence[Dataset], batch: int, phase_steps: int, world: int | None = None):
        world = int(os.environ.get("WORLD_SIZE", "1")) if world is None else world
        if not sources or batch < 1 or phase_steps < 1 or world < 1:
            raise ValueError("AlternatingPhases needs at least one source, batch, phase_steps and world >= 1")
        self.sources, self.batch, self.phase_steps, self.world = list(sources), batch, phase_steps, world
        # a phase is phase_steps steps of every rank's batch; each source serves every len(sources)-th
        # phase, and the whole is as long as the shortest source allows
        self.period = batch * world * phase_steps
        self.length = min(len(s) // self.period for s in self.sources) * self.period * len(self.sources)

    def __len__(self) -> int:
        return self.length

    def source_of(self, index: int) -> tuple[int, int]:
        """(which source, which of its items) serves item ``index``."""
        if not 0 <= index < self.length:
            raise IndexError(index)
        phase, within = divmod(index, self.period)
        turn, which = divmod(phase, len(self.sources))
        return which, turn * self.period + within

    def __getitem__(self, index: int):
        which, item = self.source_of(index)
        return self.sources[which][item]
