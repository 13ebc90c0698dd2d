"""Figures: flow colour coding, image grids with zoomed crops."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np


def flow_to_color(flow: np.ndarray, max_norm: float | None = None) -> np.ndarray:
    """Colour-code an HxWx2 flow: hue is direction, saturation is magnitude.

    The usual optical-flow wheel (as FlowNet shows flow):
    zero motion is white, ``max_norm`` (default: the largest norm) is fully
    saturated. Returns HxWx3 float in [0, 1].
    """
    from matplotlib.colors import hsv_to_rgb

    flow = np.asarray(flow, dtype=np.float64)
    if flow.ndim != 3 or flow.shape[-1] != 2:
        raise ValueError(f"flow must be HxWx2, got {flow.shape}")
    norm = np.hypot(flow[..., 0], flow[..., 1])
    scale = max_norm if max_norm else max(norm.max(), 1e-9)
    hue = (np.arctan2(-flow[..., 1], -flow[..., 0]) / (2 * np.pi)) % 1.0
    sat = np.clip(norm / scale, 0, 1)
    return hsv_to_rgb(np.stack([hue, sat, np.ones_like(hue)], axis=-1))


def color_wheel(size: int = 65) -> np.ndarray:
    """The legend of :func:`flow_to_color`: a disc of flows up to norm 1."""
    r = np.linspace(-1, 1, size)
    xx, yy = np.meshgrid(r, r)
    wheel = flow_to_color(np.stack([xx, yy], -1), max_norm=1.0)
    wheel[np.hypot(xx, yy) > 1] = 1.0
    return wheel


def show_grid(images: Sequence[np.ndarray], titles: Sequence[str] | None = None,
              columns: int | None = None, width: float = 2.6, suptitle: str | None = None):
    """Images in a grid (grey for HxW arrays, booleans as black/white)."""
    columns = columns or len(images)
    rows = int(np.ceil(len(images) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(width * columns, width * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for i, image in enumerate(images):
        ax = axes.ravel()[i]
        image = np.asarray(image, dtype=np.float64)
        ax.imshow(np.clip(image, 0, 1), cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1,
                  interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def zoom(image: np.ndarray, box: tuple[int, int, int], factor: int = 3) -> np.ndarray:
    """The square crop ``(y, x, side)`` of ``image``, enlarged ``factor`` times (nearest)."""
    y, x, side = box
    crop = np.asarray(image)[y:y + side, x:x + side]
    return np.repeat(np.repeat(crop, factor, axis=0), factor, axis=1)
