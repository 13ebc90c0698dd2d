"""Chapter 2: deblurring from optical flow (Zhang, Pan et al., TCSVT 2021).

Everything of the book that is this chapter's alone: the paper's quoted
numbers (:data:`PAPER`), the budgets per profile (:data:`BUDGETS`), the named
experiments (one per Table IV row, :data:`EXPERIMENTS`), and the tables and
claims built from ``results/<profile>/ch02/`` files.
"""

from __future__ import annotations

from functools import partial

from ..book.stats import verdict
from ..core import profiles
from ..data.datasets import SyntheticDataset
from ..models.flow_deblur import VARIANTS, FlowDeblurLoss, FlowDeblurNet
from ..training.experiments import Experiment
from ..training.trainer import TrainConfig

CHAPTER = "ch02"

# Numbers quoted from the paper (typed from its text; never ours).
PAPER = {
    "citation": "zhang2021flow",
    # Table II: DVD test set (Su et al. 2017), PSNR / SSIM.
    "table2": {
        "Whyte": (25.29, 0.832), "Sun": (27.24, 0.878), "Gong": (28.22, 0.894), "Nah": (29.51, 0.912),
        "Kupyn (DeblurGAN)": (26.78, 0.848), "Tao": (29.95, 0.919), "Zhang (SVRNN)": (30.05, 0.922),
        "Kupyn (DeblurGAN-v2)": (29.47, 0.910), "Cai": (29.48, 0.914), "Kim 2015": (27.01, 0.861),
        "Su": (30.05, 0.920), "Kim 2017": (29.95, 0.911), "ours (paper)": (30.58, 0.928),
    },
    # Table III: 720x1280 image, Intel Xeon + Titan Xp; seconds and parameters.
    "table3": {"seconds": 0.20, "device": "Nvidia Titan Xp", "parameters": 8.7e6},
    # Table IV: ablations on DVD, PSNR / SSIM, keyed by the book's variant names.
    "table4": {
        "no_rnn": (28.84, 0.901), "concat_weights": (29.71, 0.914), "single_image": (30.11, 0.922),
        "no_flow_loss": (30.35, 0.924), "bidirectional": (30.56, 0.927), "rnn_in_decoder": (29.72, 0.914),
        "full": (30.58, 0.928),
    },
    "table4_labels": {
        "no_rnn": "w/o RNNs", "concat_weights": "concat RNN weights", "single_image": "w/o flow",
        "no_flow_loss": "w/o flow losses", "bidirectional": "bidirection flows",
        "rnn_in_decoder": "RNNs in decoder", "full": "ours (full)",
    },
    # Section III-D: training set-up.
    "training": {"batch": 20, "crop": 256, "iterations": 800_000, "lr": 1e-3, "betas": (0.9, 0.999),
                 "weight_decay": 1e-6, "flow_scales": 5},
}

# What each profile means for this chapter (merged onto the profile's shared fields).
BUDGETS = {
    "smoke": {"width": 0.125, "crop": 64, "batch": 2, "iterations": 3, "lr": 1e-3, "weight_decay": 1e-6,
              "milestones": (), "flow_weight": 1.0, "residual": True, "presets": ("global", "mixed"),
              "checkpoint_every": 2, "log_every": 1, "test_size": 64, "test_images": 2,
              "timing_size": (96, 160)},
    "small": {"width": 0.5, "crop": 64, "batch": 8, "iterations": 1000, "lr": 1e-3, "weight_decay": 1e-6,
              "milestones": (750,), "flow_weight": 1.0, "residual": True, "presets": ("global", "mixed"),
              "checkpoint_every": 100, "log_every": 10, "test_size": 128, "test_images": 16,
              "timing_size": (720, 1280)},
    "paper": {"width": 1.0, "crop": 256, "batch": 20, "iterations": 800_000, "lr": 1e-3, "weight_decay": 1e-6,
              "milestones": (), "flow_weight": 1.0, "residual": False, "presets": ("global", "mixed"),
              "checkpoint_every": 5000, "log_every": 100, "test_size": 256, "test_images": 100,
              "timing_size": (720, 1280)},
}


