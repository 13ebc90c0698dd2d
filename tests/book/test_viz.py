import numpy as np
import pytest

from deblurbook.book import viz


def test_flow_colours():
    flow = np.zeros((3, 4, 2))
    flow[0, 0] = (5, 0)
    flow[0, 1] = (-5, 0)
    rgb = viz.flow_to_color(flow)
    assert rgb.shape == (3, 4, 3) and np.allclose(rgb[1, 1], 1.0)  # no motion is white
    assert not np.allclose(rgb[0, 0], rgb[0, 1])  # opposite directions, other hues
    assert viz.color_wheel(17).shape == (17, 17, 3)
    with pytest.raises(ValueError, match="HxWx2"):
        viz.flow_to_color(np.zeros((3, 3)))


def test_grid_and_zoom():
    fig = viz.show_grid([np.zeros((4, 4)), np.ones((4, 4, 3)), np.zeros((4, 4), bool)], ["a", "b", "c"], columns=2)
    assert len(fig.axes) == 4 and fig.axes[1].get_title() == "b"
    assert viz.zoom(np.arange(36).reshape(6, 6), (1, 2, 2), 3).shape == (6, 6)
