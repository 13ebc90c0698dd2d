"""What every training chapter does with a row: train it for each seed (or load the
finished run) and score it on fixed test sets, image by image, in one fixed order.

A helper of the chapter modules, not a chapter (its name starts with ``_``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from torch import nn
from torch.utils.data import Subset

from ..book import pages, stats
from ..book.tables import markdown_table
from ..core import atomic
from ..data.datasets import PairDataset
from ..data.real import gopro_crops, reds_clips
from ..data.testsets import synthetic_test_set
from ..imaging import metrics
from ..training import experiments
from ..training.archive import train_archived
from ..training.evaluate import evaluate


def _pair_clusters(data) -> list[str] | None:
    """The independent unit of each image of a set read from disk: a pair's sequence (crops of one
    GoPro frame, consecutive REDS frames of one clip are not independent images); None for a set
    of generated scenes."""
    if isinstance(data, Subset):
        inner = _pair_clusters(data.dataset)
        return None if inner is None else [inner[i] for i in data.indices]
    if hasattr(data, "pairs"):
        return [f"sequence {p.group}" if p.group else f"image {p.blur.name}" for p in data.pairs]
    if hasattr(data, "clips") and hasattr(data, "index"):  # a frame and its neighbours, by clip
        return [f"sequence {clip}" for clip, _ in data.index]
    if hasattr(data, "frames"):
        return _pair_clusters(data.frames)
    if hasattr(data, "kernels") and hasattr(data, "images"):  # each image blurred with every kernel in turn
        return [f"image {i // len(data.kernels)}" for i in range(len(data))]
    return None


# The seeds of every row a claim rests on at `paper` (a claim needs three; core.profiles gives `paper`
# one, and the runs' code digest covers that module, so the chapters ask for more in their budgets).
CLAIM_SEEDS = (0, 1, 2)
GOPRO_SET, REDS_SET = "GoPro crops (real)", "REDS frames (real)"


def synthetic_sets(cfg: dict, presets) -> dict:
    """The engine's fixed test sets of ``presets`` at the budget's ``test_size`` (square) and
    ``test_images``, in that order."""
    size = (cfg["test_size"], cfg["test_size"])
    return {preset: synthetic_test_set(preset, size, cfg["test_images"]) for preset in presets}


def real_sets(count: int) -> dict:
    """The bundled real samples as blurred/sharp pairs (evaluation only): up to ``count`` GoPro crops
    (of one frame) and ``count`` REDS frames (of two clips, in clip order)."""
    frames = [pair for clip in reds_clips().values() for pair in clip]
    return {GOPRO_SET: PairDataset(gopro_crops()[:count]), REDS_SET: PairDataset(frames[:count])}


def cluster_labels(sets: dict) -> dict[str, list[str]]:
    """Per test set, the cluster (independent unit) of each image: every generated scene is its own;
    images read from disk belong to their sequence (:mod:`deblurbook.book.stats` resamples clusters)."""
    return {name: _pair_clusters(data) or [f"scene {k}" for k in range(len(data))] for name, data in sets.items()}


def _score(model: nn.Module, sets: dict, inputs, device) -> list[dict]:
    per_image, clusters = [], cluster_labels(sets)
    for name, data in sets.items():
        scored = evaluate(model, data, inputs, device)["per_image"]
        per_image += [{**p, "preset": name, "cluster": c} for p, c in zip(scored, clusters[name], strict=True)]
    return per_image


def set_clusters(runs: list[dict]) -> dict[str, list[str] | None]:
    """Per test set, the cluster of each image as the runs recorded it (None: not recorded)."""
    found: dict[str, list] = {}
    for p in runs[0]["per_image"]:
        found.setdefault(p["preset"], []).append(p.get("cluster"))
    return {name: None if None in labels else labels for name, labels in found.items()}


def compare_on(runs: list[dict], test: str, values, reference, **kwargs) -> stats.Comparison:
    """:func:`~deblurbook.book.stats.compare` on test set ``test`` of ``runs``, resampling its clusters."""
    return stats.compare(values, reference, clusters=set_clusters(runs).get(test), **kwargs)


def _mean(per_image: list[dict], key: str) -> float:
    return float(np.mean([p[key] for p in per_image]))


def train_and_score(
    experiment: str,
    profile: str,
    seeds,
    device: str,
    sets: dict,
    extra: Callable[[nn.Module, object], dict] | None = None,
    train: Callable = train_archived,
) -> tuple[list[dict], nn.Module]:
    """Train ``experiment`` for each seed and score it on ``sets`` (name -> test set).

    Returns the runs, ``[{"experiment", "profile", "seed", "identity", "steps", "per_image",
    "psnr", "ssim"}]`` (``per_image`` lists every image of every set in order, each with its
    set's name under ``"preset"``, so that rows pair image by image; ``extra(model, device)``
    adds its dict under ``"extra"``), and the last seed's model.

    ``train(experiment, profile, seed=, device=, progress=)`` returns the experiment and its
    trainer (default: :func:`~deblurbook.training.archive.train_archived`, which restores and
    archives the runs of the profiles whose results are committed). Where the
    trainer selected its model on a validation set (``trainer.selection``), the run keeps the
    record under ``"selection"`` and the last model's scores under ``"last"``.
    """
    runs, model = [], None
    for s in seeds:
        exp, trainer = train(experiment, profile, seed=s, device=device, progress=pages.shows_progress(profile))
        model = trainer.model
        per_image = _score(model, sets, exp.inputs, trainer.device)
        run = {
            "experiment": exp.name,
            "profile": profile,
            "seed": s,
            "identity": exp.identity["digest"],
            "steps": trainer.step,
            "threads": _threads(trainer),
            "per_image": per_image,
            "psnr": _mean(per_image, "psnr"),
            "ssim": _mean(per_image, "ssim"),
        }
        if getattr(trainer, "selection", None) is not None:
            last = _score(trainer.last_model, sets, exp.inputs, trainer.device)
            run["selection"] = trainer.selection
            run["last"] = {"per_image": last, "psnr": _mean(last, "psnr"), "ssim": _mean(last, "ssim")}
        if extra is not None:
            run["extra"] = extra(model, trainer.device)
        runs.append(run)
    return runs, model


def _threads(trainer) -> int | None:
    """The torch thread count the run last trained at, from its log (a CPU run repeats bit for bit
    only at the same count; the identity leaves it out on purpose)."""
    log = trainer.out_dir / "log.json"
    return atomic.read_json(log).get("threads") if log.is_file() else None


def per_set(runs: list[dict], key: str = "psnr") -> dict[str, np.ndarray]:
    """A row's scores as (seeds, images) per test set, in the order they were taken."""
    names = list(dict.fromkeys(p["preset"] for p in runs[0]["per_image"]))
    return {n: np.asarray([[p[key] for p in r["per_image"] if p["preset"] == n] for r in runs]) for n in names}


