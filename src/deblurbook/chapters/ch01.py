"""Chapter 1: foundations (blur formation, the scene engine, metrics, classical
baselines): its budgets per profile, the classical-baseline experiments, and
the tables and sentences built from ``results/<profile>/ch01/``.

The classical methods are deterministic, so their comparisons have no seeds:
each is paired image by image (or kernel by kernel) and its 95% interval
covers the test images only (``min_seeds=1``).
"""

from __future__ import annotations

import numpy as np

from ..book import stats
from ..book.tables import markdown_table
from ..core import profiles
from ..data.datasets import PairDataset
from ..imaging import baselines, formation, metrics
from ..imaging.warping import warp_numpy

CHAPTER = "ch01"

BUDGETS = {
    "smoke": {
        "test_size": 64,
        "test_images": 2,
        "area_samples": 3,
        "rl_iterations": 10,
        "blur_scenes": 2,
        "blur_crop": 48,
        "reds_pairs": 1,
        "gopro_crops": 1,
        "fit_lengths": (0, 12, 24),
        "fit_angles": 4,
    },
    "small": {
        "test_size": 128,
        "test_images": 16,
        "area_samples": 32,
        "rl_iterations": 30,
        "blur_scenes": 48,
        "blur_crop": 96,
        "reds_pairs": 9,
        "gopro_crops": 30,
        "fit_lengths": tuple(range(0, 61, 2)),
        "fit_angles": 12,
    },
    "paper": {
        "test_size": 256,
        "test_images": 100,
        "area_samples": 200,
        "rl_iterations": 30,
        "blur_scenes": 200,
        "blur_crop": 256,
        "reds_pairs": 9,
        "gopro_crops": 30,
        "fit_lengths": tuple(range(0, 61, 1)),
        "fit_angles": 24,
    },
}


def budget(profile: str) -> dict:
    """This chapter's budget at ``profile``."""
    return profiles.budget(profile, BUDGETS, owner=CHAPTER)


NOISE_SIGMA = 0.005  # sensor noise added to the Levin-blurred images
METHODS = ("blurred", "uniform", "oracle per-pixel", "TV-L1 per-pixel")


def levin_experiment(sharp: np.ndarray, kernels: dict, iterations: int, rng: np.random.Generator) -> dict:
    """Each real camera-shake kernel blurs ``sharp`` (linear light, a little noise); Wiener and
    Richardson-Lucy deconvolve it with the true kernel. PSNR per kernel, and the k4 example."""
    scores, example = {}, None
    for name, kernel in kernels.items():
        blurred = np.clip(formation.blur_with_kernel(sharp, kernel) + rng.normal(0, NOISE_SIGMA, sharp.shape), 0, 1)
        restored = baselines.richardson_lucy(blurred, kernel, iterations)
        scores[name] = {
            "blurred": metrics.psnr(blurred, sharp),
            "wiener": metrics.psnr(baselines.wiener(blurred, kernel), sharp),
            "richardson_lucy": metrics.psnr(restored, sharp),
        }
        if name == "k4":
            example = (blurred, restored)
    return {"levin": scores, "example": example}


def dynamic_experiment(sets: dict, iterations: int) -> dict:
    """On each test set: one uniform kernel (median true flow), patch-wise RL with the true
    flow's kernels (an oracle) and with TV-L1 flow's; per-image PSNR and flow end-point errors."""
    psnr, epe = {}, {}
    for preset, test in sets.items():
        psnr[preset] = {m: [] for m in METHODS}
        epe[preset] = {"tvl1": [], "zero flow": []}
        for i in range(len(test)):
            s, duty = test.load(i), test.samples[i]["duty"]
            uniform = formation.flow_to_kernel(np.median(s["flow"].reshape(-1, 2), axis=0), duty)
            tvl1 = baselines.tvl1_flow(s["blur"], s["blur_next"])
            per_pixel = {"oracle per-pixel": s["flow"], "TV-L1 per-pixel": tvl1}
            restored = {
                "blurred": s["blur"],
                "uniform": baselines.richardson_lucy(s["blur"], uniform, iterations),
                **{
                    m: baselines.patchwise_richardson_lucy(s["blur"], f, duty, 32, iterations)
                    for m, f in per_pixel.items()
                },
            }
            for method, image in restored.items():
                psnr[preset][method].append(metrics.psnr(image, s["sharp"]))
            epe[preset]["tvl1"].append(metrics.epe(tvl1, s["flow"]))
            epe[preset]["zero flow"].append(metrics.epe(np.zeros_like(tvl1), s["flow"]))
    return {"dynamic_psnr": psnr, "dynamic_epe": epe}


