"""Chapter 3: local deblurring, LODE and BladeNet (Wang et al., 2021).

Everything of the book that is this chapter's alone: the paper's quoted
numbers (:data:`PAPER`), the budgets per profile (:data:`BUDGETS`), the
named experiments (every trained row: Tables 3 and 4, the code's training
stages, the fine-tuned rows of Table 5, :data:`EXPERIMENTS`), the test sets,
and the figures, tables and claims of notebooks 03.01-03.05 (the
blurred-area ratio of Fig. 3, LBS step by step, the network, training,
ablations, results).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import torch

from ..book import stats
from ..book.cost import macs as count_macs
from ..book.tables import markdown_table
from ..book.timing import device_label, seconds_per_image
from ..book.viz import Block, Panel, block_diagram, box_around, comparison_panels, figure, to_hwc
from ..core import profiles, results
from ..core.device import describe, resolve
from ..data import synth
from ..data.alternating import AlternatingPhases
from ..data.datasets import PairDataset, SyntheticDataset
from ..data.lbs import StepMotion
from ..data.real import gopro_crops, reds_clips
from ..data.testsets import synthetic_test_set
from ..imaging import metrics
from ..imaging.baselines import tvl1_flow
from ..imaging.images import read_image
from ..imaging.metrics import blurred_area_ratio
from ..models.bladenet import VARIANTS, BladeNet, BladeNetLoss, BSAUp, DoubleConv, Down, LBPAlone, Up, blur_probability
from ..models.unet import SmallUNet
from ..nn.blocks import parameter_count
from ..nn.mask_losses import MaskCrossEntropy, dice
from ..training.selection import VALIDATION_SEED, validation_psnr
from ..training.experiments import Experiment
from ..training.stages import train_staged
from ..training.trainer import TrainConfig
from ._runs import against_input, blurred_per_set, blurred_scores, input_table, per_set, train_and_score

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
    "headline_db": 2.5,  # Sec. 5: "outperform previous SotA methods by a large margin (2.5 dB in PSNR)"
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
              "milestones": (), "checkpoint_every": 2, "log_every": 1, "test_size": 48, "test_images": 2,
              "finetune_steps": 2, "finetune_lr": 1.25e-4, "select_every": 2, "val_size": 32, "val_images": 2,
              "real_images": 2, "time_size": (48, 80), "time_width": 4},
    "small": {**_COMMON, "ratio_size": 128, "ratio_scenes": 16, "reds_pairs": 9, "lbs_examples": 16,
              "width": 8, "unet_width": 16, "crop": 64, "batch": 8, "iterations": 1000, "phase_steps": 10,
              "milestones": (250, 500, 750), "checkpoint_every": 50, "log_every": 10, "test_size": 96,
              "test_images": 12, "finetune_steps": 200, "finetune_lr": 1.25e-4, "select_every": 100, "val_size": 64,
              "val_images": 8, "real_images": 30, "time_size": (720, 1280), "time_width": 64},
    # 400 epochs, each a pass over 24,000 REDS pairs then 24,000 LBS pairs at batch 8; halved every 100 epochs
    "paper": {**_COMMON, "ratio_size": 256, "ratio_scenes": 100, "reds_pairs": 9, "lbs_examples": 100,
              "residual": False, "rec_norm": "l1", "width": 64, "unet_width": 32, "crop": 192, "batch": 8,
              "iterations": 2_400_000, "phase_steps": 3000,
              "milestones": (600_000, 1_200_000, 1_800_000), "checkpoint_every": 5000, "log_every": 100,
              "test_size": 256, "test_images": 100, "finetune_steps": 30_000, "finetune_lr": 1.25e-4,
              "select_every": 6000, "val_size": 256, "val_images": 50, "real_images": 30,
              "time_size": (720, 1280), "time_width": 64},
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
# (the alternating epochs). The full model follows the code's stages within the same number of
# steps: S1 the deblurring net with BSA (40%), S2 LBP alone on LBS data (20%), S3 both, started
# from S1 and S2 (40%); ``full_joint`` is the full model trained jointly from the start, to see
# whether the stages matter. Wherever LBP sees global-blur phases, those phases train the
# deblurring net alone with their own Adam (the code's two optimisers). Table 3's question adds
# BladeNet- trained on global blur alone, and a second architecture (the book's residual U-Net)
# trained both ways. BladeNet+ and U-Net+ fine-tune the full model and the U-Net (global + LBS)
# on LODE-proxy pairs (Table 5; the full model's LBP frozen, as in the code's S4).


@dataclass(frozen=True)
class Row:
    """One trained row: network (``bladenet``, ``lbp_alone``, ``unet``), BladeNet variant, training
    data (``global``, ``lbs``, ``global+lbs`` in turns, ``lode``: LODE-proxy pairs), its share of
    the budget's steps (``finetune``: the budget's fine-tuning steps), the rows it starts from, and
    the parameter-name prefixes each data phase leaves alone."""

    network: str
    variant: str | None
    data: str
    share: float | str = 1.0
    init_from: tuple[str, ...] = ()
    phase_frozen: tuple[tuple[str, ...], ...] = ()


_LBP_ON_LBS_ONLY = (("lbp.",), ())  # global-blur phases: deblurring net only; LBS phases: everything
ROWS = {
    "none": Row("bladenet", "none", "global+lbs"),
    "lbp": Row("bladenet", "lbp", "global+lbs", phase_frozen=_LBP_ON_LBS_ONLY),
    "bsa": Row("bladenet", "bsa", "global+lbs"),
    "s1": Row("bladenet", "bsa", "global+lbs", share=0.4),
    "s2": Row("lbp_alone", None, "lbs", share=0.2),
    "full": Row("bladenet", "full", "global+lbs", share=0.4, init_from=("s1", "s2"), phase_frozen=_LBP_ON_LBS_ONLY),
    "full_joint": Row("bladenet", "full", "global+lbs", phase_frozen=_LBP_ON_LBS_ONLY),
    "none_global": Row("bladenet", "none", "global"),
    "unet_global": Row("unet", None, "global"),
    "unet_lbs": Row("unet", None, "global+lbs"),
    "plus": Row("bladenet", "full", "lode", share="finetune", init_from=("full",), phase_frozen=(("lbp.",),)),
    "unet_plus": Row("unet", None, "lode", share="finetune", init_from=("unet_lbs",)),
}
STAGES = ("s1", "s2", "full")


def _model(row: Row, cfg: dict) -> torch.nn.Module:
    if row.network == "bladenet":
        return BladeNet(row.variant, width=cfg["width"], lbp_input=cfg["lbp_input"], residual=cfg["residual"])
    if row.network == "lbp_alone":
        return LBPAlone(cfg["width"])
    return SmallUNet(width=cfg["unet_width"])


def _train_set(data: str, cfg: dict, length: int, seed: int):
    base = 1_000_003 * (seed + 1)
    with_mask = ("blur", "sharp", "mask")
    if data == "lode":
        return SyntheticDataset(LODE_PRESET, crop=cfg["crop"], length=length, seed=base + 2, signals=with_mask)
    lbs = SyntheticDataset(LBS_PRESET, crop=cfg["crop"], length=length, seed=base + 1, signals=with_mask)
    if data == "lbs":
        return lbs
    global_set = SyntheticDataset("global", crop=cfg["crop"], length=length, seed=base)
    return global_set if data == "global" else AlternatingPhases([global_set, lbs], cfg["batch"], cfg["phase_steps"])


def build(name: str, profile: str, seed: int, device: str, iterations: int | None) -> Experiment:
    """A row of :data:`ROWS` as an experiment: model, loss (Eq. 5; cross-entropy alone for LBP by
    itself), data and schedule at ``profile`` (the learning rate halved at the budget's milestones,
    scaled to the row's steps; fine-tuning at a constant rate)."""
    cfg, row = budget(profile), ROWS[name]
    finetune = row.share == "finetune"
    steps = cfg["finetune_steps"] if finetune else max(1, round(cfg["iterations"] * row.share))
    steps = iterations if iterations is not None else steps
    rec, lbp, bsa = cfg["loss_weights"]
    loss = MaskCrossEntropy(1.0) if row.network == "lbp_alone" else BladeNetLoss(rec, lbp, bsa, norm=cfg["rec_norm"])
    train_set = _train_set(row.data, cfg, steps * cfg["batch"] * 8, seed)  # <= 8 DDP ranks
    milestones = () if finetune else tuple(max(1, round(m * steps / cfg["iterations"])) for m in cfg["milestones"])
    config = TrainConfig(iterations=steps, batch=cfg["batch"], lr=cfg["finetune_lr"] if finetune else cfg["lr"],
                         schedule="step", milestones=milestones, gamma=0.5, checkpoint_every=cfg["checkpoint_every"],
                         log_every=cfg["log_every"], seed=seed, device=device, amp_dtype="bfloat16")
    settings = {**cfg, "row": name, "network": row.network, "variant": row.variant, "data": row.data,
                "share": row.share, "init_from": [f"{CHAPTER}:{r}" for r in row.init_from],
                "phase_frozen": [list(p) for p in row.phase_frozen],
                "validation": "lode" if row.data == "lode" else "lbs"}
    return Experiment(f"{CHAPTER}:{name}", _model(row, cfg), loss, train_set, ("blur",), config, settings)


EXPERIMENTS = {f"{CHAPTER}:{row}": partial(build, row) for row in ROWS}
LBS_PRESET, LODE_PRESET = "local", "local_fast"  # the engine's LBS, and LBS with LODE-like motion


def validation(exp: Experiment):
    """How a run's checkpoint is selected: mean PSNR on held-out pairs (LBS pairs, or LODE-proxy
    pairs for the fine-tuned rows; test-split content, other seeds than the test sets), or, for
    LBP trained alone, the mean IoU of its blur map (p > 0.5) with the mask."""
    cfg = exp.settings
    preset = LODE_PRESET if cfg["validation"] == "lode" else LBS_PRESET
    if isinstance(exp.model, LBPAlone):
        data = synthetic_test_set(preset, (cfg["val_size"],) * 2, cfg["val_images"], base_seed=VALIDATION_SEED)
        return lambda model, device: mean_blur_map_iou(model, data, device)
    return validation_psnr([preset], cfg["val_size"], cfg["val_images"], exp.inputs)


train_row = partial(train_staged, validation=validation)


def test_sets(profile: str, extended: bool = False) -> dict:
    """The chapter's fixed test sets: LBS pairs, LODE-proxy pairs (other motion) and global blur;
    ``extended`` adds the engine's `mixed` scenes and the bundled real samples (GoPro crops, REDS
    frames: global blur, evaluation only)."""
    cfg = budget(profile)
    size, count = cfg["test_size"], cfg["test_images"]
    sets = {"local (LBS)": synthetic_test_set(LBS_PRESET, (size, size), count),
            "local (LODE proxy)": synthetic_test_set(LODE_PRESET, (size, size), count),
            "global": synthetic_test_set("global", (size, size), count)}
    if extended:
        frames = [pair for clip in reds_clips().values() for pair in clip]
        sets |= {"mixed": synthetic_test_set("mixed", (size, size), count),
                 "GoPro crops (real)": PairDataset(gopro_crops()[: cfg["real_images"]]),
                 "REDS frames (real)": PairDataset(frames[: cfg["real_images"]])}
    return sets


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

def lbs_sample(size: tuple[int, int], seed: int, preset: str | synth.Preset = LBS_PRESET) -> dict:
    """One LBS pair of the engine (test content): blur, ground truth, mask and motion."""
    return synth.make_sample(preset, size, seed, signals=("blur", "sharp", "mask", "motion"),
                             content=synth.test_pool())


def lbs_panels(size: int = 96, seed: int = 0, preset: str | synth.Preset = LBS_PRESET) -> list[Panel]:
    """Blurred image, ground truth, mask and |blur - ground truth| of one LBS pair."""
    s = lbs_sample((size, size), seed, preset)
    diff = np.abs(s["blur"] - s["sharp"]).max(-1)
    return [Panel(s["blur"], f"blurred ({int(s['frames'])} frames)"), Panel(s["sharp"], "ground truth (middle)"),
            Panel(s["mask"], "mask M (trajectory union)", kind="mask"),
            Panel(diff, "|blur - ground truth|", kind="map")]


def lbs_figure(size: int = 96, seed: int = 0, preset: str | synth.Preset = LBS_PRESET):
    return figure(lbs_panels(size, seed, preset), columns=4)


def lbs_invariants(size: int, examples: int) -> dict:
    """The three LBS invariants over ``examples`` pairs at an odd size: the largest
    |blur - ground truth| outside the mask (must be below half a grey level), the
    smallest inside (the movers blur), and the mask of pairs with static objects only."""
    shape = (size, size + 7)
    outside, inside = [], []
    for seed in range(examples):
        s = lbs_sample(shape, seed)
        d = np.abs(s["blur"] - s["sharp"])
        outside.append(float(d[~s["mask"]].max()) if (~s["mask"]).any() else 0.0)
        inside.append(float(d[s["mask"]].max()) if s["mask"].any() else 0.0)
    still = replace(synth.get_preset(LBS_PRESET), objects=(0, 0))
    static_only = [lbs_sample(shape, seed, still) for seed in range(min(examples, 4))]
    return {"examples": examples, "size": list(shape), "outside_max": max(outside), "inside_max_min": min(inside),
            "static_only_mask_pixels": int(sum(s["mask"].sum() for s in static_only))}


def rotation_paths(frames: int = 13) -> dict[str, list[float]]:
    """The angle (degrees) of one object that scales and rotates, per frame, with the
    paper's random order, the code's fixed order, and the code's bug."""
    seed = next(s for s in range(100) if all(np.random.default_rng(s).integers(-1, 2, size=2)))  # z, r != 0
    out = {}
    for name, law in (("paper (random order)", StepMotion()), ("code order", StepMotion(random_order=False)),
                      ("code order with its bug", StepMotion(random_order=False, scale_drops_rotation=True))):
        maps = law.matrices(np.arange(frames), np.array([50.0, 50.0]), np.random.default_rng(seed))
        out[name] = np.degrees(np.arctan2(maps[:, 1, 0], maps[:, 0, 0])).tolist()
    return out


def lbs_strip(size: int = 96, seed: int = 0, preset: str | synth.Preset = LBS_PRESET) -> np.ndarray:
    """Blurred image, ground truth and mask of one LBS pair side by side (for the widget)."""
    s = lbs_sample((size, size), seed, preset)
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
ROW_NAMES = {**VARIANT_NAMES, "full": "BladeNet (stages S1-S3)", "full_joint": "BladeNet, joint from the start"}
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
    return count_macs(partial(BladeNet, variant, width=width), (1, 3, *size))


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

    s = lbs_sample((size, size), seed)
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
        alone, with_lbs = (per_set(ablations["rows"][r]["runs"]) for r in TABLE3_PAIRS["BladeNet-"])
        local_c, global_c = (stats.compare(with_lbs[t], alone[t]) for t in (LODE_SET, "global"))
        lines.append(f"Training BladeNet- on LBS data as well as global blur ({link}) changes its PSNR on the "
                     f"LODE proxy by {stats.difference(local_c)} ({local_c.verdict}) and on global blur by "
                     f"{stats.difference(global_c)} ({global_c.verdict}).")
    final = results.load(profile, CHAPTER, "results", required=False)
    if final:
        link = "{doc}`03.05 <../notebooks/ch03_local-deblurring/03.05-results>`"
        lines.append(f"Results ({link}): {results_summary(final)}.")
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


def _blur_map_scores(result, mask: np.ndarray) -> tuple[float | None, float | None]:
    """IoU and F1 of LBP's blur map (p > 0.5) in a model's output against ``mask`` (None, None without LBP)."""
    if not (isinstance(result, dict) and "blur_logits" in result):
        return None, None
    return _binary_scores(blur_probability(result)[0].float().cpu().numpy() > 0.5, mask)


@torch.no_grad()
def mean_blur_map_iou(model, data, device) -> float:
    """Mean IoU of LBP's blur map with the mask over a local test set."""
    model.eval()
    return float(np.mean([_blur_map_scores(model(data[i]["blur"][None].to(device)), data[i]["mask"][0].numpy() > 0.5)[0]
                          for i in range(len(data))]))


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
        output = to_hwc(result["image"] if isinstance(result, dict) else result)
        sharp = to_hwc(item["sharp"])
        mask = item["mask"][0].numpy() > 0.5
        iou, f1 = _blur_map_scores(result, mask)
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
                                  extra=lambda m, dev: local_scores(m, local, dev), train=train_row)
    spec = ROWS[row]
    paper = parameter_count(BladeNet(spec.variant, width=64)) if spec.network == "bladenet" else None
    return {"runs": runs, "parameters": {"trained": parameter_count(model), "paper": paper}}


