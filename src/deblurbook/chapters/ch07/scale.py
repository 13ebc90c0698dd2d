"""Chapter 7's blur-scale study: the training blur beside the real sets', gain as blur grows (07.03)."""

from __future__ import annotations

import numpy as np
from torch import nn

from ...book import pages, stats, viz
from ...book.tables import markdown_table
from ...data.blur_scale import Downscaled, RenderedSet, blur_lengths, scaled_motion
from ...data.datasets import SyntheticDataset
from ...imaging import metrics
from ...training.archive import train_archived
from ...training.deblur import restore
from .comparison import GOPRO_SET, REDS_SET, SYMBOLS, readable, test_sets
from .experiments import CHAPTER, NETWORKS, budget, row_name

# ---------------------------------------------------------------- blur scale (07.03)


def training_blur(profile: str, count: int | None = None) -> dict[str, float]:
    """The blur lengths (px) of the training stream: percentiles over the pixels of ``count``
    training crops (no augmentation, which does not change lengths)."""
    cfg = budget(profile)
    data = SyntheticDataset(
        cfg["stream"],
        crop=cfg["crop"],
        length=count or cfg["blur_stats_images"],
        seed=7,
        signals=("flow",),
        augmentation=False,
    )
    return _percentiles(
        [blur_lengths({**data[i], "flow": data[i]["flow"].permute(1, 2, 0).numpy()}) for i in range(len(data))]
    )


def _percentiles(lengths: list[np.ndarray]) -> dict[str, float]:
    values = np.concatenate([v.ravel() for v in lengths])
    return {f"p{q}": float(np.percentile(values, q)) for q in (50, 90, 99)}


def scale_sets(profile: str) -> dict[str, dict]:
    """The sets of the blur-scale study: ``synthetic`` (the `mixed` test scenes with the motion
    scaled by each factor), ``real`` (the GoPro crops and REDS frames shrunk by each factor)."""
    cfg = budget(profile)
    size, count = (cfg["test_size"], cfg["test_size"]), cfg["test_images"]
    real = test_sets(profile)
    signals = ("blur", "sharp", "blur_next", "ref", "flow")
    return {
        "synthetic": {
            f: RenderedSet(scaled_motion("mixed", f), size, count, signals=signals) for f in cfg["motion_factors"]
        },
        "real": {(name, f): Downscaled(real[name], f) for name in (GOPRO_SET, REDS_SET) for f in cfg["downscale"]},
    }


def _psnr(model: nn.Module, data, inputs, device, scale: float = 1.0) -> list[float]:
    found = []
    for i in range(len(data)):
        item = data[i]
        image = restore(model, [item[k][None].to(device) for k in inputs], tile=4096, overlap=0, scale=scale)
        found.append(float(metrics.psnr(image.float().cpu(), item["sharp"][None])[0]))
    return found


def scale_result(profile: str, seeds, device: str, size: str = "1M") -> dict:
    """07.03's results at ``size``: per network and seed, PSNR per image on the motion-scaled scenes,
    on the shrunk real frames, and on the full-size GoPro crops run through ``deblur --scale s``;
    the inputs' PSNR, and the blur lengths of the training stream and of each scaled set."""
    cfg = budget(profile)
    sets = scale_sets(profile)
    gopro = test_sets(profile)[GOPRO_SET]
    found: dict = {"networks": {}, "size": size}
    for net, network in NETWORKS.items():
        per_seed = []
        for s in seeds:
            _, trainer = train_archived(
                f"{CHAPTER}:{row_name(net, size)}",
                profile,
                seed=s,
                device=device,
                progress=pages.shows_progress(profile),
            )
            model, dev = trainer.model.eval(), trainer.device
            entry = {
                "synthetic": {str(f): _psnr(model, d, network.inputs, dev) for f, d in sets["synthetic"].items()},
                "real": {
                    f"{n}|{f}": _psnr(model, d, network.inputs, dev)
                    for (n, f), d in sets["real"].items()
                    if readable(d, network.inputs)
                },
            }
            if readable(gopro, network.inputs):
                entry["tool"] = {str(t): _psnr(model, gopro, network.inputs, dev, scale=t) for t in cfg["tool_scales"]}
            per_seed.append(entry)
        found["networks"][net] = per_seed

    def blurred(data) -> list[float]:
        return [float(metrics.psnr(data[i]["blur"][None], data[i]["sharp"][None])[0]) for i in range(len(data))]

    found["blurred"] = {
        "synthetic": {str(f): blurred(d) for f, d in sets["synthetic"].items()},
        "real": {f"{n}|{f}": blurred(d) for (n, f), d in sets["real"].items()},
    }
    found["blurred"]["tool"] = blurred(gopro)
    found["blur_px"] = {
        "training": training_blur(profile),
        "scaled": {
            str(f): _percentiles([blur_lengths(d.load(i)) for i in range(len(d))]) for f, d in sets["synthetic"].items()
        },
    }
    return found


def _keys(res: dict, kind: str) -> list[str]:
    """A study's keys in order: factors ascending; real sets as scored, then by factor."""
    keys = list(res["networks"]["unet"][0][kind])
    if kind == "real":
        sets = list(dict.fromkeys(k.split("|")[0] for k in res["blurred"]["real"]))
        return sorted(
            keys, key=lambda k: (sets.index(k.split("|")[0]) if k.split("|")[0] in sets else 0, float(k.split("|")[1]))
        )
    return sorted(keys, key=float)


