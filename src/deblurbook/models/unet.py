"""A small residual U-Net: the book's generic learned baseline and benchmark load.

Not from any of the five papers. Three scales, ``width`` channels at full
resolution (doubling per scale), one :class:`ResBlock` per stage, predicts a
residual added to the input. With ``width=32`` it has about 1.0 M parameters.
Input (N, 3, H, W) in [0, 1], any H, W (padded to a multiple of 4 inside);
output the same shape.
"""

from __future__ import annotations

import torch
from torch import nn

from ..nn.blocks import ResBlock, crop_to, pad_to_multiple


class SmallUNet(nn.Module):
    def __init__(self, width: int = 32, channels: int = 3):
        super().__init__()
        w1, w2, w3 = width, 2 * width, 4 * width
        self.head = nn.Conv2d(channels, w1, 3, padding=1)
        self.enc1 = ResBlock(w1)
        self.down1 = nn.Conv2d(w1, w2, 3, stride=2, padding=1)
        self.enc2 = ResBlock(w2)
        self.down2 = nn.Conv2d(w2, w3, 3, stride=2, padding=1)
        self.mid = nn.Sequential(ResBlock(w3), ResBlock(w3))
        self.up2 = nn.ConvTranspose2d(w3, w2, 4, stride=2, padding=1)
        self.dec2 = ResBlock(w2)
        self.up1 = nn.ConvTranspose2d(w2, w1, 4, stride=2, padding=1)
        self.dec1 = ResBlock(w1)
        self.tail = nn.Conv2d(w1, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        padded, size = pad_to_multiple(x, 4)
        e1 = self.enc1(self.head(padded))
        e2 = self.enc2(self.down1(e1))
        m = self.mid(self.down2(e2))
        d2 = self.dec2(self.up2(m) + e2)
        d1 = self.dec1(self.up1(d2) + e1)
        return crop_to(padded + self.tail(d1), size)