def rows_table(profile: str) -> str:
    """Every trained row at ``profile``: network, training data, steps, what it starts from, and
    which parameters each data phase leaves alone."""
    lines = []
    for name, row in ROWS.items():
        exp = EXPERIMENTS[f"{CHAPTER}:{name}"](profile=profile, seed=0, device="cpu", iterations=None)
        frozen = "; ".join(f"phase {k + 1}: {', '.join(p) or 'none'}" for k, p in enumerate(row.phase_frozen))
        lines.append([f"{CHAPTER}:{name}", row.network + (f" ({row.variant})" if row.variant else ""), row.data,
                      exp.config.iterations, ", ".join(row.init_from) or "-", frozen or "-"])
    return markdown_table(["experiment", "network", "training data", "steps", "starts from",
                           "frozen (parameter prefixes)"], lines)


def _against_input(res: dict) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """Per test set: BladeNet's PSNR (seeds x images), the blurred input's per image, and its mean SSIM."""
    return against_input(res["blurred"], res["row"]["runs"])


def training_table(res: dict) -> str:
    """BladeNet at this budget on each test set, against its blurred input (paired over images and seeds)."""
    return input_table(res["blurred"], res["row"]["runs"], "BladeNet")


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


def staged_log(profile: str, seed: int, device: str) -> tuple[list[dict], list[int]]:
    """The full model's training log across its stages (S1, S2, S3), steps counted from the start
    of S1, and the steps where S2 and S3 begin."""
    log, offset, starts = [], 0, []
    for stage in STAGES:
        _, trainer = train_row(f"{CHAPTER}:{stage}", profile, seed=seed, device=device)
        log += [{**e, "step": e["step"] + offset} for e in trainer.log]
        offset += trainer.config.iterations
        starts.append(offset)
    return log, starts[:-1]


