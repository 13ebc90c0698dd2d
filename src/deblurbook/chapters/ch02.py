"""Chapter 2: deblurring from optical flow (Zhang, Pan et al., TCSVT 2021).

Everything of the book that is this chapter's alone: the paper's quoted
numbers (:data:`PAPER`), the budgets per profile (:data:`BUDGETS`), the named
experiments (one per Table IV row, :data:`EXPERIMENTS`), and the tables and
claims built from ``results/<profile>/ch02/`` files.
"""

from __future__ import annotations

from functools import partial

import matplotlib.pyplot as plt
import numpy as np
import torch

from ..book import stats
from ..book.tables import markdown_table
from ..book.viz import Block, Panel, block_diagram, figure, to_hwc, zoom
from ..core import profiles, results
from ..data import synth
from ..data.datasets import SyntheticDataset
from ..data.testsets import TestSet, synthetic_test_set
from ..imaging import baselines, formation, metrics
from ..models.flow_deblur import VARIANTS, FlowDeblurLoss, FlowDeblurNet, full_resolution_flow, layer_table
from ..nn.blocks import parameter_count
from ..training import experiments
from ..training.evaluate import evaluate
from ..training.experiments import Experiment
from ..training.trainer import TrainConfig
from ._runs import train_and_score

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
    # Section III-D: training set-up as the text states it.
    "training": {"batch": 20, "crop": 256, "iterations": 800_000, "lr": 1e-3, "betas": (0.9, 0.999),
                 "weight_decay": 1e-6, "flow_scales": 5},
}

# The solver of the authors' released code (matlab/exp/model/solver.prototxt and dataconfig.m of
# zhjwustc/tcsvt21_flow_deblur_matcaffe), which differs from the text: Adam at base_lr 1e-4 with
# "poly" decay (power 2) over max_iter 5,000,000, gradients clipped to a global norm of 5000, batch 10.
RELEASED_SOLVER = {"lr": 1e-4, "schedule": "poly", "power": 2.0, "grad_clip": 5000.0, "batch": 10,
                   "iterations": 5_000_000}

# 02.01's check 2: the per-pixel Eq. 12 blur of the engine's sharp frame, away from occlusion
# edges, against the engine's blur. At the benchmarks' blur scale the engine's paths bend (camera
# rotation about the frame's pivot over tens of pixels) and a blur streak can start outside the crop,
# so the straight Eq. 12 segments agree to 19-55 dB, scene by scene (measured over 12 scenes per
# preset at 64 and 128 px; medians about 30 dB on `global`, 40 dB on `mixed`); on every one of those
# 48 scenes they were at least 5.1 dB closer to the engine's blur than the sharp frame is, on the
# same pixels. The check asserts this gain on each of PER_PIXEL_SCENES scenes per preset.
PER_PIXEL_GAIN_DB = 3.0
PER_PIXEL_SCENES = 4

# What each profile means for this chapter (merged onto the profile's shared fields).
_COMMON = {"lr": 1e-3, "weight_decay": 1e-6, "schedule": "step", "flow_weight": 1.0, "flow_balance": "pixels",
           "presets": ("global", "mixed")}
BUDGETS = {
    "smoke": {**_COMMON, "width": 0.125, "crop": 64, "batch": 2, "iterations": 3, "milestones": (),
              "residual": True, "checkpoint_every": 2, "log_every": 1, "test_size": 64, "test_images": 2,
              "rl_iterations": 5, "timing_size": (96, 160)},
    "small": {**_COMMON, "width": 0.5, "crop": 64, "batch": 8, "iterations": 1000, "milestones": (750,),
              "residual": True, "checkpoint_every": 100, "log_every": 10, "test_size": 128, "test_images": 16,
              "rl_iterations": 30, "timing_size": (720, 1280)},
    # the text's solver; the released code's is the experiment "ch02:full_released_solver"
    "paper": {**_COMMON, "width": 1.0, "crop": 256, "batch": 20, "iterations": 800_000, "milestones": (),
              "residual": False, "checkpoint_every": 5000, "log_every": 100, "test_size": 256, "test_images": 100,
              "rl_iterations": 30, "timing_size": (720, 1280)},
}

