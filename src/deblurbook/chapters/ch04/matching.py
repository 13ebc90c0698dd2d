"""Matching against true correspondences (04.01)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ...book import stats
from ...book.tables import markdown_table
from ...core import results
from ...data.correspondence import true_correspondence
from ...data.synth import _default_pool, make_sample
from ...models.reference import MATCH_FACTOR, NCCDescriptor, RefDeblurNet, VGGFeatures, down_up
from ...nn.blocks import parameter_count
from ...nn.matching import match_chunked, match_full, patch_vectors
from .experiments import CHAPTER, PAPER, budget

# name -> (a descriptor: (N, 3, H, W) -> (N, C, H/4, W/4), whether patches are mean-centred)
DESCRIPTORS: dict[str, tuple[Callable[[], torch.nn.Module], bool]] = {
    "NCC of luma blocks": (NCCDescriptor, True),
    "luma blocks, plain cosine (Eq. 1 as written)": (NCCDescriptor, False),
    "VGG19 to relu3_1, random frozen weights": (VGGFeatures, False),
}
# the training matchers of the budgets (experiments.MATCHERS) as rows of this study
TRAINED = {"ncc": "NCC of luma blocks", "vgg": "VGG19 to relu3_1, random frozen weights"}
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
def match_accuracy(
    blur: torch.Tensor, ref: torch.Tensor, found: dict, descriptor: torch.nn.Module, centre: bool, resample: bool
) -> float:
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
    size, scenes = (
        tuple(cfg["match_size"]),
        [(p, 30_000 + k) for p in cfg["match_presets"] for k in range(cfg["match_scenes"])],
    )
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
    return {
        "accuracy": found,
        "scenes": kept,
        "dropped": len(scenes) - len(kept),
        "size": list(size),
        "chance": 9 / (h * w),
        "trained_with": TRAINED[cfg["matcher"]],
    }


def _accuracy(res: dict, name: str, resample: bool, target: str) -> np.ndarray:
    return np.asarray(res["accuracy"][f"{name} | {'down-up' if resample else 'as is'} | {target}"])[None]


def matching_table(res: dict) -> str:
    """Accuracy (mean over scenes [95% CI]) per descriptor and down-up sampling, per target frame."""
    rows = [
        [
            name,
            "down-up" if resample else "as is",
            *[stats.estimate(stats.interval(_accuracy(res, name, resample, t))) for t in TARGETS],
        ]
        for name in DESCRIPTORS
        for resample in (True, False)
    ]
    h, w = res["size"]
    return markdown_table(["descriptor", "reference", *[f"gap {gap}" for gap in TARGETS.values()]], rows) + (
        f"\n\nA match counts when it lands within one cell (4 px) of the true one; chance is "
        f"{res['chance']:.3f} on a {h}x{w} image. {len(res['scenes'])} test scenes."
    )


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


def best_descriptor(res: dict) -> str:
    """The descriptor of the study with the highest mean accuracy against the engine's reference
    (down-up sampled, as the network matches)."""
    return max(DESCRIPTORS, key=lambda n: _accuracy(res, n, True, "ref").mean())


def matching_summary(res: dict) -> str:
    """04.01's result in words: the training's descriptor's accuracy against the engine's reference,
    what down-up sampling changes (paired over scenes), and whether the study finds it the best."""
    name = res.get("trained_with", TRAINED["ncc"])  # files from before the matcher was a budget setting: NCC
    with_, without = (100 * _accuracy(res, name, r, "ref") for r in (True, False))
    c = stats.compare(with_, without, margin=1.0, min_seeds=1)
    best = best_descriptor(res)
    best_value = stats.interval(100 * _accuracy(res, best, True, "ref"))
    verdict = (
        "the best of the three here"
        if best == name
        else f'NOT the best here: "{best}" finds {stats.estimate(best_value)} % (the budget\'s matcher should change)'
    )
    return (
        f'the descriptor the chapter trains with, "{name}", finds the true reference cell (within 4 px) '
        f"for {stats.estimate(stats.interval(with_))} % of the blurred image's cells against a frame one to "
        f"one and a half exposures away (chance {100 * res['chance']:.1f} %), {verdict}; down-up sampling "
        f"the reference changes that by {stats.describe(c, unit='pp')}"
    )


def matcher_note(profile: str) -> str:
    """What the trained networks match with at ``profile`` and how often 04.01's study finds that
    descriptor's match true there: the premise of every "does the reference help" result."""
    name = TRAINED[budget(profile)["matcher"]]
    res = results.load(profile, CHAPTER, "matching", required=False)
    if res is None:
        return f'the networks match with "{name}" (04.01\'s study has not been run at `{profile}`)'
    found = stats.estimate(stats.interval(100 * _accuracy(res, name, True, "ref")))
    return (
        f'the networks match with "{name}", which finds the true reference cell for {found} % of the '
        f"blurred image's cells in 04.01's study at `{profile}` (chance {100 * res['chance']:.1f} %); "
        f"a reference the network cannot locate is one it has no reason to use, so a null result below "
        f"says as much about this matcher as about references"
    )


PAPER_NAMES = {
    "stem": "conv",
    "encoder": "RG1-RG3",
    "downs": "Downsize",
    "fusions": "SFFM (Eq. 6)",
    "decoder": "RG4-RG6",
    "ups": "Upsize",
    "reduce": "concatenation (1x1 [R])",
    "out": "output conv",
    "descriptor": "phi (a VGG)",
    "ref_encoder": "reference encoder",
    "blur_branch": "residual blocks for F_blur",
    "reams": "REAM aggregation (Eq. 5)",
}


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
