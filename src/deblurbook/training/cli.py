"""``python -m deblurbook train``: named experiments, outside the notebooks.

    python -m deblurbook train --experiment 'chNN:row,chNN:prefix*' --profile small --seeds 0,1,2 --jobs 2
    python -m deblurbook train --experiment chNN:variant --profile small --out my-runs/x
    torchrun --nproc_per_node 4 -m deblurbook train --experiment chNN:variant --profile paper --out my-runs/x

Without ``--out``, the runs go where the notebooks look for them (the book's run
folders, with the checkpoint chosen on validation where the experiment has one),
so that a chapter's runs can be trained ahead of its notebooks: ``--experiment``
takes names or patterns separated by commas, ``--seeds`` a list, and ``--jobs N``
trains N runs at a time in N processes of ``cores / N`` threads each (every row's
seed 0 first). A run another process is training is skipped, a finished one only
loaded. With ``--out``, one experiment trains into that folder.

Run the same command again to resume an interrupted run; a folder that holds
another run (other experiment, profile, seed, settings or code) is refused.
``--status`` trains nothing: it says, run by run, what a sitting left (packed in
``runs/<profile>``, finished or part-trained in ``_build/runs``, or not started).
``--help`` lists the experiments the chapters define.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import importlib
import os
import subprocess
import sys
from collections.abc import Callable

import torch

from ..core import atomic
from ..core.checkpoints import CheckpointError
from ..core.device import DeviceUnavailable
from ..core.device_policy import require_device
from ..core.locks import LockedError, hold
from ..core.paths import build_dir
from . import experiments
from .archive import archive_dir, finished, train_archived
from .trainer import RunMismatchError, Trainer

WORKER_VARIABLE = "DEBLURBOOK_TRAIN_WORKER"  # set in the processes that --jobs starts
CLEAR_ERRORS = (ValueError, FileNotFoundError, LockedError, RunMismatchError, CheckpointError, DeviceUnavailable)


def matching(patterns: str) -> list[str]:
    """The experiments named by comma-separated names or shell patterns, in registry order."""
    known = experiments.names()
    wanted = [p.strip() for p in patterns.split(",") if p.strip()]
    unknown = [p for p in wanted if not fnmatch.filter(known, p)]
    if unknown or not wanted:
        raise ValueError(f"no experiment matches {', '.join(unknown) or repr(patterns)}; known: {', '.join(known)}")
    return [name for name in known if any(fnmatch.fnmatchcase(name, p) for p in wanted)]


def seed_list(text: str) -> list[int]:
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ValueError(f"--seeds takes integers separated by commas, got {text!r}") from None
    if not seeds:
        raise ValueError("--seeds is empty")
    return seeds


def train_book_runs(
    names: list[str], profile: str, seeds: list[int], device: str, progress: bool = False, workers: int | None = None
) -> list[str]:
    """Train each (experiment, seed) into the book's run folder, every row's seed 0 first; a
    run that another process holds is skipped. Returns what this process trained or loaded.
    ``progress``: each run's bar (steps per second, time left)."""
    done = []
    ranks = int(os.environ.get("WORLD_SIZE", "1"))  # under torchrun every rank trains the same run
    for seed in seeds:
        for name in names:
            claim = build_dir() / "runs" / profile / ".claims" / f"{name.replace(':', '-')}-seed{seed}"
            try:
                with hold(claim, f"{name} seed {seed} at {profile}") if ranks == 1 else contextlib.nullcontext():
                    train_archived(
                        name,
                        profile,
                        seed=seed,
                        train=train_function(name),
                        device=device,
                        progress=progress,
                        workers=workers,
                    )
            except LockedError:
                continue
            say(f"train: {name} seed {seed} at {profile} ready")
            done.append(f"{name}#{seed}")
    return done


def say(line: str) -> None:
    """One line on stdout in a single write: workers share the pipe, and ``print`` writes the text
    and its newline apart, so under ``PYTHONUNBUFFERED`` two workers' lines could run together."""
    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def run_status(names: list[str], profile: str, seeds: list[int]) -> list[str]:
    """A line per (experiment, seed) on what its run folder under the current identity holds: packed
    in ``runs/<profile>``, finished but not packed, part-trained (its step) in ``_build/runs``, or
    nothing yet; then how many are packed."""
    lines, packed = [], 0
    for name in names:
        for seed in seeds:
            folder = experiments.run_dir(experiments.build(name, profile, seed=seed, device="cpu"), profile, seed)
            if (archive_dir(profile) / name.split(":")[0] / folder.name).is_dir():
                said, packed = "packed", packed + 1
            elif finished(folder):
                said = "finished, not packed yet (the next sitting packs it)"
            elif (folder / "log.json").is_file():
                log = atomic.read_json(folder / "log.json")
                said = f"part-trained: step {log['step']} of {log['config']['iterations']}"
                rate = seconds_per_step(log["log"])
                if rate is not None:
                    left = (log["config"]["iterations"] - log["step"]) * rate / 60
                    said += f", about {left:.0f} min left at its logged rate"
            else:
                said = "started, before its first checkpoint" if folder.is_dir() else "not started"
            lines.append(f"{name} seed {seed}: {said} ({folder.name})")
    return [*lines, f"{packed} of {len(lines)} runs packed at {profile}"]


