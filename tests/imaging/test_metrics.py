import math

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from deblurbook.imaging import metrics

RNG = np.random.default_rng(0)


def pair(h=37, w=41):
    a = RNG.random((h, w, 3))
    return a, np.clip(a + RNG.normal(0, 0.05, a.shape), 0, 1)


def test_psnr_matches_scikit_image_on_quantised_images():
    a, b = pair()
    qa, qb = metrics.quantize(a), metrics.quantize(b)
    assert metrics.psnr(a, b) == pytest.approx(peak_signal_noise_ratio(qa, qb, data_range=1.0), abs=1e-10)
    assert metrics.psnr(a, b, quantise=False) == pytest.approx(peak_signal_noise_ratio(a, b, data_range=1.0))


def test_ssim_matches_scikit_image_gaussian_window():
    a, b = pair(43, 29)
    qa, qb = metrics.quantize(a), metrics.quantize(b)
    ref = structural_similarity(
        qa, qb, data_range=1.0, channel_axis=-1, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
    )
    assert metrics.ssim(a, b) == pytest.approx(ref, abs=1e-10)


def test_torch_batches_give_per_image_values_equal_to_numpy():
    (a1, b1), (a2, b2) = pair(), pair()
    x = torch.tensor(np.stack([a1, a2]).transpose(0, 3, 1, 2), dtype=torch.float32)
    y = torch.tensor(np.stack([b1, b2]).transpose(0, 3, 1, 2), dtype=torch.float32)
    p, s = metrics.psnr(x, y), metrics.ssim(x, y)
    assert p.shape == (2,) and p.dtype == np.float64

    def f32(z):
        return z.astype(np.float32)  # the tensors were float32

    assert p[1] == pytest.approx(metrics.psnr(f32(a2), f32(b2)))
    assert s[0] == pytest.approx(metrics.ssim(f32(a1), f32(b1)))


def test_identical_images_and_errors():
    a, _ = pair()
    assert metrics.psnr(a, a) == math.inf and metrics.ssim(a, a) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shape"):
        metrics.psnr(a, a[:-1])
    with pytest.raises(ValueError, match="Nx3xHxW"):
        metrics.psnr(torch.zeros(3, 4, 4), torch.zeros(3, 4, 4))
    with pytest.raises(ValueError, match="window"):
        metrics.ssim(a[:8, :8], a[:8, :8])


def test_masked_psnr():
    a, b = pair()
    full = np.ones(a.shape[:2], bool)
    assert metrics.masked_psnr(a, b, full) == pytest.approx(metrics.psnr(a, b))
    c = b.copy()
    half = np.zeros_like(full)
    half[:, :20] = True
    c[~half] = a[~half]  # errors only inside the mask
    assert metrics.masked_psnr(a, c, half) < metrics.psnr(a, c)
    assert metrics.masked_psnr(a, c, ~half) == math.inf
    with pytest.raises(ValueError, match="no pixel"):
        metrics.masked_psnr(a, b, np.zeros_like(full))
    with pytest.raises(ValueError, match="mask shape"):
        metrics.masked_psnr(a, b, full[:-1])


def test_flow_metrics():
    f = np.zeros((5, 6, 2))
    g = f.copy()
    g[..., 0] = 3
    g[..., 1] = 4
    assert metrics.epe(f, g) == pytest.approx(5.0)
    mask = np.zeros((5, 6), bool)
    mask[0, 0] = True
    assert metrics.epe(f, f, mask) == 0
    with pytest.raises(ValueError, match="HxWx2"):
        metrics.epe(f, g[..., :1])
    g[:2] = 0
    small, large = metrics.motion_regions(g, 1.0)
    assert (small ^ large).all() and large.sum() == 18
    ratios = metrics.blurred_area_ratio(g, [0, 1, 4.9, 5, 10])
    assert list(ratios) == pytest.approx([0.6, 0.6, 0.6, 0.0, 0.0])


def test_inputs_that_would_give_a_wrong_number_are_refused():
    import torch

    image = np.random.default_rng(0).random((12, 12, 3))
    with pytest.raises(ValueError, match="uint8 pixels"):
        metrics.psnr((image * 255).astype(np.uint8), image)  # was 4.79 dB
    with pytest.raises(ValueError, match="outside \\[0, 1\\]"):
        metrics.psnr(image * 255, image)
    broken = image.copy()
    broken[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        metrics.psnr(broken, image)
    with pytest.raises(ValueError, match="NaN"):
        metrics.ssim(torch.full((1, 3, 12, 12), float("nan")), torch.zeros(1, 3, 12, 12))
    with pytest.raises(ValueError, match="uint8"):
        metrics.psnr(torch.zeros(1, 3, 4, 4, dtype=torch.uint8), torch.zeros(1, 3, 4, 4))
    assert metrics.psnr(np.clip(image + 1e-3, 0, 1.001), image) > 40  # rounding beyond 1 is tolerated
    with pytest.raises(ValueError, match="NaN"):
        metrics.epe(np.full((2, 2, 2), np.nan), np.zeros((2, 2, 2)))
