"""Spatially variant RNNs (Eq. 13 of Zhang et al.'s optical-flow paper) and a fast scan to run them.

One direction of the RNN is the first-order linear recurrence

    g[t] = (1 - w[t]) * f[t] + w[t] * g[t - 1],      g[-1] = 0,

along one image axis, with a different weight ``w`` (in [-1, 1], from a tanh)
at every pixel and channel. Four directions (left->right, right->left,
top->bottom, bottom->top) give every output pixel a receptive field spanning
its whole row and column.

Public ports run it as a Python loop over one axis with autograd recording
every step (:func:`spatial_rnn_loop`, kept here as the reference). The book
runs :func:`linear_recurrence`, a custom autograd function that

* moves the scanned axis to the front, so each step touches one contiguous
  slab of memory, and runs backwards directions as reverse scans (no flips);
* splits the sequence into ``K`` chunks of length ``L`` (about sqrt(T) each):
  a scan of ``L`` steps inside all chunks at once, then ``K`` steps to carry
  each chunk's end state into the next, so ``L + K`` steps instead of ``T``,
  without any division (weights may be 0 or negative);
* computes the gradient in closed form: the adjoint of a linear recurrence is
  the same recurrence run backwards, ``d[t] = dg[t] + w[t+1] d[t+1]``, so the
  backward pass is one more fast scan and two element-wise products.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..core.device import full_precision

DIRECTIONS = ("left_to_right", "right_to_left", "top_to_bottom", "bottom_to_top")


def _chunk_length(t_len: int) -> int:
    """A divisor of ``t_len`` near sqrt(t_len) (no padding), else ceil(sqrt)."""
    root = math.sqrt(t_len)
    divisors = [d for d in range(max(1, int(root / 2)), int(2 * root) + 1) if t_len % d == 0]
    return min(divisors, key=lambda d: abs(d - root)) if divisors else int(math.ceil(root))


def _scan(a: torch.Tensor, b: torch.Tensor, reverse: bool = False) -> torch.Tensor:
    """h[t] = a[t] h[t-1] + b[t] along dim 0 of (T, M) tensors (``reverse``: h[t+1]).

    Chunked as described in the module docstring; no autograd. Returns a new tensor.
    """
    t_len, m = b.shape
    chunk = _chunk_length(t_len)
    chunks = int(math.ceil(t_len / chunk))
    pad = chunks * chunk - t_len
    if pad:  # extra steps with a = 1, b = 0 at the far end change nothing before them
        a = torch.cat([a, a.new_ones(pad, m)] if not reverse else [a.new_ones(pad, m), a])
        b = torch.cat([b, b.new_zeros(pad, m)] if not reverse else [b.new_zeros(pad, m), b])
    a = a.reshape(chunks, chunk, m)
    h = b.reshape(chunks, chunk, m).clone()
    prod = a.clone()
    inner = range(1, chunk) if not reverse else range(chunk - 2, -1, -1)
    step_back = -1 if not reverse else 1
    for i in inner:  # scan inside every chunk at once, zero start
        h[:, i].addcmul_(a[:, i], h[:, i + step_back])
        prod[:, i].mul_(prod[:, i + step_back])
    last = -1 if not reverse else 0
    outer = range(1, chunks) if not reverse else range(chunks - 2, -1, -1)
    for k in outer:  # carry the end state of the previous chunk into this one
        h[k].addcmul_(prod[k], h[k + step_back, last].unsqueeze(0))
    h = h.reshape(chunks * chunk, m)
    return h[:t_len] if not reverse else h[pad:]


class _LinearRecurrence(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a: torch.Tensor, b: torch.Tensor, reverse: bool) -> torch.Tensor:
        h = _scan(a, b, reverse)
        ctx.save_for_backward(a, h)
        ctx.reverse = reverse
        return h

    @staticmethod
    def backward(ctx, grad_h: torch.Tensor):
        a, h = ctx.saved_tensors
        zero = a.new_zeros(1, a.shape[1])
        # adjoint: d[t] = grad_h[t] + a[t+1] d[t+1], the same recurrence the other way
        if not ctx.reverse:
            d = _scan(torch.cat([a[1:], zero]), grad_h.contiguous(), reverse=True)
            h_prev = torch.cat([zero, h[:-1]])
        else:
            d = _scan(torch.cat([zero, a[:-1]]), grad_h.contiguous(), reverse=False)
            h_prev = torch.cat([h[1:], zero])
        return d * h_prev, d, None


def linear_recurrence(a: torch.Tensor, b: torch.Tensor, reverse: bool = False) -> torch.Tensor:
    """``h[t] = a[t] * h[t-1] + b[t]`` along dim 0 of (T, M) tensors, ``h[-1] = 0``.

    ``reverse=True`` runs from the end: ``h[t] = a[t] * h[t+1] + b[t]``.
    Differentiable in ``a`` and ``b`` (gradients in closed form). Any device.
    """
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"a and b must be (T, M) of one shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    return _LinearRecurrence.apply(a.contiguous(), b.contiguous(), reverse)


def _to_sequence(x: torch.Tensor, direction: str) -> torch.Tensor:
    """(N, C, H, W) -> (T, N*C*other) with the scanned axis first."""
    if direction in ("left_to_right", "right_to_left"):
        seq = x.permute(3, 0, 1, 2)
    elif direction in ("top_to_bottom", "bottom_to_top"):
        seq = x.permute(2, 0, 1, 3)
    else:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    return seq.reshape(seq.shape[0], -1)


def _from_sequence(seq: torch.Tensor, like: torch.Tensor, direction: str) -> torch.Tensor:
    n, c, h, w = like.shape
    if direction in ("left_to_right", "right_to_left"):
        return seq.reshape(w, n, c, h).permute(1, 2, 3, 0)
    return seq.reshape(h, n, c, w).permute(1, 2, 0, 3)


def _check(x: torch.Tensor, w: torch.Tensor) -> None:
    if x.ndim != 4 or x.shape != w.shape:
        raise ValueError(f"features and weights must both be (N, C, H, W), got {tuple(x.shape)} and {tuple(w.shape)}")


def spatial_rnn(x: torch.Tensor, w: torch.Tensor, direction: str) -> torch.Tensor:
    """One direction of Zhang et al.'s Eq. 13 on (N, C, H, W) features ``x`` with weights ``w``.

    Runs in at least float32 even under mixed-precision autocast (a recurrence
    over hundreds of steps in float16 or bfloat16 drifts); the output is in
    that precision.
    """
    _check(x, w)
    with torch.autocast(x.device.type, enabled=False):
        x, w = full_precision(x, w)
        a = _to_sequence(w, direction)
        b = _to_sequence((1 - w) * x, direction)
        reverse = direction in ("right_to_left", "bottom_to_top")
        return _from_sequence(linear_recurrence(a, b, reverse), x, direction)


def spatial_rnn_loop(x: torch.Tensor, w: torch.Tensor, direction: str) -> torch.Tensor:
    """The reference: a Python loop over the scanned axis, autograd at every step."""
    _check(x, w)
    horizontal = direction in ("left_to_right", "right_to_left")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    axis = 3 if horizontal else 2
    order = range(x.shape[axis])
    if direction in ("right_to_left", "bottom_to_top"):
        order = reversed(order)
    outputs, previous = {}, None
    for i in order:
        f, g = x.select(axis, i), w.select(axis, i)
        previous = (1 - g) * f if previous is None else (1 - g) * f + g * previous
        outputs[i] = previous
    return torch.stack([outputs[i] for i in range(x.shape[axis])], dim=axis)


def impulse_response(weight: float, size: int = 33) -> torch.Tensor:
    """Sum of the four directions' responses to a centred impulse, constant weight."""
    x = torch.zeros(1, 1, size, size, dtype=torch.float64)
    x[..., size // 2, size // 2] = 1.0
    w = torch.full_like(x, weight)
    return sum(spatial_rnn(x, w, d) for d in DIRECTIONS)[0, 0]


def causal_box_blur(x: torch.Tensor, length: int) -> torch.Tensor:
    """Mean of the last ``length`` samples along dim -1 (zeros before the start)."""
    padded = F.pad(x, (length - 1, 0))
    return padded.unfold(-1, length, 1).mean(-1)


def recurrent_filter(signal: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Zhang et al.'s Eq. 13 along dim -1 of (M, T) signals: g[t] = (1 - w[t]) f[t] + w[t] g[t-1]."""
    weight = weight.expand_as(signal)
    return linear_recurrence(weight.T, ((1 - weight) * signal).T).T


def fit_recurrent_inverse(
    length: int, parallel: int = 4, steps: int = 300, samples: int = 64, size: int = 96, seed: int = 0
) -> dict[str, object]:
    """Learn ``parallel`` first-order recurrences (Zhang et al.'s Eq. 13, one constant weight each) and
    a linear mix of their outputs that undo a causal box blur of ``length``.

    A box of 2 is undone exactly by one recurrence with w = -1; longer boxes have
    complex poles, which real first-order recurrences only approximate. Returns
    the learned weights and the mean squared error of doing nothing (the blur) and
    of the fitted inverse, on held-out random signals.
    """
    gen = torch.Generator().manual_seed(seed)
    train = torch.rand(samples, size, generator=gen, dtype=torch.float64)
    test = torch.rand(samples, size, generator=gen, dtype=torch.float64)
    theta = torch.linspace(-2.0, 2.0, parallel, dtype=torch.float64).requires_grad_()
    mix = torch.zeros(parallel + 1, dtype=torch.float64)
    mix[0] = 1.0
    mix.requires_grad_()
    opt = torch.optim.Adam([theta, mix], lr=0.05)

    def restore(blurred):
        outs = [blurred] + [recurrent_filter(blurred, torch.tanh(t)) for t in theta]
        return sum(m * o for m, o in zip(mix, outs))

    for _ in range(steps):
        loss = F.mse_loss(restore(causal_box_blur(train, length)), train)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        blurred = causal_box_blur(test, length)
        return {
            "length": length,
            "weights": torch.tanh(theta).tolist(),
            "mix": mix.tolist(),
            "mse_blurred": float(F.mse_loss(blurred, test)),
            "mse_restored": float(F.mse_loss(restore(blurred), test)),
        }
