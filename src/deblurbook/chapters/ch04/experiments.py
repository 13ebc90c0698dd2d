"""Chapter 4's quoted numbers, budgets, rows, named experiments."""

from __future__ import annotations

from ...core import profiles
from ...models.reference import NCCDescriptor, RefDeblurNet, VGGFeatures
from ...nn.adversarial import VGGStyleDiscriminator
from ...nn.frequency_losses import ContentFrequencyLoss
from ...training import protocol
from ...training.experiments import Experiment
from .._rowstudy import experiment_finder, row_experiments
from .._runs import CLAIM_SEEDS
from .._settings import budgets, quoted

CHAPTER = "ch04"

PAPER = quoted(__file__)  # paper.toml: the numbers quoted from the paper
PAPER["table1"] = {int(n): row for n, row in PAPER["table1"].items()}  # ResBlocks per group (TOML keys are text)

# The book's training protocol (training/protocol.py: the engine's `global` and `mixed` scenes with one in
# seven from `local`, pools, cosine annealing, the checkpoint chosen on validation scenes; each scene's
# reference a sharp frame of the same scene one to one and a half exposures earlier, cropped with the
# blurred image: the spec's [R], co-located, the same size) with chapter 7's fast settings (bf16 autocast,
# channels_last). L1 + 0.1 x frequency (Eq. 7); the GAN term (5e-3) where the profile affords it. Matching
# (Eqs. 1-3) with the descriptor that 04.01's study finds the truer one (the frozen VGG: the paper's phi
# [28] is a VGG too, trained on ImageNet, which cannot be fetched here); the NCC of luma blocks matched
# worse there, and a network trained with a matcher that misses the true cell has little reason to use
# the reference. The row `ncc_matcher` trains with NCC (chapter 7's reference network).
FAST = {"amp": True, "amp_dtype": "bfloat16", "channels_last": True}
# budgets.toml: the budget per profile, on top of the training protocol
BUDGETS = budgets(__file__, extra={"paper": {"seeds": CLAIM_SEEDS}})
# a training matcher's name -> its descriptor (the row of 04.01's study it is: matching.TRAINED)
MATCHERS = {"ncc": NCCDescriptor, "vgg": VGGFeatures}
# The budget's settings of its own a training run depends on (with the protocol's: its identity); the
# others only shape the evaluation.
TRAINING_KEYS = (
    "content",
    "frequency",
    "freq_norm",
    "matcher",
    "width",
    "blocks",
    "iterations",
    "adversarial",
    "critic_width",
)
ROWS = {  # row -> RefDeblurNet keyword arguments (Tables 5 and 6, the capacity control, the other matcher)
    "full": {},
    "no_sffm": {"sffm": False},
    "no_reference": {"reference": False},
    "zero_reference": {"zero_reference": True},
    "ncc_matcher": {},
}
ROW_MATCHERS = {"ncc_matcher": "ncc"}  # rows that match with another descriptor than the budget's


def budget(profile: str) -> dict:
    """This chapter's budget at ``profile``."""
    return profiles.budget(profile, BUDGETS, owner=CHAPTER)


def build(row: str, profile: str, seed: int, device: str, iterations: int | None) -> Experiment:
    """A row of :data:`ROWS` as an experiment under the book's protocol: the reference U-Net matching
    with the budget's descriptor (or the row's; a frozen random VGG's weights follow the seed), Eq. 7's
    loss, the engine's scenes with their reference frames."""
    cfg = budget(profile)
    kwargs, matcher = ROWS[row], ROW_MATCHERS.get(row, cfg["matcher"])
    descriptor = MATCHERS[matcher]() if kwargs.get("reference", True) else None
    critic = VGGStyleDiscriminator(cfg["critic_width"]) if cfg["adversarial"] else None
    return protocol.experiment(
        f"{CHAPTER}:{row}",
        RefDeblurNet(cfg["width"], cfg["blocks"], descriptor=descriptor, **kwargs),
        ContentFrequencyLoss(cfg["content"], cfg["frequency"], cfg["freq_norm"], cfg["adversarial"], critic),
        ("blur",) if kwargs.get("reference") is False else ("blur", "ref"),
        cfg,
        iterations if iterations is not None else cfg["iterations"],
        seed,
        device,
        {**{key: cfg[key] for key in TRAINING_KEYS}, "matcher": matcher, "row": row, "model": kwargs},
        FAST,
    )


EXPERIMENTS = row_experiments(CHAPTER, ROWS, build)
MAIN_EXPERIMENT = f"{CHAPTER}:full"  # the chapter's model (what the benchmarks time)


experiment_of = experiment_finder(CHAPTER, budget)  # a row's experiment (chapter 7's where shared)