def loss_curves(logs: dict[int, list[dict]], stage_starts: list[int] = ()):
    """Training loss terms per seed (every logged step; LBS phases carry the mask terms), with
    dotted lines where a stage begins."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    rec = next(k for log in logs.values() for e in log for k in e if k.endswith("_image"))  # l1_image or mse_image
    for seed, log in logs.items():
        for ax, key, style in ((axes[0], rec, "-"), (axes[1], "mask_ce", "."), (axes[2], "dice", ".")):
            points = [(e["step"], e[key]) for e in log if key in e]
            if points:
                ax.plot(*zip(*points), style, markersize=3, linewidth=0.9, label=f"seed {seed}")
    for ax, title in zip(axes, (f"{rec.split('_')[0].upper()} (both phases)", "LBP cross-entropy (LBS phases)",
                                "BSA Dice (LBS phases)")):
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("step")
        for start in stage_starts:
            ax.axvline(start, color="grey", linestyle=":", linewidth=1)
    axes[0].set_yscale("log")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def selection_table(res: dict) -> str:
    """Checkpoint selection per seed: the step chosen on the validation pairs, and the LODE-proxy
    PSNR of the chosen and the last weights (the last ones paired against the chosen)."""
    lines = []
    for run in res["row"]["runs"]:
        chosen = [p["psnr"] for p in run["per_image"] if p["preset"] == LODE_SET]
        last = [p["psnr"] for p in run["last"]["per_image"] if p["preset"] == LODE_SET]
        history = run["selection"]["history"]
        lines.append([run["seed"], f"{run['selection']['best_step']} of {history[-1]['step']}",
                      f"{np.mean(chosen):.2f}", f"{np.mean(last):.2f}"])
    return markdown_table(["seed", "step chosen (S3)", "chosen: LODE-proxy PSNR", "last: LODE-proxy PSNR"], lines)


def qualitative_panels(model, item: dict, device) -> list[Panel]:
    """One local test image: blurred, BladeNet's output, ground truth, LBP's blur probability,
    the mask, and the attention sum (where the model has them)."""
    with torch.no_grad():
        out = model.eval()(item["blur"][None].to(device))
    sharp, blur, restored = to_hwc(item["sharp"]), to_hwc(item["blur"]), to_hwc(out["image"])
    panels = [Panel(blur, f"blurred {float(metrics.psnr(blur, sharp)):.2f} dB"),
              Panel(restored, f"BladeNet {float(metrics.psnr(restored, sharp)):.2f} dB"), Panel(sharp, "ground truth"),
              Panel(item["mask"][0].numpy() > 0.5, "mask M", kind="mask")]
    if "blur_logits" in out:
        panels.append(Panel(blur_probability(out)[0].float().cpu().numpy(), "LBP blur probability",
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

TABLE4_ROWS = ("none", "lbp", "bsa", "full", "full_joint")
ABLATION_ROWS = (*TABLE4_ROWS, "none_global", "unet_global", "unet_lbs")
TABLE3_PAIRS = {"BladeNet-": ("none_global", "none"), "residual U-Net (the book's)": ("unet_global", "unet_lbs")}
LODE_SET = "local (LODE proxy)"


def ablation_result(profile: str, seeds, device: str) -> dict:
    """03.04's results: every row of :data:`ABLATION_ROWS` for each seed, scored on the test sets."""
    sets = test_sets(profile)
    local = sets["local (LBS)"]
    return {"rows": {row: score_row(row, profile, seeds, device, sets) for row in ABLATION_ROWS},
            "blurred": blurred_scores(sets), "sets": {name: len(data) for name, data in sets.items()},
            "mask_share": [float(local[i]["mask"].mean()) for i in range(len(local))]}