# Rows the book trains besides the paper's Table IV variants: what changes against "full".
EXTRA_ROWS = {
    "full_flow_mean": {"flow_balance": "mean"},  # Eq. 14 with every term a per-pixel mean (flow 16x-4096x heavier)
    "full_no_residual": {"residual": False},  # the paper's architecture at a CPU budget (no global skip)
    "full_released_solver": {"solver": "released"},  # the released code's solver instead of the text's
}
TABLE4_ROWS = VARIANTS + ("full_flow_mean",)
LABELS = {"no_rnn": "w/o RNNs", "concat_weights": "concat RNN weights", "single_image": "w/o flow",
             "no_flow_loss": "w/o flow losses", "bidirectional": "bidirection flows",
             "rnn_in_decoder": "RNNs in decoder", "full": "ours (full)",
          "full_flow_mean": "full, flow terms as per-pixel means (not in the paper)",
          "full_no_residual": "full without the book's global residual",
          "full_released_solver": "full with the released code's solver"}


def budget(profile: str) -> dict:
    """This chapter's budget at ``profile``."""
    return profiles.budget(profile, BUDGETS, owner=CHAPTER)


def inputs_of(variant: str) -> tuple[str, ...]:
    """The batch keys a variant reads: one, two or three blurred frames."""
    return {"no_rnn": ("blur",), "single_image": ("blur",),
            "bidirectional": ("blur", "blur_next", "blur_prev")}.get(variant, ("blur", "blur_next"))


def build(row: str, profile: str, seed: int, device: str, iterations: int | None) -> Experiment:
    """A row (a Table IV variant or one of :data:`EXTRA_ROWS`) as an experiment: model,
    Eq. 14 loss, engine data and schedule at ``profile``'s budget."""
    cfg = {**budget(profile), **EXTRA_ROWS.get(row, {})}
    if cfg.pop("solver", "text") == "released":
        cfg.update(RELEASED_SOLVER if profile == "paper" else
                   {k: v for k, v in RELEASED_SOLVER.items() if k not in ("batch", "iterations")})
    variant = row if row in VARIANTS else "full"
    model = FlowDeblurNet(variant, width=cfg["width"], residual=cfg["residual"])
    inputs = inputs_of(variant)
    flow_weight = 0.0 if variant in ("no_flow_loss", "single_image", "no_rnn") else cfg["flow_weight"]
    targets = ("blur_next", "blur_prev") if variant == "bidirectional" else ("blur_next",)
    loss = FlowDeblurLoss(flow_weight=flow_weight, balance=cfg["flow_balance"], targets=targets)
    steps = iterations if iterations is not None else cfg["iterations"]
    signals = tuple(dict.fromkeys(inputs + ("sharp",)))
    train_set = SyntheticDataset(cfg["presets"], crop=cfg["crop"], length=steps * cfg["batch"] * 8,  # <= 8 DDP ranks
                                 seed=1_000_003 * (seed + 1), signals=signals)
    config = TrainConfig(iterations=steps, batch=cfg["batch"], lr=cfg["lr"], betas=(0.9, 0.999),
                         weight_decay=cfg["weight_decay"], schedule=cfg["schedule"],
                         milestones=tuple(cfg.get("milestones", ())), power=cfg.get("power", 1.0),
                         grad_clip=cfg.get("grad_clip"), checkpoint_every=cfg["checkpoint_every"],
                         log_every=cfg["log_every"], seed=seed, device=device)
    return Experiment(f"{CHAPTER}:{row}", model, loss, train_set, inputs, config, cfg)


EXPERIMENTS = {f"{CHAPTER}:{row}": partial(build, row) for row in VARIANTS + tuple(EXTRA_ROWS)}


# ---------------------------------------------------------------- tables and claims from results files
#
# Results keep every score per seed and per test image, in one fixed image order,
# so that rows are compared pairwise (deblurbook.book.stats).

def scores(runs: list[dict], key: str = "psnr") -> np.ndarray:
    """(seeds, images) of one row from its evaluation runs (one per seed)."""
    return stats.per_seed_images(runs, key)



