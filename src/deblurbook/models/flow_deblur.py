"""Deep Dynamic Scene Deblurring from Optical Flow (Zhang, Pan et al., TCSVT 2021).

Two networks (the paper's Fig. 1 and Table I, layer configuration from the
authors' released Caffe prototxt):

* :class:`FlowNetS`: FlowNet2-s (the FlowNet 2.0 paper's FlowNetS at 3/8 of
  its channels; the released solver's snapshot prefix is
  ``FlowNet2-s_weights``), LeakyReLU(0.1), predicting flow at five scales
  (1/64 ... 1/4) from two blurred frames, and from its decoder the spatially
  variant RNN weights at three scales (``rnnw1..3``: 3x3 conv + tanh, four
  blocks of channels, one per RNN direction).
* :class:`DeblurNet`: a U-Net whose encoder runs the RNNs (:class:`SpatialRNN`,
  Zhang et al.'s Eq. 13) on its features at 1/2, 1/4 and 1/8 scale, with no activation in
  the encoder (sparse features stop an RNN from propagating, Sec. III-B).

:class:`FlowDeblurNet` joins them and builds the ablations of Table IV.
Images are (N, 3, H, W) in [0, 1], any H, W (padded to a multiple of 64
inside and cropped back). Flows are (N, 2, h, w) in pixels of their own
scale, (x, y), from the first frame to the second. The custom scan and the
warping grid run in float32 under autocast (``nn.scan``, ``imaging.warping``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.blocks import check_rgb, crop_to, pad_to_multiple, parameter_count
from ..nn.losses import ImageMSE, MultiScaleWarpLoss
from ..nn.scan import DIRECTIONS, spatial_rnn

VARIANTS = ("full", "no_rnn", "concat_weights", "single_image", "no_flow_loss", "rnn_in_decoder", "bidirectional")
ENCODER = (24, 48, 96)  # deblurring features at 1/2, 1/4, 1/8 (Table I, d_conv1..3)
FLOW = (24, 48, 96, 96, 192, 192, 192, 192, 384, 384)  # conv1, 2, 3, 3_1, 4, 4_1, 5, 5_1, 6, 6_1
# The feature sizes the RNNs meet for a 720x1280 input, paper scale: (channels, height, width).
RNN_FEATURES_720P = ((24, 360, 640), (48, 180, 320), (96, 90, 160))


@dataclass(frozen=True)
class LayerSetting:
    """How the prototxt initialises a layer, and its (lr_mult, decay_mult) for weights and biases."""

    init: str  # "msra" or "xavier" (Caffe's fillers)
    weight: tuple[float, float]
    bias: tuple[float, float]


FLOW_CONV = LayerSetting("msra", (1.0, 1.0), (1.0, 0.0))
FLOW_DECONV = LayerSetting("msra", (1.0, 0.0), (0.0, 0.0))
XAVIER_LAYER = LayerSetting("xavier", (1.0, 1.0), (2.0, 1.0))  # rnnw1-3, the deblurring encoder, d_conv0
DECODER_LAYER = LayerSetting("msra", (1.0, 0.0), (0.0, 0.0))
DECODER_LAYERS = ("d_deconv3", "d_deconv3_1", "d_deconv2", "d_deconv2_1", "d_deconv1", "d_deconv1_1")


def _caffe_msra(weight: torch.Tensor) -> None:
    """Caffe's MSRA filler: normal, std sqrt(2 / fan_in)."""
    nn.init.kaiming_normal_(weight, nonlinearity="relu")


def _caffe_xavier(weight: torch.Tensor) -> None:
    """Caffe's Xavier filler: uniform in +-sqrt(3 / fan_in) (not PyTorch's fan-in + fan-out)."""
    nn.init.kaiming_uniform_(weight, a=1.0)


def _c(channels: int, width: float) -> int:
    return max(1, int(round(channels * width)))


