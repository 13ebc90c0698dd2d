"""Where the networks lose on `local` scenes: the still pixels against the moved ones (07.01).

In an engine `local` scene only the movers blur; outside the scene's mask (where no mover ever is)
the blurred input *is* the sharp image, so any error a network makes there is damage it does, and
the input's PSNR there is infinite. Scoring the two regions apart says whether a network's loss on
`local` comes from sharpening what was already sharp or from failing on what moved.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ...book import stats
from ...book.tables import markdown_table
from ...imaging import metrics
from .experiments import NETWORKS, row_name

LOCAL_SET = "local"
REGIONS = ("still", "moved")


def _masks(item) -> dict[str, np.ndarray]:
    moved = item["mask"][0].numpy() > 0.5
    return {"still": ~moved, "moved": moved}


def _region_psnr(image: torch.Tensor, sharp: torch.Tensor, where: np.ndarray) -> float | None:
    """PSNR (8-bit, RGB) over the pixels ``where`` is true; None where there is none or the image is
    exact there (an infinite PSNR has no place in a mean)."""
    if not where.any():
        return None
    value = float(metrics.masked_psnr(image[None], sharp[None], where[None])[0])
    return value if np.isfinite(value) else None


def input_regions(data) -> dict[str, list[float | None]]:
    """The blurred input's PSNR per region and image of a `local` set (None on the still pixels,
    where it is exact)."""
    found = {r: [] for r in REGIONS} | {"still_share": []}
    for i in range(len(data)):
        item = data[i]
        for region, where in _masks(item).items():
            found[region].append(_region_psnr(item["blur"], item["sharp"], where))
        found["still_share"].append(float(_masks(item)["still"].mean()))
    return found


def region_scores(data, inputs) -> Callable[[torch.nn.Module, object], dict]:
    """An ``extra`` for :func:`~deblurbook.chapters._runs.train_and_score`: the model's PSNR per
    region (:data:`REGIONS`) and image of the `local` set ``data``, read through ``inputs``."""

    @torch.no_grad()
    def extra(model, device) -> dict:
        model.eval()
        found = {r: [] for r in REGIONS}
        for i in range(len(data)):
            item = data[i]
            out = model(*[item[k][None].to(device) for k in inputs])
            image = (out["image"] if isinstance(out, dict) else out).clamp(0, 1).float().cpu()[0]
            for region, where in _masks(item).items():
                found[region].append(_region_psnr(image, item["sharp"], where))
        return {LOCAL_SET: found}

    return extra


def _matrix(runs: list[dict], region: str, kept: list[int]) -> np.ndarray:
    return np.asarray([[r["extra"][LOCAL_SET][region][i] for i in kept] for r in runs], dtype=float)


def regions_table(res: dict, size: str) -> str | None:
    """Each network on `local`: its PSNR on the still pixels (the input is exact there) and on the
    moved ones, with its gain over the input there; mean [95% CI] over seeds and images. None where
    the result holds no region scores (results written before they were taken)."""
    given = res.get("local_input")
    if not given:
        return None
    lines = []
    for net, network in NETWORKS.items():
        runs = res["rows"][row_name(net, size)]["runs"]
        if not all(LOCAL_SET in r.get("extra", {}) for r in runs):
            continue
        cells = []
        for region in REGIONS:
            kept = [i for i, v in enumerate(runs[0]["extra"][LOCAL_SET][region]) if v is not None]
            kept = [i for i in kept if all(r["extra"][LOCAL_SET][region][i] is not None for r in runs)]
            values = _matrix(runs, region, kept)
            cells.append(stats.estimate(stats.interval(values)) if kept else "-")
            if region == "moved":
                base = np.asarray([given[region][i] for i in kept], dtype=float)
                cells.append(stats.difference(stats.compare(values, base)) if kept else "-")
        lines.append([network.label, *cells])
    moved = [v for v in given["moved"] if v is not None]
    return markdown_table(
        [
            "network",
            "PSNR on the still pixels (input: exact) (dB)",
            f"PSNR on the moved pixels (input: {np.mean(moved):.2f}) (dB)",
            "gain on the moved pixels (dB)",
        ],
        lines,
    )


def still_share(res: dict) -> float:
    """The mean share of still pixels in the `local` images (from the region scores' input)."""
    return float(np.mean(res["local_input"]["still_share"]))
