"""Chapter 3: local deblurring, LODE and BladeNet (Wang et al., 2021).

What exists so far: the paper's quoted numbers (:data:`PAPER`), the budgets
per profile (:data:`BUDGETS`), and the first notebook's pieces: the
blurred-area ratio of Fig. 3 on the engine's presets and the bundled REDS
clips, and the LBS figures and checks. Training, ablations and results
(notebooks 03.03-03.05) are not written yet: this module defines no
experiments, so nothing here is trained.
"""

from __future__ import annotations

import numpy as np
import torch

from ..book import stats
from ..book.tables import markdown_table
from ..book.viz import Block, Panel, block_diagram, figure
from ..core import profiles
from ..data import synth
from ..data.lbs import LBSConfig, make_lbs_sample, object_maps
from ..data.real import reds_clips
from ..imaging.baselines import tvl1_flow
from ..imaging.metrics import blurred_area_ratio
from ..imaging.images import read_image
from ..models.bladenet import VARIANTS, BSAUp, BladeNet, DoubleConv, Down, Up
from ..nn.blocks import parameter_count
from ..nn.mask_losses import dice

CHAPTER = "ch03"

# Numbers quoted from the paper (typed from its text; never ours). PSNR / SSIM on LODE's validation set.
PAPER = {
    "citation": "lode2021",
    # Table 2: baselines trained on REDS; BladeNet on REDS + LBS; BladeNet+ fine-tuned on LODE.
    "table2": {"SRN-Deblur": (30.71, 0.9219), "DPSR": (31.84, 0.9241), "SDNet": (31.41, 0.9321),
               "DeblurGAN-v2": (27.29, 0.8691), "BladeNet-": (31.89, 0.9382), "BladeNet": (34.12, 0.9467),
               "BladeNet+": (34.36, 0.9487)},
    # Table 3: (evaluated on, trained on) -> PSNR / SSIM.
    "table3": {
        "SRN-Deblur": {("LODE", "REDS"): (30.71, 0.9219), ("LODE", "REDS+VOC"): (31.67, 0.9249),
                       ("REDS", "REDS"): (31.26, 0.8922), ("REDS", "REDS+VOC"): (30.74, 0.8771)},
        "DPSR": {("LODE", "REDS"): (31.84, 0.9241), ("LODE", "REDS+VOC"): (31.98, 0.9242),
                 ("REDS", "REDS"): (25.72, 0.7531), ("REDS", "REDS+VOC"): (25.76, 0.7546)},
        "SDNet": {("LODE", "REDS"): (31.41, 0.9321), ("LODE", "REDS+VOC"): (33.18, 0.9415),
                  ("REDS", "REDS"): (31.34, 0.8928), ("REDS", "REDS+VOC"): (30.20, 0.8722)},
        "DeblurGAN-v2": {("LODE", "REDS"): (27.29, 0.8691), ("LODE", "REDS+VOC"): (29.48, 0.9033),
                         ("REDS", "REDS"): (26.66, 0.7823), ("REDS", "REDS+VOC"): (26.31, 0.7704)},
        "BladeNet-": {("LODE", "REDS"): (31.89, 0.9382), ("LODE", "REDS+VOC"): (33.63, 0.9463),
                      ("REDS", "REDS"): (30.40, 0.8737), ("REDS", "REDS+VOC"): (30.59, 0.8741)},
    },
    # Table 4: components, keyed by the book's variant names.
    "table4": {"none": (33.63, 0.9463), "lbp": (33.88, 0.9432), "bsa": (33.92, 0.9458), "full": (34.12, 0.9467)},
    # Table 5: trained on REDS+VOC, then fine-tuned on LODE (PSNR / SSIM after fine-tuning).
    "table5": {"SRN-Deblur": (33.18, 0.9338), "DPSR": (32.35, 0.9301), "SDNet": (33.67, 0.9394),
               "DeblurGAN-v2": (31.28, 0.9228), "BladeNet": (34.36, 0.9487)},
    # Table 6 (appendix B.3), the "localval" subset: full image, small-motion and large-motion regions.
    # The threshold is lost in the text (the code: 0.25); the column order follows the code.
    "table6": {"none": ((33.63, 0.9489), (61.73, 0.9981), (34.05, 0.9510)),
               "lbp": ((33.87, 0.9460), (62.17, 0.9979), (34.29, 0.9484)),
               "bsa": ((33.90, 0.9482), (60.97, 0.9979), (34.40, 0.9505)),
               "full": ((34.15, 0.9494), (62.08, 0.9981), (34.59, 0.9515))},
    "parameters": 40.8e6,  # appendix B.1
    "training": {"epochs": 400, "lr": 1e-3, "halve_every": 100, "loss_weights": (1.0, 0.25, 0.01)},
}

