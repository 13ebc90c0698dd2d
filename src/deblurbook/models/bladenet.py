"""LODE: Deep Local Deblurring and a New Benchmark (Wang et al., 2021): BladeNet.

BladeNet (the paper's Sec. 4 and Fig. 8; layer configuration from the
authors' code, komejisatori/BladeNet) is two bilinear U-Nets:

* :class:`LBP`, Local Blur Perception: a U-Net predicting, per pixel, two
  logits (sharp, blurred); the blur probability is ``softmax(logits)[:, 1]``.
* :class:`DeblurUNet`, the deblurring U-Net, fed the blurred RGB image and
  LBP's two channels (LODE Eq. 1; logits as in the code, probabilities on request,
  the paper's "probability map"). With ``attention`` its last three up blocks
  are :class:`BSAUp`, each holding a :class:`BSA` (Blur-guided Spatial
  Attention, LODE Eqs. 2-3); the three attention maps are summed at full
  resolution (:func:`attention_sum`) and supervised with the blur mask
  (LODE Eq. 4).

:class:`BladeNet` joins them and builds the variants of Table 4: ``none``
(BladeNet-, a plain U-Net), ``lbp``, ``bsa`` and ``full`` (LBP + BSA). At the
paper's width (64) the parameter counts are LBP 17,267,458, deblurring net
with BSA 23,511,110 and BladeNet 40,778,568 (the paper: 40.8 M).
:class:`LBPAlone` is LBP trained by itself (the code's second stage).
:class:`BladeNetLoss` is LODE Eq. 5.

Images are (N, 3, H, W) in [0, 1], any H, W (padded to a multiple of 16 and
cropped back); the output goes through a sigmoid, as in the code (no
residual). No normalisation of the input.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.blocks import check_rgb, crop_to, pad_to_multiple
from ..nn.losses import Reconstruction
from .bladenet_losses import DiceLoss, MaskCrossEntropy

VARIANTS = ("none", "lbp", "bsa", "full")
LBP_INPUTS = ("logits", "probability")


class DoubleConv(nn.Sequential):
    """Conv3x3(in -> mid) - BN - ReLU - Conv3x3(mid -> out) - BN - ReLU; (N, in, H, W) -> (N, out, H, W)."""

    def __init__(self, cin: int, cout: int, mid: int | None = None):
        mid = mid or cout
        super().__init__(
            nn.Conv2d(cin, mid, 3, padding=1),
            nn.BatchNorm2d(mid),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid, cout, 3, padding=1),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )


class Down(nn.Sequential):
    """MaxPool2 then :class:`DoubleConv`: (N, in, H, W) -> (N, out, H/2, W/2)."""

    def __init__(self, cin: int, cout: int):
        super().__init__(nn.MaxPool2d(2), DoubleConv(cin, cout))


def upsample_to(x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
    """Bilinear x2 (align_corners=True, as the code), zero-padded to ``skip``'s size."""
    x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
    dh, dw = skip.shape[-2] - x.shape[-2], skip.shape[-1] - x.shape[-1]
    return F.pad(x, (dw // 2, dw - dw // 2, dh // 2, dh - dh // 2)) if dh or dw else x


class Up(nn.Module):
    """Upsample, concatenate [skip, up], :class:`DoubleConv` (in -> out, mid = in / 2).

    ``x`` (N, in/2, h, w), ``skip`` (N, in/2, 2h, 2w) -> (N, out, 2h, 2w).
    """

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = DoubleConv(cin, cout, cin // 2)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.conv(torch.cat([skip, upsample_to(x, skip)], 1))


class BSA(nn.Module):
    """Blur-guided Spatial Attention: ``A = sigmoid(conv7x7(x))`` (LODE Eq. 2), ``x * A`` (LODE Eq. 3).

    ``x`` (N, C, H, W) -> (``x * A`` (N, C, H, W), ``A`` (N, 1, H, W) in (0, 1)).
    """

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, 1, 7, padding=3)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        attention = torch.sigmoid(self.conv(x))
        return x * attention, attention


class BSAUp(nn.Module):
    """An up block with :class:`BSA`: upsample, concat, DoubleConv(in, in), BSA, DoubleConv(in, out, in / 2).

    Returns the features (N, out, 2h, 2w) and the attention map (N, 1, 2h, 2w).
    """

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.pre = DoubleConv(cin, cin)
        self.bsa = BSA(cin)
        self.post = DoubleConv(cin, cout, cin // 2)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        attended, attention = self.bsa(self.pre(torch.cat([skip, upsample_to(x, skip)], 1)))
        return self.post(attended), attention


class Encoder(nn.Module):
    """DoubleConv(in, w) then four :class:`Down`: w, 2w, 4w, 8w, 8w channels at 1, 1/2 ... 1/16."""

    def __init__(self, cin: int, width: int):
        super().__init__()
        w = width
        self.inc = DoubleConv(cin, w)
        self.downs = nn.ModuleList([Down(w, 2 * w), Down(2 * w, 4 * w), Down(4 * w, 8 * w), Down(8 * w, 8 * w)])

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = [self.inc(x)]
        for down in self.downs:
            features.append(down(features[-1]))
        return features


class LBP(nn.Module):
    """Local Blur Perception: a U-Net, (N, 3, H, W) -> logits (N, 2, H, W) (class 1 = blurred).

    H and W must be multiples of 16 (:class:`BladeNet` pads).
    """

    def __init__(self, width: int = 64):
        super().__init__()
        w = width
        self.encoder = Encoder(3, w)
        self.ups = nn.ModuleList([Up(16 * w, 4 * w), Up(8 * w, 2 * w), Up(4 * w, w), Up(2 * w, w)])
        self.outc = nn.Conv2d(w, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        *skips, y = self.encoder(x)
        for up, skip in zip(self.ups, reversed(skips)):
            y = up(y, skip)
        return self.outc(y)


def attention_sum(maps: list[torch.Tensor]) -> torch.Tensor:
    """LODE Eq. 4's sum S = A3 + U(A2 + U(A1)), U = bilinear x2 (then padded to the finer map).

    ``maps``: coarse to fine, (N, 1, h_k, w_k); returns (N, 1, H, W) in [0, 3].
    """
    total = maps[0]
    for finer in maps[1:]:
        total = finer + upsample_to(total, finer)
    return total


class DeblurUNet(nn.Module):
    """The deblurring U-Net: (N, in, H, W) -> (image (N, 3, H, W), attention maps coarse to fine).

    ``in`` is 3 (RGB) or 5 (RGB + LBP's two channels). With ``attention`` the
    last three up blocks are :class:`BSAUp` and three maps come back (1/4,
    1/2, 1); otherwise none. H, W multiples of 16. The image is
    ``sigmoid(conv(features))`` in (0, 1) (the code), or with ``residual``
    the input's first three channels plus ``conv(features)``, that last
    convolution starting near zero (std 1e-3) so that the network starts next
    to the identity (a global skip the paper does not have; the book's CPU
    budgets use it).
    """

    def __init__(self, in_channels: int = 3, width: int = 64, attention: bool = True, residual: bool = False):
        super().__init__()
        self.residual = residual
        w = width
        self.encoder = Encoder(in_channels, w)
        up = BSAUp if attention else Up
        self.ups = nn.ModuleList([Up(16 * w, 4 * w), up(8 * w, 2 * w), up(4 * w, w), up(2 * w, w)])
        self.outc = nn.Conv2d(w, 3, 1)
        if residual:  # start next to the identity; exactly zero would also stop every gradient to the body
            nn.init.normal_(self.outc.weight, std=1e-3)
            nn.init.zeros_(self.outc.bias)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        *skips, y = self.encoder(x)
        maps = []
        for up, skip in zip(self.ups, reversed(skips)):
            y = up(y, skip)
            if isinstance(y, tuple):
                y, attention = y
                maps.append(attention)
        return (x[:, :3] + self.outc(y) if self.residual else torch.sigmoid(self.outc(y))), maps


class BladeNet(nn.Module):
    """BladeNet and its Table 4 variants.

    ``variant``: ``none`` (BladeNet-: the deblurring U-Net alone), ``lbp``
    (LBP feeding a plain U-Net), ``bsa`` (the U-Net with BSA, no LBP),
    ``full``. ``lbp_input``: what LBP hands the deblurring net, ``logits``
    (the code) or ``probability`` (the paper's text: both channels of the
    softmax). ``residual``: see :class:`DeblurUNet`.

    ``forward(blur)`` with ``blur`` (N, 3, H, W) in [0, 1] returns a dict:
    ``image`` (N, 3, H, W) (in (0, 1) without ``residual``); with LBP ``blur_logits`` (N, 2, H, W);
    with BSA ``attention`` (N, 1, H, W) in [0, 3] (LODE Eq. 4's sum) and
    ``attention_maps`` (the three maps, coarse to fine).
    """

    MULTIPLE = 16

    def __init__(self, variant: str = "full", width: int = 64, lbp_input: str = "logits", residual: bool = False):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"unknown BladeNet variant {variant!r}; choose from {VARIANTS}")
        if lbp_input not in LBP_INPUTS:
            raise ValueError(f"lbp_input must be one of {LBP_INPUTS}, got {lbp_input!r}")
        self.variant, self.lbp_input = variant, lbp_input
        self.lbp = LBP(width) if variant in ("lbp", "full") else None
        self.deblur = DeblurUNet(
            5 if self.lbp is not None else 3, width, attention=variant in ("bsa", "full"), residual=residual
        )

    def forward(self, blur: torch.Tensor) -> dict[str, torch.Tensor | list[torch.Tensor]]:
        check_rgb(blur)
        padded, size = pad_to_multiple(blur, self.MULTIPLE)
        out: dict[str, torch.Tensor | list[torch.Tensor]] = {}
        x = padded
        if self.lbp is not None:
            logits = self.lbp(padded)
            out["blur_logits"] = crop_to(logits, size)
            x = torch.cat([padded, logits if self.lbp_input == "logits" else logits.softmax(1)], 1)
        image, maps = self.deblur(x)
        out["image"] = crop_to(image, size)
        if maps:
            out["attention_maps"] = maps
            out["attention"] = crop_to(attention_sum(maps), size)
        return out


class LBPAlone(nn.Module):
    """LBP trained by itself (the code's second stage, before the joint one).

    ``forward(blur)``, (N, 3, H, W) in [0, 1], any H, W, returns ``{"blur_logits": (N, 2, H, W)}``.
    Its weights are named as in :class:`BladeNet` (``lbp.*``), so a full BladeNet can start from them.
    """

    def __init__(self, width: int = 64):
        super().__init__()
        self.lbp = LBP(width)

    def forward(self, blur: torch.Tensor) -> dict[str, torch.Tensor]:
        check_rgb(blur)
        padded, size = pad_to_multiple(blur, BladeNet.MULTIPLE)
        return {"blur_logits": crop_to(self.lbp(padded), size)}


def blur_probability(output: dict) -> torch.Tensor:
    """LBP's blur probability (N, H, W) in [0, 1] from a :class:`BladeNet` output."""
    return output["blur_logits"].softmax(1)[:, 1]


class BladeNetLoss(nn.Module):
    """LODE Eq. 5: ``l_rec * L_rec + l_lbp * CE(LBP, M) + l_bsa * Dice(S, M)`` (1.0, 0.25, 0.01).

    The reconstruction term is L1 (the code; ``norm="mse"`` for the paper's
    MSE). The mask terms apply only when the batch has a ``mask`` (LBS data)
    and the output has the matching head; on global-blur data (no mask), and
    for a model that returns only its image (a baseline), the loss is the
    reconstruction alone, as in the alternating epochs.
    """

    def __init__(self, rec_weight: float = 1.0, lbp_weight: float = 0.25, bsa_weight: float = 0.01, norm: str = "l1"):
        super().__init__()
        self.rec = Reconstruction(rec_weight, norm)
        self.lbp = MaskCrossEntropy(lbp_weight)
        self.bsa = DiceLoss(bsa_weight)

    def forward(self, output: dict, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        total, parts = self.rec(output, batch)
        if "mask" in batch and isinstance(output, dict):
            for term, key in ((self.lbp, "blur_logits"), (self.bsa, "attention")):
                if term.weight and key in output:
                    loss, more = term(output, batch)
                    total = total + loss
                    parts.update(more)
        parts["total"] = float(total.detach())
        return total, parts
