"""Chapter 3: local deblurring, LODE and BladeNet (Wang et al., 2021).

Everything of the book that is this chapter's alone: the paper's quoted
numbers (:data:`PAPER`), the budgets per profile (:data:`BUDGETS`), the
named experiments (every row of Tables 3 and 4, :data:`EXPERIMENTS`), the
test sets, and the figures, tables and claims of notebooks 03.01-03.04
(the blurred-area ratio of Fig. 3, LBS step by step, the network, training,
ablations). The results notebook (Tables 2 and 5) is not written yet.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from ..book import stats
from ..book.tables import markdown_table
from ..book.viz import Block, Panel, block_diagram, figure
from ..core import profiles, results
from ..data import synth
from ..data.alternating import AlternatingPhases
from ..data.datasets import SyntheticDataset
from ..data.lbs import LODE_PROXY, LBSConfig, LBSDataset, LBSTestSet, make_lbs_sample, object_maps
from ..data.testsets import synthetic_test_set
from ..data.real import reds_clips
from ..imaging.baselines import tvl1_flow
from ..imaging import metrics
from ..imaging.metrics import blurred_area_ratio
from ..imaging.images import read_image
from ..models.bladenet import VARIANTS, BladeNet, BladeNetLoss, BSAUp, DoubleConv, Down, Up
from ..models.unet import SmallUNet
from ..nn.blocks import parameter_count
from ..nn.mask_losses import dice
from ..training.experiments import Experiment
from ..training.trainer import TrainConfig
from ._runs import train_and_score

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

# The CPU budgets use the paper's MSE (the code's L1, from a start next to the identity, left the
# image unchanged after 1000 steps when the book tried it) and a global skip; the paper profile
# uses the code's L1 and sigmoid output.
_COMMON = {"lr": 1e-3, "loss_weights": (1.0, 0.25, 0.01), "lbp_input": "logits", "residual": True,
           "rec_norm": "mse"}
BUDGETS = {
    "smoke": {**_COMMON, "ratio_size": 48, "ratio_scenes": 2, "reds_pairs": 1, "lbs_examples": 2,
              "width": 4, "unet_width": 4, "crop": 32, "batch": 2, "iterations": 4, "phase_steps": 1,
              "milestones": (), "checkpoint_every": 2, "log_every": 1, "test_size": 48, "test_images": 2},
    "small": {**_COMMON, "ratio_size": 128, "ratio_scenes": 16, "reds_pairs": 9, "lbs_examples": 16,
              "width": 8, "unet_width": 16, "crop": 64, "batch": 8, "iterations": 1000, "phase_steps": 10,
              "milestones": (250, 500, 750), "checkpoint_every": 50, "log_every": 10, "test_size": 96,
              "test_images": 12},
    # 400 epochs, each a pass over 24,000 REDS pairs then 24,000 LBS pairs at batch 8; halved every 100 epochs
    "paper": {**_COMMON, "ratio_size": 256, "ratio_scenes": 100, "reds_pairs": 9, "lbs_examples": 100,
              "residual": False, "rec_norm": "l1", "width": 64, "unet_width": 32, "crop": 192, "batch": 8,
              "iterations": 2_400_000, "phase_steps": 3000,
              "milestones": (600_000, 1_200_000, 1_800_000), "checkpoint_every": 5000, "log_every": 100,
              "test_size": 256, "test_images": 100},
}
MOTION_THRESHOLD = 0.25  # px: Table 6's split between small and large motion (the code's value; lost in the text)
RATIO_PRESETS = ("global", "local")
PAPER_THRESHOLDS = tuple(round(0.1 * k, 1) for k in range(51))  # Fig. 3: tau = 0, 0.1, ..., 5.0 px


def budget(profile: str) -> dict:
    """This chapter's budget at ``profile``."""
    return profiles.budget(profile, BUDGETS, owner=CHAPTER)


# ---------------------------------------------------------------- experiments
#
# Table 4's rows are BladeNet's variants, all trained on global-blur and LBS data in turns
# (the alternating epochs). Table 3's question (does LBS data help a plain network on local
# blur, and does it cost on global blur?) adds BladeNet- trained on global blur alone, and a
# second architecture (the book's residual U-Net) trained both ways.

