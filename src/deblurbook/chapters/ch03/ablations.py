"""The ablations: Tables 3, 4 and 6 and their claims (03.04)."""

from __future__ import annotations

from functools import partial

import numpy as np

from ...book import stats
from ...book.tables import markdown_table
from .. import _rowstudy
from .._claims import Claim
from .._runs import blurred_scores, per_set, versus
from .experiments import CHAPTER, LODE_SET, PAPER, test_sets
from .network import ROW_NAMES
from .training import score_row

TABLE4_ROWS = ("none", "lbp", "bsa", "full")
ABLATION_ROWS = (*TABLE4_ROWS, "none_global", "unet_global", "unet")
TABLE3_PAIRS = {"BladeNet-": ("none_global", "none"), "residual U-Net (the book's)": ("unet_global", "unet")}


def ablation_result(profile: str, seeds, device: str) -> dict:
    """03.04's results: every row of :data:`ABLATION_ROWS` for each seed, scored on the test sets."""
    sets = test_sets(profile)
    local = sets["local (LBS)"]
    return {
        "rows": {row: score_row(row, profile, seeds, device, sets) for row in ABLATION_ROWS},
        "blurred": blurred_scores(sets),
        "sets": {name: len(data) for name, data in sets.items()},
        "mask_share": [float(local[i]["mask"].mean()) for i in range(len(local))],
    }


def table4(res: dict) -> str:
    """Table 4: the paper's rows beside ours on the LODE-proxy set, each against the full model."""
    paper, rows = PAPER["table4"], res["rows"]
    full = per_set(rows["full"]["runs"])[LODE_SET]
    lines = []
    for row in TABLE4_ROWS:
        ours = per_set(rows[row]["runs"])[LODE_SET]
        ssim = per_set(rows[row]["runs"], "ssim")[LODE_SET].mean()
        versus = "-" if row == "full" else STUDY.describe(res, stats.compare(ours, full))
        quoted = (
            f"{paper[row][0]:.2f} / {paper[row][1]:.4f} ({paper[row][0] - paper['full'][0]:+.2f})"
            if row in paper
            else "- (the book's row)"
        )
        lines.append([ROW_NAMES[row], quoted, f"{stats.estimate(stats.interval(ours))} / {ssim:.4f}", versus])
    seeds, images = full.shape
    return markdown_table(
        [
            "row",
            "paper on LODE (vs full)",
            f"ours on the LODE proxy ({seeds} seed{'s' * (seeds > 1)} x {images} images)",
            "ours against full: verdict, difference [95% CI]",
        ],
        lines,
    )


def table3(res: dict) -> str:
    """Table 3's question: each architecture trained on global blur alone and with LBS data,
    on the LODE-proxy set and on global blur (paired: +LBS minus global-only)."""
    lines = []
    for name, (alone, with_lbs) in TABLE3_PAIRS.items():
        a, b = per_set(res["rows"][alone]["runs"]), per_set(res["rows"][with_lbs]["runs"])
        for test in (LODE_SET, "global"):
            lines.append(
                [
                    name,
                    test,
                    stats.estimate(stats.interval(a[test])),
                    stats.estimate(stats.interval(b[test])),
                    STUDY.describe(res, stats.compare(b[test], a[test])),
                ]
            )
    quoted = PAPER["table3"]["BladeNet-"]
    paper = (
        f"BladeNet- in the paper: LODE {quoted['LODE']['REDS'][0]:.2f} -> "
        f"{quoted['LODE']['REDS+VOC'][0]:.2f}, REDS {quoted['REDS']['REDS'][0]:.2f} -> "
        f"{quoted['REDS']['REDS+VOC'][0]:.2f} dB"
    )
    return (
        markdown_table(
            ["network", "test set", "trained on global blur", "trained on global + LBS", "+LBS against global only"],
            lines,
        )
        + f"\n\n{paper}."
    )


OWN_SETS = ("global", "mixed")  # the protocol's validation presets: six sevenths of BladeNet's training stream
REGIONS = ("small_code", "small_true", "large_code", "large_true")
# the rows as one study: claims and summaries read under the floor of BladeNet (the full model)
STUDY = _rowstudy.RowStudy(CHAPTER, score_row, test_sets, "full", "BladeNet", ROW_NAMES, own_sets=OWN_SETS)
read = STUDY.read


def region_scores(runs: list[dict], key: str) -> np.ndarray | None:
    """A row's region PSNR ``key`` as (seeds, images), the images that have the region (the same
    images for every row and seed: a region is the test image's own); None where none has it."""
    values = [r["extra"][key] for r in runs]
    kept = [i for i in range(len(values[0])) if all(v[i] is not None for v in values)]
    return np.asarray([[v[i] for i in kept] for v in values]) if kept else None


