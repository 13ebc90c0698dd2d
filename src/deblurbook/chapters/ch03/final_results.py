"""The results: Tables 2 and 5, time per image, comparisons and figures (03.05)."""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from ...book import stats
from ...book.tables import markdown_table
from ...book.timing import device_label, seconds_per_image
from ...book.viz import Panel, box_around, comparison_panels, figure, to_hwc
from ...core.device import describe, resolve
from ...models.bladenet import BladeNet, blur_probability
from ...nn.blocks import parameter_count
from .._runs import GOPRO_SET, REDS_SET, blurred_per_set, blurred_scores, per_set
from .ablations import _NO_WORSE, STUDY, _versus, read
from .experiments import LODE_SET, PAPER, budget, test_sets, trained_row
from .network import VARIANT_NAMES
from .training import score_row

# Our rows and the paper's row each stands for (Tables 2, 3 and 5 on LODE): a network trained on
# global blur alone stands for a method trained on REDS, global + LBS for REDS + LBS (or VOC).
RESULT_ROWS = {
    "unet_global": ("U-Net, global blur only", "DPSR, REDS (Table 2's best baseline)", ("table2", "DPSR")),
    "none_global": ("BladeNet-, global blur only", "BladeNet-, REDS", ("table2", "BladeNet-")),
    "unet": ("U-Net, global + LBS", "SDNet, REDS+VOC (the best baseline of Table 3)", ("table3", "SDNet")),
    "none": ("BladeNet-, global + LBS", "BladeNet-, REDS+VOC", ("table3", "BladeNet-")),
    "full": ("BladeNet, global + LBS", "BladeNet, REDS+LBS", ("table2", "BladeNet")),
    "unet_plus": ("U-Net+, fine-tuned on the LODE proxy", "SDNet, fine-tuned on LODE", ("table5", "SDNet")),
    "plus": ("BladeNet+, fine-tuned on the LODE proxy", "BladeNet+, fine-tuned on LODE", ("table2", "BladeNet+")),
}
REAL_SETS = (GOPRO_SET, REDS_SET)


def paper_value(where: tuple[str, str]) -> tuple[float, float]:
    """The paper's PSNR / SSIM on LODE for a :data:`RESULT_ROWS` entry."""
    table, method = where
    return PAPER["table3"][method]["LODE"]["REDS+VOC"] if table == "table3" else PAPER[table][method]


def headline_margins() -> dict[str, float]:
    """The paper's "2.5 dB" and what its own tables give with equal data (dB, from :data:`PAPER`)."""
    t2, t3, t5 = PAPER["table2"], PAPER["table3"], PAPER["table5"]
    best_reds = max(v[0] for k, v in t2.items() if not k.startswith("BladeNet"))
    best_voc = max(v["LODE"]["REDS+VOC"][0] for k, v in t3.items() if k != "BladeNet-")
    best_tuned = max(v[0] for k, v in t5.items() if k != "BladeNet")
    return {
        "plus_vs_reds": t2["BladeNet+"][0] - best_reds,
        "bladenet_vs_reds": t2["BladeNet"][0] - best_reds,
        "equal_data": t2["BladeNet"][0] - best_voc,
        "both_tuned": t2["BladeNet+"][0] - best_tuned,
    }


@torch.no_grad()
def time_per_image(profile: str, device: str = "auto") -> dict:
    """Seconds for one forward pass of BladeNet- and BladeNet at the budget's width on a
    ``time_size`` image (random weights: the time does not depend on them), after a warm-up on a
    small image; BladeNet-'s time is the baseline of the ratio."""
    cfg, dev = budget(profile), resolve(device)
    h, w = cfg["time_size"]
    seconds = {v: seconds_per_image(BladeNet(v, width=cfg["time_width"]), (h, w), dev) for v in ("none", "full")}
    return {
        "size": [h, w],
        "width": cfg["time_width"],
        "seconds": seconds,
        "parameters": {v: parameter_count(BladeNet(v, width=cfg["time_width"])) for v in seconds},
        "device": describe(dev),
    }


