"""Chapter 7's networks, budgets and the builder of their runs (one protocol for all)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from torch import nn

from ...core import profiles
from ...data.datasets import SyntheticDataset
from ...models.bladenet import BladeNet, BladeNetLoss
from ...models.flow_deblur import FlowDeblurLoss, FlowDeblurNet
from ...models.reference import RefDeblurNet
from ...models.sgenet import SGENet
from ...models.two_way import MTDN
from ...models.unet import SmallUNet
from ...nn.edge_losses import StageScaleCharbonnierEdge
from ...nn.frequency_losses import ContentFrequencyLoss
from ...nn.losses import Reconstruction
from ...nn.scale_losses import ScaleWeightedMSE
from ...training.cosine import from_budget
from ...training.experiments import Experiment
from ...training.selection import validation_psnr
from .._runs import CLAIM_SEEDS
from .._settings import PROTOCOL_KEYS, budgets

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
    "unet": Network(
        "U-Net (the floor)",
        "-",
        lambda w: SmallUNet(w),
        lambda: Reconstruction(1.0, "l1"),
        sizes={"smoke": 4, "chapter": 8, "1M": 16},
    ),
    "flow": Network(
        "flow-guided (002)",
        "ch02",
        lambda w: FlowDeblurNet("full", width=w, residual=True),
        lambda: FlowDeblurLoss(flow_weight=1.0, balance="pixels"),
        ("blur", "blur_next"),
        sizes={"smoke": 0.125, "chapter": 0.35, "1M": 0.35},  # ch02 trains at 1 M
    ),
    # bf16 moves its gradients by 20% of their norm and NHWC by 0.5% even in float32 (the other
    # networks: under 1% and 1e-6): float32, NCHW
    "bladenet": Network(
        "BladeNet (003)",
        "ch03",
        lambda w: BladeNet("full", width=w, residual=True),
        lambda: BladeNetLoss(1.0, 0.25, 0.01, norm="mse"),
        targets=("mask",),
        sizes={"smoke": 4, "chapter": 8, "1M": 10},
        amp=None,
        channels_last=False,
    ),
    "reference": Network(
        "reference-based (000)",
        "ch04",
        lambda s: RefDeblurNet(*s),
        lambda: ContentFrequencyLoss(1.0, 0.1, "l1", 0.0, None),
        ("blur", "ref"),
        sizes={"smoke": (4, 1), "chapter": (16, 3), "1M": (16, 3)},  # ch04 trains at 1 M
    ),
    # torch 2.13's oneDNN returns NaN weight gradients for its dilated convolutions in bf16 NHWC
    "sgenet": Network(
        "SGENet (001)",
        "ch05",
        lambda s: SGENet(s, rdms=1),
        lambda: StageScaleCharbonnierEdge(0.05, supervised="all"),
        sizes={"smoke": (4, 5, 6), "chapter": (29, 36, 43), "1M": (29, 36, 43)},  # ch05 trains at 1 M
        channels_last=False,
    ),
    "mtdn": Network(
        "MTDN, two-way (004)",
        "ch06",
        lambda w: MTDN(width=w, residual=True),
        lambda: ScaleWeightedMSE((1.0, 1.0, 5.0)),
        sizes={"smoke": 4, "chapter": 16, "1M": 16},  # ch06 trains at 1 M
    ),
}
# Two papers' own comparisons, trained under the same protocol at the common size only: the claims'
# rivals, not rows of the comparison.
VARIANTS = {
    "mtdn_single": Network(
        "MTDN, image branch only (004's Table 1 ablation)",
        "ch06",
        lambda w: MTDN(width=w, two_way=False, residual=True),
        lambda: ScaleWeightedMSE((1.0, 1.0, 5.0)),
        sizes={"smoke": 4, "1M": 16},
    ),
    "sgenet_sum": Network(
        "SGENet, CSAM replaced by MPRNet's sum",
        "ch05",
        lambda s: SGENet(s, rdms=1, csam=False),
        lambda: StageScaleCharbonnierEdge(0.05, supervised="all"),
        sizes={"smoke": (4, 5, 6), "1M": (29, 36, 43)},
        channels_last=False,
    ),
}
ALL = {**NETWORKS, **VARIANTS}
SIZE_NAMES = {"smoke": "tiny (smoke)", "chapter": "its chapter's `small` width", "1M": "about 1 M parameters"}

# budgets.toml: the budget per profile, on top of the training protocol (training/protocol.py: chapter 7's)
BUDGETS = budgets(
    __file__,
    extra={
        "smoke": {"steps": {net: 3 for net in ALL}},
        "paper": {"seeds": CLAIM_SEEDS, "steps": {net: 300_000 for net in ALL}},
    },
)
# the budget's settings a run depends on (its identity): the others only shape the evaluation
TRAINING_KEYS = PROTOCOL_KEYS
# One pool for every network: each reads its own inputs and targets from the same scenes.
SIGNALS = tuple(dict.fromkeys(k for n in ALL.values() for k in (*n.inputs, "sharp", *n.targets)))


def budget(profile: str) -> dict:
    """This chapter's budget at ``profile``."""
    return profiles.budget(profile, BUDGETS, owner=CHAPTER)


def precision(network: Network) -> dict:
    """A network's fast settings as :class:`~deblurbook.training.trainer.TrainConfig` fields."""
    return {
        "amp": network.amp is not None,
        "amp_dtype": network.amp or "float16",
        "channels_last": network.channels_last,
    }


def build(net: str, size: str, profile: str, seed: int, device: str, iterations: int | None) -> Experiment:
    """Network ``net`` at size ``size`` under the common protocol: the same engine stream (the same
    scenes for every network at a seed), steps, batch, crop and cosine schedule; its paper's loss;
    the checkpoint kept is the best on held-out validation scenes of the training presets."""
    cfg, network = budget(profile), ALL[net]
    steps = iterations if iterations is not None else cfg["steps"][net]
    train_set = SyntheticDataset(
        cfg["stream"],
        crop=cfg["crop"],
        length=steps * cfg["batch"] * 8,
        seed=1_000_003 * (seed + 1),
        signals=SIGNALS,
        pool=cfg["pool"],
    )  # <= 8 DDP ranks
    config = from_budget(
        cfg, steps, seed, device, grad_clip=cfg["grad_clip"], **(precision(network) if cfg["fast"] else {})
    )
    settings = {
        **{key: cfg[key] for key in TRAINING_KEYS},
        "network": net,
        "size": size,
        "setting": network.sizes[size],
        "steps": steps,
        "select_every": max(1, steps // cfg["selections"]),
    }
    validation = validation_psnr(cfg["presets"], cfg["val_size"], cfg["val_images"], network.inputs)
    return Experiment(
        f"{CHAPTER}:{net}-{size}",
        network.make(network.sizes[size]),
        network.loss(),
        train_set,
        network.inputs,
        config,
        settings,
        validation=validation,
    )


EXPERIMENTS = {f"{CHAPTER}:{net}-{size}": partial(build, net, size) for net, n in ALL.items() for size in n.sizes}


def row_name(net: str, size: str) -> str:
    return f"{net}-{size}"