def budget(profile: str) -> dict:
    """This chapter's budget at ``profile``."""
    return profiles.budget(profile, BUDGETS, owner=CHAPTER)


def build(variant: str, profile: str, seed: int, device: str, iterations: int | None) -> Experiment:
    """The Table IV row ``variant`` as an experiment (model, Eq. 14 loss, engine data, schedule)."""
    cfg = budget(profile)
    model = FlowDeblurNet(variant, width=cfg["width"], residual=cfg["residual"])
    inputs = {"no_rnn": ("blur",), "single_image": ("blur",),
              "bidirectional": ("blur", "blur_next", "blur_prev")}.get(variant, ("blur", "blur_next"))
    flow_weight = 0.0 if variant in ("no_flow_loss", "single_image", "no_rnn") else cfg["flow_weight"]
    targets = ("blur_next", "blur_prev") if variant == "bidirectional" else ("blur_next",)
    loss = FlowDeblurLoss(flow_weight=flow_weight, targets=targets)
    steps = iterations if iterations is not None else cfg["iterations"]
    signals = tuple(dict.fromkeys(inputs + ("sharp",)))
    train_set = SyntheticDataset(cfg["presets"], crop=cfg["crop"], length=steps * cfg["batch"] * 8,
                                 seed=1_000_003 * (seed + 1), signals=signals)
    config = TrainConfig(iterations=steps, batch=cfg["batch"], lr=cfg["lr"], betas=(0.9, 0.999),
                         weight_decay=cfg["weight_decay"], milestones=tuple(cfg["milestones"]),
                         checkpoint_every=cfg["checkpoint_every"], log_every=cfg["log_every"],
                         seed=seed, device=device)
    return Experiment(f"{CHAPTER}:{variant}", model, loss, train_set, inputs, config, dict(cfg))


EXPERIMENTS = {f"{CHAPTER}:{v}": partial(build, v) for v in VARIANTS}


# ---------------------------------------------------------------- tables and claims from results files

def table4(ablations: dict) -> str:
    """Table IV: the paper's rows beside ours (mean, range over seeds, verdict)."""
    labels, paper = PAPER["table4_labels"], PAPER["table4"]
    summary = ablations["summary"]
    ref = summary["full"]["psnr"]
    lines = []
    for v in VARIANTS:
        p_psnr, p_ssim = paper[v]
        ours = summary[v]["psnr"]
        lines.append(f"| {labels[v]} | {p_psnr:.2f} / {p_ssim:.3f} | {p_psnr - paper['full'][0]:+.2f} | "
                     f"{ours['mean']:.2f} (range {ours['spread']:.2f}) / {summary[v]['ssim']['mean']:.4f} | "
                     f"{ours['mean'] - ref['mean']:+.2f} | {verdict(ours, ref) if v != 'full' else '-'} |")
    return ("| row | paper PSNR / SSIM (DVD) | paper, vs full | ours PSNR (range over seeds) / SSIM | "
            "ours, vs full | ours against full |\n|---|---|---|---|---|---|\n" + "\n".join(lines))


def fig6(ablations: dict) -> str:
    rows = ablations["fig6"]
    return ("| second input | mean flow norm at 1/4 (px) | PSNR (dB) |\n|---|---|---|\n"
            + "\n".join(f"| {k} | {v['flow_norm']:.3f} | {v['psnr']:.2f} |" for k, v in rows.items()))


