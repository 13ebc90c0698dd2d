"""What a network costs, counted by the library rather than by hand.

:func:`macs` builds the model and its inputs on PyTorch's ``meta`` device
(shapes only, no memory, no arithmetic) and counts one forward pass with
``torch.utils.flop_counter.FlopCounterMode``; a multiply-accumulate is two
of its FLOPs. :func:`required_throughput` turns a count and a claimed time
into the arithmetic rate the claim implies.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn


def macs(factory: Callable[[], nn.Module], *shapes: tuple[int, ...], device: str = "meta") -> float:
    """Multiply-accumulates of ``factory()(*inputs)``, each input a random tensor of a shape in
    ``shapes`` (batch included), in eval mode without gradients. On the ``meta`` device nothing
    is computed; a model whose forward needs values (an argmax that indexes, say) is counted on
    ``"cpu"``, which runs it once."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device(device):
        model = factory().eval()
        inputs = [torch.rand(*shape) for shape in shapes]
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(*inputs)
    return counter.get_total_flops() / 2


def required_throughput(macs_: float, seconds: float) -> float:
    """FLOP/s needed to do ``macs_`` multiply-accumulates (two FLOPs each) in ``seconds``."""
    if seconds <= 0:
        raise ValueError(f"the time must be positive, got {seconds}")
    return 2 * macs_ / seconds


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _peak_rss_child(factory: Callable[[], nn.Module], shapes, queue) -> None:
    torch.set_num_threads(1)
    model = factory().eval()
    inputs = [torch.rand(*shape) for shape in shapes]
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the present size
    before = _status_kib("VmRSS")
    with torch.no_grad():
        model(*inputs)
    queue.put((_status_kib("VmHWM") - before) * 1024)


def peak_memory(factory: Callable[[], nn.Module], *shapes: tuple[int, ...], device: str | torch.device = "cpu") -> int:
    """Bytes one forward pass of ``factory()`` (eval mode, no gradients) on random inputs of
    ``shapes`` adds at its peak, beyond the model and its inputs.

    On CUDA: ``torch.cuda.max_memory_allocated`` over the pass. On the CPU, which keeps no such
    counter, the pass runs in a fresh process (one thread) whose peak resident size is reset
    before it (Linux: ``/proc/self/clear_refs``), and the figure is how far the peak rises above
    the size before the pass: allocator overhead included, so a little above what the tensors
    need.
    """
    device = torch.device(device)
    if device.type == "cuda":
        model = factory().to(device).eval()
        inputs = [torch.rand(*shape, device=device) for shape in shapes]
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        start = torch.cuda.memory_allocated(device)
        with torch.no_grad():
            model(*inputs)
        torch.cuda.synchronize(device)
        return int(torch.cuda.max_memory_allocated(device) - start)
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_peak_rss_child, args=(factory, shapes, queue))
    child.start()
    try:
        found = queue.get(timeout=3600)
    finally:
        child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"the forward pass failed in its process (exit code {child.exitcode})")
    return int(found)