def _gain(res: dict, net: str, kind: str, key: str) -> stats.Comparison | None:
    runs = res["networks"][net]
    if kind not in runs[0] or key not in runs[0][kind]:
        return None
    base = res["blurred"]["tool"] if kind == "tool" else res["blurred"][kind][key]
    return stats.compare(np.asarray([r[kind][key] for r in runs]), base)


def scale_table(res: dict, kind: str) -> str:
    """Gain over the input (dB, paired verdict) of every network per blur scale of ``kind``
    (``synthetic``: motion factor; ``real``: set and shrink factor; ``tool``: ``--scale``)."""
    keys = _keys(res, kind)
    heads = {
        "synthetic": lambda k: f"motion x{k}",
        "real": lambda k: f"{k.split('|')[0]} at 1/{k.split('|')[1]}",
        "tool": lambda k: f"--scale {k}",
    }[kind]
    lines = []
    for net, network in NETWORKS.items():
        cells = []
        for k in keys:
            c = _gain(res, net, kind, k)
            cells.append("-" if c is None else f"{SYMBOLS[c.verdict]} {c.mean:+.2f}")
        lines.append([network.label, *cells])
    return markdown_table(["gain over the input (dB)", *[heads(k) for k in keys]], lines)


def blur_table(res: dict) -> str:
    """Blur lengths (px, percentiles over pixels) of the training stream and of each scaled set."""
    named = {
        "the training stream": res["blur_px"]["training"],
        **{
            f"`mixed` test scenes, motion x{k}": res["blur_px"]["scaled"][k]
            for k in sorted(res["blur_px"]["scaled"], key=float)
        },
    }
    return markdown_table(
        ["scenes", "median", "90th percentile", "99th percentile"],
        [[name, *[f"{v[q]:.1f}" for q in ("p50", "p90", "p99")]] for name, v in named.items()],
    )


def stops_helping(res: dict, net: str) -> str:
    """Where ``net``'s gain over the input stops being 'higher' as the motion grows, in words."""
    keys = _keys(res, "synthetic")
    for key in keys:
        if _gain(res, net, "synthetic", key).verdict != "higher":
            return f"no longer significant from x{key}"
    return f"still significant at x{keys[-1]}"


def _tool_versus(res: dict, net: str, scale: str) -> stats.Comparison | None:
    """``deblur --scale scale`` against ``--scale 1`` for ``net`` on the full-size GoPro crops, paired."""
    runs = res["networks"][net]
    if "tool" not in runs[0]:
        return None
    return stats.compare(np.asarray([r["tool"][scale] for r in runs]), np.asarray([r["tool"]["1"] for r in runs]))


def scale_summary(res: dict) -> str:
    """07.03's result in words: each network's gain at the smallest and the largest motion factor and
    where it stops being significant, the training stream's blur, and whether ``--scale 2`` beats
    running at full size on the full-size GoPro crops."""
    train = res["blur_px"]["training"]
    keys = _keys(res, "synthetic")
    said = "; ".join(
        f"{NETWORKS[n].label} {_gain(res, n, 'synthetic', keys[0]).mean:+.2f} dB at x{keys[0]}, "
        f"{_gain(res, n, 'synthetic', keys[-1]).mean:+.2f} at x{keys[-1]} ({stops_helping(res, n)})"
        for n in NETWORKS
    )
    tool = [(n, _tool_versus(res, n, "2")) for n in NETWORKS if "2" in res["networks"][n][0].get("tool", {})]
    tools = "; ".join(f"{NETWORKS[n].label}, {stats.describe(c)}" for n, c in tool)
    return (
        f"the training stream's blur is {train['p50']:.1f} px at the median and {train['p99']:.1f} px at the "
        f"99th percentile; gain over the input as the motion grows: {said}. On the full-size GoPro crops, "
        f"`--scale 2` against `--scale 1`: {tools}"
    )


def scale_figure(res: dict):
    """Gain over the input (dB, mean and 95% interval over seeds and images) against the median
    blur length of the motion-scaled scenes, per network; the training stream's median to 99th
    percentile shaded."""
    import matplotlib.pyplot as plt

    keys = _keys(res, "synthetic")
    lengths = [res["blur_px"]["scaled"][k]["p50"] for k in keys]
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    train = res["blur_px"]["training"]
    ax.axvspan(train["p50"], train["p99"], color="0.9", label="training blur (median to 99th pct.)")
    ax.axhline(0.0, color="0.5", lw=0.8)
    for net, network in NETWORKS.items():
        gains = [_gain(res, net, "synthetic", k) for k in keys]
        ax.errorbar(
            lengths,
            [g.mean for g in gains],
            yerr=[[g.mean - g.low for g in gains], [g.high - g.mean for g in gains]],
            marker="o",
            capsize=3,
            label=network.label,
        )
    return viz.finish_axes(
        fig, ax, "median blur length of the scenes (px)", "gain over the blurred input (dB)", xscale="log"
    )
