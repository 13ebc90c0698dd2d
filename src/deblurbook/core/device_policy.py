"""Which device a profile may run on when none is named.

A profile sized for GPUs (``paper``: days on a GPU, weeks or more on a CPU) does not fall back to
the CPU silently when ``device="auto"`` finds no CUDA GPU (an older driver than the wheel's CUDA
build, a container without the GPU passed in): :func:`require_device` says why and how to go on.
Naming ``cpu`` runs it there anyway.
"""

from __future__ import annotations

import torch

from .device import DeviceUnavailable
from .profiles import get


def require_device(profile: str, device: str) -> None:
    """Raise :class:`~deblurbook.core.device.DeviceUnavailable` when ``profile`` is sized for CUDA,
    ``device`` is ``"auto"`` and torch sees no CUDA GPU."""
    if device == "auto" and get(profile).device == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable(
            f"profile {profile!r} is sized for a GPU, and torch {torch.__version__} sees no CUDA GPU (an older "
            "driver than its CUDA build, or no GPU passed to this machine); run it on the CPU anyway with "
            "device 'cpu' (--device cpu; days to weeks), or pick the 'small' profile"
        )
