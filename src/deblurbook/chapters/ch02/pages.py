"""The other notebooks' tables, sentences and figures (02.01-02.06)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from ...book import stats
from ...book.tables import markdown_table
from ...book.viz import Block, Panel, block_diagram, figure, to_hwc, zoom
from ...data import synth
from ...imaging import baselines, formation, metrics
from ...models.flow_deblur import full_resolution_flow, layer_table
from .experiments import LABELS, PAPER, PER_PIXEL_GAIN_DB, PER_PIXEL_SCENES, PER_PIXEL_STILL_DB
from .tables import _against_full, scores


def flow_to_kernel_table(res: dict) -> str:
    """02.01's checks: Eq. 12 against averaged frames, per-pixel kernels against the engine."""
    return markdown_table(
        ["check", "PSNR (dB)"],
        [
            ["averaged frames vs one Eq. 12 convolution, worst case", f"{res['eq12_psnr_min']:.1f}"],
            *[
                [
                    f"per-pixel Eq. 12 vs the engine's blur, away from occlusion edges ({p}, {len(v['eq12'])} scenes: "
                    "median, worst)",
                    f"{np.nanmedian(v['eq12']):.1f}, {np.nanmin(v['eq12']):.1f}",
                ]
                for p, v in res["per_pixel"].items()
            ],
        ],
    )


def scan_table(res: dict) -> str:
    return markdown_table(
        ["features (C x H x W)", "fast scan (s)", "plain loop (s)", "speed-up"],
        [
            ["x".join(map(str, t["shape"])), f"{t['fast_s']:.3f}", f"{t['loop_s']:.3f}", f"{t['speedup']:.1f}x"]
            for t in res["timing"]
        ],
    )


def scan_summary(res: dict) -> str:
    """Where the fast scan gains most, in words chosen by the numbers."""
    timing = res["timing"]
    best, worst = max(timing, key=lambda t: t["speedup"]), min(timing, key=lambda t: t["speedup"])

    def shape(t):
        return "x".join(map(str, t["shape"]))

    return (
        f"the fast scan is {worst['speedup']:.1f}x to {best['speedup']:.1f}x faster than the loop "
        f"(most on {shape(best)} features, least on {shape(worst)}; device: {res['device']}, "
        f"{res['threads']} threads)"
    )


def epe_table(res: dict) -> str:
    rows = res["flow_epe"]
    return markdown_table(
        ["end-point error (px)", *rows],
        [[m, *(f"{rows[p][m]:.2f}" for p in rows)] for m in ("learned", "TV-L1", "zero flow")],
    )


def no_residual_summary(res: dict) -> str:
    plain = scores(res["no_residual"]["runs"])
    versus = stats.compare(plain, np.asarray(res["blurred_psnr"]), min_seeds=1)
    return (
        f"after {res['no_residual']['runs'][0]['steps']} steps the paper's architecture (no global residual) "
        f"is {stats.describe(versus)} against the blurred input itself (one seed; the interval covers the "
        "test images)"
    )


def resolution_summary(ablations: dict) -> str:
    """How small a difference the run could see, and which of the paper's drops it rules out, in words."""
    comparisons = _against_full(ablations)
    full_psnr = PAPER["table4"]["full"][0]
    paper = {r: psnr - full_psnr for r, (psnr, _) in PAPER["table4"].items() if r != "full" and r in comparisons}
    biggest = max(abs(c.mean) for c in comparisons.values())
    half = float(np.median([(c.high - c.low) / 2 for c in comparisons.values()]))
    outside = [LABELS[r] for r, change in paper.items() if not comparisons[r].low <= change <= comparisons[r].high]
    return (
        f"the rows' mean differences from the full model are at most {biggest:.2f} dB and their 95% intervals "
        f"are ±{half:.2f} dB wide (median half-width), so much smaller differences cannot be told from "
        f"training and image noise at this budget; the paper's change lies outside our interval for "
        f"{len(outside)} of its {len(paper)} rows"
        + (
            f" ({', '.join(outside)}): at this budget those changes do not cost what they cost in the paper"
            if outside
            else ""
        )
    )


def paper_table4_range() -> tuple[float, float]:
    """The smallest and largest drop from the full model among the paper's Table IV rows (dB)."""
    full = PAPER["table4"]["full"][0]
    drops = [full - psnr for name, (psnr, _) in PAPER["table4"].items() if name != "full"]
    return min(drops), max(drops)