def table4(ablations: dict) -> str:
    """Table IV: the paper's rows beside ours, with parameters and paired verdicts against full."""
    paper, rows = PAPER["table4"], ablations["rows"]
    full = scores(rows["full"]["runs"])
    lines = []
    for name in (r for r in TABLE4_ROWS if r in rows):
        row = rows[name]
        ours = scores(row["runs"])
        ssim = scores(row["runs"], "ssim").mean()
        p_psnr, p_ssim = paper.get(name, (None, None))
        quoted = f"{p_psnr:.2f} / {p_ssim:.3f} ({p_psnr - paper['full'][0]:+.2f})" if p_psnr else "-"
        versus = "-" if name == "full" else stats.describe(stats.compare(ours, full))
        lines.append([LABELS[name], quoted, f"{row['parameters']['trained'] / 1e6:.2f} M / "
                      f"{row['parameters']['paper'] / 1e6:.2f} M",
                      f"{stats.estimate(stats.interval(ours))} / {ssim:.4f}", versus])
    return markdown_table(["row", "paper PSNR / SSIM on DVD (vs full)", "parameters (trained / paper scale)",
                           f"ours PSNR [95% CI] / SSIM ({full.shape[0]} seeds x {full.shape[1]} images)",
                           "ours against full: verdict, difference [95% CI]"], lines)


def fig6(ablations: dict) -> str:
    """Fig. 6: the finest flow's mean norm and the PSNR with consecutive and with identical frames."""
    f = ablations["fig6"]
    flow = {k: np.asarray(f[f"flow_{k}"]) for k in ("consecutive", "identical")}
    psnr = {k: np.asarray(f[f"psnr_{k}"]) for k in ("consecutive", "identical")}
    rows = [[f"{k} frames", stats.estimate(stats.interval(flow[k])), stats.estimate(stats.interval(psnr[k]))]
            for k in flow]
    rows.append(["identical - consecutive", stats.describe(stats.compare(flow["identical"], flow["consecutive"]), "px"),
                 stats.describe(stats.compare(psnr["identical"], psnr["consecutive"]))])
    return markdown_table(["second input", "mean flow norm at 1/4 scale, px [95% CI]", "PSNR, dB [95% CI]"], rows)


def table2(res: dict) -> str:
    """Table II's analogue: blurred input, RL with TV-L1 flow kernels, and ours, per test set."""
    lines = []
    for name, row in res["table2_ours"].items():
        ours = np.asarray(row["ours_psnr"])
        lines.append([name, row["images"], f"{np.mean(row['blurred_psnr']):.2f} / {np.mean(row['blurred_ssim']):.3f}",
                      f"{np.mean(row['rl_psnr']):.2f} / {np.mean(row['rl_ssim']):.3f}",
                      f"{stats.estimate(stats.interval(ours))} / {np.mean(row['ours_ssim']):.3f}"])
    seeds = len(res["seeds"])
    return markdown_table(["test set", "images", "blurred input (PSNR / SSIM)", "RL, TV-L1 flow kernels",
                           f"ours, PSNR [95% CI] / SSIM ({seeds} seed{'s' * (seeds > 1)})"], lines)


def table3(res: dict) -> str:
    ours, paper = res["table3_ours"], PAPER["table3"]
    h, w = ours["size"]
    return markdown_table(["", "parameters", "image size", "seconds", "device"], [
        ["paper (Table III)", f"{paper['parameters'] / 1e6:.1f} M", "720x1280", f"{paper['seconds']:.2f}",
         paper["device"]],
        ["ours, measured", f"{ours['parameters'] / 1e6:.2f} M", f"{h}x{w}", f"{ours['seconds']:.2f}", ours["device"]]])


_WORSE = {"lower": "supported", "higher": "contradicted (higher than full)",
          "equivalent": "contradicted (equivalent to full)", "inconclusive": "inconclusive",
          "no claim": "no claim (fewer than 3 seeds)"}
_SAME = {"equivalent": "supported", "higher": "contradicted (higher than full)",
         "lower": "contradicted (lower than full)", "inconclusive": "inconclusive (not support)",
         "no claim": "no claim (fewer than 3 seeds)"}


def fig6_summary(f: dict) -> str:
    """Fig. 6 in words chosen by the numbers: how the flow and the PSNR change with identical frames."""
    flow = stats.compare(np.asarray(f["flow_identical"]), np.asarray(f["flow_consecutive"]))
    psnr = stats.compare(np.asarray(f["psnr_identical"]), np.asarray(f["psnr_consecutive"]))
    before, after = np.mean(f["flow_consecutive"]), np.mean(f["flow_identical"])
    moves = {"lower": f"shrinks from {before:.2f} to {after:.2f} px ({after / max(before, 1e-12):.0%} of it)",
             "higher": f"grows from {before:.2f} to {after:.2f} px",
             "equivalent": f"stays at {before:.2f} px", "inconclusive": f"goes from {before:.2f} to {after:.2f} px "
             "(inconclusive)", "no claim": f"goes from {before:.2f} to {after:.2f} px (too few seeds to tell)"}
    return f"the flow {moves[flow.verdict]}; the PSNR with identical frames is {stats.describe(psnr)}"


