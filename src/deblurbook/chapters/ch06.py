"""Chapter 6: the multi-scale two-way network (Cheng et al., MTDN).

The paper's quoted numbers (:data:`PAPER`), the budgets per profile, the ablation rows as
experiments (:data:`ROWS`, trained on shake blur and engine scenes in alternate steps), the test
sets (Table 1's and Table 2's analogues, the real samples), and for the notebooks: the layer table
and parameter readings (06.02), what each branch adds per frequency band (06.01), the rows scored
against the blurred input and each other (06.03, 06.04), the classical methods given the true
kernel, size and time at 720x1280, and the claims with paired verdicts (06.05).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch
from torch.utils.data import Dataset

from ..book import pages, stats, viz
from ..book.cost import macs as count_macs
from ..book.tables import markdown_table
from ..book.timing import seconds_per_image
from ..book.viz import Panel, figure, to_hwc
from ..core import profiles, results  # noqa: F401 (unused; in the runs' code digest: dropping it retrains)
from ..core.device import describe, resolve
from ..data.alternating import AlternatingPhases
from ..data.datasets import PairDataset, SyntheticDataset
from ..data.real import gopro_crops, levin_kernels, reds_clips
from ..data.shake import ShakeDataset, ShakeTestSet, shake_kernel
from ..data.testsets import synthetic_test_set
from ..imaging import metrics
from ..imaging.baselines import richardson_lucy, wiener
from ..models.two_way import MTDN, Decoder, Encoder
from ..nn.blocks import parameter_count
from ..nn.scale_losses import ScaleWeightedMSE, resize_bilinear
from ..training.experiments import Experiment, train_experiment
from ..training.trainer import TrainConfig
from . import _runs

CHAPTER = "ch06"

# Numbers quoted from the paper (typed from its text; never ours).
PAPER = {
    "citation": "cheng2021twoway",
    # Table 1: GoPro test set, PSNR / SSIM.
    "table1": {"Nah et al.": (29.08, 0.914), "Tao et al. (SRN)": (30.10, 0.924), "DeblurGAN": (28.70, 0.958),
               "DeblurGAN-v2": (28.17, 0.925), "Ours w/o TWNNet": (30.18, 0.926), "Ours": (30.56, 0.933)},
    # Table 2: Köhler et al.'s benchmark (4 images x 12 recorded shakes), PSNR / SSIM.
    "table2": {"Xu et al.": (29.96, 0.876), "Pan et al.": (30.20, 0.888), "Nah et al.": (26.48, 0.807),
               "Tao et al. (SRN)": (26.75, 0.837), "DeblurGAN": (26.10, 0.816), "DeblurGAN-v2": (26.36, 0.820),
               "Ours": (26.80, 0.840)},
    "training": {"lr": 1e-4, "power": 0.3, "epochs": 4000, "crop": 256, "alphas": (1.0, 1.0, 5.0)},
}
# The spec's readings of the parameter count at width 32 (../shared/specs/ch06-two-way.md, by arithmetic);
# the paper gives none. The first three are models this module builds.
SPEC_READINGS = {"MTDN (the recommended reading)": 3_911_398, "w/o two-way (one decoder)": 2_584_035,
                 "one decoder, 6 ResBlocks per level (capacity control)": 3_746_595,
                 "3x3 transposed convolutions": 3_770_000, "branches split after the 1/4-scale ResBlocks": 3_030_000,
                 "with SRN's ConvLSTM": 5_090_000, "weights not shared across scales": 11_730_000,
                 "SRN's 5x5 kernels": 10_270_000}

# The CPU budgets add a global skip (MTDN's ``residual``): in a trial of 600 steps at width 8 the paper's form
# ended 1-7 dB below the blurred input on every test set, the skip slightly above it on shake blur. They train
# on shake blur and the engine's `global` scenes in alternate steps: trained on shake blur alone, the same trial
# ended 1.3 dB below its input on `global` (26.73 dB mixed, 25.78 shake alone, input 27.09).
_COMMON = {"lr": 1e-4, "power": 0.3, "train_extents": (3.0, 11.0), "alphas": (1.0, 1.0, 5.0), "residual": True,
           "train_data": ("shake", "global")}
BUDGETS = {
    "smoke": {**_COMMON, "width": 4, "crop": 32, "batch": 2, "iterations": 3, "checkpoint_every": 2, "log_every": 1,
              "test_size": 48, "test_images": 2, "levin_images": 1, "real_images": 1, "time_width": 4,
              "time_size": (64, 96)},
    # about 0.14 s per step of width 8 at 64x64, batch 8, on 2 cores: 4 rows x 3 seeds x 1600 steps ~ 45 min
    "small": {**_COMMON, "lr": 5e-4, "width": 8, "crop": 64, "batch": 8, "iterations": 1600, "checkpoint_every": 100,
              "log_every": 10, "test_size": 128, "test_images": 8, "levin_images": 2, "real_images": 8,
              "time_width": 32, "time_size": (720, 1280)},
    # 4000 epochs of 2,103 GoPro pairs at batch 16 (the batch is SRN's default; the paper does not say)
    "paper": {**_COMMON, "residual": False, "width": 32, "crop": 256, "batch": 16, "iterations": 524_000,
              "checkpoint_every": 5000, "log_every": 100, "test_size": 256, "test_images": 50, "levin_images": 4,
              "real_images": 1000, "time_width": 32, "time_size": (720, 1280)},
}

# The budget's settings a training run depends on (its identity); the others only shape the evaluation.
TRAINING_KEYS = ("lr", "power", "train_extents", "alphas", "residual", "train_data", "width", "crop", "batch",
                 "iterations", "checkpoint_every", "log_every")

ROWS = {  # row -> (MTDN keyword arguments, loss weights coarse to fine or None for the budget's)
    "two_way": ({}, None),
    "single": ({"two_way": False}, None),
    "single_matched": ({"two_way": False, "decoder_blocks": 6}, None),
    "alpha_equal": ({}, (1.0, 1.0, 1.0)),
}


def budget(profile: str) -> dict:
    """This chapter's budget at ``profile``."""
    return profiles.budget(profile, BUDGETS, owner=CHAPTER)


