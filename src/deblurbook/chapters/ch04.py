"""Chapter 4: reference-based deblurring (Liu, Hua, Li).

The paper's quoted numbers (:data:`PAPER`), the budgets per profile, the
matching study of 04.01 (Eqs. 1-3 scored against the engine's true
correspondences, per descriptor, with and without the reference's down-up
sampling, and per time gap between the frames), the parameter sweep of
04.02, and the experiments of 04.03-04.05 (:data:`ROWS`: the full model,
Tables 5 and 6's variants, the zero-reference capacity control) with Table 7
as test-time reference swaps.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import torch

from ..book import pages, stats, viz
from ..book.cost import macs as count_macs
from ..book.tables import markdown_table
from ..book.timing import seconds_per_image
from ..book.viz import to_hwc
from ..core import profiles
from ..core.device import describe, resolve
from ..data.correspondence import true_correspondence
from ..data.datasets import SyntheticDataset
from ..data.real import reds_clips
from ..data.references import ClipReferences, SwappedReference
from ..data.synth import _default_pool, make_sample
from ..data.testsets import synthetic_test_set
from ..models.reference import MATCH_FACTOR, NCCDescriptor, RefDeblurNet, VGGFeatures, down_up
from ..nn.adversarial import VGGStyleDiscriminator
from ..nn.blocks import pad_to_multiple, parameter_count
from ..nn.frequency_losses import ContentFrequencyLoss
from ..nn.matching import match_chunked, match_full, patch_vectors, transfer
from ..training.cosine import CosineConfig
from ..training.evaluate import evaluate
from ..training.experiments import Experiment, train_experiment
from . import _runs
from ._runs import (
    blurred_per_set,
    per_set,
    scores_table,
    train_and_score,
    versus,
)

CHAPTER = "ch04"

# Numbers quoted from the paper (typed from its text; never ours).
PAPER = {
    "citation": "liu2024reference",
    # Table 1: ResBlocks per group n -> GoPro PSNR, SSIM, parameters (M).
    "table1": {8: (31.71, 0.951, 7.59), 12: (32.25, 0.955, 10.99), 16: (32.50, 0.958, 14.09),
               20: (32.19, 0.955, 17.19)},
    "table5": {"without SFFM": (32.27, 0.955), "with SFFM": (32.50, 0.958)},
    "table6": {"without reference": (32.12, 0.955), "with reference": (32.50, 0.958)},
    "table7": {"Reference1": (32.51, 0.956), "Reference2": (32.49, 0.956), "Reference3": (32.49, 0.956)},
    "memory_gb": 13.3,  # the full similarity matrix at 720x1280, 1/4 scale, float32 (the spec's arithmetic)
}

# GoPro has camera shake and moving objects: the engine's `global` and `mixed` scenes in turn, the
# reference a sharp frame of the same scene one to one and a half exposures earlier, cropped with
# the blurred image (the spec's [R]: co-located, the same size). L1 + 0.1 x frequency (Eq. 7);
# the GAN term (5e-3) where the profile affords it.
_COMMON = {"train_presets": ("global", "mixed"), "content": 1.0, "frequency": 0.1, "freq_norm": "l1",
           "eta_min": 0.0}
BUDGETS = {
    "smoke": {**_COMMON, "match_size": (48, 64), "match_scenes": 2, "match_presets": ("global",),
              "width": 4, "blocks": 1, "crop": 32, "batch": 2, "iterations": 3, "lr": 5e-4, "adversarial": 5e-3,
              "critic_width": 4, "checkpoint_every": 2, "log_every": 1, "test_size": 48, "test_images": 2,
              "real_images": 1, "time_size": (64, 96)},
    # widths 16/32/64 and 2 ResBlocks per group (0.85 M), 64x64 crops, batch 8 (the spec's CPU
    # model); about 0.2 s a step on 2 cores: 4 rows x 3 seeds x 1000 steps ~ 40 min
    "small": {**_COMMON, "match_size": (128, 160), "match_scenes": 12, "match_presets": ("global", "mixed"),
              "width": 16, "blocks": 2, "crop": 64, "batch": 8, "iterations": 1000, "lr": 5e-4, "adversarial": 0.0,
              "critic_width": 64, "checkpoint_every": 100, "log_every": 10, "test_size": 128, "test_images": 8,
              "real_images": 8, "time_size": (720, 1280)},
    # batch 12, 120x120 crops, Adam 1e-4 with cosine annealing (Sec. 4.1); iterations not stated:
    # the spec's ~500k
    "paper": {**_COMMON, "match_size": (256, 320), "match_scenes": 50, "match_presets": ("global", "mixed"),
              "width": 32, "blocks": 16, "crop": 120, "batch": 12, "iterations": 500_000, "lr": 1e-4,
              "adversarial": 5e-3, "critic_width": 64, "checkpoint_every": 5000, "log_every": 100,
              "test_size": 256, "test_images": 50, "real_images": 1000, "time_size": (720, 1280)},
}
# The budget's settings a training run depends on (its identity); the others only shape the evaluation.
TRAINING_KEYS = ("train_presets", "content", "frequency", "freq_norm", "eta_min", "width", "blocks", "crop",
                 "batch", "iterations", "lr", "adversarial", "critic_width", "checkpoint_every", "log_every")
ROWS = {  # row -> RefDeblurNet keyword arguments (Tables 5 and 6, and the capacity control)
    "full": {},
    "no_sffm": {"sffm": False},
    "no_reference": {"reference": False},
    "zero_reference": {"zero_reference": True},
}


def budget(profile: str) -> dict:
    """This chapter's budget at ``profile``."""
    return profiles.budget(profile, BUDGETS, owner=CHAPTER)


