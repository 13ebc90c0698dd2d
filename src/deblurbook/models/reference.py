"""Deep reference-based dynamic scene deblurring (Liu, Hua, Li, KSII TIIS 2024).

A U-Net deblurs a blurred frame with the help of a sharp reference frame (a
nearby frame of the same scene in GoPro). No code was released and the
figures are unreadable, so the layout follows the text and the book's written
reading of it (its choices marked [R] below; chapter 4's Deviations list them).

* **Encoder** (Sec. 3): a convolution and three ResBlock groups (``blocks``
  ResBlocks each) at 32/64/128 channels and scales 1, 1/2, 1/4, a stride-2
  convolution ("Downsize") between them and an :class:`SFFM` before the second
  and third groups. Table 1's parameter slope fixes the widths: four more
  ResBlocks in each of the six groups add exactly 3,100,160 parameters.
* **Decoder**: three more groups at 1/4, 1/2 and 1, a 4x4 stride-2 transposed
  convolution ("Upsize") between them [R, MIMO-UNet]; at each scale the
  encoder's features and the :class:`REAM` output are concatenated and
  reduced by a 1x1 convolution [R]; a 3x3 convolution to the image and the
  blurred input added (the global skip).
* **Matching** (Liu et al.'s Eqs. 1-3), once per image: a descriptor ``phi`` of the blurred
  image and of the reference down- and up-sampled (x4 bicubic [R]: "to reduce
  the domain gap"), 3x3 patches, cosine similarity, argmax and max
  (:mod:`deblurbook.nn.matching`, in blocks: the full matrix of a 720x1280
  frame does not fit). The paper's ``phi`` is a pretrained VGG [28]; no weights
  can be downloaded here, so the default is :class:`NCCDescriptor`, a
  parameter-free normalised cross-correlation of 4x4 luma blocks [R];
  :class:`VGGFeatures` loads torchvision-format VGG19 weights from a file.
* **REAM** (Liu et al.'s Eqs. 4-5), at scales 1, 1/2, 1/4: the reference's features
  (:class:`ReferenceEncoder`, three groups, the second and third with stride 2)
  moved by the index map, then ``conv([F_blur, B_F]) * conv(C) + F_blur``.
  ``F_blur`` comes from "residual blocks applied to I_Blur": a branch of its
  own, cascaded through the three REAMs (the spec's option B) [R].

Images are (N, 3, H, W) in [0, 1], any H, W (padded to a multiple of 4 and
cropped back); the reference has the blurred image's size. ``reference=False``
removes every reference module (Table 6); ``sffm=False`` puts a ResBlock in
each SFFM's place (Table 5).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.blocks import ResBlock, check_rgb, crop_to, pad_to_multiple
from ..nn.matching import match_chunked, patch_vectors, transfer
from ..nn.scale_losses import resize_bilinear

MATCH_FACTOR = 4  # the matching grid is a quarter of the image (VGG relu3_1's scale)
LUMA = (0.299, 0.587, 0.114)


def _conv(cin: int, cout: int, kernel: int = 3, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2)


def _group(channels: int, blocks: int) -> nn.Sequential:
    """A ResBlock group (RG): ``blocks`` ResBlocks of ``channels``."""
    return nn.Sequential(*[ResBlock(channels) for _ in range(blocks)])


def down_up(image: torch.Tensor, factor: int = MATCH_FACTOR) -> torch.Tensor:
    """The reference blurred by resampling, ``I_Ref`` down and up by ``factor`` (bicubic; the
    paper's operator for narrowing the domain gap before matching)."""
    h, w = image.shape[-2:]
    small = F.interpolate(
        image, size=(max(1, h // factor), max(1, w // factor)), mode="bicubic", align_corners=False, antialias=True
    )
    return F.interpolate(small, size=(h, w), mode="bicubic", align_corners=False).clamp(0, 1)


class NCCDescriptor(nn.Module):
    """Parameter-free matching features: luma in 4x4 blocks moved to channels,
    (N, 3, H, W) -> (N, 16, H/4, W/4); matched as mean-subtracted 3x3 patches (144 values,
    a 12x12 px window), i.e. by normalised cross-correlation."""

    centre = True

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        luma = (image * image.new_tensor(LUMA)[:, None, None]).sum(1, keepdim=True)
        return F.pixel_unshuffle(luma, MATCH_FACTOR)


class VGGFeatures(nn.Module):
    """VGG19 up to relu3_1 (TTSR's choice), (N, 3, H, W) in [0, 1] -> (N, 256, H/4, W/4), frozen.

    Its layers are named as torchvision's ``vgg19().features`` (``0``, ``2``, ``5``, ``7``,
    ``10``), so :meth:`from_file` loads a torchvision state dict (``features.*`` keys) saved by
    the user; without one the weights are random (a frozen random network, the spec's second
    descriptor). Cosine similarity without centring, as Liu et al.'s Eq. 1."""

    centre = False
    MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)

    def __init__(self):
        super().__init__()
        layers = {
            "0": _conv(3, 64),
            "1": nn.ReLU(),
            "2": _conv(64, 64),
            "3": nn.ReLU(),
            "4": nn.MaxPool2d(2),
            "5": _conv(64, 128),
            "6": nn.ReLU(),
            "7": _conv(128, 128),
            "8": nn.ReLU(),
            "9": nn.MaxPool2d(2),
            "10": _conv(128, 256),
            "11": nn.ReLU(),
        }
        self.features = nn.Sequential()
        for name, layer in layers.items():
            self.features.add_module(name, layer)
        self.requires_grad_(False)

    @classmethod
    def from_file(cls, path: str | Path) -> VGGFeatures:
        """Weights from a torchvision VGG19 state dict file (extra layers' keys are ignored)."""
        state = torch.load(path, map_location="cpu", weights_only=True)
        state = state.get("state_dict", state)
        model = cls()
        wanted = {k for k in model.state_dict()}
        found = {k: v for k, v in state.items() if k in wanted}
        missing = sorted(wanted - found.keys())
        if missing:
            raise ValueError(f"{path}: not a torchvision VGG19 state dict (missing {missing[:4]})")
        model.load_state_dict(found)
        return model

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = (image - image.new_tensor(self.MEAN)[:, None, None]) / image.new_tensor(self.STD)[:, None, None]
        return self.features(x)


class SFFM(nn.Module):
    """Spatial Feature Fusion Module (Liu et al.'s Eq. 6): ``gamma * F + beta``.

    ``feature`` (N, C, h, w) after a Downsize; ``blur`` (N, 3, H, W) the blurred input, resized
    bilinearly to (h, w). Four 3x3 convolutions 3 -> C/4 -> C/2 -> C/2 -> C-3 with ReLU [R], the
    resized image concatenated (C channels), a 1x1 convolution to ``gamma`` and a 3x3 one from
    ``gamma`` to ``beta`` [R]. (The text's "lambda" is its gamma.)"""

    def __init__(self, channels: int):
        super().__init__()
        c = channels
        self.extract = nn.Sequential(
            _conv(3, c // 4),
            nn.ReLU(),
            _conv(c // 4, c // 2),
            nn.ReLU(),
            _conv(c // 2, c // 2),
            nn.ReLU(),
            _conv(c // 2, c - 3),
            nn.ReLU(),
        )
        self.gamma = _conv(c, c, 1)
        self.beta = _conv(c, c)

    def forward(self, feature: torch.Tensor, blur: torch.Tensor) -> torch.Tensor:
        small = resize_bilinear(blur, tuple(feature.shape[-2:]))
        gamma = self.gamma(torch.cat([self.extract(small), small], 1))
        return gamma * feature + self.beta(gamma)


class ReferenceEncoder(nn.Module):
    """The reference's features at scales 1, 1/2, 1/4: three groups of two 3x3 convolutions with
    ReLU [R], the second and third groups starting with stride 2; widths w, 2w, 4w."""

    def __init__(self, width: int = 32):
        super().__init__()
        w = width
        self.groups = nn.ModuleList(
            [
                nn.Sequential(_conv(3, w), nn.ReLU(), _conv(w, w), nn.ReLU()),
                nn.Sequential(_conv(w, 2 * w, stride=2), nn.ReLU(), _conv(2 * w, 2 * w), nn.ReLU()),
                nn.Sequential(_conv(2 * w, 4 * w, stride=2), nn.ReLU(), _conv(4 * w, 4 * w), nn.ReLU()),
            ]
        )

    def forward(self, ref: torch.Tensor) -> list[torch.Tensor]:
        features, x = [], ref
        for group in self.groups:
            x = group(x)
            features.append(x)
        return features


class REAM(nn.Module):
    """Reference Extraction and Aggregation Module, the aggregation of Liu et al.'s Eq. 5:
    ``conv([F_blur, B_F]) * conv(C) + F_blur`` with 3x3 convolutions 2c -> c and 1 -> c [R].

    ``blur_feature`` and ``moved`` (N, c, h, w): the blurred image's features and the reference
    features moved by the index map (Liu et al.'s Eq. 4, :func:`~deblurbook.nn.matching.transfer`);
    ``confidence`` (N, 1, H', W') on the matching grid, resized bilinearly to (h, w)."""

    def __init__(self, channels: int):
        super().__init__()
        self.fuse = _conv(2 * channels, channels)
        self.gate = _conv(1, channels)

    def forward(self, blur_feature: torch.Tensor, moved: torch.Tensor, confidence: torch.Tensor) -> torch.Tensor:
        confidence = resize_bilinear(confidence, tuple(blur_feature.shape[-2:]))
        return self.fuse(torch.cat([blur_feature, moved], 1)) * self.gate(confidence) + blur_feature


class RefDeblurNet(nn.Module):
    """The reference-based U-Net (the paper names it no further).

    ``forward(blur, ref)``: (N, 3, H, W) each, in [0, 1] -> ``{"image": (N, 3, H, W)}`` plus, with
    references, ``"index"`` (N, H/4 * W/4) and ``"confidence"`` (N, 1, H/4, W/4), the matching of
    Liu et al.'s Eqs. 2-3 on the (padded) quarter-size grid. ``blocks``: ResBlocks per group (16 in the
    paper's model; Table 1 sweeps 8-20). ``descriptor``: the matching features ``phi``
    (default :class:`NCCDescriptor`). ``chunk``: block size of the matching search.
    ``zero_reference``: every reference module kept but fed zeros whatever ``ref`` is given
    (the same parameters as the full model without the reference's content: the capacity
    control for Table 6 that the paper lacks).
    """

    def __init__(
        self,
        width: int = 32,
        blocks: int = 16,
        sffm: bool = True,
        reference: bool = True,
        descriptor: nn.Module | None = None,
        chunk: int = 4096,
        zero_reference: bool = False,
    ):
        super().__init__()
        w, n = width, blocks
        if zero_reference and not reference:
            raise ValueError("zero_reference needs the reference modules (reference=True)")
        self.reference, self.chunk, self.zero_reference = reference, chunk, zero_reference
        self.stem = nn.Sequential(_conv(3, w), nn.ReLU())
        self.encoder = nn.ModuleList([_group(w, n), _group(2 * w, n), _group(4 * w, n)])
        self.downs = nn.ModuleList(
            [
                nn.Sequential(_conv(w, 2 * w, stride=2), nn.ReLU()),
                nn.Sequential(_conv(2 * w, 4 * w, stride=2), nn.ReLU()),
            ]
        )
        self.fusions = nn.ModuleList([SFFM(2 * w), SFFM(4 * w)] if sffm else [ResBlock(2 * w), ResBlock(4 * w)])
        self.sffm = sffm
        self.decoder = nn.ModuleList([_group(4 * w, n), _group(2 * w, n), _group(w, n)])
        self.ups = nn.ModuleList(
            [
                nn.Sequential(nn.ConvTranspose2d(4 * w, 2 * w, 4, stride=2, padding=1), nn.ReLU()),
                nn.Sequential(nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1), nn.ReLU()),
            ]
        )
        r = 1 if reference else 0  # REAM outputs concatenated at each decoder scale
        self.reduce = nn.ModuleList(
            [_conv((1 + r) * 4 * w, 4 * w, 1), _conv((2 + r) * 2 * w, 2 * w, 1), _conv((2 + r) * w, w, 1)]
        )
        self.out = _conv(w, 3)
        if reference:
            self.descriptor = descriptor if descriptor is not None else NCCDescriptor()
            self.ref_encoder = ReferenceEncoder(w)
            self.blur_branch = nn.ModuleList(
                [
                    nn.Sequential(_conv(3, w), nn.ReLU(), ResBlock(w)),
                    nn.Sequential(_conv(w, 2 * w, stride=2), nn.ReLU(), ResBlock(2 * w)),
                    nn.Sequential(_conv(2 * w, 4 * w, stride=2), nn.ReLU(), ResBlock(4 * w)),
                ]
            )
            self.reams = nn.ModuleList([REAM(w), REAM(2 * w), REAM(4 * w)])

    def match(self, blur: torch.Tensor, ref: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Liu et al.'s Eqs. 1-3 between ``phi(blur)`` and ``phi(down_up(ref))``: (confidence (N, 1, h, w), index
        (N, h * w)) on the matching grid, in float32."""
        with torch.autocast(blur.device.type, enabled=False):
            query_features = self.descriptor(blur.float())
            ref_features = self.descriptor(down_up(ref.float()))
            centre = getattr(self.descriptor, "centre", False)
            confidence, index = match_chunked(
                patch_vectors(query_features, centre=centre),
                patch_vectors(ref_features, centre=centre),
                self.chunk,
                self.chunk,
            )
        h, w = query_features.shape[-2:]
        return confidence.view(-1, 1, h, w), index

    def _references(self, blur: torch.Tensor, ref: torch.Tensor) -> tuple[list[torch.Tensor], dict]:
        confidence, index = self.match(blur, ref)
        grid = tuple(confidence.shape[-2:])
        fused, x = [], blur
        for scale, (branch, ream, ref_feature) in enumerate(zip(self.blur_branch, self.reams, self.ref_encoder(ref))):
            x = branch(x)
            factor = MATCH_FACTOR // 2**scale
            moved = transfer(ref_feature, index, grid, factor).to(x.dtype)
            x = ream(x, moved, confidence.to(x.dtype))
            fused.append(x)
        return fused, {"index": index, "confidence": confidence}

    def forward(self, blur: torch.Tensor, ref: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        check_rgb(blur)
        if self.reference and (ref is None or ref.shape != blur.shape):
            got = "none" if ref is None else tuple(ref.shape)
            raise ValueError(f"the reference must have the blurred image's shape {tuple(blur.shape)}, got {got}")
        if self.zero_reference:
            ref = torch.zeros_like(blur)
        padded, size = pad_to_multiple(blur, MATCH_FACTOR)
        extra: dict = {}
        fused = [None, None, None]
        if self.reference:
            fused, extra = self._references(padded, pad_to_multiple(ref, MATCH_FACTOR)[0])
        skips, x = [], self.stem(padded)
        for k, group in enumerate(self.encoder):
            if k > 0:
                x = self.downs[k - 1](x)
                x = self.fusions[k - 1](x, padded) if self.sffm else self.fusions[k - 1](x)
            x = group(x)
            skips.append(x)
        x = None
        for k, group in enumerate(self.decoder):  # scales 1/4, 1/2, 1
            scale = 2 - k
            parts = ([] if x is None else [self.ups[k - 1](x)]) + [skips[scale]]
            parts += [fused[scale]] if self.reference else []
            x = group(self.reduce[k](torch.cat(parts, 1)))
        image = crop_to(self.out(x) + padded, size)
        return {"image": image, **extra}
