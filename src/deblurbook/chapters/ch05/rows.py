"""Training, ablations and results: the rows trained per seed and scored (05.03-05.05)."""

from __future__ import annotations

from functools import partial

import numpy as np
import torch
from torch import nn

from ...book import pages, stats, viz
from ...book.tables import markdown_table
from ...book.viz import to_hwc
from ...models.sgenet import SGENet
from ...training.archive import train_archived
from .. import _rowstudy
from .._claims import Claim
from .._runs import (
    GOPRO_SET,
    REDS_SET,
    blurred_per_set,
    compare_on,
    per_set,
    real_sets,
    scores_table,
    synthetic_sets,
    versus,
)
from .experiments import CHAPTER, PAPER, ROWS, budget, experiment_of, runtime_argument, time_both_ways

ROW_NAMES = {
    "full": "SGENet (CEM supervised, CSAM, two stages)",
    "final_only": "CEM without side supervision (the last image alone)",
    "sum_fusion": "CSAM replaced by a sum (MPRNet's fusion)",
    "one_stage": "one stage",
    "unet": "U-Net of about its size (chapter 7's floor, the same protocol and CPU time)",
}
SYNTHETIC_SETS = ("global", "mixed")


def test_sets(profile: str, extended: bool = False) -> dict:
    """The engine's fixed `global` and `mixed` test sets; ``extended`` adds the bundled real
    samples (GoPro crops, REDS frames; evaluation only)."""
    cfg = budget(profile)
    sets = synthetic_sets(cfg, SYNTHETIC_SETS)
    if extended:
        sets |= real_sets(cfg["real_images"])
    return sets


def score_row(row: str, profile: str, seeds, device: str, sets: dict) -> dict:
    """Train a row for each seed (or load it) and score it on ``sets``; its parameters trained and
    at the paper's widths (none for the U-Net)."""
    paper = partial(SGENet, **ROWS[row][0]) if row in ROWS else None
    return _rowstudy.scored_row(experiment_of(row, profile), profile, seeds, device, sets, paper)


# 05.03-05.05: the rows trained per seed and scored; the model against its blurred input
STUDY = _rowstudy.RowStudy(CHAPTER, score_row, test_sets, "full", "SGENet", ROW_NAMES)
training_result, training_table, training_summary = STUDY.training_result, STUDY.training_table, STUDY.training_summary


def ablation_result(profile: str, seeds, device: str) -> dict:
    """05.04's results: every row of :data:`ROWS` for each seed on the test sets."""
    return STUDY.result(ROWS, profile, seeds, device)


def loss_curves(logs: dict[str, list[dict]]):
    """The final image's Charbonnier term and Eq. 2's total, per seed."""
    final = sorted(k for k in next(iter(logs.values()))[0] if k.startswith("char_"))[-1]
    return viz.loss_curves(logs, {final: f"Charbonnier, final image ({final[5:]})", "total": "Eq. 2, total"})


def _gains(res: dict, row: str) -> dict[str, np.ndarray]:
    """A row's PSNR gain over the blurred input, (seeds, images) per test set."""
    blurred = blurred_per_set(res["blurred"], res["rows"]["full"]["runs"])
    return {name: values - blurred[name][0][None] for name, values in per_set(res["rows"][row]["runs"]).items()}


def ablation_table(res: dict) -> str:
    """The lost section's rows as PSNR gain over the blurred input (mean [95% CI] over seeds and
    images) on each test set, with parameters trained and at the paper's widths."""
    rows = res["rows"]
    names = list(per_set(rows["full"]["runs"]))
    lines = []
    for row in (r for r in ROWS if r in rows):  # the loaded file's keys are sorted; keep the rows' order
        gains, params = _gains(res, row), rows[row]["parameters"]
        lines.append(
            [
                ROW_NAMES[row],
                f"{params['trained']:,}",
                f"{params['paper']:,}",
                *[stats.estimate(stats.interval(gains[n])) for n in names],
            ]
        )
    return markdown_table(
        ["row", "parameters (trained)", "parameters (96/120/144)", *[f"{n}: gain over input (dB)" for n in names]],
        lines,
    )


# What the paper says of the parts the rows remove (its ablation section is lost from the text:
# its tables cannot be quoted, so the claims come from the introduction and Sec. 3)
QUOTES = {
    "final_only": "the book's question (supervised guidance is the paper's first contribution; its ablation "
    "table is lost)",
    "sum_fusion": '"simple summation or concatenation across stages ... affecting the overall restoration '
    'performance" (Sec. 1; its ablation table is lost)',
    "one_stage": "the book's question (the paper's ablation table is lost)",
}
CLAIMS = {
    "final_only": "Supervising CEM's images helps",
    "sum_fusion": "CSAM beats MPRNet's sum",
    "one_stage": "The second stage helps",
}


def _claims(res: dict, sets) -> list[Claim]:
    rows = res["rows"]
    return [
        Claim(f"{CLAIMS[other]}, {t}: {QUOTES[other]}", versus(rows, "full", other, t))
        for other in CLAIMS
        if other in rows
        for t in sets
    ]


def claims(res: dict) -> list[tuple[str, str]]:
    """The design choices the lost ablation section would have tested, on each synthetic test set,
    read as one family under the floor."""
    return STUDY.read(res, _claims(res, SYNTHETIC_SETS))


