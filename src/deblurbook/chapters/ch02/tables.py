"""Tables and claims from the results files."""

from __future__ import annotations

import numpy as np

from ...book import stats
from ...book.tables import markdown_table
from .. import _claims
from .._rowstudy import VERDICTS
from .experiments import LABELS, PAPER, TABLE4_ROWS
from .running import synthetic_name

#
# Results keep every score per seed and per test image, in one fixed image order,
# so that rows are compared pairwise (deblurbook.book.stats).


def scores(runs: list[dict], key: str = "psnr") -> np.ndarray:
    """(seeds, images) of one row from its evaluation runs (one per seed)."""
    return stats.per_seed_images(runs, key)


def table4(ablations: dict) -> str:
    """Table IV: the paper's rows beside ours, with parameters and paired verdicts against full."""
    paper, rows = PAPER["table4"], ablations["rows"]
    full = scores(rows["full"]["runs"])
    lines = []
    for name in (r for r in TABLE4_ROWS if r in rows):
        row = rows[name]
        ours = scores(row["runs"])
        ssim = scores(row["runs"], "ssim").mean()
        p_psnr, p_ssim = paper.get(name, (None, None))
        quoted = f"{p_psnr:.2f} / {p_ssim:.3f} ({p_psnr - paper['full'][0]:+.2f})" if p_psnr else "-"
        versus = "-" if name == "full" else _read(ablations, stats.compare(ours, full))
        lines.append(
            [
                LABELS[name],
                quoted,
                f"{row['parameters']['trained'] / 1e6:.2f} M / {row['parameters']['paper'] / 1e6:.2f} M",
                f"{stats.estimate(stats.interval(ours))} / {ssim:.4f}",
                versus,
            ]
        )
    return markdown_table(
        [
            "row",
            "paper PSNR / SSIM on DVD (vs full)",
            "parameters (trained / paper scale)",
            f"ours PSNR [95% CI] / SSIM ({full.shape[0]} seeds x {full.shape[1]} images)",
            "ours against full: verdict, difference [95% CI]",
        ],
        lines,
    )


def fig6(ablations: dict) -> str:
    """Fig. 6: the finest flow's mean norm and the PSNR with consecutive and with identical frames."""
    f = ablations["fig6"]
    flow = {k: np.asarray(f[f"flow_{k}"]) for k in ("consecutive", "identical")}
    psnr = {k: np.asarray(f[f"psnr_{k}"]) for k in ("consecutive", "identical")}
    rows = [
        [f"{k} frames", stats.estimate(stats.interval(flow[k])), stats.estimate(stats.interval(psnr[k]))] for k in flow
    ]
    rows.append(
        [
            "identical - consecutive",
            stats.describe(stats.compare(flow["identical"], flow["consecutive"]), "px"),
            stats.describe(stats.compare(psnr["identical"], psnr["consecutive"])),
        ]
    )
    return markdown_table(["second input", "mean flow norm at 1/4 scale, px [95% CI]", "PSNR, dB [95% CI]"], rows)


def table2(res: dict) -> str:
    """Table II's analogue: blurred input, RL with TV-L1 flow kernels, and ours, per test set."""
    lines = []
    for name, row in res["table2_ours"].items():
        ours = np.asarray(row["ours_psnr"])
        lines.append(
            [
                name,
                row["images"],
                f"{np.mean(row['blurred_psnr']):.2f} / {np.mean(row['blurred_ssim']):.3f}",
                f"{np.mean(row['rl_psnr']):.2f} / {np.mean(row['rl_ssim']):.3f}",
                f"{stats.estimate(stats.interval(ours, clusters=row.get('clusters')))} / "
                f"{np.mean(row['ours_ssim']):.3f}",
            ]
        )
    seeds = len(res["seeds"])
    return markdown_table(
        [
            "test set",
            "images",
            "blurred input (PSNR / SSIM)",
            "RL, TV-L1 flow kernels",
            f"ours, PSNR [95% CI] / SSIM ({seeds} seed{'s' * (seeds > 1)})",
        ],
        lines,
    )


