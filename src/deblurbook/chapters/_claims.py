"""The floor before any verdict, and a chapter's claims read as one family.

A results page first states how much its model beats its blurred input on its own training
distribution (:func:`own_distribution_gain`); under :data:`FLOOR_DB` the claims that rest on the
model get no verdict, only their difference (:func:`read_claims`). A helper of the chapter modules,
not a chapter (its name starts with ``_``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..book import stats
from ._runs import against_input

FLOOR_DB = 1.0  # a model that beats its input by less on its own training distribution tests no claim


def own_distribution_gain(blurred: dict[str, list[float]], runs: list[dict], sets) -> stats.Comparison:
    """A row's PSNR gain over the blurred input on the test sets of its own training distribution
    (``sets``: names of engine sets of the presets it trained on), images of those sets pooled,
    paired over seeds and images (every generated scene is its own cluster)."""
    split = against_input(blurred, runs)
    missing = [name for name in sets if name not in split]
    if missing:
        raise ValueError(f"the row was not scored on {missing} (scored: {list(split)})")
    values = np.concatenate([split[name][0] for name in sets], axis=1)
    base = np.concatenate([split[name][1] for name in sets])
    return stats.compare(values, base)


def can_test_claims(gain: stats.Comparison) -> bool:
    """Whether a row beats its input by at least :data:`FLOOR_DB` on its own training distribution."""
    return gain.mean >= FLOOR_DB


def floor_sentence(label: str, gain: stats.Comparison, sets) -> str:
    """What a results page says first: how much ``label`` beats its input where it was trained,
    and, under :data:`FLOOR_DB`, that this budget cannot test the paper's claims."""
    where = ", ".join(f"`{name}`" for name in sets)
    said = (
        f"{label} beats its blurred input by {stats.difference(gain)} on scenes of its own training "
        f"distribution ({where}; held-out content and seeds)"
    )
    if can_test_claims(gain):
        return f"{said}: at least the {FLOOR_DB:.0f} dB the book asks before it reads any claim."
    return (
        f"{said}: under the {FLOOR_DB:.0f} dB the book asks before it reads any claim, so at this budget "
        "the network has barely learned to deblur, and this page prints **no verdict** on the paper's "
        "claims that rest on it."
    )


@dataclass(frozen=True)
class Claim:
    """A claim of a chapter's table: its words (the paper's claim with its table, or the book's own
    question, said as such), the paired comparison that tests it, and how a verdict bears on it
    (:data:`~deblurbook.book.stats.CLAIM_HIGHER` by default). ``gated``: it rests on the trained
    model, so the floor applies (a claim about the input or a classical method does not)."""

    label: str
    comparison: stats.Comparison
    words: dict = field(default_factory=lambda: stats.CLAIM_HIGHER)
    unit: str = "dB"
    gated: bool = True


def read_claims(claims: list[Claim], floor: stats.Comparison | None = None) -> list[tuple[str, str]]:
    """A chapter's table of claims read as one family: Holm's correction over the claims that are
    read; with ``floor`` (the model's gain on its own training distribution) under :data:`FLOOR_DB`,
    the gated claims get no verdict, only their difference."""
    blocked = floor is not None and not can_test_claims(floor)
    read = [c for c in claims if not (blocked and c.gated)]
    corrected = dict(zip(map(id, read), stats.holm([c.comparison for c in read])))
    return [
        (
            c.label,
            stats.judge(corrected[id(c)], c.words, c.unit)
            if id(c) in corrected
            else f"no verdict (the model is under the floor): {stats.difference(c.comparison, c.unit)}",
        )
        for c in claims
    ]


def read_with_floor(res: dict, main_row: str, label: str, sets, claims: list[Claim]) -> list[tuple[str, str]]:
    """A results file's claims table: first the floor (row ``main_row``, called ``label``, against its
    input on ``sets``, its own training distribution), then ``claims`` read under it as one family."""
    return read_under_floor(
        own_distribution_gain(res["blurred"], res["rows"][main_row]["runs"], sets), label, sets, claims
    )


def read_under_floor(floor: stats.Comparison, label: str, sets, claims: list[Claim]) -> list[tuple[str, str]]:
    """The floor's row (``label`` against its input on ``sets``), then ``claims`` read under it as one family."""
    return [
        ("The model deblurs where it was trained (the floor before any verdict)", floor_sentence(label, floor, sets)),
        *read_claims(claims, floor),
    ]
