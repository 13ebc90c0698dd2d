"""Chapter 2: deblurring from optical flow (Zhang, Pan et al., TCSVT 2021).

Everything of the book that is this chapter's alone: the paper's quoted
numbers (:data:`PAPER`), the budgets per profile (:data:`BUDGETS`), the named
experiments (one per Table IV row, :data:`EXPERIMENTS`), and the tables and
claims built from ``results/<profile>/ch02/`` files.
"""

from __future__ import annotations

from ...book import stats
from ...core import results
from .._runs import blurred_scores, train_and_score  # noqa: F401 (02.05 shows the second and keeps the first)
from .experiments import *  # noqa: F403
from .experiments import (
    CHAPTER,
)
from .pages import *  # noqa: F403
from .running import *  # noqa: F403
from .tables import *  # noqa: F403
from .tables import _SAME, _WORSE, _against_full, _by_verdict, against_input, verdict_counts, verdict_words  # noqa: F401


def headline(profile: str = "small") -> list[str]:
    """The chapter's results in a sentence or two, from ``profile``'s committed files."""
    res = results.load(profile, CHAPTER, "results", required=False)
    ablations = results.load(profile, CHAPTER, "ablations", required=False)
    if res is None or ablations is None or "rows" not in ablations:
        return []
    gains = "; ".join(
        f"{name}: {stats.describe(against_input(row, 'blurred_psnr'))}" for name, row in res["table2_ours"].items()
    )
    return [
        (
            f"Optical-flow deblurring ({{doc}}`02.06 <../notebooks/ch02_optical-flow/02.06-results>`), full model "
            f"against the blurred input, {len(res['seeds'])} seeds: {gains}."
        ),
        (
            "Its Table IV ({doc}`02.05 <../notebooks/ch02_optical-flow/02.05-ablations>`), the rows against the "
            f"full model: {verdict_words(ablations)}."
        ),
    ]
