"""The first thing to run when a session is lent a GPU: the `paper` profile, measured in minutes.

For each chapter's main experiment at ``--profile`` (default ``paper``: its paper's width, crop
and batch), with the real data path (the engine rendering in DataLoader workers, pinned memory,
persistent workers) and mixed precision (bf16 where the device has it, else fp16 with a loss
scaler), it trains for about ``--seconds`` and prints, in one run:

* steps per second and the share of the time the step waited for data (the data loader's idle
  share: above a few percent, the GPU starves and more workers or pre-rendered pools are needed);
* the peak device memory of a step;
* the estimated wall time of the experiment's whole schedule on this device, and of every run
  the chapter trains at the profile (its experiments x the profile's seeds);
* SGENet's time per 720x1280 frame, synchronised and not (the runtime claim of chapter 5).

It writes ``results/gpu/gpu_check.json`` (``--out``) naming the device. On a CPU it runs too
(``--profile smoke --device cpu``: the unit tests do, at tiny sizes), so the script is known to
work before a GPU is ever lent.

    python benchmarks/gpu_check.py [--seconds 40] [--workers 8] [--profile paper] [--device cuda]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from deblurbook import chapters
from deblurbook.book.timing import time_call
from deblurbook.core import atomic, profiles
from deblurbook.core.device import bf16_supported, describe, resolve
from deblurbook.core.paths import repo_root
from deblurbook.training import experiments
from deblurbook.training.trainer import optimizer_groups

MAIN = tuple(chapters.main_experiments())  # each training chapter's model
RUNTIME_SIZE = (720, 1280)


def _precision(device: torch.device) -> tuple[bool, torch.dtype]:
    if device.type != "cuda":
        return False, torch.float32
    return True, torch.bfloat16 if bf16_supported(device) else torch.float16


def measure(name: str, profile: str, device: torch.device, seconds: float, max_steps: int, workers: int,
            warmup: int = 2) -> dict:
    """Train ``name`` at ``profile`` for about ``seconds`` (at most ``max_steps``) after ``warmup``
    steps, and time it."""
    exp = experiments.build(name, profile, device=str(device))
    cfg = exp.config
    model, loss_fn = exp.model.to(device), exp.loss.to(device)
    optimizer = torch.optim.Adam(optimizer_groups(model, cfg), lr=cfg.lr)
    amp, dtype = _precision(device)
    scaler = torch.amp.GradScaler(device.type, enabled=amp and dtype == torch.float16)
    loader = DataLoader(exp.train_set, batch_size=cfg.batch, shuffle=False, num_workers=workers,
                        pin_memory=device.type == "cuda", persistent_workers=workers > 0,
                        prefetch_factor=4 if workers > 0 else None)
    batches = iter(loader)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    waited = stepped = 0.0
    steps = 0
    started = time.perf_counter()
    while steps < warmup + max_steps and (steps < warmup or stepped < seconds):
        before = time.perf_counter()
        batch = {k: v.to(device, non_blocking=True) for k, v in next(batches).items()}
        got = time.perf_counter()
        autocast = torch.autocast(device.type, dtype=dtype) if amp else contextlib.nullcontext()
        with autocast:
            loss, _ = loss_fn(model(*[batch[k] for k in exp.inputs]), batch)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        done = time.perf_counter()
        steps += 1
        if steps > warmup:
            waited += got - before
            stepped += done - before
    timed = steps - warmup
    rate = timed / stepped if stepped else float("nan")
    chapter = name.split(":")[0]
    seeds = chapters.module_of(chapter).budget(profile)["seeds"]  # the chapter's: `paper` asks three for claims
    runs = sum(n.startswith(chapter + ":") for n in experiments.names()) * len(seeds)
    return {"experiment": name, "batch": cfg.batch, "crop": getattr(exp.train_set, "crop", None),
            "iterations": cfg.iterations, "amp": str(dtype).replace("torch.", "") if amp else "float32",
            "workers": workers, "timed_steps": timed, "steps_per_second": rate,
            "data_wait_share": waited / stepped if stepped else float("nan"),
            "peak_memory_gib": torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None,
            "hours_for_schedule": cfg.iterations / rate / 3600, "chapter_runs": runs,
            "hours_for_chapter": runs * cfg.iterations / rate / 3600,
            "wall_seconds": round(time.perf_counter() - started, 1)}


def sgenet_runtime(profile: str, device: torch.device) -> dict:
    """SGENet's seconds per frame (ch05's model at ``profile``), synchronised and not."""
    model = experiments.build("ch05:full", profile, device=str(device)).model.to(device).eval()
    size = RUNTIME_SIZE if profile == "paper" else (64, 96)
    x = torch.rand(1, 3, *size, device=device)
    with torch.no_grad():
        model(x[..., :64, :64])
        return {"size": list(size),
                "synchronised": time_call(lambda: model(x), device, repeats=5, synchronise=True),
                "not_synchronised": time_call(lambda: model(x), device, repeats=5, synchronise=False)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="paper", choices=list(profiles.PROFILES))
    parser.add_argument("--device", default="cuda", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--seconds", type=float, default=40.0, help="timed seconds per experiment")
    parser.add_argument("--steps", type=int, default=400, help="at most this many timed steps per experiment")
    parser.add_argument("--workers", type=int, default=None, help="DataLoader workers (default: cores - 1)")
    parser.add_argument("--experiments", default=",".join(MAIN))
    parser.add_argument("--out", type=Path, default=None, help="folder for gpu_check.json (default results/gpu)")
    args = parser.parse_args(argv)
    device = resolve(args.device, deterministic=False)  # cuDNN autotuning on: speed, not bitwise repeats
    workers = args.workers if args.workers is not None else max(0, (os.cpu_count() or 1) - 1)
    described = describe(device)
    print(f"device: {described}; profile {args.profile}; {workers} data workers")
    rows = []
    for name in args.experiments.split(","):
        row = measure(name, args.profile, device, args.seconds, args.steps, workers)
        rows.append(row)
        memory = f"{row['peak_memory_gib']:.1f} GiB" if row["peak_memory_gib"] is not None else "-"
        print(f"{name:14s} batch {row['batch']:3d}  {row['steps_per_second']:7.2f} steps/s  data wait "
              f"{row['data_wait_share']:5.1%}  peak {memory}  schedule {row['hours_for_schedule']:8.1f} h  "
              f"chapter ({row['chapter_runs']} runs) {row['hours_for_chapter']:8.1f} h", flush=True)
    runtime = sgenet_runtime(args.profile, device)
    print(f"SGENet at {runtime['size'][0]}x{runtime['size'][1]}: {runtime['synchronised']:.4f} s synchronised, "
          f"{runtime['not_synchronised']:.4f} s not")
    chapters = {r["experiment"].split(":")[0]: r["hours_for_chapter"] for r in rows}
    record = {"device": described, "profile": args.profile, "workers": workers, "experiments": rows,
              "sgenet_runtime": runtime, "book_hours": sum(chapters.values())}
    print(f"the whole book at {args.profile} on this device: about {record['book_hours']:.0f} hours "
          f"({record['book_hours'] / 24:.1f} days) of training")
    out = args.out or repo_root() / "results" / "gpu"
    atomic.write_json(out / "gpu_check.json", record)
    print(f"written: {out / 'gpu_check.json'}")
    return record


if __name__ == "__main__":
    main()
