"""Uniform camera-shake blur: one kernel for the whole image.

The blur of a still scene under a shaking camera with no rotation is a
convolution with the camera's trajectory (the assumption behind Levin et
al.'s and Köhler et al.'s benchmarks, and behind classical non-blind
deconvolution). :func:`shake_kernel` draws a trajectory as a random walk with
inertia (velocity kept at ``inertia`` per step plus Gaussian jitter) scaled
to a chosen extent, and rasterises it with bilinear splatting, as
:func:`~deblurbook.imaging.formation.motion_kernel` does for a line.
:class:`ShakeDataset` blurs fresh content with a fresh kernel per item (in
linear intensity); :class:`ShakeTestSet` blurs held-out content with given
kernels (the bundled Levin kernels, say) and keeps each item's kernel for
the non-blind baselines.

Images are HxWx3 float32 in [0, 1]; kernels float64, odd sides, summing to 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from ..imaging.formation import _trim_symmetric, blur_with_kernel, splat_bilinear
from .datasets import augment, to_tensors
from .synth import _default_pool


def shake_kernel(
    extent: float, rng: np.random.Generator, steps: int = 64, inertia: float = 0.8, oversample: int = 8
) -> np.ndarray:
    """A camera-shake kernel whose trajectory spans ``extent`` px along its longer side."""
    if not extent > 0:
        raise ValueError(f"the kernel's extent must be positive, got {extent}")
    velocity, points = np.zeros(2), [np.zeros(2)]
    for _ in range(steps):
        velocity = inertia * velocity + rng.normal(size=2)
        points.append(points[-1] + velocity)
    path = np.asarray(points)
    path -= (path.max(0) + path.min(0)) / 2
    span = float((path.max(0) - path.min(0)).max())
    path *= extent / span if span > 0 else 0.0
    # dense samples along the polyline, equally spaced in time
    t = np.linspace(0, len(path) - 1, (len(path) - 1) * oversample + 1)
    xy = np.stack([np.interp(t, np.arange(len(path)), path[:, d]) for d in (0, 1)], 1)
    half = int(np.ceil(np.abs(xy).max())) + 1
    side = 2 * half + 1
    kernel = splat_bilinear(xy[None, :, 0] + half, xy[None, :, 1] + half, side)[0]
    kernel = _trim_symmetric(kernel)
    return kernel / kernel.sum()


class ShakeDataset(Dataset):
    """Training pairs of uniform shake blur: item ``i`` draws content and a kernel of extent in
    ``extents`` (px) from seed ``(seed, i)``, blurs in linear intensity, then takes a random crop
    away from the borders with the dihedral augmentations."""

    def __init__(
        self,
        crop: int = 64,
        length: int = 1000,
        seed: int = 0,
        extents: tuple[float, float] = (3.0, 11.0),
        split: str = "train",
    ):
        self.crop, self.length, self.seed = (crop, crop), int(length), int(seed)
        self.extents, self.split = tuple(extents), split

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not 0 <= index < self.length:
            raise IndexError(index)
        rng = np.random.default_rng([self.seed, index, 0x5A4E])
        kernel = shake_kernel(rng.uniform(*self.extents), rng)
        margin = kernel.shape[0]  # the reflected border's influence is cropped away
        size = (self.crop[0] + 2 * margin, self.crop[1] + 2 * margin)
        sharp = _default_pool(self.split).draw(size, rng)
        blur = blur_with_kernel(sharp, kernel).astype(np.float32)
        inner = {k: v[margin:-margin, margin:-margin] for k, v in (("blur", blur), ("sharp", sharp))}
        return to_tensors(augment(inner, rng, self.crop))


class ShakeTestSet(Dataset):
    """Held-out content (``test`` split) blurred with each of ``kernels`` in turn: item ``i`` is
    image ``i // len(kernels)`` with kernel ``i % len(kernels)``; ``kernel(i)`` returns it.
    Images are ``size`` after a border of the largest kernel's side is cut from both (so the
    reflected border does not count). Rendered on first use and kept in memory."""

    def __init__(
        self,
        kernels: Sequence[np.ndarray] | dict[str, np.ndarray],
        size: int = 128,
        images: int = 4,
        first_seed: int = 20_000,
    ):
        self.names = list(kernels) if isinstance(kernels, dict) else [f"k{i + 1}" for i in range(len(kernels))]
        self.kernels = list(kernels.values()) if isinstance(kernels, dict) else list(kernels)
        if not self.kernels:
            raise ValueError("ShakeTestSet needs at least one kernel")
        self.size, self.images, self.first_seed = size, images, first_seed
        self._items: dict[int, dict[str, torch.Tensor]] = {}

    def __len__(self) -> int:
        return self.images * len(self.kernels)

    def kernel(self, index: int) -> np.ndarray:
        return self.kernels[index % len(self.kernels)]

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        if index not in self._items:
            image, k = divmod(index, len(self.kernels))
            margin = max(kernel.shape[0] for kernel in self.kernels)
            side = self.size + 2 * margin
            sharp = _default_pool("test").draw((side, side), np.random.default_rng(self.first_seed + image))
            blur = blur_with_kernel(sharp, self.kernels[k]).astype(np.float32)
            crop = {"blur": blur[margin:-margin, margin:-margin], "sharp": sharp[margin:-margin, margin:-margin]}
            self._items[index] = to_tensors(crop)
        return self._items[index]