def seconds_per_step(entries: list[dict]) -> float | None:
    """The mean seconds a step took over a run's log entries (``step``, ``seconds`` since its
    process started, so a resumed run restarts the clock: only increasing pairs count), or
    None before two entries of one process."""
    seconds = steps = 0.0
    for a, b in zip(entries, entries[1:]):
        if b["seconds"] > a["seconds"] and b["step"] > a["step"]:
            seconds += b["seconds"] - a["seconds"]
            steps += b["step"] - a["step"]
    return seconds / steps if steps else None


def train_function(name: str) -> Callable:
    """How the chapter of experiment ``name`` trains its runs: its module's ``TRAIN_RUN`` where it has
    one (a chapter whose runs start from earlier runs' weights trains them in stages), else
    :func:`~deblurbook.training.experiments.train_experiment`. Found as the registry finds the
    chapters (this layer does not import them)."""
    module = importlib.import_module(f"{experiments.CHAPTERS_PACKAGE}.{name.split(':')[0]}")
    return getattr(module, "TRAIN_RUN", experiments.train_experiment)


def _in_processes(argv: list[str], jobs: int) -> int:
    """``jobs`` copies of this command with ``--jobs 1``, each on its share of the cores."""
    env = {**os.environ, "OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // jobs)), WORKER_VARIABLE: "1"}
    command = [sys.executable, "-m", "deblurbook", "train", *argv, "--jobs", "1"]
    workers = [subprocess.Popen(command, env=env) for _ in range(jobs)]
    return max(w.wait() for w in workers)


def _without_jobs(argv: list[str]) -> list[str]:
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--jobs":
            skip = True
        elif not arg.startswith("--jobs="):
            out.append(arg)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m deblurbook train", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--experiment", required=True, help=f"names or patterns, comma-separated, of {', '.join(experiments.names())}"
    )
    parser.add_argument("--profile", default="smoke")
    parser.add_argument("--out", default=None, help="train one experiment into this folder instead")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", default=None, help="the book's runs: seeds separated by commas")
    parser.add_argument("--jobs", type=int, default=1, help="the book's runs: processes at once")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--iterations", type=int, default=None, help="override the profile's (with --out)")
    parser.add_argument("--no-resume", action="store_true")
    parser.add_argument(
        "--workers", type=int, default=None, help="DataLoader processes rendering batches (a GPU wants several)"
    )
    parser.add_argument("--status", action="store_true", help="train nothing: say what each named run has")
    args = parser.parse_args(argv)
    if args.out is None:
        try:
            names = matching(args.experiment)
            seeds = seed_list(args.seeds) if args.seeds is not None else [args.seed]
            if args.status:
                print("\n".join(run_status(names, args.profile, seeds)))
                return 0
            if args.iterations is not None or args.no_resume:
                raise ValueError("--iterations and --no-resume need --out (the book's runs keep their budget)")
            if args.jobs > 1:
                return _in_processes(_without_jobs(argv), args.jobs)
            require_device(args.profile, args.device)
            # one process shows its runs' progress bars; the workers of --jobs print a line per run
            train_book_runs(
                names,
                args.profile,
                seeds,
                args.device,
                progress=WORKER_VARIABLE not in os.environ,
                workers=args.workers,
            )
        except CLEAR_ERRORS as err:
            print(f"train: {err}", file=sys.stderr)
            return 2
        return 0
    try:
        if args.iterations is not None and args.iterations < 1:
            raise ValueError(f"--iterations must be positive, got {args.iterations}")
        require_device(args.profile, args.device)
        exp = experiments.build(
            args.experiment, args.profile, seed=args.seed, device=args.device, iterations=args.iterations
        )
        if exp.settings.get("init_from") or exp.settings.get("phase_frozen"):
            raise ValueError(
                f"{args.experiment} starts from earlier runs or trains in phases: train it without --out, "
                "into the book's run folders, where its stages are found"
            )
        if args.workers is not None:
            exp.config.workers = args.workers
        trainer = Trainer(exp.model, exp.loss, exp.train_set, exp.inputs, exp.config, args.out, identity=exp.identity)
        trainer.train(resume=not args.no_resume)
    except CLEAR_ERRORS as err:
        print(f"train: {err}", file=sys.stderr)
        return 2
    if trainer.rank == 0:
        print(
            f"train: {args.experiment} done at step {trainer.step}; checkpoint {trainer.checkpoint_path} (a run of "
            "your own: the notebooks read the book's run folders, which the command fills without --out)"
        )
    if trainer.world > 1:
        torch.distributed.destroy_process_group()
    return 0