def table3(res: dict) -> str:
    ours, paper = res["table3_ours"], PAPER["table3"]
    h, w = ours["size"]
    return markdown_table(
        ["", "parameters", "image size", "seconds", "device"],
        [
            [
                "paper (Table III)",
                f"{paper['parameters'] / 1e6:.1f} M",
                "720x1280",
                f"{paper['seconds']:.2f}",
                paper["device"],
            ],
            [
                "ours, measured",
                f"{ours['parameters'] / 1e6:.2f} M",
                f"{h}x{w}",
                f"{ours['seconds']:.2f}",
                ours["device"],
            ],
        ],
    )


_WORSE = {
    "lower": "supported",
    "higher": "contradicted (higher than full)",
    "equivalent": "contradicted (equivalent to full)",
    "inconclusive": "inconclusive",
    "no claim": "no claim (fewer than 3 seeds)",
}
_SAME = {
    "equivalent": "supported",
    "higher": "contradicted (higher than full)",
    "lower": "contradicted (lower than full)",
    "inconclusive": "inconclusive (not support)",
    "no claim": "no claim (fewer than 3 seeds)",
}


def fig6_summary(f: dict) -> str:
    """Fig. 6 in words chosen by the numbers: how the flow and the PSNR change with identical frames."""
    flow = stats.compare(np.asarray(f["flow_identical"]), np.asarray(f["flow_consecutive"]))
    psnr = stats.compare(np.asarray(f["psnr_identical"]), np.asarray(f["psnr_consecutive"]))
    before, after = np.mean(f["flow_consecutive"]), np.mean(f["flow_identical"])
    moves = {
        "lower": f"shrinks from {before:.2f} to {after:.2f} px ({after / max(before, 1e-12):.0%} of it)",
        "higher": f"grows from {before:.2f} to {after:.2f} px",
        "equivalent": f"stays at {before:.2f} px",
        "inconclusive": f"goes from {before:.2f} to {after:.2f} px (inconclusive)",
        "no claim": f"goes from {before:.2f} to {after:.2f} px (too few seeds to tell)",
    }
    return f"the flow {moves[flow.verdict]}; the PSNR with identical frames is {stats.describe(psnr)}"


def against_input(row: dict, reference: str) -> stats.Comparison:
    """Ours (seeds x images) against a per-image reference of a Table II row ("blurred_psnr", "rl_psnr"),
    resampling the row's clusters where it records them (REDS frames by clip)."""
    return stats.compare(np.asarray(row["ours_psnr"]), np.asarray(row[reference]), clusters=row.get("clusters"))


def _by_verdict(verdicts: dict[str, str]) -> str:
    """{"REDS": "higher", "global": "inconclusive"} as "higher on REDS; inconclusive on global"."""
    grouped: dict[str, list[str]] = {}
    for name, verdict in verdicts.items():
        grouped.setdefault(verdict, []).append(name)
    return "; ".join(f"{verdict} on {', '.join(names)}" for verdict, names in grouped.items())


def reference_summary(res: dict, ablations: dict | None) -> str:
    """What a run's Table II analogue and Table IV say, in words built from their verdicts."""

    def versus(reference: str) -> str:
        return _by_verdict({name: against_input(row, reference).verdict for name, row in res["table2_ours"].items()})

    rl = (
        f"it is {versus('rl_psnr')}"
        if _claims.can_test_claims(floor(res))
        else "no verdict is read (the model is under the floor)"
    )
    text = f"against the blurred input, the full model is {versus('blurred_psnr')}; against Richardson-Lucy with TV-L1 flow kernels {rl}"
    if ablations and "rows" in ablations:
        text += f"; its Table IV rows against the full model: {verdict_words(ablations)}"
    return text


OWN_PRESETS = ("global", "mixed")  # the presets every profile trains on: the ablation file names its sets by them
OWN_SETS = tuple(synthetic_name(p) for p in OWN_PRESETS)  # their test sets as the results file names them


def floor(res: dict) -> stats.Comparison:
    """The full model's gain over its blurred input on the test sets of its training presets, pooled."""
    sets = [res["table2_ours"][name] for name in OWN_SETS if name in res["table2_ours"]]
    if not sets:
        raise ValueError(f"the results score none of the training presets {OWN_SETS}")
    return stats.compare(
        np.concatenate([np.asarray(r["ours_psnr"]) for r in sets], axis=1),
        np.concatenate([np.asarray(r["blurred_psnr"]) for r in sets]),
    )