def reds_warp_experiment(clips: dict, pairs_per_clip: int) -> dict:
    """Consecutive real blurred frames: the next one as it is, and warped onto the current one
    by TV-L1 flow; PSNR against the current frame, per pair. Also the first pair's frames and flow."""
    rows, shown = {"no warp": [], "tvl1": []}, None
    for pairs in clips.values():
        frames = PairDataset(pairs)
        for t in range(pairs_per_clip):
            current, following = frames.load(t)["blur"], frames.load(t + 1)["blur"]
            flow = baselines.tvl1_flow(current, following)
            rows["no warp"].append(metrics.psnr(following, current))
            rows["tvl1"].append(metrics.psnr(warp_numpy(following, flow), current))
            shown = shown or (current, following, flow)
    return {"reds_warp_psnr": rows, "example": shown}


def _mean(values) -> str:
    return f"{np.mean(values):.2f}"


def levin_table(res: dict) -> str:
    levin = res["levin"]
    columns = ("blurred", "wiener", "richardson_lucy")
    rows = [[k, *(f"{v[c]:.2f}" for c in columns)] for k, v in levin.items()]
    rows.append(["**mean**", *(f"**{_mean([v[c] for v in levin.values()])}**" for c in columns)])
    return markdown_table(["kernel", "blurred", "Wiener", "Richardson-Lucy"], rows)


def dynamic_table(res: dict) -> str:
    psnr, epe = res["dynamic_psnr"], res["dynamic_epe"]
    presets = list(psnr)
    rows = [[f"{m} (PSNR, dB)", *(_mean(psnr[p][m]) for p in presets)] for m in METHODS]
    rows += [[f"flow EPE, {m} (px)", *(_mean(epe[p][m]) for p in presets)] for m in ("tvl1", "zero flow")]
    return markdown_table(["method", *presets], rows)


def reds_table(res: dict) -> str:
    r = res["reds_warp_psnr"]
    return markdown_table(
        ["REDS pairs", "next frame as is (dB)", "warped by TV-L1 (dB)", "warping changes PSNR by"],
        [
            [
                len(r["tvl1"]),
                _mean(r["no warp"]),
                _mean(r["tvl1"]),
                stats.describe(stats.compare(r["tvl1"], r["no warp"], min_seeds=1)),
            ]
        ],
    )


def _change(row, reference) -> stats.Comparison:
    return stats.compare(np.asarray(row), np.asarray(reference), min_seeds=1)


def _say(comparison: stats.Comparison, higher: str, lower: str, equivalent: str, inconclusive: str) -> str:
    """The words for ``comparison``'s verdict."""
    return {"higher": higher, "lower": lower, "equivalent": equivalent, "inconclusive": inconclusive}[
        comparison.verdict
    ]


def levin_summary(res: dict) -> str:
    """The Levin experiment in words chosen by the numbers."""
    levin = res["levin"]
    column = {m: [v[m] for v in levin.values()] for m in ("blurred", "wiener", "richardson_lucy")}
    rl, wiener = _change(column["richardson_lucy"], column["blurred"]), _change(column["wiener"], column["blurred"])
    versus = _change(column["richardson_lucy"], column["wiener"])
    order = _say(versus, "above", "below", "level with", "not distinguishable from") + " Wiener's"
    return (
        f"with the true kernel, Richardson-Lucy ({res['rl_iterations']} iterations) changes the mean PSNR "
        f"over the {len(levin)} kernels by {stats.difference(rl)} against the blurred images, and Wiener by "
        f"{stats.difference(wiener)}; Richardson-Lucy ends {order} ({stats.difference(versus)})"
    )


def dynamic_summary(res: dict, preset: str) -> str:
    """How each classical attempt changes PSNR on one test set, against the blurred input."""
    psnr = res["dynamic_psnr"][preset]
    parts = [f"{m} {stats.describe(_change(psnr[m], psnr['blurred']))}" for m in METHODS[1:]]
    return f"on `{preset}` scenes: " + "; ".join(parts)