def table4(res: dict) -> str:
    """Table 4: the paper's rows beside ours on the LODE-proxy set, each against the full model."""
    paper, rows = PAPER["table4"], res["rows"]
    full = per_set(rows["full"]["runs"])[LODE_SET]
    lines = []
    for row in TABLE4_ROWS:
        ours = per_set(rows[row]["runs"])[LODE_SET]
        ssim = per_set(rows[row]["runs"], "ssim")[LODE_SET].mean()
        versus = "-" if row == "full" else stats.describe(stats.compare(ours, full))
        quoted = (f"{paper[row][0]:.2f} / {paper[row][1]:.4f} ({paper[row][0] - paper['full'][0]:+.2f})"
                  if row in paper else "- (the book's row)")
        lines.append([ROW_NAMES[row], quoted, f"{stats.estimate(stats.interval(ours))} / {ssim:.4f}", versus])
    seeds, images = full.shape
    return markdown_table(["row", "paper on LODE (vs full)",
                           f"ours on the LODE proxy ({seeds} seed{'s' * (seeds > 1)} x {images} images)",
                           "ours against full: verdict, difference [95% CI]"], lines)


def table3(res: dict) -> str:
    """Table 3's question: each architecture trained on global blur alone and with LBS data,
    on the LODE-proxy set and on global blur (paired: +LBS minus global-only)."""
    lines = []
    for name, (alone, with_lbs) in TABLE3_PAIRS.items():
        a, b = per_set(res["rows"][alone]["runs"]), per_set(res["rows"][with_lbs]["runs"])
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
        full_image = per_set(runs)["local (LBS)"].mean()
        quoted = PAPER["table6"].get(row)
        lines.append([ROW_NAMES[row], " / ".join(f"{v[0]:.2f}" for v in quoted) if quoted else "-",
                      f"{full_image:.2f}", _region_mean(runs, "small_code"), _region_mean(runs, "small_true"),
                      _region_mean(runs, "large_code"), _region_mean(runs, "large_true")])
    return markdown_table(["row", "paper: full / small / large", "ours: full image", "small, code's reading",
                           "small, true", "large, code's reading", "large, true"], lines)


