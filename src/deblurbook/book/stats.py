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
resampling. Satterthwaite's degrees of freedom are estimated from the same
data; uncapped, their tails are too light for the smaller levels a corrected
family tests at (simulated at 3 seeds and 16 images: 0.77% false claims at a
nominal 0.5%), so they are capped at ``3 (S - 1)`` (0.15% there, 3.8% at 5%). With few seeds the seed term dominates and the t quantile is
large (4.30 for three seeds), which is what keeps the false-positive rate at
5% where a rule of thumb such as "the means differ by more than the range
over seeds" calls a difference about one time in five.

The unit of replication on the image side is the *cluster*: the test images
are not always independent scenes (the bundled GoPro crops are 30 crops of one
frame; the REDS frames are consecutive frames of two clips). With ``clusters``
(a label per image) the differences are first averaged within each cluster
and seed, and the interval is built from seeds x clusters: a set of one
cluster says nothing about other scenes, and its interval covers the seeds'
spread only.

Every claim states its *smallest effect that matters* (``margin``, in the
claim's unit: 0.1 dB by default, :data:`MARGIN_DB`); it is also the margin of
equivalence. Outcomes (:func:`compare`):

``higher`` / ``lower``
    the interval excludes 0 and the mean difference is at least the margin
    (a difference too small to matter is never called higher);
``equivalent``
    the interval lies inside ``[-margin, +margin]`` (a two one-sided test at
    2.5% each): the only outcome that supports "makes no difference";
``inconclusive``
    anything else (including a difference that is surely there but may be
    too small to matter): the data cannot tell, which is never support for
    "no difference";
``no claim``
    fewer than :data:`MIN_SEEDS` seeds: training noise cannot be estimated.

A family of comparisons read together (a verdict matrix, a chapter's table of
claims) is corrected with Holm's step-down procedure (:func:`holm`), so that
the chance of any false "higher" or "lower" in the family stays at 5%.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Sequence

import numpy as np
from scipy import stats as sps

MIN_SEEDS = 3
MIN_CLUSTERS = 3  # an estimate over two clusters shows no interval (:func:`estimate`)
DOF_CAP = 3  # Satterthwaite's degrees of freedom are capped at DOF_CAP * (seeds - 1)
MARGIN_DB = 0.1  # the default smallest difference that matters (and equivalence margin), in dB of PSNR
LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    """The mean of ``values`` (seeds x images) with its ``level`` interval (``se``: its
    standard error, ``dof``: the t distribution's degrees of freedom; ``clusters``: the
    independent image-side units the interval counts)."""

    mean: float
    low: float
    high: float
    seeds: int
    images: int
    dof: float
    se: float = 0.0
    level: float = LEVEL
    clusters: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    def at(self, level: float) -> "Interval":
        """The same estimate with its interval at another level."""
        if self.se == 0.0 or not math.isfinite(self.dof):
            return replace(self, level=level)
        half = float(sps.t.ppf(0.5 + level / 2, self.dof)) * self.se
        return replace(self, low=self.mean - half, high=self.mean + half, level=level)

    def p_value(self) -> float:
        """Two-sided p-value of "the mean is 0"."""
        if self.se == 0.0:
            return 0.0 if self.mean != 0 else 1.0
        return float(2 * sps.t.sf(abs(self.mean) / self.se, self.dof))


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


def by_cluster(values, clusters) -> np.ndarray:
    """(seeds, images) -> (seeds, clusters): each seed's mean over the images of each cluster
    (``clusters``: a label per image; clusters in order of first appearance)."""
    v = _as_matrix(values, "values")
    labels = list(clusters)
    if len(labels) != v.shape[1]:
        raise ValueError(f"{len(labels)} cluster labels for {v.shape[1]} images")
    names = list(dict.fromkeys(labels))
    return np.stack([v[:, [k for k, c in enumerate(labels) if c == name]].mean(axis=1) for name in names], 1)


def interval(values, level: float = LEVEL, clusters=None, bounds: tuple[float, float] | None = None) -> Interval:
    """Mean of ``values`` (seeds x images, or one seed's images) and its interval.

    Seeds and images (or, with ``clusters``, clusters of images) are crossed random
    effects (see the module docstring); with one seed the training noise is unknown
    and the interval covers the image-to-image variation only; with one cluster, the
    seeds' spread only. ``bounds`` clip the interval to what the quantity can take
    (a ratio or an IoU in [0, 1]).
    """
    images = _as_matrix(values, "values").shape[1]
    v = _as_matrix(values, "values") if clusters is None else by_cluster(values, clusters)
    found = _crossed(v, level)
    found = replace(found, images=images, clusters=v.shape[1])
    if bounds is not None:
        found = replace(found, low=max(found.low, bounds[0]), high=min(found.high, bounds[1]))
    return found


def _crossed(v: np.ndarray, level: float) -> Interval:
    s, i = v.shape
    mean = float(v.mean())
    terms = []  # (mean square, degrees of freedom)
    if s > 1:
        terms.append((i * v.mean(axis=1).var(ddof=1), s - 1))
    if i > 1:
        terms.append((s * v.mean(axis=0).var(ddof=1), i - 1))
    total = sum(ms for ms, _ in terms)
    if not terms or total == 0.0:
        return Interval(mean, mean, mean, s, i, math.inf, 0.0, level)
    dof = total**2 / sum(ms**2 / df for ms, df in terms)
    if s > 1 and i > 1:  # estimated from the same data, uncapped its tails are too light (see the docstring)
        dof = min(dof, DOF_CAP * (s - 1))
    se = math.sqrt(total / (s * i))
    half = float(sps.t.ppf(0.5 + level / 2, dof)) * se
    return Interval(mean, mean - half, mean + half, s, i, dof, se, level)


def _verdict(found: Interval, margin: float, min_seeds: int) -> str:
    if found.seeds < min_seeds or (found.se == 0.0 and found.seeds * found.clusters <= 1):
        return "no claim"
    if found.low > 0 and found.mean >= margin:
        return "higher"
    if found.high < 0 and found.mean <= -margin:
        return "lower"
    if -margin <= found.low and found.high <= margin:
        return "equivalent"
    return "inconclusive"


def compare(
    row, reference, margin: float = MARGIN_DB, level: float = LEVEL, min_seeds: int = MIN_SEEDS, clusters=None
) -> Comparison:
    """``row`` against ``reference`` on the same images: the paired difference and verdict.

    ``row``: seeds x images (or one seed's images); ``reference``: the same
    shape (paired seed by seed), or one row of images (a reference without
    seeds, e.g. the blurred input), or a single number. ``margin``: the smallest
    difference that matters (and the equivalence margin). ``clusters``: a label
    per image where images are not independent scenes (crops of one frame,
    frames of one clip).
    """
    r = _as_matrix(row, "row")
    ref = np.asarray(reference, dtype=np.float64)
    if ref.ndim == 1 and ref.shape[0] != r.shape[1]:
        raise ValueError(f"reference has {ref.shape[0]} images, the row {r.shape[1]}")
    if ref.ndim == 2 and ref.shape != r.shape:
        raise ValueError(f"reference is {ref.shape} (seeds x images), the row {r.shape}")
    if not np.isfinite(ref).all():
        raise ValueError("reference: values must be finite (found NaN or inf)")
    found = interval(r - ref, level, clusters=clusters)
    return Comparison(**found.as_dict(), verdict=_verdict(found, margin, min_seeds), margin=margin)


def holm(comparisons, level: float = LEVEL, min_seeds: int = MIN_SEEDS) -> list[Comparison]:
    """A family of comparisons with Holm's step-down correction: the ``k``-th smallest p-value
    is tested at ``alpha / (m - k)``; its interval is widened to that level and its verdict
    read again, and after the first difference that is not found, none of the later ones
    may be called higher or lower (their widened intervals can still show equivalence).
    Returned in the order given."""
    found = list(comparisons)
    alpha, m = 1 - level, len(found)
    order = sorted(range(m), key=lambda k: found[k].p_value())
    out: list[Comparison | None] = [None] * m
    stopped = False
    for rank, k in enumerate(order):
        c = found[k]
        widened = replace(c.at(1 - alpha / (m - rank)), verdict="no claim")
        verdict = _verdict(widened, c.margin, min_seeds)
        if stopped and verdict in ("higher", "lower"):
            verdict = "inconclusive"
        if c.p_value() > alpha / (m - rank):
            stopped = True
        out[k] = replace(widened, verdict=verdict)
    return out


def difference(c: Interval, unit: str = "dB") -> str:
    """ "-0.14 dB [-0.31, +0.03]": a difference with its interval."""
    return f"{c.mean:+.2f} {unit} [{c.low:+.2f}, {c.high:+.2f}]"


def estimate(c: Interval) -> str:
    """ "30.12 [29.80, 30.44]": a mean with its interval; "24.52 (2 scenes: too few for an
    interval)" where the images are two independent scenes, or two clusters (the two REDS clips):
    one degree of freedom on the image side puts a 95% interval 12.7 standard errors either side
    of the mean, wider than the range the quantity can take. (One cluster's interval covers the
    seeds' spread only, see :func:`interval`.)"""
    if 1 < c.clusters < MIN_CLUSTERS:
        return f"{c.mean:.2f} ({c.clusters} scenes: too few for an interval)"
    return f"{c.mean:.2f} [{c.low:.2f}, {c.high:.2f}]"


# How a verdict bears on a claim that a row is better than its reference by at least the margin
# ("supported" only by "higher"; "equivalent" says the difference is too small to matter).
CLAIM_HIGHER = {
    "higher": "supported",
    "lower": "contradicted",
    "equivalent": "contradicted (no difference that matters)",
    "inconclusive": "inconclusive",
    "no claim": "no claim (fewer than 3 seeds)",
}
# ... and on a claim that two rows do the same ("the reference's content makes no difference").
CLAIM_SAME = {
    "higher": "contradicted (higher)",
    "lower": "contradicted (lower)",
    "equivalent": "supported",
    "inconclusive": "inconclusive",
    "no claim": "no claim (fewer than 3 seeds)",
}


def judge(c: Comparison, words: dict[str, str] = CLAIM_HIGHER, unit: str = "dB") -> str:
    """ "supported: +0.82 dB [+0.23, +1.41]": what the verdict means for a claim (``words``), with the difference."""
    return f"{words[c.verdict]}: {difference(c, unit)}"


def describe(c: Comparison, unit: str = "dB") -> str:
    """ "lower: -0.14 dB [-0.31, +0.03]": the verdict with the difference and its interval."""
    return f"{c.verdict}: {difference(c, unit)}"


def per_seed_images(runs: Sequence[dict], key: str = "psnr") -> np.ndarray:
    """(seeds, images) from evaluation results of one row, one per seed
    (each with ``per_image`` rows in the same image order)."""
    rows = [[p[key] for p in run["per_image"]] for run in runs]
    if len({len(r) for r in rows}) != 1:
        raise ValueError(f"seeds scored different numbers of images: {[len(r) for r in rows]}")
    return np.asarray(rows, dtype=np.float64)