def reds_summary(res: dict) -> str:
    r = res["reds_warp_psnr"]
    change = _change(r["tvl1"], r["no warp"])
    word = _say(
        change,
        "brings it closer to",
        "moves it further from",
        "leaves it as close to",
        "has no clear effect on its distance to",
    )
    return (
        f"over {len(r['tvl1'])} consecutive pairs, warping the next blurred frame by its TV-L1 flow {word} the current frame "
        f"({stats.difference(change)} in PSNR)"
    )


AREA_THRESHOLDS_SHOWN = (1, 3, 5, 10)  # px, the columns of the blurred-area table


def area_table(res: dict) -> str:
    """The blurred-area ratio (share of pixels moving more than a threshold) per preset."""
    thresholds, curves = res["thresholds"], res["curves"]
    shown = [t for t in AREA_THRESHOLDS_SHOWN if t in thresholds]
    return markdown_table(
        ["preset", *(f"> {t} px" for t in shown)],
        [[name, *(f"{curve[thresholds.index(t)]:.0%}" for t in shown)] for name, curve in curves.items()],
    )


def area_summary(res: dict, threshold: int = 3) -> str:
    """The presets ordered by how much of the image moves more than ``threshold`` px."""
    at = res["thresholds"].index(threshold)
    ranked = sorted(res["curves"].items(), key=lambda kv: -kv[1][at])
    listed = ", ".join(f"{kv[1][at]:.0%} in `{kv[0]}`" for kv in ranked)
    return (
        f"at a threshold of {threshold} px the share of moving pixels is {listed} "
        f"(means over {res['samples']} scenes each)"
    )


# ---------------------------------------------------------------- blur at the benchmarks' scale (01.02)

BLUR_BINS = np.geomspace(0.25, 128, 37)  # px, the histogram's edges (log-spaced)
ENGINE_PRESETS = ("global", "mixed")
OLD_LAW = "the engine before: speeds per image side, 72-px renders (`mixed`)"


def blur_sources(crop: int) -> tuple[str, ...]:
    """The blur-length study's sources, in the order it measures and shows them."""
    return (
        f"engine training crops ({', '.join(ENGINE_PRESETS)}), {crop} px",
        OLD_LAW,
        "REDS 320x180 (bundled; TV-L1 bound)",
        "REDS 1280x720 (the same x4)",
        "GoPro 1280x720 crops (best straight-line fit)",
    )


def _lengths_summary(values: np.ndarray) -> dict:
    values = np.asarray(values, float).ravel()
    counts, _ = np.histogram(np.clip(values, BLUR_BINS[0], BLUR_BINS[-1]), BLUR_BINS)
    return {
        "count": int(values.size),
        **{f"p{q}": float(np.percentile(values, q)) for q in (10, 50, 90, 99)},
        "histogram": counts.tolist(),
    }


def engine_lengths(preset, crop: int, scenes: int, seed: int = 7) -> np.ndarray:
    """Per-pixel blur lengths (px) of ``scenes`` training crops of ``preset`` (train content)."""
    from ..data.blur_scale import blur_lengths
    from ..data.datasets import SyntheticDataset

    data = SyntheticDataset(preset, crop=crop, length=scenes, seed=seed, signals=("flow",), augmentation=False)
    return np.concatenate(
        [blur_lengths({**data[i], "flow": data[i]["flow"].permute(1, 2, 0).numpy()}).ravel() for i in range(scenes)]
    )


def reds_lengths(pairs: int) -> np.ndarray:
    """Per-pixel upper bounds of the bundled REDS frames' blur (px at 320x180): the TV-L1 flow
    between consecutive sharp frames, ``|flow|``, which is the blur length when the exposure spans
    the whole frame interval (duty 1) and longer than it otherwise."""
    from ..data.real import reds_clips
    from ..imaging.images import read_image

    flows = [
        baselines.tvl1_flow(read_image(a.sharp), read_image(b.sharp))
        for frames in reds_clips().values()
        for a, b in list(zip(frames, frames[1:]))[:pairs]
    ]
    return np.concatenate([np.linalg.norm(f, axis=-1).ravel() for f in flows])


def gopro_lengths(crops: int, lengths, angles: int) -> list[dict]:
    """Per bundled GoPro crop, the straight-line blur that best maps its sharp frame onto its
    blurred one (:func:`~deblurbook.imaging.formation.fit_line_blur`)."""
    from ..data.real import gopro_crops
    from ..imaging.images import read_image

    return [
        formation.fit_line_blur(
            read_image(pair.blur), read_image(pair.sharp), lengths, np.arange(angles) * np.pi / angles
        )
        for pair in gopro_crops()[:crops]
    ]


