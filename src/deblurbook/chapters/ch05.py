"""Chapter 5: SGENet (spatially guided enhancement).

The paper's quoted numbers (:data:`PAPER`), the budgets per profile, CEM's
and CSAM's maps on a trained model (05.01), the network's parameters by
module kind, its multiply-accumulates beside the other chapters' networks
(``torch.utils.flop_counter``), the runtime argument (what the paper's 0.017 s
would need of its GPU) and this machine's time in both timing modes (05.02),
and the experiments of 05.03-05.05 (:data:`ROWS`: the full model and the
ablations the paper's lost section would have had).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch
from torch import nn

from ..book import pages, stats, viz
from ..book.cost import macs, required_throughput
from ..book.tables import markdown_table
from ..book.timing import device_label, seconds_per_image
from ..book.viz import figure, to_hwc
from ..core import profiles
from ..core.device import describe, resolve
from ..data.datasets import PairDataset, SyntheticDataset
from ..data.real import gopro_crops, reds_clips
from ..data.testsets import synthetic_test_set
from ..models.bladenet import BladeNet
from ..models.sgenet import CAB, CEM, CSAM, RDM, SGENet
from ..models.two_way import MTDN
from ..nn.blocks import parameter_count
from ..nn.edge_losses import StageScaleCharbonnierEdge
from ..training.cosine import CosineConfig
from ..training.experiments import Experiment, train_experiment
from . import _runs
from ._runs import (
    blurred_per_set,
    per_set,
    scores_table,
    train_and_score,
    versus,
)

CHAPTER = "ch05"

# Numbers quoted from the paper (typed from its text; never ours). Table 1: GoPro and HIDE PSNR / SSIM,
# runtime (s at 720x1280, "released code, same environment", an RTX 3090), parameters (M).
PAPER = {
    "citation": "sgenet",
    "table1": {"DeepDeblur": (29.23, 0.916, 25.73, 0.873, None, 11.7), "SRN": (30.26, 0.934, 28.36, 0.915, None, 6.8),
               "PSS-NSC": (30.92, 0.942, 29.11, 0.913, None, 2.84),
               "DMPHN": (31.20, 0.945, 29.09, 0.924, 0.026, 21.7), "DBGAN": (31.10, 0.942, 28.94, 0.915, 0.225, 11.5),
               "MT-RNN": (31.15, 0.945, 29.15, 0.918, 0.050, 2.6), "SAPHNet": (31.85, 0.948, 29.98, 0.930, None, None),
               "MIMO-UNet(+)": (32.45, 0.957, 29.99, 0.930, 0.018, 16.1),
               "MPRNet": (32.66, 0.959, 30.96, 0.939, 0.208, 20.1),
               "SGENet": (32.96, 0.961, 30.71, 0.937, 0.017, 19.5)},
    "speedup_claimed": 6.82,  # "6.82x faster than MPRNet" (Sec. 4.2.1)
}
# Not the paper's: NVIDIA's published dense FP32 peak of the GeForce RTX 3090 (35.6 TFLOP/s, boost clock).
RTX3090_FP32 = 35.6e12

# GoPro's blur: the engine's `global` and `mixed` scenes in turn. Eq. 2 (Charbonnier + 0.05 x edge over
# both stages and three scales), Adam with cosine annealing to 1e-7 (the paper), flips (the loader).
_COMMON = {"train_presets": ("global", "mixed"), "edge": 0.05, "eta_min": 1e-7}
BUDGETS = {
    "smoke": {**_COMMON, "time_widths": (8, 10, 12), "time_size": (64, 96), "widths": (4, 5, 6), "rdms": 1,
              "crop": 32, "batch": 2, "iterations": 3, "lr": 5e-4, "checkpoint_every": 2, "log_every": 1,
              "test_size": 48, "test_images": 2, "real_images": 1},
    # the spec's CPU widths (16, 20, 24) with one RDM per side (0.31 M); about 0.5 s a step of 4 crops
    # of 48 on 2 cores: 4 rows x 3 seeds x 400 steps ~ 35 min
    "small": {**_COMMON, "time_widths": (16, 20, 24), "time_size": (720, 1280), "widths": (16, 20, 24),
              "rdms": 1, "crop": 48, "batch": 4, "iterations": 400, "lr": 5e-4, "checkpoint_every": 50,
              "log_every": 10, "test_size": 128, "test_images": 8, "real_images": 8},
    # 3,000 epochs of 2,103 GoPro pairs, 256x256 crops, Adam 2e-4 (the spec's [R] for the garbled
    # text), batch 16 (not stated)
    "paper": {**_COMMON, "time_widths": (96, 120, 144), "time_size": (720, 1280), "widths": (96, 120, 144),
              "rdms": 2, "crop": 256, "batch": 16, "iterations": 396_000, "lr": 2e-4, "checkpoint_every": 5000,
              "log_every": 100, "test_size": 256, "test_images": 50, "real_images": 1000},
}
# The budget's settings a training run depends on (its identity); the others only shape the evaluation.
TRAINING_KEYS = ("train_presets", "edge", "eta_min", "widths", "rdms", "crop", "batch", "iterations", "lr",
                 "checkpoint_every", "log_every")
ROWS = {  # row -> (SGENet keyword arguments, which outputs the loss supervises)
    "full": ({}, "all"),
    "final_only": ({}, "final"),  # CEM without side supervision: its images are never told to be sharp
    "sum_fusion": ({"csam": False}, "all"),  # CSAM replaced by MPRNet's sum
    "one_stage": ({"stages": 1}, "all"),
}


def budget(profile: str) -> dict:
    """This chapter's budget at ``profile``."""
    return profiles.budget(profile, BUDGETS, owner=CHAPTER)


def build(row: str, profile: str, seed: int, device: str, iterations: int | None) -> Experiment:
    """A row of :data:`ROWS` as an experiment: SGENet at the budget's widths, Eq. 2 over the
    supervised outputs, engine scenes, Adam with cosine annealing."""
    cfg = budget(profile)
    kwargs, supervised = ROWS[row]
    model = SGENet(tuple(cfg["widths"]), rdms=cfg["rdms"], **kwargs)
    loss = StageScaleCharbonnierEdge(cfg["edge"], supervised=supervised)
    steps = iterations if iterations is not None else cfg["iterations"]
    train_set = SyntheticDataset(cfg["train_presets"], crop=cfg["crop"], length=steps * cfg["batch"] * 8,
                                 seed=1_000_003 * (seed + 1))  # <= 8 DDP ranks
    config = CosineConfig(iterations=steps, batch=cfg["batch"], lr=cfg["lr"], eta_min=cfg["eta_min"],
                          checkpoint_every=cfg["checkpoint_every"], log_every=cfg["log_every"], seed=seed,
                          device=device)
    settings = {key: cfg[key] for key in TRAINING_KEYS}
    return Experiment(f"{CHAPTER}:{row}", model, loss, train_set, ("blur",), config,
                      {**settings, "row": row, "model": kwargs, "supervised": supervised})


EXPERIMENTS = {f"{CHAPTER}:{row}": partial(build, row) for row in ROWS}


KINDS = {RDM: "RDM (dilated residual modules)", CEM: "CEM (Eq. 1 and its guidance)", CSAM: "CSAM (Eqs. 5-7)",
         CAB: "CAB (each stage's input)"}


def parameters_by_kind(model: nn.Module) -> dict[str, int]:
    """Parameters per module kind of :data:`KINDS` (outermost occurrences) and the rest."""
    found = dict.fromkeys([*KINDS.values(), "the rest (input convolutions, resizers, cross-stage 1x1)"], 0)
    counted = set()
    for module in model.modules():
        kind = KINDS.get(type(module))
        if kind and not any(id(p) in counted for p in module.parameters()):
            params = list(module.parameters())
            found[kind] += sum(p.numel() for p in params)
            counted |= {id(p) for p in params}
    found[list(found)[-1]] = parameter_count(model) - sum(found.values())
    return found


def parameter_table() -> str:
    """SGENet at paper widths by module kind, with the total beside the paper's."""
    model = SGENet()
    rows = [[kind, f"{count:,}"] for kind, count in parameters_by_kind(model).items()]
    rows.append(["total (the paper: 19.5 M)", f"{parameter_count(model):,}"])
    return markdown_table(["part", "parameters"], rows)


FRAME = (1, 3, 720, 1280)
# Other chapters' networks that count on the meta device (the flow and reference networks use
# operations the meta device cannot run).
COMPARED = {"SGENet (ch05, 96/120/144)": SGENet, "MTDN (ch06, width 32)": MTDN,
            "BladeNet (ch03, width 64)": partial(BladeNet, "full", width=64)}


def cost_table() -> str:
    """Parameters and multiply-accumulates per 720x1280 frame of :data:`COMPARED`."""
    rows = [[name, f"{parameter_count(factory()):,}", f"{macs(factory, FRAME) / 1e9:,.0f}"]
            for name, factory in COMPARED.items()]
    return markdown_table(["network", "parameters", "GMAC per 720x1280 frame"], rows)


def runtime_argument() -> dict[str, float]:
    """What the paper's 0.017 s at 720x1280 implies: SGENet's counted MACs, the FLOP/s a
    synchronised 0.017 s would need, that rate over the RTX 3090's FP32 peak, and the paper's
    two speed-ups over MPRNet (claimed, and from its own table)."""
    count = macs(SGENet, FRAME)
    t1 = PAPER["table1"]
    need = required_throughput(count, t1["SGENet"][4])
    return {"gmac": count / 1e9, "tflops_needed": need / 1e12, "times_peak": need / RTX3090_FP32,
            "speedup_from_table": t1["MPRNet"][4] / t1["SGENet"][4], "speedup_claimed": PAPER["speedup_claimed"]}


@torch.no_grad()
def time_both_ways(profile: str, device: str = "auto") -> dict:
    """SGENet at the budget's ``time_widths`` on a ``time_size`` image: seconds per forward pass
    synchronised and not (the same work on a CPU), medians of three after a warm-up; MACs of that
    model."""
    cfg, dev = budget(profile), resolve(device)
    h, w = cfg["time_size"]
    widths = tuple(cfg["time_widths"])
    model = SGENet(widths)
    return {"widths": list(widths), "size": [h, w], "device": describe(dev),
            "synchronised": seconds_per_image(model, (h, w), dev, repeats=3),
            "unsynchronised": seconds_per_image(model, (h, w), dev, repeats=3, synchronise=False),
            "gmac": macs(partial(SGENet, widths), (1, 3, h, w)) / 1e9}


def network_result(profile: str, device: str = "auto") -> dict:
    """05.02's results: the runtime argument (from counts) and this machine's timing."""
    return {"runtime": runtime_argument(), "timing": time_both_ways(profile, device)}


def timing_table(res: dict) -> str:
    """This machine's seconds per image, synchronised and not, beside the paper's 0.017 s."""
    t = res["timing"]
    device = device_label(t["device"])
    h, w = t["size"]
    return markdown_table(
        ["SGENet widths", f"GMAC per {h}x{w}", "synchronised (s)", "not synchronised (s)", "device"],
        [[", ".join(map(str, t["widths"])), f"{t['gmac']:,.0f}" if t["gmac"] >= 10 else f"{t['gmac']:.3g}",
          f"{t['synchronised']:.3f}",
          f"{t['unsynchronised']:.3f}", device]])


def runtime_summary(res: dict) -> str:
    """The runtime argument in words, from the counted MACs."""
    r = res["runtime"]
    return (f"one 720x1280 frame costs {r['gmac'] / 1e3:.2f} TMAC (counted by torch.utils.flop_counter), so the "
            f"paper's 0.017 s would need {r['tflops_needed']:.0f} TFLOP/s, {r['times_peak']:.1f} times the RTX "
            f"3090's FP32 peak; its own table gives MPRNet {r['speedup_from_table']:.1f} times SGENet's time, "
            f"where the text says {r['speedup_claimed']}")


def headline(profile: str = "small") -> list[str]:
    """The chapter's results so far in a sentence, from ``profile``'s committed files."""
    return (pages.headline_line(profile, CHAPTER, "network", "ch05_sgenet/05.02-the-network-and-its-cost",
                                "The runtime claim", runtime_summary)
            + pages.headline_line(profile, CHAPTER, "ablations", "ch05_sgenet/05.04-ablations",
                                  "The lost ablations", ablation_summary))


# ---------------------------------------------------------------- training, ablations, results (05.03-05.05)

ROW_NAMES = {"full": "SGENet (CEM supervised, CSAM, two stages)",
             "final_only": "CEM without side supervision (the last image alone)",
             "sum_fusion": "CSAM replaced by a sum (MPRNet's fusion)", "one_stage": "one stage"}
SYNTHETIC_SETS = ("global", "mixed")


def test_sets(profile: str, extended: bool = False) -> dict:
    """The engine's fixed `global` and `mixed` test sets; ``extended`` adds the bundled real
    samples (GoPro crops, REDS frames; evaluation only)."""
    cfg = budget(profile)
    size, count = cfg["test_size"], cfg["test_images"]
    sets = {name: synthetic_test_set(name, (size, size), count) for name in SYNTHETIC_SETS}
    if extended:
        frames = [pair for clip in reds_clips().values() for pair in clip]
        sets |= {"GoPro crops (real)": PairDataset(gopro_crops()[: cfg["real_images"]]),
                 "REDS frames (real)": PairDataset(frames[: cfg["real_images"]])}
    return sets


def score_row(row: str, profile: str, seeds, device: str, sets: dict) -> dict:
    """Train a row for each seed (or load it) and score it on ``sets``; its parameters trained and
    at the paper's widths."""
    runs, model = train_and_score(f"{CHAPTER}:{row}", profile, seeds, device, sets)
    return {"runs": runs, "parameters": {"trained": parameter_count(model),
                                         "paper": parameter_count(SGENet(**ROWS[row][0]))}}


# 05.03-05.05: the rows trained per seed and scored; the model against its blurred input
STUDY = _runs.RowStudy(CHAPTER, score_row, test_sets, "full", "SGENet", ROW_NAMES)
training_result, training_table, training_summary = STUDY.training_result, STUDY.training_table, STUDY.training_summary


def ablation_result(profile: str, seeds, device: str) -> dict:
    """05.04's results: every row of :data:`ROWS` for each seed on the test sets."""
    return STUDY.result(ROWS, profile, seeds, device)












def loss_curves(logs: dict[str, list[dict]]):
    """The final image's Charbonnier term and Eq. 2's total, per seed."""
    final = sorted(k for k in next(iter(logs.values()))[0] if k.startswith("char_"))[-1]
    return viz.loss_curves(logs, {final: f"Charbonnier, final image ({final[5:]})", "total": "Eq. 2, total"})


def _gains(res: dict, row: str) -> dict[str, np.ndarray]:
    """A row's PSNR gain over the blurred input, (seeds, images) per test set."""
    blurred = blurred_per_set(res["blurred"], res["rows"]["full"]["runs"])
    return {name: values - blurred[name][0][None] for name, values in per_set(res["rows"][row]["runs"]).items()}


def ablation_table(res: dict) -> str:
    """The lost section's rows as PSNR gain over the blurred input (mean [95% CI] over seeds and
    images) on each test set, with parameters trained and at the paper's widths."""
    rows = res["rows"]
    names = list(per_set(rows["full"]["runs"]))
    lines = []
    for row in (r for r in ROWS if r in rows):  # the loaded file's keys are sorted; keep the rows' order
        gains, params = _gains(res, row), rows[row]["parameters"]
        lines.append([ROW_NAMES[row], f"{params['trained']:,}", f"{params['paper']:,}",
                      *[stats.estimate(stats.interval(gains[n])) for n in names]])
    return markdown_table(["row", "parameters (trained)", "parameters (96/120/144)",
                           *[f"{n}: gain over input (dB)" for n in names]], lines)


def claims(res: dict) -> list[tuple[str, str]]:
    """The design choices the lost ablation section would have tested, on each synthetic test set,
    paired over seeds and images."""
    rows = res["rows"]
    found = []
    for other, claim in (("final_only", "Supervising CEM's images helps"),
                         ("sum_fusion", "CSAM beats MPRNet's sum"), ("one_stage", "The second stage helps")):
        found += [(f"{claim}, {t}", stats.judge(versus(rows, "full", other, t))) for t in SYNTHETIC_SETS]
    return found


def ablation_summary(res: dict) -> str:
    """05.04's result in words chosen by the verdicts (on `mixed` scenes)."""
    rows, t = res["rows"], "mixed"
    return (f"on `mixed` scenes, SGENet against CEM without side supervision is "
            f"{stats.describe(versus(rows, 'full', 'final_only', t))}; against a sum in CSAM's place, "
            f"{stats.describe(versus(rows, 'full', 'sum_fusion', t))}; against one stage, "
            f"{stats.describe(versus(rows, 'full', 'one_stage', t))}")


RESULT_ROWS = ("full", "sum_fusion")


def results_result(profile: str, seeds, device: str) -> dict:
    """05.05's results: :data:`RESULT_ROWS` for each seed on the extended test sets, the blurred
    input's scores, and this machine's time per image both ways."""
    return {**STUDY.result(RESULT_ROWS, profile, seeds, device, extended=True),
            "timing": time_both_ways(profile, device), "runtime": runtime_argument()}


