"""Building blocks shared by the book's networks (each exists once, here):
the ResBlock, padding to a multiple and cropping back, parameter counts."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ResBlock(nn.Module):
    """conv-act-conv with an identity skip (the deblurring papers' ResBlock).

    ``x``: (N, C, H, W) -> (N, C, H, W).
    """

    def __init__(self, channels: int, kernel: int = 3, act: type[nn.Module] = nn.ReLU):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, kernel, padding=kernel // 2),
            act(),
            nn.Conv2d(channels, channels, kernel, padding=kernel // 2),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def check_rgb(x: torch.Tensor, name: str = "blur") -> None:
    """Refuse anything but an (N, 3, H, W) batch, naming the input."""
    if x.ndim != 4 or x.shape[1] != 3:
        raise ValueError(f"{name} must be (N, 3, H, W), got {tuple(x.shape)}")


def pad_to_multiple(x: torch.Tensor, multiple: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """Reflect-pad (N, C, H, W) on the bottom/right to multiples of ``multiple``.

    Returns the padded tensor and the original (H, W) for :func:`crop_to`.
    """
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        mode = "reflect" if ph < h and pw < w else "replicate"
        x = F.pad(x, (0, pw, 0, ph), mode=mode)
    return x, (h, w)


def crop_to(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Undo :func:`pad_to_multiple`."""
    return x[..., : size[0], : size[1]]


def parameter_count(module: nn.Module) -> int:
    """Trainable parameters of ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
