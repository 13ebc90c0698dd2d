"""Chapter 7: the five papers' networks side by side, under one protocol.

Every network (and a plain U-Net as the floor) trains on the same synthetic stream (the engine's
`mixed` scenes), for the same steps, batch, crop and schedule (Adam, cosine annealing), with the
same seeds, each with its paper's own loss and the inputs its paper needs; each at two sizes: its
chapter's `small` width and a width near a common budget of about 1 M parameters (:data:`NETWORKS`).
They are scored on the same images (the fixed `global`, `local` and `mixed` sets, the bundled
GoPro crops and REDS frames) with paired verdicts between every pair (07.01, 07.02), costed at
720x1280 (07.02), and measured against the size of the blur (07.03).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..book import pages, stats, viz
from ..book.cost import macs as count_macs
from ..book.cost import peak_memory
from ..book.tables import markdown_table
from ..book.timing import device_label, seconds_per_image
from ..core import profiles
from ..core.atomic import read_json as atomic_read
from ..core.device import describe, resolve
from ..core.paths import repo_root
from ..data.blur_scale import ClipInputs, Downscaled, RenderedSet, blur_lengths, scaled_motion
from ..data.datasets import PairDataset, SyntheticDataset
from ..data.real import gopro_crops, reds_clips
from ..data.testsets import synthetic_test_set
from ..imaging import metrics
from ..models.bladenet import BladeNet, BladeNetLoss
from ..models.flow_deblur import FlowDeblurLoss, FlowDeblurNet
from ..models.reference import RefDeblurNet
from ..models.sgenet import SGENet
from ..models.two_way import MTDN
from ..models.unet import SmallUNet
from ..nn.blocks import parameter_count
from ..nn.edge_losses import StageScaleCharbonnierEdge
from ..nn.frequency_losses import ContentFrequencyLoss
from ..nn.mask_losses import Reconstruction
from ..nn.scale_losses import ScaleWeightedMSE
from ..training.cosine import CosineConfig
from ..training.deblur import restore
from ..training.experiments import Experiment, train_experiment
from ..training.selection import validation_psnr
from . import _runs

CHAPTER = "ch07"


@dataclass(frozen=True)
class Network:
    """One of the compared networks: how to build it at a size, its paper's loss, what it reads."""

    label: str
    paper: str  # the chapter that reproduces it ("-" for the floor)
    make: Callable[[object], nn.Module]  # size setting -> model
    loss: Callable[[], nn.Module]
    inputs: tuple[str, ...] = ("blur",)
    targets: tuple[str, ...] = ()  # signals the loss reads besides the sharp image
    sizes: dict = field(default_factory=dict)  # size name -> the setting ``make`` takes
    # how it trains fast on a CPU: bf16 autocast (None: float32) and NHWC, where its gradients
    # match float32 NCHW's (tests/chapters/test_ch07.py checks it at its ~1 M width)
    amp: str | None = "bfloat16"
    channels_last: bool = True


# Each network's own loss (part of its design); the GAN term of ch04 is left out (as in its `small`).
NETWORKS = {
    "unet": Network("U-Net (the floor)", "-", lambda w: SmallUNet(w), lambda: Reconstruction(1.0, "l1"),
                    sizes={"smoke": 4, "chapter": 8, "1M": 16}),
    "flow": Network("flow-guided (002)", "ch02", lambda w: FlowDeblurNet("full", width=w, residual=True),
                    lambda: FlowDeblurLoss(flow_weight=1.0, balance="pixels"), ("blur", "blur_next"),
                    sizes={"smoke": 0.125, "chapter": 0.5, "1M": 0.35}),
    # bf16 moves its gradients by 20% of their norm and NHWC by 0.5% even in float32 (the other
    # networks: under 1% and 1e-6): float32, NCHW
    "bladenet": Network("BladeNet (003)", "ch03", lambda w: BladeNet("full", width=w, residual=True),
                        lambda: BladeNetLoss(1.0, 0.25, 0.01, norm="mse"), targets=("mask",),
                        sizes={"smoke": 4, "chapter": 8, "1M": 10}, amp=None, channels_last=False),
    "reference": Network("reference-based (000)", "ch04", lambda s: RefDeblurNet(*s),
                         lambda: ContentFrequencyLoss(1.0, 0.1, "l1", 0.0, None), ("blur", "ref"),
                         sizes={"smoke": (4, 1), "chapter": (16, 2), "1M": (16, 3)}),
    # torch 2.13's oneDNN returns NaN weight gradients for its dilated convolutions in bf16 NHWC
    "sgenet": Network("SGENet (001)", "ch05", lambda s: SGENet(s, rdms=1),
                      lambda: StageScaleCharbonnierEdge(0.05, supervised="all"),
                      sizes={"smoke": (4, 5, 6), "chapter": (16, 20, 24), "1M": (29, 36, 43)}, channels_last=False),
    "mtdn": Network("MTDN, two-way (004)", "ch06", lambda w: MTDN(width=w, residual=True),
                    lambda: ScaleWeightedMSE((1.0, 1.0, 5.0)), sizes={"smoke": 4, "chapter": 8, "1M": 16}),
}
# Two papers' own comparisons, trained under the same protocol at the common size only: the claims'
# rivals, not rows of the comparison.
VARIANTS = {
    "mtdn_single": Network("MTDN, image branch only (004's Table 1 ablation)", "ch06",
                           lambda w: MTDN(width=w, two_way=False, residual=True),
                           lambda: ScaleWeightedMSE((1.0, 1.0, 5.0)), sizes={"smoke": 4, "1M": 16}),
    "sgenet_sum": Network("SGENet, CSAM replaced by MPRNet's sum", "ch05", lambda s: SGENet(s, rdms=1, csam=False),
                          lambda: StageScaleCharbonnierEdge(0.05, supervised="all"),
                          sizes={"smoke": (4, 5, 6), "1M": (29, 36, 43)}, channels_last=False),
}
ALL = {**NETWORKS, **VARIANTS}
SIZE_NAMES = {"smoke": "tiny (smoke)", "chapter": "its chapter's `small` width", "1M": "about 1 M parameters"}

