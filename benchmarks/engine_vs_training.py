"""Is the synthetic engine fast enough to feed training?

Prints, for 128x128 and 256x256 samples on this machine, in one run:

* engine samples/s: ``synth.make_sample`` with the two signals a single-image
  deblurring step needs (blur, sharp) and with all six signals, one process;
* training samples/s: a full training step (forward, MSE, backward, Adam) of
  a ~1 M-parameter network (``SmallUNet()``), batch 8, on all the
  threads torch uses here;
* the ratio engine / training, after the engine's one-off set-up (its bank of
  dead-leaves textures, timed and printed separately). The engine is not the bottleneck when the
  ratio is at least 3 (the DataLoader's workers add to it on machines with
  spare cores; on 2 cores they compete with the training step).

    python benchmarks/engine_vs_training.py [--seconds 6] [--device cpu]
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from deblurbook.core.device import describe, resolve
from deblurbook.data import synth
from deblurbook.data.content import warm_dead_leaves
from deblurbook.models.unet import SmallUNet


def rate(fn, seconds: float, per_call: int = 1) -> float:
    fn()  # warm-up (imports, caches, allocator)
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        calls += 1
    return calls * per_call / (time.perf_counter() - start)


def engine_rate(size: int, signals: tuple[str, ...], seconds: float) -> float:
    seeds = iter(range(10**9))
    return rate(lambda: synth.make_sample("mixed", (size, size), next(seeds), signals=signals), seconds)


def training_rate(size: int, batch: int, seconds: float, device: torch.device) -> float:
    torch.manual_seed(0)
    model = SmallUNet().to(device)
    loss_fn = nn.MSELoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    blur = torch.rand(batch, 3, size, size, device=device)
    sharp = torch.rand(batch, 3, size, size, device=device)

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(blur), sharp).backward()
        opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    return rate(step, seconds, per_call=batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="per measurement")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    args = parser.parse_args()
    device = resolve(args.device)
    params = sum(p.numel() for p in SmallUNet().parameters())
    print(", ".join(f"{k}: {v}" for k, v in describe(device).items()))
    print(f"training network: SmallUNet(), {params / 1e6:.2f} M parameters, batch {args.batch}")
    start = time.perf_counter()
    warm_dead_leaves("train")
    print(f"one-off: rendering the dead-leaves bank took {time.perf_counter() - start:.1f} s")
    print(f"{'size':>8} {'engine blur+sharp/s':>20} {'engine all/s':>13} {'train/s':>9} "
          f"{'ratio (b+s)':>12} {'ratio (all)':>12}")
    for size in (128, 256):
        two = engine_rate(size, ("blur", "sharp"), args.seconds)
        every = engine_rate(size, synth.SIGNALS, args.seconds)
        train = training_rate(size, args.batch, args.seconds, device)
        print(f"{size:>4}x{size:<3} {two:>20.1f} {every:>13.1f} {train:>9.1f} "
              f"{two / train:>11.1f}x {every / train:>11.1f}x")


if __name__ == "__main__":
    main()
