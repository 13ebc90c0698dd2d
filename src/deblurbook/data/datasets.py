"""torch Datasets: the synthetic engine as an endless training stream (with the
papers' augmentations), and blurred/sharp pairs or frame sequences from disk.

Tensors are float32 ``3xHxW`` in [0, 1]; flow ``2xHxW`` (x, y) in pixels;
mask ``1xHxW`` float (0/1).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from ..imaging.images import read_image
from . import synth
from .benchmarks import Pair
from .pool import PoolSpec, ScenePool, scene_seed

IMAGE_SIGNALS = ("blur", "sharp", "ref", "blur_next", "blur_prev")


def interleave(presets: Sequence, extra, every: int) -> tuple:
    """A stream's presets for :class:`SyntheticDataset`: ``presets`` in turn, with one item in
    ``every`` drawn from ``extra`` instead (``every - 1`` slots of ``presets`` cycled, then ``extra``)."""
    if every < 2 or not presets:
        raise ValueError(f"need presets and every >= 2 (one slot in every for {extra!r}), got {presets}, {every}")
    base = tuple(presets) * every
    return (*base[: every - 1], extra)


def augment(
    sample: dict[str, np.ndarray], rng: np.random.Generator, crop: tuple[int, int] | None = None
) -> dict[str, np.ndarray]:
    """Random crop, horizontal/vertical flips and a 90-degree rotation, the same
    for every signal. Flow vectors are transformed with the pixels: a flip negates
    its component, a rotation rotates the vectors."""
    out = dict(sample)
    h, w = next(v for k, v in sample.items() if k in IMAGE_SIGNALS + ("flow", "mask")).shape[:2]
    if crop is not None:
        ch, cw = crop
        if ch > h or cw > w:
            raise ValueError(f"crop {crop} larger than the sample {(h, w)}")
        y, x = rng.integers(h - ch + 1), rng.integers(w - cw + 1)
        out = {k: (v[y : y + ch, x : x + cw] if v.ndim >= 2 else v) for k, v in out.items()}
    flip_x, flip_y, rotate = rng.random() < 0.5, rng.random() < 0.5, rng.random() < 0.5
    for key, value in list(out.items()):
        if value.ndim < 2:
            continue
        if flip_x:
            value = value[:, ::-1]
        if flip_y:
            value = value[::-1]
        if rotate:  # 90 degrees counter-clockwise as displayed: (x, y) -> (y, W-1-x)
            value = np.rot90(value, 1, axes=(0, 1))
        if key == "flow":
            value = value.copy()
            if flip_x:
                value[..., 0] *= -1
            if flip_y:
                value[..., 1] *= -1
            if rotate:
                value = np.stack([value[..., 1], -value[..., 0]], axis=-1)
        out[key] = np.ascontiguousarray(value)
    return out


def to_tensors(sample: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """HxWxC numpy signals to CxHxW float tensors (mask to 1xHxW)."""
    out = {}
    for key, value in sample.items():
        if value.ndim == 3:
            out[key] = torch.from_numpy(np.ascontiguousarray(value.transpose(2, 0, 1))).float()
        elif value.ndim == 2:
            out[key] = torch.from_numpy(np.ascontiguousarray(value))[None].float()
        else:
            out[key] = torch.as_tensor(value)
    return out


class SyntheticDataset(Dataset):
    """Engine samples: item ``i`` renders seed ``(seed, i)`` and augments it; or, with ``pool``
    (a number of scenes), draws a scene of a pre-rendered pool of that many scenes per preset
    (:class:`~deblurbook.data.pool.ScenePool`, shared by every run and seed that asks for the
    same pool, 8-bit as benchmarks ship) by a random index of ``(seed, i)`` and augments it.

    With several presets, item ``i`` uses preset ``i % len(presets)``.

    Deterministic whatever the number of DataLoader workers or their order:
    every item's randomness derives from ``(seed, index)``, never from a
    worker's global state. ``length`` is how many distinct samples an epoch has.
    """

    def __init__(
        self,
        preset: str | Sequence[str] = "mixed",
        crop: int | tuple[int, int] = 64,
        length: int = 1000,
        seed: int = 0,
        signals: Sequence[str] = ("blur", "sharp"),
        render_margin: int = 8,
        split: str = "train",
        augmentation: bool = True,
        pool: int | None = None,
    ):
        names = (preset,) if isinstance(preset, (str, synth.Preset)) else tuple(preset)
        self.presets = tuple(synth.get_preset(p) for p in names)
        self.crop = (crop, crop) if isinstance(crop, int) else tuple(crop)
        self.length, self.seed = int(length), int(seed)
        self.signals = tuple(signals)
        self.render = (self.crop[0] + render_margin, self.crop[1] + render_margin)
        self.split = split
        self.augmentation = augmentation
        self.pool = pool
        self.pools = (
            [ScenePool(PoolSpec(p, self.render, pool, self.signals, split)) for p in self.presets] if pool else []
        )

    def __len__(self) -> int:
        return self.length

    def prepare(self, progress: bool = False) -> None:
        """Render the pools now (worker processes), if the data set draws from pools."""
        for pool in self.pools:
            pool.render(progress)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not 0 <= index < self.length:
            raise IndexError(index)
        item_seed = scene_seed(self.seed, index)
        rng = np.random.default_rng([item_seed, 1])
        if self.pools:
            pool = self.pools[index % len(self.pools)]
            sample = pool[int(rng.integers(len(pool)))]
        else:
            sample = synth.make_sample(
                self.presets[index % len(self.presets)],
                self.render,
                item_seed,
                signals=self.signals,
                content=synth._default_pool(self.split),
            )
        if self.augmentation:
            sample = augment(sample, rng, self.crop)
        else:
            sample = {k: (v[: self.crop[0], : self.crop[1]] if v.ndim >= 2 else v) for k, v in sample.items()}
        return to_tensors(sample)


def seed_worker(worker_id: int) -> None:
    """DataLoader ``worker_init_fn``: seed NumPy and ``random`` from torch's per-worker seed."""
    import random

    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)


