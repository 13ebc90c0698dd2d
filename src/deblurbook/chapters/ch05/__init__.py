"""Chapter 5: SGENet (spatially guided enhancement).

The paper's quoted numbers (:data:`PAPER`), the budgets per profile, CEM's
and CSAM's maps on a trained model (05.01), the network's parameters by
module kind, its multiply-accumulates beside the other chapters' networks
(``torch.utils.flop_counter``), the runtime argument (what the paper's 0.017 s
would need of its GPU) and this machine's time in both timing modes (05.02),
and the experiments of 05.03-05.05 (:data:`ROWS`: the full model and the
ablations the paper's lost section would have had).
"""

from __future__ import annotations

from ...book import pages
from .experiments import *  # noqa: F403
from .experiments import (
    CHAPTER,
    runtime_summary,
)
from .guidance import *  # noqa: F403
from .rows import *  # noqa: F403
from .rows import (
    _gains,  # noqa: F401
    ablation_summary,
)


def headline(profile: str = "small") -> list[str]:
    """The chapter's results so far in a sentence, from ``profile``'s committed files."""
    return pages.headline_line(
        profile, CHAPTER, "network", "ch05_sgenet/05.02-the-network-and-its-cost", "The runtime claim", runtime_summary
    ) + pages.headline_line(
        profile, CHAPTER, "ablations", "ch05_sgenet/05.04-ablations", "The lost ablations", ablation_summary
    )