# Local-blur (LBS) scenes are left out of the stream: with a third of the batches from them (80-90% of
# their pixels sharp) a U-Net's L1 loss held it at its input for 3,300 steps (measured; with MSE it learned
# global blur and still damaged the sharp regions), so the networks are scored on `local` without having
# seen it, as before.
_PROTOCOL = {"presets": ("global", "mixed"), "lr": 5e-4, "eta_min": 0.0, "grad_clip": None, "fast": True}
BUDGETS = {
    "smoke": {**_PROTOCOL, "sizes": ("smoke",), "variants": True, "crop": 32, "batch": 2, "pool": 4,
              "steps": {net: 3 for net in ALL}, "checkpoint_every": 2, "log_every": 1, "selections": 3,
              "val_size": 32, "val_images": 1, "test_size": 48, "test_images": 2, "real_images": 1,
              "motion_factors": (1, 2), "downscale": (1, 2), "tool_scales": (1, 2), "blur_stats_images": 2,
              "cost_size": (64, 96)},
    # One protocol but for the steps: the same scenes (a pool of pre-rendered engine scenes, global and
    # mixed in turn), 96x96 crops (they hold the blur streaks end to end), batch 8, Adam 5e-4 cosine to 0
    # (on the U-Net, 1e-3 with the gradient's norm clipped at 1 was behind 5e-4 on the validation scenes
    # at every score to 5,600 steps), bf16 and NHWC where each network's gradients allow, the checkpoint
    # kept the best of ten on held-out validation scenes. Steps: the same CPU time for every network
    # (about 10 minutes of one core a run, from benchmarks/training_speed.py), not the same steps: the
    # same steps would leave the cheap networks untrained or cost SGENet a day. The 18 runs then take
    # about 100 minutes with two one-thread workers, so that the chapter trains and is scored in one
    # sitting (run folders do not travel between sessions).
    "small": {**_PROTOCOL, "sizes": ("1M",), "variants": False, "crop": 96, "batch": 8, "pool": 4096,
              "steps": {"unet": 4000, "flow": 4000, "bladenet": 750, "reference": 750, "sgenet": 350,
                        "mtdn": 1500, "mtdn_single": 2000, "sgenet_sum": 350},
              "checkpoint_every": 100, "log_every": 25, "selections": 10, "val_size": 128, "val_images": 8,
              "test_size": 128, "test_images": 16, "real_images": 30, "motion_factors": (0.5, 1, 2),
              "downscale": (1, 2, 4), "tool_scales": (1, 2, 4), "blur_stats_images": 64, "cost_size": (720, 1280)},
    "paper": {**_PROTOCOL, "sizes": ("chapter", "1M"), "variants": True, "crop": 256, "batch": 16, "pool": None,
              "steps": {net: 300_000 for net in ALL}, "lr": 2e-4, "eta_min": 1e-7, "grad_clip": None,
              "checkpoint_every": 5000,
              "log_every": 100, "selections": 30, "val_size": 256, "val_images": 32, "test_size": 256,
              "test_images": 50, "real_images": 30, "motion_factors": (0.5, 1, 2), "downscale": (1, 2, 4),
              "tool_scales": (1, 2, 4), "blur_stats_images": 200, "cost_size": (720, 1280)},
}
# the budget's settings a run depends on (its identity): the others only shape the evaluation
TRAINING_KEYS = ("presets", "crop", "batch", "lr", "eta_min", "grad_clip", "pool", "fast", "checkpoint_every",
                 "log_every", "selections", "val_size", "val_images")
# One pool for every network: each reads its own inputs and targets from the same scenes.
SIGNALS = tuple(dict.fromkeys(k for n in ALL.values() for k in (*n.inputs, "sharp", *n.targets)))


def budget(profile: str) -> dict:
    """This chapter's budget at ``profile``."""
    return profiles.budget(profile, BUDGETS, owner=CHAPTER)


def precision(network: Network) -> dict:
    """A network's fast settings as :class:`~deblurbook.training.trainer.TrainConfig` fields."""
    return {"amp": network.amp is not None, "amp_dtype": network.amp or "float16",
            "channels_last": network.channels_last}