_NO_WORSE = {"equivalent": "supported", "higher": "supported (higher)", "lower": "contradicted (lower)",
             "inconclusive": "inconclusive (not support)", "no claim": "no claim (fewer than 3 seeds)"}


def _versus(rows: dict, a: str, b: str, test: str = LODE_SET, words: dict = stats.CLAIM_HIGHER) -> str:
    """Row ``a`` against row ``b`` on ``test``, paired over seeds and images, in ``words``."""
    return stats.judge(stats.compare(per_set(rows[a]["runs"])[test], per_set(rows[b]["runs"])[test]), words)


def claims(res: dict) -> list[tuple[str, str]]:
    """The paper's claims and what this profile's runs say, from paired comparisons on the LODE proxy
    ("no worse" claims are supported only by "equivalent" or "higher")."""
    versus = partial(_versus, res["rows"])
    out = []
    for name, (alone, with_lbs) in TABLE3_PAIRS.items():
        out.append((f"LBS data help {name} on local blur (Table 3)", versus(with_lbs, alone, LODE_SET)))
        out.append((f"LBS data do not hurt {name} on global blur (Table 3)",
                    versus(with_lbs, alone, "global", _NO_WORSE)))
    out += [("LBP helps (Table 4)", versus("lbp", "none", LODE_SET)),
            ("BSA helps (Table 4)", versus("bsa", "none", LODE_SET)),
            ("Both beat either alone (Table 4)", f"vs LBP only: {versus('full', 'lbp', LODE_SET)}; "
             + f"vs BSA only: {versus('full', 'bsa', LODE_SET)}"),
            ("The stages beat joint training from the start (the book's question)", versus("full", "full_joint"))]
    return out


