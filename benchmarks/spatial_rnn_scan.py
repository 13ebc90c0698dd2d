"""Spatially variant RNN: the fast scan against the plain loop, forward + backward.

For a 720x1280 input the network of paper 002 runs its RNNs (four directions
each) on 24 channels at 360x640, 48 at 180x320 and 96 at 90x160. For each of
those, and in one run, this prints the median seconds of forward + backward
of all four directions with ``deblurbook.nn.scan.spatial_rnn`` (the fast scan)
and with ``spatial_rnn_loop`` (a Python loop over the scanned axis, the way
public ports write it), and the speed-up. ``--full-resolution`` runs the
three channel counts at 720x1280 itself instead.

    python benchmarks/spatial_rnn_scan.py [--device cpu|cuda] [--repeats 3]
"""

from __future__ import annotations

import argparse

from deblurbook.book.timing import time_spatial_rnn
from deblurbook.core.device import describe, resolve
from deblurbook.models.flow_deblur import RNN_FEATURES_720P
from deblurbook.nn.scan import spatial_rnn, spatial_rnn_loop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--full-resolution", action="store_true",
                        help="24, 48 and 96 channels at 720x1280 (slow on CPU)")
    args = parser.parse_args()
    device = resolve(args.device)
    print(", ".join(f"{k}: {v}" for k, v in describe(device).items()))
    shapes = [(c, 720, 1280) for c, _, _ in RNN_FEATURES_720P] if args.full_resolution else RNN_FEATURES_720P
    print(f"{'features (C x H x W)':>22} {'fast scan (s)':>14} {'plain loop (s)':>15} {'speed-up':>9}")
    for shape in shapes:
        fast = time_spatial_rnn(spatial_rnn, shape, device, args.repeats)
        loop = time_spatial_rnn(spatial_rnn_loop, shape, device, args.repeats)
        print(f"{'x'.join(map(str, shape)):>22} {fast:>14.3f} {loop:>15.3f} {loop / fast:>8.1f}x")


if __name__ == "__main__":
    main()
