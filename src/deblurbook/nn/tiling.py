"""Run an image-to-image function on an image too large for it, in overlapping tiles.

Each tile is processed whole; its output counts only where it is trustworthy:
a band of ``margin`` px along every edge the tile shares with another tile
(not along the image's own borders) gets weight 0, the next ``ramp`` px rise
linearly to 1, and overlapping outputs are averaged with these weights. A
function whose receptive field reaches at most ``margin`` px therefore gives
exactly its whole-image output everywhere (up to float rounding); a larger one
gives a blend without visible seams. Tiles start at multiples of ``multiple``
px, so that networks that downsample see every tile on the same grid as the
whole image.

Images are (N, C, H, W); the function maps (N, C, h, w) to (N, C', h, w).
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def tile_starts(length: int, tile: int, step: int, multiple: int = 1) -> list[int]:
    """Starts of tiles of ``tile`` px every ``step`` px (rounded down to ``multiple``) covering
    ``length``; the last tile ends at ``length`` (its start rounded down, so it may be larger)."""
    if length <= tile:
        return [0]
    starts, s = [], 0
    while s + tile < length:
        starts.append(s)
        s = max(s + multiple, (s + step) // multiple * multiple)
    starts.append((length - tile) // multiple * multiple)
    return sorted(set(starts))


def _ramp(length: int, before: bool, after: bool, margin: int, ramp: int) -> torch.Tensor:
    """1-D weights of a tile: 0 within ``margin`` of an inner edge, rising over ``ramp`` px."""
    x = torch.arange(length, dtype=torch.float32)
    w = torch.ones(length)
    if before:
        w = torch.minimum(w, ((x - margin + 1) / (ramp + 1)).clamp(0, 1))
    if after:
        w = torch.minimum(w, ((length - x - margin) / (ramp + 1)).clamp(0, 1))
    return w


def tiled(
    fn: Callable[[torch.Tensor], torch.Tensor],
    image: torch.Tensor,
    tile: int = 512,
    overlap: int = 96,
    multiple: int = 16,
    progress: Callable[[int, int], None] | None = None,
) -> torch.Tensor:
    """``fn(image)`` computed in tiles of ``tile`` px overlapping by ``overlap`` px (a quarter of
    it as the zero-weight margin, half as the ramp); ``progress(done, total)`` after each tile.
    The output is float32 on ``image``'s device."""
    if image.ndim != 4:
        raise ValueError(f"image must be (N, C, H, W), got {tuple(image.shape)}")
    if not 0 <= overlap < tile:
        raise ValueError(f"the overlap must be in [0, tile), got overlap {overlap} for tile {tile}")
    h, w = image.shape[-2:]
    margin, ramp = overlap // 4, overlap // 2
    ys = tile_starts(h, tile, tile - overlap, multiple)
    xs = tile_starts(w, tile, tile - overlap, multiple)
    out = weight = None
    total, done = len(ys) * len(xs), 0
    for i, y in enumerate(ys):
        y1 = h if i == len(ys) - 1 else min(h, y + tile)
        wy = _ramp(y1 - y, i > 0, i < len(ys) - 1, margin, ramp)
        for j, x in enumerate(xs):
            x1 = w if j == len(xs) - 1 else min(w, x + tile)
            wx = _ramp(x1 - x, j > 0, j < len(xs) - 1, margin, ramp)
            result = fn(image[..., y:y1, x:x1]).float()
            if out is None:
                out = torch.zeros(*result.shape[:2], h, w, device=result.device)
                weight = torch.zeros(1, 1, h, w, device=result.device)
            mask = (wy[:, None] * wx[None, :]).to(result.device)
            out[..., y:y1, x:x1] += result * mask
            weight[..., y:y1, x:x1] += mask
            done += 1
            if progress is not None:
                progress(done, total)
    if (weight == 0).any():
        raise ValueError(
            f"tiles of {tile} px overlapping by {overlap} leave pixels uncovered; raise the tile or lower the overlap"
        )
    return out / weight
