"""A chapter row's run, built from its chapter's budget.

:func:`row_experiment` is the protocol's :func:`~.protocol.experiment` with the budget's steps (or a
run's own) and the chapter's training keys recorded beside the row's settings: what every chapter's
builder otherwise writes out by hand. It lives here, not among the chapters, because what it passes
on (the steps, the settings, the data's extra signals) shapes the run, so its code must join the run's
identity (``experiments.training_code_digest`` leaves the chapters out). A builder's source is its
runs' identity too, so a chapter takes this up when its runs are trained again.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from . import protocol
from .experiments import Experiment


def row_experiment(
    name: str,
    model: nn.Module,
    loss: nn.Module,
    inputs: Sequence[str],
    cfg: dict,
    *,
    seed: int,
    device: str,
    iterations: int | None,
    training_keys: Sequence[str],
    settings: dict,
    fast: dict | None = None,
    extra_signals: Sequence[str] = (),
) -> Experiment:
    """``name`` under the protocol: ``cfg`` is the chapter's budget at a profile, ``iterations`` the
    run's steps (None: the budget's ``iterations``), ``training_keys`` the budget's own keys a run
    depends on, recorded with the row's ``settings`` (they join the identity); ``fast`` and
    ``extra_signals`` as :func:`~.protocol.experiment` takes them."""
    steps = cfg["iterations"] if iterations is None else iterations
    recorded = {**{key: cfg[key] for key in training_keys}, **settings}
    return protocol.experiment(name, model, loss, inputs, cfg, steps, seed, device, recorded, fast, extra_signals)