# ---------------------------------------------------------------- results (03.05)

# Our rows and the paper's row each stands for (Tables 2, 3 and 5 on LODE): a network trained on
# global blur alone stands for a method trained on REDS, global + LBS for REDS + LBS (or VOC).
RESULT_ROWS = {
    "unet_global": ("U-Net, global blur only", "DPSR, REDS (Table 2's best baseline)", ("table2", "DPSR")),
    "none_global": ("BladeNet-, global blur only", "BladeNet-, REDS", ("table2", "BladeNet-")),
    "unet_lbs": ("U-Net, global + LBS", "SDNet, REDS+VOC (the best baseline of Table 3)", ("table3", "SDNet")),
    "none": ("BladeNet-, global + LBS", "BladeNet-, REDS+VOC", ("table3", "BladeNet-")),
    "full": ("BladeNet (staged), global + LBS", "BladeNet, REDS+LBS", ("table2", "BladeNet")),
    "unet_plus": ("U-Net+, fine-tuned on the LODE proxy", "SDNet, fine-tuned on LODE", ("table5", "SDNet")),
    "plus": ("BladeNet+, fine-tuned on the LODE proxy", "BladeNet+, fine-tuned on LODE", ("table2", "BladeNet+")),
}
REAL_SETS = ("GoPro crops (real)", "REDS frames (real)")


def paper_value(where: tuple[str, str]) -> tuple[float, float]:
    """The paper's PSNR / SSIM on LODE for a :data:`RESULT_ROWS` entry."""
    table, method = where
    return PAPER["table3"][method][("LODE", "REDS+VOC")] if table == "table3" else PAPER[table][method]