def results_result(profile: str, seeds, device: str) -> dict:
    """03.05's results: every :data:`RESULT_ROWS` row for each seed on the extended test sets,
    the blurred input's scores, and the time per image."""
    sets = test_sets(profile, extended=True)
    return {
        "rows": {row: score_row(row, profile, seeds, device, sets) for row in RESULT_ROWS},
        "blurred": blurred_scores(sets),
        "sets": {name: len(data) for name, data in sets.items()},
        "timing": time_per_image(profile, device),
    }


def _cell(runs: list[dict], name: str) -> str:
    psnr, ssim = per_set(runs)[name], per_set(runs, "ssim")[name]
    return f"{psnr.mean():.2f} / {ssim.mean():.3f}"


def table2(res: dict, sets: tuple[str, ...] | None = None) -> str:
    """Tables 2, 3 and 5 in one: each row's paper analogue on LODE beside ours (mean PSNR / SSIM
    over seeds and images) on each test set, the blurred input first."""
    blurred = blurred_per_set(res["blurred"], res["rows"]["full"]["runs"])
    names = sets or tuple(blurred)
    lines = [["blurred input", "-", *[f"{blurred[n][0].mean():.2f} / {blurred[n][1].mean():.3f}" for n in names]]]
    for row, (label, paper_label, where) in RESULT_ROWS.items():
        psnr, ssim = paper_value(where)
        lines.append(
            [label, f"{paper_label}: {psnr:.2f} / {ssim:.4f}", *[_cell(res["rows"][row]["runs"], n) for n in names]]
        )
    return markdown_table(["ours (row)", "the paper's analogue on LODE", *names], lines)


def table5(res: dict) -> str:
    """Table 5: fine-tuning on the LODE proxy, before and after, paired (after minus before)."""
    lines = []
    for before, after, method in (("unet", "unet_plus", "SDNet"), ("full", "plus", "BladeNet")):
        a, b = (per_set(res["rows"][r]["runs"])[LODE_SET] for r in (before, after))
        p_before = paper_value(RESULT_ROWS[before][2])[0]
        p_after = PAPER["table5"][method][0]
        lines.append(
            [
                RESULT_ROWS[after][0],
                f"{method}: {p_before:.2f} -> {p_after:.2f} ({p_after - p_before:+.2f})",
                f"{a.mean():.2f} -> {b.mean():.2f}",
                STUDY.describe(res, stats.compare(b, a)),
            ]
        )
    return markdown_table(["row", "paper on LODE", "ours on the LODE proxy", "after against before"], lines)


def timing_table(res: dict) -> str:
    """Parameters and seconds per image for BladeNet- and BladeNet, with the ratio."""
    t = res["timing"]
    base = t["seconds"]["none"]
    device = device_label(t["device"])
    rows = [
        [VARIANT_NAMES[v], f"{t['parameters'][v]:,}", f"{t['seconds'][v]:.2f}", f"{t['seconds'][v] / base:.2f}"]
        for v in ("none", "full")
    ]
    h, w = t["size"]
    return markdown_table(
        ["network", f"parameters (width {t['width']})", f"seconds per {h}x{w} image ({device})", "ratio to BladeNet-"],
        rows,
    )


def results_claims(res: dict) -> list[tuple[str, str]]:
    """The paper's results claims against ours, paired over seeds and images, read as one family
    under BladeNet's floor."""
    versus, m = partial(_versus, res["rows"]), headline_margins()
    return read(
        res,
        [
            versus(
                f'Headline: {m["plus_vs_reds"]:.2f} dB over the best baseline (the paper\'s "2.5 dB": BladeNet+, '
                + "fine-tuned on LODE, against a baseline trained on REDS alone)",
                "plus",
                "unet_global",
            ),
            versus(
                f"BladeNet over the baselines without any local training data ({m['bladenet_vs_reds']:.2f} dB in "
                + "the paper's Table 2; ours has seen LBS data, theirs none)",
                "full",
                "unet_global",
            ),
            versus(
                f"BladeNet over a baseline with the same data ({m['equal_data']:.2f} dB in the paper)",
                "full",
                "unet",
            ),
            versus(
                f"BladeNet+ over a baseline fine-tuned the same way ({m['both_tuned']:.2f} dB in the paper)",
                "plus",
                "unet_plus",
            ),
            versus("Fine-tuning on LODE helps BladeNet (Table 5)", "plus", "full"),
            versus("Fine-tuning on LODE helps the baseline (Table 5)", "unet_plus", "unet"),
            versus(
                "BladeNet is no worse than BladeNet- (global only) on global blur",
                "full",
                "none_global",
                "global",
                _NO_WORSE,
            ),
            *[
                versus(f"BladeNet over BladeNet- (global only) on {name}", "full", "none_global", name)
                for name in REAL_SETS
                if name in res["sets"]
            ],
        ],
    )


