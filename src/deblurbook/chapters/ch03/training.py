"""Training and scoring a row: local scores, tables, curves, the qualitative panels (03.03)."""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from ...book import stats
from ...book.tables import markdown_table
from ...book.viz import Panel, to_hwc
from ...imaging import metrics
from ...models.bladenet import BladeNet, blur_probability
from ...models.bladenet_losses import dice
from ...training import experiments
from ...training.archive import train_archived
from .. import _rowstudy
from .._runs import against_input, blurred_scores, input_table, training_logs
from .experiments import (
    LODE_SET,
    MOTION_THRESHOLD,
    ROWS,
    _blur_map_scores,
    experiment_of,
    region_psnr,
    test_sets,
    train_row,
)


@torch.no_grad()
def local_scores(model, data, device) -> dict[str, list]:
    """Per image of a local test set: LBP's blur map against the mask (IoU, F1 at p > 0.5), the
    attention sum's Dice (the code's formula), and Table 6's region PSNRs (both readings) split at
    :data:`MOTION_THRESHOLD` px/frame of the true motion; None where a model or an image has none."""
    model.eval()
    out = {k: [] for k in ("iou", "f1", "dice", "small_true", "small_code", "large_true", "large_code")}
    for i in range(len(data)):
        item = data[i]
        result = model(item["blur"][None].to(device))
        output = to_hwc(result["image"] if isinstance(result, dict) else result)
        sharp = to_hwc(item["sharp"])
        mask = item["mask"][0].numpy() > 0.5
        iou, f1 = _blur_map_scores(result, mask)
        out["iou"].append(iou)
        out["f1"].append(f1)
        out["dice"].append(
            float(dice(result["attention"][0, 0].float().cpu(), torch.from_numpy(mask)))
            if isinstance(result, dict) and "attention" in result
            else None
        )
        motion = item["motion"][0].numpy()
        for name, region in (("small", motion <= MOTION_THRESHOLD), ("large", motion > MOTION_THRESHOLD)):
            scored = region_psnr(output, sharp, region)
            out[f"{name}_true"].append(scored[0] if scored else None)
            out[f"{name}_code"].append(scored[1] if scored else None)
    return out


def score_row(row: str, profile: str, seeds, device: str, sets: dict) -> dict:
    """Train a row for each seed (or load it) and score it on ``sets``, with :func:`local_scores`
    on the LBS test set; the parameters trained and at the paper's width."""
    local = sets["local (LBS)"]
    spec = ROWS[row]
    return _rowstudy.scored_row(
        experiment_of(row, profile),
        profile,
        seeds,
        device,
        sets,
        paper=partial(BladeNet, spec.variant, width=64) if spec.network == "bladenet" else None,
        extra=lambda m, dev: local_scores(m, local, dev),
        train=partial(train_archived, train=train_row),
    )


def rows_table(profile: str) -> str:
    """Every trained row at ``profile``: the experiment that trains it (chapter 7's where shared),
    network, training data, steps, the row it starts from, and the parameters it leaves alone."""
    data = {"stream": "the protocol's stream (with LBS)", "global": "global blur only", "lode": "LODE-proxy pairs"}
    lines = []
    for name, row in ROWS.items():
        experiment = experiment_of(name, profile)
        exp = experiments.build(experiment, profile, seed=0, device="cpu")
        lines.append(
            [
                name,
                experiment,
                row.network + (f" ({row.variant})" if row.variant else ""),
                data[row.data],
                exp.config.iterations,
                ", ".join(exp.settings.get("init_from", ())) or "-",
                ", ".join(row.frozen) or "-",
            ]
        )
    return markdown_table(
        ["row", "experiment", "network", "training data", "steps", "starts from", "frozen (parameter prefixes)"], lines
    )


def _against_input(res: dict) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """Per test set: BladeNet's PSNR (seeds x images), the blurred input's per image, and its mean SSIM."""
    return against_input(res["blurred"], res["row"]["runs"])


def training_table(res: dict) -> str:
    """BladeNet at this budget on each test set, against its blurred input (paired over images and seeds)."""
    return input_table(res["blurred"], res["row"]["runs"], "BladeNet")


def _extra(runs: list[dict], key: str) -> np.ndarray | None:
    """(seeds, images) of one :func:`local_scores` entry, or None where the model has no such output."""
    values = [r["extra"][key] for r in runs]
    if any(v is None for row in values for v in row):
        return None
    return np.asarray(values, dtype=np.float64)


