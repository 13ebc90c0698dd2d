"""Running the chapter's experiments: rows trained per seed and scored."""

from __future__ import annotations

import numpy as np
import torch

from ...book.viz import to_hwc
from ...data.datasets import FrameSequenceDataset
from ...data.real import reds_clips
from ...data.testsets import TestSet
from ...imaging import baselines, metrics
from ...models.flow_deblur import VARIANTS, FlowDeblurNet
from ...nn.blocks import parameter_count
from ...training.evaluate import evaluate
from .._runs import cluster_labels, synthetic_sets, train_and_score
from .experiments import budget, experiment_of


def test_sets(profile: str) -> dict[str, TestSet]:
    """The fixed synthetic test sets of the budget's presets, in a fixed order."""
    cfg = budget(profile)
    return synthetic_sets(cfg, cfg["presets"])


REDS_SET = "REDS (real, 320x180)"


def synthetic_name(preset: str) -> str:
    """How Table II's analogue names the fixed synthetic test set of ``preset``."""
    return f"synthetic {preset}"


def table2_sets(profile: str) -> dict:
    """Table II's analogue's test sets, by the names its results carry: the budget's synthetic
    sets and the bundled REDS clips (pairs of consecutive frames)."""
    sets = {synthetic_name(name): data for name, data in test_sets(profile).items()}
    sets[REDS_SET] = FrameSequenceDataset(reds_clips())
    return sets


def paper_parameters(row: str) -> int | None:
    """The row's parameter count at the paper's width (None for the U-Net)."""
    return None if row == "unet" else parameter_count(FlowDeblurNet(row if row in VARIANTS else "full", width=1.0))


def evaluate_row(row: str, profile: str, seeds, device: str, sets: dict[str, TestSet]) -> dict:
    """Train ``row`` for each seed (or load the finished run) and score it on ``sets``.

    Returns ``{"runs": [{"seed", "steps", "psnr", "ssim", "per_image": [...]}],
    "parameters": {"trained", "paper"}}``; ``per_image`` lists every test image
    of every set in one fixed order, so that rows pair image by image.
    """
    runs, model = train_and_score(experiment_of(row, profile), profile, seeds, device, sets)
    return {"runs": runs, "parameters": {"trained": parameter_count(model), "paper": paper_parameters(row)}}


@torch.no_grad()
def identical_frames_test(models, sets: dict[str, TestSet], device) -> dict:
    """Fig. 6: each model fed (blur, blur_next) and (blur, blur); per seed and image,
    the PSNR of the output and the mean norm of the finest (1/4-scale) flow."""
    out = {f"{k}_{case}": [] for k in ("psnr", "flow") for case in ("consecutive", "identical")}
    for model in models:
        rows = {key: [] for key in out}
        for data in sets.values():
            for i in range(len(data)):
                item = data[i]
                blur, sharp = item["blur"][None].to(device), item["sharp"][None]
                for case, second in (("consecutive", item["blur_next"][None].to(device)), ("identical", blur)):
                    result = model(blur, second)
                    restored = result["image"].clamp(0, 1).float().cpu()
                    rows[f"psnr_{case}"].append(float(metrics.psnr(restored, sharp)[0]))
                    rows[f"flow_{case}"].append(float(result["flows"][-1].norm(dim=1).mean()))
        for key in out:
            out[key].append(rows[key])
    return out


REAL_DUTY = 1.0  # assumed for real frames, whose duty cycle is unknown (the synthetic sets store theirs)


def rl_with_tvl1_flow(item: dict, iterations: int) -> np.ndarray:
    """The classical pipeline: TV-L1 flow between the two blurred frames, Eq. 12 kernels
    at the scene's duty cycle, patch-wise Richardson-Lucy. HxWx3 float32."""
    blur, following = (to_hwc(item[k]) for k in ("blur", "blur_next"))
    duty = float(item["duty"]) if "duty" in item else REAL_DUTY
    return baselines.patchwise_richardson_lucy(blur, baselines.tvl1_flow(blur, following), duty, 32, iterations)


def score_table2(trained: list, sets: dict, rl_iterations: int, limit: int | None = None) -> dict:
    """Per test set and image: the blurred input, RL with TV-L1 flow kernels, and each
    trained ``(experiment, trainer)`` (one per seed), PSNR and SSIM, and each image's cluster
    (its clip for the REDS frames: :func:`~deblurbook.chapters._runs.cluster_labels`)."""
    table, clusters = {}, cluster_labels(sets)
    for name, data in sets.items():
        count = len(data) if limit is None else min(limit, len(data))
        items = [data[i] for i in range(count)]
        rl = [rl_with_tvl1_flow(item, rl_iterations) for item in items]
        sharp = [to_hwc(item["sharp"]) for item in items]
        blurred = [to_hwc(item["blur"]) for item in items]
        ours = [
            evaluate(trainer.model, data, exp.inputs, trainer.device, limit=count)["per_image"]
            for exp, trainer in trained
        ]
        table[name] = {
            "images": count,
            "blurred_psnr": [metrics.psnr(b, s) for b, s in zip(blurred, sharp)],
            "blurred_ssim": [metrics.ssim(b, s) for b, s in zip(blurred, sharp)],
            "rl_psnr": [metrics.psnr(r, s) for r, s in zip(rl, sharp)],
            "rl_ssim": [metrics.ssim(r, s) for r, s in zip(rl, sharp)],
            "ours_psnr": [[p["psnr"] for p in run] for run in ours],
            "ours_ssim": [[p["ssim"] for p in run] for run in ours],
            "clusters": clusters[name][:count],
        }
    return table
