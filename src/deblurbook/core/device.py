"""Pick the compute device and make the backend settings explicit.

Code in the book is device-agnostic: it takes a ``torch.device`` from
:func:`resolve` and never calls ``.cuda()``.
"""

from __future__ import annotations

import os

import torch

CHOICES = ("auto", "cpu", "cuda")


class DeviceUnavailable(RuntimeError):
    """The device asked for is not there (a clear message, not a bug)."""


def resolve(device: str = "auto", deterministic: bool = True) -> torch.device:
    """``"auto"`` gives CUDA when available, else CPU. Sets cuDNN flags explicitly.

    ``deterministic=True`` turns cuDNN autotuning off and asks for deterministic
    kernels, so that a seeded run repeats; ``False`` lets cuDNN pick the fastest
    kernels (``benchmark=True``), for long GPU runs where bitwise repeats do not
    matter.
    """
    if device not in CHOICES:
        raise ValueError(f"device must be one of {CHOICES}, got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable(
            "device 'cuda' was asked for, but torch sees no CUDA GPU "
            f"(torch {torch.__version__}); use --device cpu or auto"
        )
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.backends.cudnn.benchmark = not deterministic
    torch.backends.cudnn.deterministic = deterministic
    return torch.device(device)


def describe(device: torch.device) -> dict[str, str]:
    """What a reader needs to know to compare timings: versions, device, threads."""
    info = {
        "torch": torch.__version__,
        "device": str(device),
        "cpu threads (torch)": str(torch.get_num_threads()),
        "cpu cores (os)": str(os.cpu_count()),
        "cuda available": str(torch.cuda.is_available()),
        "cudnn.benchmark": str(torch.backends.cudnn.benchmark),
        "cudnn.deterministic": str(torch.backends.cudnn.deterministic),
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
        info["cuda (torch build)"] = str(torch.version.cuda)
    return info


def full_precision(*tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The tensors in at least float32 (float16/bfloat16 are upcast, float64 kept).

    For numerically delicate steps (long recurrences, sampling grids) that must
    run in full precision under mixed-precision autocast; call it inside
    ``torch.autocast(device_type, enabled=False)``.
    """
    return tuple(t if t.dtype in (torch.float32, torch.float64) else t.float() for t in tensors)


def bf16_supported(device: torch.device | str = "cpu") -> bool:
    """Whether ``device`` computes bfloat16 natively: a CUDA GPU of compute capability 8.0 or
    newer, or a CPU with ``avx512_bf16`` or AMX (read from ``/proc/cpuinfo``; False where that
    file is missing). Elsewhere bf16 autocast still runs, emulated, slower than float32."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags
