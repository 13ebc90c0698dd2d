"""Chapter 5's quoted numbers, budgets, rows, named experiments, the network's cost and the runtime claim."""

from __future__ import annotations

from functools import partial

import torch
from torch import nn

from ...book.cost import macs, required_throughput
from ...book.tables import markdown_table
from ...book.timing import device_label, seconds_per_image
from ...core import profiles
from ...core.device import describe, resolve
from ...models.bladenet import BladeNet
from ...models.sgenet import CAB, CEM, CSAM, RDM, SGENet
from ...models.two_way import MTDN
from ...nn.blocks import parameter_count
from ...nn.edge_losses import StageScaleCharbonnierEdge
from ...training.experiments import Experiment
from ...training.rows import row_experiment
from .._rowstudy import experiment_finder, row_experiments
from .._runs import CLAIM_SEEDS
from .._settings import budgets

CHAPTER = "ch05"

# Numbers quoted from the paper (typed from its text; never ours). Table 1: GoPro and HIDE PSNR / SSIM,
# runtime (s at 720x1280, "released code, same environment", an RTX 3090), parameters (M).
PAPER = {
    "citation": "sgenet",
    "table1": {
        "DeepDeblur": (29.23, 0.916, 25.73, 0.873, None, 11.7),
        "SRN": (30.26, 0.934, 28.36, 0.915, None, 6.8),
        "PSS-NSC": (30.92, 0.942, 29.11, 0.913, None, 2.84),
        "DMPHN": (31.20, 0.945, 29.09, 0.924, 0.026, 21.7),
        "DBGAN": (31.10, 0.942, 28.94, 0.915, 0.225, 11.5),
        "MT-RNN": (31.15, 0.945, 29.15, 0.918, 0.050, 2.6),
        "SAPHNet": (31.85, 0.948, 29.98, 0.930, None, None),
        "MIMO-UNet(+)": (32.45, 0.957, 29.99, 0.930, 0.018, 16.1),
        "MPRNet": (32.66, 0.959, 30.96, 0.939, 0.208, 20.1),
        "SGENet": (32.96, 0.961, 30.71, 0.937, 0.017, 19.5),
    },
    "speedup_claimed": 6.82,  # "6.82x faster than MPRNet" (Sec. 4.2.1)
}
# Not the paper's: NVIDIA's published dense FP32 peak of the GeForce RTX 3090 (35.6 TFLOP/s, boost clock).
RTX3090_FP32 = 35.6e12

# The book's training protocol (training/protocol.py: the engine's `global` and `mixed` scenes with one in
# seven from `local`, pools, cosine annealing, the checkpoint chosen on validation scenes) with Eq. 2
# (Charbonnier + 0.05 x edge over both stages and three scales); flips and rotations (the loader).
# SGENet trains in bf16 autocast and NCHW (torch 2.13's oneDNN returns NaN weight gradients for its
# dilated convolutions in bf16 NHWC; chapter 7's tests check its bf16 gradients against float32).
FAST = {"amp": True, "amp_dtype": "bfloat16", "channels_last": False}
CPU_WIDTHS = (16, 20, 24)  # the spec's CPU widths (0.31 M), what 05.02 times at 720x1280 on a CPU
# budgets.toml: the budget per profile, on top of the training protocol
BUDGETS = budgets(__file__, extra={"small": {"time_widths": CPU_WIDTHS}, "paper": {"seeds": CLAIM_SEEDS}})
# The budget's settings of its own a training run depends on (with the protocol's: its identity); the
# others only shape the evaluation.
TRAINING_KEYS = ("edge", "widths", "rdms", "iterations")
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
    """A row of :data:`ROWS` as an experiment under the book's protocol: SGENet at the budget's
    widths, Eq. 2 over the supervised outputs."""
    cfg = budget(profile)
    kwargs, supervised = ROWS[row]
    return row_experiment(
        f"{CHAPTER}:{row}",
        SGENet(tuple(cfg["widths"]), rdms=cfg["rdms"], **kwargs),
        StageScaleCharbonnierEdge(cfg["edge"], supervised=supervised),
        ("blur",),
        cfg,
        seed=seed,
        device=device,
        iterations=iterations,
        training_keys=TRAINING_KEYS,
        settings={"row": row, "model": kwargs, "supervised": supervised},
        fast=FAST,
    )


EXPERIMENTS = row_experiments(CHAPTER, ROWS, build)


experiment_of = experiment_finder(CHAPTER, budget)  # a row's experiment (chapter 7's where shared)
MAIN_EXPERIMENT = f"{CHAPTER}:full"  # the chapter's model (what the benchmarks time)


KINDS = {
    RDM: "RDM (dilated residual modules)",
    CEM: "CEM (Eq. 1 and its guidance)",
    CSAM: "CSAM (Eqs. 5-7)",
    CAB: "CAB (each stage's input)",
}


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
COMPARED = {
    "SGENet (ch05, 96/120/144)": SGENet,
    "MTDN (ch06, width 32)": MTDN,
    "BladeNet (ch03, width 64)": partial(BladeNet, "full", width=64),
}


def cost_table() -> str:
    """Parameters and multiply-accumulates per 720x1280 frame of :data:`COMPARED`."""
    rows = [
        [name, f"{parameter_count(factory()):,}", f"{macs(factory, FRAME) / 1e9:,.0f}"]
        for name, factory in COMPARED.items()
    ]
    return markdown_table(["network", "parameters", "GMAC per 720x1280 frame"], rows)


def runtime_argument() -> dict[str, float]:
    """What the paper's 0.017 s at 720x1280 implies: SGENet's counted MACs, the FLOP/s a
    synchronised 0.017 s would need, that rate over the RTX 3090's FP32 peak, and the paper's
    two speed-ups over MPRNet (claimed, and from its own table)."""
    count = macs(SGENet, FRAME)
    t1 = PAPER["table1"]
    need = required_throughput(count, t1["SGENet"][4])
    return {
        "gmac": count / 1e9,
        "tflops_needed": need / 1e12,
        "times_peak": need / RTX3090_FP32,
        "speedup_from_table": t1["MPRNet"][4] / t1["SGENet"][4],
        "speedup_claimed": PAPER["speedup_claimed"],
    }


@torch.no_grad()
def time_both_ways(profile: str, device: str = "auto") -> dict:
    """SGENet at the budget's ``time_widths`` on a ``time_size`` image: seconds per forward pass
    synchronised and not (the same work on a CPU), medians of three after a warm-up; MACs of that
    model."""
    cfg, dev = budget(profile), resolve(device)
    h, w = cfg["time_size"]
    widths = tuple(cfg["time_widths"])
    model = SGENet(widths)
    return {
        "widths": list(widths),
        "size": [h, w],
        "device": describe(dev),
        "synchronised": seconds_per_image(model, (h, w), dev, repeats=3),
        "unsynchronised": seconds_per_image(model, (h, w), dev, repeats=3, synchronise=False),
        "gmac": macs(partial(SGENet, widths), (1, 3, h, w)) / 1e9,
    }


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
        [
            [
                ", ".join(map(str, t["widths"])),
                f"{t['gmac']:,.0f}" if t["gmac"] >= 10 else f"{t['gmac']:.3g}",
                f"{t['synchronised']:.3f}",
                f"{t['unsynchronised']:.3f}",
                device,
            ]
        ],
    )


def runtime_summary(res: dict) -> str:
    """The runtime argument in words, from the counted MACs."""
    r = res["runtime"]
    return (
        f"one 720x1280 frame costs {r['gmac'] / 1e3:.2f} TMAC (counted by torch.utils.flop_counter), so the "
        f"paper's 0.017 s would need {r['tflops_needed']:.0f} TFLOP/s, {r['times_peak']:.1f} times the RTX "
        f"3090's FP32 peak; its own table gives MPRNet {r['speedup_from_table']:.1f} times SGENet's time, "
        f"where the text says {r['speedup_claimed']}"
    )
