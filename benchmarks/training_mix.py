"""Does a share of still-camera scenes in the training stream stop a network damaging sharp pixels?

Chapter 7's networks trained on `global` and `mixed` scenes only, until this benchmark: every training
input had camera blur. On `local` scenes (a still camera, a few movers, most pixels exact in the input)
they scored below their input: they sharpened texture that was already sharp (07.01's region table). This
benchmark trains the chapter's U-Net floor (about 1 M parameters, its `small` protocol: crop, batch,
steps, schedule, selection on `global`+`mixed` validation scenes) on streams that differ only in
their mix of presets, and scores each on chapter 7's fixed test sets, with the `local` scenes split
into still and moved pixels:

* ``none``: `global` and `mixed` in turn (chapter 7's stream before this benchmark; the `none` rows
  committed in the JSON are chapter 7's packed runs of that recipe, the same runs: same stream, seed,
  steps and one thread);
* ``local``: one scene in ``--every`` is an LBS `local` scene (LODE's Local Blur Synthesis);
* ``still``: one scene in ``--every`` has neither camera nor object motion (the input is the sharp
  image: a network is taught to leave sharp content alone);

Each mix is compared with ``none`` paired seed by seed (the seed the unit, :func:`deblurbook.book.stats.compare`,
smallest effect 0.1 dB); under three seeds a comparison is printed as "no claim". Runs live in
``_build/benchmarks/training_mix/`` and resume when interrupted; the figures go to
``results/benchmarks/training_mix.json`` and are printed.

    python benchmarks/training_mix.py --mixes none,local --seeds 0,1,2 [--steps 12000] [--every 7] [--report]
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np
import torch

from deblurbook.book import stats
from deblurbook.chapters import _runs
from deblurbook.chapters.ch07 import comparison, regions
from deblurbook.chapters.ch07.experiments import SIGNALS, budget
from deblurbook.core import atomic
from deblurbook.core.paths import build_dir, repo_root
from deblurbook.data import synth
from deblurbook.data.datasets import SyntheticDataset, interleave
from deblurbook.training import experiments
from deblurbook.training.evaluate import evaluate
from deblurbook.training.selection import train_selected
from deblurbook.training.trainer import Trainer

PROFILE, EXPERIMENT = "small", "ch07:unet-1M"
STILL = replace(synth.PRESETS["global"], name="still", camera=synth.Motion(), objects=(0, 0))
SETS = ("global", "mixed", "local", comparison.GOPRO_SET)


def stream(mix: str, every: int) -> tuple:
    """The presets of a stream, in turn: `global` and `mixed`, with one slot in ``every`` replaced."""
    if mix == "none":
        return ("global", "mixed")
    return interleave(("global", "mixed"), {"local": "local", "still": STILL}[mix], every)


def trained(mix: str, every: int, steps: int, seed: int):
    """Chapter 7's U-Net run with the stream of ``mix`` (resumed where its folder exists), its best
    model loaded."""
    exp = experiments.build(EXPERIMENT, PROFILE, seed=seed, device="cpu", iterations=steps)
    cfg = budget(PROFILE)
    exp.train_set = SyntheticDataset(
        stream(mix, every),
        crop=cfg["crop"],
        length=steps * cfg["batch"],
        seed=exp.train_set.seed,
        signals=SIGNALS,
        pool=cfg["pool"],
    )
    name = f"{mix}-{steps}-seed{seed}" if mix == "none" else f"{mix}-every{every}-{steps}-seed{seed}"
    out = build_dir() / "benchmarks" / "training_mix" / name
    trainer = Trainer(exp.model, exp.loss, exp.train_set, exp.inputs, exp.config, out, progress=False)
    train_selected(trainer, exp.validation, max(1, steps // cfg["selections"]))
    print(f"{mix}: validation {[round(h['score'], 2) for h in trainer.selection['history']]}", flush=True)
    return trainer.model.eval()


def scores(model, sets: dict) -> dict:
    """PSNR per image of each set, and per region of the `local` scenes."""
    found = {name: [p["psnr"] for p in evaluate(model, sets[name], ("blur",))["per_image"]] for name in SETS}
    found["regions"] = regions.region_scores(sets["local"], ("blur",))(model, "cpu")["local"]
    return found


def region_values(found: dict, local_input: dict, region: str) -> list[float]:
    """Per `local` image: the model's PSNR on the still pixels, or its gain over the input on the
    moved ones (NaN where the image has none)."""
    out = []
    for k, value in enumerate(found["regions"][region]):
        base = 0.0 if region == "still" else local_input[region][k]
        out.append(float("nan") if value is None or base is None else value - base)
    return out


def rows(record: dict, inputs: dict, local_input: dict) -> dict:
    """Per mix and measure, seeds x images: the gain over the input (dB) on each set, the gain on
    the moved pixels of `local`, the PSNR on its still pixels."""
    found = {}
    for mix, seeds in record["mixes"].items():
        table = {}
        for name in SETS:
            table[name] = np.array([np.subtract(s[name], inputs[name]) for s in seeds.values()])
        for region in regions.REGIONS:
            table[region] = np.array([region_values(s, local_input, region) for s in seeds.values()])
        found[mix] = (sorted(seeds, key=int), table)
    return found


def report(record: dict, inputs: dict, local_input: dict, clusters: dict) -> None:
    """The mean of every measure per mix, and each mix against `none` paired seed by seed."""
    found = rows(record, inputs, local_input)
    measures = (*SETS, *regions.REGIONS)
    print("mean over seeds and images (dB): gain over the input on each set; `moved`: gain on local's moved")
    print("pixels; `still`: PSNR on local's still pixels (the input is exact there)")
    widths = [max(10, len(m) + 2) for m in measures]
    print(f"{'mix':8s}{'seeds':8s}" + "".join(f"{m:>{w}s}" for m, w in zip(measures, widths)))
    for mix, (seeds, table) in found.items():
        values = "".join(f"{np.nanmean(table[m]):>+{w}.2f}" for m, w in zip(measures, widths))
        print(f"{mix:8s}{','.join(seeds):8s}" + values)
    if "none" not in found:
        return
    base_seeds, base = found["none"]
    for mix, (seeds, table) in found.items():
        common = [s for s in seeds if s in base_seeds]
        if mix == "none" or not common:
            continue
        pick = lambda t, have: t[[have.index(s) for s in common]]  # noqa: E731 - paired seed by seed
        for m in measures:
            a, b = pick(table[m], seeds), pick(base[m], base_seeds)
            keep = ~np.isnan(a).any(0) & ~np.isnan(b).any(0)
            labels = np.asarray(clusters.get(m, [f"scene {k}" for k in range(a.shape[1])]))[keep]
            c = stats.compare(a[:, keep], b[:, keep], clusters=labels)
            print(f"{mix} - none, {m}: {stats.describe(c)} ({len(common)} paired seeds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mixes", default="none,local,still")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--steps", type=int, default=12000)
    parser.add_argument("--every", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--report", action="store_true", help="print what is recorded, train nothing")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    sets = comparison.test_sets(PROFILE)
    inputs = {name: _runs.blurred_scores({name: sets[name]})["psnr"] for name in SETS}
    local_input = regions.input_regions(sets["local"])
    path = repo_root() / "results" / "benchmarks" / "training_mix.json"
    for mix in [] if args.report else args.mixes.split(","):
        for seed in map(int, args.seeds.split(",")):
            found = scores(trained(mix, args.every, args.steps, seed), sets)
            record = atomic.read_json(path) if path.is_file() else {"mixes": {}}  # another mix may have written
            record |= {"every": args.every, "steps": args.steps, "profile": PROFILE, "experiment": EXPERIMENT}
            record["mixes"].setdefault(mix, {})[str(seed)] = found
            atomic.write_json(path, record)
    report(atomic.read_json(path), inputs, local_input, _runs.cluster_labels(sets))


if __name__ == "__main__":
    main()