def build(row: str, profile: str, seed: int, device: str, iterations: int | None) -> Experiment:
    """A row of :data:`ROWS` as an experiment: the reference U-Net, Eq. 7's loss, engine scenes
    with their reference frames, Adam with cosine annealing (Sec. 4.1)."""
    cfg = budget(profile)
    kwargs = ROWS[row]
    model = RefDeblurNet(cfg["width"], cfg["blocks"], **kwargs)
    critic = VGGStyleDiscriminator(cfg["critic_width"]) if cfg["adversarial"] else None
    loss = ContentFrequencyLoss(cfg["content"], cfg["frequency"], cfg["freq_norm"], cfg["adversarial"], critic)
    steps = iterations if iterations is not None else cfg["iterations"]
    inputs = ("blur",) if kwargs.get("reference") is False else ("blur", "ref")
    train_set = SyntheticDataset(cfg["train_presets"], crop=cfg["crop"], length=steps * cfg["batch"] * 8,
                                 seed=1_000_003 * (seed + 1), signals=("blur", "sharp", "ref"))  # <= 8 DDP ranks
    config = CosineConfig(iterations=steps, batch=cfg["batch"], lr=cfg["lr"], eta_min=cfg["eta_min"],
                          checkpoint_every=cfg["checkpoint_every"], log_every=cfg["log_every"], seed=seed,
                          device=device)
    settings = {key: cfg[key] for key in TRAINING_KEYS}
    return Experiment(f"{CHAPTER}:{row}", model, loss, train_set, inputs, config, {**settings, "row": row,
                                                                                   "model": kwargs})


EXPERIMENTS = {f"{CHAPTER}:{row}": partial(build, row) for row in ROWS}


# ---------------------------------------------------------------- matching (04.01)

# name -> (a descriptor: (N, 3, H, W) -> (N, C, H/4, W/4), whether patches are mean-centred)
DESCRIPTORS: dict[str, tuple[Callable[[], torch.nn.Module], bool]] = {
    "NCC of luma blocks (the book's default)": (NCCDescriptor, True),
    "luma blocks, plain cosine (Eq. 1 as written)": (NCCDescriptor, False),
    "VGG19 to relu3_1, random frozen weights": (VGGFeatures, False),
}
# the frame matched against the blurred one -> its time from the ground truth, in exposure intervals
TARGETS = {"sharp": "0 (the ground truth itself)", "sharp_next": "+1", "ref": "-1 to -1.5 (the engine's ref)"}


