"""Chapter 3: local deblurring, LODE and BladeNet (Wang et al., 2021).

Everything of the book that is this chapter's alone: the paper's quoted
numbers (:data:`PAPER`), the budgets per profile (:data:`BUDGETS`), the
named experiments (every trained row: Tables 3 and 4, the code's training
stages, the fine-tuned rows of Table 5, :data:`EXPERIMENTS`), the test sets,
and the figures, tables and claims of notebooks 03.01-03.05 (the
blurred-area ratio of Fig. 3, LBS step by step, the network, training,
ablations, results).
"""

from __future__ import annotations

from ...book import stats
from ...core import results
from .._runs import per_set
from .ablations import *  # noqa: F403
from .ablations import _NO_WORSE, STUDY, TABLE3_PAIRS, _versus  # noqa: F401
from .blurred_area import *  # noqa: F403
from .blurred_area import (
    _mean_ci,  # noqa: F401
    ratio_summary,
)
from .experiments import *  # noqa: F403
from .experiments import (  # noqa: F401
    CHAPTER,
    LODE_SET,
    _binary_scores,
    _blur_map_scores,
    _data,
    _loss,
    _model,
)
from .final_results import *  # noqa: F403
from .final_results import _cell, _zoom_box, results_summary  # noqa: F401
from .network import *  # noqa: F403
from .network import _KINDS  # noqa: F401
from .training import *  # noqa: F403
from .training import _against_input, _extra  # noqa: F401


def headline(profile: str = "small") -> list[str]:
    """The chapter's results so far in a sentence or two, from ``profile``'s committed files."""
    local = results.load(profile, CHAPTER, "local_blur", required=False)
    ablations = results.load(profile, CHAPTER, "ablations", required=False)
    lines = []
    if local:
        link = "{doc}`03.01 <../notebooks/ch03_local-deblurring/03.01-local-blur-and-lbs>`"
        lines.append(f"Local blur ({link}): {ratio_summary(local)}.")
    if ablations:
        link = "{doc}`03.04 <../notebooks/ch03_local-deblurring/03.04-ablations>`"
        alone, with_lbs = (per_set(ablations["rows"][r]["runs"]) for r in TABLE3_PAIRS["BladeNet-"])
        local_c, global_c = (stats.compare(with_lbs[t], alone[t]) for t in (LODE_SET, "global"))
        lines.append(
            f"Training BladeNet- on LBS data as well as global blur ({link}): on the LODE proxy, "
            f"{STUDY.describe(ablations, local_c)}; on global blur, {STUDY.describe(ablations, global_c)}."
        )
    final = results.load(profile, CHAPTER, "results", required=False)
    if final:
        link = "{doc}`03.05 <../notebooks/ch03_local-deblurring/03.05-results>`"
        lines.append(f"Results ({link}): {results_summary(final)}.")
    return lines
