"""Alternate between data sets in phases of whole steps (the LODE paper's alternating epochs).

The shared trainer reads step ``s`` as items ``[s * batch, (s + 1) * batch)``
(per rank: ``(s * world + r) * batch ...``). :class:`AlternatingPhases` maps
those items so that every batch comes from one source, and the sources take
turns for ``phase_steps`` steps each: with two sources, steps ``0 ..
phase_steps - 1`` read the first, the next ``phase_steps`` the second, and so
on. A source's own items are read in order across its phases. Keep
``phase_steps`` a multiple of the number of ranks so that the ranks of one
step share a phase.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch.utils.data import Dataset


class AlternatingPhases(Dataset):
    def __init__(self, sources: Sequence[Dataset], batch: int, phase_steps: int):
        if not sources or batch < 1 or phase_steps < 1:
            raise ValueError("AlternatingPhases needs at least one source, batch >= 1 and phase_steps >= 1")
        self.sources, self.batch, self.phase_steps = list(sources), batch, phase_steps
        block = batch * phase_steps
        # each source serves every len(sources)-th block; the whole is as long as the shortest allows
        self.length = min(len(s) // block for s in self.sources) * block * len(self.sources)

    def __len__(self) -> int:
        return self.length

    def source_of(self, index: int) -> tuple[int, int]:
        """(which source, which of its items) serves item ``index``."""
        if not 0 <= index < self.length:
            raise IndexError(index)
        block, within = divmod(index, self.batch * self.phase_steps)
        turn, which = divmod(block, len(self.sources))
        return which, turn * self.batch * self.phase_steps + within

    def __getitem__(self, index: int):
        which, item = self.source_of(index)
        return self.sources[which][item]
