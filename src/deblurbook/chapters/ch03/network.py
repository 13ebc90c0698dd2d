"""The network, its parameters and cost, the blur map's ideal attention (03.02)."""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from ...book.cost import macs as count_macs
from ...book.tables import markdown_table
from ...book.viz import Block, Panel, block_diagram
from ...models.bladenet import VARIANTS, BladeNet, BSAUp, DoubleConv, Down, Up
from ...models.bladenet_losses import dice
from ...nn.blocks import parameter_count
from .blurred_area import lbs_sample
from .experiments import PAPER

# The spec's count for each variant at width 64, from the authors' code by arithmetic
# (in the spec written for this chapter, not part of the book); the paper states only BladeNet's total, 40.8 M.
CODE_COUNTS = {"none": 17_267_523, "lbp": 34_536_133, "bsa": 23_509_958, "full": 40_778_568}
VARIANT_NAMES = {"none": "BladeNet- (no LBP, no BSA)", "lbp": "LBP only", "bsa": "BSA only", "full": "BladeNet"}
ROW_NAMES = VARIANT_NAMES
_KINDS = {
    DoubleConv: "Conv-BN-ReLU x2",
    Down: "MaxPool, Conv-BN-ReLU x2",
    Up: "Upsample x2, concat skip, Conv-BN-ReLU x2",
    BSAUp: "Upsample x2, concat skip, Conv-BN-ReLU x2, BSA, Conv-BN-ReLU x2",
}


def layer_table(model: BladeNet) -> list[dict[str, object]]:
    """The appendix's Fig. 8 as rows, from the model: network, block, structure,
    channels in/out, output scale, parameters."""
    rows = []
    for network, part in (("LBP", model.lbp), ("deblurring", model.deblur)):
        if part is None:
            continue
        blocks = [("Inc", part.encoder.inc, 1)]
        blocks += [(f"Down{k + 1}", d, 2 ** (k + 1)) for k, d in enumerate(part.encoder.downs)]
        blocks += [(f"Up{k + 1}", u, 2 ** (3 - k)) for k, u in enumerate(part.ups)]
        for name, block, scale in blocks:
            convs = [m for m in block.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)]
            rows.append(
                {
                    "network": network,
                    "block": name,
                    "structure": _KINDS[type(block)],
                    "in/out": f"{convs[0].in_channels}/{convs[-1].out_channels}",
                    "scale": f"1/{scale}",
                    "parameters": parameter_count(block),
                }
            )
        out = part.outc
        head = "Conv 1x1" + (" + sigmoid" if network == "deblurring" else " (logits)")
        rows.append(
            {
                "network": network,
                "block": "OutConv",
                "structure": head,
                "in/out": f"{out.in_channels}/{out.out_channels}",
                "scale": "1/1",
                "parameters": parameter_count(out),
            }
        )
    return rows


def parameter_table(width: int = 64) -> str:
    """Each variant's parameters at ``width`` beside the code's arithmetic and the paper's total."""
    rows = []
    for variant in VARIANTS:
        ours = parameter_count(BladeNet(variant, width=width))
        paper = f"{PAPER['parameters'] / 1e6:.1f} M" if variant == "full" else "-"
        rows.append([VARIANT_NAMES[variant], f"{ours:,}", f"{CODE_COUNTS[variant]:,}", paper])
    return markdown_table(["variant", f"ours (width {width})", "the authors' code (arithmetic)", "paper"], rows)


def architecture_figure(model: BladeNet):
    """LBP above the deblurring U-Net, drawn from the model's blocks; LBP's output feeds the input."""
    rows = layer_table(model)
    lbp = [Block(r["block"], int(r["in/out"].split("/")[1])) for r in rows if r["network"] == "LBP"]
    deblur = [
        Block(r["block"] + (" +BSA" if "BSA" in r["structure"] else ""), int(r["in/out"].split("/")[1]))
        for r in rows
        if r["network"] == "deblurring"
    ]
    return block_diagram([lbp, deblur], ["LBP (U-Net)", "deblurring U-Net"], [((0, len(lbp) - 1), (1, 0))])


def macs(variant: str = "full", width: int = 64, size: tuple[int, int] = (192, 192)) -> float:
    """Multiply-accumulates of one forward pass (``torch.utils.flop_counter``, on the meta device)."""
    return count_macs(partial(BladeNet, variant, width=width), (1, 3, *size))


def dice_examples(size: int = 32) -> list[list[str]]:
    """What the code's Dice (no factor 2) gives for a few attention sums S against a square mask M."""
    mask = np.zeros((size, size), bool)
    mask[size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = True
    m = torch.from_numpy(mask)
    cases = {
        "S = 0 everywhere": torch.zeros(size, size),
        "S = M (a perfect 0/1 map)": m.float(),
        "S = 3M (all three maps saturated on M)": 3 * m.float(),
        "S = 1.5 everywhere": torch.full((size, size), 1.5),
        "S = 3 everywhere": torch.full((size, size), 3.0),
    }
    return [[name, f"{float(dice(score, m)):.3f}"] for name, score in cases.items()]


def ideal_attention_panels(size: int = 96, seed: int = 0) -> list[Panel]:
    """Eq. 4 drawn with ideal maps: an LBS mask area-averaged to 1/4 and 1/2 (A1, A2),
    the mask itself (A3), and their sum S after bilinear upsampling."""
    import torch.nn.functional as F

    from ...models.bladenet import attention_sum

    s = lbs_sample((size, size), seed)
    m = torch.from_numpy(s["mask"]).float()[None, None]
    maps = [F.avg_pool2d(m, 4), F.avg_pool2d(m, 2), m]
    total = attention_sum(maps)
    return [
        Panel(s["blur"], "blurred"),
        Panel(maps[0][0, 0].numpy(), "A1 (1/4 scale)", kind="map", limit=1.0),
        Panel(maps[1][0, 0].numpy(), "A2 (1/2 scale)", kind="map", limit=1.0),
        Panel(maps[2][0, 0].numpy(), "A3 (full scale)", kind="map", limit=1.0),
        Panel(
            total[0, 0].numpy(),
            f"S = A3 + U(A2 + U(A1)), Dice {float(dice(total[0, 0], m[0, 0])):.2f}",
            kind="map",
            limit=3.0,
        ),
    ]
