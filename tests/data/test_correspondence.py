import numpy as np
from scipy.ndimage import map_coordinates

from deblurbook.data.correspondence import CoordinatePool, true_correspondence
from deblurbook.data.synth import _default_pool, make_sample


def test_the_coordinate_pool_leaves_the_scene_geometry_unchanged():
    real = make_sample("mixed", (40, 56), 3, signals=("flow", "mask"), content=_default_pool("test"))
    coded = make_sample(
        "mixed", (40, 56), 3, signals=("flow", "mask"), content=CoordinatePool(_default_pool("test")), gamma=1.0
    )
    assert np.array_equal(real["mask"], coded["mask"]) and np.allclose(real["flow"], coded["flow"])


def test_a_frame_corresponds_to_itself_pixel_for_pixel():
    found = true_correspondence("global", (33, 47), 1, target="sharp")
    grid = np.stack(np.meshgrid(np.arange(47), np.arange(33)), -1)
    assert found["valid"].mean() > 0.9
    error = np.abs(found["position"][found["valid"]] - grid[found["valid"]]).max(-1)
    assert np.percentile(error, 99) < 0.001 and error.max() < 0.1  # px; the worst at a few object edges


def test_the_reference_warped_by_the_correspondence_matches_the_sharp_frame():
    size, seed = (64, 80), 0
    found = true_correspondence("global", size, seed, target="ref")
    sample = make_sample("global", size, seed, signals=("sharp", "ref"), content=_default_pool("test"))
    pos, valid = found["position"], found["valid"]
    warped = np.stack(
        [map_coordinates(sample["ref"][..., c], [pos[..., 1], pos[..., 0]], order=1, mode="nearest") for c in range(3)],
        -1,
    )
    moved = np.abs(warped - sample["sharp"]).mean(-1)[valid].mean()
    still = np.abs(sample["ref"] - sample["sharp"]).mean(-1)[valid].mean()
    assert valid.mean() > 0.5 and moved < 0.04 and moved < 0.3 * still
