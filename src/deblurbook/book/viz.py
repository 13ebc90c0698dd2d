"""Figures: flow colour coding, image grids with zoomed crops.

:func:`figure` draws a grid of :class:`Panel` s, each shown as a reader
needs it: images as they are, flows colour-coded with the colour wheel as
their legend, maps with a colour bar, masks with a visible border (a mask
that covers everything is not a missing image). Titles are large enough to
read at the page's width.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..imaging.metrics import psnr


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


def to_hwc(image) -> np.ndarray:
    """A (3, H, W) or (1, 3, H, W) tensor in [0, 1] (clamped) as an HxWx3 float32 array, for figures and metrics."""
    t = image[0] if image.dim() == 4 else image
    return t.detach().clamp(0, 1).permute(1, 2, 0).float().cpu().numpy()


def zoom(image: np.ndarray, box: tuple[int, int, int], factor: int = 3) -> np.ndarray:
    """The square crop ``(y, x, side)`` of ``image``, enlarged ``factor`` times (nearest)."""
    y, x, side = box
    crop = np.asarray(image)[y : y + side, x : x + side]
    return np.repeat(np.repeat(crop, factor, axis=0), factor, axis=1)


def edge_box(image: np.ndarray, side: int) -> tuple[int, int, int]:
    """(top, left, side): a square of ``side`` px around the strongest edges of ``image`` (HxWx3;
    the centroid of its top 5% gradient magnitudes), for zoomed crops."""
    g = np.hypot(*np.gradient(image.mean(-1)))
    return box_around(*np.nonzero(g >= np.quantile(g, 0.95)), g.shape, side)


def box_around(ys, xs, size: tuple[int, int], side: int) -> tuple[int, int, int]:
    """(top, left, side): a square of ``side`` px centred on the points' centroid, inside an
    image of ``size``."""
    h, w = size
    y = int(np.clip(np.mean(ys) - side / 2, 0, h - side))
    x = int(np.clip(np.mean(xs) - side / 2, 0, w - side))
    return y, x, side


def comparison_panels(
    images: Sequence[tuple[str, np.ndarray]], truth: np.ndarray, box: tuple[int, int, int]
) -> list["Panel"]:
    """A row of ``(label, image)`` panels titled with each image's PSNR against ``truth`` (the truth
    itself, passed as the last image, untitled), then a row of the same zoomed to ``box``."""
    titled = [
        Panel(image, label if image is truth else f"{label}, {float(psnr(image, truth)):.2f} dB")
        for label, image in images
    ]
    return titled + [Panel(zoom(image, box), f"zoom: {label}") for label, image in images]


TITLE_SIZE = 11


@dataclass
class Panel:
    """One panel of :func:`figure`: ``kind`` is "image" (HxW[x3] in [0, 1]), "flow"
    (HxWx2 px; ``limit`` saturates the colours), "map" (HxW values with a colour bar;
    ``limit`` is its top) or "mask" (HxW booleans)."""

    image: np.ndarray
    title: str = ""
    kind: str = "image"
    limit: float | None = None
    cmap: str = "magma"


def _draw(fig, ax, panel: Panel) -> None:
    image = np.asarray(panel.image)
    if panel.kind == "flow":
        limit = panel.limit or max(float(np.hypot(image[..., 0], image[..., 1]).max()), 1e-9)
        ax.imshow(flow_to_color(image, limit), interpolation="nearest")
        inset = ax.inset_axes([0.72, 0.02, 0.26, 0.26])
        inset.imshow(color_wheel(), interpolation="bilinear")
        inset.set_xticks([])
        inset.set_yticks([])
        inset.set_title(f"{limit:.1f} px", fontsize=8, pad=1)
    elif panel.kind == "map":
        shown = ax.imshow(image, cmap=panel.cmap, vmin=0, vmax=panel.limit, interpolation="nearest")
        fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.03)
    elif panel.kind == "mask":
        ax.imshow(np.asarray(image, bool), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        for spine in ax.spines.values():
            spine.set_visible(True)
            spine.set_color("tab:red")
            spine.set_linewidth(1.5)
    else:
        values = np.clip(np.asarray(image, dtype=np.float64), 0, 1)
        ax.imshow(values, cmap="gray" if values.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")


def figure(panels: Sequence[Panel], columns: int | None = None, width: float = 3.2, suptitle: str | None = None):
    """A grid of panels (see :class:`Panel`), ``width`` inches per panel."""
    columns = columns or len(panels)
    rows = int(np.ceil(len(panels) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(width * columns, width * rows), squeeze=False)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    for ax, panel in zip(axes.ravel(), panels):
        _draw(fig, ax, panel)
        ax.set_title(panel.title, fontsize=TITLE_SIZE)
    if suptitle:
        fig.suptitle(suptitle, fontsize=TITLE_SIZE + 1)
    fig.tight_layout()
    return fig


def show_grid(
    images: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    columns: int | None = None,
    width: float = 2.6,
    suptitle: str | None = None,
):
    """:func:`figure` of plain arrays: booleans drawn as masks, everything else as images."""
    titles = titles if titles is not None else [""] * len(images)
    panels = [
        Panel(image, title, "mask" if np.asarray(image).dtype == bool else "image")
        for image, title in zip(images, titles)
    ]
    return figure(panels, columns, width, suptitle)


@dataclass
class Block:
    """One layer in :func:`block_diagram`: its name and its number of output channels."""

    label: str
    channels: int


def block_diagram(rows: Sequence[Sequence[Block]], names: Sequence[str], links=(), width: float = 14.0):
    """Layers as boxes in rows (one row per network), box height growing with the log of
    the channels, and arrows for ``links`` ``((row, index), (row, index))`` between rows."""
    most = max(b.channels for row in rows for b in row)
    columns = max(len(row) for row in rows)
    fig, ax = plt.subplots(figsize=(width, 2.6 * len(rows)))
    centres = {}
    for r, (row, name) in enumerate(zip(rows, names)):
        y0 = -3.2 * r
        ax.text(-0.8, y0, name, ha="right", va="center", fontsize=TITLE_SIZE, fontweight="bold")
        for i, block in enumerate(row):
            height = 0.4 + 1.6 * np.log2(1 + block.channels) / np.log2(1 + most)
            ax.add_patch(
                plt.Rectangle(
                    (i * 1.3, y0 - height / 2),
                    1.0,
                    height,
                    facecolor="tab:blue" if r == 0 else "tab:orange",
                    alpha=0.35,
                    edgecolor="black",
                    linewidth=0.8,
                )
            )
            ax.text(i * 1.3 + 0.5, y0, block.label, ha="center", va="center", rotation=90, fontsize=8)
            ax.text(i * 1.3 + 0.5, y0 - height / 2 - 0.15, str(block.channels), ha="center", va="top", fontsize=7)
            centres[(r, i)] = (i * 1.3 + 0.5, y0, height)
    for a, b in links:
        (xa, ya, ha), (xb, yb, hb) = centres[a], centres[b]
        ax.annotate(
            "",
            xy=(xb, yb + hb / 2),
            xytext=(xa, ya - ha / 2 - 0.35),
            arrowprops=dict(arrowstyle="->", color="gray", linewidth=0.8),
        )
    ax.set_xlim(-6, columns * 1.3 + 0.5)
    ax.set_ylim(-3.2 * (len(rows) - 1) - 1.8, 1.5)
    ax.axis("off")
    ax.set_title("boxes: layers in order, height ~ log(output channels), number below: output channels", fontsize=9)
    fig.tight_layout()
    return fig


def loss_curves(logs: dict[str, list[dict]], titles: dict[str, str], log_scale: bool = True):
    """One panel per logged term (``titles``: log key -> panel title, in order; terms a log
    lacks are left out), a line per seed (``logs``: seed -> the trainer's log)."""
    first = next(iter(logs.values()))[0]
    keys = [k for k in titles if k in first]
    fig, axes = plt.subplots(1, len(keys), figsize=(3.4 * len(keys), 3.0), sharex=True, squeeze=False)
    for seed, log in logs.items():
        steps = [e["step"] for e in log]
        for ax, key in zip(axes[0], keys):
            ax.plot(steps, [e[key] for e in log], linewidth=0.9, label=f"seed {seed}")
    for ax, key in zip(axes[0], keys):
        ax.set_title(titles[key], fontsize=11)
        ax.set_xlabel("step")
        if log_scale:
            ax.set_yscale("log")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def comparison_figure(
    images: Sequence[tuple[str, np.ndarray]], truth: np.ndarray, box: tuple[int, int, int] | None = None
):
    """:func:`comparison_panels` as a figure, one column per image; ``box`` defaults to a third of
    the image around its strongest edges (:func:`edge_box`)."""
    box = box or edge_box(truth, min(truth.shape[:2]) // 3)
    return figure(comparison_panels(images, truth, box), columns=len(images), width=2.4)


def finish_axes(
    fig,
    ax,
    xlabel: str,
    ylabel: str,
    xscale: str | None = None,
    yscale: str | None = None,
    legend_size: int = 7,
    ylim: tuple[float, float] | None = None,
):
    """Label a one-panel figure's axes, set their scales and limits, draw its legend, and lay it out.
    Returns ``fig``."""
    if xscale:
        ax.set_xscale(xscale)
    if yscale:
        ax.set_yscale(yscale)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=legend_size)
    fig.tight_layout()
    return fig
