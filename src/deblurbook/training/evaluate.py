"""Evaluate a model on a test set: per-image and mean PSNR/SSIM (GoPro protocol)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from ..core import results
from ..imaging import metrics


@torch.no_grad()
def evaluate(
    model: nn.Module,
    dataset: Dataset,
    inputs: Sequence[str],
    device: torch.device | str = "cpu",
    target: str = "sharp",
    limit: int | None = None,
) -> dict:
    """Run ``model`` on each item (batch of one) and score its output against ``target``.

    The output is the model's tensor or its ``"image"`` entry, clamped to [0, 1];
    an output with NaN or infinite values is an error, never a number.
    Returns ``{"per_image": [{"index", "psnr", "ssim"}], "psnr": mean, "ssim": mean,
    "images": n}``.
    """
    device = torch.device(device)
    model = model.to(device).eval()
    rows = []
    count = len(dataset) if limit is None else min(limit, len(dataset))
    for i in range(count):
        item = dataset[i]
        missing = [k for k in (*inputs, target) if k not in item]
        if missing:
            raise KeyError(f"test item {i} lacks {missing}; it has {sorted(item)}")
        out = model(*[item[k][None].to(device) for k in inputs])
        image = out["image"] if isinstance(out, dict) else out
        if not torch.isfinite(image).all():
            raise FloatingPointError(
                f"the model's output for test item {i} holds NaN or infinite values "
                "(an error of the model, not a score)"
            )
        image = image.clamp(0, 1).float().cpu()
        truth = item[target][None]
        rows.append(
            {"index": i, "psnr": float(metrics.psnr(image, truth)[0]), "ssim": float(metrics.ssim(image, truth)[0])}
        )
    return {
        "per_image": rows,
        "images": len(rows),
        "psnr": float(np.mean([r["psnr"] for r in rows])),
        "ssim": float(np.mean([r["ssim"] for r in rows])),
    }


def save_evaluation(result: dict, profile: str, chapter: str, name: str, **extra) -> str:
    """Write an evaluation to ``results/<profile>/<chapter>/<name>.json``."""
    return results.save(profile, chapter, name, {**extra, **result})
