"""What a network costs, counted by the library rather than by hand.

:func:`macs` builds the model and its inputs on PyTorch's ``meta`` device
(shapes only, no memory, no arithmetic) and counts one forward pass with
``torch.utils.flop_counter.FlopCounterMode``; a multiply-accumulate is two
of its FLOPs. :func:`required_throughput` turns a count and a claimed time
into the arithmetic rate the claim implies.
"""

from __future__ import annotations

from collections.abc import Callable

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
