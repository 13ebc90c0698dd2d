"""Backward warping by a flow field, once for numpy and once for torch.

``warp(image, flow)(x) = image(x + flow(x))``: with the book's flow convention
(first -> second frame), warping the *second* frame by the flow brings it onto
the first (the W of Eq. 14 in Zhang et al.'s optical-flow paper). Bilinear; samples outside the image take
the nearest border value.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from ..core.device import full_precision


def warp_numpy(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """HxW[x3] image, HxWx2 flow (x, y) -> warped float64 image of the same shape."""
    image = np.asarray(image, dtype=np.float64)
    flow = np.asarray(flow, dtype=np.float64)
    if flow.shape != image.shape[:2] + (2,):
        raise ValueError(f"flow {flow.shape} does not match image {image.shape[:2]}")
    h, w = image.shape[:2]
    ys, xs = np.mgrid[:h, :w].astype(np.float64)
    coords = [ys + flow[..., 1], xs + flow[..., 0]]
    if image.ndim == 2:
        return ndimage.map_coordinates(image, coords, order=1, mode="nearest")
    return np.stack(
        [ndimage.map_coordinates(image[..., c], coords, order=1, mode="nearest") for c in range(image.shape[2])],
        axis=-1,
    )


def warp(x: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) features, (N, 2, H, W) flow in pixels (x, y) -> warped (N, C, H, W).

    Differentiable in both arguments; any device. The grid and the sampling run
    in at least float32, also under mixed-precision autocast.
    """
    if (
        x.ndim != 4
        or flow.ndim != 4
        or flow.shape[1] != 2
        or flow.shape[-2:] != x.shape[-2:]
        or flow.shape[0] != x.shape[0]
    ):
        raise ValueError(f"expected x (N, C, H, W) and flow (N, 2, H, W), got {tuple(x.shape)} and {tuple(flow.shape)}")
    n, _, h, w = x.shape
    with torch.autocast(x.device.type, enabled=False):  # grid coordinates in float16 lose sub-pixel shifts
        x, flow = full_precision(x, flow)
        ys, xs = torch.meshgrid(
            torch.arange(h, device=x.device, dtype=flow.dtype),
            torch.arange(w, device=x.device, dtype=flow.dtype),
            indexing="ij",
        )
        gx = (xs + flow[:, 0]) * (2.0 / max(w - 1, 1)) - 1.0
        gy = (ys + flow[:, 1]) * (2.0 / max(h - 1, 1)) - 1.0
        grid = torch.stack([gx, gy], dim=-1).to(x.dtype)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=True)