def _region_cell(runs: list[dict], key: str) -> str:
    found = region_scores(runs, key)
    return stats.estimate(stats.interval(found)) if found is not None else "-"


def table6(res: dict) -> str:
    """Table 6 on the LBS test set: full image, small- and large-motion regions, in the code's
    reading (zeroed outside the region, inflated) and the true one; mean [95% CI] over seeds and
    images."""
    lines = []
    for row in TABLE4_ROWS:
        runs = res["rows"][row]["runs"]
        quoted = PAPER["table6"].get(row)
        lines.append(
            [
                ROW_NAMES[row],
                " / ".join(f"{v[0]:.2f}" for v in quoted) if quoted else "-",
                stats.estimate(stats.interval(per_set(runs)["local (LBS)"])),
                *[_region_cell(runs, key) for key in REGIONS],
            ]
        )
    return markdown_table(
        [
            "row",
            "paper: full / small / large",
            "ours: full image",
            "small, code's reading",
            "small, true",
            "large, code's reading",
            "large, true",
        ],
        lines,
    )


_NO_WORSE = {
    "equivalent": "supported",
    "higher": "supported (higher)",
    "lower": "contradicted (lower)",
    "inconclusive": "inconclusive (not support)",
    "no claim": "no claim (fewer than 3 seeds)",
}


def _versus(rows: dict, label: str, a: str, b: str, test: str = LODE_SET, words: dict = stats.CLAIM_HIGHER) -> Claim:
    """The claim ``label``: row ``a`` against row ``b`` on ``test``, paired over seeds and images."""
    return Claim(label, versus(rows, a, b, test), words)


def _regions(rows: dict, label: str, a: str, b: str, key: str) -> Claim:
    """The claim ``label``: row ``a`` against row ``b`` on the region PSNR ``key`` (true reading)."""
    return Claim(label, stats.compare(region_scores(rows[a]["runs"], key), region_scores(rows[b]["runs"], key)))


# Sec. 4.3 on Table 6, quoted
TABLE6_SAYS = {
    "large": '"both LBP and BSA yields large improvements on the large motion regions"',
    "bsa": '"BSA works better on large-motion regions"',
    "small": '"LBP is able to protect those small-motion regions from being over-deblurred"',
}


def table6_claims(rows: dict) -> list[Claim]:
    """Sec. 4.3's reading of Table 6, on the true region PSNRs of the LBS test set (the regions are
    split by the true flow's norm at the code's threshold; the text lost it)."""
    if any(region_scores(rows["none"]["runs"], k) is None for k in ("small_true", "large_true")):
        return []
    return [
        _regions(
            rows,
            f"LBP improves the large-motion regions (Table 6: {TABLE6_SAYS['large']})",
            "lbp",
            "none",
            "large_true",
        ),
        _regions(
            rows,
            f"BSA improves the large-motion regions (Table 6: {TABLE6_SAYS['large']})",
            "bsa",
            "none",
            "large_true",
        ),
        _regions(
            rows,
            f"BSA beats LBP on the large-motion regions (Table 6: {TABLE6_SAYS['bsa']})",
            "bsa",
            "lbp",
            "large_true",
        ),
        _regions(
            rows,
            f"LBP beats BSA on the small-motion regions (Table 6: {TABLE6_SAYS['small']})",
            "lbp",
            "bsa",
            "small_true",
        ),
    ]


def claims(res: dict) -> list[tuple[str, str]]:
    """The paper's claims and what this profile's runs say, from paired comparisons on the LODE proxy
    ("no worse" claims are supported only by "equivalent" or "higher"), read as one family under
    BladeNet's floor."""
    rows = res["rows"]
    versus = partial(_versus, rows)
    found = []
    for name, (alone, with_lbs) in TABLE3_PAIRS.items():
        found.append(versus(f"LBS data help {name} on local blur (Table 3)", with_lbs, alone))
        found.append(
            versus(f"LBS data do not hurt {name} on global blur (Table 3)", with_lbs, alone, "global", _NO_WORSE)
        )
    found += [
        versus("LBP helps (Table 4)", "lbp", "none"),
        versus("BSA helps (Table 4)", "bsa", "none"),
        versus("Both beat LBP alone (Table 4)", "full", "lbp"),
        versus("Both beat BSA alone (Table 4)", "full", "bsa"),
        *table6_claims(rows),
    ]
    return read(res, found)