def headline_margins() -> dict[str, float]:
    """The paper's "2.5 dB" and what its own tables give with equal data (dB, from :data:`PAPER`)."""
    t2, t3, t5 = PAPER["table2"], PAPER["table3"], PAPER["table5"]
    best_reds = max(v[0] for k, v in t2.items() if not k.startswith("BladeNet"))
    best_voc = max(v[("LODE", "REDS+VOC")][0] for k, v in t3.items() if k != "BladeNet-")
    best_tuned = max(v[0] for k, v in t5.items() if k != "BladeNet")
    return {"plus_vs_reds": t2["BladeNet+"][0] - best_reds, "bladenet_vs_reds": t2["BladeNet"][0] - best_reds,
            "equal_data": t2["BladeNet"][0] - best_voc, "both_tuned": t2["BladeNet+"][0] - best_tuned}


@torch.no_grad()
def time_per_image(profile: str, device: str = "auto") -> dict:
    """Seconds for one forward pass of BladeNet- and BladeNet at the budget's width on a
    ``time_size`` image (random weights: the time does not depend on them), after a warm-up on a
    small image; BladeNet-'s time is the baseline of the ratio."""
    cfg, dev = budget(profile), resolve(device)
    h, w = cfg["time_size"]
    seconds = {v: seconds_per_image(BladeNet(v, width=cfg["time_width"]), (h, w), dev) for v in ("none", "full")}
    return {"size": [h, w], "width": cfg["time_width"], "seconds": seconds,
            "parameters": {v: parameter_count(BladeNet(v, width=cfg["time_width"])) for v in seconds},
            "device": describe(dev)}


def results_result(profile: str, seeds, device: str) -> dict:
    """03.05's results: every :data:`RESULT_ROWS` row for each seed on the extended test sets,
    the blurred input's scores, and the time per image."""
    sets = test_sets(profile, extended=True)
    return {"rows": {row: score_row(row, profile, seeds, device, sets) for row in RESULT_ROWS},
            "blurred": blurred_scores(sets), "sets": {name: len(data) for name, data in sets.items()},
            "timing": time_per_image(profile, device)}


def _cell(runs: list[dict], name: str) -> str:
    psnr, ssim = per_set(runs)[name], per_set(runs, "ssim")[name]
    return f"{psnr.mean():.2f} / {ssim.mean():.3f}"


def table2(res: dict, sets: tuple[str, ...] | None = None) -> str:
    """Tables 2, 3 and 5 in one: each row's paper analogue on LODE beside ours (mean PSNR / SSIM
    over seeds and images) on each test set, the blurred input first."""
    blurred = blurred_per_set(res["blurred"], res["rows"]["full"]["runs"])
    names = sets or tuple(blurred)
    lines = [["blurred input", "-", *[f"{blurred[n][0].mean():.2f} / {blurred[n][1].mean():.3f}" for n in names]]]
    for row, (label, paper_label, where) in RESULT_ROWS.items():
        psnr, ssim = paper_value(where)
        lines.append([label, f"{paper_label}: {psnr:.2f} / {ssim:.4f}",
                      *[_cell(res["rows"][row]["runs"], n) for n in names]])
    return markdown_table(["ours (row)", "the paper's analogue on LODE", *names], lines)


def table5(res: dict) -> str:
    """Table 5: fine-tuning on the LODE proxy, before and after, paired (after minus before)."""
    lines = []
    for before, after, method in (("unet_lbs", "unet_plus", "SDNet"), ("full", "plus", "BladeNet")):
        a, b = (per_set(res["rows"][r]["runs"])[LODE_SET] for r in (before, after))
        p_before = paper_value(RESULT_ROWS[before][2])[0]
        p_after = PAPER["table5"][method][0]
        lines.append([RESULT_ROWS[after][0], f"{method}: {p_before:.2f} -> {p_after:.2f} ({p_after - p_before:+.2f})",
                      f"{a.mean():.2f} -> {b.mean():.2f}", stats.describe(stats.compare(b, a))])
    return markdown_table(["row", "paper on LODE", "ours on the LODE proxy", "after against before"], lines)


def timing_table(res: dict) -> str:
    """Parameters and seconds per image for BladeNet- and BladeNet, with the ratio."""
    t = res["timing"]
    base = t["seconds"]["none"]
    device = device_label(t["device"])
    rows = [[VARIANT_NAMES[v], f"{t['parameters'][v]:,}", f"{t['seconds'][v]:.2f}", f"{t['seconds'][v] / base:.2f}"]
            for v in ("none", "full")]
    h, w = t["size"]
    return markdown_table(["network", f"parameters (width {t['width']})", f"seconds per {h}x{w} image ({device})",
                           "ratio to BladeNet-"], rows)


