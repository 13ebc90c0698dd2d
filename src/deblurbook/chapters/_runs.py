"""What every training chapter does with a row: train it for each seed (or load the
finished run) and score it on fixed test sets, image by image, in one fixed order.

A helper of the chapter modules, not a chapter (its name starts with ``_``).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from torch import nn

from ..training import experiments
from ..training.evaluate import evaluate


def train_and_score(experiment: str, profile: str, seeds, device: str, sets: dict,
                    extra: Callable[[nn.Module, object], dict] | None = None) -> tuple[list[dict], nn.Module]:
    """Train ``experiment`` for each seed and score it on ``sets`` (name -> test set).

    Returns the runs, ``[{"experiment", "profile", "seed", "identity", "steps", "per_image",
    "psnr", "ssim"}]`` (``per_image`` lists every image of every set in order, each with its
    set's name under ``"preset"``, so that rows pair image by image; ``extra(model, device)``
    adds its dict under ``"extra"``), and the last seed's model.
    """
    runs, model = [], None
    for s in seeds:
        exp, trainer = experiments.train_experiment(experiment, profile, seed=s, device=device, progress=False)
        model = trainer.model
        per_image = []
        for name, data in sets.items():
            scored = evaluate(model, data, exp.inputs, trainer.device)
            per_image += [{**p, "preset": name} for p in scored["per_image"]]
        run = {"experiment": exp.name, "profile": profile, "seed": s, "identity": exp.identity["digest"],
               "steps": trainer.step, "per_image": per_image,
               "psnr": float(np.mean([p["psnr"] for p in per_image])),
               "ssim": float(np.mean([p["ssim"] for p in per_image]))}
        if extra is not None:
            run["extra"] = extra(model, trainer.device)
        runs.append(run)
    return runs, model
