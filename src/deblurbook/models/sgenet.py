"""SGENet: Spatial Guided Enhancement Network for image motion deblurring (BMVC).

Two encoder-decoder stages (three scales each, 96/120/144 channels, no
weights shared) in the manner of MPRNet (swz30/MPRNet), with two modules of
the paper's own:

* **CEM** (contextual-aware enhancement, Sec. 3.2, SGENet Eq. 1) at every decoder
  scale: it predicts a residual image ``R_s``, adds the blurred image at that
  scale (``I_s = B_s + R_s``, supervised by SGENet Eq. 2), and turns the prediction
  into an attention map that recalibrates the features passed on;
* **CSAM** (cross-stage selective aggregation, Sec. 3.3, SGENet Eqs. 5-7) between
  the stages: the second stage's encoder features and two inputs from the
  first stage are summed, pooled, passed through a small MLP, and re-weighted
  by a softmax over the three inputs (MIRNet's selective kernel fusion).

The text breaks off in Sec. 4.2.2 and its figures are unreadable, so the
layer details follow the book's written reading [R] (chapter 5's Deviations): convolutions
without bias (MPRNet), MPRNet's channel-attention block (:class:`CAB`) at each
stage's input, bilinear resizing with 1x1 convolutions between scales, and
:class:`RDM`, the "dilated convolution module with recursive residual design"
whose internals are unreadable, as four dilated 3x3 convolutions (rates 1-4)
each fed the previous one's output plus the module's input, their outputs
concatenated and reduced. Two RDMs per scale in each encoder and decoder; at
paper widths the model has 19,583,381 parameters (the paper: 19.5 M).

Images are (N, 3, H, W) in [0, 1], any H, W (padded to a multiple of 4 and
cropped back). ``forward`` returns ``image`` (the second stage's full-scale
output) and ``stages``: per stage, the CEM predictions coarse to fine
(1/4, 1/2, 1), each the size of the blurred image at that scale.
"""

from __future__ import annotations

import torch
from torch import nn

from ..nn.blocks import check_rgb, crop_to, pad_to_multiple
from ..nn.scale_losses import resize_bilinear

WIDTHS = (96, 120, 144)


