"""Chapter 3's quoted numbers, budgets, rows, named experiments and test sets, with the blur-map
and region scores that checkpoint selection uses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ...core import profiles
from ...data.datasets import interleave
from ...data.testsets import synthetic_test_set
from ...imaging import metrics
from ...models.bladenet import BladeNet, BladeNetLoss, blur_probability
from ...models.unet import SmallUNet
from ...nn.losses import Reconstruction
from ...training import experiments, protocol
from ...training.archive import train_archived
from ...training.experiments import Experiment
from ...training.stages import train_staged
from .._rowstudy import experiment_finder, row_experiments
from .._runs import CLAIM_SEEDS, real_sets
from .._settings import budgets, quoted

CHAPTER = "ch03"

PAPER = quoted(__file__)  # paper.toml: the numbers quoted from the paper

# The book's training protocol (training/protocol.py: the engine's `global` and `mixed` scenes with one
# in seven from `local`, LODE's LBS; pools, cosine annealing, the checkpoint chosen on validation scenes)
# with Eq. 5. The CPU budgets use the paper's MSE (the code's L1, from a start next to the identity, left
# the image unchanged after 1000 steps when the book tried it) and a global skip; the paper profile uses
# the code's L1 and sigmoid output, and LBS data in every other slot (the paper's REDS and LBS epochs in
# turn). Each network trains fast as chapter 7's does: BladeNet in float32 NCHW (bf16 moved its gradients
# by 20%), the U-Net in bf16 NHWC.
FAST = {
    "bladenet": {"amp": False, "amp_dtype": "float16", "channels_last": False},
    "unet": {"amp": True, "amp_dtype": "bfloat16", "channels_last": True},
}
# budgets.toml: the budget per profile, on top of the training protocol; at paper, LBS in every other slot
BUDGETS = budgets(__file__, extra={"paper": {"stream": interleave(protocol.PRESETS, "local", 2), "seeds": CLAIM_SEEDS}})
# The budget's settings of its own a training run depends on (with the protocol's: its identity); the
# others only shape the evaluation.
TRAINING_KEYS = ("loss_weights", "lbp_input", "residual", "rec_norm", "width", "unet_width", "steps")
MOTION_THRESHOLD = 0.25  # px: Table 6's split between small and large motion (the code's value; lost in the text)
RATIO_PRESETS = ("global", "local")
PAPER_THRESHOLDS = tuple(round(0.1 * k, 1) for k in range(51))  # Fig. 3: tau = 0, 0.1, ..., 5.0 px


def budget(profile: str) -> dict:
    """This chapter's budget at ``profile``."""
    return profiles.budget(profile, BUDGETS, owner=CHAPTER)


# ---------------------------------------------------------------- maps and regions


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


# ---------------------------------------------------------------- experiments
#
# Table 4's rows are BladeNet's variants, all trained jointly under the protocol: global-blur scenes
# with one in seven from LBS (at `paper`, one in two, as the paper's alternating epochs). The engine
# gives every scene its mask, so LBP is supervised on every batch (the paper's REDS has no masks: its
# code trains LBP on LBS epochs only, in stages). Table 3's question adds BladeNet- trained on global blur
# alone (no LBS), and a second architecture (the book's residual U-Net) trained both ways. BladeNet+ and
# U-Net+ fine-tune the full model and the U-Net on LODE-proxy pairs (Table 5; the full model's LBP frozen,
# as in the code's S4), validated on LODE-proxy pairs.


@dataclass(frozen=True)
class Row:
    """One trained row: network (``bladenet``, ``unet``), BladeNet variant, training data
    (``stream``: the protocol's, with LBS; ``global``: without it; ``lode``: LODE-proxy pairs, the
    budget's fine-tuning steps and rate), the row it starts from, and the parameter-name prefixes
    it leaves alone."""

    network: str
    variant: str | None
    data: str = "stream"
    init_from: str | None = None
    frozen: tuple[str, ...] = ()


ROWS = {
    "none": Row("bladenet", "none"),
    "lbp": Row("bladenet", "lbp"),
    "bsa": Row("bladenet", "bsa"),
    "full": Row("bladenet", "full"),
    "none_global": Row("bladenet", "none", "global"),
    "unet_global": Row("unet", None, "global"),
    "unet": Row("unet", None),
    "plus": Row("bladenet", "full", "lode", init_from="full", frozen=("lbp.",)),
    "unet_plus": Row("unet", None, "lode", init_from="unet"),
}


