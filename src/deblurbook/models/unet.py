"""A residual U-Net: the book's generic learned baseline (the floor every paper's network is
measured against) and benchmark load.

Not from any of the five papers. ``levels`` scales, ``width`` channels at full resolution
(doubling per scale), one :class:`ResBlock` per encoder and decoder stage and ``middle``
ResBlocks at the coarsest scale; strided convolutions down, transposed convolutions up,
skips added; predicts a residual added to the input. The default (``width=16``, four
levels) has 1,054,339 parameters, most of them at 1/8 scale: cheap per pixel, with a
receptive field of 149 px, wider than the benchmarks' longest blur streaks.
Input (N, 3, H, W) in [0, 1], any H, W (padded to a multiple of ``2 ** (levels - 1)``
inside); output the same shape.
"""

from __future__ import annotations

import torch
from torch import nn

from ..nn.blocks import ResBlock, crop_to, pad_to_multiple


class SmallUNet(nn.Module):
    def __init__(self, width: int = 16, channels: int = 3, levels: int = 4, middle: int = 2):
        super().__init__()
        if levels < 2 or width < 1 or middle < 0:
            raise ValueError(f"need levels >= 2, width >= 1 and middle >= 0; got {levels}, {width}, {middle}")
        widths = [width * 2**k for k in range(levels)]
        self.head = nn.Conv2d(channels, widths[0], 3, padding=1)
        self.encoders = nn.ModuleList(ResBlock(w) for w in widths[:-1])
        self.downs = nn.ModuleList(nn.Conv2d(a, b, 3, stride=2, padding=1) for a, b in zip(widths, widths[1:]))
        self.middle = nn.Sequential(*[ResBlock(widths[-1]) for _ in range(middle)])
        self.ups = nn.ModuleList(nn.ConvTranspose2d(b, a, 4, stride=2, padding=1) for a, b in zip(widths, widths[1:]))
        self.decoders = nn.ModuleList(ResBlock(w) for w in widths[:-1])
        self.tail = nn.Conv2d(widths[0], channels, 3, padding=1)
        self.multiple = 2 ** (levels - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        padded, size = pad_to_multiple(x, self.multiple)
        h, skips = self.head(padded), []
        for encode, down in zip(self.encoders, self.downs):
            h = encode(h)
            skips.append(h)
            h = down(h)
        h = self.middle(h)
        for k in reversed(range(len(self.ups))):
            h = self.decoders[k](self.ups[k](h) + skips[k])
        return crop_to(padded + self.tail(h), size)
