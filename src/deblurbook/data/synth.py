"""A synthetic dynamic-scene engine: the benchmarks' own recipe, run on demand.

A scene is a background plus object layers with alpha masks. Each layer has a
source image and a transform per high-frame-rate frame (camera motion for the
background; object motion composed with camera motion for objects). A blurred
image averages an odd number of frames (7 to 13) in linear intensity and the
middle frame is the ground truth, as GoPro/REDS/DVD/LODE were made (the LODE
paper's appendix A.1; Zhang et al.'s optical-flow paper, Eqs. 1-2). See :func:`make_sample`.

Objects move along smooth trajectories (:class:`Trajectory`: velocity,
acceleration, spin, zoom), or, in the ``local`` preset, by the LODE paper's
Local Blur Synthesis (:mod:`deblurbook.data.lbs`): a still camera, static
distractors, objects stepped frame by frame, and the mask as the union of the
moving objects' footprints.

Blur at the benchmarks' pixel scale: the `global` and `mixed` presets render each image as a
window of a 16:9 frame whose shorter side is drawn between 180 and 720 px (REDS's low-resolution
frames to GoPro's 1280x720, :data:`BENCHMARK_SIDES`), and their speeds are per frame at that side,
so a 128-px training crop carries the blur a 720p frame does; the camera turns about the frame's
centre, not the crop's.

Conventions: images HxWx3 float32 in [0, 1] (display values); flow HxWx2
float32 in pixels, ``[..., 0]`` along x (columns), ``[..., 1]`` along y
(rows), from the middle frame of the first exposure to the middle frame of the
second; mask HxW bool. Time is counted in high-frame-rate frames, 0 being the
middle of the first exposure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from ..imaging.formation import GAMMA
from .content import ContentPool
from .lbs import FAST_STEPS, PAPER_FRAMES, StepMotion

SIGNALS = ("blur", "sharp", "ref", "blur_next", "flow", "mask")
# next middle frame (checks); previous exposure (three-frame models); per-pixel object speed (regions)
EXTRA_SIGNALS = ("sharp_next", "blur_prev", "motion")
REFERENCE_SIZE = 256.0  # speeds below are in pixels per frame at this image side
# The benchmarks' frames: GoPro and REDS record 1280x720 (REDS also ships 320x180 in its
# low-resolution tracks, and the book's REDS sample is at that size); DVD at 1280x720 too.
BENCHMARK_SIDES = (180.0, 720.0)  # shorter sides of the frames whose blur the engine covers
FRAME_ASPECT = 16 / 9


@dataclass(frozen=True)
class Motion:
    """Ranges of a layer's motion per high-frame-rate frame."""

    speed: tuple[float, float] = (0.0, 0.0)  # translation, px/frame at REFERENCE_SIZE
    rotation: float = 0.0  # max |angular velocity|, radians/frame
    zoom: float = 0.0  # max |log-scale velocity| per frame
    curvature: float = 0.3  # max |acceleration| as a fraction of speed per exposure


@dataclass(frozen=True)
class Preset:
    """What kind of scene: camera shake, moving objects, or both."""

    name: str
    camera: Motion
    objects: tuple[int, int]  # number of moving objects (inclusive range)
    object_motion: Motion
    distractors: tuple[int, int]  # static pasted objects (move only with the camera)
    frames: tuple[int, ...] = (7, 9, 11, 13)  # odd exposure lengths
    duty: tuple[float, float] = (0.5, 1.0)  # exposure time / frame interval
    object_size: tuple[float, float] = (0.2, 0.45)  # fraction of the shorter side
    placement: tuple[float, float] = (0.15, 0.85)  # object centres, fraction of width / height
    object_steps: StepMotion | None = None  # moving objects: None, smooth trajectories; else LBS's law
    mask: str = "motion"  # "motion": moves > 1 px or is covered in turn; "footprint": where a mover ever is
    # None: the rendered image is the whole frame (speeds scale with its side). (lo, hi): the image is a
    # window of a 16:9 frame whose shorter side is drawn log-uniformly in [lo, hi] px; speeds scale with
    # that side, and the camera turns and zooms about the frame's centre, so the blur's length in pixels
    # does not depend on the crop size.
    scene_side: tuple[float, float] | None = None

    def __post_init__(self):
        if self.mask not in ("motion", "footprint"):
            raise ValueError(f"preset {self.name!r}: mask must be 'motion' or 'footprint', got {self.mask!r}")
        if self.scene_side is not None and not 0 < self.scene_side[0] <= self.scene_side[1]:
            raise ValueError(
                f"preset {self.name!r}: scene_side must be (lo, hi) with 0 < lo <= hi, got {self.scene_side}"
            )


