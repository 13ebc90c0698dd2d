"""True correspondences between two sharp frames of one engine scene.

Reference-based deblurring matches the blurred frame against a sharp frame
of the same scene at another moment; scoring a matcher needs to know, for
every pixel of the ground-truth frame, where the same surface point lies in
the other frame. The engine does not export that, but it can render it:
:class:`CoordinatePool` stands in for the content pool and hands every layer
(background, objects) a texture of its own coordinates ``(u, v)`` and a layer
code, while drawing exactly the random numbers the real pool draws, so the
scene's geometry is the one of the image sample with the same seed. Rendered
with ``gamma=1``, each frame then shows, at every pixel, which layer and
which texture point it sees. Every layer moves by similarity transforms, so
one affine fit per layer maps texture points to the other frame's pixels
(:func:`true_correspondence`).

A pixel counts (``valid``) when it sees one layer alone (no blended border)
in the first frame and the same point is visible in the second (not
occluded, inside the frame).
"""

from __future__ import annotations

import numpy as np

from .content import ContentPool
from .synth import Preset, _default_pool, make_sample

LAYER_CODES = 64  # layer k is coded (k + 1) / LAYER_CODES in the third channel
PURE = 1e-3  # in layer numbers: a pixel further off its layer's code is a blend of layers (a soft edge)
VISIBLE_PX = 1.0  # a point is visible in the other frame when the pixel there sees it within this distance


class CoordinatePool:
    """A content pool whose textures are their own coordinates: draws what ``base`` draws (the
    same random numbers) and returns (h, w, 3) float32 with u = (x + 0.5) / w, v = (y + 0.5) / h
    and the layer's code. One pool per rendered sample (it counts the layers it hands out)."""

    def __init__(self, base: ContentPool):
        self.base, self.layers = base, 0

    def draw(self, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
        self.base.draw(size, rng)  # consume the random numbers the image sample consumes
        self.layers += 1
        if self.layers >= LAYER_CODES:
            raise ValueError(f"more than {LAYER_CODES - 1} layers in one scene")
        h, w = size
        v, u = np.mgrid[:h, :w]
        code = np.full((h, w), self.layers / LAYER_CODES)
        return np.stack([(u + 0.5) / w, (v + 0.5) / h, code], -1).astype(np.float32)


def _layers(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel's layer number and whether it sees that layer alone."""
    scaled = codes[..., 2] * LAYER_CODES
    layer = np.rint(scaled).astype(int)
    return layer, np.abs(scaled - layer) < PURE


def _affine_fits(codes: np.ndarray) -> dict[int, np.ndarray]:
    """Per layer, the (3, 2) least-squares map from (u, v, 1) to (x, y) pixel centres."""
    layer, pure = _layers(codes)
    ys, xs = np.mgrid[: codes.shape[0], : codes.shape[1]]
    fits = {}
    for k in np.unique(layer[pure]):
        sel = pure & (layer == k)
        if sel.sum() < 6:
            continue
        uv1 = np.stack([codes[..., 0][sel], codes[..., 1][sel], np.ones(sel.sum())], 1).astype(np.float64)
        fits[int(k)] = np.linalg.lstsq(uv1, np.stack([xs[sel], ys[sel]], 1).astype(np.float64), rcond=None)[0]
    return fits


def true_correspondence(
    preset: str | Preset, size: tuple[int, int], seed: int, target: str = "ref", split: str = "test"
) -> dict[str, np.ndarray]:
    """Where each pixel of the sample's ``sharp`` frame lies in its ``target`` frame (``ref`` or
    ``sharp_next``), for ``make_sample(preset, size, seed, content=<split's pool>)``.

    Returns ``position`` (H, W, 2) float32, (x, y) in the target's pixels, and ``valid`` (H, W)
    bool (one layer, visible in the target, inside it)."""
    codes = make_sample(
        preset, size, seed, signals=("sharp", target), content=CoordinatePool(_default_pool(split)), gamma=1.0
    )
    source, other = codes["sharp"], codes[target]
    fits = _affine_fits(other)
    layer, pure = _layers(source)
    h, w = layer.shape
    position = np.full((h, w, 2), np.nan, np.float32)
    for k, fit in fits.items():
        sel = pure & (layer == k)
        uv1 = np.stack([source[..., 0][sel], source[..., 1][sel], np.ones(sel.sum())], 1)
        position[sel] = uv1 @ fit
    valid = np.isfinite(position[..., 0])
    inside = valid.copy()
    inside[valid] = ((position[valid] > -0.5) & (position[valid] < np.array([w - 0.5, h - 0.5]))).all(1)
    # visible: the target pixel at that position sees the same layer and (nearly) the same point
    col = np.clip(np.rint(np.nan_to_num(position[..., 0])), 0, w - 1).astype(int)
    row = np.clip(np.rint(np.nan_to_num(position[..., 1])), 0, h - 1).astype(int)
    other_layer, other_pure = _layers(other)
    seen = other[row, col]
    same_layer = other_pure[row, col] & (other_layer[row, col] == layer)
    back = np.full((h, w, 2), np.inf)
    for k, fit in fits.items():
        sel = same_layer & (layer == k)
        back[sel] = np.stack([seen[..., 0][sel], seen[..., 1][sel], np.ones(sel.sum())], 1) @ fit
    visible = np.linalg.norm(back - np.nan_to_num(position), axis=-1) <= VISIBLE_PX
    return {"position": position, "valid": inside & visible & pure}
