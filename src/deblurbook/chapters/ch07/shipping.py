"""Chapter 7's shipped weights (seed 0 of every network) and the cost of each network (07.02)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from torch import nn

from ...book import pages
from ...book.cost import macs as count_macs
from ...book.cost import peak_memory
from ...book.tables import markdown_table
from ...book.timing import device_label, seconds_per_image
from ...core.atomic import read_json as atomic_read
from ...core.device import describe, resolve
from ...nn.blocks import parameter_count
from ...training.archive import train_archived
from ...training.selection import validation_psnr
from .comparison import training_gain
from .experiments import CHAPTER, NETWORKS, SIZE_NAMES, budget, row_name


def _ship_seed0(profile: str, device: str) -> dict[str, tuple[Path, object]]:
    """Seed 0 of every network at the budget's last size, written to ``weights/<profile>/ch07/``
    (float16, with its identity): per network, the file and the trainer (trained now or loaded)."""
    from ...training import shipped

    size, found = budget(profile)["sizes"][-1], {}
    for net in NETWORKS:
        exp, trainer = train_archived(
            f"{CHAPTER}:{row_name(net, size)}", profile, seed=0, device=device, progress=pages.shows_progress(profile)
        )
        found[net] = shipped.ship(exp.name, profile, 0, trainer.model, exp.identity), trainer
    return found


def _make_default(profile: str, score: Callable[[str], float]) -> None:
    """Make the single-frame network with the highest ``score`` the default model of ``deblur``."""
    from ...training import shipped

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
    found = {
        net: max(h["score"] for h in atomic_read(trainer.out_dir / "selection.json")["history"])
        for net, (_, trainer) in _ship_seed0(profile, device).items()
    }
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
                "parameters": parameter_count(factory()),
                "macs": macs,
                "seconds": seconds_per_image(factory(), (h, w), dev, inputs=len(network.inputs)),
                "peak_bytes": peak_memory(factory, *shapes, device=dev),
            }
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
    return markdown_table(
        [
            "network",
            "size",
            "parameters",
            f"GMAC per {h}x{w}",
            f"seconds ({device})",
            "time / U-Net's",
            "peak memory added (MiB)",
        ],
        lines,
    )


def _cost_line(res: dict, net: str, size: str) -> list[str]:
    c = res["rows"][row_name(net, size)]
    base = res["rows"][row_name("unet", size)]["seconds"]
    return [
        NETWORKS[net].label,
        SIZE_NAMES[size],
        f"{c['parameters']:,}",
        f"{c['macs'] / 1e9:.1f}",
        f"{c['seconds']:.2f}",
        f"{c['seconds'] / base:.2f}",
        f"{c['peak_bytes'] / 2**20:.0f}",
    ]