BUDGETS = {
    "smoke": {"ratio_size": 48, "ratio_scenes": 2, "reds_pairs": 1, "lbs_examples": 2},
    "small": {"ratio_size": 128, "ratio_scenes": 16, "reds_pairs": 9, "lbs_examples": 16},
    "paper": {"ratio_size": 256, "ratio_scenes": 100, "reds_pairs": 9, "lbs_examples": 100},
}
RATIO_PRESETS = ("global", "local")
PAPER_THRESHOLDS = tuple(round(0.1 * k, 1) for k in range(51))  # Fig. 3: tau = 0, 0.1, ..., 5.0 px


def budget(profile: str) -> dict:
    """This chapter's budget at ``profile``."""
    return profiles.budget(profile, BUDGETS, owner=CHAPTER)


# ---------------------------------------------------------------- Fig. 3: how much of the image moves

def engine_flows(preset: str, size: int, scenes: int) -> dict[str, list[np.ndarray]]:
    """Per scene of a test-content engine preset: the ground-truth flow between consecutive
    sharp frames and TV-L1's estimate of it (HxWx2 px each)."""
    out = {"truth": [], "tvl1": []}
    for seed in range(scenes):
        s = synth.make_sample(preset, (size, size), seed, signals=("sharp", "flow", "sharp_next"),
                              content=synth.test_pool())
        out["truth"].append(s["flow"])
        out["tvl1"].append(tvl1_flow(s["sharp"], s["sharp_next"]))
    return out


def reds_flows(pairs: int) -> list[np.ndarray]:
    """TV-L1 flow between consecutive sharp frames of the bundled REDS clips (at most ``pairs`` per clip)."""
    flows = []
    for frames in reds_clips().values():
        for first, second in list(zip(frames, frames[1:]))[:pairs]:
            flows.append(tvl1_flow(read_image(first.sharp), read_image(second.sharp)))
    return flows


def ratio_curves(profile: str) -> dict:
    """Fig. 3's curves at ``profile``: per source, every image's blurred-area ratio at each threshold."""
    cfg = budget(profile)
    curves = {}
    for preset in RATIO_PRESETS:
        flows = engine_flows(preset, cfg["ratio_size"], cfg["ratio_scenes"])
        for kind, name in (("tvl1", "TV-L1"), ("truth", "true flow")):
            curves[f"engine {preset} ({name})"] = [blurred_area_ratio(f, PAPER_THRESHOLDS).tolist()
                                                   for f in flows[kind]]
    curves["REDS clips (TV-L1)"] = [blurred_area_ratio(f, PAPER_THRESHOLDS).tolist()
                                    for f in reds_flows(cfg["reds_pairs"])]
    return {"thresholds": list(PAPER_THRESHOLDS), "curves": curves, "size": cfg["ratio_size"]}


