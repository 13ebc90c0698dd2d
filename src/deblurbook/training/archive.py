"""Finished runs kept in the repository, so that a chapter's runs add up across sittings.

The book's run folders live under ``_build/runs/<profile>/<chapter>/`` (see
:func:`~deblurbook.training.experiments.run_dir`), which a new checkout does not have. At the
profiles whose results are committed (:data:`ARCHIVED_PROFILES`), a *finished* run is also packed
into ``runs/<profile>/<chapter>/<its folder's name>/`` in the repository, and a checkout that lacks
the run folder restores it from there instead of training it again:

* ``checkpoint.pt``: the trainer's last checkpoint without the optimisers' moments (a finished
  run never steps again; their parameter groups are kept, so that the trainer loads it as it is)
  and with every floating-point weight in float16: half the bytes of float32, about 2 MB per
  million parameters (where the last model is the one chosen on validation, its weights are
  stored once, in ``best.pt``, and the checkpoint says so);
* ``best.pt``: the model chosen on validation (:mod:`~deblurbook.training.selection`), float16;
* ``selection.json`` and ``log.json``, as the run wrote them.

Packing rewrites the run's own folder from its archive, so every score of a packed run (in the
sitting that trained it and in any later one) is taken with the same float16-rounded weights. A
run's folder name carries its identity: a changed configuration or code trains a new run, and
packing it removes the archived runs of the same row and seed under an older identity.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import torch

from ..core import atomic, checkpoints
from ..core.locks import LockedError, hold
from ..core.paths import build_dir, repo_root
from . import experiments

ARCHIVED_PROFILES = ("small",)
FILES = ("checkpoint.pt", "best.pt", "selection.json", "log.json")
HALF_KEYS = ("model", "loss")  # the checkpoint entries whose weights are stored in float16
_FOLDER = re.compile(r"^(.+)-seed(\d+)-([0-9a-f]{12})$")  # a run folder's name: row, seed, identity
MODEL_IN_BEST = "archive_model_in_best"  # a checkpoint entry: its model weights are best.pt's


def archive_dir(profile: str) -> Path:
    """``runs/<profile>`` in the repository."""
    return repo_root() / "runs" / profile


def live_dir(profile: str) -> Path:
    """The book's run folders at ``profile``: ``_build/runs/<profile>``."""
    return build_dir() / "runs" / profile


def finished(folder: Path) -> bool:
    """Whether the run in ``folder`` has trained to its last step and, where it selects its model
    on validation, has scored that step too."""
    log_path, record_path = folder / "log.json", folder / "selection.json"
    if not (folder / "checkpoint.pt").is_file() or not log_path.is_file():
        return False
    log = atomic.read_json(log_path)
    end = log["config"]["iterations"]
    if log["step"] < end:
        return False
    if record_path.is_file():
        history = atomic.read_json(record_path)["history"]
        return bool(history) and history[-1]["step"] >= end and (folder / "best.pt").is_file()
    return True