def blur_map_table(res: dict) -> str:
    """LBP's blur map as a segmentation of the mask, and the attention sum's Dice (intervals kept
    inside [0, 1]), beside the trivial "everything is blurred" map, paired image by image: a map
    that does no better than calling every pixel blurred has learned nothing about where blur is."""
    runs = res["row"]["runs"]
    share = np.asarray(res["mask_share"])
    rows = []
    for key, name in (
        ("iou", "LBP, IoU (p > 0.5)"),
        ("f1", "LBP, F1 (p > 0.5)"),
        ("dice", "BSA sum, Dice (code's formula; 0.25 is its best)"),
    ):
        values = _extra(runs, key)
        if values is not None:
            trivial = {"iou": share, "f1": 2 * share / (1 + share), "dice": None}[key]
            versus = "-" if trivial is None else stats.describe(stats.compare(values, trivial, margin=0.02), unit="")
            rows.append(
                [
                    name,
                    stats.estimate(stats.interval(values, bounds=(0.0, 1.0))),
                    f"{trivial.mean():.2f}" if trivial is not None else "-",
                    versus,
                ]
            )
    return markdown_table(
        ["measure (LBS test set)", "BladeNet [95% CI]", "everything-blurred map", "BladeNet against it (margin 0.02)"],
        rows,
    )


def training_summary(res: dict) -> str:
    """The training result in words chosen by the verdicts."""
    parts = [
        f"{name}: {stats.describe(stats.compare(values, blurred))}"
        for name, (values, blurred, _) in _against_input(res).items()
    ]
    iou = _extra(res["row"]["runs"], "iou")
    tail = f"; LBP's blur map reaches an IoU of {iou.mean():.2f} with the mask" if iou is not None else ""
    return f"against the blurred input, BladeNet is {'; '.join(parts)}{tail}"


def loss_curves(logs: dict[int, list[dict]]):
    """Training loss terms per seed (every logged step)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    rec = next(k for log in logs.values() for e in log for k in e if k.endswith("_image"))  # l1_image or mse_image
    for seed, log in logs.items():
        for ax, key, style in ((axes[0], rec, "-"), (axes[1], "mask_ce", "."), (axes[2], "dice", ".")):
            points = [(e["step"], e[key]) for e in log if key in e]
            if points:
                ax.plot(*zip(*points), style, markersize=3, linewidth=0.9, label=f"seed {seed}")
    for ax, title in zip(axes, (f"{rec.split('_')[0].upper()} (Eq. 5's first term)", "LBP cross-entropy", "BSA Dice")):
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("step")
    axes[0].set_yscale("log")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def selection_table(res: dict) -> str:
    """Checkpoint selection per seed: the step chosen on the validation pairs, and the LODE-proxy
    PSNR of the chosen and the last weights (the last ones paired against the chosen)."""
    lines = []
    for run in res["row"]["runs"]:
        chosen = [p["psnr"] for p in run["per_image"] if p["preset"] == LODE_SET]
        last = [p["psnr"] for p in run["last"]["per_image"] if p["preset"] == LODE_SET]
        history = run["selection"]["history"]
        lines.append(
            [
                run["seed"],
                f"{run['selection']['best_step']} of {history[-1]['step']}",
                f"{np.mean(chosen):.2f}",
                f"{np.mean(last):.2f}",
            ]
        )
    return markdown_table(["seed", "step chosen", "chosen: LODE-proxy PSNR", "last: LODE-proxy PSNR"], lines)


def qualitative_panels(model, item: dict, device) -> list[Panel]:
    """One local test image: blurred, BladeNet's output, ground truth, LBP's blur probability,
    the mask, and the attention sum (where the model has them)."""
    with torch.no_grad():
        out = model.eval()(item["blur"][None].to(device))
    sharp, blur, restored = to_hwc(item["sharp"]), to_hwc(item["blur"]), to_hwc(out["image"])
    panels = [
        Panel(blur, f"blurred {float(metrics.psnr(blur, sharp)):.2f} dB"),
        Panel(restored, f"BladeNet {float(metrics.psnr(restored, sharp)):.2f} dB"),
        Panel(sharp, "ground truth"),
        Panel(item["mask"][0].numpy() > 0.5, "mask M", kind="mask"),
    ]
    if "blur_logits" in out:
        panels.append(
            Panel(blur_probability(out)[0].float().cpu().numpy(), "LBP blur probability", kind="map", limit=1.0)
        )
    if "attention" in out:
        panels.append(Panel(out["attention"][0, 0].float().cpu().numpy(), "BSA sum S", kind="map", limit=3.0))
    return panels


def training_result(profile: str, seeds, device: str) -> dict:
    """03.03's results: the full model at ``profile`` for each seed, scored on the test sets,
    with the blurred input's scores, each LBS test image's mask share and the training logs."""
    sets = test_sets(profile)
    local = sets["local (LBS)"]
    return {
        "row": score_row("full", profile, seeds, device, sets),
        "blurred": blurred_scores(sets),
        "mask_share": [float(local[i]["mask"].mean()) for i in range(len(local))],
        "sets": {name: len(data) for name, data in sets.items()},
        "logs": training_logs(experiment_of("full", profile), profile, seeds, device),
    }