ROWS = {  # row -> (network, variant, data)
    "none": ("bladenet", "none", "global+lbs"), "lbp": ("bladenet", "lbp", "global+lbs"),
    "bsa": ("bladenet", "bsa", "global+lbs"), "full": ("bladenet", "full", "global+lbs"),
    "none_global": ("bladenet", "none", "global"),
    "unet_global": ("unet", None, "global"), "unet_lbs": ("unet", None, "global+lbs"),
}


def build(row: str, profile: str, seed: int, device: str, iterations: int | None) -> Experiment:
    """A row of Table 3 or 4 as an experiment: model, Eq. 5 loss, data and schedule at ``profile``."""
    cfg = budget(profile)
    network, variant, data = ROWS[row]
    if network == "bladenet":
        model = BladeNet(variant, width=cfg["width"], lbp_input=cfg["lbp_input"], residual=cfg["residual"])
    else:
        model = SmallUNet(width=cfg["unet_width"])
    rec, lbp, bsa = cfg["loss_weights"]
    loss = BladeNetLoss(rec, lbp, bsa, norm=cfg["rec_norm"])
    steps = iterations if iterations is not None else cfg["iterations"]
    length = steps * cfg["batch"] * 8  # <= 8 DDP ranks
    base = 1_000_003 * (seed + 1)
    global_set = SyntheticDataset("global", crop=cfg["crop"], length=length, seed=base)
    if data == "global":
        train_set = global_set
    else:
        lbs_set = LBSDataset(crop=cfg["crop"], length=length, seed=base + 1)
        train_set = AlternatingPhases([global_set, lbs_set], cfg["batch"], cfg["phase_steps"])
    config = TrainConfig(iterations=steps, batch=cfg["batch"], lr=cfg["lr"], schedule="step",
                         milestones=tuple(cfg["milestones"]), gamma=0.5, checkpoint_every=cfg["checkpoint_every"],
                         log_every=cfg["log_every"], seed=seed, device=device)
    return Experiment(f"{CHAPTER}:{row}", model, loss, train_set, ("blur",), config, {**cfg, "row": row})


EXPERIMENTS = {f"{CHAPTER}:{row}": partial(build, row) for row in ROWS}


def test_sets(profile: str) -> dict:
    """The chapter's fixed test sets: LBS pairs, LODE-proxy pairs (other motion) and global blur."""
    cfg = budget(profile)
    size, count = cfg["test_size"], cfg["test_images"]
    return {"local (LBS)": LBSTestSet(size, count), "local (LODE proxy)": LBSTestSet(size, count, LODE_PROXY),
            "global": synthetic_test_set("global", (size, size), count)}


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


def rotation_paths(frames: int = 13) -> dict[str, list[float]]:
    """The angle (degrees) of one object that scales and rotates, per frame, with the
    paper's random order, the code's fixed order, and the code's bug."""
    seed = next(s for s in range(100) if all(np.random.default_rng(s).integers(-1, 2, size=2)))  # z, r != 0
    out = {}
    for name, cfg in (("paper (random order)", LBSConfig()), ("code order", LBSConfig(random_order=False)),
                      ("code order with its bug", LBSConfig(random_order=False, scale_drops_rotation=True))):
        maps = object_maps(cfg, frames, np.array([50.0, 50.0]), np.array([10.0, 10.0]), np.random.default_rng(seed))
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
        head = "Conv 1x1" + (" + sigmoid" if network == "deblurring" else " (logits)")
        rows.append({"network": network, "block": "OutConv", "structure": head,
                     "in/out": f"{out.in_channels}/{out.out_channels}", "scale": "1/1",
                     "parameters": parameter_count(out)})
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
             "S = 3M (all three maps saturated on M)": 3 * m.float(),
             "S = 1.5 everywhere": torch.full((size, size), 1.5), "S = 3 everywhere": torch.full((size, size), 3.0)}
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
    """The chapter's results so far in a sentence or two, from ``profile``'s committed files."""
    local = results.load(profile, CHAPTER, "local_blur", required=False)
    ablations = results.load(profile, CHAPTER, "ablations", required=False)
    lines = []
    if local:
        link = "{doc}`03.01 <../notebooks/ch03_local-deblurring/03.01-local-blur-and-lbs>`"
        lines.append(f"Local blur ({link}): {ratio_summary(local)}.")
    if ablations:
        link = "{doc}`03.04 <../notebooks/ch03_local-deblurring/03.04-ablations>`"
        alone, with_lbs = (_per_set(ablations["rows"][r]["runs"]) for r in TABLE3_PAIRS["BladeNet-"])
        local_c, global_c = (stats.compare(with_lbs[t], alone[t]) for t in (LODE_SET, "global"))
        lines.append(f"Training BladeNet- on LBS data as well as global blur ({link}) changes its PSNR on the "
                     f"LODE proxy by {stats.difference(local_c)} ({local_c.verdict}) and on global blur by "
                     f"{stats.difference(global_c)} ({global_c.verdict}).")
    return lines



