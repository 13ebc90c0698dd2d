"""Losses: small modules with their weights; multi-term sums are named classes.

Every loss takes the model's output dict and the batch dict and returns
``(total, parts)``, ``parts`` a dict of detached scalar terms for the log.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..imaging.warping import warp

NORMS = {"l1": F.l1_loss, "mse": F.mse_loss}


class Reconstruction(nn.Module):
    """``weight * mean |output[key] - batch[target]|^p``, p = 1 (``l1``) or 2 (``mse``).

    ``output`` may also be the image tensor itself (a model that returns only its image).
    """

    def __init__(self, weight: float = 1.0, norm: str = "l1", key: str = "image", target: str = "sharp"):
        super().__init__()
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {tuple(NORMS)}, got {norm!r}")
        self.weight, self.norm, self.key, self.target = weight, norm, key, target

    def extra_repr(self) -> str:
        return f"weight={self.weight}, norm={self.norm!r}"

    def forward(self, output: dict, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        image = output[self.key] if isinstance(output, dict) else output
        loss = self.weight * NORMS[self.norm](image, batch[self.target])
        return loss, {f"{self.norm}_{self.key}": float(loss.detach())}


class ImageMSE(nn.Module):
    """Mean squared error between ``output[key]`` and ``batch[target]``."""

    def __init__(self, weight: float = 1.0, key: str = "image", target: str = "sharp"):
        super().__init__()
        self.weight, self.key, self.target = weight, key, target

    def extra_repr(self) -> str:
        return f"weight={self.weight}, key={self.key!r}, target={self.target!r}"

    def forward(self, output: dict, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        loss = self.weight * F.mse_loss(output[self.key], batch[self.target])
        return loss, {f"mse_{self.key}": float(loss.detach())}


def downsample_to(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Area-average (N, C, H, W) down to ``size`` (the flow's scale)."""
    return F.adaptive_avg_pool2d(image, size)


class MultiScaleWarpLoss(nn.Module):
    """Unsupervised multi-scale flow loss: photometric error after warping.

    For each scale s: ``|| W(B2_s, F_s) - B1_s ||^2``, with B1_s, B2_s the two
    frames area-averaged to the flow's size and W the backward warp
    (:func:`deblurbook.imaging.warping.warp`). ``flows`` holds ``2 * fields``
    channels; field k warps ``targets[k]`` onto ``source``.

    ``balance`` says how the scales weigh against a per-pixel mean at full
    resolution (the usual image term):

    ``"pixels"``  each scale's mean times its share of the full image's pixels
                  (1/16 at 1/4 scale ... 1/4096 at 1/64): what summing squared
                  errors over every term gives, as Caffe's Euclidean losses do;
    ``"mean"``    each scale's mean with weight 1 (16x to 4096x heavier).

    ``weights`` multiply the scales on top (coarse to fine, one per flow).
    """

    BALANCES = ("pixels", "mean")

    def __init__(
        self,
        weights: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0, 1.0),
        balance: str = "pixels",
        source: str = "blur",
        targets: tuple[str, ...] = ("blur_next",),
    ):
        super().__init__()
        if balance not in self.BALANCES:
            raise ValueError(f"balance must be one of {self.BALANCES}, got {balance!r}")
        self.weights, self.balance = tuple(weights), balance
        self.source, self.targets = source, tuple(targets)

    def extra_repr(self) -> str:
        return f"weights={self.weights}, balance={self.balance!r}, source={self.source!r}, targets={self.targets}"

    def forward(self, output: dict, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        flows = output["flows"]
        if len(flows) != len(self.weights):
            raise ValueError(f"{len(flows)} flow scales but {len(self.weights)} weights")
        full = batch[self.source].shape[-2] * batch[self.source].shape[-1]
        total = flows[0].new_zeros(())
        parts = {}
        for s, (flow, weight) in enumerate(zip(flows, self.weights)):
            size = tuple(flow.shape[-2:])
            first = downsample_to(batch[self.source], size)
            term = flow.new_zeros(())
            for k, name in enumerate(self.targets):
                warped = warp(downsample_to(batch[name], size), flow[:, 2 * k : 2 * k + 2])
                term = term + F.mse_loss(warped, first)
            share = size[0] * size[1] / full if self.balance == "pixels" else 1.0
            total = total + weight * share * term
            parts[f"warp_s{s}"] = float(term.detach())
        return total, parts
