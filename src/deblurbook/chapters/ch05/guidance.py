"""Guidance from predicted images: CEM and CSAM on a trained model (05.01)."""

from __future__ import annotations

import numpy as np
import torch

from ...book import pages, stats
from ...book.tables import markdown_table
from ...book.viz import figure, to_hwc
from ...models.sgenet import SGENet
from ...training.archive import train_archived
from .experiments import experiment_of
from .rows import test_sets


@torch.no_grad()
def guidance(model: SGENet, blur: torch.Tensor) -> dict:
    """What a trained SGENet computes on ``blur`` (1, 3, H, W): per stage, per scale coarse to fine,
    CEM's predicted image I (Eq. 1; ``images``) and its attention map A (``attention``: mean over
    channels, (h, w) in [0, 1]); per scale fine to coarse, CSAM's softmax weights of its three
    inputs (the stage's own features, the first stage's encoder, its CEM; mean over channels)."""
    found: dict = {"attention": [], "csam": []}
    hooks = [
        cem.attention.register_forward_hook(lambda m, i, o: found["attention"].append(o.mean(1)[0].cpu()))
        for stage in model.stages
        for cem in stage.cems
    ]
    for stage in model.stages:
        for csam in getattr(stage, "csams", []):
            hooks.append(
                csam.register_forward_hook(
                    lambda m, i, o: found["csam"].append(m.weights(*i).mean(2)[:, 0, 0, 0].cpu())
                )
            )
    try:
        out = model.eval()(blur)
    finally:
        for h in hooks:
            h.remove()
    found["images"] = out["stages"]
    sizes = [tuple(image.shape[-2:]) for stage in out["stages"] for image in stage]  # the unpadded sizes
    found["attention"] = [a[:h, :w] for a, (h, w) in zip(found["attention"], sizes)]
    return found


def guidance_figure(found: dict, blur: torch.Tensor, sharp: torch.Tensor):
    """The paper's lost Fig. 6, reconstructed (ours), one of SGENet's three scales per column: the
    blurred image, the ground truth and where they differ; each stage's predicted images I; their
    attention maps A."""
    from ...book.viz import Panel

    scales = len(found["images"][0])
    names = [f"1/{2 ** (scales - 1 - s)}" for s in range(scales)]
    panels = [
        Panel(to_hwc(blur), "blurred"),
        Panel(to_hwc(sharp), "ground truth"),
        Panel((blur - sharp).abs().amax(0).numpy(), "|blurred - ground truth|", kind="map"),
    ]
    for r, images in enumerate(found["images"]):
        panels += [Panel(to_hwc(image.clamp(0, 1)), f"stage {r + 1}: I at {n}") for n, image in zip(names, images)]
    for r in range(len(found["images"])):
        maps = found["attention"][r * scales : (r + 1) * scales]
        panels += [Panel(a.numpy(), f"stage {r + 1}: A at {n}", kind="map", limit=1.0) for n, a in zip(names, maps)]
    return figure(panels, columns=scales, width=2.4)


CSAM_INPUTS = ("the stage's own features", "stage 1's encoder", "stage 1's CEM")


def guidance_result(profile: str, seeds, device: str) -> dict:
    """05.01's results, per seed's trained SGENet over the `mixed` test set: CSAM's softmax weights
    per scale (fine to coarse; mean over images), and per image the correlation of each stage's
    full-scale attention map A with where the image is blurred (|B - S|, the channels' maximum)."""
    data = test_sets(profile)["mixed"]
    found: dict = {"csam": {}, "attention_vs_blur": {}}
    for s in seeds:
        _, trainer = train_archived(
            experiment_of("full", profile), profile, seed=s, device=device, progress=pages.shows_progress(profile)
        )
        weights, corr = [], []
        for i in range(len(data)):
            item = data[i]
            g = guidance(trainer.model, item["blur"][None].to(trainer.device))
            weights.append(torch.stack(g["csam"]).numpy())
            where = (item["blur"] - item["sharp"]).abs().amax(0).flatten().numpy()
            scales = len(g["images"][0])
            corr.append(
                [
                    float(np.corrcoef(g["attention"][r * scales + scales - 1].flatten().numpy(), where)[0, 1])
                    for r in range(len(g["images"]))
                ]
            )
        found["csam"][str(s)] = np.mean(weights, 0).tolist()
        found["attention_vs_blur"][str(s)] = corr
    return found


def csam_table(res: dict) -> str:
    """CSAM's weights per scale and input, mean over seeds and images."""
    w = np.mean([np.asarray(v) for v in res["csam"].values()], 0)  # (scales, inputs)
    scales = [f"1/{2**k}" for k in range(w.shape[0])]
    return markdown_table(["scale", *CSAM_INPUTS], [[n, *[f"{x:.3f}" for x in row]] for n, row in zip(scales, w)])


def guidance_summary(res: dict) -> str:
    """05.01's finding in words: does the final stage's attention follow the blur?"""
    corr = np.asarray([np.asarray(v)[:, -1] for v in res["attention_vs_blur"].values()])  # (seeds, images)
    return (
        f"the last stage's full-scale attention map correlates with where the image is blurred by "
        f"{stats.estimate(stats.interval(corr))} (Pearson r over pixels; mean over seeds and images)"
    )
