"""The two branches and coarse to fine (06.01)."""

from __future__ import annotations

import numpy as np
import torch

from ...book import pages, stats, viz
from ...book.tables import markdown_table
from ...book.viz import Panel, figure, to_hwc
from ...models.two_way import MTDN
from ...nn.scale_losses import resize_bilinear
from ...training.archive import train_archived
from .experiments import budget, experiment_of, test_sets

BANDS = (0.0, 1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 0.75)  # radial frequency, cycles per pixel


def band_energy(image: np.ndarray, edges: tuple[float, ...] = BANDS) -> np.ndarray:
    """Mean squared value of ``image`` (HxW or HxWxC, summed over channels) carried by each radial
    frequency band ``[edges[k], edges[k + 1])`` in cycles per pixel; the bands sum to the mean
    square when they cover [0, 0.71) (Parseval)."""
    x = np.asarray(image, dtype=np.float64)
    x = x[..., None] if x.ndim == 2 else x
    h, w = x.shape[:2]
    power = (np.abs(np.fft.fft2(x, axes=(0, 1))) ** 2).sum(-1) / (h * w) ** 2
    radius = np.hypot(*np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij"))
    return np.asarray([power[(radius >= lo) & (radius < hi)].sum() for lo, hi in zip(edges[:-1], edges[1:])])


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    scale = np.sqrt((a @ a) * (b @ b))
    return float(a @ b / scale) if scale > 0 else 0.0


def branches(model: MTDN, item: dict, device) -> dict[str, np.ndarray]:
    """The finest scale's two branches on one image, as HxWx3 float64: ``image`` (the image
    branch's picture: its output, plus the blurred input in the residual form), ``residual``
    (the residual branch's output), and the blurred and sharp images."""
    with torch.no_grad():
        out = model.eval()(item["blur"][None].to(device))
    hwc = lambda t: t[0].permute(1, 2, 0).double().cpu().numpy()  # noqa: E731 (unclamped: branches are signed)
    blur, sharp = hwc(item["blur"][None]), hwc(item["sharp"][None])
    image = hwc(out["up"][-1]) + (blur if model.residual else 0.0)
    return {"image": image, "residual": hwc(out["down"][-1]), "blur": blur, "sharp": sharp}


def branch_statistics(parts: dict[str, np.ndarray]) -> dict:
    """What each branch adds to the blurred input: band energies (the image branch's change
    ``image - blur``, the residual branch, the true change ``sharp - blur``), the Laplacian
    energy ratio of the residual branch to the image branch's picture, the correlation of each
    change with the true one, and of each change's magnitude with the sharp image's edges."""
    from scipy import ndimage

    blur, sharp = parts["blur"], parts["sharp"]
    changes = {
        "image branch (image - blur)": parts["image"] - blur,
        "residual branch": parts["residual"],
        "true change (sharp - blur)": sharp - blur,
    }
    lap = lambda x: np.stack([ndimage.laplace(x[..., c]) for c in range(x.shape[-1])], -1)  # noqa: E731
    edges = np.hypot(*np.gradient(sharp.mean(-1)))
    return {
        "bands": {k: band_energy(v).tolist() for k, v in changes.items()},
        "laplacian_ratio": float((lap(parts["residual"]) ** 2).mean() / (lap(parts["image"]) ** 2).mean()),
        "corr_true": {k: _corr(v, changes["true change (sharp - blur)"]) for k, v in list(changes.items())[:2]},
        "corr_edges": {k: _corr(np.abs(v).sum(-1), edges) for k, v in list(changes.items())[:2]},
    }


def branch_result(profile: str, seeds, device: str, test: str = "global") -> dict:
    """06.01's results: :func:`branch_statistics` for every image of ``test`` and MTDN of every seed."""
    data = test_sets(profile)[test]
    per_seed = {}
    for s in seeds:
        _, trainer = train_archived(
            experiment_of("two_way", profile), profile, seed=s, device=device, progress=pages.shows_progress(profile)
        )
        per_seed[str(s)] = [
            branch_statistics(branches(trainer.model, data[i], trainer.device)) for i in range(len(data))
        ]
    return {"test": test, "per_seed": per_seed, "residual": bool(budget(profile)["residual"])}


def _branch_values(res: dict, pick) -> np.ndarray:
    return np.asarray([[pick(stat) for stat in images] for images in res["per_seed"].values()])


def branch_table(res: dict) -> str:
    """The branch statistics as means with 95% intervals over seeds and images."""
    keys = ("image branch (image - blur)", "residual branch")
    rows = [
        [
            "Laplacian energy, residual branch / image branch's picture",
            stats.estimate(stats.interval(_branch_values(res, lambda s: s["laplacian_ratio"]))),
        ]
    ]
    rows += [
        [
            f"correlation with sharp - blur: {k}",
            stats.estimate(stats.interval(_branch_values(res, lambda s, k=k: s["corr_true"][k]))),
        ]
        for k in keys
    ]
    rows += [
        [
            f"correlation of |change| with the sharp image's edges: {k}",
            stats.estimate(stats.interval(_branch_values(res, lambda s, k=k: s["corr_edges"][k]))),
        ]
        for k in keys
    ]
    images = sum(len(v) for v in res["per_seed"].values())
    return markdown_table(
        ["quantity", f"mean [95% CI] ({len(res['per_seed'])} seeds, {images} image-runs, `{res['test']}`)"], rows
    )


def branch_summary(res: dict) -> str:
    """06.01's result in words: the residual branch's share of Laplacian energy and how each
    branch's change correlates with the true change, with intervals over seeds and images."""
    image, residual = "image branch (image - blur)", "residual branch"
    ratio = stats.interval(_branch_values(res, lambda s: s["laplacian_ratio"]))
    corr = {k: stats.interval(_branch_values(res, lambda s, k=k: s["corr_true"][k])) for k in (image, residual)}
    return (
        f"the residual branch carries {stats.estimate(ratio)} times the Laplacian energy of the image "
        f"branch's picture; the change each branch makes correlates with the true change sharp - blur at "
        f"{stats.estimate(corr[image])} (image branch) and {stats.estimate(corr[residual])} (residual branch)"
    )


def band_figure(res: dict):
    """Energy per radial frequency band of each branch's change and of the true change (means over
    seeds and images; log scale)."""
    import matplotlib.pyplot as plt

    names = list(next(iter(res["per_seed"].values()))[0]["bands"])
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    for name in names:
        values = _branch_values(res, lambda s, n=name: np.asarray(s["bands"][n])).reshape(-1, len(BANDS) - 1)
        ax.plot(range(len(BANDS) - 1), values.mean(0), marker="o", label=name)
    ax.set_xticks(range(len(BANDS) - 1), [f"{lo:.3g}-{hi:.3g}" for lo, hi in zip(BANDS[:-1], BANDS[1:])], fontsize=8)
    return viz.finish_axes(
        fig, ax, "radial frequency band (cycles per pixel)", "mean square per band", yscale="log", legend_size=8
    )


def scales_figure(model: MTDN, item: dict, device):
    """Coarse to fine on one image: per scale (rows), the blurred input at that scale, the previous
    estimate it is given (upsampled), the image branch's picture, the residual branch (+0.5) and
    the scale's estimate (the paper's Fig. 3 at every scale)."""
    with torch.no_grad():
        out = model.eval()(item["blur"][None].to(device))
    blur = item["blur"][None].to(device)
    panels = []
    for k, estimate in enumerate(out["scales"]):
        size = tuple(estimate.shape[-2:])
        blurred = resize_bilinear(blur, size)
        previous = blurred if k == 0 else resize_bilinear(out["scales"][k - 1], size)
        picture = out["up"][k] + (blurred if model.residual else 0)
        label = f"1/{2 ** (len(out['scales']) - 1 - k)}"
        panels += [
            Panel(to_hwc(blurred), f"{label}: blurred"),
            Panel(to_hwc(previous), "previous estimate"),
            Panel(to_hwc(picture), "image branch"),
            Panel(to_hwc(out["down"][k] + 0.5) if out["down"] else np.full((*size, 3), 0.5), "residual branch + 0.5"),
            Panel(to_hwc(estimate), "estimate (sum)"),
        ]
    return figure(panels, columns=5, width=2.4)