def table2(res: dict) -> str:
    table, seeds = res["table2_ours"], res["seeds"]
    lines = [f"| {name} | {row['images']} | {row['blurred'][0]:.2f} / {row['blurred'][1]:.3f} | "
             f"{row['RL with TV-L1 flow'][0]:.2f} / {row['RL with TV-L1 flow'][1]:.3f} | "
             f"{row['ours']['mean']:.2f} (range {row['ours']['spread']:.2f}) / {row['ours_ssim']['mean']:.3f} |"
             for name, row in table.items()]
    return (f"| test set | images | blurred input | RL, TV-L1 flow | ours ({len(seeds)} seed(s)) |\n"
            "|---|---|---|---|---|\n" + "\n".join(lines))


def table3(res: dict) -> str:
    ours, paper = res["table3_ours"], PAPER["table3"]
    h, w = ours["size"]
    return ("| | parameters | image size | seconds | device |\n|---|---|---|---|---|\n"
            f"| paper (Table III) | {paper['parameters'] / 1e6:.1f} M | 720x1280 | {paper['seconds']:.2f} | "
            f"{paper['device']} |\n| ours, measured | {ours['parameters'] / 1e6:.2f} M | {h}x{w} | "
            f"{ours['seconds']:.2f} | {ours['device']} |")


def against(ours: dict, value: float) -> str:
    """"higher", "lower" or "no difference": ``ours`` (a seed summary) against one number."""
    diff = ours["mean"] - value
    if ours["seeds"] < 2:
        return "one seed: no claim"
    if abs(diff) <= ours["spread"]:
        return "no difference"
    return "higher" if diff > 0 else "lower"


def _per_set(table: dict, reference: str) -> str:
    """One verdict per test set, e.g. "synthetic global: higher (+0.19 dB); ..."."""
    parts = []
    for name, row in table.items():
        value = row[reference][0]
        parts.append(f"{name}: {against(row['ours'], value)} ({row['ours']['mean'] - value:+.2f} dB)")
    return "; ".join(parts)


def claims(res: dict, ablations: dict) -> list[tuple[str, str]]:
    """The paper's claims and what the results support, computed (not written).

    A difference counts only beyond the spread over seeds (``deblurbook.book.stats``).
    """
    table = res["table2_ours"]
    v = ablations["verdicts"]
    worse = {"lower": "supported (lower than the full model by more than the spread)",
             "no difference": "not supported at this budget (no difference beyond the spread)",
             "higher": "contradicted at this budget (higher than the full model)",
             "one seed: no claim": "cannot tell with one seed"}
    same = {"no difference": "supported (no difference beyond the spread)", "lower": "lower here",
            "higher": "higher here", "one seed: no claim": "cannot tell with one seed"}
    fig6 = ablations["fig6"]
    flow_drop = fig6["identical frames"]["flow_norm"] < 0.5 * fig6["consecutive frames"]["flow_norm"]
    psnr_drop = fig6["identical frames"]["psnr"] < fig6["consecutive frames"]["psnr"]
    return [
        ("The model restores blurred frames (better than the input)", _per_set(table, "blurred")),
        ("It beats non-blind deconvolution with estimated flow (Fig. 5)", _per_set(table, "RL with TV-L1 flow")),
        ("RNNs are needed (w/o RNNs is worse)", worse[v["no_rnn"]]),
        ("RNNs beat concatenating their weights", worse[v["concat_weights"]]),
        ("Flow from two frames beats one frame (w/o flow is worse)", worse[v["single_image"]]),
        ("The flow loss helps (w/o flow losses is worse)", worse[v["no_flow_loss"]]),
        ("RNNs belong in the encoder (in the decoder is worse)", worse[v["rnn_in_decoder"]]),
        ("Bidirectional flow gives no gain", same[v["bidirectional"]]),
        ("Fig. 6: identical frames give near-zero flow and less deblurring",
         ("supported" if flow_drop and psnr_drop else
          f"flow {'drops' if flow_drop else 'does not drop'} by half, PSNR {'drops' if psnr_drop else 'does not drop'}")),
        ("30.58 dB on DVD, 0.20 s on a Titan Xp", "cannot be tested here (no DVD; timings on other hardware)"),
    ]
