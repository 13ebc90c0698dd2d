"""Paired verdicts: how two rows of results are compared.

Every row of an ablation is scored on the same test images with several
training seeds, so a comparison starts from the paired differences
``d[s, i] = row[s, i] - reference[s, i]`` (seed ``s``, image ``i``; a
reference without seeds, such as the blurred input, is the same for every
``s``). Their mean is the difference we report. Its uncertainty has three
sources, treated as crossed random effects::

    d[s, i] = delta + a[s] + b[i] + e[s, i]

``a`` the training noise of a seed, ``b`` how much the difference varies from
image to image (the test images are a sample of scenes too), ``e`` the rest.
The variance of the mean is estimated from the two-way mean squares,
conservatively as ``(MS_seed + MS_image) / (S * I)`` (dropping the residual
term that an unbiased estimate would subtract), with Satterthwaite's degrees
of freedom and a Student t quantile: a 95% interval that needs no random
resampling. With few seeds the seed term dominates and the t quantile is
large (4.30 for three seeds), which is what keeps the false-positive rate at
5% where a rule of thumb such as "the means differ by more than the range
over seeds" calls a difference about one time in five.

Outcomes (:func:`compare`):

``higher`` / ``lower``
    the interval excludes 0;
``equivalent``
    the interval lies inside ``[-margin, +margin]`` (a two one-sided test at
    2.5% each): the only outcome that supports "makes no difference";
``inconclusive``
    anything else: the data cannot tell, which is never support for "no
    difference";
``no claim``
    fewer than :data:`MIN_SEEDS` seeds: training noise cannot be estimated.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np
from scipy import stats as sps

MIN_SEEDS = 3
MARGIN_DB = 0.05  # the default equivalence margin, in dB of PSNR
LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    """The mean of ``values`` (seeds x images) with its ``level`` interval."""

    mean: float
    low: float
    high: float
    seeds: int
    images: int
    dof: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Comparison(Interval):
    """A paired difference (row - reference), its interval and the verdict."""

    verdict: str = "no claim"
    margin: float = MARGIN_DB


def _as_matrix(values, name: str) -> np.ndarray:
    """(seeds, images) float64; a 1-D input is one seed."""
    v = np.asarray(values, dtype=np.float64)
    v = v[None] if v.ndim == 1 else v
    if v.ndim != 2 or v.size == 0:
        raise ValueError(f"{name}: expected seeds x images values, got shape {np.shape(values)}")
    if not np.isfinite(v).all():
        raise ValueError(f"{name}: values must be finite (found NaN or inf)")
    return v


def interval(values, level: float = LEVEL) -> Interval:
    """Mean of ``values`` (seeds x images, or one seed's images) and its interval.

    Seeds and images are crossed random effects (see the module docstring);
    with one seed the training noise is unknown and the interval covers the
    image-to-image variation only.
    """
    v = _as_matrix(values, "values")
    s, i = v.shape
    mean = float(v.mean())
    terms = []  # (mean square, degrees of freedom)
    if s > 1:
        terms.append((i * v.mean(axis=1).var(ddof=1), s - 1))
    if i > 1:
        terms.append((s * v.mean(axis=0).var(ddof=1), i - 1))
    total = sum(ms for ms, _ in terms)
    if not terms or total == 0.0:
        return Interval(mean, mean, mean, s, i, math.inf)
    dof = total ** 2 / sum(ms ** 2 / df for ms, df in terms)
    half = float(sps.t.ppf(0.5 + level / 2, dof)) * math.sqrt(total / (s * i))
    return Interval(mean, mean - half, mean + half, s, i, dof)


def compare(row, reference, margin: float = MARGIN_DB, level: float = LEVEL,
            min_seeds: int = MIN_SEEDS) -> Comparison:
    """``row`` against ``reference`` on the same images: the paired difference and verdict.

    ``row``: seeds x images (or one seed's images); ``reference``: the same
    shape (paired seed by seed), or one row of images (a reference without
    seeds, e.g. the blurred input), or a single number.
    """
    r = _as_matrix(row, "row")
    ref = np.asarray(reference, dtype=np.float64)
    if ref.ndim == 1 and ref.shape[0] != r.shape[1]:
        raise ValueError(f"reference has {ref.shape[0]} images, the row {r.shape[1]}")
    if ref.ndim == 2 and ref.shape != r.shape:
        raise ValueError(f"reference is {ref.shape} (seeds x images), the row {r.shape}")
    if not np.isfinite(ref).all():
        raise ValueError("reference: values must be finite (found NaN or inf)")
    found = interval(r - ref, level)
    if found.seeds < min_seeds:
        verdict = "no claim"
    elif found.low > 0:
        verdict = "higher"
    elif found.high < 0:
        verdict = "lower"
    elif -margin <= found.low and found.high <= margin:
        verdict = "equivalent"
    else:
        verdict = "inconclusive"
    return Comparison(**found.as_dict(), verdict=verdict, margin=margin)


def difference(c: Interval, unit: str = "dB") -> str:
    """"-0.14 dB [-0.31, +0.03]": a difference with its interval."""
    return f"{c.mean:+.2f} {unit} [{c.low:+.2f}, {c.high:+.2f}]"


def estimate(c: Interval) -> str:
    """"30.12 [29.80, 30.44]": a mean with its interval."""
    return f"{c.mean:.2f} [{c.low:.2f}, {c.high:.2f}]"


# How a verdict bears on a claim that a row is better than its reference ("supported" only by "higher").
CLAIM_HIGHER = {"higher": "supported", "lower": "contradicted", "equivalent": "contradicted (equivalent)",
                "inconclusive": "inconclusive", "no claim": "no claim (fewer than 3 seeds)"}


def judge(c: Comparison, words: dict[str, str] = CLAIM_HIGHER, unit: str = "dB") -> str:
    """"supported: +0.82 dB [+0.23, +1.41]": what the verdict means for a claim (``words``), with the difference."""
    return f"{words[c.verdict]}: {difference(c, unit)}"


def describe(c: Comparison, unit: str = "dB") -> str:
    """"lower: -0.14 dB [-0.31, +0.03]": the verdict with the difference and its interval."""
    return f"{c.verdict}: {difference(c, unit)}"


def per_seed_images(runs: Sequence[dict], key: str = "psnr") -> np.ndarray:
    """(seeds, images) from evaluation results of one row, one per seed
    (each with ``per_image`` rows in the same image order)."""
    rows = [[p[key] for p in run["per_image"]] for run in runs]
    if len({len(r) for r in rows}) != 1:
        raise ValueError(f"seeds scored different numbers of images: {[len(r) for r in rows]}")
    return np.asarray(rows, dtype=np.float64)
