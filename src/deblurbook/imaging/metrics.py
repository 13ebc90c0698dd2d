"""Image-quality and flow metrics, computed in float64.

Protocol (the GoPro papers' one): RGB, no border crop, both images quantised
to 8 bits (rounded) before comparison, data range 1. SSIM uses the Gaussian
window of Wang et al. (sigma 1.5, truncated at 3.5 sigma: an 11x11 window),
population covariances, K1 = 0.01, K2 = 0.03, averaged over channels; this is
scikit-image's ``structural_similarity(gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=1)``, which the tests check.

Inputs: numpy ``HxWx3`` arrays, or torch ``Nx3xHxW`` tensors, in [0, 1]. A
single image gives a float; a batch gives a float64 array of N values.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

SSIM_SIGMA = 1.5
SSIM_TRUNCATE = 3.5
K1, K2 = 0.01, 0.03


RANGE_TOLERANCE = 0.5 / 255  # half an 8-bit step beyond [0, 1] is rounding; more is another convention


def _as_batch(x, name: str) -> tuple[np.ndarray, bool]:
    """(N, H, W, C) float64 and whether the input was a single image.

    Refuses what would give a silently wrong number: integer pixels (0-255
    images compared with [0, 1] ones give PSNRs near 5 dB), NaN or infinite
    values, and values outside [0, 1] beyond rounding.
    """
    import torch

    single = not isinstance(x, torch.Tensor)
    if not single:
        if x.ndim != 4:
            raise ValueError(f"{name}: torch input must be Nx3xHxW, got {tuple(x.shape)}")
        dtype_ok = x.is_floating_point()
        x = x.detach().to("cpu").permute(0, 2, 3, 1).numpy()
    else:
        x = np.asarray(x)
        dtype_ok = np.issubdtype(x.dtype, np.floating)
    if not dtype_ok:
        raise ValueError(
            f"{name}: {x.dtype} pixels; metrics take floats in [0, 1] (for 8-bit images, divide by 255 first)"
        )
    x = np.asarray(x, dtype=np.float64)
    if not np.isfinite(x).all():
        raise ValueError(f"{name}: contains NaN or infinite values")
    low, high = float(x.min(initial=0.0)), float(x.max(initial=0.0))
    if low < -RANGE_TOLERANCE or high > 1 + RANGE_TOLERANCE:
        raise ValueError(f"{name}: values span [{low:.4g}, {high:.4g}], outside [0, 1]")
    if single:
        if x.ndim == 2:
            return x[None, :, :, None], True
        if x.ndim != 3:
            raise ValueError(f"{name}: numpy input must be HxW or HxWx3, got {x.shape}")
        return x[None], True
    return x, False


def quantize(x: np.ndarray) -> np.ndarray:
    """Round [0, 1] values to the 8-bit grid, as images are saved."""
    return np.round(np.clip(x, 0.0, 1.0) * 255.0) / 255.0


def _pair(a, b, quantise: bool):
    x, single = _as_batch(a, "first image")
    y, _ = _as_batch(b, "second image")
    if x.shape != y.shape:
        raise ValueError(f"images differ in shape: {x.shape[1:]} vs {y.shape[1:]}")
    if quantise:
        x, y = quantize(x), quantize(y)
    return x, y, single


def _finish(values: list[float], single: bool):
    return values[0] if single else np.asarray(values, dtype=np.float64)


def _psnr_from_mse(mse: float) -> float:
    return math.inf if mse == 0 else 10.0 * math.log10(1.0 / mse)


def psnr(a, b, quantise: bool = True):
    """Peak signal-to-noise ratio in dB (data range 1), per image."""
    x, y, single = _pair(a, b, quantise)
    return _finish([_psnr_from_mse(float(np.mean((xi - yi) ** 2))) for xi, yi in zip(x, y)], single)


def masked_psnr(a, b, mask, quantise: bool = True):
    """PSNR over the pixels where ``mask`` (HxW or NxHxW) is true, all channels.

    The LODE paper (Table 6) reports PSNR separately on small- and large-motion
    regions split by flow norm; this is that measure. An empty mask is an error.
    """
    x, y, single = _pair(a, b, quantise)
    m = np.asarray(mask, dtype=bool)
    m = m[None] if m.ndim == 2 else m
    if m.shape != x.shape[:3]:
        raise ValueError(f"mask shape {m.shape[1:]} does not match images {x.shape[1:3]}")
    values = []
    for xi, yi, mi in zip(x, y, m):
        if not mi.any():
            raise ValueError("mask selects no pixel")
        values.append(_psnr_from_mse(float(np.mean((xi[mi] - yi[mi]) ** 2))))
    return _finish(values, single)


def _ssim_channel(x: np.ndarray, y: np.ndarray) -> float:
    def blur(z):
        return ndimage.gaussian_filter(z, SSIM_SIGMA, truncate=SSIM_TRUNCATE, mode="reflect")

    c1, c2 = K1**2, K2**2
    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    pad = int(SSIM_TRUNCATE * SSIM_SIGMA + 0.5)  # skimage ignores the window's half-width border
    return float(s[pad:-pad, pad:-pad].mean())


def ssim(a, b, quantise: bool = True):
    """Structural similarity (Gaussian window, sigma 1.5), mean over RGB, per image."""
    x, y, single = _pair(a, b, quantise)
    if min(x.shape[1:3]) < 2 * int(SSIM_TRUNCATE * SSIM_SIGMA + 0.5) + 1:
        raise ValueError(f"images of {x.shape[1:3]} are smaller than the 11x11 SSIM window")
    return _finish(
        [float(np.mean([_ssim_channel(xi[..., c], yi[..., c]) for c in range(xi.shape[-1])])) for xi, yi in zip(x, y)],
        single,
    )


def epe(flow, flow_true, mask=None) -> float:
    """Mean end-point error in pixels between HxWx2 flows (optionally over a mask)."""
    f, g = np.asarray(flow, np.float64), np.asarray(flow_true, np.float64)
    if f.shape != g.shape or f.shape[-1] != 2:
        raise ValueError(f"flows must both be HxWx2, got {f.shape} and {g.shape}")
    if not (np.isfinite(f).all() and np.isfinite(g).all()):
        raise ValueError("flows contain NaN or infinite values")
    err = np.linalg.norm(f - g, axis=-1)
    if mask is not None:
        m = np.asarray(mask, bool)
        if not m.any():
            raise ValueError("mask selects no pixel")
        err = err[m]
    return float(err.mean())


def motion_regions(flow: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(small, large) motion masks split at ``threshold`` pixels of flow norm."""
    norm = np.linalg.norm(np.asarray(flow, np.float64), axis=-1)
    return norm <= threshold, norm > threshold


def blurred_area_ratio(flow: np.ndarray, thresholds) -> np.ndarray:
    """Fraction of pixels whose flow norm exceeds each threshold (the LODE paper's Fig. 3)."""
    norm = np.linalg.norm(np.asarray(flow, np.float64), axis=-1)
    return np.array([(norm > t).mean() for t in thresholds])
