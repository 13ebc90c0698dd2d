"""Fig. 3 (how much of an image moves) and LBS step by step (03.01)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...book import stats, viz
from ...book.tables import markdown_table
from ...book.viz import Panel, figure
from ...data import synth
from ...data.lbs import StepMotion
from ...data.real import reds_clips
from ...imaging.baselines import tvl1_flow
from ...imaging.images import read_image
from ...imaging.metrics import blurred_area_ratio
from .experiments import LBS_PRESET, PAPER_THRESHOLDS, RATIO_PRESETS, budget


def engine_flows(preset: str, size: int, scenes: int) -> dict[str, list[np.ndarray]]:
    """Per scene of a test-content engine preset: the ground-truth flow between consecutive
    sharp frames and TV-L1's estimate of it (HxWx2 px each)."""
    out = {"truth": [], "tvl1": []}
    for seed in range(scenes):
        s = synth.make_sample(
            preset, (size, size), seed, signals=("sharp", "flow", "sharp_next"), content=synth.test_pool()
        )
        out["truth"].append(s["flow"])
        out["tvl1"].append(tvl1_flow(s["sharp"], s["sharp_next"]))
    return out


def reds_flows(pairs: int) -> list[np.ndarray]:
    """TV-L1 flow between consecutive sharp frames of the bundled REDS clips (at most ``pairs`` per clip)."""
    flows = []
    for frames in reds_clips().values():
        for first, second in list(zip(frames, frames[1:]))[:pairs]:
            flows.append(tvl1_flow(read_image(first.sharp), read_image(second.sharp)))
    return flows


def ratio_curves(profile: str) -> dict:
    """Fig. 3's curves at ``profile``: per source, every image's blurred-area ratio at each threshold."""
    cfg = budget(profile)
    curves = {}
    for preset in RATIO_PRESETS:
        flows = engine_flows(preset, cfg["ratio_size"], cfg["ratio_scenes"])
        for kind, name in (("tvl1", "TV-L1"), ("truth", "true flow")):
            curves[f"engine {preset} ({name})"] = [
                blurred_area_ratio(f, PAPER_THRESHOLDS).tolist() for f in flows[kind]
            ]
    curves["REDS clips (TV-L1)"] = [
        blurred_area_ratio(f, PAPER_THRESHOLDS).tolist() for f in reds_flows(cfg["reds_pairs"])
    ]
    return {"thresholds": list(PAPER_THRESHOLDS), "curves": curves, "size": cfg["ratio_size"]}


