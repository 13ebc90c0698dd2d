"""An interactive control and its static stand-in.

Widgets need a live kernel: they work in JupyterLab but not in the rendered
HTML book. Every interactive figure in the book therefore comes in two forms,
made by one call: an ``ipywidgets`` control for readers running the notebook,
and a static matplotlib figure over a few chosen settings that always renders.
"""

from __future__ import annotations

import base64
import io
from typing import Any, Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .viz import show_grid


def _label(settings: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in settings.items())


def static_grid(render: Callable[..., np.ndarray], settings: Sequence[Mapping[str, Any]], width: float = 3.0):
    """A row of images, ``render(**s)`` for each ``s`` in ``settings``."""
    return show_grid([render(**s) for s in settings], [_label(s) for s in settings], width=width)


def _png_base64(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=72, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def control(render: Callable[..., np.ndarray], **sliders: Any):
    """Sliders over ``render``'s keyword arguments and the image they give.

    Each keyword is a widget abbreviation as for ``ipywidgets.interact``
    (``(min, max, step)``, a list, or a widget). The image is drawn into an
    ``Output`` widget by setting its ``outputs`` directly rather than inside a
    ``with output:`` capture: the capture route can leave a headless executor
    (papermill, nbval) waiting forever.
    """
    import ipywidgets as widgets

    controls = {}
    for name, abbrev in sliders.items():
        widget = widgets.interactive.widget_from_abbrev(abbrev)
        if widget is None:
            raise ValueError(f"cannot make a control for {name}={abbrev!r}")
        widget.description = name
        controls[name] = widget
    output = widgets.Output()

    def redraw(_change: Any = None) -> None:
        kwargs = {name: w.value for name, w in controls.items()}
        fig = show_grid([render(**kwargs)], [_label(kwargs)], width=4.0)
        output.outputs = (
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {"image/png": _png_base64(fig), "text/plain": _label(kwargs)},
            },
        )

    for widget in controls.values():
        widget.observe(redraw, names="value")
    redraw()
    return widgets.VBox([*controls.values(), output])