PRESETS = {
    "global": Preset(
        "global",
        camera=Motion((0.4, 2.0), 0.003, 0.002),
        objects=(0, 1),
        object_motion=Motion((0.0, 0.8), 0.005, 0.003),
        distractors=(0, 1),
        scene_side=BENCHMARK_SIDES,
    ),
    # Local Blur Synthesis (LODE, Sec. 4.1; the code's counts and magnitudes): one exposure
    # follows the next without a gap, so the later frames continue the same steps
    "local": Preset(
        "local",
        camera=Motion(),
        objects=(2, 4),
        object_motion=Motion(),
        distractors=(2, 4),
        frames=PAPER_FRAMES,
        duty=(1.0, 1.0),
        object_size=(0.15, 0.4),
        placement=(0.0, 1.0),
        object_steps=StepMotion(),
        mask="footprint",
    ),
    "mixed": Preset(
        "mixed",
        camera=Motion((0.2, 1.0), 0.002, 0.001),
        objects=(1, 3),
        object_motion=Motion((0.6, 2.0), 0.008, 0.003),
        distractors=(0, 2),
        scene_side=BENCHMARK_SIDES,
    ),
}
# LBS with a stand-in for LODE's test motion: any direction, 1-3 px per axis per frame, sub-pixel
PRESETS["local_fast"] = replace(PRESETS["local"], name="local_fast", object_steps=FAST_STEPS)


def get_preset(preset: str | Preset) -> Preset:
    if isinstance(preset, Preset):
        return preset
    try:
        return PRESETS[preset]
    except KeyError:
        raise ValueError(f"unknown preset {preset!r}; known: {', '.join(PRESETS)}") from None


@dataclass(frozen=True)
class Trajectory:
    """Similarity transform over time: shift d(t) = v t + a t^2 / 2, angle w t, log-scale z t."""

    velocity: np.ndarray  # (2,) px/frame
    acceleration: np.ndarray  # (2,) px/frame^2
    angular: float
    zoom: float

    @staticmethod
    def draw(motion: Motion, rng: np.random.Generator, scale: float, exposure: int) -> "Trajectory":
        speed = rng.uniform(*motion.speed) * scale
        heading = rng.uniform(0, 2 * math.pi)
        velocity = speed * np.array([math.cos(heading), math.sin(heading)])
        turn = rng.uniform(0, 2 * math.pi)
        accel = rng.uniform(0, motion.curvature) * speed / exposure
        return Trajectory(
            velocity,
            accel * np.array([math.cos(turn), math.sin(turn)]),
            rng.uniform(-motion.rotation, motion.rotation),
            rng.uniform(-motion.zoom, motion.zoom),
        )

    @staticmethod
    def still() -> "Trajectory":
        return Trajectory(np.zeros(2), np.zeros(2), 0.0, 0.0)

    def matrices(self, times: np.ndarray, centre: np.ndarray) -> np.ndarray:
        """(T, 3, 3) maps, each rotating/scaling about ``centre`` then shifting."""
        t = np.asarray(times, float)
        angle, scale = self.angular * t, np.exp(self.zoom * t)
        shift = self.velocity[None] * t[:, None] + 0.5 * self.acceleration[None] * t[:, None] ** 2
        c, s = np.cos(angle) * scale, np.sin(angle) * scale
        m = np.zeros((len(t), 3, 3))
        m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1] = c, -s, s, c
        m[:, :2, 2] = centre[None] + shift - np.einsum("tij,j->ti", m[:, :2, :2], centre)
        m[:, 2, 2] = 1.0
        return m


@dataclass
class Layer:
    """A source image (premultiplied linear RGB + alpha) and its frame maps."""

    rgba: torch.Tensor  # (4, h, w) linear RGB premultiplied by alpha, and alpha
    maps: np.ndarray  # (T, 3, 3) source pixel -> frame pixel, per frame
    moving: bool  # moves relative to the background (an object with its own motion)


