"""Local Blur Synthesis (LBS): the LODE paper's recipe for locally blurred training pairs.

From the paper (Wang et al., Sec. 4.1) and the authors' generator
(komejisatori/BladeNet, ``BlurGenerator/voc_img_generator.py``):

1. a sharp background that does not move (REDS frames in the paper; here a
   photo or dead-leaves image from the engine's content pool);
2. static objects pasted at fixed positions: in the blurred image and the
   ground truth, never in the mask (so a network cannot call "any object"
   blurred);
3. moving objects (segmented VOC instances in the paper; here textured random
   shapes) starting at a random position; an odd number N of frames; at each
   step a translation, a scaling and a rotation are applied, in an order
   drawn at random per step (the paper). Magnitudes are the code's: a shift
   of 0 or 1 px along each axis per frame (down/right only; the dihedral
   augmentations of the loader give the other directions), scaling by
   1 +- 0.01 and rotation by +-0.3 degrees per frame, with the signs fixed per
   object (0 allowed);
4. blur = the frames averaged in linear intensity (gamma 2.2), ground truth =
   the middle frame, mask = the union of the moving objects' footprints over
   the exposure (the trajectory union, as the code's ``.npy`` masks).

Two of the code's quirks are kept behind flags: ``random_order=False`` applies
translate, rotate, scale in that fixed order (the code), and
``scale_drops_rotation=True`` reproduces its bug: the scaled object is made
from the pre-rotation object, so rotation only survives for objects that do
not scale. Both default to the paper's behaviour (random order, no bug).

Conventions as :mod:`deblurbook.data.synth`: images HxWx3 float32 in [0, 1],
mask HxW bool, ``motion`` HxW float32: each pixel's largest displacement
between consecutive frames of the exposure on the topmost moving object
(0 off the moving objects), px/frame, for Table 6's small/large-motion split.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from ..imaging.formation import GAMMA
from .content import ContentPool
from .datasets import augment, to_tensors
from .synth import Layer, _blob_alpha, _default_pool, _premultiplied, _render

CODE_FRAMES = tuple(range(5, 22, 2))  # the code's choice{5, 7, ..., 21}
PAPER_FRAMES = (7, 9, 11, 13)


@dataclass(frozen=True)
class LBSConfig:
    """What LBS draws. Defaults: the paper's frame counts, the code's magnitudes."""

    frames: tuple[int, ...] = PAPER_FRAMES
    moving: tuple[int, int] = (2, 4)  # moving objects (the code: 2 images, 1-2 instances each)
    static: tuple[int, int] = (2, 4)  # static pasted objects
    object_size: tuple[float, float] = (0.15, 0.4)  # fraction of the shorter side
    shift: tuple[float, float] = (0.0, 1.0)  # per-axis shift per frame, px (the code: U{0, 1})
    integer_shift: bool = True  # the code draws whole pixels
    any_direction: bool = False  # False: down/right only, as the code
    scale_step: float = 0.01  # |log| of the per-frame scale factor's change, signs in {-1, 0, 1}
    rotation_step: float = 0.3  # degrees per frame, signs in {-1, 0, 1}
    random_order: bool = True  # the paper; False: translate, rotate, scale (the code)
    scale_drops_rotation: bool = False  # the code's bug

    def __post_init__(self):
        if not self.frames or any(n % 2 == 0 or n < 1 for n in self.frames):
            raise ValueError(f"LBS exposure lengths must be odd and positive, got {self.frames}")
        for name in ("moving", "static"):
            lo, hi = getattr(self, name)
            if lo < 0 or hi < lo:
                raise ValueError(f"LBS {name} range must be 0 <= low <= high, got {(lo, hi)}")


def _translate(dx: float, dy: float) -> np.ndarray:
    return np.array([[1, 0, dx], [0, 1, dy], [0, 0, 1]], float)


def _about(centre: np.ndarray, linear: np.ndarray) -> np.ndarray:
    """A 2x2 linear map applied about ``centre`` (x, y), as a 3x3 matrix."""
    m = np.eye(3)
    m[:2, :2] = linear
    m[:2, 2] = centre - linear @ centre
    return m


def object_maps(config: LBSConfig, frames: int, start: np.ndarray, source_centre: np.ndarray,
                rng: np.random.Generator) -> np.ndarray:
    """(frames, 3, 3) source -> frame maps of one moving object, built step by step.

    Frame 0 places the object's centre at ``start``; each later frame applies
    one translation, one scaling and one rotation (about the object's current
    centre) to the previous frame's pose.
    """
    z, r = rng.integers(-1, 2, size=2)
    if config.any_direction:
        heading = rng.uniform(0, 2 * math.pi)
        direction = np.array([math.cos(heading), math.sin(heading)])
    else:
        direction = np.ones(2)
    pose = _translate(*(start - source_centre))
    maps = [pose]
    for _ in range(frames - 1):
        size = rng.uniform(*config.shift, size=2)
        shift = np.round(size) if config.integer_shift else size
        centre = (pose @ np.append(source_centre, 1.0))[:2]
        angle = math.radians(config.rotation_step * r)
        steps = {
            "translate": _translate(*(shift * direction)),
            "scale": _about(centre, np.eye(2) * math.exp(config.scale_step * z)),
            "rotate": _about(centre, np.array([[math.cos(angle), -math.sin(angle)],
                                               [math.sin(angle), math.cos(angle)]])),
        }
        if config.scale_drops_rotation and z != 0:
            steps["rotate"] = np.eye(3)
        order = list(rng.permutation(list(steps))) if config.random_order else ["translate", "rotate", "scale"]
        for name in order:
            pose = steps[name] @ pose
        maps.append(pose)
    return np.stack(maps)


def _motion(maps: np.ndarray, alpha: torch.Tensor, size: tuple[int, int]) -> np.ndarray:
    """Largest per-frame displacement of the object's points, shown where it covers the frame."""
    h, w = size
    ys, xs = np.mgrid[:h, :w].astype(np.float64)
    pts = np.stack([xs, ys, np.ones_like(xs)], -1)
    worst = np.zeros((h, w))
    for k in range(len(maps) - 1):
        step = maps[k + 1] @ np.linalg.inv(maps[k])
        moved = np.linalg.norm(pts @ step.T - pts, axis=-1)
        covered = alpha[k].numpy() > 0
        worst[covered] = np.maximum(worst[covered], moved[covered])
    return worst.astype(np.float32)


