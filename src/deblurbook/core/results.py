"""Results the notebooks measure, saved as JSON under ``results/<profile>/<chapter>/``.

Tables in the book are built from these files (or from the papers), never typed.
"""

from __future__ import annotations

import math
from importlib.metadata import version
from typing import Any

from . import atomic
from .paths import results_dir


def _clean(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, inf/nan to strings."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def save(profile: str, chapter: str, name: str, data: dict, seed: int | None = None) -> str:
    """Write ``results/<profile>/<chapter>/<name>.json`` atomically; returns its path."""
    payload = {"profile": profile, "chapter": chapter, "seed": seed,
               "deblurbook": version("deblurbook"), "data": _clean(data)}
    path = results_dir(profile, chapter) / f"{name}.json"
    atomic.write_json(path, payload)
    return str(path)


def load(profile: str, chapter: str, name: str, required: bool = True) -> dict | None:
    """The ``data`` of a saved result; names the file when it is missing, or
    returns None for a missing file when not ``required`` (a profile not run yet)."""
    path = results_dir(profile, chapter) / f"{name}.json"
    if not required and not path.is_file():
        return None
    return atomic.read_json(path)["data"]