def _conv(cin: int, cout: int, k: int, stride: int = 1, act: bool = True) -> nn.Module:
    conv = nn.Conv2d(cin, cout, k, stride, k // 2)
    return nn.Sequential(conv, nn.LeakyReLU(0.1)) if act else conv


def _deconv(cin: int, cout: int, act: bool = True) -> nn.Module:
    deconv = nn.ConvTranspose2d(cin, cout, 4, 2, 1)
    return nn.Sequential(deconv, nn.LeakyReLU(0.1)) if act else deconv


# The prototxt slices each rnnw output into x1, y1, x2, y2: the weights of the
# left->right, top->bottom, right->left and bottom->top RNNs, in that order,
# while it concatenates the RNN outputs as left->right, right->left,
# top->bottom, bottom->top. Keeping both orders lets the released Caffe
# weights be ported without permuting channels.
WEIGHT_ORDER = ("left_to_right", "top_to_bottom", "right_to_left", "bottom_to_top")


class SpatialRNN(nn.Module):
    """Four one-directional spatially variant RNNs (Zhang et al.'s Eq. 13), outputs concatenated.

    ``x``: (N, C, H, W) features; ``weights``: (N, 4C, H, W) in [-1, 1], four
    blocks of C channels in :data:`WEIGHT_ORDER`. Returns (N, 4C, H, W), the
    directions in ``nn.scan.DIRECTIONS`` order (left->right, right->left,
    top->bottom, bottom->top). No parameters of its own.
    """

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        if weights.shape[1] != 4 * x.shape[1] or weights.shape[2:] != x.shape[2:] or weights.shape[0] != x.shape[0]:
            raise ValueError(f"weights {tuple(weights.shape)} do not split into four of {tuple(x.shape)}")
        weight_of = dict(zip(WEIGHT_ORDER, weights.chunk(4, dim=1)))
        return torch.cat([spatial_rnn(x, weight_of[d], d) for d in DIRECTIONS], dim=1)


class FlowNetS(nn.Module):
    """Flow at five scales and RNN weights at three, from stacked frames.

    ``frames``: (N, 3k, H, W), H and W multiples of 64. Returns ``flows``
    (coarse to fine, 1/64 ... 1/4, each (N, 2m, h, w) with m = 1 or 2 flow
    fields) and ``rnn_weights`` (1/2, 1/4, 1/8 scales, each (N, 4C_s, h, w)).
    """

    def __init__(
        self,
        width: float = 1.0,
        frames: int = 2,
        flow_fields: int = 1,
        rnn_channels: tuple[int, int, int] | None = None,
    ):
        super().__init__()
        ch = [_c(c, width) for c in FLOW]
        strides = (2, 2, 2, 1, 2, 1, 2, 1, 2, 1)
        kernels = (7, 5, 5, 3, 3, 3, 3, 3, 3, 3)
        names = ("conv1", "conv2", "conv3", "conv3_1", "conv4", "conv4_1", "conv5", "conv5_1", "conv6", "conv6_1")
        cin = 3 * frames
        self.encoder = nn.ModuleDict()
        for name, cout, k, s in zip(names, ch, kernels, strides):
            self.encoder[name] = _conv(cin, cout, k, s)
            cin = cout
        f = 2 * flow_fields
        self.flow_fields = flow_fields
        # decoder: (skip, deconv out) per scale, 1/32 ... 1/2
        skips = (ch[7], ch[5], ch[3], ch[1], ch[0])  # conv5_1, conv4_1, conv3_1, conv2, conv1
        outs = [_c(c, width) for c in (192, 96, 48, 24, 12)]
        self.predict = nn.ModuleList([nn.Conv2d(ch[9], f, 3, 1, 1)])
        self.deconv, self.upflow = nn.ModuleList(), nn.ModuleList()
        cin = ch[9]
        concat = []
        for skip, cout in zip(skips, outs):
            self.deconv.append(_deconv(cin, cout))
            self.upflow.append(nn.ConvTranspose2d(f, f, 4, 2, 1))
            cin = skip + cout + f
            concat.append(cin)
            if len(self.predict) < 5:
                self.predict.append(nn.Conv2d(cin, f, 3, 1, 1))
        rnn = rnn_channels or tuple(_c(c, width) for c in ENCODER)
        # concat[4] is at 1/2 (conv1 skip), concat[3] at 1/4, concat[2] at 1/8
        self.rnnw = nn.ModuleList(
            [
                nn.Conv2d(concat[4], 4 * rnn[0], 3, 1, 1),
                nn.Conv2d(concat[3], 4 * rnn[1], 3, 1, 1),
                nn.Conv2d(concat[2], 4 * rnn[2], 3, 1, 1),
            ]
        )
        self._concat = concat

    def forward(self, frames: torch.Tensor) -> dict[str, list[torch.Tensor]]:
        feats = {}
        x = frames
        for name, layer in self.encoder.items():
            x = feats[name] = layer(x)
        skips = [feats["conv5_1"], feats["conv4_1"], feats["conv3_1"], feats["conv2"], feats["conv1"]]
        flows = [self.predict[0](x)]
        decoded = []
        for i, skip in enumerate(skips):
            x = torch.cat([skip, self.deconv[i](x), self.upflow[i](flows[-1])], dim=1)
            decoded.append(x)
            if i < 4:
                flows.append(self.predict[i + 1](x))
        weights = [
            torch.tanh(self.rnnw[0](decoded[4])),
            torch.tanh(self.rnnw[1](decoded[3])),
            torch.tanh(self.rnnw[2](decoded[2])),
        ]
        return {"flows": flows, "rnn_weights": weights}


@dataclass(frozen=True)
class DeblurLayout:
    """Where the RNNs sit and how the flow network's weights enter."""

    fuse: str = "rnn"  # "rnn" (Zhang et al.'s Eq. 13), "concat" (concatenate the weights), "none"
    rnn_in_decoder: bool = False


class DeblurNet(nn.Module):
    """The U-Net of Table I: encoder with RNNs (no activation), decoder with skips.

    ``image``: (N, 3, H, W), H and W multiples of 8; ``rnn_weights``: three
    maps (N, 4C_s, H/2^s, W/2^s) or None when ``fuse == "none"``.
    Returns the restored (N, 3, H, W) (not clamped).
    """

    def __init__(self, width: float = 1.0, layout: DeblurLayout = DeblurLayout()):
        super().__init__()
        self.layout = layout
        c1, c2, c3 = (_c(c, width) for c in ENCODER)
        c12 = _c(12, width)
        fused = {"rnn": 4, "concat": 5, "none": 1}[layout.fuse]  # channels after fusion, per C
        enc = 1 if layout.rnn_in_decoder else fused
        self.rnn = SpatialRNN()
        self.d_conv1 = _conv(3, c1, 5, 2, act=False)
        self.d_conv2 = _conv(enc * c1, c2, 5, 2, act=False)
        self.d_conv3 = _conv(enc * c2, c3, 5, 2, act=False)
        dec = fused if layout.rnn_in_decoder else 1
        self.d_conv3_2 = _conv(enc * c3, c3, 5)
        self.d_conv3_3 = _conv(dec * c3, c2, 5)
        self.d_deconv3 = _deconv(enc * c3 + c2, c2)
        self.d_deconv3_1 = _conv(c2, c2, 5)
        self.d_deconv2 = _deconv(enc * c2 + dec * c2, c1)
        self.d_deconv2_1 = _conv(c1, c1, 5)
        self.d_deconv1 = _deconv(enc * c1 + dec * c1, c12)
        self.d_deconv1_1 = _conv(c12, c12, 5)
        self.d_conv0 = _conv(c12 + 3, 3, 5, act=False)

    def _fuse(self, x: torch.Tensor, weights: torch.Tensor | None) -> torch.Tensor:
        if self.layout.fuse == "rnn":
            return self.rnn(x, weights)
        if self.layout.fuse == "concat":
            return torch.cat([x, weights], dim=1)
        return x

    def forward(self, image: torch.Tensor, rnn_weights: list[torch.Tensor] | None) -> torch.Tensor:
        w1, w2, w3 = rnn_weights if rnn_weights is not None else (None, None, None)
        in_enc = not self.layout.rnn_in_decoder
        e1 = self.d_conv1(image)
        e1 = self._fuse(e1, w1) if in_enc else e1
        e2 = self.d_conv2(e1)
        e2 = self._fuse(e2, w2) if in_enc else e2
        e3 = self.d_conv3(e2)
        e3 = self._fuse(e3, w3) if in_enc else e3
        m = self.d_conv3_2(e3)
        m = m if in_enc else self._fuse(m, w3)
        m = self.d_conv3_3(m)
        d2 = self.d_deconv3_1(self.d_deconv3(torch.cat([e3, m], 1)))
        d2 = d2 if in_enc else self._fuse(d2, w2)
        d1 = self.d_deconv2_1(self.d_deconv2(torch.cat([e2, d2], 1)))
        d1 = d1 if in_enc else self._fuse(d1, w1)
        d0 = self.d_deconv1_1(self.d_deconv1(torch.cat([e1, d1], 1)))
        return self.d_conv0(torch.cat([d0, image], 1))


class FlowDeblurNet(nn.Module):
    """The whole model of the paper, or one of its Table IV ablations.

    ``variant`` is one of :data:`VARIANTS`:

    ``full``            two frames in, flow network gives RNN weights (the paper's model)
    ``no_rnn``          "w/o RNNs": no RNNs and no flow network, one frame in
    ``concat_weights``  "concat RNN weights": weights concatenated to the features
    ``single_image``    "w/o flow": the flow network sees only the first frame
    ``no_flow_loss``    "w/o flow losses": the full model (the loss drops Zhang et al.'s Eq. 14's flow term)
    ``rnn_in_decoder``  "RNNs in decoder": the same RNNs after the decoder's layers
    ``bidirectional``   "bidirection flows": three frames in, forward and backward flow

    ``residual=True`` adds the blurred input to the output (a global skip the
    paper does not have; the book's CPU profiles use it so that a short
    training starts from the input instead of from a blank image).

    ``forward(blur, blur_next=None, blur_prev=None)`` returns a dict with
    ``image`` (N, 3, H, W) and, when there is a flow network, ``flows`` (coarse
    to fine) and ``rnn_weights``; for ``bidirectional`` the flows hold four
    channels (forward to ``blur_next``, then backward to ``blur_prev``).
    """

    def __init__(self, variant: str = "full", width: float = 1.0, residual: bool = False):
        super().__init__()
        self.residual = residual
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        self.variant = variant
        frames = {"single_image": 1, "bidirectional": 3}.get(variant, 2)
        self.frames = frames
        self.flow_net = (
            None
            if variant == "no_rnn"
            else FlowNetS(width, frames=frames, flow_fields=2 if variant == "bidirectional" else 1)
        )
        fuse = {"no_rnn": "none", "concat_weights": "concat"}.get(variant, "rnn")
        self.deblur = DeblurNet(width, DeblurLayout(fuse=fuse, rnn_in_decoder=variant == "rnn_in_decoder"))
        self.reset_parameters()

    @property
    def uses_flow(self) -> bool:
        """Whether the model predicts flow between two frames (so a flow loss applies)."""
        return self.variant not in ("no_rnn", "single_image")

    def _layer_settings(self) -> list[tuple[nn.Module, LayerSetting]]:
        """Every (de)convolution with its initialisation and multipliers, as in the
        released training prototxt (``flownets_deblur_train.prototxt``)."""
        settings: dict[nn.Module, LayerSetting] = {}
        if self.flow_net is not None:
            for module in self.flow_net.modules():
                if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                    settings[module] = FLOW_DECONV if isinstance(module, nn.ConvTranspose2d) else FLOW_CONV
            settings.update({conv: XAVIER_LAYER for conv in self.flow_net.rnnw})
        for name, child in self.deblur.named_children():
            for module in child.modules():
                if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                    settings[module] = DECODER_LAYER if name in DECODER_LAYERS else XAVIER_LAYER
        return list(settings.items())

    def reset_parameters(self) -> None:
        """Caffe's MSRA and Xavier fillers where the prototxt puts them, zero biases.

        The paper starts the flow network from pretrained FlowNet2-s weights,
        which are not available here.
        """
        for module, setting in self._layer_settings():
            (_caffe_msra if setting.init == "msra" else _caffe_xavier)(module.weight)
            nn.init.zeros_(module.bias)
        if self.residual:  # start as the identity: the output is the blurred input
            nn.init.zeros_(self.deblur.d_conv0.weight)

    def optimizer_groups(self) -> list[dict]:
        """Parameter groups with the prototxt's ``lr_mult`` and ``decay_mult``: no
        weight decay on the flow network's biases and on the deconvolutions, the
        deconvolutions' and the decoder's biases fixed at zero (lr 0), and twice
        the learning rate on the biases of the Xavier layers."""
        groups: dict[tuple[float, float], list[nn.Parameter]] = {}
        for module, setting in self._layer_settings():
            groups.setdefault(setting.weight, []).append(module.weight)
            groups.setdefault(setting.bias, []).append(module.bias)
        return [{"params": params, "lr_mult": lr, "decay_mult": decay} for (lr, decay), params in groups.items()]

    def _skip(self, restored: torch.Tensor, blur: torch.Tensor) -> torch.Tensor:
        return restored + blur if self.residual else restored

    def forward(
        self, blur: torch.Tensor, blur_next: torch.Tensor | None = None, blur_prev: torch.Tensor | None = None
    ) -> dict[str, object]:
        check_rgb(blur)
        needs = {
            "full": ("blur_next",),
            "concat_weights": ("blur_next",),
            "no_flow_loss": ("blur_next",),
            "rnn_in_decoder": ("blur_next",),
            "bidirectional": ("blur_next", "blur_prev"),
        }
        given = {"blur_next": blur_next, "blur_prev": blur_prev}
        for name in needs.get(self.variant, ()):
            if given[name] is None:
                raise ValueError(f"variant {self.variant!r} needs {name}")
            if given[name].shape != blur.shape:
                raise ValueError(f"{name} {tuple(given[name].shape)} differs from blur {tuple(blur.shape)}")
        if self.flow_net is None:
            padded, size = pad_to_multiple(blur, 8)
            return {"image": crop_to(self._skip(self.deblur(padded, None), padded), size)}
        stack = {1: [blur], 2: [blur, blur_next], 3: [blur, blur_next, blur_prev]}[self.frames]
        padded, size = pad_to_multiple(torch.cat(stack, dim=1), 64)
        out = self.flow_net(padded)
        image = self._skip(self.deblur(padded[:, :3], out["rnn_weights"]), padded[:, :3])

        def at(s):  # the input's size at scale 1/2^s, rounded up
            return (-(-size[0] // 2**s), -(-size[1] // 2**s))

        flows = [crop_to(f, at(s)) for f, s in zip(out["flows"], (6, 5, 4, 3, 2))]
        weights = [crop_to(w, at(s)) for w, s in zip(out["rnn_weights"], (1, 2, 3))]
        return {"image": crop_to(image, size), "flows": flows, "rnn_weights": weights}


def full_resolution_flow(flow: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """A flow predicted at a coarser scale, resized to ``size`` and rescaled to its pixels."""
    h, w = flow.shape[-2:]
    up = F.interpolate(flow, size=size, mode="bilinear", align_corners=False)
    return torch.cat([up[:, :1] * (size[1] / w), up[:, 1:2] * (size[0] / h), up[:, 2:]], dim=1)


def _paper_name(name: str) -> str:
    """Module path to Table I's layer name (flow6, up6to5, rnnw1, d_conv1, ...)."""
    parts = name.split(".")
    if parts[0] == "encoder":
        return parts[1]
    if parts[0] in ("predict", "upflow", "deconv", "rnnw"):
        i = int(parts[1])
        return {
            "predict": f"flow{6 - i}",
            "upflow": f"up{6 - i}to{5 - i}",
            "deconv": f"deconv{6 - i}",
            "rnnw": f"rnnw{i + 1}",
        }[parts[0]]
    return parts[0]


def layer_table(model: FlowDeblurNet) -> list[dict[str, object]]:
    """Table I from the model itself: name, layer, kernel, stride, channels in/out."""
    rows = []
    for prefix, part in (("flow", model.flow_net), ("deblur", model.deblur)):
        if part is None:
            continue
        for name, module in part.named_modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                parent = part.get_submodule(name.rsplit(".", 1)[0]) if "." in name else None
                act = isinstance(parent, nn.Sequential) and any(isinstance(m, nn.LeakyReLU) for m in parent)
                kind = "deconv" if isinstance(module, nn.ConvTranspose2d) else "conv"
                rows.append(
                    {
                        "network": prefix,
                        "name": _paper_name(name),
                        "layer": kind + ("+LReLU" if act else "") + ("+tanh" if "rnnw" in name else ""),
                        "kernel": f"{module.kernel_size[0]}x{module.kernel_size[1]}",
                        "stride": module.stride[0],
                        "in/out": f"{module.in_channels}/{module.out_channels}",
                        "parameters": parameter_count(module),
                    }
                )
    return rows


class FlowDeblurLoss(nn.Module):
    """Zhang et al.'s Eq. 14: the multi-scale warping loss on the flows plus the image MSE.

    ``balance="pixels"`` (the default) weighs the terms as the authors' code
    does: its ``L2Loss.m`` sums squared errors (``sum(dt.^2)/2/bz``) for the
    image and for each flow scale alike, so relative to the image term a flow
    scale counts by its share of the pixels (1/16 at 1/4 scale down to 1/4096
    at 1/64). ``balance="mean"`` averages every term per pixel, which weighs
    the flow scales 16x to 4096x more (the book's first reading of Zhang et al.'s Eq. 14).
    ``flow_weight=0`` gives the "w/o flow losses" ablation; models without a
    flow (no ``flows`` in the output) get the image term only. The logged
    ``warp_s*`` parts are the unweighted per-pixel means.
    """

    def __init__(
        self,
        flow_weight: float = 1.0,
        image_weight: float = 1.0,
        balance: str = "pixels",
        targets: tuple[str, ...] = ("blur_next",),
    ):
        super().__init__()
        self.flow_weight = flow_weight
        self.image = ImageMSE(image_weight)
        self.warp = MultiScaleWarpLoss(balance=balance, targets=targets)

    def extra_repr(self) -> str:
        return f"flow_weight={self.flow_weight}"

    def forward(self, output: dict, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        total, parts = self.image(output, batch)
        if self.flow_weight and "flows" in output:
            flow_loss, flow_parts = self.warp(output, batch)
            total = total + self.flow_weight * flow_loss
            parts.update(flow_parts)
            parts["flow_term"] = float(self.flow_weight * flow_loss.detach())
        parts["total"] = float(total.detach())
        return total, parts