def qualitative_figure(model, item: dict, device, box: tuple[int, int, int] | None = None):
    """Blurred input, ours, sharp frame and our error, with zoomed crops (a model of the two-frame kind)."""
    with torch.no_grad():
        out = model(item["blur"][None].to(device), item["blur_next"][None].to(device))
    restored = to_hwc(out["image"])
    blur, sharp = to_hwc(item["blur"]), to_hwc(item["sharp"])
    h, w = sharp.shape[:2]
    box = box or (h // 4, w // 4, min(h, w) // 3)
    error = np.abs(restored - sharp).mean(-1) * 255
    panels = [
        Panel(blur, f"blurred, {metrics.psnr(blur, sharp):.2f} dB"),
        Panel(restored, f"ours, {metrics.psnr(restored, sharp):.2f} dB"),
        Panel(sharp, "sharp"),
        Panel(error, "|ours - sharp| (grey levels)", "map", limit=max(float(error.max()), 1.0), cmap="viridis"),
    ]
    panels += [
        Panel(zoom(image, box), f"zoom: {title}")
        for image, title in ((blur, "blurred"), (restored, "ours"), (sharp, "sharp"))
    ]
    return figure(panels, columns=4, width=2.8)


REFERENCE_FIGURES = {
    "qualitative-synthetic": "one synthetic test scene, full model of seed 0",
    "qualitative-reds": "one real REDS frame, full model of seed 0",
    "estimated-flow": "the flow the full model of seed 0 estimates on that REDS frame",
}


@torch.no_grad()
def flow_figure(model, item: dict, device):
    """A blurred frame and the flow the network estimates from it and the next frame
    (finest scale, resized to full resolution), as the paper's Fig. 4 shows it."""
    out = model(item["blur"][None].to(device), item["blur_next"][None].to(device))
    flow = full_resolution_flow(out["flows"][-1], tuple(item["blur"].shape[-2:]))[0]
    return figure(
        [
            Panel(to_hwc(item["blur"]), "blurred frame"),
            Panel(flow.permute(1, 2, 0).float().cpu().numpy(), "estimated flow", "flow"),
        ],
        columns=2,
        width=3.6,
    )


def architecture_figure(model):
    """The two networks of the paper drawn from the model's own layers (its Table I)."""
    rows = layer_table(model)
    flow = {r["name"]: Block(r["name"], int(r["in/out"].split("/")[1])) for r in rows if r["network"] == "flow"}
    decoder = [name for s in range(6, 1, -1) for name in (f"flow{s}", f"deconv{s}", f"up{s}to{s - 1}") if name in flow]
    order = [n for n in flow if n.startswith("conv")] + decoder + [n for n in flow if n.startswith("rnnw")]
    flow = [flow[n] for n in order]
    deblur = [Block(r["name"], int(r["in/out"].split("/")[1])) for r in rows if r["network"] == "deblur"]
    links = [
        ((0, i), (1, j))
        for i, b in enumerate(flow)
        if b.label.startswith("rnnw")
        for j, d in enumerate(deblur)
        if d.label == f"d_conv{b.label[-1]}"
    ]
    return block_diagram([flow, deblur], ["flow network (FlowNet2-s)", "deblurring U-Net"], links)


def per_pixel_check(preset: str, side: int, seed: int) -> dict:
    """02.01's check 2 on one engine scene: its sharp frame blurred with the Eq. 12 kernel of
    its true flow at every pixel, against its own blur, away from occlusion edges (where
    one layer slides over another and no kernel of the sharp frame can say what appears)."""
    from scipy import ndimage

    s = synth.make_sample(preset, (side, side), seed=seed)
    per_pixel = formation.blur_with_kernels(s["sharp"], formation.flow_to_kernel(s["flow"], float(s["duty"])))
    edges = np.linalg.norm(np.stack(np.gradient(s["flow"], axis=(0, 1))), axis=(0, -1)) > 0.25
    away = ~ndimage.binary_dilation(edges, iterations=int(np.abs(s["flow"]).max()) + 2)
    nan = float("nan")
    return {
        "sample": s,
        "per_pixel": per_pixel,
        "away": away,
        "away_psnr": metrics.masked_psnr(per_pixel, s["blur"], away) if away.any() else nan,
        "away_sharp_psnr": metrics.masked_psnr(s["sharp"], s["blur"], away) if away.any() else nan,
        "whole_psnr": metrics.psnr(per_pixel, s["blur"]),
        "blur_psnr": metrics.psnr(s["sharp"], s["blur"]),
    }


def per_pixel_checks(side: int, seed: int, count: int = PER_PIXEL_SCENES) -> dict[str, list[dict]]:
    """:func:`per_pixel_check` on ``count`` scenes of each preset (seeds from ``seed + 40``)."""
    return {
        preset: [per_pixel_check(preset, side, seed + 40 + 100 * k + i) for i in range(count)]
        for k, preset in enumerate(("global", "mixed"))
    }


def per_pixel_record(checks: dict[str, list[dict]]) -> dict[str, dict[str, list[float]]]:
    """What 02.01 keeps of the checks: per preset, each scene's PSNR of the per-pixel Eq. 12 blur
    and of the sharp frame against the engine's blur, away from occlusion edges (NaN: no such pixel)."""
    return {
        preset: {"eq12": [c["away_psnr"] for c in found], "sharp": [c["away_sharp_psnr"] for c in found]}
        for preset, found in checks.items()
    }


def per_pixel_gains(record: dict, visible: bool = True) -> list[float]:
    """The PSNR gain of the per-pixel Eq. 12 blur over the sharp frame on every scene whose blur is
    visible away from occlusion edges (the sharp frame under ``PER_PIXEL_STILL_DB``; NaN counts as
    visible, so that it fails), or with ``visible=False`` on the others."""
    pairs = [(e, s) for v in record.values() for e, s in zip(v["eq12"], v["sharp"])]
    return [e - s for e, s in pairs if (not s >= PER_PIXEL_STILL_DB) == visible]


def per_pixel_failures(record: dict) -> list[float]:
    """The gains that fail 02.01's check: under ``PER_PIXEL_GAIN_DB`` where the blur is visible,
    below zero (Eq. 12 farther than the sharp frame) where it is not; NaN fails."""
    return [g for g in per_pixel_gains(record) if not g >= PER_PIXEL_GAIN_DB] + [
        g for g in per_pixel_gains(record, visible=False) if not g >= 0
    ]


def per_pixel_summary(res: dict) -> str:
    record = res["per_pixel"]
    said = [f"{np.nanmin(v['eq12']):.1f}-{np.nanmax(v['eq12']):.1f} dB on `{p}` scenes" for p, v in record.items()]
    visible, still = per_pixel_gains(record), per_pixel_gains(record, visible=False)
    words = (
        f"the per-pixel Eq. 12 blur reproduces the engine's to {' and '.join(said)} away from occlusion edges, "
        f"at least {min(visible):.1f} dB closer than the sharp frame on each of the {len(visible)} scenes whose "
        "blur is visible there"
    )
    if still:
        words += (
            f" ({len(still)} more, whose sharp frame is already within {PER_PIXEL_STILL_DB:g} dB of the blur, "
            f"at least {min(still):+.1f} dB)"
        )
    return words + ": the straight segments hold where the paths are straight and the streak stays inside the crop"


@torch.no_grad()
def flow_errors(model, sets: dict, device) -> dict:
    """End-point error of the network's finest flow (resized to full resolution), of TV-L1
    between the same blurred frames, and of zero flow, against the engine's true flow."""
    found, example = {}, None
    for preset, test in sets.items():
        errors = {"learned": [], "TV-L1": [], "zero flow": []}
        for i in range(len(test)):
            item = test[i]
            out = model(item["blur"][None].to(device), item["blur_next"][None].to(device))
            size = tuple(item["blur"].shape[-2:])
            learned = full_resolution_flow(out["flows"][-1], size)[0].permute(1, 2, 0).float().cpu().numpy()
            truth = item["flow"].permute(1, 2, 0).numpy()
            blur, following = (to_hwc(item[k]) for k in ("blur", "blur_next"))
            tvl1 = baselines.tvl1_flow(blur, following)
            for name, flow in (("learned", learned), ("TV-L1", tvl1), ("zero flow", np.zeros_like(truth))):
                errors[name].append(metrics.epe(flow, truth))
            example = example or (blur, truth, learned, tvl1)
        found[preset] = {k: float(np.mean(v)) for k, v in errors.items()}
    return {"flow_epe": found, "example": example}


CURVES_CAPTION = (
    "training of the full model: the image term and the pixel-weighted flow term of Eq. 14 (left), "
    "each flow scale's warping error (right)"
)


def loss_curves(log: list[dict], title: str):
    """The image term, the weighted flow term and each scale's warping error over training."""
    steps = [entry["step"] for entry in log]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    axes[0].plot(steps, [e["mse_image"] for e in log], label="image MSE")
    axes[0].plot(steps, [e.get("flow_term", np.nan) for e in log], label="flow term (5 scales, pixel-weighted)")
    for s in range(5):
        axes[1].plot(steps, [e.get(f"warp_s{s}", np.nan) for e in log], label=f"warp MSE at 1/{2 ** (6 - s)}")
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xlabel("step", fontsize=11)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