def loader(
    dataset: Dataset, batch: int, workers: int = 0, seed: int = 0, shuffle: bool = True, **kwargs
) -> torch.utils.data.DataLoader:
    """A DataLoader with seeded shuffling and seeded workers."""
    generator = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(
        dataset,
        batch_size=batch,
        shuffle=shuffle,
        num_workers=workers,
        worker_init_fn=seed_worker,
        generator=generator,
        persistent_workers=workers > 0,
        **kwargs,
    )


class PairDataset(Dataset):
    """Blurred/sharp pairs from disk as tensors; a pair of different sizes is an error."""

    def __init__(self, pairs: Sequence[Pair], allow_grey: bool = True):
        if not pairs:
            raise ValueError("no pairs given")
        self.pairs = list(pairs)
        self.allow_grey = allow_grey

    def __len__(self) -> int:
        return len(self.pairs)

    def load(self, index: int) -> dict[str, np.ndarray]:
        pair = self.pairs[index]
        blur = read_image(pair.blur, self.allow_grey)
        sharp = read_image(pair.sharp, self.allow_grey)
        if blur.shape != sharp.shape:
            raise ValueError(
                f"{pair.blur} is {blur.shape[1]}x{blur.shape[0]} but {pair.sharp} is {sharp.shape[1]}x{sharp.shape[0]}"
            )
        return {"blur": blur, "sharp": sharp}

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return to_tensors(self.load(index))


class FrameSequenceDataset(Dataset):
    """Consecutive blurred frames of clips, for two- and three-frame models.

    Item ``i`` is frame ``t`` of a clip with ``blur``, ``sharp``, ``blur_next``
    (frame t+1) and ``blur_prev`` (frame t-1); the first and last frames of
    each clip are skipped so that every item has both neighbours. Built from
    ``{clip: [Pair, ...]}`` such as :func:`deblurbook.data.real.reds_clips` gives.
    """

    def __init__(self, clips: dict[str, Sequence[Pair]]):
        self.clips = {name: list(pairs) for name, pairs in clips.items()}
        self.index = [(name, t) for name, pairs in self.clips.items() for t in range(1, len(pairs) - 1)]
        if not self.index:
            raise ValueError("no clip has three or more frames")

    def __len__(self) -> int:
        return len(self.index)

    def load(self, i: int) -> dict[str, np.ndarray]:
        name, t = self.index[i]
        frames = PairDataset(self.clips[name][t - 1 : t + 2])
        prev, cur, nxt = frames.load(0), frames.load(1), frames.load(2)
        for other in (prev, nxt):
            if other["blur"].shape != cur["blur"].shape:
                raise ValueError(f"clip {name}: frames {t - 1}..{t + 1} differ in size")
        return {"blur": cur["blur"], "sharp": cur["sharp"], "blur_next": nxt["blur"], "blur_prev": prev["blur"]}

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return to_tensors(self.load(i))
