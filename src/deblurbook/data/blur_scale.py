"""Test data at other blur sizes, for asking where a model stops helping.

* :func:`scaled_motion` multiplies a preset's motion (camera and objects: speed, rotation,
  zoom) by a factor. The preset keeps its name, and the engine seeds a scene's random draws
  with (seed, size, name), so the same seed draws the same scene, content and path shape, with
  every displacement ``factor`` times longer.
* :class:`RenderedSet` renders engine scenes in memory (held-out content, 8-bit as the stored
  test sets), for presets that are not stored test sets.
* :class:`Downscaled` shrinks every image of another set by an integer factor (the mean of
  each factor x factor block): the same real frames with blur ``factor`` times shorter in pixels.
* :class:`ClipInputs` gives every input any of the book's networks reads for a frame of a
  real clip: the next and previous blurred frames and the previous sharp frame as reference.
* :func:`blur_lengths` measures how far the engine's motion smears a scene, in pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from . import synth
from .benchmarks import Pair
from .datasets import IMAGE_SIGNALS, FrameSequenceDataset, PairDataset, to_tensors
from .testsets import TEST_SEED


def _scaled(motion: synth.Motion, factor: float) -> synth.Motion:
    return replace(
        motion,
        speed=(motion.speed[0] * factor, motion.speed[1] * factor),
        rotation=motion.rotation * factor,
        zoom=motion.zoom * factor,
    )


def scaled_motion(preset: str | synth.Preset, factor: float) -> synth.Preset:
    """``preset`` with every motion ``factor`` times larger (same name, so the same scenes)."""
    p = synth.get_preset(preset)
    if factor <= 0:
        raise ValueError(f"the motion factor must be positive, got {factor}")
    if p.object_steps is not None:
        raise ValueError(f"preset {p.name!r} moves its objects by a step law (LBS); scale it by its own steps")
    return replace(p, camera=_scaled(p.camera, factor), object_motion=_scaled(p.object_motion, factor))


def _quantised(image: np.ndarray) -> np.ndarray:
    return (np.round(np.clip(image, 0, 1) * 255) / 255).astype(np.float32)


class RenderedSet(Dataset):
    """``count`` scenes of ``preset`` at ``size``, seeds ``base_seed`` on, held-out content,
    images 8-bit quantised as the stored test sets are; rendered once, kept in memory."""

    def __init__(
        self,
        preset: str | synth.Preset,
        size: tuple[int, int],
        count: int,
        base_seed: int = TEST_SEED,
        signals: Sequence[str] = ("blur", "sharp", "flow"),
    ):
        self.preset, self.size, self.count = preset, tuple(size), int(count)
        self.base_seed, self.signals = base_seed, tuple(signals)
        self._cache: dict[int, dict[str, np.ndarray]] = {}

    def __len__(self) -> int:
        return self.count

    def load(self, index: int) -> dict[str, np.ndarray]:
        if not 0 <= index < self.count:
            raise IndexError(index)
        if index not in self._cache:
            sample = synth.make_sample(
                self.preset, self.size, self.base_seed + index, signals=self.signals, content=synth.test_pool()
            )
            self._cache[index] = {k: _quantised(v) if k in IMAGE_SIGNALS else v for k, v in sample.items()}
        return self._cache[index]

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return to_tensors(self.load(index))


class Downscaled(Dataset):
    """Every image of ``data`` shrunk ``factor`` times, each output pixel the mean of a factor x
    factor block (a last partial row or column of blocks is dropped); other entries are dropped."""

    def __init__(self, data: Dataset, factor: int):
        if int(factor) != factor or factor < 1:
            raise ValueError(f"the factor must be a whole number >= 1, got {factor}")
        self.data, self.factor = data, int(factor)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        item = self.data[index]
        images = {k: v for k, v in item.items() if k in IMAGE_SIGNALS}
        h, w = next(iter(images.values())).shape[-2:]
        size = (h // self.factor, w // self.factor)
        if min(size) < 8:
            raise ValueError(f"item {index}: {h}x{w} shrunk {self.factor} times is under 8 px")
        return {k: F.avg_pool2d(v[None], self.factor)[0] for k, v in images.items()}


class ClipInputs(Dataset):
    """Frame ``t`` of each clip (those with both neighbours) with ``blur``, ``sharp``, ``blur_next``,
    ``blur_prev`` and, as ``ref``, the sharp frame ``t - 1``: every input the book's networks read.
    Clips as :func:`deblurbook.data.real.reds_clips` gives them."""

    def __init__(self, clips: dict[str, Sequence[Pair]]):
        self.frames = FrameSequenceDataset(clips)

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        name, t = self.frames.index[index]
        item = self.frames[index]
        earlier = PairDataset(self.frames.clips[name][t - 1 : t]).load(0)["sharp"]
        if earlier.shape[:2] != tuple(item["sharp"].shape[-2:]):
            raise ValueError(f"clip {name}: frames {t - 1} and {t} differ in size")
        return {**item, "ref": to_tensors({"ref": earlier})["ref"]}


def blur_lengths(sample: dict[str, np.ndarray]) -> np.ndarray:
    """Per pixel, how far the scene point there travels during the exposure (px): the engine's
    flow to the next exposure's middle times the share of that interval the exposure spans,
    ``|flow| * duty * (frames - 1) / frames`` (exact for constant velocity)."""
    frames, duty = float(sample["frames"]), float(sample["duty"])
    return np.linalg.norm(sample["flow"], axis=-1) * duty * (frames - 1) / frames
