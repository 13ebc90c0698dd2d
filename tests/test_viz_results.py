import json
import math

import numpy as np
import pytest

from deblurbook import formation, results, viz
from deblurbook.data import levin_kernels


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


def test_shifted_frames_average_to_the_convolution():
    image = np.random.default_rng(0).random((15, 17))
    frames = formation.shifted_frames(image, 4, 0, 9)
    assert frames.shape == (9, 15, 17)
    assert np.allclose(frames[4], image)  # the middle frame is the sharp one
    with pytest.raises(ValueError, match="count"):
        formation.shifted_frames(image, 1, 1, 0)


def test_levin_kernels_are_eight_normalised_odd_kernels():
    kernels = levin_kernels()
    assert list(kernels) == [f"k{i}" for i in range(1, 9)]
    for k in kernels.values():
        assert k.shape[0] % 2 == 1 and k.shape[1] % 2 == 1 and k.sum() == pytest.approx(1.0)


def test_results_round_trip(monkeypatch, tmp_path):
    (tmp_path / "_toc.yml").write_text("")
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(tmp_path))
    path = results.save("smoke", "ch01", "x", {"psnr": np.float64(30.5), "inf": math.inf, "l": (1, 2)}, seed=3)
    stored = json.loads(open(path).read())
    assert stored["seed"] == 3 and stored["data"] == {"psnr": 30.5, "inf": "inf", "l": [1, 2]}
    assert results.load("smoke", "ch01", "x")["psnr"] == 30.5
    with pytest.raises(FileNotFoundError, match="y.json"):
        results.load("smoke", "ch01", "y")