experiment_of = experiment_finder(CHAPTER, budget)  # a row's experiment (chapter 7's where shared)


def _model(row: Row, cfg: dict) -> torch.nn.Module:
    if row.network == "bladenet":
        return BladeNet(row.variant, width=cfg["width"], lbp_input=cfg["lbp_input"], residual=cfg["residual"])
    return SmallUNet(width=cfg["unet_width"])


def _loss(row: Row, cfg: dict) -> torch.nn.Module:
    if row.network == "bladenet":
        return BladeNetLoss(*cfg["loss_weights"], norm=cfg["rec_norm"])
    return Reconstruction(1.0, "l1")  # chapter 7's floor: the U-Net's L1


def _data(row: Row, cfg: dict) -> dict:
    """The protocol settings of a row's data: the stream without LBS, or LODE-proxy pairs (rendered
    as drawn: a few minutes of fine-tuning does not need a pool) validated on LODE-proxy pairs."""
    if row.data == "global":
        return {"stream": protocol.PRESETS}
    if row.data == "lode":
        return {"stream": (LODE_PRESET,), "presets": (LODE_PRESET,), "pool": None, "lr": cfg["finetune_lr"]}
    return {}


def build(name: str, profile: str, seed: int, device: str, iterations: int | None) -> Experiment:
    """A row of :data:`ROWS` as an experiment under the book's protocol: model, loss (Eq. 5 for
    BladeNet), data and steps at ``profile``."""
    cfg, row = budget(profile), ROWS[name]
    finetune = row.data == "lode"
    steps = cfg["finetune_steps"] if finetune else cfg["steps"][row.network]
    settings = {
        **{key: cfg[key] for key in TRAINING_KEYS},
        "row": name,
        "network": row.network,
        "variant": row.variant,
        "data": row.data,
        "init_from": [experiment_of(row.init_from, profile)] if row.init_from else [],
        "phase_frozen": [list(row.frozen)] if row.frozen else [],
    }
    return protocol.experiment(
        f"{CHAPTER}:{name}",
        _model(row, cfg),
        _loss(row, cfg),
        ("blur",),
        {**cfg, **_data(row, cfg)},
        iterations if iterations is not None else steps,
        seed,
        device,
        settings,
        FAST[row.network],
    )


EXPERIMENTS = row_experiments(CHAPTER, ROWS, build)
MAIN_EXPERIMENT = f"{CHAPTER}:full"  # the chapter's model (what the benchmarks time)
LBS_PRESET, LODE_PRESET = "local", "local_fast"  # the engine's LBS, and LBS with LODE-like motion
LODE_SET = "local (LODE proxy)"


def _own_validation(exp: Experiment):
    return exp.validation


def train_row(name: str, profile: str, seed: int = 0, **kwargs):
    """Train (or load) ``name`` after the run it starts from (restored from its chapter's archive
    first: at `small` chapter 7's), with its checkpoint chosen on its validation scenes and the
    parameters it leaves alone frozen (:func:`~deblurbook.training.stages.train_staged`)."""
    for earlier in experiments.build(name, profile, seed=seed, device="cpu").settings.get("init_from", ()):
        train_archived(earlier, profile, seed=seed, train=train_row, **kwargs)
    return train_staged(name, profile, seed, validation=_own_validation, **kwargs)


def trained_row(row: str, profile: str, seed: int, device: str):
    """The trainer of row ``row`` (its selected model loaded), trained now or restored from the
    archive of the chapter whose run it is."""
    return train_archived(experiment_of(row, profile), profile, seed=seed, device=device, train=train_row)[1]


TRAIN_RUN = train_row  # how `python -m deblurbook train` trains this chapter's runs (warm starts, selection)


def test_sets(profile: str, extended: bool = False) -> dict:
    """The chapter's fixed test sets: LBS pairs, LODE-proxy pairs (other motion), and the engine's
    `global` and `mixed` scenes (the protocol's validation presets, where the floor is read);
    ``extended`` adds the bundled real samples (GoPro crops, REDS frames: global blur, evaluation
    only)."""
    cfg = budget(profile)
    size, count = cfg["test_size"], cfg["test_images"]
    sets = {
        "local (LBS)": synthetic_test_set(LBS_PRESET, (size, size), count),
        "local (LODE proxy)": synthetic_test_set(LODE_PRESET, (size, size), count),
        **{preset: synthetic_test_set(preset, (size, size), count) for preset in protocol.PRESETS},
    }
    return sets | (real_sets(cfg["real_images"]) if extended else {})