def results_claims(res: dict) -> list[tuple[str, str]]:
    """The paper's results claims against ours, paired over seeds and images."""
    versus, m = partial(_versus, res["rows"]), headline_margins()
    return [
        (f"Headline: {m['plus_vs_reds']:.2f} dB over the best baseline (the paper's \"2.5 dB\": BladeNet+, "
         + "fine-tuned on LODE, against a baseline trained on REDS alone)", versus("plus", "unet_global")),
        (f"BladeNet over the baselines without any local training data ({m['bladenet_vs_reds']:.2f} dB in the "
         + "paper's Table 2; ours has seen LBS data, theirs none)", versus("full", "unet_global")),
        (f"BladeNet over a baseline with the same data ({m['equal_data']:.2f} dB in the paper)",
         versus("full", "unet_lbs")),
        (f"BladeNet+ over a baseline fine-tuned the same way ({m['both_tuned']:.2f} dB in the paper)",
         versus("plus", "unet_plus")),
        ("Fine-tuning on LODE helps BladeNet (Table 5)", versus("plus", "full")),
        ("Fine-tuning on LODE helps the baseline (Table 5)", versus("unet_plus", "unet_lbs")),
        ("BladeNet is no worse than BladeNet- (global only) on global blur", versus("full", "none_global", "global",
                                                                                   _NO_WORSE)),
        *[(f"BladeNet over BladeNet- (global only) on {name}", versus("full", "none_global", name))
          for name in REAL_SETS if name in res["sets"]],
    ]


def _zoom_box(mask: np.ndarray, side: int) -> tuple[int, int, int]:
    """A square of ``side`` px centred on the mask (the image's centre without one), inside the image."""
    h, w = mask.shape
    return box_around(*(np.nonzero(mask) if mask.any() else ([h // 2], [w // 2])), mask.shape, side)


@torch.no_grad()
def comparison_figure(models: dict[str, torch.nn.Module], item: dict, device):
    """The paper's Fig. 4 on one image: blurred, each model's output and the ground truth, with a
    zoomed crop of each on the moving region, and BladeNet's blur map (``models``: label -> model,
    the last one with LBP)."""
    blur, sharp = to_hwc(item["blur"]), to_hwc(item["sharp"])
    mask = item["mask"][0].numpy() > 0.5 if "mask" in item else np.zeros(sharp.shape[:2], bool)
    box = _zoom_box(mask, min(sharp.shape[:2]) // 3)
    images = [("blurred", blur)]
    blur_map = None
    for label, model in models.items():
        out = model.eval()(item["blur"][None].to(device))
        images.append((label, to_hwc(out["image"])))
        if "blur_logits" in out:
            blur_map = blur_probability(out)[0].float().cpu().numpy()
    images.append(("ground truth", sharp))
    panels = comparison_panels(images, sharp, box)
    if blur_map is not None:
        panels.append(Panel(blur_map, "BladeNet's blur probability", kind="map", limit=1.0))
    if mask.any():
        panels.append(Panel(mask, "true mask", kind="mask"))
    return figure(panels, columns=len(images), width=2.6)


SYNTHETIC_SETS = ("local (LBS)", LODE_SET, "mixed", "global")
RESULT_FIGURES = {"comparison-local": "a LODE-proxy test image, networks of seed 0, with zoomed crops and the blur map",
                  "comparison-reds": "a real REDS frame, networks of seed 0, with zoomed crops and the blur map"}


def results_summary(res: dict) -> str:
    """03.05's result in words chosen by the verdicts: BladeNet+ against the global-only U-Net
    (the headline's reading), BladeNet against the U-Net with the same data, and fine-tuning."""
    rows = res["rows"]

    def said(a: str, b: str) -> str:
        return stats.describe(stats.compare(per_set(rows[a]["runs"])[LODE_SET], per_set(rows[b]["runs"])[LODE_SET]))

    return (f"on the LODE proxy, BladeNet+ against the U-Net trained on global blur alone (the headline's reading) "
            f"is {said('plus', 'unet_global')}; BladeNet against the U-Net trained on the same data is "
            f"{said('full', 'unet_lbs')}; fine-tuning changes BladeNet by {said('plus', 'full')}")


def result_figures(profile: str, seed: int, device: str) -> dict:
    """:data:`RESULT_FIGURES` drawn with the networks of ``seed``."""
    trainers = {label: train_row(f"{CHAPTER}:{row}", profile, seed=seed, device=device)[1]
                for row, label in (("none_global", "BladeNet- (global only)"), ("full", "BladeNet"),
                                   ("plus", "BladeNet+"))}
    models, dev = {label: t.model for label, t in trainers.items()}, trainers["BladeNet"].device
    sets = test_sets(profile, extended=True)
    return {"comparison-local": comparison_figure(models, sets[LODE_SET][0], dev),
            "comparison-reds": comparison_figure(models, sets["REDS frames (real)"][0], dev)}
