"""The ablations: Tables 3, 4 and 6 and their claims (03.04)."""

from __future__ import annotations

from functools import partial

import numpy as np

from ...book import stats
from ...book.tables import markdown_table
from .._runs import blurred_scores, per_set
from .experiments import LODE_SET, PAPER, test_sets
from .network import ROW_NAMES
from .training import score_row

TABLE4_ROWS = ("none", "lbp", "bsa", "full", "full_joint")
ABLATION_ROWS = (*TABLE4_ROWS, "none_global", "unet_global", "unet_lbs")
TABLE3_PAIRS = {"BladeNet-": ("none_global", "none"), "residual U-Net (the book's)": ("unet_global", "unet_lbs")}


def ablation_result(profile: str, seeds, device: str) -> dict:
    """03.04's results: every row of :data:`ABLATION_ROWS` for each seed, scored on the test sets."""
    sets = test_sets(profile)
    local = sets["local (LBS)"]
    return {"rows": {row: score_row(row, profile, seeds, device, sets) for row in ABLATION_ROWS},
            "blurred": blurred_scores(sets), "sets": {name: len(data) for name, data in sets.items()},
            "mask_share": [float(local[i]["mask"].mean()) for i in range(len(local))]}


def table4(res: dict) -> str:
    """Table 4: the paper's rows beside ours on the LODE-proxy set, each against the full model."""
    paper, rows = PAPER["table4"], res["rows"]
    full = per_set(rows["full"]["runs"])[LODE_SET]
    lines = []
    for row in TABLE4_ROWS:
        ours = per_set(rows[row]["runs"])[LODE_SET]
        ssim = per_set(rows[row]["runs"], "ssim")[LODE_SET].mean()
        versus = "-" if row == "full" else stats.describe(stats.compare(ours, full))
        quoted = (f"{paper[row][0]:.2f} / {paper[row][1]:.4f} ({paper[row][0] - paper['full'][0]:+.2f})"
                  if row in paper else "- (the book's row)")
        lines.append([ROW_NAMES[row], quoted, f"{stats.estimate(stats.interval(ours))} / {ssim:.4f}", versus])
    seeds, images = full.shape
    return markdown_table(["row", "paper on LODE (vs full)",
                           f"ours on the LODE proxy ({seeds} seed{'s' * (seeds > 1)} x {images} images)",
                           "ours against full: verdict, difference [95% CI]"], lines)


def table3(res: dict) -> str:
    """Table 3's question: each architecture trained on global blur alone and with LBS data,
    on the LODE-proxy set and on global blur (paired: +LBS minus global-only)."""
    lines = []
    for name, (alone, with_lbs) in TABLE3_PAIRS.items():
        a, b = per_set(res["rows"][alone]["runs"]), per_set(res["rows"][with_lbs]["runs"])
        for test in (LODE_SET, "global"):
            lines.append([name, test, stats.estimate(stats.interval(a[test])), stats.estimate(stats.interval(b[test])),
                          stats.describe(stats.compare(b[test], a[test]))])
    quoted = PAPER["table3"]["BladeNet-"]
    paper = (f"BladeNet- in the paper: LODE {quoted[('LODE', 'REDS')][0]:.2f} -> "
             f"{quoted[('LODE', 'REDS+VOC')][0]:.2f}, REDS {quoted[('REDS', 'REDS')][0]:.2f} -> "
             f"{quoted[('REDS', 'REDS+VOC')][0]:.2f} dB")
    return markdown_table(["network", "test set", "trained on global blur", "trained on global + LBS",
                           "+LBS against global only"], lines) + f"\n\n{paper}."


def _region_mean(runs: list[dict], key: str) -> str:
    values = [v for r in runs for v in r["extra"][key] if v is not None]
    return f"{np.mean(values):.2f}" if values else "-"


def table6(res: dict) -> str:
    """Table 6 on the LBS test set: full image, small- and large-motion regions, in the code's
    reading (zeroed outside the region, inflated) and the true one."""
    lines = []
    for row in TABLE4_ROWS:
        runs = res["rows"][row]["runs"]
        full_image = per_set(runs)["local (LBS)"].mean()
        quoted = PAPER["table6"].get(row)
        lines.append([ROW_NAMES[row], " / ".join(f"{v[0]:.2f}" for v in quoted) if quoted else "-",
                      f"{full_image:.2f}", _region_mean(runs, "small_code"), _region_mean(runs, "small_true"),
                      _region_mean(runs, "large_code"), _region_mean(runs, "large_true")])
    return markdown_table(["row", "paper: full / small / large", "ours: full image", "small, code's reading",
                           "small, true", "large, code's reading", "large, true"], lines)


_NO_WORSE = {"equivalent": "supported", "higher": "supported (higher)", "lower": "contradicted (lower)",
             "inconclusive": "inconclusive (not support)", "no claim": "no claim (fewer than 3 seeds)"}


def _versus(rows: dict, a: str, b: str, test: str = LODE_SET, words: dict = stats.CLAIM_HIGHER) -> str:
    """Row ``a`` against row ``b`` on ``test``, paired over seeds and images, in ``words``."""
    return stats.judge(stats.compare(per_set(rows[a]["runs"])[test], per_set(rows[b]["runs"])[test]), words)


def claims(res: dict) -> list[tuple[str, str]]:
    """The paper's claims and what this profile's runs say, from paired comparisons on the LODE proxy
    ("no worse" claims are supported only by "equivalent" or "higher")."""
    versus = partial(_versus, res["rows"])
    out = []
    for name, (alone, with_lbs) in TABLE3_PAIRS.items():
        out.append((f"LBS data help {name} on local blur (Table 3)", versus(with_lbs, alone, LODE_SET)))
        out.append((f"LBS data do not hurt {name} on global blur (Table 3)",
                    versus(with_lbs, alone, "global", _NO_WORSE)))
    out += [("LBP helps (Table 4)", versus("lbp", "none", LODE_SET)),
            ("BSA helps (Table 4)", versus("bsa", "none", LODE_SET)),
            ("Both beat either alone (Table 4)", f"vs LBP only: {versus('full', 'lbp', LODE_SET)}; "
             + f"vs BSA only: {versus('full', 'bsa', LODE_SET)}"),
            ("The stages beat joint training from the start (the book's question)", versus("full", "full_joint"))]
    return out
