"""Losses over a coarse-to-fine pyramid of outputs (SRN-style multi-scale networks).

The targets are the sharp image resized bilinearly to each output's size, as
the networks' inputs are (:func:`resize_bilinear`); each scale's term is a
mean over pixels and channels, weighted per scale.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def resize_bilinear(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear resize of (N, C, H, W) to ``size`` (half-pixel centres, no antialiasing; TF1's
    ``resize_images``, which SRN uses, samples without half-pixel centres: a sub-pixel shift)."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    return F.interpolate(image, size=size, mode="bilinear", align_corners=False)


class ScaleWeightedMSE(nn.Module):
    """``sum_k alpha_k * mean((I_k - S_k)^2)`` over ``output[key]``, a list of (N, 3, H_k, W_k)
    images coarse to fine; S_k is ``batch[target]`` resized to I_k's size. ``alphas`` are coarse to
    fine (Cheng et al.'s Eq. 2: (1, 1, 5), the 5 on the full-resolution output)."""

    def __init__(self, alphas: tuple[float, ...] = (1.0, 1.0, 5.0), key: str = "scales", target: str = "sharp"):
        super().__init__()
        self.alphas, self.key, self.target = tuple(alphas), key, target

    def extra_repr(self) -> str:
        return f"alphas={self.alphas}, key={self.key!r}, target={self.target!r}"

    def forward(self, output: dict, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        images = output[self.key]
        if len(images) != len(self.alphas):
            raise ValueError(f"{len(images)} output scales but {len(self.alphas)} weights {self.alphas}")
        sharp = batch[self.target]
        total, parts = images[-1].new_zeros(()), {}
        for k, (image, alpha) in enumerate(zip(images, self.alphas)):
            term = F.mse_loss(image, resize_bilinear(sharp, tuple(image.shape[-2:])))
            total = total + alpha * term
            parts[f"mse_scale{k + 1}"] = float(term.detach())
        parts["total"] = float(total.detach())
        return total, parts
