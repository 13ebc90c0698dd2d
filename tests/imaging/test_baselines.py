import numpy as np
import pytest
from scipy import ndimage

from deblurbook.data.content import load_photo
from deblurbook.imaging import baselines, formation, metrics


@pytest.fixture(scope="module")
def scene():
    sharp = load_photo("coffee")[100:181, 200:291].astype(np.float64)  # 81x91, odd
    kernel = formation.motion_kernel(7, 3)
    return sharp, kernel, formation.blur_with_kernel(sharp, kernel)


def test_richardson_lucy_and_wiener_with_the_true_kernel_help(scene):
    sharp, kernel, blurred = scene
    before = metrics.psnr(blurred, sharp)
    rl = baselines.richardson_lucy(blurred, kernel, iterations=30)
    assert rl.shape == sharp.shape and rl.dtype == np.float32
    assert metrics.psnr(rl, sharp) > before + 1.5
    assert metrics.psnr(baselines.wiener(blurred, kernel), sharp) > before - 3  # noise-limited, shown in ch01


def test_patchwise_with_a_constant_flow_matches_the_global_kernel(scene):
    sharp, _, _ = scene
    flow = np.zeros(sharp.shape[:2] + (2,))
    flow[..., 0], flow[..., 1] = 7, 3
    blurred = formation.blur_with_kernel(sharp, formation.flow_to_kernel(flow[0, 0], 1.0))
    restored = baselines.patchwise_richardson_lucy(blurred, flow, 1.0, patch=32, iterations=20)
    assert metrics.psnr(restored, sharp) > metrics.psnr(blurred, sharp) + 1.0


def test_tvl1_recovers_a_known_shift(scene):
    sharp, _, _ = scene
    moved = ndimage.shift(sharp, (2, -3, 0), order=3, mode="reflect")  # content moves by (x, y) = (-3, 2)
    flow = baselines.tvl1_flow(sharp, moved)
    interior = flow[15:-15, 15:-15].reshape(-1, 2)
    assert np.median(interior, axis=0) == pytest.approx([-3, 2], abs=0.3)


@pytest.mark.parametrize("kernel,match", [(np.ones((3, 3)), "sum to 1"), (np.ones((2, 2)) / 4, "odd")])
def test_bad_kernels_are_refused(scene, kernel, match):
    with pytest.raises(ValueError, match=match):
        baselines.richardson_lucy(scene[2], kernel)


def test_shape_errors(scene):
    sharp = scene[0]
    with pytest.raises(ValueError, match="HxWx3"):
        baselines.wiener(sharp[..., 0], scene[1])
    with pytest.raises(ValueError, match="does not match"):
        baselines.patchwise_richardson_lucy(sharp, np.zeros((5, 5, 2)))
    with pytest.raises(ValueError, match="differ in shape"):
        baselines.tvl1_flow(sharp, sharp[:-1])