def make_lbs_sample(size: tuple[int, int] = (128, 128), seed: int = 0, config: LBSConfig = LBSConfig(),
                    content: ContentPool | None = None, gamma: float = GAMMA) -> dict[str, np.ndarray]:
    """One LBS pair: ``blur``, ``sharp`` (HxWx3), ``mask`` (HxW bool), ``motion`` (HxW px/frame),
    ``frames`` (0-d int) and ``moving`` / ``static`` (0-d int, object counts).

    The same (size, seed, config, content split) gives the same bits.
    """
    h, w = size
    if h < 8 or w < 8:
        raise ValueError(f"size must be at least 8x8, got {size}")
    rng = np.random.default_rng([seed, h, w, 0x1B5])
    content = content or _default_pool()
    n = int(rng.choice(config.frames))
    still = np.repeat(np.eye(3)[None], n, 0)
    layers = [Layer(_premultiplied(content.draw((h, w), rng), None, gamma), still, False)]
    n_static = int(rng.integers(config.static[0], config.static[1] + 1))
    n_moving = int(rng.integers(config.moving[0], config.moving[1] + 1))
    for moving in [False] * n_static + [True] * n_moving:  # static first: movers pass over them
        side = min(h, w) * rng.uniform(*config.object_size)
        oh, ow = max(4, int(side * rng.uniform(0.7, 1.3))), max(4, int(side * rng.uniform(0.7, 1.3)))
        rgba = _premultiplied(content.draw((oh, ow), rng), _blob_alpha(oh, ow, rng), gamma)
        start = np.array([rng.uniform(0, w - 1), rng.uniform(0, h - 1)])
        centre = np.array([(ow - 1) / 2, (oh - 1) / 2])
        maps = object_maps(config, n, start, centre, rng) if moving else np.repeat(
            _translate(*(start - centre))[None], n, 0)
        layers.append(Layer(rgba, maps, moving))

    frames, alphas = _render(layers, size)
    mask = np.zeros((h, w), bool)
    motion = np.zeros((h, w), np.float32)
    for layer, alpha in zip(layers, alphas):
        if layer.moving:
            mask |= (alpha > 0).any(0).numpy()
            moved = _motion(layer.maps, alpha, size)
            motion = np.where(moved > 0, moved, motion)  # later layers lie on top

    def display(linear: torch.Tensor) -> np.ndarray:
        return linear.clamp(0, 1).pow(1 / gamma).permute(1, 2, 0).contiguous().numpy()

    return {"blur": display(frames.mean(0)), "sharp": display(frames[n // 2]), "mask": mask,
            "motion": motion, "frames": np.array(n), "moving": np.array(n_moving), "static": np.array(n_static)}


class LBSDataset(Dataset):
    """LBS pairs as a training stream: item ``i`` renders seed ``(seed, i)``, then the
    dihedral augmentations and a random crop (the same for blur, ground truth and mask).

    Items hold ``blur``, ``sharp`` (3xHxW) and ``mask`` (1xHxW, 0/1); ``motion``
    too with ``with_motion``.
    """

    def __init__(self, crop: int = 64, length: int = 1000, seed: int = 0, config: LBSConfig = LBSConfig(),
                 render_margin: int = 8, split: str = "train", with_motion: bool = False):
        self.crop, self.length, self.seed, self.config = (crop, crop), int(length), int(seed), config
        self.render = (crop + render_margin, crop + render_margin)
        self.split, self.with_motion = split, with_motion

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not 0 <= index < self.length:
            raise IndexError(index)
        item_seed = int(np.random.SeedSequence([self.seed, index]).generate_state(1)[0])
        sample = make_lbs_sample(self.render, item_seed, self.config, _default_pool(self.split))
        keys = ("blur", "sharp", "mask") + (("motion",) if self.with_motion else ())
        sample = augment({k: sample[k] for k in keys}, np.random.default_rng([item_seed, 1]), self.crop)
        return to_tensors(sample)


# A LODE stand-in for testing and fine-tuning: objects move in any direction, 1 to 3 px per axis
# per frame, in sub-pixel steps (the training LBS moves 0 or 1 px down/right per axis).
LODE_PROXY = LBSConfig(shift=(1.0, 3.0), integer_shift=False, any_direction=True)


class LBSTestSet(Dataset):
    """A fixed set of LBS pairs from held-out content (``test`` split): item ``i`` is pair
    ``i`` of seed ``first_seed + i``, whole (no crop, no augmentation), with its mask and motion.
    Rendered on first use and kept in memory."""

    def __init__(self, size: int = 128, count: int = 16, config: LBSConfig = LBSConfig(), first_seed: int = 10_000):
        self.size, self.count, self.config, self.first_seed = (size, size), count, config, first_seed
        self._items: dict[int, dict[str, torch.Tensor]] = {}

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not 0 <= index < self.count:
            raise IndexError(index)
        if index not in self._items:
            s = make_lbs_sample(self.size, self.first_seed + index, self.config, _default_pool("test"))
            self._items[index] = to_tensors({k: s[k] for k in ("blur", "sharp", "mask", "motion")})
        return self._items[index]