def _blob_alpha(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A smooth random closed shape filling most of an h x w box, anti-aliased edge."""
    yy, xx = np.mgrid[:h, :w]
    cy, cx = (h - 1) / 2, (w - 1) / 2
    phi = np.arctan2((yy - cy) / h, (xx - cx) / w)
    dist = np.hypot((yy - cy) / (h / 2), (xx - cx) / (w / 2))
    radius = 0.8 * np.ones_like(phi)
    for k in range(2, 6):
        radius += rng.uniform(-0.12, 0.12) / (k - 1) * np.cos(k * phi + rng.uniform(0, 2 * math.pi))
    edge = min(h, w) / 2
    return np.clip((radius - dist) * edge + 0.5, 0.0, 1.0).astype(np.float32)


def _premultiplied(rgb: np.ndarray, alpha: np.ndarray | None, gamma: float) -> torch.Tensor:
    linear = torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1))).pow(gamma)
    a = torch.ones_like(linear[:1]) if alpha is None else torch.from_numpy(alpha)[None]
    return torch.cat([linear * a, a], 0)


def _normaliser(h: int, w: int) -> np.ndarray:
    """Pixel coordinates to grid_sample's [-1, 1] (align_corners=False)."""
    return np.array([[2 / w, 0, 1 / w - 1], [0, 2 / h, 1 / h - 1], [0, 0, 1]])


def _affine_grid(theta: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """F.affine_grid for align_corners=False, by broadcasting (several times faster on CPU)."""
    xs = (torch.arange(w, dtype=torch.float32) * 2 + 1) / w - 1
    ys = (torch.arange(h, dtype=torch.float32) * 2 + 1) / h - 1
    a = theta[:, :, None, None, :]  # (T, 2, 1, 1, 3)
    grid = a[..., 0] * xs[None, None, None, :] + a[..., 1] * ys[None, None, :, None] + a[..., 2]
    return grid.permute(0, 2, 3, 1)  # (T, H, W, 2)


def _render(layers: list[Layer], size: tuple[int, int]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """All frames at once: (T, 3, H, W) linear images and each layer's (T, H, W) alpha."""
    h, w = size
    to_frame = np.linalg.inv(_normaliser(h, w))
    frames, alphas = None, []
    for layer in layers:
        sh, sw = layer.rgba.shape[1:]
        theta = _normaliser(sh, sw) @ np.linalg.inv(layer.maps) @ to_frame  # frame -> source, normalised
        t = len(layer.maps)
        grid = _affine_grid(torch.from_numpy(theta[:, :2]).float(), h, w)
        source = layer.rgba[None].expand(t, -1, -1, -1)
        sampled = F.grid_sample(source, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        rgb, alpha = sampled[:, :3], sampled[:, 3:]
        frames = rgb if frames is None else frames * (1 - alpha) + rgb
        alphas.append(alpha[:, 0])
    return frames, alphas


def _displacement(maps_from: np.ndarray, maps_to: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Where each frame pixel under ``maps_from`` goes under ``maps_to``: (H, W, 2)."""
    h, w = size
    ys, xs = np.mgrid[:h, :w].astype(np.float64)
    pts = np.stack([xs, ys, np.ones_like(xs)], -1)
    moved = pts @ (maps_to @ np.linalg.inv(maps_from)).T
    return (moved[..., :2] - pts[..., :2]).astype(np.float32)


def _background_canvas(camera: np.ndarray, size: tuple[int, int], pad: int = 4) -> tuple[int, int, np.ndarray]:
    """The canvas that every frame sees, and the shift that centres it."""
    h, w = size
    corners = np.array([[0, 0, 1], [w - 1, 0, 1], [0, h - 1, 1], [w - 1, h - 1, 1]], float)
    seen = np.einsum("tij,cj->tci", np.linalg.inv(camera), corners)[..., :2].reshape(-1, 2)
    lo, hi = np.floor(seen.min(0)) - pad, np.ceil(seen.max(0)) + pad
    return int(hi[1] - lo[1]) + 1, int(hi[0] - lo[0]) + 1, lo


def make_sample(
    preset: str | Preset = "mixed",
    size: tuple[int, int] = (128, 128),
    seed: int = 0,
    signals: tuple[str, ...] = SIGNALS,
    content: ContentPool | None = None,
    gamma: float = GAMMA,
) -> dict[str, np.ndarray]:
    """One synthetic sample with every signal the five papers train on.

    Returns a dict with (those of ``signals`` asked for):

    ``blur``       HxWx3 float32 [0, 1], average of ``frames`` frames in linear space
    ``sharp``      HxWx3, the middle frame of that exposure (ground truth)
    ``ref``        HxWx3, a sharp frame of the same scene at another moment (reference-based models)
    ``blur_next``  HxWx3, the next exposure, one frame interval later (two-frame models)
    ``flow``       HxWx2 float32 px, ground-truth flow sharp -> middle of the next exposure
    ``mask``       HxW bool, where motion during the exposure exceeds one pixel (local-blur models)
    ``sharp_next`` HxWx3, the middle frame of the next exposure (only when asked for)
    ``blur_prev``  HxWx3, the previous exposure (only when asked for)
    ``motion``     HxW float32 px/frame, the largest displacement between consecutive frames of the
                   exposure of the topmost moving object at each pixel, 0 off them (only when asked for)

    plus ``frames`` (exposure length), ``duty`` (exposure / frame interval) and ``scene_side``
    (the shorter side, px, of the frame the image is a window of: the preset's ``scene_side``
    draw, or the image's own shorter side) as 0-d arrays. The same (preset, size, seed,
    content split) gives the same bits.
    """
    unknown = set(signals) - set(SIGNALS + EXTRA_SIGNALS)
    if unknown:
        raise ValueError(f"unknown signals {sorted(unknown)}; choose from {SIGNALS + EXTRA_SIGNALS}")
    h, w = size
    if h < 8 or w < 8:
        raise ValueError(f"size must be at least 8x8, got {size}")
    p = get_preset(preset)
    rng = np.random.default_rng([seed, h, w, sum(map(ord, p.name))])
    content = content or _default_pool()
    frame_side, pivot = _frame(p, (h, w), rng)
    scale = frame_side / REFERENCE_SIZE

    n = int(rng.choice(p.frames))
    duty = float(rng.uniform(*p.duty))
    interval = n / duty  # frames between the middles of consecutive exposures
    offsets = np.arange(n) - (n - 1) / 2
    t_ref = -interval * rng.uniform(1.0, 1.5)
    times = np.concatenate([offsets, interval + offsets, [t_ref], -interval + offsets])
    ref_index, prev = 2 * n, list(range(2 * n + 1, 3 * n + 1))
    ticks = np.round(times).astype(np.int64)  # a step law moves once a frame: the nearest whole frame

    cam = Trajectory.draw(p.camera, rng, scale, n) if p.camera.speed[1] > 0 else Trajectory.still()
    camera = cam.matrices(times, pivot)
    bh, bw, origin = _background_canvas(camera, size)
    to_canvas = np.array([[1, 0, origin[0]], [0, 1, origin[1]], [0, 0, 1]], float)
    layers = [Layer(_premultiplied(content.draw((bh, bw), rng), None, gamma), camera @ to_canvas, False)]

    n_moving = int(rng.integers(p.objects[0], p.objects[1] + 1))
    n_static = int(rng.integers(p.distractors[0], p.distractors[1] + 1))
    kinds = [False] * n_static + [True] * n_moving  # distractors first: movers pass over them
    for moving in kinds:
        side = min(h, w) * rng.uniform(*p.object_size)
        oh, ow = max(4, int(side * rng.uniform(0.7, 1.3))), max(4, int(side * rng.uniform(0.7, 1.3)))
        alpha = _blob_alpha(oh, ow, rng)
        rgb = content.draw((oh, ow), rng)
        place = np.array([rng.uniform(*p.placement) * w, rng.uniform(*p.placement) * h])
        if moving and p.object_steps is not None:
            motion = p.object_steps.matrices(ticks, place, rng)
        else:
            path = Trajectory.draw(p.object_motion, rng, scale, n) if moving else Trajectory.still()
            motion = path.matrices(times, place)
        obj_centre = np.array([(ow - 1) / 2, (oh - 1) / 2])
        to_world = np.array([[1, 0, place[0] - obj_centre[0]], [0, 1, place[1] - obj_centre[1]], [0, 0, 1]])
        maps = camera @ motion @ to_world
        layers.append(Layer(_premultiplied(rgb, alpha, gamma), maps, moving))

    # render only the frames the asked-for signals need (the random draws above
    # do not depend on this, so a signal's bits do not depend on the others asked)
    wanted = list(range(n))
    if {"blur_next", "sharp_next"} & set(signals):
        wanted += list(range(n, 2 * n))
    if "ref" in signals:
        wanted.append(ref_index)
    if "blur_prev" in signals:
        wanted += prev
    position = {t: i for i, t in enumerate(wanted)}
    rendered = [replace(layer, maps=layer.maps[wanted]) for layer in layers]
    frames_w, alphas_w = _render(rendered, size)

    def frames_at(index):
        return frames_w[[position[i] for i in index]] if isinstance(index, list) else frames_w[position[index]]

    first_frames = frames_at(list(range(n)))
    alphas = [a[:n] for a in alphas_w]
    out: dict[str, np.ndarray] = {"frames": np.array(n), "duty": np.array(duty), "scene_side": np.array(frame_side)}

    def display(linear: torch.Tensor) -> np.ndarray:
        return linear.clamp(0, 1).pow(1 / gamma).permute(1, 2, 0).contiguous().numpy()

    if "blur" in signals:
        out["blur"] = display(first_frames.mean(0))
    if "sharp" in signals:
        out["sharp"] = display(first_frames[(n - 1) // 2])
    if "blur_next" in signals:
        out["blur_next"] = display(frames_at(list(range(n, 2 * n))).mean(0))
    if "sharp_next" in signals:
        out["sharp_next"] = display(frames_at(n + (n - 1) // 2))
    if "ref" in signals:
        out["ref"] = display(frames_at(ref_index))
    if "blur_prev" in signals:
        out["blur_prev"] = display(frames_at(prev).mean(0))
    if "motion" in signals:
        out["motion"] = _largest_step(layers, alphas, size)
    if "mask" in signals and p.mask == "footprint":
        out["mask"] = np.zeros((h, w), bool)
        for layer, alpha in zip(layers, alphas):
            if layer.moving:
                out["mask"] |= (alpha > 0).any(0).numpy()
    if "flow" in signals or ("mask" in signals and p.mask == "motion"):
        mid = (n - 1) // 2
        flow = np.zeros((h, w, 2), np.float32)
        sweep = np.zeros((h, w), np.float32)
        occlusion = np.zeros((h, w), bool)
        for layer, alpha in zip(layers, alphas):
            moved = _displacement(layer.maps[mid], layer.maps[n + mid], size)
            swept = np.linalg.norm(_displacement(layer.maps[0], layer.maps[n - 1], size), axis=-1)
            visible = alpha[mid].numpy() > 0.5
            flow[visible], sweep[visible] = moved[visible], swept[visible]
            if layer.moving:
                coverage = alpha.numpy()
                occlusion |= (coverage.max(0) - coverage.min(0)) > 0.02
        if "flow" in signals:
            out["flow"] = flow
        if "mask" in signals and p.mask == "motion":
            out["mask"] = (sweep > 1.0) | occlusion
    return out


def _frame(p: Preset, size: tuple[int, int], rng: np.random.Generator) -> tuple[float, np.ndarray]:
    """The shorter side (px) of the frame the image is a window of, and the frame's centre in the
    image's pixel coordinates (where the camera turns and zooms). Without ``p.scene_side`` the image
    is the frame and nothing is drawn (presets without it render as before it existed)."""
    h, w = size
    centre = np.array([(w - 1) / 2, (h - 1) / 2])
    if p.scene_side is None:
        return float(min(h, w)), centre
    lo, hi = np.log(p.scene_side)
    side = float(np.exp(rng.uniform(lo, hi)))
    slack = np.maximum(np.array([side * FRAME_ASPECT - w, side - h]), 0.0) / 2
    return side, centre + rng.uniform(-slack, slack)


def _largest_step(layers: list[Layer], alphas: list[torch.Tensor], size: tuple[int, int]) -> np.ndarray:
    """Per pixel, the largest displacement (px) between consecutive frames of the exposure of
    the topmost moving object that covers it (``alphas``: the exposure's frames); 0 elsewhere."""
    h, w = size
    ys, xs = np.mgrid[:h, :w].astype(np.float64)
    pts = np.stack([xs, ys, np.ones_like(xs)], -1)
    out = np.zeros((h, w), np.float32)
    for layer, alpha in zip(layers, alphas):
        if not layer.moving:
            continue
        worst = np.zeros((h, w))
        covered_any = np.zeros((h, w), bool)
        for k in range(len(alpha) - 1):
            step = layer.maps[k + 1] @ np.linalg.inv(layer.maps[k])
            moved = np.linalg.norm(pts @ step.T - pts, axis=-1)
            covered = alpha[k].numpy() > 0
            worst[covered] = np.maximum(worst[covered], moved[covered])
            covered_any |= covered
        out = np.where(covered_any, worst, out).astype(np.float32)  # later layers lie on top
    return out


_POOLS: dict[str, ContentPool] = {}


def _default_pool(split: str = "train") -> ContentPool:
    if split not in _POOLS:
        _POOLS[split] = ContentPool(split)
    return _POOLS[split]


def test_pool() -> ContentPool:
    """Content for test sets: held-out photos and dead leaves."""
    return _default_pool("test")


def with_frames(preset: str | Preset, frames: int) -> Preset:
    """A preset with a fixed exposure length (odd), e.g. for figures."""
    if frames % 2 == 0 or frames < 1:
        raise ValueError(f"exposure length must be odd and positive, got {frames}")
    return replace(get_preset(preset), frames=(frames,))
