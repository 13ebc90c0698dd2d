"""Results the notebooks measure, saved as JSON under ``results/<profile>/<chapter>/``.

Tables in the book are built from these files (or from the papers), never
typed. Each file carries the SHA-256 of its data (canonical JSON), checked
whenever it is loaded, so that a changed or corrupted file is refused by
name instead of shown.
"""

from __future__ import annotations

import hashlib
import json
import math
from importlib.metadata import version
from pathlib import Path
from typing import Any

from . import atomic
from .paths import results_dir
from .provenance import record_read


def _clean(value: Any) -> Any:
    """JSON-safe: numpy scalars and arrays to Python, inf/nan to strings."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def digest(data: Any) -> str:
    """SHA-256 of ``data`` as canonical JSON (sorted keys, no spaces)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def save(profile: str, chapter: str, name: str, data: dict, seed: int | None = None) -> str:
    """Write ``results/<profile>/<chapter>/<name>.json`` atomically; returns its path
    relative to the repository's ``results`` folder (no absolute path in outputs)."""
    clean = _clean(data)
    payload = {
        "profile": profile,
        "chapter": chapter,
        "seed": seed,
        "deblurbook": version("deblurbook"),
        "data": clean,
        "sha256": digest(clean),
    }
    path = results_dir(profile, chapter) / f"{name}.json"
    atomic.write_json(path, payload)
    return str(Path("results") / profile / chapter / path.name)


def load(profile: str, chapter: str, name: str, required: bool = True) -> dict | None:
    """The ``data`` of a saved result, verified against its digest; names the file
    when it is missing or fails the check, or returns None for a missing file
    when not ``required`` (a profile not run yet)."""
    path = results_dir(profile, chapter) / f"{name}.json"
    if not required and not path.is_file():
        return None
    payload = atomic.read_json(path)
    if not isinstance(payload, dict) or "data" not in payload or "sha256" not in payload:
        raise ValueError(f"{path}: not a results file of this book (no data and digest)")
    if digest(payload["data"]) != payload["sha256"]:
        raise ValueError(
            f"{path}: its data differ from its digest: the file was edited or is corrupt "
            "(re-run the notebook that writes it)"
        )
    record_read(path)
    return payload["data"]