def against_input(row: dict, reference: str) -> stats.Comparison:
    """Ours (seeds x images) against a per-image reference of a Table II row ("blurred_psnr", "rl_psnr")."""
    return stats.compare(np.asarray(row["ours_psnr"]), np.asarray(row[reference]))


def _by_verdict(verdicts: dict[str, str]) -> str:
    """{"REDS": "higher", "global": "inconclusive"} as "higher on REDS; inconclusive on global"."""
    grouped: dict[str, list[str]] = {}
    for name, verdict in verdicts.items():
        grouped.setdefault(verdict, []).append(name)
    return "; ".join(f"{verdict} on {', '.join(names)}" for verdict, names in grouped.items())


def reference_summary(res: dict, ablations: dict | None) -> str:
    """What a run's Table II analogue and Table IV say, in words built from their verdicts."""
    def versus(reference: str) -> str:
        return _by_verdict({name: against_input(row, reference).verdict for name, row in res["table2_ours"].items()})

    text = (f"against the blurred input, the full model is {versus('blurred_psnr')}; against Richardson-Lucy "
            f"with TV-L1 flow kernels it is {versus('rl_psnr')}")
    if ablations and "rows" in ablations:
        text += f"; its Table IV rows against the full model are {verdict_words(ablations)}"
    return text


def claims(res: dict, ablations: dict) -> list[tuple[str, str]]:
    """The paper's claims and what this profile's results say, from paired comparisons.

    "Worse than full" claims are supported only by "lower"; "no gain" claims only
    by "equivalent" (within the margin); "inconclusive" is never support.
    """
    rows = ablations["rows"]
    full = scores(rows["full"]["runs"])

    def against_full(name, words):
        return stats.judge(stats.compare(scores(rows[name]["runs"]), full), words) if name in rows else "not run"

    def per_set(reference):
        return "; ".join(f"{name}: " + stats.judge(against_input(row, reference))
                         for name, row in res["table2_ours"].items())

    return [
        ("The model restores blurred frames (better than the input)", per_set("blurred_psnr")),
        ("It beats non-blind deconvolution with estimated flow (Fig. 5)", per_set("rl_psnr")),
        ("RNNs are needed (w/o RNNs is worse)", against_full("no_rnn", _WORSE)),
        ("RNNs beat concatenating their weights", against_full("concat_weights", _WORSE)),
        ("Flow from two frames beats one frame (w/o flow is worse)", against_full("single_image", _WORSE)),
        ("The flow loss helps (w/o flow losses is worse)", against_full("no_flow_loss", _WORSE)),
        ("RNNs belong in the encoder (in the decoder is worse)", against_full("rnn_in_decoder", _WORSE)),
        ("Bidirectional flow gives a similar result (no gain)", against_full("bidirectional", _SAME)),
        ("Fig. 6: identical frames give near-zero flow and less deblurring", fig6_summary(ablations["fig6"])),
        ("30.58 dB on DVD, 0.20 s on a Titan Xp", "cannot be tested here (no DVD; timings on other hardware)"),
    ]


# ---------------------------------------------------------------- running the chapter's experiments

def test_sets(profile: str) -> dict[str, TestSet]:
    """The fixed synthetic test sets of the budget's presets, in a fixed order."""
    cfg = budget(profile)
    size = (cfg["test_size"], cfg["test_size"])
    return {preset: synthetic_test_set(preset, size, cfg["test_images"]) for preset in cfg["presets"]}


def paper_parameters(row: str) -> int:
    """The row's parameter count at the paper's width."""
    return parameter_count(FlowDeblurNet(row if row in VARIANTS else "full", width=1.0))