def ablation_summary(res: dict) -> str:
    """05.04's result in words chosen by the verdicts (on `mixed` scenes; none under the floor)."""
    rows, t = res["rows"], "mixed"
    return (
        f"on `mixed` scenes, SGENet against CEM without side supervision, "
        f"{STUDY.describe(res, versus(rows, 'full', 'final_only', t))}; against a sum in CSAM's place, "
        f"{STUDY.describe(res, versus(rows, 'full', 'sum_fusion', t))}; against one stage, "
        f"{STUDY.describe(res, versus(rows, 'full', 'one_stage', t))}"
    )


RESULT_ROWS = ("full", "sum_fusion")


def result_rows(profile: str) -> tuple[str, ...]:
    """:data:`RESULT_ROWS`, and the U-Net of SGENet's size where the budget names one."""
    return STUDY.with_floor(RESULT_ROWS, budget(profile))


def results_result(profile: str, seeds, device: str) -> dict:
    """05.05's results: :func:`result_rows` for each seed on the extended test sets, the blurred
    input's scores, and this machine's time per image both ways."""
    return {
        **STUDY.result(result_rows(profile), profile, seeds, device, extended=True),
        "timing": time_both_ways(profile, device),
        "runtime": runtime_argument(),
    }


def paper_table() -> str:
    """Table 1 of the paper, quoted: GoPro and HIDE PSNR / SSIM, runtime, parameters."""
    cell = lambda v, f: "-" if v is None else format(v, f)  # noqa: E731
    rows = [
        [name, f"{g:.2f} / {gs:.3f}", f"{h:.2f} / {hs:.3f}", cell(t, ".3f"), cell(m, "g")]
        for name, (g, gs, h, hs, t, m) in PAPER["table1"].items()
    ]
    return markdown_table(["method (the paper's)", "GoPro", "HIDE", "runtime (s)", "parameters (M)"], rows)


def results_table(res: dict) -> str:
    """Ours on every test set: the blurred input and the result rows (mean PSNR / SSIM)."""
    return scores_table(res, [r for r in (*RESULT_ROWS, "unet") if r in res["rows"]], ROW_NAMES)


def results_claims(res: dict) -> list[tuple[str, str]]:
    """SGENet against its input and against MPRNet's fusion on every set (paired, one family under
    the floor), and the runtime claims checked by arithmetic."""
    gains = STUDY.input_claims(res, "SGENet improves on its blurred input")
    found = STUDY.read(res, gains + _claims(res, list(per_set(res["rows"]["full"]["runs"]))) + STUDY.unet_claims(res))
    r = res["runtime"]
    found += [
        (
            f"'{r['speedup_claimed']}x faster than MPRNet' (Sec. 4.2.1)",
            f"inconsistent with the paper's own Table 1: {r['speedup_from_table']:.1f}x",
        ),
        (
            f"{PAPER['table1']['SGENet'][4]} s per 720x1280 frame on an RTX 3090, synchronised",
            f"implausible: it needs {r['tflops_needed']:.0f} TFLOP/s, {r['times_peak']:.1f}x the card's FP32 peak",
        ),
    ]
    return found


def results_summary(res: dict) -> str:
    """05.05's result in words chosen by the verdicts, on the real samples."""
    rows = res["rows"]
    full = per_set(rows["full"]["runs"])
    blurred = blurred_per_set(res["blurred"], rows["full"]["runs"])
    runs = rows["full"]["runs"]
    return "SGENet against its blurred input on the real samples: " + "; ".join(
        f"{t}, {stats.describe(compare_on(runs, t, full[t], blurred[t][0]))}" for t in blurred if t.endswith("(real)")
    )


RESULT_FIGURES = {
    "comparison-gopro": "a real GoPro crop, SGENet, the sum-fusion variant and (where trained) the U-Net of its size, seed 0, zoomed",
    "comparison-reds": "a real REDS frame, SGENet, the sum-fusion variant and (where trained) the U-Net of its size, seed 0, zoomed",
}


@torch.no_grad()
def comparison_figure(models: dict[str, nn.Module], item: dict, device):
    """One image: blurred, each model's output and the ground truth, PSNR in the titles, with
    zoomed crops."""
    blur, sharp = to_hwc(item["blur"]), to_hwc(item["sharp"])
    images = [("blurred", blur)]
    for label, model in models.items():
        out = model.eval()(item["blur"][None].to(device))
        images.append((label, to_hwc(out["image"] if isinstance(out, dict) else out)))  # the U-Net: a tensor
    images.append(("ground truth", sharp))
    return viz.comparison_figure(images, sharp)


def result_figures(profile: str, seed: int, device: str) -> dict:
    """:data:`RESULT_FIGURES` drawn with the networks of ``seed``."""
    trainers = {
        ROW_NAMES[row].split(" (")[0]: train_archived(
            experiment_of(row, profile), profile, seed=seed, device=device, progress=pages.shows_progress(profile)
        )[1]
        for row in result_rows(profile)
    }
    models, dev = {k: t.model for k, t in trainers.items()}, next(iter(trainers.values())).device
    sets = test_sets(profile, extended=True)
    return {
        "comparison-gopro": comparison_figure(models, sets[GOPRO_SET][0], dev),
        "comparison-reds": comparison_figure(models, sets[REDS_SET][0], dev),
    }
