"""Chapter 4: reference-based deblurring (Liu, Hua, Li).

The paper's quoted numbers (:data:`PAPER`), the budgets per profile, the
matching study of 04.01 (Eqs. 1-3 scored against the engine's true
correspondences, per descriptor, with and without the reference's down-up
sampling, and per time gap between the frames), the parameter sweep of
04.02, and the experiments of 04.03-04.05 (:data:`ROWS`: the full model,
Tables 5 and 6's variants, the zero-reference capacity control) with Table 7
as test-time reference swaps.
"""

from __future__ import annotations

from ...book import pages
from .experiments import *  # noqa: F403
from .experiments import (
    CHAPTER,
)
from .matching import *  # noqa: F403
from .matching import _accuracy, _cells, matching_summary  # noqa: F401
from .rows import *  # noqa: F403
from .rows import (
    _swaps,  # noqa: F401
    ablation_summary,
)


def headline(profile: str = "small") -> list[str]:
    """The chapter's results so far in a sentence, from ``profile``'s committed files."""
    folder = "ch04_reference-based"
    return pages.headline_line(
        profile, CHAPTER, "matching", f"{folder}/04.01-matching", "Matching", matching_summary
    ) + pages.headline_line(
        profile, CHAPTER, "ablations", f"{folder}/04.04-ablations", "The reference", ablation_summary
    )
