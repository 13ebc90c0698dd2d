"""An interactive control and its static stand-in.

Widgets need a live kernel: they work in JupyterLab but not in the rendered
HTML book. Every interactive figure in the book therefore comes in two forms,
made by one call: an ``ipywidgets`` control for readers running the notebook,
and a static matplotlib figure over a few chosen settings that always renders.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np


def _label(settings: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in settings.items())


def static_grid(render: Callable[..., np.ndarray], settings: Sequence[Mapping[str, Any]],
                width: float = 3.0):
    """A row of images, ``render(**s)`` for each ``s`` in ``settings``."""
    fig, axes = plt.subplots(1, len(settings), figsize=(width * len(settings), width),
                             squeeze=False)
    for ax, s in zip(axes[0], settings):
        image = render(**s)
        ax.imshow(np.clip(image, 0, 1), cmap="gray" if image.ndim == 2 else None,
                  vmin=0, vmax=1)
        ax.set_title(_label(s), fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig


def control(render: Callable[..., np.ndarray], **sliders: Any):
    """An ``ipywidgets.interactive`` over ``render``; sliders as for ``interact``.

    Each keyword is a widget abbreviation (``(min, max, step)`` tuple, list,
    or a widget). The function's image is drawn with matplotlib on each change.
    """
    import ipywidgets as widgets

    def show(**kwargs: Any) -> None:
        image = render(**kwargs)
        fig, ax = plt.subplots(figsize=(4, 4))
        ax.imshow(np.clip(image, 0, 1), cmap="gray" if image.ndim == 2 else None,
                  vmin=0, vmax=1)
        ax.set_title(_label(kwargs), fontsize=9)
        ax.axis("off")
        plt.show()

    return widgets.interactive(show, **sliders)
