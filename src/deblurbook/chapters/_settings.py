"""A chapter's settings, kept as data beside its code.

* ``paper.toml``: the numbers a chapter quotes from its paper (typed from the paper's text, each
  table with a comment naming it; never the book's own).
* ``budgets.toml``: the chapter's budget per profile: ``[common]`` holds what every profile shares,
  ``[smoke]``, ``[small]`` and ``[paper]`` what each sets, on top of the book's training protocol at
  that profile (``training/protocol.py``) where the chapter trains under it.

TOML's arrays are read as tuples, so that a budget reads as the Python literals it replaced (a run's
identity and a chapter's scoring record hold its settings). TOML has no null: a setting that is
``None`` at a profile, or one computed in code, comes in through :func:`budgets`' ``extra``.
"""

from __future__ import annotations

from pathlib import Path

import tomllib

from ..core.profiles import PROFILES
from ..training import protocol

# the protocol's settings a run depends on (part of its identity), for a chapter that trains under it
# without importing the protocol's module (chapter 7: its runs' code is what they import)
PROTOCOL_KEYS = protocol.KEYS


def _frozen(value):
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    return value


def read(beside: str, name: str) -> dict:
    """The TOML file ``name`` in the folder of the module file ``beside``, arrays as tuples; a missing
    or malformed file is an error that names it."""
    path = Path(beside).with_name(name)
    try:
        with path.open("rb") as f:
            return _frozen(tomllib.load(f))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ValueError(f"{path}: cannot read the chapter's settings ({err})") from err


def quoted(beside: str) -> dict:
    """The paper's numbers that the chapter beside ``beside`` quotes (its ``paper.toml``)."""
    return read(beside, "paper.toml")


def budgets(beside: str, protocol_based: bool = True, extra: dict | None = None) -> dict[str, dict]:
    """{profile: budget} from the ``budgets.toml`` beside ``beside``: the training protocol's settings
    at that profile (when ``protocol_based``), then ``[common]``, then the profile's table, then
    ``extra[profile]`` (values TOML cannot hold)."""
    table = read(beside, "budgets.toml")
    unknown = set(table) - {"common", *PROFILES}
    if unknown:
        raise ValueError(f"{Path(beside).with_name('budgets.toml')}: tables {sorted(unknown)} name no profile")
    extra = extra or {}
    return {
        profile: {
            **(protocol.budget(profile) if protocol_based else {}),
            **table.get("common", {}),
            **table[profile],
            **extra.get(profile, {}),
        }
        for profile in PROFILES
        if profile in table
    }
