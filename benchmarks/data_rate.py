"""Can the data keep a GPU busy? Each chapter's main experiment at ``--profile`` (default ``paper``:
its paper's crop and batch), its batches rendered on this machine, in one run.

For each experiment it prints the batch (size and crop), the seconds one CPU core takes to make
one batch (the engine rendering its scenes, or a pre-rendered pool read back), the batches per
second that one core makes, and, for GPU step rates of 2, 5 and 10 steps per second, the DataLoader
workers (one core each) that would keep up with the GPU: ``ceil(steps per second x seconds per
batch)``. ``benchmarks/gpu_check.py`` measures the step rate itself when a GPU is lent; this
script needs none.

    python benchmarks/data_rate.py [--profile paper] [--batches 2] [--out results/benchmarks]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import torch

from deblurbook import chapters
from deblurbook.core import atomic
from deblurbook.core.paths import repo_root
from deblurbook.training import experiments

MAIN = tuple(chapters.main_experiments())  # each training chapter's model
GPU_STEP_RATES = (2, 5, 10)


def measure(name: str, profile: str, batches: int) -> dict:
    """Seconds per batch of ``name``'s training stream at ``profile``, one core, after one warm-up batch."""
    exp = experiments.build(name, profile, device="cpu")  # its own schedule: the stream as long as it trains
    data, size = exp.train_set, exp.config.batch
    if hasattr(data, "prepare"):  # a pre-rendered pool is made once per profile, before any run
        data.prepare(progress=False)

    def one_batch(k: int) -> None:
        for i in range(k * size, (k + 1) * size):
            data[i]

    one_batch(0)  # the engine's one-off set-up (texture banks) is not a per-batch cost
    started = time.perf_counter()
    for k in range(1, batches + 1):
        one_batch(k)
    seconds = (time.perf_counter() - started) / batches
    crop = exp.settings.get("crop")
    return {
        "experiment": name,
        "batch": size,
        "crop": crop,
        "seconds_per_batch": seconds,
        "batches_per_second": 1 / seconds,
        "workers_needed": {str(rate): math.ceil(rate * seconds) for rate in GPU_STEP_RATES},
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="paper")
    parser.add_argument("--batches", type=int, default=2)
    parser.add_argument("--experiments", default=",".join(MAIN))
    parser.add_argument("--out", default=None, help="folder for data_rate.json (default results/benchmarks)")
    args = parser.parse_args(argv)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one DataLoader worker's share of the machine
    try:
        rows = [measure(name, args.profile, args.batches) for name in args.experiments.split(",")]
    finally:
        torch.set_num_threads(threads)  # the caller's (a test process trains after this)
    print(f"data rate at profile {args.profile}, one CPU core (one torch thread) per worker:")
    header = " ".join(f"@{r}/s" for r in GPU_STEP_RATES)
    print(f"{'experiment':<16} {'batch':>5} {'crop':>5} {'s/batch':>8} {'batch/s':>8}  workers {header}")
    for r in rows:
        need = " ".join(f"{r['workers_needed'][str(rate)]:>5}" for rate in GPU_STEP_RATES)
        print(
            f"{r['experiment']:<16} {r['batch']:>5} {str(r['crop']):>5} {r['seconds_per_batch']:>8.3f} "
            f"{r['batches_per_second']:>8.2f}  {'':>7} {need}"
        )
    record = {"profile": args.profile, "rows": rows}
    out = Path(args.out) if args.out else repo_root() / "results" / "benchmarks"
    atomic.write_json(out / "data_rate.json", record)
    return record


if __name__ == "__main__":
    main()
