"""Does dense patch matching fit in memory? Chunked search against the full similarity matrix.

Prints, in one run, for the reference-based deblurring paper's matching
(Eqs. 1-3: normalised 3x3 patches of quarter-size features, here the
parameter-free NCC descriptor's 144 values per patch):

* at image sizes where the full (N x N) matrix still fits, the time and the
  peak memory of ``match_full`` and of ``match_chunked``, their ratios, and
  whether the indices agree (where the best match is not a near-tie);
* at 720x1280 (N = 57,600 patches: a full matrix of 13.3 GB in float32),
  ``match_chunked`` alone.

Each measurement runs in a fresh process (CPU: the peak resident memory
above the process's resident memory before the call; CUDA: the peak
allocated memory), after a warm-up on a small input.

    python benchmarks/reference_matching.py [--device cpu] [--chunk 4096]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time

import torch

FULL_SIZES = ((128, 128), (256, 256), (384, 384), (512, 512))
LARGE = (720, 1280)


def _vectors(size: tuple[int, int], seed: int, device: torch.device) -> torch.Tensor:
    from deblurbook.models.reference import NCCDescriptor
    from deblurbook.nn.matching import patch_vectors

    g = torch.Generator().manual_seed(seed)
    image = torch.rand(1, 3, *size, generator=g).to(device)
    return patch_vectors(NCCDescriptor()(image), centre=True)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _measure(kind: str, size: tuple[int, int], chunk: int, device_name: str, queue) -> None:
    from deblurbook.nn.matching import match_chunked, match_full

    device = torch.device(device_name)
    query, ref = _vectors(size, 0, device), _vectors(size, 1, device)
    run = (lambda: match_full(query, ref)) if kind == "full" else (lambda: match_chunked(query, ref, chunk, chunk))
    small_q, small_r = query[:, :, :64], ref[:, :, :64]
    match_full(small_q, small_r), match_chunked(small_q, small_r, 8, 8)  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
    else:
        base = _rss_bytes()
    start = time.perf_counter()
    _, index = run()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        peak = torch.cuda.max_memory_allocated(device) - base
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
    queue.put({"seconds": time.perf_counter() - start, "peak": max(peak, 0), "index": index.cpu().numpy()})


def measure(kind: str, size: tuple[int, int], chunk: int, device: str) -> dict:
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_measure, args=(kind, size, chunk, device, queue))
    process.start()
    found = queue.get()
    process.join()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--chunk", type=int, default=4096)
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    from deblurbook.core.device import describe, resolve

    device = resolve(args.device)
    print(f"device: {describe(device)}; chunk {args.chunk} x {args.chunk}")
    print(f"{'image':>10} {'patches':>8} {'full s':>8} {'chunked s':>10} {'time ratio':>10} {'full MB':>9} "
          f"{'chunked MB':>11} {'memory ratio':>12} {'indices equal':>14}")
    for size in FULL_SIZES:
        full, chunked = (measure(kind, size, args.chunk, str(device)) for kind in ("full", "chunked"))
        n = full["index"].size
        equal = float((full["index"] == chunked["index"]).mean())
        print(f"{size[0]}x{size[1]:<5} {n:>8} {full['seconds']:>8.3f} {chunked['seconds']:>10.3f} "
              f"{chunked['seconds'] / full['seconds']:>10.2f} {full['peak'] / 2**20:>9.1f} "
              f"{chunked['peak'] / 2**20:>11.1f} {full['peak'] / max(chunked['peak'], 1):>12.1f} {equal:>14.4f}")
    if not args.skip_large:
        large = measure("chunked", LARGE, args.chunk, str(device))
        n = large["index"].size
        print(f"{LARGE[0]}x{LARGE[1]}: {n} patches (a full matrix would need {n * n * 4 / 2**30:.1f} GiB); "
              f"chunked {large['seconds']:.1f} s, peak {large['peak'] / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