def _zoom_box(mask: np.ndarray, side: int) -> tuple[int, int, int]:
    """A square of ``side`` px centred on the mask (the image's centre without one), inside the image."""
    h, w = mask.shape
    return box_around(*(np.nonzero(mask) if mask.any() else ([h // 2], [w // 2])), mask.shape, side)


@torch.no_grad()
def comparison_figure(models: dict[str, torch.nn.Module], item: dict, device):
    """The paper's Fig. 4 on one image: blurred, each model's output and the ground truth, with a
    zoomed crop of each on the moving region, and BladeNet's blur map (``models``: label -> model,
    the last one with LBP)."""
    blur, sharp = to_hwc(item["blur"]), to_hwc(item["sharp"])
    mask = item["mask"][0].numpy() > 0.5 if "mask" in item else np.zeros(sharp.shape[:2], bool)
    box = _zoom_box(mask, min(sharp.shape[:2]) // 3)
    images = [("blurred", blur)]
    blur_map = None
    for label, model in models.items():
        out = model.eval()(item["blur"][None].to(device))
        images.append((label, to_hwc(out["image"])))
        if "blur_logits" in out:
            blur_map = blur_probability(out)[0].float().cpu().numpy()
    images.append(("ground truth", sharp))
    panels = comparison_panels(images, sharp, box)
    if blur_map is not None:
        panels.append(Panel(blur_map, "BladeNet's blur probability", kind="map", limit=1.0))
    if mask.any():
        panels.append(Panel(mask, "true mask", kind="mask"))
    return figure(panels, columns=len(images), width=2.6)


SYNTHETIC_SETS = ("local (LBS)", LODE_SET, "mixed", "global")
RESULT_FIGURES = {
    "comparison-local": "a LODE-proxy test image, networks of seed 0, with zoomed crops and the blur map",
    "comparison-reds": "a real REDS frame, networks of seed 0, with zoomed crops and the blur map",
}


def results_summary(res: dict) -> str:
    """03.05's result in words chosen by the verdicts (none under the floor): BladeNet+ against the global-only U-Net
    (the headline's reading), BladeNet against the U-Net with the same data, and fine-tuning."""
    rows = res["rows"]

    def said(a: str, b: str) -> str:
        return STUDY.describe(
            res, stats.compare(per_set(rows[a]["runs"])[LODE_SET], per_set(rows[b]["runs"])[LODE_SET])
        )

    return (
        f"on the LODE proxy, BladeNet+ against the U-Net trained on global blur alone (the headline's reading), "
        f"{said('plus', 'unet_global')}; BladeNet against the U-Net trained on the same data, "
        f"{said('full', 'unet')}; BladeNet+ against BladeNet (what fine-tuning changes), {said('plus', 'full')}"
    )


def result_figures(profile: str, seed: int, device: str) -> dict:
    """:data:`RESULT_FIGURES` drawn with the networks of ``seed``."""
    trainers = {
        label: trained_row(row, profile, seed, device)
        for row, label in (("none_global", "BladeNet- (global only)"), ("full", "BladeNet"), ("plus", "BladeNet+"))
    }
    models, dev = {label: t.model for label, t in trainers.items()}, trainers["BladeNet"].device
    sets = test_sets(profile, extended=True)
    return {
        "comparison-local": comparison_figure(models, sets[LODE_SET][0], dev),
        "comparison-reds": comparison_figure(models, sets[REDS_SET][0], dev),
    }