def blur_scale_result(profile: str) -> dict:
    """01.02's blur-length study: the engine's training crops against the real samples' blur."""
    from dataclasses import replace

    from ..data import synth

    cfg = budget(profile)
    engine = np.concatenate([engine_lengths(p, cfg["blur_crop"], cfg["blur_scenes"]) for p in ENGINE_PRESETS])
    names = blur_sources(cfg["blur_crop"])
    old = engine_lengths(replace(synth.PRESETS["mixed"], scene_side=None), 64, cfg["blur_scenes"])
    reds = reds_lengths(cfg["reds_pairs"])
    fits = gopro_lengths(cfg["gopro_crops"], cfg["fit_lengths"], cfg["fit_angles"])
    return {
        "bins": BLUR_BINS.tolist(),
        "crop": cfg["blur_crop"],
        "scenes": cfg["blur_scenes"],
        "order": list(names),
        "sources": dict(zip(names, map(_lengths_summary, (engine, old, reds, 4 * reds, [f["length"] for f in fits])))),
        "gopro_fits": fits,
    }


def _sources(res: dict) -> list[tuple[str, dict]]:
    """The sources in the order they were measured (a loaded results file's mappings are key-sorted)."""
    return [(name, res["sources"][name]) for name in res.get("order", res["sources"])]


def blur_scale_table(res: dict) -> str:
    """Blur lengths (px) per source: percentiles over pixels (over crops for GoPro's fits)."""
    return markdown_table(
        ["source", "values", "10th pct.", "median", "90th pct.", "99th pct."],
        [
            [name, f"{v['count']:,}", *(f"{v[q]:.1f}" for q in ("p10", "p50", "p90", "p99"))]
            for name, v in _sources(res)
        ],
    )


def blur_scale_figure(res: dict):
    """Histograms of the blur lengths per source, on a log axis (each normalised to its count)."""
    import matplotlib.pyplot as plt

    bins = np.asarray(res["bins"])
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    for name, v in _sources(res):
        share = np.asarray(v["histogram"]) / max(1, v["count"])
        ax.stairs(share, bins, label=name, lw=1.6 if name.startswith("engine training") else 1.0)
    ax.set_xscale("log")
    ax.set_xlabel("blur length (px)")
    ax.set_ylabel("share of values per bin")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def blur_scale_summary(res: dict) -> str:
    """The engine's median blur beside the real samples', in words."""
    src = res["sources"]
    engine = next(v for k, v in src.items() if k.startswith("engine training"))
    gopro = next(v for k, v in src.items() if k.startswith("GoPro"))
    reds = next(v for k, v in src.items() if k.startswith("REDS 320"))
    return (
        f"the engine's training crops blur by {engine['p50']:.1f} px at the median ({engine['p90']:.1f} at the "
        f"90th percentile), against {src[OLD_LAW]['p50']:.1f} px before the frame-scale law; the bundled GoPro "
        f"crops' best straight-line fits are {gopro['p10']:.0f}-{gopro['p90']:.0f} px (10th-90th percentile), "
        f"and the REDS frames' TV-L1 bound is {reds['p50']:.1f} px at the median at 320x180, "
        f"{4 * reds['p50']:.1f} px at 1280x720"
    )


def metrics_summary(res: dict) -> str:
    return (
        f"the book's PSNR and SSIM agree with scikit-image's to {res['max_abs_difference_vs_skimage']:.1e}, "
        f"and keeping an output in floating point instead of saving it as 8-bit moves its PSNR by "
        f"{abs(res['quantisation_gap_db']):.2f} dB"
    )


def headline(profile: str = "small") -> list[str]:
    """The chapter's results in a sentence or two, from ``profile``'s committed files."""
    from ..core.results import load

    baselines_ = load(profile, CHAPTER, "baselines", required=False)
    if baselines_ is None:
        return []
    return [
        f"Classical deconvolution ({{doc}}`01.04 <../notebooks/ch01_foundations/01.04-classical-baselines>`): "
        f"{levin_summary(baselines_)}; {dynamic_summary(baselines_, 'local')}."
    ]
