"""Chapter 7's test sets, scores and paired verdicts between the networks (07.01, 07.02)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from ...book import stats
from ...book.tables import markdown_table
from ...data.blur_scale import ClipInputs
from ...data.datasets import PairDataset
from ...data.real import gopro_crops, reds_clips
from ...nn.blocks import parameter_count
from .. import _claims, _runs
from .._runs import GOPRO_SET, REDS_SET, synthetic_sets
from . import regions
from .experiments import ALL, CHAPTER, NETWORKS, SIZE_NAMES, VARIANTS, budget, row_name

# ---------------------------------------------------------------- the test sets (07.01, 07.02)

SYNTHETIC_SETS = ("global", "local", "mixed")


def test_sets(profile: str) -> dict:
    """The fixed synthetic sets and the bundled real samples (evaluation only). REDS frames come
    with their neighbours and the previous sharp frame; the GoPro crops are single frames, so the
    networks that need a second frame or a reference are not scored on them."""
    cfg = budget(profile)
    sets = synthetic_sets(cfg, SYNTHETIC_SETS)
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
    extra = regions.region_scores(usable[regions.LOCAL_SET], network.inputs) if regions.LOCAL_SET in usable else None
    runs, model = _runs.train_and_score(f"{CHAPTER}:{row_name(net, size)}", profile, seeds, device, usable, extra=extra)
    return {"runs": runs, "parameters": parameter_count(model), "inputs": list(network.inputs), "sets": list(usable)}


def comparison_result(profile: str, seeds, device: str) -> dict:
    """07.01's results: every network at every size of the budget, and the claims' variants at the
    common (last) size, each seed, on every set it reads."""
    sets = test_sets(profile)
    sizes = budget(profile)["sizes"]
    rows = {
        row_name(net, size): score_network(net, size, profile, seeds, device, sets)
        for size in sizes
        for net in NETWORKS
    }
    if budget(profile)["variants"]:
        rows |= {
            row_name(net, sizes[-1]): score_network(net, sizes[-1], profile, seeds, device, sets) for net in VARIANTS
        }
    return {
        "rows": rows,
        "blurred": _runs.blurred_scores(sets),
        "sets": {n: len(d) for n, d in sets.items()},
        "sizes": list(budget(profile)["sizes"]),
        "presets": list(budget(profile)["presets"]),
        "clusters": _runs.cluster_labels(sets),
        "local_input": regions.input_regions(sets[regions.LOCAL_SET]),
    }


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
    rows = [
        [
            n.label,
            n.paper,
            " + ".join(INPUT_WORDS[k] for k in n.inputs),
            type(n.loss()).__name__,
            *[f"{parameter_count(n.make(n.sizes[s])):,} ({n.sizes[s]})" for s in sizes],
        ]
        for n in NETWORKS.values()
    ]
    return markdown_table(
        [
            "network",
            "chapter",
            "reads",
            "loss (its paper's)",
            *[f"parameters: {SIZE_NAMES[s]} (setting)" for s in sizes],
        ],
        rows,
    )


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
    return _claims.own_distribution_gain(res["blurred"], res["rows"][row_name(net, size)]["runs"], sets)


def floor_table(res: dict, size: str = "1M") -> str:
    """Each network's gain over its input where it trained, and whether its claims are read."""
    lines = []
    for net, network in NETWORKS.items():
        gain = training_gain(res, net, size)
        lines.append(
            [
                network.label,
                stats.difference(gain),
                "read" if _claims.can_test_claims(gain) else f"not read (under {_claims.FLOOR_DB:.0f} dB)",
            ]
        )
    sets = ", ".join(f"`{name}`" for name in res.get("presets", SYNTHETIC_SETS) if name in set_names(res))
    return markdown_table(
        ["network", f"gain over the input on {sets} (dB) [95% CI]", "its comparisons and claims"], lines
    )


def _testable(res: dict, size: str, *nets: str) -> bool:
    return all(_claims.can_test_claims(training_gain(res, n, size)) for n in nets if n in NETWORKS)


MIRRORED = {"higher": "lower", "lower": "higher"}


def pair_verdicts(res: dict, size: str, test: str) -> dict[tuple[str, str], stats.Comparison]:
    """Every ordered pair of networks that read ``test`` (above the floor or not), paired over seeds
    and clusters of images, Holm-corrected over the set's unordered pairs of networks above the floor
    (the family a matrix is read as)."""
    nets = [n for n in NETWORKS if test in _scores(res, row_name(n, size))]
    pairs = [(a, b) for k, a in enumerate(nets) for b in nets[k + 1 :]]
    found = {
        (a, b): stats.compare(
            _scores(res, row_name(a, size))[test],
            _scores(res, row_name(b, size))[test],
            clusters=clusters_of(res, test),
        )
        for a, b in pairs
    }
    family = [p for p in pairs if _testable(res, size, *p)]
    found |= dict(zip(family, stats.holm([found[p] for p in family])))
    for (a, b), c in list(found.items()):
        found[(b, a)] = replace(c, mean=-c.mean, low=-c.high, high=-c.low, verdict=MIRRORED.get(c.verdict, c.verdict))
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
        lines.append(
            [
                network.label,
                *[stats.describe(stats.compare(large[n], small[n])) if n in small else "-" for n in set_names(res)],
            ]
        )
    return markdown_table(["network: ~1 M against its chapter width", *set_names(res)], lines)