def ratio_figure(res: dict):
    """The blurred-area ratio against the flow threshold, mean over images per source."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    t = np.asarray(res["thresholds"])
    colours = {}
    for name, rows in res["curves"].items():
        source = name.split(" (")[0]
        colours.setdefault(source, f"C{len(colours)}")
        style = "--" if "true flow" in name else "-"
        ax.plot(t, np.mean(rows, 0), style, color=colours[source], label=f"{name}, {len(rows)} images")
    return viz.finish_axes(
        fig,
        ax,
        "flow threshold τ (px between consecutive sharp frames)",
        "blurred-area ratio",
        ylim=(0, 1),
        legend_size=8,
    )


def ratio_table(res: dict, at: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0)) -> str:
    """The ratio at a few thresholds, mean [95% CI over images] per source."""
    t = np.asarray(res["thresholds"])
    columns = [int(np.argmin(np.abs(t - a))) for a in at]
    rows = []
    for name, curves in res["curves"].items():
        values = np.asarray(curves)
        rows.append([name, len(values)] + [_mean_ci(values[:, c]) for c in columns])
    return markdown_table(["source", "images", *[f"ratio at τ = {a:g} px" for a in at]], rows)


def _mean_ci(values: np.ndarray) -> str:
    if len(values) < 2:
        return f"{values.mean():.2f}"
    iv = stats.interval(values[None, :])
    return f"{iv.mean:.2f} [{max(iv.low, 0):.2f}, {min(iv.high, 1):.2f}]"


def local_vs_global(res: dict, threshold: float = 1.0) -> stats.Comparison:
    """The local preset's ratio minus the global preset's at ``threshold`` (true flow), scene by
    scene (independent scenes, so pairing by index is arbitrary but harmless). A statistic of the
    data, not of a training run: no seeds are needed; equivalence margin 0.02 (2% of the image)."""
    c = int(np.argmin(np.abs(np.asarray(res["thresholds"]) - threshold)))
    local = np.asarray(res["curves"]["engine local (true flow)"])[:, c]
    glob = np.asarray(res["curves"]["engine global (true flow)"])[:, c]
    return stats.compare(local, glob, margin=0.02, min_seeds=1)


# ---------------------------------------------------------------- LBS, step by step


def lbs_sample(size: tuple[int, int], seed: int, preset: str | synth.Preset = LBS_PRESET) -> dict:
    """One LBS pair of the engine (test content): blur, ground truth, mask and motion."""
    return synth.make_sample(preset, size, seed, signals=("blur", "sharp", "mask", "motion"), content=synth.test_pool())


def lbs_panels(size: int = 96, seed: int = 0, preset: str | synth.Preset = LBS_PRESET) -> list[Panel]:
    """Blurred image, ground truth, mask and |blur - ground truth| of one LBS pair."""
    s = lbs_sample((size, size), seed, preset)
    diff = np.abs(s["blur"] - s["sharp"]).max(-1)
    return [
        Panel(s["blur"], f"blurred ({int(s['frames'])} frames)"),
        Panel(s["sharp"], "ground truth (middle)"),
        Panel(s["mask"], "mask M (trajectory union)", kind="mask"),
        Panel(diff, "|blur - ground truth|", kind="map"),
    ]


def lbs_figure(size: int = 96, seed: int = 0, preset: str | synth.Preset = LBS_PRESET):
    return figure(lbs_panels(size, seed, preset), columns=4)


def lbs_invariants(size: int, examples: int) -> dict:
    """The three LBS invariants over ``examples`` pairs at an odd size: the largest
    |blur - ground truth| outside the mask (must be below half a grey level), the
    smallest inside (the movers blur), and the mask of pairs with static objects only."""
    shape = (size, size + 7)
    outside, inside = [], []
    for seed in range(examples):
        s = lbs_sample(shape, seed)
        d = np.abs(s["blur"] - s["sharp"])
        outside.append(float(d[~s["mask"]].max()) if (~s["mask"]).any() else 0.0)
        inside.append(float(d[s["mask"]].max()) if s["mask"].any() else 0.0)
    still = replace(synth.get_preset(LBS_PRESET), objects=(0, 0))
    static_only = [lbs_sample(shape, seed, still) for seed in range(min(examples, 4))]
    return {
        "examples": examples,
        "size": list(shape),
        "outside_max": max(outside),
        "inside_max_min": min(inside),
        "static_only_mask_pixels": int(sum(s["mask"].sum() for s in static_only)),
    }


def rotation_paths(frames: int = 13) -> dict[str, list[float]]:
    """The angle (degrees) of one object that scales and rotates, per frame, with the
    paper's random order, the code's fixed order, and the code's bug."""
    seed = next(s for s in range(100) if all(np.random.default_rng(s).integers(-1, 2, size=2)))  # z, r != 0
    out = {}
    for name, law in (
        ("paper (random order)", StepMotion()),
        ("code order", StepMotion(random_order=False)),
        ("code order with its bug", StepMotion(random_order=False, scale_drops_rotation=True)),
    ):
        maps = law.matrices(np.arange(frames), np.array([50.0, 50.0]), np.random.default_rng(seed))
        out[name] = np.degrees(np.arctan2(maps[:, 1, 0], maps[:, 0, 0])).tolist()
    return out


def lbs_strip(size: int = 96, seed: int = 0, preset: str | synth.Preset = LBS_PRESET) -> np.ndarray:
    """Blurred image, ground truth and mask of one LBS pair side by side (for the widget)."""
    s = lbs_sample((size, size), seed, preset)
    gap = np.ones((size, 4, 3), np.float32)
    mask = np.repeat(s["mask"][..., None].astype(np.float32), 3, -1)
    return np.concatenate([s["blur"], gap, s["sharp"], gap, mask], 1)


def ratio_summary(res: dict, threshold: float = 1.0) -> str:
    """Fig. 3's point in words chosen by the numbers: how the local preset's blurred
    area compares with the global preset's at ``threshold`` px."""
    c = local_vs_global(res, threshold)
    column = int(np.argmin(np.abs(np.asarray(res["thresholds"]) - threshold)))
    mean = {name: float(np.mean(np.asarray(rows)[:, column])) for name, rows in res["curves"].items()}
    words = {
        "lower": "smaller than",
        "higher": "larger than",
        "equivalent": "the same as (within 2% of the image)",
        "inconclusive": "not distinguishable from (inconclusive)",
        "no claim": "not compared with",
    }
    return (
        f"at a threshold of {threshold:g} px, {mean['engine local (true flow)']:.0%} of a `local` scene moves "
        f"against {mean['engine global (true flow)']:.0%} of a `global` one: {words[c.verdict]} it "
        f"(difference {c.mean:+.2f} [{c.low:+.2f}, {c.high:+.2f}] of the image, {c.images} scenes); "
        f"TV-L1 on the bundled REDS clips puts {mean['REDS clips (TV-L1)']:.0%} above it"
    )