def evaluate_row(row: str, profile: str, seeds, device: str, sets: dict[str, TestSet]) -> dict:
    """Train ``row`` for each seed (or load the finished run) and score it on ``sets``.

    Returns ``{"runs": [{"seed", "steps", "psnr", "ssim", "per_image": [...]}],
    "parameters": {"trained", "paper"}}``; ``per_image`` lists every test image
    of every set in one fixed order, so that rows pair image by image.
    """
    runs, model = train_and_score(f"{CHAPTER}:{row}", profile, seeds, device, sets)
    return {"runs": runs, "parameters": {"trained": parameter_count(model), "paper": paper_parameters(row)}}


@torch.no_grad()
def identical_frames_test(models, sets: dict[str, TestSet], device) -> dict:
    """Fig. 6: each model fed (blur, blur_next) and (blur, blur); per seed and image,
    the PSNR of the output and the mean norm of the finest (1/4-scale) flow."""
    out = {f"{k}_{case}": [] for k in ("psnr", "flow") for case in ("consecutive", "identical")}
    for model in models:
        rows = {key: [] for key in out}
        for data in sets.values():
            for i in range(len(data)):
                item = data[i]
                blur, sharp = item["blur"][None].to(device), item["sharp"][None]
                for case, second in (("consecutive", item["blur_next"][None].to(device)), ("identical", blur)):
                    result = model(blur, second)
                    restored = result["image"].clamp(0, 1).float().cpu()
                    rows[f"psnr_{case}"].append(float(metrics.psnr(restored, sharp)[0]))
                    rows[f"flow_{case}"].append(float(result["flows"][-1].norm(dim=1).mean()))
        for key in out:
            out[key].append(rows[key])
    return out


REAL_DUTY = 1.0  # assumed for real frames, whose duty cycle is unknown (the synthetic sets store theirs)


def rl_with_tvl1_flow(item: dict, iterations: int) -> np.ndarray:
    """The classical pipeline: TV-L1 flow between the two blurred frames, Eq. 12 kernels
    at the scene's duty cycle, patch-wise Richardson-Lucy. HxWx3 float32."""
    blur, following = (to_hwc(item[k]) for k in ("blur", "blur_next"))
    duty = float(item["duty"]) if "duty" in item else REAL_DUTY
    return baselines.patchwise_richardson_lucy(blur, baselines.tvl1_flow(blur, following), duty, 32, iterations)


def score_table2(trained: list, sets: dict, rl_iterations: int, limit: int | None = None) -> dict:
    """Per test set and image: the blurred input, RL with TV-L1 flow kernels, and each
    trained ``(experiment, trainer)`` (one per seed), PSNR and SSIM."""
    table = {}
    for name, data in sets.items():
        count = len(data) if limit is None else min(limit, len(data))
        items = [data[i] for i in range(count)]
        rl = [rl_with_tvl1_flow(item, rl_iterations) for item in items]
        sharp = [to_hwc(item["sharp"]) for item in items]
        blurred = [to_hwc(item["blur"]) for item in items]
        ours = [evaluate(trainer.model, data, exp.inputs, trainer.device, limit=count)["per_image"]
                for exp, trainer in trained]
        table[name] = {"images": count,
                       "blurred_psnr": [metrics.psnr(b, s) for b, s in zip(blurred, sharp)],
                       "blurred_ssim": [metrics.ssim(b, s) for b, s in zip(blurred, sharp)],
                       "rl_psnr": [metrics.psnr(r, s) for r, s in zip(rl, sharp)],
                       "rl_ssim": [metrics.ssim(r, s) for r, s in zip(rl, sharp)],
                       "ours_psnr": [[p["psnr"] for p in run] for run in ours],
                       "ours_ssim": [[p["ssim"] for p in run] for run in ours]}
    return table


# ---------------------------------------------------------------- the other notebooks' tables, sentences, figures

def flow_to_kernel_table(res: dict) -> str:
    """02.01's checks: Eq. 12 against averaged frames, per-pixel kernels against the engine."""
    return markdown_table(["check", "PSNR (dB)"], [
        ["averaged frames vs one Eq. 12 convolution, worst case", f"{res['eq12_psnr_min']:.1f}"],
        *[[f"per-pixel Eq. 12 vs the engine's blur, away from occlusion edges ({p}, {len(v['eq12'])} scenes: "
           "median, worst)", f"{np.nanmedian(v['eq12']):.1f}, {np.nanmin(v['eq12']):.1f}"]
          for p, v in res["per_pixel"].items()]])


