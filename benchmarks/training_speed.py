"""How fast does the book train on this machine, against the trainer as it was?

For every network of chapter 7 at its ``small`` size (about 1 M parameters), on the same
budget (crop, batch, steps), in one run, prints steps per second of:

* ``baseline``: the trainer before this benchmark existed: float32, NCHW, every scene
  rendered by the engine inside the training step's process;
* ``fast``: the network's own fast settings (``ch07.NETWORKS[net].amp`` and
  ``.channels_last``: bf16 autocast and NHWC where its gradients match float32 NCHW's; this
  script refuses CPUs without native bf16, where it would be emulated and slower), and
  scenes drawn from the pre-rendered pool (:mod:`deblurbook.data.pool`, rendered once
  before timing);

and their ratio. ``--curves STEPS`` also trains the U-Net floor for ``STEPS`` steps twice,
float32 and bf16 (both NHWC, pooled scenes), scoring held-out validation scenes every
``--every`` steps: the learning curves side by side (does bf16 keep the quality?), written
to ``results/benchmarks/`` (JSON and a PNG) and printed.

    python benchmarks/training_speed.py [--steps 20] [--nets unet,mtdn] [--curves 3000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from deblurbook.chapters import ch07
from deblurbook.core import atomic
from deblurbook.core.device import bf16_supported, describe
from deblurbook.core.paths import repo_root
from deblurbook.training import experiments
from deblurbook.training.trainer import Trainer

PROFILE = "small"


def trainer(net: str, mode: str, steps: int, out: Path) -> Trainer:
    """The ch07 experiment of ``net`` at ``PROFILE``, set to ``mode`` (baseline or fast)."""
    exp = experiments.build(f"ch07:{net}-1M", PROFILE, device="cpu", iterations=steps)
    if mode == "baseline":
        exp.config.amp, exp.config.channels_last = False, False
        exp.train_set.pools = []  # render every scene in the step's process, as before pools
    return Trainer(exp.model, exp.loss, exp.train_set, exp.inputs, exp.config, out, progress=False)


def steps_per_second(net: str, mode: str, steps: int, warmup: int) -> float:
    with tempfile.TemporaryDirectory() as out:
        t = trainer(net, mode, warmup + steps, Path(out))
        t.train(resume=False, stop_after=warmup)  # renders the pool, warms caches and the allocator
        start = time.perf_counter()
        t.train(resume=False, stop_after=steps)
        return steps / (time.perf_counter() - start)


def curves(steps: int, every: int) -> dict:
    """Validation PSNR every ``every`` steps of the U-Net floor in float32 and in bf16."""
    found = {}
    for name, amp in (("float32", False), ("bfloat16", True)):
        exp = experiments.build("ch07:unet-1M", PROFILE, device="cpu", iterations=steps)
        exp.config.amp, exp.config.amp_dtype = amp, "bfloat16"
        with tempfile.TemporaryDirectory() as out:
            t = Trainer(exp.model, exp.loss, exp.train_set, exp.inputs, exp.config, Path(out), progress=True)
            history, start = [], time.perf_counter()
            while t.step < steps:
                t.train(resume=False, stop_after=every)
                history.append({"step": t.step, "psnr": exp.validation(t.model.eval(), t.device),
                                "seconds": round(time.perf_counter() - start, 1)})
                t.model.train()
                print(f"  {name} step {t.step}: validation {history[-1]['psnr']:.2f} dB", flush=True)
        found[name] = history
    return found


def draw(found: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    for name, history in found.items():
        ax.plot([h["step"] for h in history], [h["psnr"] for h in history], marker="o", label=name)
    ax.set_xlabel("training step")
    ax.set_ylabel("validation PSNR (dB)")
    ax.set_title("U-Net floor (ch07, small): float32 against bf16 autocast")
    ax.legend()
    fig.tight_layout()
    with atomic.atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=80)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="timed steps per network and mode")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--nets", default=",".join(ch07.NETWORKS), help="comma-separated ch07 networks")
    parser.add_argument("--curves", type=int, default=0, help="steps of the float32/bf16 learning curves")
    parser.add_argument("--every", type=int, default=250)
    args = parser.parse_args()
    if not bf16_supported():
        raise SystemExit("this CPU has no native bf16 (avx512_bf16 or amx): the fast mode would be emulated")
    cfg = ch07.budget(PROFILE)
    print(f"device: {describe(torch.device('cpu'))}, {torch.get_num_threads()} threads; ch07 `{PROFILE}`: crop "
          f"{cfg['crop']}, batch {cfg['batch']}, {args.steps} timed steps after {args.warmup}")
    rows = {}
    for net in args.nets.split(","):
        base = steps_per_second(net, "baseline", args.steps, args.warmup)
        fast = steps_per_second(net, "fast", args.steps, args.warmup)
        rows[net] = {"baseline": base, "fast": fast, "ratio": fast / base}
        print(f"{ch07.NETWORKS[net].label:28s} baseline {base:6.2f} steps/s   fast {fast:6.2f} steps/s   "
              f"ratio {fast / base:5.2f}x", flush=True)
    out = repo_root() / "results" / "benchmarks"
    record = {"device": describe(torch.device("cpu")), "threads": torch.get_num_threads(), "profile": PROFILE,
              "crop": cfg["crop"], "batch": cfg["batch"], "steps": args.steps, "rates": rows}
    if args.curves:
        record["curves"] = curves(args.curves, args.every)
        draw(record["curves"], out / "bf16-curves.png")
    atomic.write_json(out / "training_speed.json", record)
    print(f"written: {out / 'training_speed.json'}")


if __name__ == "__main__":
    main()