def ratio_figure(res: dict):
    """The blurred-area ratio against the flow threshold, mean over images per source."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    t = np.asarray(res["thresholds"])
    colours = {}
    for name, rows in res["curves"].items():
        source = name.split(" (")[0]
        colours.setdefault(source, f"C{len(colours)}")
        style = "--" if "true flow" in name else "-"
        ax.plot(t, np.mean(rows, 0), style, color=colours[source], label=f"{name}, {len(rows)} images")
    ax.set_xlabel("flow threshold τ (px between consecutive sharp frames)")
    ax.set_ylabel("blurred-area ratio")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def ratio_table(res: dict, at: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0)) -> str:
    """The ratio at a few thresholds, mean [95% CI over images] per source."""
    t = np.asarray(res["thresholds"])
    columns = [int(np.argmin(np.abs(t - a))) for a in at]
    rows = []
    for name, curves in res["curves"].items():
        values = np.asarray(curves)
        rows.append([name, len(values)] + [_mean_ci(values[:, c]) for c in columns])
    return markdown_table(["source", "images", *[f"ratio at τ = {a:g} px" for a in at]], rows)


def _mean_ci(values: np.ndarray) -> str:
    if len(values) < 2:
        return f"{values.mean():.2f}"
    iv = stats.interval(values[None, :])
    return f"{iv.mean:.2f} [{max(iv.low, 0):.2f}, {min(iv.high, 1):.2f}]"


def local_vs_global(res: dict, threshold: float = 1.0) -> stats.Comparison:
    """The local preset's ratio minus the global preset's at ``threshold`` (true flow), scene by
    scene (independent scenes, so pairing by index is arbitrary but harmless). A statistic of the
    data, not of a training run: no seeds are needed; equivalence margin 0.02 (2% of the image)."""
    c = int(np.argmin(np.abs(np.asarray(res["thresholds"]) - threshold)))
    local = np.asarray(res["curves"]["engine local (true flow)"])[:, c]
    glob = np.asarray(res["curves"]["engine global (true flow)"])[:, c]
    return stats.compare(local, glob, margin=0.02, min_seeds=1)


# ---------------------------------------------------------------- LBS, step by step

def lbs_panels(size: int = 96, seed: int = 0, config: LBSConfig = LBSConfig()) -> list[Panel]:
    """Blurred image, ground truth, mask and |blur - ground truth| of one LBS pair."""
    s = make_lbs_sample((size, size), seed, config)
    diff = np.abs(s["blur"] - s["sharp"]).max(-1)
    return [Panel(s["blur"], f"blurred ({int(s['frames'])} frames)"), Panel(s["sharp"], "ground truth (middle)"),
            Panel(s["mask"], "mask M (trajectory union)", kind="mask"),
            Panel(diff, "|blur - ground truth|", kind="map")]


def lbs_figure(size: int = 96, seed: int = 0, config: LBSConfig = LBSConfig()):
    return figure(lbs_panels(size, seed, config), columns=4)


def lbs_invariants(size: int, examples: int) -> dict:
    """The three LBS invariants over ``examples`` pairs at an odd size: the largest
    |blur - ground truth| outside the mask (must be below half a grey level), the
    smallest inside (the movers blur), and the mask of pairs with static objects only."""
    shape = (size, size + 7)
    outside, inside = [], []
    for seed in range(examples):
        s = make_lbs_sample(shape, seed)
        d = np.abs(s["blur"] - s["sharp"])
        outside.append(float(d[~s["mask"]].max()) if (~s["mask"]).any() else 0.0)
        inside.append(float(d[s["mask"]].max()) if s["mask"].any() else 0.0)
    static_only = [make_lbs_sample(shape, seed, LBSConfig(moving=(0, 0))) for seed in range(min(examples, 4))]
    return {"examples": examples, "size": list(shape), "outside_max": max(outside), "inside_max_min": min(inside),
            "static_only_mask_pixels": int(sum(s["mask"].sum() for s in static_only))}


def rotation_paths(frames: int = 13, seed: int = 3) -> dict[str, list[float]]:
    """The angle (degrees) of one object that scales and rotates, per frame, with the
    paper's random order, the code's fixed order, and the code's bug."""
    rng = np.random.default_rng(seed)
    while True:  # draw until the object both scales and rotates (z, r != 0)
        state = rng.bit_generator.state
        z, r = rng.integers(-1, 2, size=2)
        if z and r:
            rng.bit_generator.state = state
            break
    out = {}
    for name, cfg in (("paper (random order)", LBSConfig()), ("code order", LBSConfig(random_order=False)),
                      ("code order with its bug", LBSConfig(random_order=False, scale_drops_rotation=True))):
        local = np.random.default_rng(0)
        local.bit_generator.state = state
        maps = object_maps(cfg, frames, np.array([50.0, 50.0]), np.array([10.0, 10.0]), local)
        out[name] = np.degrees(np.arctan2(maps[:, 1, 0], maps[:, 0, 0])).tolist()
    return out


def lbs_strip(size: int = 96, seed: int = 0, config: LBSConfig = LBSConfig()) -> np.ndarray:
    """Blurred image, ground truth and mask of one LBS pair side by side (for the widget)."""
    s = make_lbs_sample((size, size), seed, config)
    gap = np.ones((size, 4, 3), np.float32)
    mask = np.repeat(s["mask"][..., None].astype(np.float32), 3, -1)
    return np.concatenate([s["blur"], gap, s["sharp"], gap, mask], 1)


def ratio_summary(res: dict, threshold: float = 1.0) -> str:
    """Fig. 3's point in words chosen by the numbers: how the local preset's blurred
    area compares with the global preset's at ``threshold`` px."""
    c = local_vs_global(res, threshold)
    column = int(np.argmin(np.abs(np.asarray(res["thresholds"]) - threshold)))
    mean = {name: float(np.mean(np.asarray(rows)[:, column])) for name, rows in res["curves"].items()}
    words = {"lower": "smaller than", "higher": "larger than", "equivalent": "the same as (within 2% of the image)",
             "inconclusive": "not distinguishable from (inconclusive)", "no claim": "not compared with"}
    return (f"at a threshold of {threshold:g} px, {mean['engine local (true flow)']:.0%} of a `local` scene moves "
            f"against {mean['engine global (true flow)']:.0%} of a `global` one: {words[c.verdict]} it "
            f"(difference {c.mean:+.2f} [{c.low:+.2f}, {c.high:+.2f}] of the image, {c.images} scenes); "
            f"TV-L1 on the bundled REDS clips puts {mean['REDS clips (TV-L1)']:.0%} above it")


