"""One call to seed every random generator the book uses."""

from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy's global state and torch (CPU and CUDA).

    Returns a fresh ``numpy.random.Generator`` for code that takes one
    explicitly, which is the preferred style in the package.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)
