"""Seeds and spread: how ablation rows are summarised and compared.

A row trained with several seeds is reported as its mean and its spread (the
range, max - min, over seeds). Two rows differ only when their means differ
by more than the larger of their spreads; otherwise the book reports "no
difference". With a single seed the spread is unknown and no claim is made.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def summarize(values: Sequence[float]) -> dict[str, float]:
    """Mean, min, max, spread (max - min) and count of per-seed values."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        raise ValueError("no values to summarise")
    return {"mean": float(v.mean()), "min": float(v.min()), "max": float(v.max()),
            "spread": float(v.max() - v.min()), "seeds": int(v.size)}


def verdict(row: dict[str, float], reference: dict[str, float]) -> str:
    """"higher", "lower", "no difference" or "one seed: no claim" for row against reference."""
    if row["seeds"] < 2 or reference["seeds"] < 2:
        return "one seed: no claim"
    diff = row["mean"] - reference["mean"]
    if abs(diff) <= max(row["spread"], reference["spread"]):
        return "no difference"
    return "higher" if diff > 0 else "lower"