def _cells(found: dict, grid: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Per query cell of the matching grid: the true reference cell (row, col) of its centre
    pixel and whether that pixel has a valid correspondence."""
    h, w = grid
    ys, xs = np.mgrid[:h, :w] * MATCH_FACTOR + MATCH_FACTOR // 2
    position, valid = found["position"][ys, xs], found["valid"][ys, xs]
    cell = np.floor(np.nan_to_num(position[..., ::-1]) / MATCH_FACTOR).astype(int)
    return cell, valid


def matching_accuracy(index: torch.Tensor, found: dict, grid: tuple[int, int]) -> float:
    """Share of valid query cells whose matched reference cell lies within one cell (4 px) of the
    true one (Chebyshev distance), for one image's ``index`` (h * w,)."""
    truth, valid = _cells(found, grid)
    predicted = np.stack(np.divmod(index.cpu().numpy().reshape(grid), grid[1]), -1)
    hit = np.abs(predicted - truth).max(-1) <= 1
    return float(hit[valid].mean()) if valid.any() else float("nan")


@torch.no_grad()
def match_accuracy(blur: torch.Tensor, ref: torch.Tensor, found: dict, descriptor: torch.nn.Module, centre: bool,
                   resample: bool) -> float:
    """Eqs. 1-3 between a blurred image and another frame (down-up sampled when ``resample``),
    each (1, 3, H, W), scored against the true correspondences ``found``."""
    query = descriptor(blur)
    keys = descriptor(down_up(ref) if resample else ref)
    _, index = match_chunked(patch_vectors(query, centre=centre), patch_vectors(keys, centre=centre))
    return matching_accuracy(index[0], found, tuple(query.shape[-2:]))


def matching_result(profile: str) -> dict:
    """04.01's results: for every descriptor, with and without down-up sampling, and every
    target frame, the accuracy on each test scene; the chance level of the criterion."""
    cfg = budget(profile)
    size, scenes = tuple(cfg["match_size"]), [(p, 30_000 + k) for p in cfg["match_presets"]
                                              for k in range(cfg["match_scenes"])]
    torch.manual_seed(0)  # the random VGG's weights
    descriptors = {name: (factory().eval(), centre) for name, (factory, centre) in DESCRIPTORS.items()}
    found: dict = {}
    kept = []
    for preset, seed in scenes:
        sample = make_sample(preset, size, seed, signals=("blur", *TARGETS), content=_default_pool("test"))
        blur = torch.from_numpy(sample["blur"]).permute(2, 0, 1)[None]
        scene = {}
        for target in TARGETS:
            ref = torch.from_numpy(sample[target]).permute(2, 0, 1)[None]
            truth = true_correspondence(preset, size, seed, target)
            for name, (descriptor, centre) in descriptors.items():
                for resample in (True, False):
                    key = f"{name} | {'down-up' if resample else 'as is'} | {target}"
                    scene[key] = match_accuracy(blur, ref, truth, descriptor, centre, resample)
        if all(np.isfinite(v) for v in scene.values()):  # a frame that moved out of view has nothing to match
            kept.append(f"{preset} {seed}")
            for key, value in scene.items():
                found.setdefault(key, []).append(value)
    if not kept:
        raise ValueError(f"no scene of {scenes} keeps a true correspondence in every target frame at {size}")
    h, w = size[0] // MATCH_FACTOR, size[1] // MATCH_FACTOR
    return {"accuracy": found, "scenes": kept, "dropped": len(scenes) - len(kept), "size": list(size),
            "chance": 9 / (h * w)}


def _accuracy(res: dict, name: str, resample: bool, target: str) -> np.ndarray:
    return np.asarray(res["accuracy"][f"{name} | {'down-up' if resample else 'as is'} | {target}"])[None]


def matching_table(res: dict) -> str:
    """Accuracy (mean over scenes [95% CI]) per descriptor and down-up sampling, per target frame."""
    rows = [[name, "down-up" if resample else "as is",
             *[stats.estimate(stats.interval(_accuracy(res, name, resample, t))) for t in TARGETS]]
            for name in DESCRIPTORS for resample in (True, False)]
    h, w = res["size"]
    return markdown_table(["descriptor", "reference", *[f"gap {gap}" for gap in TARGETS.values()]], rows) + (
        f"\n\nA match counts when it lands within one cell (4 px) of the true one; chance is "
        f"{res['chance']:.3f} on a {h}x{w} image. {len(res['scenes'])} test scenes.")


def resampling_claims(res: dict) -> list[tuple[str, str]]:
    """The paper's domain-gap argument, per descriptor and target frame: does down-up sampling the
    reference raise the matching accuracy? Paired over the test scenes."""
    found = []
    for name in DESCRIPTORS:
        for target, gap in TARGETS.items():
            with_, without = (100 * _accuracy(res, name, r, target) for r in (True, False))
            c = stats.compare(with_, without, margin=1.0, min_seeds=1)  # percentage points
            found.append((f"down-up sampling helps matching: {name}, gap {gap}", stats.judge(c, unit="pp")))
    return found


def full_equals_chunked(size: tuple[int, int] = (64, 96), seed: int = 0) -> bool:
    """On one engine scene: the chunked search (small blocks) returns the full matrix's indices."""
    sample = make_sample("global", size, seed, signals=("blur", "ref"), content=_default_pool("test"))
    blur, ref = (torch.from_numpy(sample[k]).permute(2, 0, 1)[None] for k in ("blur", "ref"))
    q, r = (patch_vectors(NCCDescriptor()(x), centre=True) for x in (blur, down_up(ref)))
    return bool(torch.equal(match_full(q, r)[1], match_chunked(q, r, 37, 53)[1]))


def memory_table(sizes: tuple[tuple[int, int], ...] = ((120, 120), (256, 256), (720, 1280))) -> str:
    """The bytes of the full similarity matrix (float32, stride 1, 1/4 scale) against one block of
    the chunked search (4096 x 4096), by arithmetic."""
    rows = []
    for h, w in sizes:
        n = (h // MATCH_FACTOR) * (w // MATCH_FACTOR)
        rows.append([f"{h}x{w}", f"{n:,}", f"{n * n * 4 / 1e9:.3g}", f"{min(n, 4096) ** 2 * 4 / 1e9:.3g}"])
    return markdown_table(["image", "patches N", "full N x N matrix (GB)", "one 4096 x 4096 block (GB)"], rows)


def parameter_sweep() -> str:
    """Table 1's parameter column beside the counts of the book's model at n = 8, 12, 16, 20."""
    rows, previous = [], None
    for n, (_, _, paper) in PAPER["table1"].items():
        count = parameter_count(RefDeblurNet(32, n))
        step = "-" if previous is None else f"{count - previous:,}"
        rows.append([n, f"{paper:.2f}", f"{count:,}", step])
        previous = count
    return markdown_table(["ResBlocks per group", "paper (M)", "book's model", "step from the row above"], rows)


def matching_summary(res: dict) -> str:
    """04.01's result in words: the default descriptor's accuracy against the engine's reference,
    and what down-up sampling changes, paired over scenes."""
    name = next(iter(DESCRIPTORS))
    with_, without = (100 * _accuracy(res, name, r, "ref") for r in (True, False))
    c = stats.compare(with_, without, margin=1.0, min_seeds=1)
    best = max(DESCRIPTORS, key=lambda n: _accuracy(res, n, True, "ref").mean())
    best_value = stats.interval(100 * _accuracy(res, best, True, "ref"))
    return (f"the parameter-free NCC descriptor finds the true reference cell (within 4 px) for "
            f"{stats.estimate(stats.interval(with_))} % of the blurred image's cells against a frame one to "
            f"one and a half exposures away (chance {100 * res['chance']:.1f} %); down-up sampling the "
            f"reference changes that by {stats.describe(c, unit='pp')}; of the three descriptors, the best "
            f"there is \"{best}\", at {stats.estimate(best_value)} %")


def headline(profile: str = "small") -> list[str]:
    """The chapter's results so far in a sentence, from ``profile``'s committed files."""
    folder = "ch04_reference-based"
    return (pages.headline_line(profile, CHAPTER, "matching", f"{folder}/04.01-matching", "Matching",
                                matching_summary)
            + pages.headline_line(profile, CHAPTER, "ablations", f"{folder}/04.04-ablations",
                                  "The reference", ablation_summary))


PAPER_NAMES = {"stem": "conv", "encoder": "RG1-RG3", "downs": "Downsize", "fusions": "SFFM (Eq. 6)",
               "decoder": "RG4-RG6", "ups": "Upsize", "reduce": "concatenation (1x1 [R])", "out": "output conv",
               "descriptor": "phi (a VGG)", "ref_encoder": "reference encoder",
               "blur_branch": "residual blocks for F_blur", "reams": "REAM aggregation (Eq. 5)"}


def paper_line() -> dict[str, float]:
    """Table 1's parameter column as a line through n = 12, 16, 20 (in M): the slope per ResBlock
    per group, the intercept, what the line gives at n = 8, and the paper's 7.59 against it."""
    t1 = PAPER["table1"]
    slope = (t1[20][2] - t1[12][2]) / 8
    intercept = t1[16][2] - 16 * slope
    at8 = intercept + 8 * slope
    return {"slope": slope, "intercept": intercept, "at8": at8, "gap8": at8 - t1[8][2]}


def book_line() -> dict[str, float]:
    """The same line through the book's model (parameters, exact): slope per ResBlock per group and
    intercept (everything outside the six groups)."""
    counts = {n: parameter_count(RefDeblurNet(32, n)) for n in (12, 16)}
    slope = (counts[16] - counts[12]) / 4
    return {"slope": slope, "intercept": counts[16] - 16 * slope}


# ---------------------------------------------------------------- training, ablations, results (04.03-04.05)

ROW_NAMES = {"full": "full model (SFFM + REAMs)", "no_sffm": "w/o SFFM (a ResBlock in its place, Table 5)",
             "no_reference": "w/o reference modules (Table 6)",
             "zero_reference": "reference modules fed zeros (capacity control)"}
SWAP_NAMES = {"same": "same scene, another moment (the engine's ref)", "unrelated": "unrelated scene",
              "zero": "zero image", "truth": "ground truth (oracle)"}
SYNTHETIC_SETS = ("global", "mixed")
REDS_SET = "REDS frames (real)"


def test_sets(profile: str, extended: bool = False) -> dict:
    """Fixed test sets with a reference per image: the engine's `global` and `mixed` scenes (the
    reference a sharp frame one to one and a half exposures earlier); ``extended`` adds the bundled
    REDS frames with the previous sharp frame as reference (evaluation only). The bundled GoPro crops
    are 30 crops of one frame, with no other moment to take a reference from: not used here."""
    cfg = budget(profile)
    size, count = cfg["test_size"], cfg["test_images"]
    sets = {name: synthetic_test_set(name, (size, size), count) for name in SYNTHETIC_SETS}
    if extended:
        clips = reds_clips()  # as many frames of each clip: an unrelated reference comes from the other
        sets[REDS_SET] = ClipReferences(clips, gap=1, per_clip=max(1, cfg["real_images"] // len(clips)))
    return sets


def swap_scores(model, sets: dict, device) -> dict[str, list[float]]:
    """Table 7 as test-time swaps: PSNR per image of every set (in order) with each reference of
    :data:`SWAP_NAMES` in place of the one the set gives."""
    found = {}
    for swap in SWAP_NAMES:
        found[swap] = [p["psnr"] for data in sets.values()
                       for p in evaluate(model, SwappedReference(data, swap), ("blur", "ref"), device)["per_image"]]
    return found


def score_row(row: str, profile: str, seeds, device: str, sets: dict) -> dict:
    """Train a row for each seed (or load it), score it on ``sets`` (the full model also with each
    swapped reference); the parameters trained and at the paper's width (n = 16)."""
    extra = (lambda m, dev: swap_scores(m, sets, dev)) if row == "full" else None
    runs, model = train_and_score(f"{CHAPTER}:{row}", profile, seeds, device, sets, extra=extra)
    return {"runs": runs, "parameters": {"trained": parameter_count(model),
                                         "paper": parameter_count(RefDeblurNet(32, 16, **ROWS[row]))}}


# 04.03-04.05: the rows trained per seed and scored; the model against its blurred input
STUDY = _runs.RowStudy(CHAPTER, score_row, test_sets, "full", "the full model", ROW_NAMES)
training_result, training_table, training_summary = STUDY.training_result, STUDY.training_table, STUDY.training_summary


def ablation_result(profile: str, seeds, device: str) -> dict:
    """04.04's results: every row of :data:`ROWS` for each seed on the test sets."""
    return STUDY.result(ROWS, profile, seeds, device)












def loss_curves(logs: dict[str, list[dict]]):
    """Eq. 7's terms over training, per seed (log scale)."""
    return viz.loss_curves(logs, {"l1_image": "L1 (content)", "freq_l1": "0.1 x frequency (Eq. 9)",
                                   "adversarial": "RaGAN, model", "critic": "RaGAN, critic (Eq. 10)",
                                   "total": "Eq. 7, total"})


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
        lines.append([ROW_NAMES[row], f"{params['trained']:,}", f"{params['paper']:,}",
                      *[f"{values[n].mean():.2f}" for n in names]])
    return markdown_table(["row", "parameters (trained)", "parameters (n = 16, width 32)", *names], lines)


def _swaps(res: dict) -> dict[str, dict[str, np.ndarray]]:
    """The full model's PSNR per swap, as (seeds, images) per test set."""
    runs = res["rows"]["full"]["runs"]
    sizes = {name: values.shape[1] for name, values in per_set(runs).items()}
    out: dict[str, dict[str, np.ndarray]] = {}
    for swap in SWAP_NAMES:
        matrix, start = np.asarray([r["extra"][swap] for r in runs]), 0
        for name, n in sizes.items():
            out.setdefault(swap, {})[name] = matrix[:, start:start + n]
            start += n
    return out


def swap_table(res: dict) -> str:
    """Table 7's question on the trained full model: each reference at test time (mean PSNR) and,
    paired over seeds and images, against the same-scene reference."""
    swaps = _swaps(res)
    lines = []
    for swap, label in SWAP_NAMES.items():
        cells = []
        for name, values in swaps[swap].items():
            versus = "-" if swap == "same" else stats.difference(stats.compare(values, swaps["same"][name]))
            cells.append(f"{values.mean():.2f} ({versus})")
        lines.append([label, *cells])
    return markdown_table(["reference at test time", *[f"{n}: PSNR (against same scene)" for n in
                                                        next(iter(swaps.values()))]], lines)


def claims(res: dict) -> list[tuple[str, str]]:
    """Tables 5-7's claims on each synthetic test set, paired over seeds and images."""
    rows, t5, t6 = res["rows"], PAPER["table5"], PAPER["table6"]
    sffm = t5["with SFFM"][0] - t5["without SFFM"][0]
    ref = t6["with reference"][0] - t6["without reference"][0]
    found = [(f"SFFM helps, {t} (Table 5: {sffm:+.2f} dB on GoPro)", stats.judge(versus(rows, "full", "no_sffm", t)))
             for t in SYNTHETIC_SETS]
    found += [(f"The reference modules help, {t} (Table 6: {ref:+.2f} dB)",
               stats.judge(versus(rows, "full", "no_reference", t))) for t in SYNTHETIC_SETS]
    found += [(f"The reference's content helps beyond the modules' capacity, {t} (not in the paper)",
               stats.judge(versus(rows, "full", "zero_reference", t))) for t in SYNTHETIC_SETS]
    swaps = _swaps(res)
    found += [(f"A same-scene reference beats an unrelated one at test time, {t} (Table 7: equal within "
               f"0.02 dB)", stats.judge(stats.compare(swaps["same"][t], swaps["unrelated"][t])))
              for t in SYNTHETIC_SETS]
    return found


def ablation_summary(res: dict) -> str:
    """04.04's result in words chosen by the verdicts (on `mixed` scenes)."""
    rows, t = res["rows"], "mixed"
    swaps = _swaps(res)
    return (f"on `mixed` scenes, the full model against no SFFM is "
            f"{stats.describe(versus(rows, 'full', 'no_sffm', t))}; against no reference modules, "
            f"{stats.describe(versus(rows, 'full', 'no_reference', t))}; against the same modules fed zeros, "
            f"{stats.describe(versus(rows, 'full', 'zero_reference', t))}; a same-scene reference against an "
            f"unrelated one at test time, {stats.describe(stats.compare(swaps['same'][t], swaps['unrelated'][t]))}")


RESULT_ROWS = ("full", "no_reference")


def time_per_image(profile: str, device: str = "auto") -> dict:
    """Seconds for one forward pass of each result row (the trained width) on a ``time_size`` image
    and its reference, after a warm-up on a small corner, with multiply-accumulates counted by
    ``torch.utils.flop_counter`` on a real pass (the matching's argmax indexes: no meta device);
    the model without reference modules is the ratio's baseline."""
    cfg, dev = budget(profile), resolve(device)
    h, w = cfg["time_size"]
    found: dict = {"size": [h, w], "width": cfg["width"], "blocks": cfg["blocks"], "seconds": {},
                   "parameters": {}, "macs": {}, "device": describe(dev)}
    for row in RESULT_ROWS:
        factory = partial(RefDeblurNet, cfg["width"], cfg["blocks"], **ROWS[row])
        inputs = 1 if ROWS[row].get("reference") is False else 2
        found["seconds"][row] = seconds_per_image(factory(), (h, w), dev, inputs=inputs)
        found["parameters"][row] = parameter_count(factory())
        found["macs"][row] = count_macs(factory, *[(1, 3, h, w)] * inputs, device="cpu")
    return found


def results_result(profile: str, seeds, device: str) -> dict:
    """04.05's results: :data:`RESULT_ROWS` for each seed on the extended test sets (the full
    model also with each swapped reference), the blurred input's scores and the time per image."""
    return {**STUDY.result(RESULT_ROWS, profile, seeds, device, extended=True),
            "timing": time_per_image(profile, device)}


def paper_tables() -> str:
    """Tables 5-7 of the paper, quoted (GoPro PSNR / SSIM)."""
    lines = [[f"Table {t[-1]}", name, f"{v[0]:.2f} / {v[1]:.3f}"] for t in ("table5", "table6", "table7")
             for name, v in PAPER[t].items()]
    return markdown_table(["table", "row (the paper's)", "GoPro PSNR / SSIM"], lines)


def results_table(res: dict) -> str:
    """Ours on every test set: the blurred input and the result rows (mean PSNR / SSIM)."""
    return scores_table(res, RESULT_ROWS, ROW_NAMES)


def results_claims(res: dict) -> list[tuple[str, str]]:
    """The full model against its input and against no reference modules on every set, and the
    same-scene against the unrelated reference on the real frames, paired."""
    rows = res["rows"]
    full = per_set(rows["full"]["runs"])
    blurred = blurred_per_set(res["blurred"], rows["full"]["runs"])
    found = [(f"The full model improves on its blurred input, {t}", stats.judge(stats.compare(full[t], blurred[t][0])))
             for t in blurred]
    found += [(f"The reference modules help, {t} (Table 6)", stats.judge(versus(rows, "full", "no_reference", t)))
              for t in blurred]
    swaps = _swaps(res)
    found += [(f"A same-scene reference beats an unrelated one, {t} (Table 7)",
               stats.judge(stats.compare(swaps["same"][t], swaps["unrelated"][t]))) for t in blurred]
    return found


def results_summary(res: dict) -> str:
    """04.05's result in words chosen by the verdicts, on the real REDS frames."""
    rows = res["rows"]
    full = per_set(rows["full"]["runs"])[REDS_SET]
    blurred = blurred_per_set(res["blurred"], rows["full"]["runs"])[REDS_SET][0]
    swaps = _swaps(res)
    same = stats.compare(swaps["same"][REDS_SET], swaps["unrelated"][REDS_SET])
    return (f"on real REDS frames, the full model against its blurred input is "
            f"{stats.describe(stats.compare(full, blurred))}; against no reference modules, "
            f"{stats.describe(versus(rows, 'full', 'no_reference', REDS_SET))}; the previous sharp frame against "
            f"an unrelated one as reference, {stats.describe(same)}")


def timing_table(res: dict) -> str:
    """Parameters, multiply-accumulates and seconds per image, with the ratio to no reference."""
    t = res["timing"]
    return _runs.timing_table(t, RESULT_ROWS, ROW_NAMES, "no_reference", f"width {t['width']}, n = {t['blocks']}",
                              "no reference")


@torch.no_grad()
def comparison_figure(model, item: dict, device):
    """One test image: blurred, the full model's output with the same-scene, unrelated and
    ground-truth references, and the ground truth, PSNR in the titles, with zoomed crops."""
    blur, sharp = to_hwc(item["blur"]), to_hwc(item["sharp"])
    images = [("blurred", blur)]
    for label, ref in (("same-scene ref", item["ref"]), ("unrelated ref", item["other_ref"]),
                       ("oracle ref", item["sharp"])):
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
    confidence = torch.nn.functional.interpolate(out["confidence"].float(), scale_factor=MATCH_FACTOR,
                                                 mode="nearest")[0, 0, :h, :w]
    return viz.figure([viz.Panel(to_hwc(item["blur"]), "blurred input"), viz.Panel(to_hwc(item["ref"]), "reference"),
                       viz.Panel(to_hwc(moved.clamp(0, 1)), "matched reference patches (Eq. 4)"),
                       viz.Panel(confidence.cpu().numpy(), "confidence C (Eq. 3)", kind="map", limit=1.0),
                       viz.Panel(to_hwc(item["sharp"]), "ground truth")], columns=5, width=2.4)


RESULT_FIGURES = {"comparison-mixed": "a `mixed` test scene, the full model of seed 0 with three references",
                  "comparison-reds": "a real REDS frame, the full model of seed 0 with three references",
                  "matched-reds": "the same REDS frame: the reference patches the full model of seed 0 matched, "
                                  "and its confidence"}


def result_figures(profile: str, seed: int, device: str) -> dict:
    """:data:`RESULT_FIGURES` drawn with the full model of ``seed``."""
    _, trainer = train_experiment(f"{CHAPTER}:full", profile, seed=seed, device=device, progress=False)
    sets = test_sets(profile, extended=True)
    found = {}
    for key, name in (("comparison-mixed", "mixed"), ("comparison-reds", REDS_SET)):
        data = sets[name]
        item = {**data[0], "other_ref": SwappedReference(data, "unrelated")[0]["ref"]}
        found[key] = comparison_figure(trainer.model, item, trainer.device)
    found["matched-reds"] = matched_figure(trainer.model, sets[REDS_SET][0], trainer.device)
    return found