# ---------------------------------------------------------------- training and scoring (03.03, 03.04)

def _binary_scores(predicted: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """IoU and F1 of two boolean maps (1.0 for both when both are empty)."""
    inter, union = np.logical_and(predicted, truth).sum(), np.logical_or(predicted, truth).sum()
    total = predicted.sum() + truth.sum()
    return (float(inter / union) if union else 1.0), (float(2 * inter / total) if total else 1.0)


def region_psnr(output: np.ndarray, sharp: np.ndarray, region: np.ndarray) -> tuple[float, float] | None:
    """Table 6's two readings of a region's PSNR (8-bit, RGB): the true one (MSE over the region's
    pixels) and the code's (both images zeroed outside the region, MSE over all pixels, which adds
    ``-10 log10(region share)`` dB). None when the region is empty or reproduced exactly (the code
    skips such images)."""
    if not region.any():
        return None
    true = float(metrics.masked_psnr(output, sharp, region))
    if not np.isfinite(true):
        return None
    return true, true - 10 * float(np.log10(region.mean()))


@torch.no_grad()
def local_scores(model, data, device) -> dict[str, list]:
    """Per image of a local test set: LBP's blur map against the mask (IoU, F1 at p > 0.5), the
    attention sum's Dice (the code's formula), and Table 6's region PSNRs (both readings) split at
    :data:`MOTION_THRESHOLD` px/frame of the true motion; None where a model or an image has none."""
    model.eval()
    out = {k: [] for k in ("iou", "f1", "dice", "small_true", "small_code", "large_true", "large_code")}
    for i in range(len(data)):
        item = data[i]
        result = model(item["blur"][None].to(device))
        image = (result["image"] if isinstance(result, dict) else result).clamp(0, 1)[0].float().cpu()
        output, sharp = image.permute(1, 2, 0).numpy(), item["sharp"].permute(1, 2, 0).numpy()
        mask = item["mask"][0].numpy() > 0.5
        if isinstance(result, dict) and "blur_logits" in result:
            iou, f1 = _binary_scores(result["blur_logits"].softmax(1)[0, 1].float().cpu().numpy() > 0.5, mask)
        else:
            iou = f1 = None
        out["iou"].append(iou)
        out["f1"].append(f1)
        out["dice"].append(float(dice(result["attention"][0, 0].float().cpu(), torch.from_numpy(mask)))
                           if isinstance(result, dict) and "attention" in result else None)
        motion = item["motion"][0].numpy()
        for name, region in (("small", motion <= MOTION_THRESHOLD), ("large", motion > MOTION_THRESHOLD)):
            scored = region_psnr(output, sharp, region)
            out[f"{name}_true"].append(scored[0] if scored else None)
            out[f"{name}_code"].append(scored[1] if scored else None)
    return out


def score_row(row: str, profile: str, seeds, device: str, sets: dict) -> dict:
    """Train a row for each seed (or load it) and score it on ``sets``, with :func:`local_scores`
    on the LBS test set; the parameters trained and at the paper's width."""
    local = sets["local (LBS)"]
    runs, model = train_and_score(f"{CHAPTER}:{row}", profile, seeds, device, sets,
                                  extra=lambda m, dev: local_scores(m, local, dev))
    network, variant, _ = ROWS[row]
    paper = parameter_count(BladeNet(variant, width=64)) if network == "bladenet" else None
    return {"runs": runs, "parameters": {"trained": parameter_count(model), "paper": paper}}


def blurred_scores(sets: dict) -> dict[str, list[float]]:
    """PSNR and SSIM of the blurred input itself, per image, in the order :func:`train_and_score` uses."""
    psnr_, ssim_ = [], []
    for data in sets.values():
        for i in range(len(data)):
            item = data[i]
            psnr_.append(float(metrics.psnr(item["blur"][None], item["sharp"][None])[0]))
            ssim_.append(float(metrics.ssim(item["blur"][None], item["sharp"][None])[0]))
    return {"psnr": psnr_, "ssim": ssim_}


def _per_set(runs: list[dict], key: str = "psnr") -> dict[str, np.ndarray]:
    """(seeds, images) per test set."""
    names = list(dict.fromkeys(p["preset"] for p in runs[0]["per_image"]))
    return {n: np.asarray([[p[key] for p in r["per_image"] if p["preset"] == n] for r in runs]) for n in names}



def _against_input(res: dict) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """Per test set: BladeNet's PSNR (seeds x images), the blurred input's per image, and its mean SSIM."""
    start, out = 0, {}
    for name, values in _per_set(res["row"]["runs"]).items():
        end = start + values.shape[1]
        blurred = res["blurred"]
        out[name] = (values, np.asarray(blurred["psnr"][start:end]), float(np.mean(blurred["ssim"][start:end])))
        start = end
    return out


def training_table(res: dict) -> str:
    """BladeNet at this budget on each test set, against its blurred input (paired over images and seeds)."""
    ssim = _per_set(res["row"]["runs"], "ssim")
    rows = [[name, values.shape[1], f"{blurred.mean():.2f} / {blurred_ssim:.3f}",
             f"{stats.estimate(stats.interval(values))} / {ssim[name].mean():.3f}",
             stats.describe(stats.compare(values, blurred))]
            for name, (values, blurred, blurred_ssim) in _against_input(res).items()]
    seeds = len(res["row"]["runs"])
    return markdown_table(["test set", "images", "blurred input PSNR / SSIM",
                           f"BladeNet PSNR [95% CI] / SSIM ({seeds} seed{'s' * (seeds > 1)})",
                           "against the input"], rows)


def _extra(runs: list[dict], key: str) -> np.ndarray | None:
    """(seeds, images) of one :func:`local_scores` entry, or None where the model has no such output."""
    values = [r["extra"][key] for r in runs]
    if any(v is None for row in values for v in row):
        return None
    return np.asarray(values, dtype=np.float64)


def blur_map_table(res: dict) -> str:
    """LBP's blur map as a segmentation of the mask, and the attention sum's Dice, with the
    trivial "everything is blurred" map for scale."""
    runs = res["row"]["runs"]
    share = np.asarray(res["mask_share"])
    rows = []
    for key, name in (("iou", "LBP, IoU (p > 0.5)"), ("f1", "LBP, F1 (p > 0.5)"),
                      ("dice", "BSA sum, Dice (code's formula; 0.25 is its best)")):
        values = _extra(runs, key)
        if values is not None:
            trivial = {"iou": share, "f1": 2 * share / (1 + share), "dice": None}[key]
            rows.append([name, stats.estimate(stats.interval(values)),
                         f"{trivial.mean():.2f}" if trivial is not None else "-"])
    return markdown_table(["measure (LBS test set)", "BladeNet [95% CI]", "everything-blurred map"], rows)


def training_summary(res: dict) -> str:
    """The training result in words chosen by the verdicts."""
    parts = [f"{name}: {stats.describe(stats.compare(values, blurred))}"
             for name, (values, blurred, _) in _against_input(res).items()]
    iou = _extra(res["row"]["runs"], "iou")
    tail = f"; LBP's blur map reaches an IoU of {iou.mean():.2f} with the mask" if iou is not None else ""
    return f"against the blurred input, BladeNet is {'; '.join(parts)}{tail}"


def loss_curves(logs: dict[int, list[dict]]):
    """Training loss terms per seed (every logged step; LBS phases carry the mask terms)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    rec = next(k for k in next(iter(logs.values()))[0] if k.endswith("_image"))  # l1_image or mse_image
    for seed, log in logs.items():
        steps = [e["step"] for e in log]
        axes[0].plot(steps, [e[rec] for e in log], label=f"seed {seed}", linewidth=0.9)
        for ax, key in ((axes[1], "mask_ce"), (axes[2], "dice")):
            points = [(e["step"], e[key]) for e in log if key in e]
            if points:
                ax.plot(*zip(*points), ".", markersize=3, label=f"seed {seed}")
    for ax, title in zip(axes, (f"{rec.split('_')[0].upper()} (both phases)", "LBP cross-entropy (LBS phases)",
                                "BSA Dice (LBS phases)")):
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("step")
    axes[0].set_yscale("log")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def qualitative_panels(model, item: dict, device) -> list[Panel]:
    """One local test image: blurred, BladeNet's output, ground truth, LBP's blur probability,
    the mask, and the attention sum (where the model has them)."""
    with torch.no_grad():
        out = model.eval()(item["blur"][None].to(device))
    def rgb(t):
        return t.clamp(0, 1)[0].permute(1, 2, 0).float().cpu().numpy()

    sharp = item["sharp"].permute(1, 2, 0).numpy()
    blur = item["blur"].permute(1, 2, 0).numpy()
    restored = rgb(out["image"])
    panels = [Panel(blur, f"blurred {float(metrics.psnr(blur, sharp)):.2f} dB"),
              Panel(restored, f"BladeNet {float(metrics.psnr(restored, sharp)):.2f} dB"), Panel(sharp, "ground truth"),
              Panel(item["mask"][0].numpy() > 0.5, "mask M", kind="mask")]
    if "blur_logits" in out:
        panels.append(Panel(out["blur_logits"].softmax(1)[0, 1].float().cpu().numpy(), "LBP blur probability",
                            kind="map", limit=1.0))
    if "attention" in out:
        panels.append(Panel(out["attention"][0, 0].float().cpu().numpy(), "BSA sum S", kind="map", limit=3.0))
    return panels


def training_result(profile: str, seeds, device: str) -> dict:
    """03.03's results: the full model at ``profile`` for each seed, scored on the test sets,
    with the blurred input's scores and each LBS test image's mask share."""
    sets = test_sets(profile)
    local = sets["local (LBS)"]
    return {"row": score_row("full", profile, seeds, device, sets), "blurred": blurred_scores(sets),
            "mask_share": [float(local[i]["mask"].mean()) for i in range(len(local))],
            "sets": {name: len(data) for name, data in sets.items()}}


# ---------------------------------------------------------------- ablations (03.04)

TABLE4_ROWS = ("none", "lbp", "bsa", "full")
TABLE3_PAIRS = {"BladeNet-": ("none_global", "none"), "residual U-Net (the book's)": ("unet_global", "unet_lbs")}
LODE_SET = "local (LODE proxy)"


def ablation_result(profile: str, seeds, device: str) -> dict:
    """03.04's results: every row of :data:`ROWS` for each seed, scored on the test sets."""
    sets = test_sets(profile)
    local = sets["local (LBS)"]
    return {"rows": {row: score_row(row, profile, seeds, device, sets) for row in ROWS},
            "blurred": blurred_scores(sets), "sets": {name: len(data) for name, data in sets.items()},
            "mask_share": [float(local[i]["mask"].mean()) for i in range(len(local))]}


def table4(res: dict) -> str:
    """Table 4: the paper's rows beside ours on the LODE-proxy set, each against the full model."""
    paper, rows = PAPER["table4"], res["rows"]
    full = _per_set(rows["full"]["runs"])[LODE_SET]
    lines = []
    for row in TABLE4_ROWS:
        ours = _per_set(rows[row]["runs"])[LODE_SET]
        ssim = _per_set(rows[row]["runs"], "ssim")[LODE_SET].mean()
        p_psnr, p_ssim = paper[row]
        versus = "-" if row == "full" else stats.describe(stats.compare(ours, full))
        lines.append([VARIANT_NAMES[row], f"{p_psnr:.2f} / {p_ssim:.4f} ({p_psnr - paper['full'][0]:+.2f})",
                      f"{stats.estimate(stats.interval(ours))} / {ssim:.4f}", versus])
    seeds, images = full.shape
    return markdown_table(["row", "paper on LODE (vs full)",
                           f"ours on the LODE proxy ({seeds} seed{'s' * (seeds > 1)} x {images} images)",
                           "ours against full: verdict, difference [95% CI]"], lines)


def table3(res: dict) -> str:
    """Table 3's question: each architecture trained on global blur alone and with LBS data,
    on the LODE-proxy set and on global blur (paired: +LBS minus global-only)."""
    lines = []
    for name, (alone, with_lbs) in TABLE3_PAIRS.items():
        a, b = _per_set(res["rows"][alone]["runs"]), _per_set(res["rows"][with_lbs]["runs"])
        for test in (LODE_SET, "global"):
            lines.append([name, test, stats.estimate(stats.interval(a[test])), stats.estimate(stats.interval(b[test])),
                          stats.describe(stats.compare(b[test], a[test]))])
    quoted = PAPER["table3"]["BladeNet-"]
    paper = (f"BladeNet- in the paper: LODE {quoted[('LODE', 'REDS')][0]:.2f} -> "
             f"{quoted[('LODE', 'REDS+VOC')][0]:.2f}, REDS {quoted[('REDS', 'REDS')][0]:.2f} -> "
             f"{quoted[('REDS', 'REDS+VOC')][0]:.2f} dB")
    return markdown_table(["network", "test set", "trained on global blur", "trained on global + LBS",
                           "+LBS against global only"], lines) + f"\n\n{paper}."


def _region_mean(runs: list[dict], key: str) -> str:
    values = [v for r in runs for v in r["extra"][key] if v is not None]
    return f"{np.mean(values):.2f}" if values else "-"


def table6(res: dict) -> str:
    """Table 6 on the LBS test set: full image, small- and large-motion regions, in the code's
    reading (zeroed outside the region, inflated) and the true one."""
    lines = []
    for row in TABLE4_ROWS:
        runs = res["rows"][row]["runs"]
        full_image = _per_set(runs)["local (LBS)"].mean()
        p_full, p_small, p_large = PAPER["table6"][row]
        lines.append([VARIANT_NAMES[row], f"{p_full[0]:.2f} / {p_small[0]:.2f} / {p_large[0]:.2f}",
                      f"{full_image:.2f}", _region_mean(runs, "small_code"), _region_mean(runs, "small_true"),
                      _region_mean(runs, "large_code"), _region_mean(runs, "large_true")])
    return markdown_table(["row", "paper: full / small / large", "ours: full image", "small, code's reading",
                           "small, true", "large, code's reading", "large, true"], lines)


_NO_WORSE = {"equivalent": "supported", "higher": "supported (higher)", "lower": "contradicted (lower)",
             "inconclusive": "inconclusive (not support)", "no claim": "no claim (fewer than 3 seeds)"}


def claims(res: dict) -> list[tuple[str, str]]:
    """The paper's claims and what this profile's runs say, from paired comparisons on the LODE proxy
    ("no worse" claims are supported only by "equivalent" or "higher")."""
    rows = res["rows"]

    def versus(a: str, b: str, test: str, words: dict = stats.CLAIM_HIGHER) -> str:
        return stats.judge(stats.compare(_per_set(rows[a]["runs"])[test], _per_set(rows[b]["runs"])[test]), words)

    out = []
    for name, (alone, with_lbs) in TABLE3_PAIRS.items():
        out.append((f"LBS data help {name} on local blur (Table 3)", versus(with_lbs, alone, LODE_SET)))
        out.append((f"LBS data do not hurt {name} on global blur (Table 3)",
                    versus(with_lbs, alone, "global", _NO_WORSE)))
    out += [("LBP helps (Table 4)", versus("lbp", "none", LODE_SET)),
            ("BSA helps (Table 4)", versus("bsa", "none", LODE_SET)),
            ("Both beat either alone (Table 4)", f"vs LBP only: {versus('full', 'lbp', LODE_SET)}; "
             f"vs BSA only: {versus('full', 'bsa', LODE_SET)}")]
    return out