def _train_set(cfg: dict, steps: int, seed: int) -> Dataset:
    """Uniform shake blur with kernels ``train_extents`` px wide and, in alternate steps, the engine's
    dynamic scenes (``train_data``; the spec's "some non-uniform blends", GoPro's kind of blur)."""
    length, first = steps * cfg["batch"] * 8, 1_000_003 * (seed + 1)  # enough items for <= 8 DDP ranks
    sources = {"shake": lambda: ShakeDataset(crop=cfg["crop"], length=length, seed=first,
                                             extents=cfg["train_extents"]),
               "global": lambda: SyntheticDataset("global", crop=cfg["crop"], length=length, seed=first + 1)}
    chosen = [sources[name]() for name in cfg["train_data"]]
    return chosen[0] if len(chosen) == 1 else AlternatingPhases(chosen, cfg["batch"], phase_steps=1)


def build(row: str, profile: str, seed: int, device: str, iterations: int | None) -> Experiment:
    """A row of :data:`ROWS` as an experiment: MTDN, Eq. 2, the data of :func:`_train_set`, Adam
    with polynomial decay to 0 (power 0.3), as SRN's code."""
    cfg = budget(profile)
    kwargs, alphas = ROWS[row]
    model = MTDN(width=cfg["width"], residual=cfg["residual"], **kwargs)
    loss = ScaleWeightedMSE(alphas or cfg["alphas"])
    steps = iterations if iterations is not None else cfg["iterations"]
    train_set = _train_set(cfg, steps, seed)
    config = TrainConfig(iterations=steps, batch=cfg["batch"], lr=cfg["lr"], schedule="poly", power=cfg["power"],
                         checkpoint_every=cfg["checkpoint_every"], log_every=cfg["log_every"], seed=seed,
                         device=device)
    settings = {key: cfg[key] for key in TRAINING_KEYS}
    return Experiment(f"{CHAPTER}:{row}", model, loss, train_set, ("blur",), config,
                      {**settings, "row": row, "model": kwargs, "loss_alphas": list(alphas or cfg["alphas"])})


EXPERIMENTS = {f"{CHAPTER}:{row}": partial(build, row) for row in ROWS}


