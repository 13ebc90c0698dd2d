"""The results: Tables 1 and 2, deconvolution given the true kernel, time per image (06.05)."""

from __future__ import annotations

import numpy as np
import torch

from ...book import pages, stats, viz
from ...book.tables import markdown_table
from ...book.timing import seconds_per_image
from ...book.viz import to_hwc
from ...core.device import describe, resolve
from ...imaging import metrics
from ...imaging.baselines import richardson_lucy, wiener
from ...models.two_way import MTDN
from ...nn.blocks import parameter_count
from ...training.archive import train_archived
from .. import _claims, _runs
from .._runs import REDS_SET
from .experiments import LEVIN_SET, PAPER, ROWS, SHAKE_SET, budget, experiment_of, macs, test_sets
from .rows import ROW_NAMES, STUDY

RESULT_ROWS = ("two_way", "single")
BASELINES = {"Wiener, true kernel": wiener, "Richardson-Lucy, true kernel (30 iterations)": richardson_lucy}
SHAKE_SETS = (SHAKE_SET, LEVIN_SET)


def baseline_scores(sets: dict) -> dict[str, dict[str, dict[str, list[float]]]]:
    """Each classical non-blind method, given each image's true kernel, on the shake sets:
    method -> set -> {"psnr", "ssim"} per image (the images' order)."""
    found: dict = {name: {} for name in BASELINES}
    for test in SHAKE_SETS:
        data = sets[test]
        for i in range(len(data)):
            item = data[i]
            blur, sharp = to_hwc(item["blur"]), to_hwc(item["sharp"])
            for name, method in BASELINES.items():
                restored = np.clip(method(blur, data.kernel(i)), 0, 1)
                scores = found[name].setdefault(test, {"psnr": [], "ssim": []})
                scores["psnr"].append(float(metrics.psnr(restored, sharp)))
                scores["ssim"].append(float(metrics.ssim(restored, sharp)))
    return found


@torch.no_grad()
def time_per_image(profile: str, device: str = "auto") -> dict:
    """Seconds for one forward pass of each result row at the budget's ``time_width`` on a
    ``time_size`` image (random weights: the time does not depend on them), after a warm-up on a
    small image, with multiply-accumulates counted by ``torch.utils.flop_counter``; the image
    branch alone is the ratio's baseline."""
    cfg, dev = budget(profile), resolve(device)
    h, w = cfg["time_size"]
    seconds, counts, macs_ = {}, {}, {}
    for row in ("single", "two_way"):
        model = MTDN(cfg["time_width"], residual=cfg["residual"], **ROWS[row][0])
        seconds[row] = seconds_per_image(model, (h, w), dev)
        counts[row] = parameter_count(model)
        macs_[row] = macs(cfg["time_width"], (h, w), **ROWS[row][0])
    return {
        "size": [h, w],
        "width": cfg["time_width"],
        "seconds": seconds,
        "parameters": counts,
        "macs": macs_,
        "device": describe(dev),
    }


def results_result(profile: str, seeds, device: str) -> dict:
    """06.05's results: :data:`RESULT_ROWS` and the U-Net of MTDN's size (where the budget shares one)
    for each seed on the extended test sets, the classical
    baselines given the true kernel, the blurred input's scores and the time per image."""
    res = STUDY.result(STUDY.with_floor(RESULT_ROWS, budget(profile)), profile, seeds, device, extended=True)
    return {**res, "baselines": baseline_scores(test_sets(profile)), "timing": time_per_image(profile, device)}


def paper_tables() -> str:
    """Tables 1 and 2 of the paper, quoted (PSNR / SSIM)."""
    t1, t2 = PAPER["table1"], PAPER["table2"]
    names = list(dict.fromkeys([*t1, *t2]))
    cell = lambda t, n: f"{t[n][0]:.2f} / {t[n][1]:.3f}" if n in t else "-"  # noqa: E731
    return markdown_table(
        ["method (the paper's)", "Table 1: GoPro", "Table 2: Köhler"], [[n, cell(t1, n), cell(t2, n)] for n in names]
    )


def results_table(res: dict) -> str:
    """Ours on every test set: the blurred input, the classical methods given the true kernel (shake
    sets only), and the networks (mean PSNR / SSIM over seeds and images)."""
    rows = res["rows"]
    blurred = _runs.blurred_per_set(res["blurred"], rows["two_way"]["runs"])
    names = list(blurred)
    lines = [["blurred input", *[f"{blurred[n][0].mean():.2f} / {blurred[n][1].mean():.3f}" for n in names]]]
    for method, per in res["baselines"].items():
        lines.append(
            [
                method,
                *[f"{np.mean(per[n]['psnr']):.2f} / {np.mean(per[n]['ssim']):.3f}" if n in per else "-" for n in names],
            ]
        )
    for row in (r for r in (*RESULT_ROWS, "unet") if r in rows):
        psnr, ssim = _runs.per_set(rows[row]["runs"]), _runs.per_set(rows[row]["runs"], "ssim")
        lines.append([ROW_NAMES[row], *[f"{psnr[n].mean():.2f} / {ssim[n].mean():.3f}" for n in names]])
    return markdown_table(["method (ours)", *names], lines)