def build(net: str, size: str, profile: str, seed: int, device: str, iterations: int | None) -> Experiment:
    """Network ``net`` at size ``size`` under the common protocol: the same engine stream (the same
    scenes for every network at a seed), steps, batch, crop and cosine schedule; its paper's loss;
    the checkpoint kept is the best on held-out validation scenes of the training presets."""
    cfg, network = budget(profile), ALL[net]
    steps = iterations if iterations is not None else cfg["steps"][net]
    train_set = SyntheticDataset(cfg["presets"], crop=cfg["crop"], length=steps * cfg["batch"] * 8,
                                 seed=1_000_003 * (seed + 1), signals=SIGNALS, pool=cfg["pool"])  # <= 8 DDP ranks
    config = CosineConfig(iterations=steps, batch=cfg["batch"], lr=cfg["lr"], eta_min=cfg["eta_min"],
                          checkpoint_every=cfg["checkpoint_every"], log_every=cfg["log_every"], seed=seed,
                          device=device, grad_clip=cfg["grad_clip"], **(precision(network) if cfg["fast"] else {}))
    settings = {**{key: cfg[key] for key in TRAINING_KEYS}, "network": net, "size": size,
                "setting": network.sizes[size], "steps": steps,
                "select_every": max(1, steps // cfg["selections"])}
    validation = validation_psnr(cfg["presets"], cfg["val_size"], cfg["val_images"], network.inputs)
    return Experiment(f"{CHAPTER}:{net}-{size}", network.make(network.sizes[size]), network.loss(), train_set,
                      network.inputs, config, settings, validation=validation)


EXPERIMENTS = {f"{CHAPTER}:{net}-{size}": partial(build, net, size) for net, n in ALL.items() for size in n.sizes}


def row_name(net: str, size: str) -> str:
    return f"{net}-{size}"


# ---------------------------------------------------------------- the test sets (07.01, 07.02)

SYNTHETIC_SETS = ("global", "local", "mixed")
GOPRO_SET, REDS_SET = "GoPro crops (real)", "REDS frames (real)"


def test_sets(profile: str) -> dict:
    """The fixed synthetic sets and the bundled real samples (evaluation only). REDS frames come
    with their neighbours and the previous sharp frame; the GoPro crops are single frames, so the
    networks that need a second frame or a reference are not scored on them."""
    cfg = budget(profile)
    size, count = (cfg["test_size"], cfg["test_size"]), cfg["test_images"]
    sets = {name: synthetic_test_set(name, size, count) for name in SYNTHETIC_SETS}
    reds = ClipInputs(reds_clips())
    sets[GOPRO_SET] = PairDataset(gopro_crops()[: cfg["real_images"]])
    sets[REDS_SET] = torch.utils.data.Subset(reds, range(min(len(reds), cfg["real_images"])))
    return sets


def readable(data, inputs) -> bool:
    """Whether every item of ``data`` carries what a network with ``inputs`` reads."""
    return all(key in data[0] for key in inputs)


def score_network(net: str, size: str, profile: str, seeds, device: str, sets: dict) -> dict:
    """Train ``net`` at ``size`` for each seed (or load it) and score it on the sets it can read."""
    network = ALL[net]
    usable = {name: data for name, data in sets.items() if readable(data, network.inputs)}
    runs, model = _runs.train_and_score(f"{CHAPTER}:{row_name(net, size)}", profile, seeds, device, usable)
    return {"runs": runs, "parameters": parameter_count(model), "inputs": list(network.inputs),
            "sets": list(usable)}


def comparison_result(profile: str, seeds, device: str) -> dict:
    """07.01's results: every network at every size of the budget, and the claims' variants at the
    common (last) size, each seed, on every set it reads."""
    sets = test_sets(profile)
    sizes = budget(profile)["sizes"]
    rows = {row_name(net, size): score_network(net, size, profile, seeds, device, sets)
            for size in sizes for net in NETWORKS}
    if budget(profile)["variants"]:
        rows |= {row_name(net, sizes[-1]): score_network(net, sizes[-1], profile, seeds, device, sets)
                 for net in VARIANTS}
    return {"rows": rows, "blurred": _runs.blurred_scores(sets), "sets": {n: len(d) for n, d in sets.items()},
            "sizes": list(budget(profile)["sizes"]), "presets": list(budget(profile)["presets"]),
            "clusters": cluster_labels(sets)}


def cluster_labels(sets: dict) -> dict[str, list[str]]:
    """Per test set, the independent unit each image belongs to: every synthetic scene is its own;
    the bundled GoPro crops are all crops of one frame; REDS frames belong to their clip."""
    found = {}
    for name, data in sets.items():
        if name == GOPRO_SET:
            found[name] = ["frame 000047"] * len(data)
        elif name == REDS_SET:
            clips = data.dataset.frames.index if isinstance(data, torch.utils.data.Subset) else data.frames.index
            indices = data.indices if isinstance(data, torch.utils.data.Subset) else range(len(data))
            found[name] = [f"clip {clips[k][0]}" for k in indices]
        else:
            found[name] = [f"scene {k}" for k in range(len(data))]
    return found


def clusters_of(res: dict, test: str) -> list[str] | None:
    """The image clusters of ``test`` in a result (None where the result does not record them)."""
    return res.get("clusters", {}).get(test)


def _floor_runs(res: dict) -> list[dict]:
    """The U-Net's runs (it reads every set), whose image order every score follows."""
    return res["rows"][row_name("unet", res["sizes"][0])]["runs"]


def set_names(res: dict) -> list[str]:
    """The test sets in the order they were scored (a loaded file's mappings are key-sorted)."""
    return list(_runs.per_set(_floor_runs(res)))


def _input_scores(res: dict) -> dict[str, np.ndarray]:
    """The blurred input's PSNR per set."""
    return {name: psnr for name, (psnr, _) in _runs.blurred_per_set(res["blurred"], _floor_runs(res)).items()}


def _scores(res: dict, row: str) -> dict[str, np.ndarray]:
    return _runs.per_set(res["rows"][row]["runs"])


INPUT_WORDS = {"blur": "one frame", "blur_next": "the next frame", "ref": "a sharp reference frame"}


def networks_table(profile: str) -> str:
    """The compared networks: the paper, what each reads, its loss, and its parameters at each size."""
    sizes = budget(profile)["sizes"]
    rows = [[n.label, n.paper, " + ".join(INPUT_WORDS[k] for k in n.inputs), type(n.loss()).__name__,
             *[f"{parameter_count(n.make(n.sizes[s])):,} ({n.sizes[s]})" for s in sizes]]
            for n in NETWORKS.values()]
    return markdown_table(["network", "chapter", "reads", "loss (its paper's)",
                           *[f"parameters: {SIZE_NAMES[s]} (setting)" for s in sizes]], rows)


def comparison_table(res: dict, size: str) -> str:
    """Every network at ``size`` on every set: mean PSNR / SSIM over seeds and images, and the gain
    over the blurred input with its paired verdict ('-' where the network cannot read the set)."""
    blurred = _input_scores(res)
    names = set_names(res)
    lines = [["blurred input", "-", *[f"{blurred[n].mean():.2f}" for n in names]]]
    for net, network in NETWORKS.items():
        row = res["rows"][row_name(net, size)]
        psnr, ssim = _runs.per_set(row["runs"]), _runs.per_set(row["runs"], "ssim")
        cells = []
        for n in names:
            if n not in psnr:
                cells.append("-")
                continue
            gain = stats.compare(psnr[n], blurred[n])
            cells.append(f"{psnr[n].mean():.2f} / {ssim[n].mean():.3f} ({gain.mean:+.2f}, {gain.verdict})")
        lines.append([network.label, f"{row['parameters']:,}", *cells])
    return markdown_table(["network (ours)", "parameters", *names], lines)


SYMBOLS = {"higher": "▲", "lower": "▼", "equivalent": "=", "inconclusive": "?", "no claim": "·"}


def training_gain(res: dict, net: str, size: str = "1M") -> stats.Comparison:
    """``net``'s gain over the blurred input on the engine sets of its own training presets."""
    sets = [name for name in res.get("presets", SYNTHETIC_SETS) if name in set_names(res)]
    return _runs.own_distribution_gain(res["blurred"], res["rows"][row_name(net, size)]["runs"], sets)


def floor_table(res: dict, size: str = "1M") -> str:
    """Each network's gain over its input where it trained, and whether its claims are read."""
    lines = []
    for net, network in NETWORKS.items():
        gain = training_gain(res, net, size)
        lines.append([network.label, stats.difference(gain),
                      "read" if _runs.can_test_claims(gain) else f"not read (under {_runs.FLOOR_DB:.0f} dB)"])
    sets = ", ".join(f"`{name}`" for name in res.get("presets", SYNTHETIC_SETS) if name in set_names(res))
    return markdown_table(["network", f"gain over the input on {sets} (dB) [95% CI]",
                           "its comparisons and claims"], lines)


def _testable(res: dict, size: str, *nets: str) -> bool:
    return all(_runs.can_test_claims(training_gain(res, n, size)) for n in nets if n in NETWORKS)


MIRRORED = {"higher": "lower", "lower": "higher"}


def pair_verdicts(res: dict, size: str, test: str) -> dict[tuple[str, str], stats.Comparison]:
    """Every ordered pair of networks that read ``test`` (above the floor or not), paired over seeds
    and clusters of images, Holm-corrected over the set's unordered pairs of networks above the floor
    (the family a matrix is read as)."""
    nets = [n for n in NETWORKS if test in _scores(res, row_name(n, size))]
    pairs = [(a, b) for k, a in enumerate(nets) for b in nets[k + 1:]]
    found = {(a, b): stats.compare(_scores(res, row_name(a, size))[test], _scores(res, row_name(b, size))[test],
                                   clusters=clusters_of(res, test)) for a, b in pairs}
    family = [p for p in pairs if _testable(res, size, *p)]
    found |= dict(zip(family, stats.holm([found[p] for p in family])))
    for (a, b), c in list(found.items()):
        found[(b, a)] = replace(c, mean=-c.mean, low=-c.high, high=-c.low,
                                verdict=MIRRORED.get(c.verdict, c.verdict))
    return found


def verdict_matrix(res: dict, size: str, test: str) -> str:
    """Row network against column network on ``test`` at ``size``, paired over seeds and clusters of
    images, Holm-corrected over the matrix: the mean difference (dB) and a symbol for the verdict
    (▲ higher by at least the smallest difference that matters, ▼ lower, = equivalent within it,
    ? inconclusive); · where either network beats its input by under the book's floor on its own
    training distribution (no verdict: it has not learned to deblur)."""
    nets = [n for n in NETWORKS if test in _scores(res, row_name(n, size))]
    verdicts = pair_verdicts(res, size, test)
    lines = []
    for a in nets:
        cells = []
        for b in nets:
            if a == b:
                cells.append("")
                continue
            c = verdicts[(a, b)]
            shown = SYMBOLS[c.verdict] if _testable(res, size, a, b) else SYMBOLS["no claim"]
            cells.append(f"{shown} {c.mean:+.2f}")
        lines.append([NETWORKS[a].label, *cells])
    return markdown_table(["row against column", *[NETWORKS[b].label for b in nets]], lines)


def size_table(res: dict) -> str:
    """Each network at about 1 M parameters against itself at its chapter width, on every set."""
    lines = []
    for net, network in NETWORKS.items():
        small, large = (_scores(res, row_name(net, s)) for s in ("chapter", "1M"))
        lines.append([network.label, *[stats.describe(stats.compare(large[n], small[n])) if n in small else "-"
                                       for n in set_names(res)]])
    return markdown_table(["network: ~1 M against its chapter width", *set_names(res)], lines)


BOOK = "the book's own question"


@dataclass(frozen=True)
class Claim:
    """A comparison the common table can speak to: ``net`` against each of ``rivals`` on ``tests``.
    ``source`` is whose claim it is: a paper's sentence and table, quoted, or :data:`BOOK` where no
    paper compares these networks (the papers compare with methods this book does not train)."""

    text: str
    net: str
    rivals: tuple[str, ...]
    tests: tuple[str, ...]
    source: str = BOOK


CLAIMS = [
    Claim("SGENet beats the other designs under one protocol", "sgenet", ("unet", "flow", "bladenet", "reference",
                                                                          "mtdn"), ("global", "mixed")),
    Claim("the reference-based network beats the single-image networks", "reference",
          ("unet", "bladenet", "sgenet", "mtdn"), ("global", "mixed", REDS_SET)),
    Claim("a second frame with its estimated flow beats single-image deblurring", "flow",
          ("unet", "bladenet", "sgenet", "mtdn"), ("global", "mixed", REDS_SET)),
    Claim("BladeNet, built for local blur, beats the global designs on local blur", "bladenet",
          ("unet", "sgenet", "mtdn"), ("local",)),
    Claim("the two-way multi-scale network beats a plain U-Net", "mtdn", ("unet",),
          ("global", "mixed", GOPRO_SET, REDS_SET)),
    Claim("the two-way decoder beats the image branch alone", "mtdn", ("mtdn_single",),
          ("global", "mixed", GOPRO_SET, REDS_SET),
          "004, Table 1 (GoPro: 30.56 dB, and 30.18 'without two-way'): \"since we decomposed the original "
          "deblurring task into two different tasks, the network performance has been effectively improved\""),
    Claim("CSAM's selective fusion beats MPRNet's sum", "sgenet", ("sgenet_sum",),
          ("global", "mixed", GOPRO_SET, REDS_SET),
          "001, Table 1 (GoPro: SGENet 32.96 dB, MPRNet 32.66): \"Our proposed model has 0.3 dB higher ... than "
          "the best m[ethod] (MPRNet)\"; the book's sum-fusion SGENet is the nearest MPRNet-like design it has"),
]


def claims(res: dict, size: str = "1M") -> list[tuple[str, str]]:
    """Each claim of :data:`CLAIMS`, per rival and set, paired over seeds and images at ``size``
    (rivals not trained at the profile are left out; a claim resting on a network that beats its
    input by under the floor where it trained gets no verdict)."""
    rows = []
    for claim in CLAIMS:
        mine = _scores(res, row_name(claim.net, size))
        for rival in (r for r in claim.rivals if row_name(r, size) in res["rows"]):
            theirs = _scores(res, row_name(rival, size))
            for test in claim.tests:
                if test in mine and test in theirs:
                    label = f"{claim.text} ({claim.source}): over {ALL[rival].label}, {test}"
                    rows.append((label, _testable(res, size, claim.net, rival),
                                 stats.compare(mine[test], theirs[test], clusters=clusters_of(res, test))))
    corrected = iter(stats.holm([c for _, testable, c in rows if testable]))  # the claims table is one family
    return [(label, stats.judge(next(corrected)) if testable else
             f"not tested (a network under the {_runs.FLOOR_DB:.0f} dB floor): {stats.difference(c)}")
            for label, testable, c in rows]


def best_summary(res: dict, size: str = "1M", test: str = "mixed") -> str:
    """The floor first (how much each network beats its input where it trained), then which of the
    networks above it no other beats on ``test`` at ``size`` (paired verdicts), in words."""
    gains = {n: training_gain(res, n, size) for n in NETWORKS}
    floor = "; ".join(f"{NETWORKS[n].label} {g.mean:+.2f} dB" for n, g in gains.items())
    said = (f"where they trained, the networks beat their blurred input by {floor} (the book reads no claim "
            f"resting on a network under {_runs.FLOOR_DB:.0f} dB)")
    nets = [n for n in NETWORKS if test in _scores(res, row_name(n, size)) and _runs.can_test_claims(gains[n])]
    if not nets:
        return f"{said}; none clears it, so the comparison says nothing about the designs at this budget"
    unbeaten = [a for a in nets if not any(
        stats.compare(_scores(res, row_name(b, size))[test], _scores(res, row_name(a, size))[test]).verdict
        == "higher" for b in nets if b != a)]
    return (f"{said}; of those that clear it, on `{test}` at {SIZE_NAMES[size]}, no other beats "
            f"{', '.join(NETWORKS[a].label for a in unbeaten)} (paired over seeds and images)")


# ---------------------------------------------------------------- learning curves and shipped weights (07.01)

def convergence_table(res: dict, size: str = "1M") -> str:
    """Per network: its steps, the best validation step per seed, and what the last fifth of
    training added to the best validation PSNR (converged: under 0.1 dB)."""
    from ..training import selection

    lines = []
    for net, network in NETWORKS.items():
        runs = res["rows"][row_name(net, size)]["runs"]
        if any("selection" not in r for r in runs):  # trained before runs kept a validation history
            lines.append([network.label, f"{runs[0]['steps']:,}", "-", "not recorded", "-"])
            continue
        gains = [selection.last_fifth_gain(r["selection"]["history"]) for r in runs]
        lines.append([network.label, f"{runs[0]['steps']:,}", ", ".join(str(r["selection"]["best_step"]) for r in runs),
                      ", ".join(f"{g:+.2f}" for g in gains),
                      "yes" if all(g < selection.CONVERGED_DB for g in gains) else "no"])
    return markdown_table(["network", "steps", "best validation step (per seed)",
                           "last fifth added (dB, per seed)", f"converged (< {selection.CONVERGED_DB} dB)"], lines)


def curves_figure(res: dict, size: str = "1M"):
    """Validation PSNR against the share of each network's steps, every seed (held-out engine scenes
    of the training presets)."""
    import matplotlib.pyplot as plt

    from ..training import selection

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for k, (net, network) in enumerate(NETWORKS.items()):
        for s, run in enumerate(res["rows"][row_name(net, size)]["runs"]):
            history = run.get("selection", {}).get("history", [])
            ax.plot([h["step"] / run["steps"] for h in history], [h["score"] for h in history], color=f"C{k}",
                    marker="o", ms=2, lw=1, alpha=0.8, label=network.label if s == 0 else None)
    ax.axvline(1 - selection.LAST_SHARE, color="0.6", ls="--", lw=0.8)
    ax.set_xlabel("share of the network's training steps")
    ax.set_ylabel("validation PSNR (dB)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _ship_seed0(profile: str, device: str) -> dict[str, tuple[Path, object]]:
    """Seed 0 of every network at the budget's last size, written to ``weights/<profile>/ch07/``
    (float16, with its identity): per network, the file and the trainer (trained now or loaded)."""
    from ..training import shipped

    size, found = budget(profile)["sizes"][-1], {}
    for net in NETWORKS:
        exp, trainer = train_experiment(f"{CHAPTER}:{row_name(net, size)}", profile, seed=0, device=device,
                                        progress=False)
        found[net] = shipped.ship(exp.name, profile, 0, trainer.model, exp.identity), trainer
    return found


def _make_default(profile: str, score: Callable[[str], float]) -> None:
    """Make the single-frame network with the highest ``score`` the default model of ``deblur``."""
    from ..training import shipped

    single = [n for n, network in NETWORKS.items() if network.inputs == ("blur",)]
    shipped.set_default(f"{CHAPTER}:{row_name(max(single, key=score), budget(profile)['sizes'][-1])}", profile)


def ship_weights(res: dict, profile: str, device: str = "auto") -> list[Path]:
    """Write seed 0 of every network at the budget's last size to ``weights/<profile>/ch07/`` (float16,
    with its identity); at a reference profile, make the single-frame network that gains most over
    its input where it trained the default model of ``python -m deblurbook deblur``."""
    written = [path for path, _ in _ship_seed0(profile, device).values()]
    if profile in pages.REFERENCE_PROFILES:
        size = budget(profile)["sizes"][-1]
        _make_default(profile, lambda n: training_gain(res, n, size).mean)
    return written


def ship_from_validation(profile: str, device: str = "auto") -> dict[str, float]:
    """Before this chapter's results are committed: ship seed 0 of every network (as
    :func:`ship_weights`) and make the default model the single-frame network whose checkpoint
    scored best on the held-out validation scenes (the same scenes for every network; 07.01, run
    at a reference profile, replaces the choice with the gain on the test sets). Returns each
    network's best validation PSNR (dB) and the blurred input's, ``"input"``."""
    cfg = budget(profile)
    found = {net: max(h["score"] for h in atomic_read(trainer.out_dir / "selection.json")["history"])
             for net, (_, trainer) in _ship_seed0(profile, device).items()}
    _make_default(profile, found.get)
    blurred = validation_psnr(cfg["presets"], cfg["val_size"], cfg["val_images"], ("blur",))
    found["input"] = blurred(nn.Identity(), "cpu")
    return found

# ---------------------------------------------------------------- cost (07.02)

def cost_result(profile: str, device: str = "auto") -> dict:
    """Per network and size: parameters, multiply-accumulates (``torch.utils.flop_counter``; on the CPU
    for the networks whose forward needs values), seconds per image and the peak memory a forward
    pass adds, at the budget's ``cost_size`` (random weights: neither depends on them)."""
    cfg, dev = budget(profile), resolve(device)
    h, w = cfg["cost_size"]
    found = {}
    for size in cfg["sizes"]:
        for net, network in NETWORKS.items():
            factory = partial(_make, net, size)
            shapes = [(1, 3, h, w)] * len(network.inputs)
            try:
                macs = count_macs(factory, *shapes)
            except (RuntimeError, NotImplementedError):  # an argmax that indexes cannot run on meta
                macs = count_macs(factory, *shapes, device="cpu")
            found[row_name(net, size)] = {
                "parameters": parameter_count(factory()), "macs": macs,
                "seconds": seconds_per_image(factory(), (h, w), dev, inputs=len(network.inputs)),
                "peak_bytes": peak_memory(factory, *shapes, device=dev)}
    return {"size": [h, w], "device": describe(dev), "rows": found}


def _make(net: str, size: str) -> nn.Module:
    network = NETWORKS[net]
    return network.make(network.sizes[size])


def cost_table(res: dict) -> str:
    """Parameters, GMAC, seconds and peak memory per image, with the U-Net of the same size as the
    ratio's baseline."""
    h, w = res["size"]
    device = device_label(res["device"])
    lines = []
    for size in (s for s in SIZE_NAMES if row_name("unet", s) in res["rows"]):  # the rows' order, not the file's
        for net in NETWORKS:
            lines.append(_cost_line(res, net, size))
    return markdown_table(["network", "size", "parameters", f"GMAC per {h}x{w}", f"seconds ({device})",
                           "time / U-Net's", "peak memory added (MiB)"], lines)


def _cost_line(res: dict, net: str, size: str) -> list[str]:
    c = res["rows"][row_name(net, size)]
    base = res["rows"][row_name("unet", size)]["seconds"]
    return [NETWORKS[net].label, SIZE_NAMES[size], f"{c['parameters']:,}", f"{c['macs'] / 1e9:.1f}",
            f"{c['seconds']:.2f}", f"{c['seconds'] / base:.2f}", f"{c['peak_bytes'] / 2 ** 20:.0f}"]


# ---------------------------------------------------------------- blur scale (07.03)

def training_blur(profile: str, count: int | None = None) -> dict[str, float]:
    """The blur lengths (px) of the training stream: percentiles over the pixels of ``count``
    training crops (no augmentation, which does not change lengths)."""
    cfg = budget(profile)
    data = SyntheticDataset(cfg["presets"], crop=cfg["crop"], length=count or cfg["blur_stats_images"], seed=7,
                            signals=("flow",), augmentation=False)
    return _percentiles([blur_lengths({**data[i], "flow": data[i]["flow"].permute(1, 2, 0).numpy()})
                         for i in range(len(data))])


def _percentiles(lengths: list[np.ndarray]) -> dict[str, float]:
    values = np.concatenate([v.ravel() for v in lengths])
    return {f"p{q}": float(np.percentile(values, q)) for q in (50, 90, 99)}


def scale_sets(profile: str) -> dict[str, dict]:
    """The sets of the blur-scale study: ``synthetic`` (the `mixed` test scenes with the motion
    scaled by each factor), ``real`` (the GoPro crops and REDS frames shrunk by each factor)."""
    cfg = budget(profile)
    size, count = (cfg["test_size"], cfg["test_size"]), cfg["test_images"]
    real = test_sets(profile)
    signals = ("blur", "sharp", "blur_next", "ref", "flow")
    return {"synthetic": {f: RenderedSet(scaled_motion("mixed", f), size, count, signals=signals)
                          for f in cfg["motion_factors"]},
            "real": {(name, f): Downscaled(real[name], f) for name in (GOPRO_SET, REDS_SET)
                     for f in cfg["downscale"]}}


def _psnr(model: nn.Module, data, inputs, device, scale: float = 1.0) -> list[float]:
    found = []
    for i in range(len(data)):
        item = data[i]
        image = restore(model, [item[k][None].to(device) for k in inputs], tile=4096, overlap=0, scale=scale)
        found.append(float(metrics.psnr(image.float().cpu(), item["sharp"][None])[0]))
    return found


def scale_result(profile: str, seeds, device: str, size: str = "1M") -> dict:
    """07.03's results at ``size``: per network and seed, PSNR per image on the motion-scaled scenes,
    on the shrunk real frames, and on the full-size GoPro crops run through ``deblur --scale s``;
    the inputs' PSNR, and the blur lengths of the training stream and of each scaled set."""
    cfg = budget(profile)
    sets = scale_sets(profile)
    gopro = test_sets(profile)[GOPRO_SET]
    found: dict = {"networks": {}, "size": size}
    for net, network in NETWORKS.items():
        per_seed = []
        for s in seeds:
            _, trainer = train_experiment(f"{CHAPTER}:{row_name(net, size)}", profile, seed=s, device=device,
                                          progress=False)
            model, dev = trainer.model.eval(), trainer.device
            entry = {"synthetic": {str(f): _psnr(model, d, network.inputs, dev)
                                   for f, d in sets["synthetic"].items()},
                     "real": {f"{n}|{f}": _psnr(model, d, network.inputs, dev)
                              for (n, f), d in sets["real"].items() if readable(d, network.inputs)}}
            if readable(gopro, network.inputs):
                entry["tool"] = {str(t): _psnr(model, gopro, network.inputs, dev, scale=t)
                                 for t in cfg["tool_scales"]}
            per_seed.append(entry)
        found["networks"][net] = per_seed

    def blurred(data) -> list[float]:
        return [float(metrics.psnr(data[i]["blur"][None], data[i]["sharp"][None])[0]) for i in range(len(data))]

    found["blurred"] = {"synthetic": {str(f): blurred(d) for f, d in sets["synthetic"].items()},
                        "real": {f"{n}|{f}": blurred(d) for (n, f), d in sets["real"].items()}}
    found["blurred"]["tool"] = blurred(gopro)
    found["blur_px"] = {"training": training_blur(profile),
                        "scaled": {str(f): _percentiles([blur_lengths(d.load(i)) for i in range(len(d))])
                                   for f, d in sets["synthetic"].items()}}
    return found


def _keys(res: dict, kind: str) -> list[str]:
    """A study's keys in order: factors ascending; real sets as scored, then by factor."""
    keys = list(res["networks"]["unet"][0][kind])
    if kind == "real":
        sets = list(dict.fromkeys(k.split("|")[0] for k in res["blurred"]["real"]))
        return sorted(keys, key=lambda k: (sets.index(k.split("|")[0]) if k.split("|")[0] in sets else 0,
                                           float(k.split("|")[1])))
    return sorted(keys, key=float)


def _gain(res: dict, net: str, kind: str, key: str) -> stats.Comparison | None:
    runs = res["networks"][net]
    if kind not in runs[0] or key not in runs[0][kind]:
        return None
    base = res["blurred"]["tool"] if kind == "tool" else res["blurred"][kind][key]
    return stats.compare(np.asarray([r[kind][key] for r in runs]), base)


def scale_table(res: dict, kind: str) -> str:
    """Gain over the input (dB, paired verdict) of every network per blur scale of ``kind``
    (``synthetic``: motion factor; ``real``: set and shrink factor; ``tool``: ``--scale``)."""
    keys = _keys(res, kind)
    heads = {"synthetic": lambda k: f"motion x{k}", "real": lambda k: f"{k.split('|')[0]} at 1/{k.split('|')[1]}",
             "tool": lambda k: f"--scale {k}"}[kind]
    lines = []
    for net, network in NETWORKS.items():
        cells = []
        for k in keys:
            c = _gain(res, net, kind, k)
            cells.append("-" if c is None else f"{SYMBOLS[c.verdict]} {c.mean:+.2f}")
        lines.append([network.label, *cells])
    return markdown_table(["gain over the input (dB)", *[heads(k) for k in keys]], lines)


def blur_table(res: dict) -> str:
    """Blur lengths (px, percentiles over pixels) of the training stream and of each scaled set."""
    named = {"the training stream": res["blur_px"]["training"],
             **{f"`mixed` test scenes, motion x{k}": res["blur_px"]["scaled"][k]
                for k in sorted(res["blur_px"]["scaled"], key=float)}}
    return markdown_table(["scenes", "median", "90th percentile", "99th percentile"],
                          [[name, *[f"{v[q]:.1f}" for q in ("p50", "p90", "p99")]] for name, v in named.items()])


def stops_helping(res: dict, net: str) -> str:
    """Where ``net``'s gain over the input stops being 'higher' as the motion grows, in words."""
    keys = _keys(res, "synthetic")
    for key in keys:
        if _gain(res, net, "synthetic", key).verdict != "higher":
            return f"no longer significant from x{key}"
    return f"still significant at x{keys[-1]}"


def _tool_versus(res: dict, net: str, scale: str) -> stats.Comparison | None:
    """``deblur --scale scale`` against ``--scale 1`` for ``net`` on the full-size GoPro crops, paired."""
    runs = res["networks"][net]
    if "tool" not in runs[0]:
        return None
    return stats.compare(np.asarray([r["tool"][scale] for r in runs]), np.asarray([r["tool"]["1"] for r in runs]))


def scale_summary(res: dict) -> str:
    """07.03's result in words: each network's gain at the smallest and the largest motion factor and
    where it stops being significant, the training stream's blur, and whether ``--scale 2`` beats
    running at full size on the full-size GoPro crops."""
    train = res["blur_px"]["training"]
    keys = _keys(res, "synthetic")
    said = "; ".join(f"{NETWORKS[n].label} {_gain(res, n, 'synthetic', keys[0]).mean:+.2f} dB at x{keys[0]}, "
                     f"{_gain(res, n, 'synthetic', keys[-1]).mean:+.2f} at x{keys[-1]} ({stops_helping(res, n)})"
                     for n in NETWORKS)
    tool = [(n, _tool_versus(res, n, "2")) for n in NETWORKS if "2" in res["networks"][n][0].get("tool", {})]
    tools = "; ".join(f"{NETWORKS[n].label}, {stats.describe(c)}" for n, c in tool)
    return (f"the training stream's blur is {train['p50']:.1f} px at the median and {train['p99']:.1f} px at the "
            f"99th percentile; gain over the input as the motion grows: {said}. On the full-size GoPro crops, "
            f"`--scale 2` against `--scale 1`: {tools}")


def scale_figure(res: dict):
    """Gain over the input (dB, mean and 95% interval over seeds and images) against the median
    blur length of the motion-scaled scenes, per network; the training stream's median to 99th
    percentile shaded."""
    import matplotlib.pyplot as plt

    keys = _keys(res, "synthetic")
    lengths = [res["blur_px"]["scaled"][k]["p50"] for k in keys]
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    train = res["blur_px"]["training"]
    ax.axvspan(train["p50"], train["p99"], color="0.9", label="training blur (median to 99th pct.)")
    ax.axhline(0.0, color="0.5", lw=0.8)
    for net, network in NETWORKS.items():
        gains = [_gain(res, net, "synthetic", k) for k in keys]
        ax.errorbar(lengths, [g.mean for g in gains], yerr=[[g.mean - g.low for g in gains],
                                                          [g.high - g.mean for g in gains]],
                    marker="o", capsize=3, label=network.label)
    ax.set_xscale("log")
    ax.set_xlabel("median blur length of the scenes (px)")
    ax.set_ylabel("gain over the blurred input (dB)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- the deblur command (07.04)

def deblur_examples(profile: str) -> dict[str, list[dict]]:
    """The bundled samples 07.04 restores with ``python -m deblurbook deblur``, per figure: the
    model's name (this chapter's run at ``profile``, seed 0; ``None`` for the command's shipped
    default, first, where the repository ships one), the image, its sharp frame, and the options
    for the second image the model reads."""
    from ..training.shipped import read_index

    size = budget(profile)["sizes"][-1]
    default = [None] if read_index().get("default") else []
    crop = gopro_crops()[0]
    clip = next(iter(reds_clips().values()))
    before, frame, after = clip[0], clip[1], clip[2]

    def model(net: str) -> str:
        return f"ch07:{row_name(net, size)}@{profile}"

    return {"gopro": [{"model": name, "image": crop.blur, "sharp": crop.sharp, "extra": []}
                      for name in (*default, model("mtdn"), model("sgenet"))],
            "reds": [{"model": model("flow"), "image": frame.blur, "sharp": frame.sharp,
                      "extra": ["--next", after.blur]},
                     {"model": model("reference"), "image": frame.blur, "sharp": frame.sharp,
                      "extra": ["--ref", before.sharp]}]}


def deblur_command(example: dict, out: Path, device: str = "auto") -> list[str]:
    """The command line that restores ``example`` into a folder of ``out`` named after its model (so
    that two models' outputs of one image do not overwrite each other), paths relative to the
    checkout."""
    import re

    out = out / re.sub(r"[^\w.-]", "_", example["model"] or "default")
    def rel(path) -> str:
        path = Path(path).resolve()
        return str(path.relative_to(repo_root())) if path.is_relative_to(repo_root()) else str(path)

    extra = [rel(v) if k % 2 else v for k, v in enumerate(example["extra"])]
    model = ["--checkpoint", example["model"]] if example["model"] else []
    return ["python", "-m", "deblurbook", "deblur", rel(example["image"]), *extra, *model, "--out", rel(out),
            "--device", device]


def run_deblur(command: list[str]) -> Path:
    """Run a :func:`deblur_command` (this interpreter, from the checkout) and return the image it
    wrote; its error message, naming what is wrong, where it fails."""
    done = subprocess.run([sys.executable, *command[1:]], cwd=repo_root(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}")
    out = repo_root() / command[command.index("--out") + 1]
    return out / (Path(command[4]).stem + ".png")


def _short(model: str | None) -> str:
    """A model's label in a figure: its network, or the default's network, marked."""
    if model is None:
        from ..training.shipped import default_model

        return f"default ({_short(default_model())})"
    return model.split(":")[1].split("-")[0]


def deblur_figure(examples: list[dict], outputs: list[Path]):
    """The input, each command's output and the ground truth, PSNR in the titles, zoomed crops."""
    from ..imaging.images import read_image

    truth = read_image(examples[0]["sharp"])
    images = [("blurred", read_image(examples[0]["image"]))]
    images += [(_short(e["model"]), read_image(path)) for e, path in zip(examples, outputs)]
    images.append(("ground truth", truth))
    return viz.comparison_figure(images, truth)


def headline(profile: str = "small") -> list[str]:
    """The comparison in a sentence, from ``profile``'s committed files."""
    return pages.headline_line(profile, CHAPTER, "comparison", "ch07_side-by-side/07.01-one-protocol",
                               "All five under one protocol", best_summary)
