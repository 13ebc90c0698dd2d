"""Timing helpers for benchmarks (never for tests: timed tests are flaky).

Device work is asynchronous, so CUDA timings synchronise before reading the
clock; every timing warms up first and reports the median of repeats.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable

import torch


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_call(
    fn: Callable[[], object],
    device: torch.device | str = "cpu",
    repeats: int = 5,
    warmup: int = 1,
    synchronise: bool = True,
) -> float:
    """Median wall-clock seconds of ``fn()`` over ``repeats`` runs after ``warmup``.

    ``synchronise=False`` reads the clock as soon as ``fn`` returns, without waiting for the
    device: on CUDA that times the kernel launches, not the work (the pitfall behind some
    published runtimes); the device is synchronised after each reading, outside the timed span,
    so that repeats do not overlap. On the CPU both modes time the same thing."""
    device = torch.device(device)
    for _ in range(warmup):
        fn()
    _sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        if synchronise:
            _sync(device)
        times.append(time.perf_counter() - start)
        _sync(device)
    return statistics.median(times)


@torch.no_grad()
def seconds_per_image(
    model: torch.nn.Module,
    size: tuple[int, int],
    device: torch.device | str = "cpu",
    repeats: int = 1,
    synchronise: bool = True,
    inputs: int = 1,
) -> float:
    """Seconds of one forward pass of ``model`` (eval mode, no gradients) on ``inputs`` random
    (1, 3, H, W) images of ``size`` (a second frame, a reference), after a warm-up on a 64x64
    corner of them (random weights suffice: the time does not depend on them); see
    :func:`time_call` for ``synchronise``."""
    device = torch.device(device)
    model = model.to(device).eval()
    xs = [torch.rand(1, 3, *size, device=device) for _ in range(inputs)]
    model(*[x[..., :64, :64] for x in xs])
    return time_call(lambda: model(*xs), device, repeats=repeats, warmup=0, synchronise=synchronise)


def time_spatial_rnn(
    fn: Callable, shape: tuple[int, int, int], device: torch.device | str = "cpu", repeats: int = 3
) -> float:
    """Median seconds of forward + backward of all four directions of ``fn``
    (``scan.spatial_rnn`` or ``scan.spatial_rnn_loop``) on (1, C, H, W) features."""
    from ..nn.scan import DIRECTIONS

    device = torch.device(device)
    torch.manual_seed(0)
    x = torch.randn(1, *shape, device=device, requires_grad=True)
    w = torch.tanh(torch.randn(1, *shape, device=device)).requires_grad_()

    def once():
        x.grad = w.grad = None
        sum(fn(x, w, d) for d in DIRECTIONS).sum().backward()

    return time_call(once, device, repeats=repeats, warmup=1)


def device_label(described: dict) -> str:
    """A table's name for the device :func:`deblurbook.core.device.describe` described: the GPU,
    else the CPU with its torch threads."""
    threads = described["cpu threads (torch)"]
    return described.get("gpu") or f"CPU, {threads} thread{'s' * (str(threads) != '1')}"