def paper_table() -> str:
    """Table 1 of the paper, quoted: GoPro and HIDE PSNR / SSIM, runtime, parameters."""
    cell = lambda v, f: "-" if v is None else format(v, f)  # noqa: E731
    rows = [[name, f"{g:.2f} / {gs:.3f}", f"{h:.2f} / {hs:.3f}", cell(t, ".3f"), cell(m, "g")]
            for name, (g, gs, h, hs, t, m) in PAPER["table1"].items()]
    return markdown_table(["method (the paper's)", "GoPro", "HIDE", "runtime (s)", "parameters (M)"], rows)


def results_table(res: dict) -> str:
    """Ours on every test set: the blurred input and the result rows (mean PSNR / SSIM)."""
    return scores_table(res, RESULT_ROWS, ROW_NAMES)


def results_claims(res: dict) -> list[tuple[str, str]]:
    """SGENet against its input and against MPRNet's fusion on every set (paired), and the runtime
    claims checked by arithmetic."""
    rows = res["rows"]
    full = per_set(rows["full"]["runs"])
    blurred = blurred_per_set(res["blurred"], rows["full"]["runs"])
    found = [(f"SGENet improves on its blurred input, {t}", stats.judge(stats.compare(full[t], blurred[t][0])))
             for t in blurred]
    found += [(f"SGENet beats the same network with MPRNet's fusion, {t}",
               stats.judge(versus(rows, "full", "sum_fusion", t))) for t in blurred]
    r = res["runtime"]
    found += [(f"'{r['speedup_claimed']}x faster than MPRNet' (Sec. 4.2.1)",
               f"inconsistent with the paper's own Table 1: {r['speedup_from_table']:.1f}x"),
              (f"{PAPER['table1']['SGENet'][4]} s per 720x1280 frame on an RTX 3090, synchronised",
               f"implausible: it needs {r['tflops_needed']:.0f} TFLOP/s, {r['times_peak']:.1f}x the card's FP32 peak")]
    return found


def results_summary(res: dict) -> str:
    """05.05's result in words chosen by the verdicts, on the real samples."""
    rows = res["rows"]
    full = per_set(rows["full"]["runs"])
    blurred = blurred_per_set(res["blurred"], rows["full"]["runs"])
    return "SGENet against its blurred input on the real samples: " + "; ".join(
        f"{t}, {stats.describe(stats.compare(full[t], blurred[t][0]))}" for t in blurred if t.endswith("(real)"))


RESULT_FIGURES = {"comparison-gopro": "a real GoPro crop, SGENet and the sum-fusion variant of seed 0, zoomed",
                  "comparison-reds": "a real REDS frame, SGENet and the sum-fusion variant of seed 0, zoomed"}


@torch.no_grad()
def comparison_figure(models: dict[str, nn.Module], item: dict, device):
    """One image: blurred, each model's output and the ground truth, PSNR in the titles, with
    zoomed crops."""
    blur, sharp = to_hwc(item["blur"]), to_hwc(item["sharp"])
    images = [("blurred", blur)]
    images += [(label, to_hwc(m.eval()(item["blur"][None].to(device))["image"])) for label, m in models.items()]
    images.append(("ground truth", sharp))
    return viz.comparison_figure(images, sharp)


def result_figures(profile: str, seed: int, device: str) -> dict:
    """:data:`RESULT_FIGURES` drawn with the networks of ``seed``."""
    trainers = {ROW_NAMES[row].split(" (")[0]: train_experiment(f"{CHAPTER}:{row}", profile, seed=seed,
                                                                device=device, progress=False)[1]
                for row in RESULT_ROWS}
    models, dev = {k: t.model for k, t in trainers.items()}, next(iter(trainers.values())).device
    sets = test_sets(profile, extended=True)
    return {"comparison-gopro": comparison_figure(models, sets["GoPro crops (real)"][0], dev),
            "comparison-reds": comparison_figure(models, sets["REDS frames (real)"][0], dev)}


# ---------------------------------------------------------------- guidance from predicted images (05.01)