# ---------------------------------------------------------------- the network (03.02)

# The spec's count for each variant at width 64, from the authors' code by arithmetic
# (../shared/specs/calc); the paper states only BladeNet's total, 40.8 M.
CODE_COUNTS = {"none": 17_267_523, "lbp": 34_536_133, "bsa": 23_509_958, "full": 40_778_568}
VARIANT_NAMES = {"none": "BladeNet- (no LBP, no BSA)", "lbp": "LBP only", "bsa": "BSA only", "full": "BladeNet"}
_KINDS = {DoubleConv: "Conv-BN-ReLU x2", Down: "MaxPool, Conv-BN-ReLU x2",
          Up: "Upsample x2, concat skip, Conv-BN-ReLU x2",
          BSAUp: "Upsample x2, concat skip, Conv-BN-ReLU x2, BSA, Conv-BN-ReLU x2"}


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
            rows.append({"network": network, "block": name, "structure": _KINDS[type(block)],
                         "in/out": f"{convs[0].in_channels}/{convs[-1].out_channels}", "scale": f"1/{scale}",
                         "parameters": parameter_count(block)})
        out = part.outc
        rows.append({"network": network, "block": "OutConv", "structure": "Conv 1x1" + (
            " + sigmoid" if network == "deblurring" else " (logits)"), "in/out": f"{out.in_channels}/{out.out_channels}",
            "scale": "1/1", "parameters": parameter_count(out)})
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
    deblur = [Block(r["block"] + (" +BSA" if "BSA" in r["structure"] else ""), int(r["in/out"].split("/")[1]))
              for r in rows if r["network"] == "deblurring"]
    return block_diagram([lbp, deblur], ["LBP (U-Net)", "deblurring U-Net"], [((0, len(lbp) - 1), (1, 0))])


def macs(variant: str = "full", width: int = 64, size: tuple[int, int] = (192, 192)) -> float:
    """Multiply-accumulates of one forward pass (``torch.utils.flop_counter``, on the meta device)."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        model = BladeNet(variant, width=width).eval()
        x = torch.zeros(1, 3, *size)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    return counter.get_total_flops() / 2


def dice_examples(size: int = 32) -> list[list[str]]:
    """What the code's Dice (no factor 2) gives for a few attention sums S against a square mask M."""
    mask = np.zeros((size, size), bool)
    mask[size // 4: 3 * size // 4, size // 4: 3 * size // 4] = True
    m = torch.from_numpy(mask)
    cases = {"S = 0 everywhere": torch.zeros(size, size), "S = M (a perfect 0/1 map)": m.float(),
             "S = 3M (all three maps saturated on M)": 3 * m.float(), "S = 1.5 everywhere": torch.full((size, size), 1.5),
             "S = 3 everywhere": torch.full((size, size), 3.0)}
    return [[name, f"{float(dice(score, m)):.3f}"] for name, score in cases.items()]


def ideal_attention_panels(size: int = 96, seed: int = 0) -> list[Panel]:
    """Eq. 4 drawn with ideal maps: an LBS mask area-averaged to 1/4 and 1/2 (A1, A2),
    the mask itself (A3), and their sum S after bilinear upsampling."""
    import torch.nn.functional as F

    from ..models.bladenet import attention_sum

    s = make_lbs_sample((size, size), seed)
    m = torch.from_numpy(s["mask"]).float()[None, None]
    maps = [F.avg_pool2d(m, 4), F.avg_pool2d(m, 2), m]
    total = attention_sum(maps)
    return [Panel(s["blur"], "blurred"), Panel(maps[0][0, 0].numpy(), "A1 (1/4 scale)", kind="map", limit=1.0),
            Panel(maps[1][0, 0].numpy(), "A2 (1/2 scale)", kind="map", limit=1.0),
            Panel(maps[2][0, 0].numpy(), "A3 (full scale)", kind="map", limit=1.0),
            Panel(total[0, 0].numpy(), f"S = A3 + U(A2 + U(A1)), Dice {float(dice(total[0, 0], m[0, 0])):.2f}",
                  kind="map", limit=3.0)]


def headline(profile: str = "small") -> list[str]:
    """The chapter's results so far in a sentence, from ``profile``'s committed files."""
    from ..core.results import load

    local = load(profile, CHAPTER, "local_blur", required=False)
    if local is None:
        return []
    return [f"Local blur ({{doc}}`03.01 <../notebooks/ch03_local-deblurring/03.01-local-blur-and-lbs>`): "
            f"{ratio_summary(local)}. BladeNet is built and tested, not yet trained."]