def blurred_scores(sets: dict) -> dict[str, list[float]]:
    """PSNR and SSIM of the blurred input itself, per image, in the order :func:`train_and_score` uses."""
    psnr_, ssim_ = [], []
    for data in sets.values():
        for i in range(len(data)):
            item = data[i]
            psnr_.append(float(metrics.psnr(item["blur"][None], item["sharp"][None])[0]))
            ssim_.append(float(metrics.ssim(item["blur"][None], item["sharp"][None])[0]))
    return {"psnr": psnr_, "ssim": ssim_}


def blurred_per_set(blurred: dict[str, list[float]], runs: list[dict]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """:func:`blurred_scores`' PSNR and SSIM per test set, split in the order of ``runs``' images
    (the order the scores were taken in; a loaded result's mappings may be sorted)."""
    start, out = 0, {}
    for name, values in per_set(runs).items():
        end = start + values.shape[1]
        out[name] = (np.asarray(blurred["psnr"][start:end]), np.asarray(blurred["ssim"][start:end]))
        start = end
    return out


def against_input(blurred: dict[str, list[float]], runs: list[dict]) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """Per test set: a row's PSNR (seeds x images), the blurred input's per image, and its mean SSIM."""
    split = blurred_per_set(blurred, runs)
    return {name: (values, split[name][0], float(split[name][1].mean())) for name, values in per_set(runs).items()}


def input_table(blurred: dict[str, list[float]], runs: list[dict], label: str) -> str:
    """A row (``label``) on each test set against its blurred input, paired over images and seeds."""
    ssim, clusters = per_set(runs, "ssim"), set_clusters(runs)
    rows = [
        [
            name,
            values.shape[1],
            f"{base.mean():.2f} / {base_ssim:.3f}",
            f"{stats.estimate(stats.interval(values, clusters=clusters[name]))} / {ssim[name].mean():.3f}",
            stats.describe(stats.compare(values, base, clusters=clusters[name])),
        ]
        for name, (values, base, base_ssim) in against_input(blurred, runs).items()
    ]
    seeds = len(runs)
    return markdown_table(
        [
            "test set",
            "images",
            "blurred input PSNR / SSIM",
            f"{label} PSNR [95% CI] / SSIM ({seeds} seed{'s' * (seeds > 1)})",
            "against the input",
        ],
        rows,
    )


def rows_result(score_row: Callable[[str, dict], dict], rows, sets: dict) -> dict:
    """Every row of ``rows`` scored on ``sets`` (``score_row(row, sets)``), with the blurred input's
    scores and the sets' sizes: the shape of a chapter's training, ablation and results files."""
    return {
        "rows": {row: score_row(row, sets) for row in rows},
        "blurred": blurred_scores(sets),
        "sets": {name: len(data) for name, data in sets.items()},
    }


def against_input_summary(blurred: dict[str, list[float]], runs: list[dict], label: str) -> str:
    """A row against its blurred input on each test set, in words chosen by the verdicts."""
    said = [
        f"{name}: {stats.describe(compare_on(runs, name, values, base))}"
        for name, (values, base, _) in against_input(blurred, runs).items()
    ]
    return f"{label} against its blurred input, " + "; ".join(said)


def training_logs(experiment: str, profile: str, seeds, device: str) -> dict[str, list[dict]]:
    """The trainer's log of each seed's run of ``experiment`` (trained now or loaded), by seed."""
    return {
        str(s): train_archived(experiment, profile, seed=s, device=device, progress=pages.shows_progress(profile))[
            1
        ].log
        for s in seeds
    }


def versus(rows: dict, a: str, b: str, test: str) -> stats.Comparison:
    """Row ``a`` against row ``b`` on test set ``test``, paired over seeds and images."""
    return compare_on(rows[a]["runs"], test, per_set(rows[a]["runs"])[test], per_set(rows[b]["runs"])[test])


def scores_table(res: dict, rows, names: dict[str, str]) -> str:
    """The blurred input and each of ``rows`` (labelled by ``names``) on every test set: mean PSNR /
    SSIM over seeds and images, the sets in the order they were scored."""
    first = res["rows"][rows[0]]["runs"]
    blurred = blurred_per_set(res["blurred"], first)
    sets = list(blurred)
    lines = [["blurred input", *[f"{blurred[n][0].mean():.2f} / {blurred[n][1].mean():.3f}" for n in sets]]]
    for row in rows:
        psnr, ssim = per_set(res["rows"][row]["runs"]), per_set(res["rows"][row]["runs"], "ssim")
        lines.append([names[row], *[f"{psnr[n].mean():.2f} / {ssim[n].mean():.3f}" for n in sets]])
    return markdown_table(["method (ours)", *sets], lines)


# ---------------------------------------------------------------- stale reference results


def recorded_runs(value) -> list[dict]:
    """Every training run recorded in a results file's data (a dict with its experiment, profile,
    seed and identity), at any depth."""
    found = []
    if isinstance(value, dict):
        if {"experiment", "identity", "seed", "profile"} <= value.keys():
            found.append(value)
        for v in value.values():
            found += recorded_runs(v)
    elif isinstance(value, list):
        for v in value:
            found += recorded_runs(v)
    return found


def stale_runs(data: dict) -> tuple[list[str], int]:
    """The runs recorded in ``data`` that the current code and settings would train differently,
    and how many runs it records (what a results page shows above stale reference results)."""
    runs = recorded_runs(data)
    return experiments.stale(runs), len(runs)


def timing_table(t: dict, rows, names: dict[str, str], base: str, parameters: str, base_words: str) -> str:
    """Parameters, multiply-accumulates and seconds per image of ``rows`` (a chapter's timing record
    ``t``: size, seconds, parameters, macs, device), with the time's ratio to row ``base``."""
    from ..book.timing import device_label

    h, w = t["size"]
    cells = [
        [
            names[r],
            f"{t['parameters'][r]:,}",
            f"{t['macs'][r] / 1e9:.0f}",
            f"{t['seconds'][r]:.2f}",
            f"{t['seconds'][r] / t['seconds'][base]:.2f}",
        ]
        for r in rows
    ]
    return markdown_table(
        [
            "network",
            f"parameters ({parameters})",
            f"GMAC per {h}x{w}",
            f"seconds per {h}x{w} image ({device_label(t['device'])})",
            f"time ratio to {base_words}",
        ],
        cells,
    )