def test_sets(profile: str, extended: bool = False) -> dict:
    """Fixed test sets: the engine's `global` scenes (GoPro's kind of blur, Table 1's analogue),
    shake blur with kernels as wide as the training ones, and shake blur with the bundled Levin
    kernels (13-27 px, wider than any seen in training: Table 2's analogue); ``extended`` adds the
    bundled real samples (GoPro crops, REDS frames; evaluation only)."""
    cfg = budget(profile)
    size, count = cfg["test_size"], cfg["test_images"]
    rng = np.random.default_rng(6)
    seen = [shake_kernel(rng.uniform(*cfg["train_extents"]), rng) for _ in range(4)]
    sets = {"global": synthetic_test_set("global", (size, size), count),
            SEEN_SET: ShakeTestSet(seen, size, max(1, count // len(seen))),
            LEVIN_SET: ShakeTestSet(levin_kernels(), size, cfg["levin_images"])}
    if extended:
        frames = [pair for clip in reds_clips().values() for pair in clip]
        sets |= {"GoPro crops (real)": PairDataset(gopro_crops()[: cfg["real_images"]]),
                 "REDS frames (real)": PairDataset(frames[: cfg["real_images"]])}
    return sets


SEEN_SET, LEVIN_SET = "shake, training widths", "shake, Levin kernels"


def layer_table(model: MTDN) -> list[dict[str, object]]:
    """The network's blocks as rows: part, block, channels out, scale within one pass, parameters."""
    rows = []
    parts = [("encoder", model.encoder)] + [(name, part) for name, part in (("up (image) branch", model.up),
                                                                             ("down (residual) branch", model.down))
                                            if part is not None]
    for name, part in parts:
        if isinstance(part, Encoder):
            blocks = [(f"level {k + 1}", level, 2 ** k) for k, level in enumerate(part.levels)]
        else:
            assert isinstance(part, Decoder)
            blocks = [("bottom ResBlocks", part.bottom, 4), ("up x2 + ResBlocks", [part.ups[0], part.levels[0]], 2),
                      ("up x2 + ResBlocks", [part.ups[1], part.levels[1]], 1), ("output conv", part.out, 1)]
        for block_name, block, scale in blocks:
            modules = block if isinstance(block, list) else [block]
            convs = [m for b in modules for m in b.modules()
                     if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
            rows.append({"part": name, "block": block_name, "out channels": convs[-1].out_channels,
                         "scale": f"1/{scale}", "parameters": sum(parameter_count(b) for b in modules)})
    return rows


def parameter_table(width: int = 32) -> str:
    """The spec's readings beside the counts of the models built here at ``width``."""
    built = {"MTDN (the recommended reading)": MTDN(width), "w/o two-way (one decoder)": MTDN(width, two_way=False),
             "one decoder, 6 ResBlocks per level (capacity control)": MTDN(width, two_way=False, decoder_blocks=6)}
    rows = [[name, f"{parameter_count(built[name]):,}" if name in built else "-", f"{count / 1e6:.2f} M"]
            for name, count in SPEC_READINGS.items()]
    return markdown_table(["reading", f"built here (width {width})", "the spec's arithmetic"], rows)


def macs(width: int = 32, size: tuple[int, int] = (720, 1280), **kwargs) -> float:
    """Multiply-accumulates of one forward pass over all scales (``torch.utils.flop_counter``, meta device)."""
    return count_macs(partial(MTDN, width, **kwargs), (1, 3, *size))


# ---------------------------------------------------------------- rows, scored (06.03, 06.04, 06.05)

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
    """Train a row for each seed (or load it), score it on ``sets`` and each scale on the
    training-width shake set; the parameters trained and at the paper's width."""
    runs, model = _runs.train_and_score(f"{CHAPTER}:{row}", profile, seeds, device, sets,
                                  extra=lambda m, dev: scale_psnr(m, sets[SEEN_SET], dev))
    kwargs = ROWS[row][0]
    return {"runs": runs, "parameters": {"trained": parameter_count(model),
                                         "paper": parameter_count(MTDN(32, **kwargs))}}








ROW_NAMES = {"two_way": "MTDN (two-way)", "single": "w/o two-way (image branch alone)",
             "single_matched": "one decoder, 6 ResBlocks per level (capacity control)",
             "alpha_equal": "MTDN, alpha = (1, 1, 1)"}


# 06.03-06.05: the rows trained per seed and scored; the model against its blurred input
STUDY = _runs.RowStudy(CHAPTER, score_row, test_sets, "two_way", "MTDN", ROW_NAMES)
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
        lines.append([ROW_NAMES[row], f"{data['parameters']['trained']:,}", f"{data['parameters']['paper']:,}",
                      *[f"{values[n].mean():.2f}" for n in names]])
    return markdown_table(["row", "parameters (trained)", "parameters (width 32)", *names], lines)


def scale_table(res: dict) -> str:
    """Each scale's PSNR on the training-width shake set for alpha = (1, 1, 5) and (1, 1, 1),
    paired per scale (the 5 weights the finest scale)."""
    scales = sorted(res["rows"]["two_way"]["runs"][0]["extra"], key=lambda k: -int(k.split("/")[1]))  # coarse first
    lines = []
    for k in scales:
        a, b = (np.asarray([r["extra"][k] for r in res["rows"][row]["runs"]]) for row in ("two_way", "alpha_equal"))
        lines.append([k, f"{a.mean():.2f}", f"{b.mean():.2f}", stats.describe(stats.compare(a, b))])
    return markdown_table(["scale", "alpha = (1, 1, 5)", "alpha = (1, 1, 1)", "(1, 1, 5) against (1, 1, 1)"], lines)


ABLATION_SETS = ("global", SEEN_SET, LEVIN_SET)


def claims(res: dict) -> list[tuple[str, str]]:
    """Table 1's claim and the book's two controls, each on every synthetic test set, paired over
    seeds and images."""
    rows, t1 = res["rows"], PAPER["table1"]
    gain = t1["Ours"][0] - t1["Ours w/o TWNNet"][0]
    found = [(f"Two-way over the image branch alone, {test} (Table 1: {gain:+.2f} dB on GoPro)",
              stats.judge(_runs.versus(rows, "two_way", "single", test))) for test in ABLATION_SETS]
    found += [(f"Two-way over one decoder of about its size, {test} (the design, not the size; not in the paper)",
               stats.judge(_runs.versus(rows, "two_way", "single_matched", test))) for test in ABLATION_SETS]
    found += [(f"alpha = (1, 1, 5) over (1, 1, 1) at full resolution, {test}",
               stats.judge(_runs.versus(rows, "two_way", "alpha_equal", test))) for test in ABLATION_SETS]
    return found


def ablation_summary(res: dict) -> str:
    """06.04's result in words chosen by the verdicts (on the `global` set, Table 1's analogue)."""
    rows = res["rows"]
    return (f"on `global` scenes, two-way against the image branch alone is "
            f"{stats.describe(_runs.versus(rows, 'two_way', 'single', 'global'))}; against one decoder of about its "
            f"size, {stats.describe(_runs.versus(rows, 'two_way', 'single_matched', 'global'))}; alpha = (1, 1, 5) "
            f"against (1, 1, 1), {stats.describe(_runs.versus(rows, 'two_way', 'alpha_equal', 'global'))}")


# ---------------------------------------------------------------- the two branches (06.01)

BANDS = (0.0, 1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 0.75)  # radial frequency, cycles per pixel


def band_energy(image: np.ndarray, edges: tuple[float, ...] = BANDS) -> np.ndarray:
    """Mean squared value of ``image`` (HxW or HxWxC, summed over channels) carried by each radial
    frequency band ``[edges[k], edges[k + 1])`` in cycles per pixel; the bands sum to the mean
    square when they cover [0, 0.71) (Parseval)."""
    x = np.asarray(image, dtype=np.float64)
    x = x[..., None] if x.ndim == 2 else x
    h, w = x.shape[:2]
    power = (np.abs(np.fft.fft2(x, axes=(0, 1))) ** 2).sum(-1) / (h * w) ** 2
    radius = np.hypot(*np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij"))
    return np.asarray([power[(radius >= lo) & (radius < hi)].sum() for lo, hi in zip(edges[:-1], edges[1:])])


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    scale = np.sqrt((a @ a) * (b @ b))
    return float(a @ b / scale) if scale > 0 else 0.0


def branches(model: MTDN, item: dict, device) -> dict[str, np.ndarray]:
    """The finest scale's two branches on one image, as HxWx3 float64: ``image`` (the image
    branch's picture: its output, plus the blurred input in the residual form), ``residual``
    (the residual branch's output), and the blurred and sharp images."""
    with torch.no_grad():
        out = model.eval()(item["blur"][None].to(device))
    hwc = lambda t: t[0].permute(1, 2, 0).double().cpu().numpy()  # noqa: E731 (unclamped: branches are signed)
    blur, sharp = hwc(item["blur"][None]), hwc(item["sharp"][None])
    image = hwc(out["up"][-1]) + (blur if model.residual else 0.0)
    return {"image": image, "residual": hwc(out["down"][-1]), "blur": blur, "sharp": sharp}


def branch_statistics(parts: dict[str, np.ndarray]) -> dict:
    """What each branch adds to the blurred input: band energies (the image branch's change
    ``image - blur``, the residual branch, the true change ``sharp - blur``), the Laplacian
    energy ratio of the residual branch to the image branch's picture, the correlation of each
    change with the true one, and of each change's magnitude with the sharp image's edges."""
    from scipy import ndimage

    blur, sharp = parts["blur"], parts["sharp"]
    changes = {"image branch (image - blur)": parts["image"] - blur, "residual branch": parts["residual"],
               "true change (sharp - blur)": sharp - blur}
    lap = lambda x: np.stack([ndimage.laplace(x[..., c]) for c in range(x.shape[-1])], -1)  # noqa: E731
    edges = np.hypot(*np.gradient(sharp.mean(-1)))
    return {"bands": {k: band_energy(v).tolist() for k, v in changes.items()},
            "laplacian_ratio": float((lap(parts["residual"]) ** 2).mean() / (lap(parts["image"]) ** 2).mean()),
            "corr_true": {k: _corr(v, changes["true change (sharp - blur)"]) for k, v in list(changes.items())[:2]},
            "corr_edges": {k: _corr(np.abs(v).sum(-1), edges) for k, v in list(changes.items())[:2]}}


def branch_result(profile: str, seeds, device: str, test: str = "global") -> dict:
    """06.01's results: :func:`branch_statistics` for every image of ``test`` and MTDN of every seed."""
    data = test_sets(profile)[test]
    per_seed = {}
    for s in seeds:
        _, trainer = train_experiment(f"{CHAPTER}:two_way", profile, seed=s, device=device, progress=False)
        per_seed[str(s)] = [branch_statistics(branches(trainer.model, data[i], trainer.device))
                            for i in range(len(data))]
    return {"test": test, "per_seed": per_seed, "residual": bool(budget(profile)["residual"])}


def _branch_values(res: dict, pick) -> np.ndarray:
    return np.asarray([[pick(stat) for stat in images] for images in res["per_seed"].values()])


def branch_table(res: dict) -> str:
    """The branch statistics as means with 95% intervals over seeds and images."""
    keys = ("image branch (image - blur)", "residual branch")
    rows = [["Laplacian energy, residual branch / image branch's picture",
             stats.estimate(stats.interval(_branch_values(res, lambda s: s["laplacian_ratio"])))]]
    rows += [[f"correlation with sharp - blur: {k}",
              stats.estimate(stats.interval(_branch_values(res, lambda s, k=k: s["corr_true"][k])))] for k in keys]
    rows += [[f"correlation of |change| with the sharp image's edges: {k}",
              stats.estimate(stats.interval(_branch_values(res, lambda s, k=k: s["corr_edges"][k])))] for k in keys]
    images = sum(len(v) for v in res["per_seed"].values())
    return markdown_table(["quantity", f"mean [95% CI] ({len(res['per_seed'])} seeds, {images} image-runs, "
                                       f"`{res['test']}`)"], rows)


def branch_summary(res: dict) -> str:
    """06.01's result in words: the residual branch's share of Laplacian energy and how each
    branch's change correlates with the true change, with intervals over seeds and images."""
    image, residual = "image branch (image - blur)", "residual branch"
    ratio = stats.interval(_branch_values(res, lambda s: s["laplacian_ratio"]))
    corr = {k: stats.interval(_branch_values(res, lambda s, k=k: s["corr_true"][k])) for k in (image, residual)}
    return (f"the residual branch carries {stats.estimate(ratio)} times the Laplacian energy of the image "
            f"branch's picture; the change each branch makes correlates with the true change sharp - blur at "
            f"{stats.estimate(corr[image])} (image branch) and {stats.estimate(corr[residual])} (residual branch)")


def band_figure(res: dict):
    """Energy per radial frequency band of each branch's change and of the true change (means over
    seeds and images; log scale)."""
    import matplotlib.pyplot as plt

    names = list(next(iter(res["per_seed"].values()))[0]["bands"])
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    for name in names:
        values = _branch_values(res, lambda s, n=name: np.asarray(s["bands"][n])).reshape(-1, len(BANDS) - 1)
        ax.plot(range(len(BANDS) - 1), values.mean(0), marker="o", label=name)
    ax.set_xticks(range(len(BANDS) - 1), [f"{lo:.3g}-{hi:.3g}" for lo, hi in zip(BANDS[:-1], BANDS[1:])],
                  fontsize=8)
    ax.set_xlabel("radial frequency band (cycles per pixel)")
    ax.set_ylabel("mean square per band")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def scales_figure(model: MTDN, item: dict, device):
    """Coarse to fine on one image: per scale (rows), the blurred input at that scale, the previous
    estimate it is given (upsampled), the image branch's picture, the residual branch (+0.5) and
    the scale's estimate (the paper's Fig. 3 at every scale)."""
    with torch.no_grad():
        out = model.eval()(item["blur"][None].to(device))
    blur = item["blur"][None].to(device)
    panels = []
    for k, estimate in enumerate(out["scales"]):
        size = tuple(estimate.shape[-2:])
        blurred = resize_bilinear(blur, size)
        previous = blurred if k == 0 else resize_bilinear(out["scales"][k - 1], size)
        picture = out["up"][k] + (blurred if model.residual else 0)
        label = f"1/{2 ** (len(out['scales']) - 1 - k)}"
        panels += [Panel(to_hwc(blurred), f"{label}: blurred"), Panel(to_hwc(previous), "previous estimate"),
                   Panel(to_hwc(picture), "image branch"),
                   Panel(to_hwc(out["down"][k] + 0.5) if out["down"] else np.full((*size, 3), 0.5),
                         "residual branch + 0.5"), Panel(to_hwc(estimate), "estimate (sum)")]
    return figure(panels, columns=5, width=2.4)


# ---------------------------------------------------------------- results (06.05)

RESULT_ROWS = ("two_way", "single")
BASELINES = {"Wiener, true kernel": wiener, "Richardson-Lucy, true kernel (30 iterations)": richardson_lucy}
SHAKE_SETS = (SEEN_SET, LEVIN_SET)


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
    return {"size": [h, w], "width": cfg["time_width"], "seconds": seconds, "parameters": counts, "macs": macs_,
            "device": describe(dev)}


def results_result(profile: str, seeds, device: str) -> dict:
    """06.05's results: :data:`RESULT_ROWS` for each seed on the extended test sets, the classical
    baselines given the true kernel, the blurred input's scores and the time per image."""
    res = STUDY.result(RESULT_ROWS, profile, seeds, device, extended=True)
    return {**res, "baselines": baseline_scores(test_sets(profile)), "timing": time_per_image(profile, device)}


def paper_tables() -> str:
    """Tables 1 and 2 of the paper, quoted (PSNR / SSIM)."""
    t1, t2 = PAPER["table1"], PAPER["table2"]
    names = list(dict.fromkeys([*t1, *t2]))
    cell = lambda t, n: f"{t[n][0]:.2f} / {t[n][1]:.3f}" if n in t else "-"  # noqa: E731
    return markdown_table(["method (the paper's)", "Table 1: GoPro", "Table 2: Köhler"],
                          [[n, cell(t1, n), cell(t2, n)] for n in names])


def results_table(res: dict) -> str:
    """Ours on every test set: the blurred input, the classical methods given the true kernel (shake
    sets only), and the networks (mean PSNR / SSIM over seeds and images)."""
    rows = res["rows"]
    blurred = _runs.blurred_per_set(res["blurred"], rows["two_way"]["runs"])
    names = list(blurred)
    lines = [["blurred input", *[f"{blurred[n][0].mean():.2f} / {blurred[n][1].mean():.3f}" for n in names]]]
    for method, per in res["baselines"].items():
        lines.append([method, *[f"{np.mean(per[n]['psnr']):.2f} / {np.mean(per[n]['ssim']):.3f}" if n in per
                                else "-" for n in names]])
    for row in RESULT_ROWS:
        psnr, ssim = _runs.per_set(rows[row]["runs"]), _runs.per_set(rows[row]["runs"], "ssim")
        lines.append([ROW_NAMES[row], *[f"{psnr[n].mean():.2f} / {ssim[n].mean():.3f}" for n in names]])
    return markdown_table(["method (ours)", *names], lines)


# How a verdict bears on "the classical method beats the network" (the book's question: see below).
CLASSICAL_WINS = {"lower": "supported", "higher": "contradicted",
                  "equivalent": "contradicted (no difference that matters)", "inconclusive": "inconclusive",
                  "no claim": "no claim (fewer than 3 seeds)"}


def results_claims(res: dict) -> list[tuple[str, str]]:
    """The paper's Table 2 finding and the chapter's questions on the real samples, paired."""
    rows, found = res["rows"], []
    two_way = _runs.per_set(rows["two_way"]["runs"])
    for method, per in res["baselines"].items():
        for test in SHAKE_SETS:
            # not like with like: the paper's classical methods on Köhler's set are blind (they estimate the
            # kernel); the book's are given the true kernel, an upper bound on what a blind method can do
            found.append((f"{method}, non-blind (given the true kernel), beats MTDN, {test} (the book's question; "
                          "Table 2's classical methods are blind)",
                          stats.judge(stats.compare(two_way[test], per[test]["psnr"]), CLASSICAL_WINS)))
    blurred = _runs.blurred_per_set(res["blurred"], rows["two_way"]["runs"])
    found += [(f"MTDN improves on its blurred input, {test}", stats.judge(stats.compare(two_way[test],
                                                                                       blurred[test][0])))
              for test in blurred]
    real = [test for test in blurred if test.endswith("(real)")]
    found += [(f"Two-way over the image branch alone, {test}",
               stats.judge(_runs.versus(rows, "two_way", "single", test))) for test in real]
    return found


def results_summary(res: dict) -> str:
    """06.05's result in words chosen by the verdicts: MTDN against its input on the real samples,
    and against Richardson-Lucy given the true kernel on the Levin set."""
    rows = res["rows"]
    two_way = _runs.per_set(rows["two_way"]["runs"])
    blurred = _runs.blurred_per_set(res["blurred"], rows["two_way"]["runs"])
    real = "; ".join(f"{test}, {stats.describe(stats.compare(two_way[test], blurred[test][0]))}"
                     for test in blurred if test.endswith("(real)"))
    rl = next(k for k in res["baselines"] if k.startswith("Richardson"))
    versus = stats.compare(two_way[LEVIN_SET], res["baselines"][rl][LEVIN_SET]["psnr"])
    return (f"MTDN against its blurred input on the real samples: {real}; against Richardson-Lucy given the "
            f"true kernel on the Levin set: {stats.describe(versus)}")


def timing_table(res: dict) -> str:
    """Parameters, multiply-accumulates and seconds per image, with the ratio to the image branch alone."""
    t = res["timing"]
    return _runs.timing_table(t, ("single", "two_way"), ROW_NAMES, "single", f"width {t['width']}",
                              "the image branch")


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


RESULT_FIGURES = {"comparison-levin": "a test image blurred by the widest Levin kernel, networks of seed 0, "
                                      "with zoomed crops",
                  "comparison-reds": "a real REDS frame, networks of seed 0, with zoomed crops"}


def result_figures(profile: str, seed: int, device: str) -> dict:
    """:data:`RESULT_FIGURES` drawn with the networks of ``seed``."""
    short = {"single": "image branch only", "two_way": "MTDN"}
    trainers = {short[row]: train_experiment(f"{CHAPTER}:{row}", profile, seed=seed, device=device,
                                             progress=False)[1] for row in RESULT_ROWS[::-1]}
    models, dev = {label: t.model for label, t in trainers.items()}, next(iter(trainers.values())).device
    sets = test_sets(profile, extended=True)
    levin = sets[LEVIN_SET]
    widest = max(range(len(levin.kernels)), key=lambda k: levin.kernels[k].shape[0])
    return {"comparison-levin": comparison_figure(models, levin[widest], dev, levin.kernel(widest)),
            "comparison-reds": comparison_figure(models, sets["REDS frames (real)"][0], dev)}


def _levin_summary(final: dict) -> str:
    rl = next(k for k in final["baselines"] if k.startswith("Richardson"))
    two_way = _runs.per_set(final["rows"]["two_way"]["runs"])[LEVIN_SET]
    c = stats.compare(two_way, final["baselines"][rl][LEVIN_SET]["psnr"])
    return f"MTDN against Richardson-Lucy given the true kernel: {stats.describe(c)}"


def headline(profile: str = "small") -> list[str]:
    """The chapter's results in a sentence or two, from ``profile``'s committed files."""
    folder = "ch06_two-way-multi-scale"
    return (pages.headline_line(profile, CHAPTER, "ablations", f"{folder}/06.04-ablations", "The two-way decoder",
                                ablation_summary)
            + pages.headline_line(profile, CHAPTER, "results", f"{folder}/06.05-results",
                                  "On Levin kernels wider than any seen in training", _levin_summary))
