"""Multi-scale Two-Way Deblurring Network (Cheng et al.): MTDN.

An SRN-style coarse-to-fine network (Tao et al., jiangsutx/SRN-Deblur): three
scales at ratio 0.5 run one network with one set of weights (the paper's
Cheng et al.'s Eq. 1 has a single theta). At scale k it sees the blurred image resized to
that scale beside the previous scale's estimate, upsampled, with no gradient
through it (the coarsest scale is seeded with its own blurred image). The
network is an :class:`Encoder` (a convolution and three ResBlocks per level,
32/64/128 channels at full width) and two decoders that start from its
bottleneck: :class:`UpNet`, the image branch, adds the encoder's features at
each level (skip connections), and :class:`DownNet`, the residual branch,
has none ("restored from a blank image"); each ends in its own linear
convolution and the two outputs are added (Cheng et al.'s Eq. 1). ``two_way=False`` keeps
the image branch alone (the paper's "w/o TWNNet").

Layer details follow SRN's code (the paper's Fig. 1 is missing): 3x3
convolutions with ReLU, ResBlocks conv-ReLU-conv plus identity, stride-2
convolutions down, 4x4 stride-2 transposed convolutions (then ReLU) up, skips
added, Xavier-uniform weights and zero biases. At width 32 the counts are
3,911,398 parameters (two-way) and 2,584,035 (one decoder); the paper gives
none (06.02 sets the other readings of the text beside the built counts).
:class:`~deblurbook.nn.scale_losses.ScaleWeightedMSE` is Cheng et al.'s Eq. 2.

Images are (N, 3, H, W) in [0, 1], any H, W (padded to a multiple of 16:
the coarsest scale is downsampled twice more; cropped back). Outputs are not
clipped in training. ``residual=True`` (not the paper's) adds each scale's
blurred input to its output and starts the two output convolutions near zero,
so that a briefly trained network starts from its input: without it, a few
hundred CPU steps leave the output below the blurred input.
"""

from __future__ import annotations

import torch
from torch import nn

from ..nn.blocks import ResBlock, check_rgb, crop_to, pad_to_multiple
from ..nn.scale_losses import resize_bilinear

SCALES = 3
RATIO = 0.5


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.ReLU())


def _blocks(channels: int, count: int) -> nn.Sequential:
    return nn.Sequential(*[ResBlock(channels) for _ in range(count)])


class Encoder(nn.Module):
    """(N, 6, H, W) -> features at 1, 1/2 and 1/4 of H, W with w, 2w, 4w channels."""

    def __init__(self, width: int = 32, blocks: int = 3, channels: int = 6):
        super().__init__()
        w = width
        self.levels = nn.ModuleList(
            [
                nn.Sequential(_conv(channels, w), _blocks(w, blocks)),
                nn.Sequential(_conv(w, 2 * w, 2), _blocks(2 * w, blocks)),
                nn.Sequential(_conv(2 * w, 4 * w, 2), _blocks(4 * w, blocks)),
            ]
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for level in self.levels:
            x = level(x)
            features.append(x)
        return features


class Decoder(nn.Module):
    """ResBlocks at 4w, then two x2 steps (4x4 transposed conv, ReLU, [+ skip], ResBlocks), then a
    linear 3x3 convolution to an image: (N, 4w, H/4, W/4) -> (N, 3, H, W)."""

    skips = True

    def __init__(self, width: int = 32, blocks: int = 3):
        super().__init__()
        w = width
        self.bottom = _blocks(4 * w, blocks)
        self.ups = nn.ModuleList(
            [
                nn.Sequential(nn.ConvTranspose2d(4 * w, 2 * w, 4, stride=2, padding=1), nn.ReLU()),
                nn.Sequential(nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1), nn.ReLU()),
            ]
        )
        self.levels = nn.ModuleList([_blocks(2 * w, blocks), _blocks(w, blocks)])
        self.out = nn.Conv2d(w, 3, 3, padding=1)

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        x = self.bottom(features[-1])
        for up, level, skip in zip(self.ups, self.levels, reversed(features[:-1])):
            x = up(x)
            x = level(x + skip if self.skips else x)
        return self.out(x)


class UpNet(Decoder):
    """The image branch: the encoder's features added at each level."""

    skips = True


class DownNet(Decoder):
    """The residual branch: no skip connections, "restored from a blank image"."""

    skips = False


class MTDN(nn.Module):
    """The multi-scale two-way network.

    ``forward(blur)``, (N, 3, H, W) in [0, 1], returns ``image`` (N, 3, H, W), the finest
    estimate; ``scales``, the estimates coarse to fine (1/4, 1/2, 1); and per scale ``up`` and
    ``down``, the two branches' outputs (``down`` empty without ``two_way``).
    ``decoder_blocks``: ResBlocks per decoder level (3 in the paper; 6 in a single decoder matches
    the two-way model's size, 3,746,595 against 3,911,398 parameters at width 32).
    ``residual``: add the scale's blurred input to its estimate (see the module's docstring).
    """

    def __init__(
        self,
        width: int = 32,
        two_way: bool = True,
        decoder_blocks: int = 3,
        scales: int = SCALES,
        residual: bool = False,
    ):
        super().__init__()
        self.two_way, self.scales, self.residual = two_way, scales, residual
        self.encoder = Encoder(width)
        self.up = UpNet(width, decoder_blocks)
        self.down = DownNet(width, decoder_blocks) if two_way else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Xavier-uniform weights and zero biases (SRN's initialisation); with ``residual`` the
        output convolutions start at N(0, 1e-3)."""
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        if self.residual:
            for branch in (self.up, self.down):
                if branch is not None:
                    nn.init.normal_(branch.out.weight, std=1e-3)

    def forward(self, blur: torch.Tensor) -> dict[str, torch.Tensor | list[torch.Tensor]]:
        check_rgb(blur)
        padded, size = pad_to_multiple(blur, 4 * 2 ** (self.scales - 1))  # the coarsest scale halves twice more
        h, w = padded.shape[-2:]
        out: dict[str, list[torch.Tensor]] = {"scales": [], "up": [], "down": []}
        estimate = None
        for k in range(self.scales):
            factor = RATIO ** (self.scales - 1 - k)
            shape = (round(h * factor), round(w * factor))
            blurred = resize_bilinear(padded, shape)
            previous = blurred if estimate is None else resize_bilinear(estimate.detach(), shape)
            features = self.encoder(torch.cat([blurred, previous], 1))
            image = self.up(features)
            content = (round(size[0] * factor), round(size[1] * factor))  # the padding lies bottom and right
            out["up"].append(crop_to(image, content))
            if self.down is not None:
                residual = self.down(features)
                out["down"].append(crop_to(residual, content))
                image = image + residual
            if self.residual:
                image = image + blurred
            out["scales"].append(crop_to(image, content))
            estimate = image
        return {**out, "image": out["scales"][-1]}
