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
from .experiments import (  # noqa: F401
    CHAPTER,
    PAPER,
    _COMMON,
    BUDGETS,
    MOTION_THRESHOLD,
    RATIO_PRESETS,
    PAPER_THRESHOLDS,
    budget,
    _binary_scores,
    region_psnr,
    _blur_map_scores,
    mean_blur_map_iou,
    Row,
    _LBP_ON_LBS_ONLY,
    ROWS,
    STAGES,
    _model,
    _train_set,
    build,
    EXPERIMENTS,
    LBS_PRESET,
    LODE_PRESET,
    LODE_SET,
    validation,
    train_row,
    test_sets,
)
from .blurred_area import (  # noqa: F401
    engine_flows,
    reds_flows,
    ratio_curves,
    ratio_figure,
    ratio_table,
    _mean_ci,
    local_vs_global,
    lbs_sample,
    lbs_panels,
    lbs_figure,
    lbs_invariants,
    rotation_paths,
    lbs_strip,
    ratio_summary,
)
from .network import (  # noqa: F401
    CODE_COUNTS,
    VARIANT_NAMES,
    ROW_NAMES,
    _KINDS,
    layer_table,
    parameter_table,
    architecture_figure,
    macs,
    dice_examples,
    ideal_attention_panels,
)
from .training import (  # noqa: F401
    local_scores,
    score_row,
    rows_table,
    _against_input,
    training_table,
    _extra,
    blur_map_table,
    training_summary,
    staged_log,
    loss_curves,
    selection_table,
    qualitative_panels,
    training_result,
)
from .ablations import (  # noqa: F401
    TABLE4_ROWS,
    ABLATION_ROWS,
    TABLE3_PAIRS,
    ablation_result,
    table4,
    table3,
    _region_mean,
    table6,
    _NO_WORSE,
    _versus,
    claims,
)
from .final_results import (  # noqa: F401
    RESULT_ROWS,
    REAL_SETS,
    paper_value,
    headline_margins,
    time_per_image,
    results_result,
    _cell,
    table2,
    table5,
    timing_table,
    results_claims,
    _zoom_box,
    comparison_figure,
    SYNTHETIC_SETS,
    RESULT_FIGURES,
    results_summary,
    result_figures,
)


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
        lines.append(f"Training BladeNet- on LBS data as well as global blur ({link}) changes its PSNR on the "
                     f"LODE proxy by {stats.difference(local_c)} ({local_c.verdict}) and on global blur by "
                     f"{stats.difference(global_c)} ({global_c.verdict}).")
    final = results.load(profile, CHAPTER, "results", required=False)
    if final:
        link = "{doc}`03.05 <../notebooks/ch03_local-deblurring/03.05-results>`"
        lines.append(f"Results ({link}): {results_summary(final)}.")
    return lines