def _without_moments(value):
    """An optimiser's state dict (at any depth: a phased optimiser holds several) with its
    per-parameter state emptied and its parameter groups kept."""
    if isinstance(value, dict):
        if "state" in value and "param_groups" in value:
            return {**value, "state": {}}
        return {k: _without_moments(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_moments(v) for v in value]
    return value


def _halved(weights: dict, path: Path) -> dict:
    out = {}
    for key, t in weights.items():
        if torch.is_tensor(t) and t.dtype == torch.float32:
            if t.numel() and not (bool(torch.isfinite(t).all()) and float(t.abs().max()) <= 65504):
                raise ValueError(f"{path}: weight {key} does not fit float16 (not finite or over 65504)")
            t = t.to(torch.float16)
        out[key] = t
    return out


def _widened(weights: dict) -> dict:
    return {
        k: t.to(torch.float32) if torch.is_tensor(t) and t.dtype == torch.float16 else t for k, t in weights.items()
    }


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def pack(folder: Path, target: Path) -> Path:
    """Write the archive of the finished run in ``folder`` to ``target`` (a folder, replaced whole
    and at once), then rewrite ``folder`` from it. Returns ``target``."""
    if not finished(folder):
        raise ValueError(f"{folder}: the run has not finished, so it cannot be archived")
    state = checkpoints.load(folder / "checkpoint.pt")
    state = _without_moments({k: v for k, v in state.items()})
    for key in HALF_KEYS:
        if key in state:
            state[key] = _halved(state[key], folder / "checkpoint.pt")
    staging = target.with_name(f".{target.name}.packing")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    if (folder / "best.pt").is_file():
        best = checkpoints.load(folder / "best.pt")
        best["model"] = _halved(best["model"], folder / "best.pt")
        checkpoints.save(best, staging / "best.pt")
        if _same(best["model"], state["model"]):
            state = {**state, "model": {}, MODEL_IN_BEST: True}
    checkpoints.save(state, staging / "checkpoint.pt")
    for name in ("selection.json", "log.json"):
        if (folder / name).is_file():
            atomic.write_json(staging / name, atomic.read_json(folder / name))
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    unpack(target, folder)
    return target


def unpack(archived: Path, folder: Path) -> None:
    """Make ``folder`` the finished run archived in ``archived`` (weights back in float32)."""
    folder.mkdir(parents=True, exist_ok=True)
    state = checkpoints.load(archived / "checkpoint.pt")
    if state.pop(MODEL_IN_BEST, False):
        state["model"] = checkpoints.load(archived / "best.pt")["model"]
    for key in HALF_KEYS:
        if key in state:
            state[key] = _widened(state[key])
    if (archived / "best.pt").is_file():
        best = checkpoints.load(archived / "best.pt")
        checkpoints.save({**best, "model": _widened(best["model"])}, folder / "best.pt")
    for name in ("selection.json", "log.json"):
        if (archived / name).is_file():
            atomic.write_json(folder / name, atomic.read_json(archived / name))
    checkpoints.save(state, folder / "checkpoint.pt")  # last: the folder is a finished run only once all is there


def _older(target: Path) -> list[Path]:
    """Archived folders of the same row and seed as ``target`` under another identity."""
    stem = target.name.rsplit("-", 1)[0] + "-"
    return [p for p in target.parent.glob(stem + "*") if p != target and p.is_dir() and len(p.name) == len(target.name)]


def _archiving(folder: Path):
    """The lock that one process holds while it packs or restores the run in ``folder``."""
    return hold(folder.parent / f".{folder.name}.archive.lock", f"archiving {folder.name}")


def restore(profile: str, chapter: str) -> list[str]:
    """Restore every archived run of ``chapter`` at ``profile`` whose run folder is missing or
    unfinished (a folder another process is training is left alone). Returns their names."""
    source = archive_dir(profile) / chapter
    done = []
    for archived in sorted(p for p in source.glob("*") if p.is_dir() and not p.name.startswith(".")):
        folder = live_dir(profile) / chapter / archived.name
        if finished(folder):
            continue
        try:
            with _archiving(folder):
                if not finished(folder):
                    unpack(archived, folder)
                    done.append(archived.name)
        except LockedError:
            continue
    return done


def current(profile: str, chapter: str, folder: Path) -> bool:
    """Whether ``folder`` (``<row>-seed<k>-<identity digest>``) is the run folder that the current
    code and settings give for its row and seed (a run of an older identity, or of a row that no
    longer exists, is not)."""
    found = _FOLDER.match(folder.name)
    if found is None:
        return False
    row, seed = found.group(1), int(found.group(2))
    try:
        exp = experiments.build(f"{chapter}:{row}", profile, seed=seed, device="cpu")
    except (ValueError, KeyError):
        return False
    return experiments.run_dir(exp, profile, seed).name == folder.name


def pack_finished(profile: str, chapter: str) -> list[str]:
    """Archive every finished run of ``chapter`` at ``profile`` that is not archived yet and is
    :func:`current` (removing the archives of the same rows and seeds under older identities): a
    stale run left in ``_build`` never replaces a current one. Returns their names."""
    done = []
    for folder in sorted(p for p in (live_dir(profile) / chapter).glob("*") if p.is_dir()):
        target = archive_dir(profile) / chapter / folder.name
        if folder.name.startswith(".") or target.is_dir() or not finished(folder):
            continue
        if not current(profile, chapter, folder):
            continue
        try:
            with _archiving(folder):
                if target.is_dir():
                    continue
                pack(folder, target)
                for old in _older(target):
                    shutil.rmtree(old)
                done.append(folder.name)
        except LockedError:
            continue  # another process (a --jobs worker) is packing or restoring it now
    return done


def train_archived(name: str, profile: str, seed: int = 0, train: Callable | None = None, **kwargs):
    """``train(name, profile, seed=seed, **kwargs)`` (default:
    :func:`~deblurbook.training.experiments.train_experiment`) with the archive: at an archived
    profile, the chapter's archived runs are restored first, and a run finished now is packed
    and loaded again from its archive, so that it is scored as a later sitting will score it."""
    train = train or experiments.train_experiment
    if profile not in ARCHIVED_PROFILES:
        return train(name, profile, seed=seed, **kwargs)
    chapter = name.split(":")[0]
    restore(profile, chapter)
    folder = experiments.run_dir(experiments.build(name, profile, seed=seed, device="cpu"), profile, seed)
    trained_now = not finished(folder)
    exp, trainer = train(name, profile, seed=seed, **kwargs)
    pack_finished(profile, chapter)
    if trained_now and (archive_dir(profile) / chapter / folder.name).is_dir():
        exp, trainer = train(name, profile, seed=seed, **kwargs)  # the archived (float16-rounded) weights
    return exp, trainer
