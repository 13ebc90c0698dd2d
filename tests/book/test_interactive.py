import base64

import matplotlib
import numpy as np
import pytest

from deblurbook.book.interactive import control, static_grid

matplotlib.use("Agg")


def render(a=1.0, b=0):
    return np.full((5, 7), a / 10.0 + b / 100.0)


def test_control_draws_once_and_redraws_on_change():
    box = control(render, a=(0.0, 10.0, 1.0), b=[0, 5])
    *sliders, output = box.children
    assert [s.description for s in sliders] == ["a", "b"]
    first = output.outputs[0]["data"]
    assert base64.b64decode(first["image/png"])[:4] == b"\x89PNG"
    sliders[0].value = 7.0
    assert output.outputs[0]["data"]["text/plain"] == "a=7, b=0"
    assert len(output.outputs) == 1


def test_control_refuses_what_it_cannot_build():
    with pytest.raises(ValueError, match="a="):
        control(render, a=object())


def test_static_grid_one_panel_per_setting():
    fig = static_grid(render, [dict(a=1.0), dict(a=5.0), dict(a=9.0, b=5)])
    assert len(fig.axes) == 3 and fig.axes[2].get_title() == "a=9, b=5"