def scan_table(res: dict) -> str:
    return markdown_table(["features (C x H x W)", "fast scan (s)", "plain loop (s)", "speed-up"],
                          [["x".join(map(str, t["shape"])), f"{t['fast_s']:.3f}", f"{t['loop_s']:.3f}",
                            f"{t['speedup']:.1f}x"] for t in res["timing"]])


def scan_summary(res: dict) -> str:
    """Where the fast scan gains most, in words chosen by the numbers."""
    timing = res["timing"]
    best, worst = max(timing, key=lambda t: t["speedup"]), min(timing, key=lambda t: t["speedup"])
    shape = lambda t: "x".join(map(str, t["shape"]))
    return (f"the fast scan is {worst['speedup']:.1f}x to {best['speedup']:.1f}x faster than the loop "
            f"(most on {shape(best)} features, least on {shape(worst)}; device: {res['device']}, "
            f"{res['threads']} threads)")


def epe_table(res: dict) -> str:
    rows = res["flow_epe"]
    return markdown_table(["end-point error (px)", *rows],
                          [[m, *(f"{rows[p][m]:.2f}" for p in rows)] for m in ("learned", "TV-L1", "zero flow")])


def no_residual_summary(res: dict) -> str:
    plain = scores(res["no_residual"]["runs"])
    versus = stats.compare(plain, np.asarray(res["blurred_psnr"]), min_seeds=1)
    return (f"after {res['no_residual']['runs'][0]['steps']} steps the paper's architecture (no global residual) "
            f"is {stats.describe(versus)} against the blurred input itself (one seed; the interval covers the "
            "test images)")


def _against_full(ablations: dict) -> dict[str, stats.Comparison]:
    """Each Table IV row of ``ablations`` (but the full model) against the full model."""
    rows = ablations["rows"]
    full = scores(rows["full"]["runs"])
    return {r: stats.compare(scores(rows[r]["runs"]), full) for r in TABLE4_ROWS if r != "full" and r in rows}


def verdict_counts(ablations: dict) -> dict[str, int]:
    """How many Table IV rows are lower, higher, equivalent, inconclusive or make no claim."""
    verdicts = [c.verdict for c in _against_full(ablations).values()]
    return {word: verdicts.count(word) for word in ("lower", "higher", "equivalent", "inconclusive", "no claim")}


def verdict_words(ablations: dict) -> str:
    """The verdict counts in words: "2 lower, 5 inconclusive"."""
    return ", ".join(f"{n} {word}" for word, n in verdict_counts(ablations).items() if n)


def resolution_summary(ablations: dict) -> str:
    """How small a difference the run could see, and which of the paper's drops it rules out, in words."""
    comparisons = _against_full(ablations)
    full_psnr = PAPER["table4"]["full"][0]
    paper = {r: psnr - full_psnr for r, (psnr, _) in PAPER["table4"].items() if r != "full" and r in comparisons}
    biggest = max(abs(c.mean) for c in comparisons.values())
    half = float(np.median([(c.high - c.low) / 2 for c in comparisons.values()]))
    outside = [LABELS[r] for r, change in paper.items() if not comparisons[r].low <= change <= comparisons[r].high]
    return (f"the rows' mean differences from the full model are at most {biggest:.2f} dB and their 95% intervals "
            f"are ±{half:.2f} dB wide (median half-width), so much smaller differences cannot be told from "
            f"training and image noise at this budget; the paper's change lies outside our interval for "
            f"{len(outside)} of its {len(paper)} rows"
            + (f" ({', '.join(outside)}): at this budget those changes do not cost what they cost in the paper"
               if outside else ""))


def paper_table4_range() -> tuple[float, float]:
    """The smallest and largest drop from the full model among the paper's Table IV rows (dB)."""
    full = PAPER["table4"]["full"][0]
    drops = [full - psnr for name, (psnr, _) in PAPER["table4"].items() if name != "full"]
    return min(drops), max(drops)


