"""How a motion-blurred photograph forms.

The benchmarks every paper trains on (GoPro, REDS, DVD, LODE, ...) were made
by averaging consecutive frames of a high-frame-rate video in *linear*
intensity: undo the camera response (gamma 2.2), average, re-apply it, and
take the middle frame as ground truth (the LODE paper, appendix A.1, Eqs. 6-7;
Zhang et al.'s optical-flow paper, Eqs. 1-2). For a linear motion the average
is a convolution with a line-shaped kernel (Zhang et al., Eq. 12).

Images are float arrays in [0, 1], ``HxW`` or ``HxWx3``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

GAMMA = 2.2


def to_linear(image: np.ndarray, gamma: float = GAMMA) -> np.ndarray:
    """Inverse camera response: display values in [0, 1] to linear intensity."""
    return np.power(np.clip(image, 0.0, 1.0), gamma)


def to_display(linear: np.ndarray, gamma: float = GAMMA) -> np.ndarray:
    """Camera response: linear intensity in [0, 1] to display values."""
    return np.power(np.clip(linear, 0.0, 1.0), 1.0 / gamma)


def motion_kernel(dx: float, dy: float, oversample: int = 16) -> np.ndarray:
    """Blur kernel of a linear motion by ``(dx, dy)`` pixels during the exposure.

    The kernel is centred (the sharp frame is the middle of the exposure), has
    odd side, sums to 1, and is anti-aliased: the segment from ``-d/2`` to
    ``+d/2`` is sampled ``oversample`` times per pixel of length and each
    sample is spread bilinearly over its four neighbours. That equals exactly
    the average of frames shifted along the segment by bilinear interpolation,
    so sub-pixel and diagonal motions are handled the same way as whole-pixel
    ones. ``x`` runs along columns, ``y`` along rows. Returns float64.
    """
    if not (math.isfinite(dx) and math.isfinite(dy)):
        raise ValueError(f"motion must be finite, got ({dx}, {dy})")
    return _trim_symmetric(_splat_segments(np.array([[dx, dy]], dtype=np.float64), oversample)[0])


def _splat_segments(d: np.ndarray, oversample: int) -> np.ndarray:
    """Line kernels for displacements ``d`` (P, 2): (P, K, K), K = 2 ceil(max|d| / 2) + 1.

    Each segment from -d/2 to +d/2 is sampled at the midpoints of ``n`` equal
    slices (``n`` = ``oversample`` per pixel of the longest segment) and every
    sample is spread bilinearly over its four neighbours; each kernel sums to 1.
    """
    half = int(math.ceil(np.abs(d).max(initial=0.0) / 2.0)) + 1
    side = 2 * half + 1  # one spare ring for the bilinear spread, dropped below
    n = max(1, int(math.ceil(np.hypot(d[:, 0], d[:, 1]).max(initial=0.0) * oversample)))
    t = (np.arange(n) + 0.5) / n - 0.5
    xs = half + t[None, :] * d[:, :1]  # (P, n)
    ys = half + t[None, :] * d[:, 1:]
    return splat_bilinear(xs, ys, side)[:, 1:-1, 1:-1]


def splat_bilinear(xs: np.ndarray, ys: np.ndarray, side: int) -> np.ndarray:
    """(P, side, side) images of ``n`` points each (``xs``, ``ys``: (P, n), pixel units),
    every point spread bilinearly over its four neighbours with weight ``1 / n``.
    The points must lie at least one pixel inside the square."""
    n = xs.shape[1]
    x0, y0 = np.floor(xs).astype(np.int64), np.floor(ys).astype(np.int64)
    fx, fy = xs - x0, ys - y0
    pixel = np.arange(len(xs))[:, None] * side * side
    images = np.zeros(len(xs) * side * side)
    for oy, wy in ((0, 1 - fy), (1, fy)):
        for ox, wx in ((0, 1 - fx), (1, fx)):
            idx = pixel + (y0 + oy) * side + (x0 + ox)
            images += np.bincount(idx.ravel(), (wy * wx).ravel() / n, minlength=images.size)
    return images.reshape(len(xs), side, side)


def _trim_symmetric(kernel: np.ndarray) -> np.ndarray:
    """Drop all-zero border rings, keeping the kernel centred and odd-sized."""
    while kernel.shape[0] > 1 and not (
        kernel[0].any() or kernel[-1].any() or kernel[:, 0].any() or kernel[:, -1].any()
    ):
        kernel = kernel[1:-1, 1:-1]
    return kernel


def blur_with_kernel(image: np.ndarray, kernel: np.ndarray, linear: bool = True, gamma: float = GAMMA) -> np.ndarray:
    """Convolve ``image`` (HxW or HxWx3, [0, 1]) with ``kernel``, borders reflected.

    With ``linear=True`` (what a camera does) the convolution happens in linear
    intensity, between the inverse and forward camera response.
    """
    if kernel.ndim != 2:
        raise ValueError(f"kernel must be 2-D, got shape {kernel.shape}")
    if image.ndim not in (2, 3):
        raise ValueError(f"image must be HxW or HxWxC, got shape {image.shape}")
    work = to_linear(image, gamma) if linear else np.asarray(image, dtype=np.float64)
    k = kernel if work.ndim == 2 else kernel[:, :, None]
    out = ndimage.convolve(work, k, mode="reflect")
    return to_display(out, gamma) if linear else np.clip(out, 0.0, 1.0)


def average_frames(frames, gamma: float = GAMMA) -> np.ndarray:
    """The benchmarks' blur: mean of display-valued frames taken in linear space.

    ``frames``: a sequence of HxW[x3] images (or an array with frames first).
    The LODE paper's appendix A.1 (Eqs. 6-7): B = g(mean_i g^-1(S_i)), g^-1(x) = x^gamma.
    """
    stack = np.asarray(frames, dtype=np.float64)
    if stack.ndim not in (3, 4) or len(stack) < 1:
        raise ValueError(f"expected frames x H x W[ x 3], got shape {stack.shape}")
    return to_display(to_linear(stack, gamma).mean(axis=0), gamma)


def flow_to_kernel(flow: np.ndarray, duty: float = 1.0, oversample: int = 16, size: int | None = None) -> np.ndarray:
    """Per-pixel blur kernels from a frame-to-frame flow (Zhang et al., Eq. 12).

    During an exposure of ``duty`` times the frame interval a pixel with flow
    ``(Fp, Fq)`` moves by ``duty * (Fp, Fq)``, so its kernel is the line
    ``delta(Fq p - Fp q) / r`` of Zhang et al.'s Eq. 12. We centre it on the middle of the
    exposure (the ground truth is the middle frame; Zhang et al.'s Eq. 10 integrates from the
    start instead) and normalise it to sum 1, anti-aliased as
    :func:`motion_kernel` is.

    ``flow``: ``(2,)`` for one kernel (returns KxK) or ``HxWx2`` (returns
    HxWxKxK, one kernel per pixel, all of the side needed by the largest flow,
    or ``size`` if given). Returns float64.
    """
    if not 0.0 < duty <= 1.0:
        raise ValueError(f"duty cycle r must be in (0, 1], got {duty}")
    f = np.asarray(flow, dtype=np.float64)
    if f.shape == (2,):
        return motion_kernel(duty * f[0], duty * f[1], oversample)
    if f.ndim != 3 or f.shape[-1] != 2:
        raise ValueError(f"flow must be (2,) or HxWx2, got {f.shape}")
    kernels = _splat_segments(duty * f.reshape(-1, 2), oversample)
    natural = kernels.shape[-1]
    if size is not None and (size % 2 == 0 or size < natural):
        raise ValueError(f"size must be odd and at least {natural}, got {size}")
    kernels = kernels.reshape(f.shape[0], f.shape[1], natural, natural)
    if size is not None and size > natural:
        pad = (size - natural) // 2
        kernels = np.pad(kernels, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return kernels


def shifted_frames(image: np.ndarray, dx: float, dy: float, count: int) -> np.ndarray:
    """``count`` frames of ``image`` moving linearly by ``(dx, dy)`` over the exposure.

    Frame i is the image shifted (bilinearly, borders reflected) by
    ``t_i * (dx, dy)`` with ``t_i`` the midpoints of ``count`` equal slices of
    [-1/2, 1/2]: a high-frame-rate video of a linear motion centred on the
    middle frame. Returns (count, H, W[, 3]) float64.
    """
    if count < 1:
        raise ValueError(f"count must be positive, got {count}")
    image = np.asarray(image, dtype=np.float64)
    t = (np.arange(count) + 0.5) / count - 0.5
    extra = (0,) * (image.ndim - 2)
    return np.stack([ndimage.shift(image, (ti * dy, ti * dx) + extra, order=1, mode="reflect") for ti in t])


def blur_with_kernels(image: np.ndarray, kernels: np.ndarray, linear: bool = True, gamma: float = GAMMA) -> np.ndarray:
    """Spatially varying blur: pixel (y, x) gets ``sum_pq kernels[y, x, p, q] * I(y-p, x-q)``.

    ``image`` HxWx3 in [0, 1]; ``kernels`` HxWxKxK (K odd, centred, e.g. from
    :func:`flow_to_kernel`). Borders reflected; in linear intensity by default.
    """
    image = np.asarray(image, dtype=np.float64)
    if kernels.ndim != 4 or kernels.shape[:2] != image.shape[:2] or kernels.shape[2] % 2 == 0:
        raise ValueError(f"kernels must be HxWxKxK (K odd) for an image of {image.shape[:2]}, got {kernels.shape}")
    k = kernels.shape[2]
    r = k // 2
    work = to_linear(image, gamma) if linear else image
    padded = np.pad(work, ((r, r), (r, r), (0, 0)), mode="symmetric")  # = scipy's "reflect"
    windows = np.lib.stride_tricks.sliding_window_view(padded, (k, k), axis=(0, 1))  # H, W, 3, K, K
    # convolution, not correlation: the kernel is flipped against the window
    out = np.einsum("hwcpq,hwpq->hwc", windows, kernels[:, :, ::-1, ::-1])
    return to_display(out, gamma) if linear else np.clip(out, 0.0, 1.0)


def fit_line_blur(
    blur: np.ndarray, sharp: np.ndarray, lengths, angles, border: int | None = None, gamma: float = GAMMA
) -> dict[str, float]:
    """The straight-line motion that best explains ``blur`` from ``sharp`` (HxWx3, [0, 1]).

    Every line kernel of ``lengths`` (px) x ``angles`` (radians, in [0, pi)) is applied to
    ``sharp`` in linear light (:func:`blur_with_kernel`) and compared with ``blur`` away from
    the image border (``border`` px, default half the longest kernel); returns the best
    ``length``, ``angle`` and its ``rmse`` (display values), and ``still`` (the rmse of no
    motion). For camera shake over a small crop this measures the blur's extent: a curved
    path's best line is about its chord, so it bounds the path's length from below.
    """
    if blur.shape != sharp.shape or blur.ndim != 3:
        raise ValueError(f"blur and sharp must be the same HxWx3 shape, got {blur.shape} and {sharp.shape}")
    lengths = np.asarray(lengths, float)
    border = int(math.ceil(lengths.max() / 2)) + 1 if border is None else border
    if 2 * border >= min(blur.shape[:2]):
        raise ValueError(f"a {blur.shape[1]}x{blur.shape[0]} image is too small for a {border}-px border")
    inner = (slice(border, -border), slice(border, -border))

    def rmse(image: np.ndarray) -> float:
        return float(np.sqrt(np.mean((image[inner] - blur[inner]) ** 2)))

    best = {"length": 0.0, "angle": 0.0, "rmse": rmse(sharp)}
    still = best["rmse"]
    for length in lengths[lengths > 0]:
        for angle in angles:
            kernel = motion_kernel(length * math.cos(angle), length * math.sin(angle))
            error = rmse(blur_with_kernel(sharp, kernel, gamma=gamma))
            if error < best["rmse"]:
                best = {"length": float(length), "angle": float(angle), "rmse": error}
    return {**best, "still": still}
