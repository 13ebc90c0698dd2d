"""``python -m deblurbook train``: one named experiment, outside the notebooks.

    python -m deblurbook train --experiment chNN:variant --profile small --out runs/x
    torchrun --nproc_per_node 4 -m deblurbook train --experiment chNN:variant --profile paper --out runs/x

Run the same command again to resume an interrupted run; a folder that holds
another run (other experiment, profile, seed, settings or code) is refused.
``--help`` lists the experiments the chapters define.
"""

from __future__ import annotations

import argparse
import sys

import torch

from ..core.checkpoints import CheckpointError
from ..core.device import DeviceUnavailable
from ..core.locks import LockedError
from . import experiments
from .trainer import RunMismatchError, Trainer

CLEAR_ERRORS = (ValueError, FileNotFoundError, LockedError, RunMismatchError, CheckpointError, DeviceUnavailable)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deblurbook train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiment", required=True, help=f"one of {', '.join(experiments.names())}")
    parser.add_argument("--profile", default="smoke")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--iterations", type=int, default=None, help="override the profile's")
    parser.add_argument("--no-resume", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.iterations is not None and args.iterations < 1:
            raise ValueError(f"--iterations must be positive, got {args.iterations}")
        exp = experiments.build(args.experiment, args.profile, seed=args.seed, device=args.device,
                                iterations=args.iterations)
        trainer = Trainer(exp.model, exp.loss, exp.train_set, exp.inputs, exp.config, args.out,
                          identity=exp.identity)
        trainer.train(resume=not args.no_resume)
    except CLEAR_ERRORS as err:
        print(f"train: {err}", file=sys.stderr)
        return 2
    if trainer.rank == 0:
        print(f"train: {args.experiment} done at step {trainer.step}; checkpoint {trainer.checkpoint_path}")
    if trainer.world > 1:
        torch.distributed.destroy_process_group()
    return 0
