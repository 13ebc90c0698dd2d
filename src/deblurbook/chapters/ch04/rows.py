"""Training, ablations and results: the rows trained per seed and scored, Table 7 as reference
swaps, cost (04.03-04.05)."""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from ...book import pages, stats, viz
from ...book.cost import macs as count_macs
from ...book.tables import markdown_table
from ...book.timing import seconds_per_image
from ...book.viz import to_hwc
from ...core.device import describe, resolve
from ...data.real import reds_clips
from ...data.references import ClipReferences, SwappedReference
from ...models.reference import MATCH_FACTOR, RefDeblurNet
from ...nn.blocks import pad_to_multiple, parameter_count
from ...nn.matching import transfer
from ...training.archive import train_archived
from ...training.evaluate import evaluate
from .. import _rowstudy, _runs
from .._claims import Claim
from .._runs import (
    REDS_SET,
    blurred_per_set,
    compare_on,
    per_set,
    scores_table,
    versus,
)
from .experiments import CHAPTER, PAPER, ROWS, budget, experiment_of

SYNTHETIC_SETS = ("global", "mixed")  # the engine's test sets, each image with a reference
ROW_NAMES = {
    "full": "full model (SFFM + REAMs)",
    "no_sffm": "w/o SFFM (a ResBlock in its place, Table 5)",
    "no_reference": "w/o reference modules (Table 6)",
    "zero_reference": "reference modules fed zeros (capacity control)",
    "ncc_matcher": "full model matching with NCC (chapter 7's reference network)",
    "unet": "U-Net of about its size (chapter 7's floor, the same protocol and CPU time)",
}
SWAP_NAMES = {
    "same": "same scene, another moment (the engine's ref)",
    "unrelated": "unrelated scene",
    "zero": "zero image",
    "truth": "ground truth (oracle)",
}


