"""Chapter 7: the five papers' networks side by side, under one protocol.

Every network (and a plain U-Net as the floor) trains on the same synthetic stream (the engine's
`mixed` scenes), for the same steps, batch, crop and schedule (Adam, cosine annealing), with the
same seeds, each with its paper's own loss and the inputs its paper needs; each at two sizes: its
chapter's `small` width and a width near a common budget of about 1 M parameters (:data:`NETWORKS`).
They are scored on the same images (the fixed `global`, `local` and `mixed` sets, the bundled
GoPro crops and REDS frames) with paired verdicts between every pair (07.01, 07.02), costed at
720x1280 (07.02), and measured against the size of the blur (07.03).
"""

from __future__ import annotations

from ...book import pages
from .claims import *  # noqa: F403
from .claims import best_summary
from .comparison import *  # noqa: F403
from .examples import *  # noqa: F403
from .experiments import *  # noqa: F403
from .experiments import CHAPTER
from .regions import *  # noqa: F403
from .scale import *  # noqa: F403
from .shipping import *  # noqa: F403

MAIN_EXPERIMENT = f"{CHAPTER}:unet-1M"  # the floor every chapter's model is read against (what the benchmarks time)


def headline(profile: str = "small") -> list[str]:
    """The comparison in a sentence, from ``profile``'s committed files."""
    return pages.headline_line(
        profile,
        CHAPTER,
        "comparison",
        "ch07_side-by-side/07.01-one-protocol",
        "All five under one protocol",
        best_summary,
    )