def headline(profile: str = "small") -> list[str]:
    """The chapter's results in a sentence or two, from ``profile``'s committed files."""
    res = results.load(profile, CHAPTER, "results", required=False)
    ablations = results.load(profile, CHAPTER, "ablations", required=False)
    if res is None or ablations is None or "rows" not in ablations:
        return []
    gains = "; ".join(f"{name}: {stats.describe(against_input(row, 'blurred_psnr'))}"
                      for name, row in res["table2_ours"].items())
    return [(f"Optical-flow deblurring ({{doc}}`02.06 <../notebooks/ch02_optical-flow/02.06-results>`), full model "
             f"against the blurred input, {len(res['seeds'])} seeds: {gains}."),
            ("Its Table IV ({doc}`02.05 <../notebooks/ch02_optical-flow/02.05-ablations>`): against the full "
             f"model, {verdict_words(ablations)} of {sum(verdict_counts(ablations).values())} rows.")]


def qualitative_figure(model, item: dict, device, box: tuple[int, int, int] | None = None):
    """Blurred input, ours, sharp frame and our error, with zoomed crops (a model of the two-frame kind)."""
    with torch.no_grad():
        out = model(item["blur"][None].to(device), item["blur_next"][None].to(device))
    restored = to_hwc(out["image"])
    blur, sharp = to_hwc(item["blur"]), to_hwc(item["sharp"])
    h, w = sharp.shape[:2]
    box = box or (h // 4, w // 4, min(h, w) // 3)
    error = np.abs(restored - sharp).mean(-1) * 255
    panels = [Panel(blur, f"blurred, {metrics.psnr(blur, sharp):.2f} dB"),
              Panel(restored, f"ours, {metrics.psnr(restored, sharp):.2f} dB"), Panel(sharp, "sharp"),
              Panel(error, "|ours - sharp| (grey levels)", "map", limit=max(float(error.max()), 1.0), cmap="viridis")]
    panels += [Panel(zoom(image, box), f"zoom: {title}") for image, title in ((blur, "blurred"), (restored, "ours"),
                                                                               (sharp, "sharp"))]
    return figure(panels, columns=4, width=2.8)


REFERENCE_FIGURES = {"qualitative-synthetic": "one synthetic test scene, full model of seed 0",
                     "qualitative-reds": "one real REDS frame, full model of seed 0",
                     "estimated-flow": "the flow the full model of seed 0 estimates on that REDS frame"}


@torch.no_grad()
def flow_figure(model, item: dict, device):
    """A blurred frame and the flow the network estimates from it and the next frame
    (finest scale, resized to full resolution), as the paper's Fig. 4 shows it."""
    out = model(item["blur"][None].to(device), item["blur_next"][None].to(device))
    flow = full_resolution_flow(out["flows"][-1], tuple(item["blur"].shape[-2:]))[0]
    return figure([Panel(to_hwc(item["blur"]), "blurred frame"),
                   Panel(flow.permute(1, 2, 0).float().cpu().numpy(), "estimated flow", "flow")],
                  columns=2, width=3.6)


def architecture_figure(model):
    """The two networks of the paper drawn from the model's own layers (its Table I)."""
    rows = layer_table(model)
    flow = {r["name"]: Block(r["name"], int(r["in/out"].split("/")[1])) for r in rows if r["network"] == "flow"}
    decoder = [name for s in range(6, 1, -1) for name in (f"flow{s}", f"deconv{s}", f"up{s}to{s - 1}") if name in flow]
    order = [n for n in flow if n.startswith("conv")] + decoder + [n for n in flow if n.startswith("rnnw")]
    flow = [flow[n] for n in order]
    deblur = [Block(r["name"], int(r["in/out"].split("/")[1])) for r in rows if r["network"] == "deblur"]
    links = [((0, i), (1, j)) for i, b in enumerate(flow) if b.label.startswith("rnnw")
             for j, d in enumerate(deblur) if d.label == f"d_conv{b.label[-1]}"]
    return block_diagram([flow, deblur], ["flow network (FlowNet2-s)", "deblurring U-Net"], links)


def per_pixel_check(preset: str, side: int, seed: int) -> dict:
    """02.01's check 2 on one engine scene: its sharp frame blurred with the Eq. 12 kernel of
    its true flow at every pixel, against its own blur, away from occlusion edges (where
    one layer slides over another and no kernel of the sharp frame can say what appears)."""
    from scipy import ndimage

    s = synth.make_sample(preset, (side, side), seed=seed)
    per_pixel = formation.blur_with_kernels(s["sharp"], formation.flow_to_kernel(s["flow"], float(s["duty"])))
    edges = np.linalg.norm(np.stack(np.gradient(s["flow"], axis=(0, 1))), axis=(0, -1)) > 0.25
    away = ~ndimage.binary_dilation(edges, iterations=int(np.abs(s["flow"]).max()) + 2)
    nan = float("nan")
    return {"sample": s, "per_pixel": per_pixel, "away": away,
            "away_psnr": metrics.masked_psnr(per_pixel, s["blur"], away) if away.any() else nan,
            "away_sharp_psnr": metrics.masked_psnr(s["sharp"], s["blur"], away) if away.any() else nan,
            "whole_psnr": metrics.psnr(per_pixel, s["blur"]), "blur_psnr": metrics.psnr(s["sharp"], s["blur"])}


def per_pixel_checks(side: int, seed: int, count: int = PER_PIXEL_SCENES) -> dict[str, list[dict]]:
    """:func:`per_pixel_check` on ``count`` scenes of each preset (seeds from ``seed + 40``)."""
    return {preset: [per_pixel_check(preset, side, seed + 40 + 100 * k + i) for i in range(count)]
            for k, preset in enumerate(("global", "mixed"))}


def per_pixel_record(checks: dict[str, list[dict]]) -> dict[str, dict[str, list[float]]]:
    """What 02.01 keeps of the checks: per preset, each scene's PSNR of the per-pixel Eq. 12 blur
    and of the sharp frame against the engine's blur, away from occlusion edges (NaN: no such pixel)."""
    return {preset: {"eq12": [c["away_psnr"] for c in found], "sharp": [c["away_sharp_psnr"] for c in found]}
            for preset, found in checks.items()}


def per_pixel_gains(record: dict) -> list[float]:
    """Every scene's PSNR gain of the per-pixel Eq. 12 blur over the sharp frame (NaN stays NaN)."""
    return [e - s for v in record.values() for e, s in zip(v["eq12"], v["sharp"])]


def per_pixel_summary(res: dict) -> str:
    record = res["per_pixel"]
    said = [f"{np.nanmin(v['eq12']):.1f}-{np.nanmax(v['eq12']):.1f} dB on `{p}` scenes" for p, v in record.items()]
    return (f"the per-pixel Eq. 12 blur reproduces the engine's to {' and '.join(said)} away from occlusion edges, "
            f"at least {min(per_pixel_gains(record)):.1f} dB closer than the sharp frame on each: the straight "
            "segments hold where the paths are straight and the streak stays inside the crop")


@torch.no_grad()
def flow_errors(model, sets: dict, device) -> dict:
    """End-point error of the network's finest flow (resized to full resolution), of TV-L1
    between the same blurred frames, and of zero flow, against the engine's true flow."""
    found, example = {}, None
    for preset, test in sets.items():
        errors = {"learned": [], "TV-L1": [], "zero flow": []}
        for i in range(len(test)):
            item = test[i]
            out = model(item["blur"][None].to(device), item["blur_next"][None].to(device))
            size = tuple(item["blur"].shape[-2:])
            learned = full_resolution_flow(out["flows"][-1], size)[0].permute(1, 2, 0).float().cpu().numpy()
            truth = item["flow"].permute(1, 2, 0).numpy()
            blur, following = (to_hwc(item[k]) for k in ("blur", "blur_next"))
            tvl1 = baselines.tvl1_flow(blur, following)
            for name, flow in (("learned", learned), ("TV-L1", tvl1), ("zero flow", np.zeros_like(truth))):
                errors[name].append(metrics.epe(flow, truth))
            example = example or (blur, truth, learned, tvl1)
        found[preset] = {k: float(np.mean(v)) for k, v in errors.items()}
    return {"flow_epe": found, "example": example}


CURVES_CAPTION = ("training of the full model: the image term and the pixel-weighted flow term of Eq. 14 (left), "
                  "each flow scale's warping error (right)")


def loss_curves(log: list[dict], title: str):
    """The image term, the weighted flow term and each scale's warping error over training."""
    steps = [entry["step"] for entry in log]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    axes[0].plot(steps, [e["mse_image"] for e in log], label="image MSE")
    axes[0].plot(steps, [e.get("flow_term", np.nan) for e in log], label="flow term (5 scales, pixel-weighted)")
    for s in range(5):
        axes[1].plot(steps, [e.get(f"warp_s{s}", np.nan) for e in log], label=f"warp MSE at 1/{2 ** (6 - s)}")
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xlabel("step", fontsize=11)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
