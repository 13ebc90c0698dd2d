"""The rows trained per seed and scored (06.03, 06.04, 06.05)."""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from ...book import stats, viz
from ...book.tables import markdown_table
from ...imaging import metrics
from ...models.two_way import MTDN
from ...nn.scale_losses import resize_bilinear
from .. import _rowstudy, _runs
from .._claims import Claim
from .experiments import CHAPTER, LEVIN_SET, PAPER, ROWS, SHAKE_SET, experiment_of, test_sets


def scale_psnr(model: MTDN, data, device) -> dict[str, list[float]]:
    """Each scale's estimate (clamped) against the sharp image resized as the loss resizes it,
    per image of ``data`` (PSNR, dB): where Eq. 2's weights act."""
    found: dict[str, list[float]] = {}
    with torch.no_grad():
        for i in range(len(data)):
            item = data[i]
            out = model.eval()(item["blur"][None].to(device))
            for k, image in enumerate(out["scales"]):
                truth = resize_bilinear(item["sharp"][None], tuple(image.shape[-2:]))
                value = float(metrics.psnr(image.clamp(0, 1).float().cpu(), truth.clamp(0, 1))[0])
                found.setdefault(f"1/{2 ** (len(out['scales']) - 1 - k)}", []).append(value)
    return found


def score_row(row: str, profile: str, seeds, device: str, sets: dict) -> dict:
    """Train a row for each seed (or load it), score it on ``sets`` and MTDN's rows each scale on the
    `global` set; the parameters trained and at the paper's width (none for the U-Net)."""
    extra = (lambda m, dev: scale_psnr(m, sets["global"], dev)) if row in ROWS else None
    paper = partial(MTDN, 32, **ROWS[row][0]) if row in ROWS else None
    return _rowstudy.scored_row(experiment_of(row, profile), profile, seeds, device, sets, paper, extra)


ROW_NAMES = {
    "two_way": "MTDN (two-way)",
    "single": "w/o two-way (image branch alone)",
    "single_matched": "one decoder, 6 ResBlocks per level (capacity control)",
    "alpha_equal": "MTDN, alpha = (1, 1, 1)",
    "unet": "U-Net of about its size (chapter 7's floor, the same protocol and CPU time)",
}


# 06.03-06.05: the rows trained per seed and scored; the model against its blurred input
STUDY = _rowstudy.RowStudy(CHAPTER, score_row, test_sets, "two_way", "MTDN", ROW_NAMES)
training_result, training_table, training_summary = STUDY.training_result, STUDY.training_table, STUDY.training_summary


def ablation_result(profile: str, seeds, device: str) -> dict:
    """06.04's results: every row of :data:`ROWS` for each seed on the test sets."""
    return STUDY.result(ROWS, profile, seeds, device)


def loss_curves(logs: dict[str, list[dict]]):
    """Each scale's MSE (coarse to fine) and Eq. 2's weighted total over training, per seed."""
    scales = sorted(k for k in next(iter(logs.values()))[0] if k.startswith("mse_scale"))
    titles = {key: f"MSE at 1/{2 ** (len(scales) - 1 - k)}" for k, key in enumerate(scales)}
    return viz.loss_curves(logs, {**titles, "total": "Eq. 2, weighted total"})


def ablation_table(res: dict) -> str:
    """Table 1's rows and the book's controls on each test set (mean PSNR over seeds and images),
    with parameters at the trained and the paper's width."""
    rows = res["rows"]
    blurred = _runs.blurred_per_set(res["blurred"], rows["two_way"]["runs"])
    names = list(blurred)
    lines = [["blurred input", "-", "-", *[f"{blurred[n][0].mean():.2f}" for n in names]]]
    for row in (r for r in ROWS if r in rows):  # the loaded file's keys are sorted; keep the rows' order
        data = rows[row]
        values = _runs.per_set(data["runs"])
        lines.append(
            [
                ROW_NAMES[row],
                f"{data['parameters']['trained']:,}",
                f"{data['parameters']['paper']:,}",
                *[f"{values[n].mean():.2f}" for n in names],
            ]
        )
    return markdown_table(["row", "parameters (trained)", "parameters (width 32)", *names], lines)


def scale_table(res: dict) -> str:
    """Each scale's PSNR on the `global` set for alpha = (1, 1, 5) and (1, 1, 1), paired per scale
    (the 5 weights the finest scale); the difference read as the summaries read one (no verdict
    while MTDN is under its floor)."""
    scales = sorted(res["rows"]["two_way"]["runs"][0]["extra"], key=lambda k: -int(k.split("/")[1]))  # coarse first
    lines = []
    for k in scales:
        a, b = (np.asarray([r["extra"][k] for r in res["rows"][row]["runs"]]) for row in ("two_way", "alpha_equal"))
        lines.append([k, f"{a.mean():.2f}", f"{b.mean():.2f}", STUDY.describe(res, stats.compare(a, b))])
    return markdown_table(["scale", "alpha = (1, 1, 5)", "alpha = (1, 1, 1)", "(1, 1, 5) against (1, 1, 1)"], lines)


ABLATION_SETS = ("global", SHAKE_SET, LEVIN_SET)


def _claims(res: dict, sets) -> list[Claim]:
    """Table 1's claim and the book's two controls on ``sets`` (rows the file lacks are left out)."""
    rows, t1 = res["rows"], PAPER["table1"]
    gain = t1["Ours"][0] - t1["Ours w/o TWNNet"][0]
    asked = [
        (
            "single",
            (
                f'Two-way over the image branch alone, {{}}: Table 1 gives "Ours" {gain:+.2f} dB over '
                '"Ours w/o TWNNet" on GoPro (the text only says it gives that row)'
            ),
        ),
        (
            "single_matched",
            ("Two-way over one decoder of about its size, {} (the book's question: the design, not the size)"),
        ),
        (
            "alpha_equal",
            (
                "alpha = (1, 1, 5) over (1, 1, 1) at full resolution, {} (the book's question: the "
                "paper gives the weights without an ablation)"
            ),
        ),
    ]
    return [
        Claim(words.format(test), _runs.versus(rows, "two_way", other, test))
        for other, words in asked
        if other in rows
        for test in sets
    ]


def claims(res: dict) -> list[tuple[str, str]]:
    """Table 1's claim and the book's two controls, each on every synthetic test set, paired over
    seeds and images, read as one family under the floor."""
    return STUDY.read(res, _claims(res, ABLATION_SETS))


ABLATION_WORDS = {  # 06.04's rows against the two-way model, as its sentence names them
    "single": "two-way against the image branch alone",
    "single_matched": "against one decoder of about its size",
    "alpha_equal": "alpha = (1, 1, 5) against (1, 1, 1)",
}


def ablation_summary(res: dict) -> str:
    """06.04's result in words chosen by the verdicts (on the `global` set, Table 1's analogue)."""
    parts = [
        f"{words}, {STUDY.describe(res, _runs.versus(res['rows'], 'two_way', row, 'global'))}"
        for row, words in ABLATION_WORDS.items()
    ]
    return "on `global` scenes, " + "; ".join(parts)
