"""The real samples bundled with the book (``data/real``; evaluation only):
30 GoPro crops, two REDS clips of consecutive frames, Levin's eight kernels.
"""

from __future__ import annotations

import numpy as np

from ..core.paths import real_data_dir
from .benchmarks import Pair, match_folders, need_dir, visible


def gopro_crops() -> list[Pair]:
    """The 30 bundled GoPro crops (``data/real/gopro_crops``; evaluation only)."""
    base = real_data_dir() / "gopro_crops"
    return match_folders(base / "blur", base / "sharp", "GOPR0372_07_00")


def reds_clips() -> dict[str, list[Pair]]:
    """The two bundled REDS clips (``data/real/reds_clips``), frames in order.

    Consecutive blurred frames give optical-flow pairs; neighbouring sharp
    frames give reference images. Evaluation only.
    """
    base = need_dir(real_data_dir() / "reds_clips", "bundled REDS clips")
    return {clip.name: match_folders(clip / "blur", clip / "sharp", clip.name) for clip in visible(base, dirs=True)}


def levin_kernels() -> dict[str, np.ndarray]:
    """The 8 real camera-shake kernels of Levin et al. (CVPR 2009), ``k1``..``k8``.

    From ``data/real/kernels/levin09.npz``; float64, each summing to 1,
    padded to odd sides where needed (the deconvolution baselines want a centre).
    """
    path = real_data_dir() / "kernels" / "levin09.npz"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: Levin kernels not found (the bundled real samples; see DEBLURBOOK_REAL_DATA)")
    kernels = {}
    with np.load(path) as archive:
        for name in sorted(archive.files, key=lambda n: int(n[1:])):
            k = np.asarray(archive[name], dtype=np.float64)
            k = np.pad(k, ((0, 1 - k.shape[0] % 2), (0, 1 - k.shape[1] % 2)))
            kernels[name] = k / k.sum()
    return kernels
