"""Chapter 6: the multi-scale two-way network (Cheng et al., MTDN).

The paper's quoted numbers (:data:`PAPER`), the budgets per profile, the ablation rows as
experiments (:data:`ROWS`, trained on shake blur and engine scenes in alternate steps), the test
sets (Table 1's and Table 2's analogues, the real samples), and for the notebooks: the layer table
and parameter readings (06.02), what each branch adds per frequency band (06.01), the rows scored
against the blurred input and each other (06.03, 06.04), the classical methods given the true
kernel, size and time at 720x1280, and the claims with paired verdicts (06.05).
"""

from __future__ import annotations

from ...book import pages
from .branches import *  # noqa: F403
from .branches import _branch_values, _corr  # noqa: F401
from .experiments import *  # noqa: F403
from .experiments import CHAPTER  # noqa: F401
from .final_results import *  # noqa: F403
from .final_results import _levin_summary  # noqa: F401
from .rows import *  # noqa: F403
from .rows import ablation_summary


def headline(profile: str = "small") -> list[str]:
    """The chapter's results in a sentence or two, from ``profile``'s committed files."""
    folder = "ch06_two-way-multi-scale"
    return pages.headline_line(
        profile, CHAPTER, "ablations", f"{folder}/06.04-ablations", "The two-way decoder", ablation_summary
    ) + pages.headline_line(
        profile,
        CHAPTER,
        "results",
        f"{folder}/06.05-results",
        "On Levin kernels wider than any seen in training",
        _levin_summary,
    )