def _conv(cin: int, cout: int, kernel: int = 3, dilation: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel, padding=dilation * (kernel // 2), dilation=dilation, bias=False)


class CAB(nn.Module):
    """MPRNet's channel-attention block: ``x + CA(conv(PReLU(conv(x))))``, CA a squeeze-excite
    gate (global pooling, 1x1 to C/4, ReLU, 1x1 back, sigmoid). (N, C, H, W) -> same."""

    def __init__(self, channels: int, reduction: int = 4):
        super().__init__()
        c = channels
        self.body = nn.Sequential(_conv(c, c), nn.PReLU(), _conv(c, c))
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), _conv(c, c // reduction, 1), nn.ReLU(), _conv(c // reduction, c, 1), nn.Sigmoid()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x)
        return x + y * self.gate(y)


class RDM(nn.Module):
    """Dilated residual module [R]: ``h_1 = PReLU(conv_d1(x))``, ``h_k = PReLU(conv_dk(h_{k-1} + x))``
    for k = 2..4, then ``x + conv3x3(conv1x1(cat h_1..h_4))``; 49 C^2 + 4 parameters.
    (N, C, H, W) -> same."""

    def __init__(self, channels: int, rates: tuple[int, ...] = (1, 2, 3, 4)):
        super().__init__()
        c = channels
        self.branches = nn.ModuleList([nn.Sequential(_conv(c, c, dilation=r), nn.PReLU()) for r in rates])
        self.reduce = nn.Sequential(_conv(len(rates) * c, c, 1), _conv(c, c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs, h = [], None
        for branch in self.branches:
            h = branch(x if h is None else h + x)
            outs.append(h)
        return x + self.reduce(torch.cat(outs, 1))


class CEM(nn.Module):
    """Contextual-aware enhancement module (Sec. 3.2; SGENet Eq. 1 is step 3).

    ``forward(feature, blur, up=None)``: ``feature`` (N, C, h, w) from the decoder's RDMs, ``blur``
    the blurred image at (h, w), ``up`` (N, C, h, w) the coarser scale's upsampled output (none at
    the coarsest). Steps [R]: ``F_ms = ReLU(conv3x3([feature, up]))``; ``R = conv3x3(F_ms)`` (3
    channels); ``I = blur + R`` (SGENet Eq. 1); ``A = sigmoid(conv3x3(I))``; ``F_r = conv3x3(R)``;
    ``G = F_ms + A * conv1x1([F_r, F_ms])``. Returns (G (N, C, h, w), I (N, 3, h, w))."""

    def __init__(self, channels: int, with_up: bool = True):
        super().__init__()
        c = channels
        self.merge = nn.Sequential(_conv(2 * c if with_up else c, c), nn.ReLU())
        self.residual = _conv(c, 3)
        self.residual_features = _conv(3, c)
        self.attention = nn.Sequential(_conv(3, c), nn.Sigmoid())
        self.fuse = _conv(2 * c, c, 1)

    def forward(
        self, feature: torch.Tensor, blur: torch.Tensor, up: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        merged = self.merge(feature if up is None else torch.cat([feature, up], 1))
        residual = self.residual(merged)
        image = blur + residual
        guided = self.attention(image) * self.fuse(torch.cat([self.residual_features(residual), merged], 1))
        return merged + guided, image


class CSAM(nn.Module):
    """Cross-stage selective aggregation (SGENet Eqs. 5-7): ``S = sum_i F_i`` (SGENet Eq. 5), ``w = GAP(S)``
    (SGENet Eq. 6), ``z = PReLU(conv1x1(w))`` to ``d = max(C/8, 4)`` channels, one 1x1 convolution per
    input back to C, a softmax over the inputs, ``Y = sum_i a_i * F_i`` (SGENet Eq. 7).
    ``forward(*features)``: each (N, C, H, W) -> (N, C, H, W)."""

    def __init__(self, channels: int, inputs: int = 3):
        super().__init__()
        d = max(channels // 8, 4)
        self.squeeze = nn.Sequential(nn.AdaptiveAvgPool2d(1), _conv(channels, d, 1), nn.PReLU())
        self.select = nn.ModuleList([_conv(d, channels, 1) for _ in range(inputs)])

    def weights(self, *features: torch.Tensor) -> torch.Tensor:
        """The softmax weights, (inputs, N, C, 1, 1), summing to 1 over the inputs."""
        z = self.squeeze(sum(features))
        return torch.softmax(torch.stack([select(z) for select in self.select]), dim=0)

    def forward(self, *features: torch.Tensor) -> torch.Tensor:
        if len(features) != len(self.select):
            raise ValueError(f"CSAM built for {len(self.select)} inputs, got {len(features)}")
        return (self.weights(*features) * torch.stack(features)).sum(0)


class Stage(nn.Module):
    """One three-scale encoder-decoder: RDMs in the encoder and decoder, bilinear resizing with
    1x1 convolutions between scales, a CEM at each decoder scale. ``cross=True`` (the second
    stage) merges the first stage's encoder features and CEM outputs into its own encoder
    features at each scale: with :class:`CSAM`, or by a plain sum (``csam=False``, MPRNet's
    cross-stage feature fusion)."""

    def __init__(self, widths: tuple[int, ...] = WIDTHS, rdms: int = 2, cross: bool = False, csam: bool = True):
        super().__init__()
        self.encoder = nn.ModuleList([nn.Sequential(*[RDM(c) for _ in range(rdms)]) for c in widths])
        self.decoder = nn.ModuleList([nn.Sequential(*[RDM(c) for _ in range(rdms)]) for c in widths])
        self.downs = nn.ModuleList([_conv(a, b, 1) for a, b in zip(widths[:-1], widths[1:])])
        self.ups = nn.ModuleList([_conv(b, a, 1) for a, b in zip(widths[:-1], widths[1:])])
        self.cems = nn.ModuleList([CEM(c, with_up=k < len(widths) - 1) for k, c in enumerate(widths)])
        self.cross, self.csam = cross, csam
        if cross:
            self.from_encoder = nn.ModuleList([_conv(c, c, 1) for c in widths])
            self.from_cem = nn.ModuleList([_conv(c, c, 1) for c in widths])
            if csam:
                self.csams = nn.ModuleList([CSAM(c) for c in widths])

    def _merge(self, k: int, own: torch.Tensor, encoder: torch.Tensor, cem: torch.Tensor) -> torch.Tensor:
        parts = (own, self.from_encoder[k](encoder), self.from_cem[k](cem))
        return self.csams[k](*parts) if self.csam else sum(parts)

    def forward(
        self, x: torch.Tensor, blurs: list[torch.Tensor], previous: dict | None = None
    ) -> dict[str, list[torch.Tensor]]:
        """``x`` (N, widths[0], H, W); ``blurs`` the blurred image at scales 1, 1/2, 1/4;
        ``previous`` the first stage's output (for ``cross``). Returns ``encoder`` and ``cem``
        features and ``images`` per scale, fine to coarse."""
        encoded = []
        for k, level in enumerate(self.encoder):
            if k > 0:
                x = self.downs[k - 1](resize_bilinear(x, tuple(blurs[k].shape[-2:])))
            x = level(x)
            if self.cross:
                x = self._merge(k, x, previous["encoder"][k], previous["cem"][k])
            encoded.append(x)
        cem, images = [None] * len(encoded), [None] * len(encoded)
        up = None
        for k in reversed(range(len(encoded))):
            d = self.decoder[k](encoded[k] if up is None else up + encoded[k])
            cem[k], images[k] = self.cems[k](d, blurs[k], up)
            if k > 0:
                up = self.ups[k - 1](resize_bilinear(cem[k], tuple(blurs[k - 1].shape[-2:])))
        return {"encoder": encoded, "cem": cem, "images": images}


class SGENet(nn.Module):
    """Two :class:`Stage` s; the second starts from the blurred image's features concatenated with
    the first stage's full-scale CEM features (which take MPRNet's SAM's place [R]).
    ``stages=1`` keeps the first stage alone; ``csam=False`` fuses the stages by a sum."""

    # the last stage's full-scale CEM makes features for a next stage there is not: three of its
    # layers get no gradient (kept, for the paper's parameter count); DDP must be told
    has_unused_parameters = True

    def __init__(self, widths: tuple[int, ...] = WIDTHS, rdms: int = 2, stages: int = 2, csam: bool = True):
        super().__init__()
        if stages not in (1, 2):
            raise ValueError(f"SGENet has one or two stages, got {stages}")
        c = widths[0]
        self.shallow = nn.ModuleList([nn.Sequential(_conv(3, c), CAB(c)) for _ in range(stages)])
        self.stages = nn.ModuleList(
            [Stage(widths, rdms)] + ([Stage(widths, rdms, cross=True, csam=csam)] if stages == 2 else [])
        )
        if stages == 2:
            self.concat = _conv(2 * c, c)
        self.scales = len(widths)

    def forward(self, blur: torch.Tensor) -> dict:
        check_rgb(blur)
        padded, size = pad_to_multiple(blur, 2 ** (self.scales - 1))
        h, w = padded.shape[-2:]
        blurs = [padded] + [resize_bilinear(padded, (h >> k, w >> k)) for k in range(1, self.scales)]
        outputs, previous = [], None
        for shallow, stage in zip(self.shallow, self.stages):
            x = shallow(padded)
            if previous is not None:
                x = self.concat(torch.cat([x, previous["cem"][0]], 1))
            previous = stage(x, blurs, previous)
            outputs.append(previous["images"])
        stages = [
            [
                crop_to(image, (-(-size[0] // 2**k), -(-size[1] // 2**k)))
                for k, image in reversed(list(enumerate(images)))
            ]
            for images in outputs
        ]
        return {"image": stages[-1][-1], "stages": stages}