def test_sets(profile: str, extended: bool = False) -> dict:
    """Fixed test sets with a reference per image: the engine's `global` and `mixed` scenes (the
    reference a sharp frame one to one and a half exposures earlier); ``extended`` adds the bundled
    REDS frames with the previous sharp frame as reference (evaluation only). The bundled GoPro crops
    are 30 crops of one frame, with no other moment to take a reference from: not used here."""
    cfg = budget(profile)
    sets = _runs.synthetic_sets(cfg, SYNTHETIC_SETS)
    if extended:
        clips = reds_clips()  # as many frames of each clip: an unrelated reference comes from the other
        sets[REDS_SET] = ClipReferences(clips, gap=1, per_clip=max(1, cfg["real_images"] // len(clips)))
    return sets


def swap_scores(model, sets: dict, device) -> dict[str, list[float]]:
    """Table 7 as test-time swaps: PSNR per image of every set (in order) with each reference of
    :data:`SWAP_NAMES` in place of the one the set gives."""
    found = {}
    for swap in SWAP_NAMES:
        found[swap] = [
            p["psnr"]
            for data in sets.values()
            for p in evaluate(model, SwappedReference(data, swap), ("blur", "ref"), device)["per_image"]
        ]
    return found


def score_row(row: str, profile: str, seeds, device: str, sets: dict) -> dict:
    """Train a row for each seed (or load it), score it on ``sets`` (the full model also with each
    swapped reference); the parameters trained and at the paper's width (n = 16; none for the U-Net)."""
    extra = (lambda m, dev: swap_scores(m, sets, dev)) if row == "full" else None
    paper = partial(RefDeblurNet, 32, 16, **ROWS[row]) if row in ROWS else None
    return _rowstudy.scored_row(experiment_of(row, profile), profile, seeds, device, sets, paper, extra)


# 04.03-04.05: the rows trained per seed and scored; the model against its blurred input
STUDY = _rowstudy.RowStudy(CHAPTER, score_row, test_sets, "full", "the full model", ROW_NAMES)
training_result, training_table, training_summary = STUDY.training_result, STUDY.training_table, STUDY.training_summary


def ablation_result(profile: str, seeds, device: str) -> dict:
    """04.04's results: every row of :data:`ROWS` for each seed on the test sets."""
    return STUDY.result(ROWS, profile, seeds, device)


def loss_curves(logs: dict[str, list[dict]]):
    """Eq. 7's terms over training, per seed (log scale)."""
    return viz.loss_curves(
        logs,
        {
            "l1_image": "L1 (content)",
            "freq_l1": "0.1 x frequency (Eq. 9)",
            "adversarial": "RaGAN, model",
            "critic": "RaGAN, critic (Eq. 10)",
            "total": "Eq. 7, total",
        },
    )


def ablation_table(res: dict) -> str:
    """Tables 5 and 6's rows and the capacity control on each test set (mean PSNR over seeds and
    images), with parameters trained and at the paper's width."""
    rows = res["rows"]
    blurred = blurred_per_set(res["blurred"], rows["full"]["runs"])
    names = list(blurred)
    lines = [["blurred input", "-", "-", *[f"{blurred[n][0].mean():.2f}" for n in names]]]
    for row in (r for r in ROWS if r in rows):  # the loaded file's keys are sorted; keep the rows' order
        values = per_set(rows[row]["runs"])
        params = rows[row]["parameters"]
        lines.append(
            [
                ROW_NAMES[row],
                f"{params['trained']:,}",
                f"{params['paper']:,}",
                *[f"{values[n].mean():.2f}" for n in names],
            ]
        )
    return markdown_table(["row", "parameters (trained)", "parameters (n = 16, width 32)", *names], lines)


def _swaps(res: dict) -> dict[str, dict[str, np.ndarray]]:
    """The full model's PSNR per swap, as (seeds, images) per test set."""
    runs = res["rows"]["full"]["runs"]
    sizes = {name: values.shape[1] for name, values in per_set(runs).items()}
    out: dict[str, dict[str, np.ndarray]] = {}
    for swap in SWAP_NAMES:
        matrix, start = np.asarray([r["extra"][swap] for r in runs]), 0
        for name, n in sizes.items():
            out.setdefault(swap, {})[name] = matrix[:, start : start + n]
            start += n
    return out


def swap_table(res: dict) -> str:
    """Table 7's question on the trained full model: each reference at test time (mean PSNR) and,
    paired over seeds and images, against the same-scene reference."""
    swaps, runs = _swaps(res), res["rows"]["full"]["runs"]
    lines = []
    for swap, label in SWAP_NAMES.items():
        cells = []
        for name, values in swaps[swap].items():
            versus = "-" if swap == "same" else stats.difference(compare_on(runs, name, values, swaps["same"][name]))
            cells.append(f"{values.mean():.2f} ({versus})")
        lines.append([label, *cells])
    return markdown_table(
        ["reference at test time", *[f"{n}: PSNR (against same scene)" for n in next(iter(swaps.values()))]], lines
    )


# The paper's words behind each claim (Sec. 4.3), quoted
QUOTES = {
    "table5": '"SFFM obtains gains of 0.23 dB" (Table 5)',
    "table6": '"the PSNR of our method is 0.38 dB higher" than without the reference modules (Table 6)',
    "table7": '"robust even when using reference images of different scenes": with randomly selected '
    'references "the two metrics are only slightly different" (Table 7)',
}


# The rows each claim sets against the full model, and its words ({} is the test set)
ROW_CLAIMS = (
    ("no_sffm", f"SFFM helps, {{}}: {QUOTES['table5']}"),
    ("no_reference", f"The reference modules help, {{}}: {QUOTES['table6']}"),
    ("zero_reference", "The reference's content helps beyond the modules' capacity, {} (the book's question)"),
    (
        "ncc_matcher",
        "Matching with the frozen VGG beats NCC, {} (the book's question: 04.01 finds VGG's matching truer)",
    ),
)


def _claims(res: dict, sets) -> list[Claim]:
    """Tables 5-7's claims, the book's capacity control and the matcher row on ``sets`` (the rows
    the file holds), paired over seeds and images."""
    rows, swaps = res["rows"], _swaps(res)
    found = [
        Claim(words.format(t), versus(rows, "full", other, t))
        for other, words in ROW_CLAIMS
        if other in rows
        for t in sets
    ]
    found += [
        Claim(
            f"An unrelated reference does as well as the same scene's, {t}: {QUOTES['table7']}",
            compare_on(rows["full"]["runs"], t, swaps["unrelated"][t], swaps["same"][t]),
            stats.CLAIM_SAME,
        )
        for t in sets
    ]
    return found


def claims(res: dict) -> list[tuple[str, str]]:
    """Tables 5-7's claims on each synthetic test set, read as one family under the floor."""
    return STUDY.read(res, _claims(res, SYNTHETIC_SETS))


def ablation_summary(res: dict) -> str:
    """04.04's result in words chosen by the verdicts (on `mixed` scenes; none under the floor)."""
    rows, t = res["rows"], "mixed"
    swaps = _swaps(res)
    return (
        f"on `mixed` scenes, the full model against no SFFM, "
        f"{STUDY.describe(res, versus(rows, 'full', 'no_sffm', t))}; against no reference modules, "
        f"{STUDY.describe(res, versus(rows, 'full', 'no_reference', t))}; against the same modules fed zeros, "
        f"{STUDY.describe(res, versus(rows, 'full', 'zero_reference', t))}; a same-scene reference against an "
        f"unrelated one at test time, "
        f"{STUDY.describe(res, compare_on(rows['full']['runs'], t, swaps['same'][t], swaps['unrelated'][t]))}"
    )


RESULT_ROWS = ("full", "no_reference")


def time_per_image(profile: str, device: str = "auto") -> dict:
    """Seconds for one forward pass of each result row (the trained width) on a ``time_size`` image
    and its reference, after a warm-up on a small corner, with multiply-accumulates counted by
    ``torch.utils.flop_counter`` on a real pass (the matching's argmax indexes: no meta device);
    the model without reference modules is the ratio's baseline."""
    cfg, dev = budget(profile), resolve(device)
    h, w = cfg["time_size"]
    found: dict = {
        "size": [h, w],
        "width": cfg["width"],
        "blocks": cfg["blocks"],
        "seconds": {},
        "parameters": {},
        "macs": {},
        "device": describe(dev),
    }
    for row in RESULT_ROWS:
        factory = partial(RefDeblurNet, cfg["width"], cfg["blocks"], **ROWS[row])
        inputs = 1 if ROWS[row].get("reference") is False else 2
        found["seconds"][row] = seconds_per_image(factory(), (h, w), dev, inputs=inputs)
        found["parameters"][row] = parameter_count(factory())
        found["macs"][row] = count_macs(factory, *[(1, 3, h, w)] * inputs, device="cpu")
    return found


def results_result(profile: str, seeds, device: str) -> dict:
    """04.05's results: :data:`RESULT_ROWS` and the U-Net of its size (where the budget shares one) for each seed on the extended test sets (the full
    model also with each swapped reference), the blurred input's scores and the time per image."""
    return {
        **STUDY.result(STUDY.with_floor(RESULT_ROWS, budget(profile)), profile, seeds, device, extended=True),
        "timing": time_per_image(profile, device),
    }


def paper_tables() -> str:
    """Tables 5-7 of the paper, quoted (GoPro PSNR / SSIM)."""
    lines = [
        [f"Table {t[-1]}", name, f"{v[0]:.2f} / {v[1]:.3f}"]
        for t in ("table5", "table6", "table7")
        for name, v in PAPER[t].items()
    ]
    return markdown_table(["table", "row (the paper's)", "GoPro PSNR / SSIM"], lines)


def results_table(res: dict) -> str:
    """Ours on every test set: the blurred input and the result rows (mean PSNR / SSIM)."""
    return scores_table(res, [r for r in (*RESULT_ROWS, "unet") if r in res["rows"]], ROW_NAMES)


def results_claims(res: dict) -> list[tuple[str, str]]:
    """The full model against its input and Tables 6-7's claims on every set (one family, under
    the floor)."""
    gains = STUDY.input_claims(res, "The full model improves on its blurred input")
    return STUDY.read(res, gains + _claims(res, list(per_set(res["rows"]["full"]["runs"]))) + STUDY.unet_claims(res))


def results_summary(res: dict) -> str:
    """04.05's result in words chosen by the verdicts, on the real REDS frames."""
    rows = res["rows"]
    full = per_set(rows["full"]["runs"])[REDS_SET]
    blurred = blurred_per_set(res["blurred"], rows["full"]["runs"])[REDS_SET][0]
    swaps = _swaps(res)
    runs = rows["full"]["runs"]
    same = compare_on(runs, REDS_SET, swaps["same"][REDS_SET], swaps["unrelated"][REDS_SET])
    return (
        f"on real REDS frames, the full model against its blurred input, "
        f"{stats.describe(compare_on(runs, REDS_SET, full, blurred))}; against no reference modules, "
        f"{STUDY.describe(res, versus(rows, 'full', 'no_reference', REDS_SET))}; the previous sharp frame against "
        f"an unrelated one as reference, {STUDY.describe(res, same)}"
    )


def timing_table(res: dict) -> str:
    """Parameters, multiply-accumulates and seconds per image, with the ratio to no reference."""
    t = res["timing"]
    return _runs.timing_table(
        t, RESULT_ROWS, ROW_NAMES, "no_reference", f"width {t['width']}, n = {t['blocks']}", "no reference"
    )


@torch.no_grad()
def comparison_figure(model, item: dict, device):
    """One test image: blurred, the full model's output with the same-scene, unrelated and
    ground-truth references, and the ground truth, PSNR in the titles, with zoomed crops."""
    blur, sharp = to_hwc(item["blur"]), to_hwc(item["sharp"])
    images = [("blurred", blur)]
    for label, ref in (
        ("same-scene ref", item["ref"]),
        ("unrelated ref", item["other_ref"]),
        ("oracle ref", item["sharp"]),
    ):
        images.append((label, to_hwc(model.eval()(item["blur"][None].to(device), ref[None].to(device))["image"])))
    images.append(("ground truth", sharp))
    return viz.comparison_figure(images, sharp)


@torch.no_grad()
def matched_figure(model, item: dict, device):
    """The trained model's matching on one image: the blurred input, its reference, the reference's
    matched 3x3-cell patches moved to the input's positions (Eq. 4 applied to the pixels, each
    cell 4x4 px), the confidence C of Eq. 3 per cell, and the ground truth."""
    blur, ref = item["blur"][None].to(device), item["ref"][None].to(device)
    out = model.eval()(blur, ref)
    h, w = blur.shape[-2:]
    grid = tuple(out["confidence"].shape[-2:])
    moved = transfer(pad_to_multiple(ref, MATCH_FACTOR)[0].float(), out["index"], grid, MATCH_FACTOR)[..., :h, :w]
    confidence = torch.nn.functional.interpolate(out["confidence"].float(), scale_factor=MATCH_FACTOR, mode="nearest")[
        0, 0, :h, :w
    ]
    return viz.figure(
        [
            viz.Panel(to_hwc(item["blur"]), "blurred input"),
            viz.Panel(to_hwc(item["ref"]), "reference"),
            viz.Panel(to_hwc(moved.clamp(0, 1)), "matched reference patches (Eq. 4)"),
            viz.Panel(confidence.cpu().numpy(), "confidence C (Eq. 3)", kind="map", limit=1.0),
            viz.Panel(to_hwc(item["sharp"]), "ground truth"),
        ],
        columns=5,
        width=2.4,
    )


RESULT_FIGURES = {
    "comparison-mixed": "a `mixed` test scene, the full model of seed 0 with three references",
    "comparison-reds": "a real REDS frame, the full model of seed 0 with three references",
    "matched-reds": "the same REDS frame: the reference patches the full model of seed 0 matched, and its confidence",
}


def result_figures(profile: str, seed: int, device: str) -> dict:
    """:data:`RESULT_FIGURES` drawn with the full model of ``seed``."""
    _, trainer = train_archived(
        experiment_of("full", profile), profile, seed=seed, device=device, progress=pages.shows_progress(profile)
    )
    sets = test_sets(profile, extended=True)
    found = {}
    for key, name in (("comparison-mixed", "mixed"), ("comparison-reds", REDS_SET)):
        data = sets[name]
        item = {**data[0], "other_ref": SwappedReference(data, "unrelated")[0]["ref"]}
        found[key] = comparison_figure(trainer.model, item, trainer.device)
    found["matched-reds"] = matched_figure(trainer.model, sets[REDS_SET][0], trainer.device)
    return found
