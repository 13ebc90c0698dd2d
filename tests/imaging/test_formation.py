import numpy as np
import pytest
from scipy import ndimage

from deblurbook.imaging import formation, metrics

RNG = np.random.default_rng(0)


def smooth_image(h=41, w=47):
    return ndimage.gaussian_filter(RNG.random((h, w, 3)), (1.5, 1.5, 0))


def test_camera_response_round_trip():
    x = RNG.random((5, 7, 3))
    assert np.allclose(formation.to_display(formation.to_linear(x)), x)
    assert formation.to_linear(np.array(0.5)) == pytest.approx(0.5**2.2)


@pytest.mark.parametrize("dx,dy", [(0, 0), (4, 0), (0, -5), (3.3, 2.7), (-7.5, 7.5), (0.4, 0.1), (15, -2)])
def test_motion_kernel_is_normalised_odd_and_centred(dx, dy):
    k = formation.motion_kernel(dx, dy)
    assert k.sum() == pytest.approx(1.0)
    assert k.shape[0] % 2 == 1 and k.shape[0] == k.shape[1]
    c = (k.shape[0] - 1) / 2
    ys, xs = np.mgrid[: k.shape[0], : k.shape[1]]
    assert (k * xs).sum() == pytest.approx(c, abs=1e-9) and (k * ys).sum() == pytest.approx(c, abs=1e-9)
    assert np.allclose(k, k[::-1, ::-1])  # a line through the centre is point-symmetric


def test_zero_motion_is_identity_and_length_matches_motion():
    assert np.array_equal(formation.motion_kernel(0, 0), np.ones((1, 1)))
    k = formation.motion_kernel(6, 0)
    row = k[k.shape[0] // 2]
    assert row.sum() == pytest.approx(1.0)  # horizontal motion stays on the middle row
    assert np.count_nonzero(row > 1e-3) == 7


def test_non_finite_motion_refused():
    with pytest.raises(ValueError, match="finite"):
        formation.motion_kernel(np.nan, 1)


@pytest.mark.parametrize("dx,dy", [(5, 0), (3.5, -2.25), (0.6, 0.3), (-9, 6)])
def test_averaging_shifted_frames_equals_convolution(dx, dy):
    """Many frames along a linear path, averaged, equal a convolution (>= 40 dB)."""
    image = smooth_image()
    n = 400
    t = (np.arange(n) + 0.5) / n - 0.5
    frames = [ndimage.shift(image, (ti * dy, ti * dx, 0), order=1, mode="reflect") for ti in t]
    averaged = np.mean(frames, axis=0)
    convolved = ndimage.convolve(image, formation.motion_kernel(dx, dy, oversample=64)[:, :, None], mode="reflect")
    m = 12
    assert metrics.psnr(averaged[m:-m, m:-m], convolved[m:-m, m:-m], quantise=False) >= 40


def test_blur_in_linear_space_differs_from_display_space():
    image = smooth_image()
    k = formation.motion_kernel(8, 3)
    linear, display = formation.blur_with_kernel(image, k), formation.blur_with_kernel(image, k, linear=False)
    assert linear.shape == image.shape and 0 <= linear.min() and linear.max() <= 1
    assert np.abs(linear - display).max() > 1e-3
    assert linear.mean() >= display.mean()  # averaging light brightens dark mixtures
    with pytest.raises(ValueError, match="2-D"):
        formation.blur_with_kernel(image, np.ones(3))
    with pytest.raises(ValueError, match="HxW"):
        formation.blur_with_kernel(np.ones(4), k)


def test_average_frames_is_the_linear_mean():
    frames = RNG.random((7, 9, 11, 3))
    expected = np.mean(frames**2.2, axis=0) ** (1 / 2.2)
    assert np.allclose(formation.average_frames(frames), expected)
    assert np.allclose(formation.average_frames(frames[:1]), frames[0])
    with pytest.raises(ValueError, match="frames"):
        formation.average_frames(np.ones(5))


def test_flow_to_kernel_single_and_per_pixel():
    f = np.array([6.0, -4.0])
    assert np.allclose(formation.flow_to_kernel(f, 0.5), formation.motion_kernel(3.0, -2.0))
    assert np.allclose(formation.flow_to_kernel(2 * f, 0.5), formation.flow_to_kernel(f, 1.0))
    field = np.zeros((3, 5, 2))
    field[1, 2] = f
    kernels = formation.flow_to_kernel(field, 0.5, oversample=16)
    assert kernels.shape[:2] == (3, 5) and np.allclose(kernels.sum((2, 3)), 1)
    single = formation.motion_kernel(3.0, -2.0)
    pad = (kernels.shape[-1] - single.shape[0]) // 2
    assert np.allclose(np.pad(single, pad), kernels[1, 2], atol=1e-12)
    still = kernels[0, 0]
    assert still[still.shape[0] // 2, still.shape[1] // 2] == pytest.approx(1.0)
    assert formation.flow_to_kernel(field, 0.5, size=11).shape == (3, 5, 11, 11)


@pytest.mark.parametrize(
    "kwargs,match",
    [(dict(duty=0.0), "duty"), (dict(duty=1.5), "duty"), (dict(size=4), "odd"), (dict(size=1), "at least")],
)
def test_flow_to_kernel_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        formation.flow_to_kernel(np.full((2, 2, 2), 4.0), **kwargs)


def test_flow_to_kernel_wrong_shape():
    with pytest.raises(ValueError, match="HxWx2"):
        formation.flow_to_kernel(np.zeros((3, 3)))


def test_shifted_frames_average_to_the_convolution():
    image = np.random.default_rng(0).random((15, 17))
    frames = formation.shifted_frames(image, 4, 0, 9)
    assert frames.shape == (9, 15, 17)
    assert np.allclose(frames[4], image)  # the middle frame is the sharp one
    with pytest.raises(ValueError, match="count"):
        formation.shifted_frames(image, 1, 1, 0)


def test_the_best_straight_line_recovers_a_line_kernels_length_and_angle():
    import math

    from deblurbook.imaging.formation import fit_line_blur

    rng = np.random.default_rng(0)
    sharp = rng.uniform(size=(61, 67, 3))
    length, angle = 9.0, math.pi / 4
    blur = formation.blur_with_kernel(
        sharp, formation.motion_kernel(length * math.cos(angle), length * math.sin(angle))
    )
    found = fit_line_blur(blur, sharp, lengths=range(0, 16, 3), angles=np.arange(8) * math.pi / 8)
    assert found["length"] == length and found["angle"] == pytest.approx(angle)
    assert found["rmse"] < 1e-6 < found["still"]
    with pytest.raises(ValueError, match="same HxWx3"):
        fit_line_blur(blur[:-1], sharp, [0, 3], [0.0])
    with pytest.raises(ValueError, match="too small"):
        fit_line_blur(blur[:9, :9], sharp[:9, :9], [0, 30], [0.0])