def claims(res: dict, ablations: dict) -> list[tuple[str, str]]:
    """The paper's claims and what this profile's results say, from paired comparisons: first the
    floor, then the tested claims read as one family (Holm) under it, then those tested otherwise.

    "Worse than full" claims are supported only by "lower"; "no gain" claims only
    by "equivalent" (within the margin); "inconclusive" is never support.
    """
    rows = ablations["rows"]
    full = scores(rows["full"]["runs"])
    tested = [
        _claims.Claim(
            f"The model restores blurred frames (better than the input), {name}",
            against_input(row, "blurred_psnr"),
            gated=False,
        )
        for name, row in res["table2_ours"].items()
    ]
    tested += [
        _claims.Claim(
            f"It beats non-blind deconvolution with estimated flow (Fig. 5), {name}", against_input(row, "rl_psnr")
        )
        for name, row in res["table2_ours"].items()
    ]
    for name, label, words in (
        ("no_rnn", "RNNs are needed (w/o RNNs is worse)", _WORSE),
        ("concat_weights", "RNNs beat concatenating their weights", _WORSE),
        ("single_image", "Flow from two frames beats one frame (w/o flow is worse)", _WORSE),
        ("no_flow_loss", "The flow loss helps (w/o flow losses is worse)", _WORSE),
        ("rnn_in_decoder", "RNNs belong in the encoder (in the decoder is worse)", _WORSE),
        ("bidirectional", "Bidirectional flow gives a similar result (no gain)", _SAME),
    ):
        if name in rows:
            tested.append(_claims.Claim(f"{label} (Table IV)", stats.compare(scores(rows[name]["runs"]), full), words))
    return [
        *_claims.read_under_floor(floor(res), "the full model", OWN_SETS, tested),
        ("Fig. 6: identical frames give near-zero flow and less deblurring", fig6_summary(ablations["fig6"])),
        ("30.58 dB on DVD, 0.20 s on a Titan Xp", "cannot be tested here (no DVD; timings on other hardware)"),
    ]


def _against_full(ablations: dict) -> dict[str, stats.Comparison]:
    """Each Table IV row of ``ablations`` (but the full model) against the full model."""
    rows = ablations["rows"]
    full = scores(rows["full"]["runs"])
    return {r: stats.compare(scores(rows[r]["runs"]), full) for r in TABLE4_ROWS if r != "full" and r in rows}


def ablation_floor(ablations: dict) -> stats.Comparison:
    """The full model's gain over its blurred input on the ablation file's test sets of its training
    presets (:data:`OWN_PRESETS`), paired over seeds and images: the floor before any row's verdict."""
    if "blurred" not in ablations:
        raise ValueError("the ablation results keep no blurred-input scores ('blurred'): run 02.05 again")
    return _claims.own_distribution_gain(ablations["blurred"], ablations["rows"]["full"]["runs"], OWN_PRESETS)


def _read(ablations: dict, comparison: stats.Comparison) -> str:
    """A row against the full model: "lower: -0.31 dB [...]" over the floor, its difference alone under it."""
    return _claims.read_claims([_claims.Claim("", comparison, words=VERDICTS)], ablation_floor(ablations))[0][1]


def verdict_counts(ablations: dict) -> dict[str, int]:
    """How many Table IV rows are lower, higher, equivalent, inconclusive or make no claim against the
    full model; all of them "no verdict" while the full model is under its floor."""
    comparisons = _against_full(ablations)
    if not _claims.can_test_claims(ablation_floor(ablations)):
        return {"no verdict": len(comparisons)}
    verdicts = [c.verdict for c in comparisons.values()]
    return {word: verdicts.count(word) for word in ("lower", "higher", "equivalent", "inconclusive", "no claim")}


def verdict_words(ablations: dict) -> str:
    """The verdict counts in words: "2 lower, 5 inconclusive", or why there are none."""
    counts = verdict_counts(ablations)
    if "no verdict" in counts:
        return (
            f"without a verdict, all {counts['no verdict']}: the full model's gain over its blurred input "
            f"where it was trained, {stats.difference(ablation_floor(ablations))}, is under the "
            f"{_claims.FLOOR_DB:.0f} dB floor"
        )
    return ", ".join(f"{n} {word}" for word, n in counts.items() if n)
