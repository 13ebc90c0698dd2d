"""Checkpoint files the package writes, with a digest beside each one.

``save`` writes ``NAME`` atomically and ``NAME.sha256`` beside it (JSON with
the allowed SHA-256 digests). The digest file lists the new digest *and* the
old one while the checkpoint is swapped, so that a kill at any moment leaves
a checkpoint that verifies. ``load`` verifies the digest before unpickling
(``torch.load(..., weights_only=True)``; its zip container's CRCs are not
checked by torch) and names the file and the problem when anything is wrong:
missing, empty, corrupt, changed, not a checkpoint, lacking an entry.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, Iterable

import torch

from . import atomic
from .provenance import record_read, sha256_file

DIGEST_SUFFIX = ".sha256"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message names the file and why."""


def digest_path(path: str | os.PathLike) -> Path:
    path = Path(path)
    return path.with_name(path.name + DIGEST_SUFFIX)


def _allowed(sidecar: Path) -> list[str]:
    try:
        return list(atomic.read_json(sidecar)["sha256"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return []


def save(state: dict, path: str | os.PathLike) -> Path:
    """``torch.save(state)`` to ``path`` atomically, with its digest file."""
    path, sidecar = Path(path), digest_path(path)
    old = sha256_file(path) if path.is_file() else None
    current = [old] if old in _allowed(sidecar) else []
    buffer = io.BytesIO()  # torch.save names its archive after the file: a buffer gives the same bytes each time
    torch.save(state, buffer)
    with atomic.atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
        digest = sha256_file(tmp)
        atomic.write_json(sidecar, {"sha256": [digest, *current]})  # either file verifies until the swap is done
    atomic.write_json(sidecar, {"sha256": [digest]})
    return path


def load(path: str | os.PathLike, map_location: Any = "cpu", required: Iterable[str] = ("model",)) -> dict:
    """A checkpoint written by :func:`save`, verified against its digest."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: checkpoint not found")
    if path.stat().st_size == 0:
        raise CheckpointError(f"{path}: empty file (0 bytes), not a checkpoint")
    allowed = _allowed(digest_path(path))
    if not allowed:
        raise CheckpointError(
            f"{path}: no digest file {digest_path(path).name} beside it, so its integrity "
            "cannot be checked (it was not written by deblurbook, or the digest was lost)"
        )
    if sha256_file(path) not in allowed:
        raise CheckpointError(
            f"{path}: contents differ from its digest ({digest_path(path).name}): "
            "the file is corrupt or was changed after it was written"
        )
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # noqa: BLE001 - name the file, whatever broke
        raise CheckpointError(f"{path}: cannot be loaded as a checkpoint ({type(err).__name__}: {err})") from None
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: holds a {type(state).__name__}, not a checkpoint dictionary")
    missing = [key for key in required if key not in state]
    if missing:
        raise CheckpointError(f"{path}: no {', '.join(repr(k) for k in missing)} entry (it has {sorted(state)})")
    record_read(path)
    return state