# How a verdict bears on "the classical method beats the network" (the book's question: see below).
CLASSICAL_WINS = {
    "lower": "supported",
    "higher": "contradicted",
    "equivalent": "contradicted (no difference that matters)",
    "inconclusive": "inconclusive",
    "no claim": "no claim (fewer than 3 seeds)",
}


def results_claims(res: dict) -> list[tuple[str, str]]:
    """The paper's Table 2 finding and the chapter's questions, paired, read as one family under
    the floor."""
    rows, found = res["rows"], []
    runs = rows["two_way"]["runs"]
    two_way = _runs.per_set(runs)
    for method, per in res["baselines"].items():
        for test in SHAKE_SETS:
            # not like with like: the paper's classical methods on Köhler's set are blind (they estimate the
            # kernel); the book's are given the true kernel, an upper bound on what a blind method can do
            found.append(
                _claims.Claim(
                    f"{method}, non-blind (given the true kernel), beats MTDN, {test} (the book's "
                    "question; Table 2's classical methods are blind)",
                    _runs.compare_on(runs, test, two_way[test], per[test]["psnr"]),
                    CLASSICAL_WINS,
                )
            )
    found += STUDY.input_claims(res, "MTDN improves on its blurred input")
    real = [test for test in two_way if test.endswith("(real)")]
    found += [
        _claims.Claim(
            f"Two-way over the image branch alone, {test} (Table 1's claim on other data)",
            _runs.versus(rows, "two_way", "single", test),
        )
        for test in real
    ]
    return STUDY.read(res, found + STUDY.unet_claims(res))


def results_summary(res: dict) -> str:
    """06.05's result in words chosen by the verdicts: MTDN against its input on the real samples,
    and against Richardson-Lucy given the true kernel on the Levin set."""
    runs = res["rows"]["two_way"]["runs"]
    two_way = _runs.per_set(runs)
    blurred = _runs.blurred_per_set(res["blurred"], runs)
    real = "; ".join(
        f"{test}, {stats.describe(_runs.compare_on(runs, test, two_way[test], blurred[test][0]))}"
        for test in blurred
        if test.endswith("(real)")
    )
    rl = next(k for k in res["baselines"] if k.startswith("Richardson"))
    versus = _runs.compare_on(runs, LEVIN_SET, two_way[LEVIN_SET], res["baselines"][rl][LEVIN_SET]["psnr"])
    return (
        f"MTDN against its blurred input on the real samples: {real}; against Richardson-Lucy given the "
        f"true kernel on the Levin set: {STUDY.describe(res, versus)}"
    )


def timing_table(res: dict) -> str:
    """Parameters, multiply-accumulates and seconds per image, with the ratio to the image branch alone."""
    t = res["timing"]
    return _runs.timing_table(t, ("single", "two_way"), ROW_NAMES, "single", f"width {t['width']}", "the image branch")


@torch.no_grad()
def comparison_figure(models: dict[str, MTDN], item: dict, device, kernel: np.ndarray | None = None):
    """One test image: blurred, the classical methods given ``kernel`` (when there is one), each
    model's output and the ground truth, PSNR in the titles, with zoomed crops of each."""
    blur, sharp = to_hwc(item["blur"]), to_hwc(item["sharp"])
    images = [("blurred", blur)]
    if kernel is not None:
        images += [(name.split(",")[0], np.clip(method(blur, kernel), 0, 1)) for name, method in BASELINES.items()]
    images += [(label, to_hwc(model.eval()(item["blur"][None].to(device))["image"])) for label, model in models.items()]
    images.append(("ground truth", sharp))
    return viz.comparison_figure(images, sharp)


RESULT_FIGURES = {
    "comparison-levin": "a test image blurred by the widest Levin kernel, networks of seed 0, with zoomed crops",
    "comparison-reds": "a real REDS frame, networks of seed 0, with zoomed crops",
}


def result_figures(profile: str, seed: int, device: str) -> dict:
    """:data:`RESULT_FIGURES` drawn with the networks of ``seed``."""
    short = {"single": "image branch only", "two_way": "MTDN"}
    trainers = {
        short[row]: train_archived(
            experiment_of(row, profile), profile, seed=seed, device=device, progress=pages.shows_progress(profile)
        )[1]
        for row in RESULT_ROWS[::-1]
    }
    models, dev = {label: t.model for label, t in trainers.items()}, next(iter(trainers.values())).device
    sets = test_sets(profile, extended=True)
    levin = sets[LEVIN_SET]
    widest = max(range(len(levin.kernels)), key=lambda k: levin.kernels[k].shape[0])
    return {
        "comparison-levin": comparison_figure(models, levin[widest], dev, levin.kernel(widest)),
        "comparison-reds": comparison_figure(models, sets[REDS_SET][0], dev),
    }


def _levin_summary(final: dict) -> str:
    rl = next(k for k in final["baselines"] if k.startswith("Richardson"))
    runs = final["rows"]["two_way"]["runs"]
    c = _runs.compare_on(runs, LEVIN_SET, _runs.per_set(runs)[LEVIN_SET], final["baselines"][rl][LEVIN_SET]["psnr"])
    return f"MTDN against Richardson-Lucy given the true kernel: {STUDY.describe(final, c)}"
