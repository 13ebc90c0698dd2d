"""Charbonnier and edge losses (MPRNet's), and their sum over several stages and scales.

:class:`Charbonnier` is ``mean sqrt((x - y)^2 + eps^2)`` elementwise (eps 1e-3);
:class:`EdgeLoss` is the Charbonnier loss of the two images' Laplacians, the
Laplacian being ``x - G(4 * up0(down2(G(x))))`` with MPRNet's 5x5 Gaussian
``[.05, .25, .4, .25, .05]`` (outer product) and replicate padding, where
``up0`` puts the half-size image on the even pixels of a zero image.
:class:`StageScaleCharbonnierEdge` sums both over every supervised output of
a multi-stage, multi-scale network, the target resized bilinearly to each.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .scale_losses import resize_bilinear

GAUSS_5 = (0.05, 0.25, 0.4, 0.25, 0.05)


class Charbonnier(nn.Module):
    def __init__(self, eps: float = 1e-3):
        super().__init__()
        self.eps = eps

    def extra_repr(self) -> str:
        return f"eps={self.eps}"

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.sqrt((x - y) ** 2 + self.eps**2).mean()


def laplacian(x: torch.Tensor) -> torch.Tensor:
    """MPRNet's Laplacian of (N, C, H, W): the image minus its Gaussian-filtered, 2x decimated and
    re-expanded self."""
    g = torch.tensor(GAUSS_5, dtype=x.dtype, device=x.device)
    kernel = (g[:, None] * g[None, :]).expand(x.shape[1], 1, 5, 5)

    def blur(t: torch.Tensor) -> torch.Tensor:
        return F.conv2d(F.pad(t, (2, 2, 2, 2), mode="replicate"), kernel, groups=t.shape[1])

    filtered = blur(x)
    expanded = torch.zeros_like(filtered)
    expanded[..., ::2, ::2] = filtered[..., ::2, ::2] * 4
    return x - blur(expanded)


class EdgeLoss(nn.Module):
    def __init__(self, eps: float = 1e-3):
        super().__init__()
        self.charbonnier = Charbonnier(eps)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.charbonnier(laplacian(x), laplacian(y))


class StageScaleCharbonnierEdge(nn.Module):
    """``sum_r sum_s [Char(I_s^r, Y_s) + edge * Edge(I_s^r, Y_s)]`` over ``output["stages"]`` (per
    stage, the images of each scale), ``Y_s`` the target resized bilinearly to ``I_s^r``'s size.
    ``supervised="final"`` keeps the last stage's full-scale image alone (no side supervision)."""

    def __init__(self, edge: float = 0.05, eps: float = 1e-3, supervised: str = "all", target: str = "sharp"):
        super().__init__()
        if supervised not in ("all", "final"):
            raise ValueError(f"supervised must be 'all' or 'final', got {supervised!r}")
        self.edge_weight, self.supervised, self.target = edge, supervised, target
        self.charbonnier, self.edge = Charbonnier(eps), EdgeLoss(eps)

    def extra_repr(self) -> str:
        return f"edge={self.edge_weight}, supervised={self.supervised!r}"

    def forward(self, output: dict, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        stages = output["stages"]
        pairs = [(r, s, image) for r, images in enumerate(stages) for s, image in enumerate(images)]
        if self.supervised == "final":
            pairs = pairs[-1:]
        target = batch[self.target]
        total, parts = None, {}
        for r, s, image in pairs:
            truth = resize_bilinear(target, tuple(image.shape[-2:]))
            char, edge = self.charbonnier(image, truth), self.edge(image, truth)
            term = char + self.edge_weight * edge
            total = term if total is None else total + term
            parts[f"char_stage{r + 1}_scale{s + 1}"] = float(char.detach())  # scales coarse to fine
        parts["total"] = float(total.detach())
        return total, parts