@torch.no_grad()
def guidance(model: SGENet, blur: torch.Tensor) -> dict:
    """What a trained SGENet computes on ``blur`` (1, 3, H, W): per stage, per scale coarse to fine,
    CEM's predicted image I (Eq. 1; ``images``) and its attention map A (``attention``: mean over
    channels, (h, w) in [0, 1]); per scale fine to coarse, CSAM's softmax weights of its three
    inputs (the stage's own features, the first stage's encoder, its CEM; mean over channels)."""
    found: dict = {"attention": [], "csam": []}
    hooks = [cem.attention.register_forward_hook(lambda m, i, o: found["attention"].append(o.mean(1)[0].cpu()))
             for stage in model.stages for cem in stage.cems]
    for stage in model.stages:
        for csam in getattr(stage, "csams", []):
            hooks.append(csam.register_forward_hook(
                lambda m, i, o: found["csam"].append(m.weights(*i).mean(2)[:, 0, 0, 0].cpu())))
    try:
        out = model.eval()(blur)
    finally:
        for h in hooks:
            h.remove()
    found["images"] = out["stages"]
    sizes = [tuple(image.shape[-2:]) for stage in out["stages"] for image in stage]  # the unpadded sizes
    found["attention"] = [a[: h, : w] for a, (h, w) in zip(found["attention"], sizes)]
    return found


def guidance_figure(found: dict, blur: torch.Tensor, sharp: torch.Tensor):
    """The paper's lost Fig. 6, reconstructed (ours), one of SGENet's three scales per column: the
    blurred image, the ground truth and where they differ; each stage's predicted images I; their
    attention maps A."""
    from ..book.viz import Panel

    scales = len(found["images"][0])
    names = [f"1/{2 ** (scales - 1 - s)}" for s in range(scales)]
    panels = [Panel(to_hwc(blur), "blurred"), Panel(to_hwc(sharp), "ground truth"),
              Panel((blur - sharp).abs().amax(0).numpy(), "|blurred - ground truth|", kind="map")]
    for r, images in enumerate(found["images"]):
        panels += [Panel(to_hwc(image.clamp(0, 1)), f"stage {r + 1}: I at {n}") for n, image in zip(names, images)]
    for r in range(len(found["images"])):
        maps = found["attention"][r * scales:(r + 1) * scales]
        panels += [Panel(a.numpy(), f"stage {r + 1}: A at {n}", kind="map", limit=1.0) for n, a in zip(names, maps)]
    return figure(panels, columns=scales, width=2.4)


CSAM_INPUTS = ("the stage's own features", "stage 1's encoder", "stage 1's CEM")


def guidance_result(profile: str, seeds, device: str) -> dict:
    """05.01's results, per seed's trained SGENet over the `mixed` test set: CSAM's softmax weights
    per scale (fine to coarse; mean over images), and per image the correlation of each stage's
    full-scale attention map A with where the image is blurred (|B - S|, the channels' maximum)."""
    data = test_sets(profile)["mixed"]
    found: dict = {"csam": {}, "attention_vs_blur": {}}
    for s in seeds:
        _, trainer = train_experiment(f"{CHAPTER}:full", profile, seed=s, device=device, progress=False)
        weights, corr = [], []
        for i in range(len(data)):
            item = data[i]
            g = guidance(trainer.model, item["blur"][None].to(trainer.device))
            weights.append(torch.stack(g["csam"]).numpy())
            where = (item["blur"] - item["sharp"]).abs().amax(0).flatten().numpy()
            scales = len(g["images"][0])
            corr.append([float(np.corrcoef(g["attention"][r * scales + scales - 1].flatten().numpy(), where)[0, 1])
                         for r in range(len(g["images"]))])
        found["csam"][str(s)] = np.mean(weights, 0).tolist()
        found["attention_vs_blur"][str(s)] = corr
    return found


def csam_table(res: dict) -> str:
    """CSAM's weights per scale and input, mean over seeds and images."""
    w = np.mean([np.asarray(v) for v in res["csam"].values()], 0)  # (scales, inputs)
    scales = [f"1/{2 ** k}" for k in range(w.shape[0])]
    return markdown_table(["scale", *CSAM_INPUTS], [[n, *[f"{x:.3f}" for x in row]] for n, row in zip(scales, w)])


def guidance_summary(res: dict) -> str:
    """05.01's finding in words: does the final stage's attention follow the blur?"""
    corr = np.asarray([np.asarray(v)[:, -1] for v in res["attention_vs_blur"].values()])  # (seeds, images)
    return (f"the last stage's full-scale attention map correlates with where the image is blurred by "
            f"{stats.estimate(stats.interval(corr))} (Pearson r over pixels; mean over seeds and images)")
