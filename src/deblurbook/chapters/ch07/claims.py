"""Chapter 7's claims, floor, convergence and learning curves (07.01, 07.02)."""

from __future__ import annotations

from dataclasses import dataclass

from ...book import stats, viz
from ...book.tables import markdown_table
from .. import _claims
from .comparison import GOPRO_SET, REDS_SET, _scores, _testable, clusters_of, training_gain
from .experiments import ALL, NETWORKS, SIZE_NAMES, row_name

BOOK = "the book's own question"


@dataclass(frozen=True)
class Claim:
    """A comparison the common table can speak to: ``net`` against each of ``rivals`` on ``tests``.
    ``source`` is whose claim it is: a paper's sentence and table, quoted, or :data:`BOOK` where no
    paper compares these networks (the papers compare with methods this book does not train)."""

    text: str
    net: str
    rivals: tuple[str, ...]
    tests: tuple[str, ...]
    source: str = BOOK


CLAIMS = [
    Claim(
        "SGENet beats the other designs under one protocol",
        "sgenet",
        ("unet", "flow", "bladenet", "reference", "mtdn"),
        ("global", "mixed"),
    ),
    Claim(
        "the reference-based network beats the single-image networks",
        "reference",
        ("unet", "bladenet", "sgenet", "mtdn"),
        ("global", "mixed", REDS_SET),
    ),
    Claim(
        "a second frame with its estimated flow beats single-image deblurring",
        "flow",
        ("unet", "bladenet", "sgenet", "mtdn"),
        ("global", "mixed", REDS_SET),
    ),
    Claim(
        "BladeNet, built for local blur, beats the global designs on local blur",
        "bladenet",
        ("unet", "sgenet", "mtdn"),
        ("local",),
    ),
    Claim(
        "the two-way multi-scale network beats a plain U-Net",
        "mtdn",
        ("unet",),
        ("global", "mixed", GOPRO_SET, REDS_SET),
    ),
    Claim(
        "the two-way decoder beats the image branch alone",
        "mtdn",
        ("mtdn_single",),
        ("global", "mixed", GOPRO_SET, REDS_SET),
        "004, Table 1 (GoPro: 30.56 dB, and 30.18 'without two-way'): \"since we decomposed the original "
        'deblurring task into two different tasks, the network performance has been effectively improved"',
    ),
    Claim(
        "CSAM's selective fusion beats MPRNet's sum",
        "sgenet",
        ("sgenet_sum",),
        ("global", "mixed", GOPRO_SET, REDS_SET),
        '001, Table 1 (GoPro: SGENet 32.96 dB, MPRNet 32.66): "Our proposed model has 0.3 dB higher ... than '
        "the best m[ethod] (MPRNet)\"; the book's sum-fusion SGENet is the nearest MPRNet-like design it has",
    ),
]


def claims(res: dict, size: str | None = None) -> list[tuple[str, str]]:
    """Each claim of :data:`CLAIMS`, per rival and set, paired over seeds and images at ``size``
    (default: the result's last size; rivals not trained at the profile are left out; a claim
    resting on a network that beats its input by under the floor where it trained gets no verdict)."""
    size = size or res["sizes"][-1]
    rows = []
    for claim in CLAIMS:
        mine = _scores(res, row_name(claim.net, size))
        for rival in (r for r in claim.rivals if row_name(r, size) in res["rows"]):
            theirs = _scores(res, row_name(rival, size))
            for test in claim.tests:
                if test in mine and test in theirs:
                    label = f"{claim.text} ({claim.source}): over {ALL[rival].label}, {test}"
                    rows.append(
                        (
                            label,
                            _testable(res, size, claim.net, rival),
                            stats.compare(mine[test], theirs[test], clusters=clusters_of(res, test)),
                        )
                    )
    corrected = iter(stats.holm([c for _, testable, c in rows if testable]))  # the claims table is one family
    return [
        (
            label,
            stats.judge(next(corrected))
            if testable
            else f"not tested (a network under the {_claims.FLOOR_DB:.0f} dB floor): {stats.difference(c)}",
        )
        for label, testable, c in rows
    ]


def best_summary(res: dict, size: str = "1M", test: str = "mixed") -> str:
    """The floor first (how much each network beats its input where it trained), then which of the
    networks above it no other beats on ``test`` at ``size`` (paired verdicts), in words."""
    gains = {n: training_gain(res, n, size) for n in NETWORKS}
    floor = "; ".join(f"{NETWORKS[n].label} {g.mean:+.2f} dB" for n, g in gains.items())
    said = (
        f"where they trained, the networks beat their blurred input by {floor} (the book reads no claim "
        f"resting on a network under {_claims.FLOOR_DB:.0f} dB)"
    )
    nets = [n for n in NETWORKS if test in _scores(res, row_name(n, size)) and _claims.can_test_claims(gains[n])]
    if not nets:
        return f"{said}; none clears it, so the comparison says nothing about the designs at this budget"
    unbeaten = [
        a
        for a in nets
        if not any(
            stats.compare(_scores(res, row_name(b, size))[test], _scores(res, row_name(a, size))[test]).verdict
            == "higher"
            for b in nets
            if b != a
        )
    ]
    return (
        f"{said}; of those that clear it, on `{test}` at {SIZE_NAMES[size]}, no other beats "
        f"{', '.join(NETWORKS[a].label for a in unbeaten)} (paired over seeds and images)"
    )


# ---------------------------------------------------------------- learning curves and shipped weights (07.01)


def convergence_table(res: dict, size: str = "1M") -> str:
    """Per network: its steps, the best validation step per seed, and what the last fifth of
    training added to the best validation PSNR (converged: under 0.1 dB)."""
    from ...training import selection

    lines = []
    for net, network in NETWORKS.items():
        runs = res["rows"][row_name(net, size)]["runs"]
        if any("selection" not in r for r in runs):  # trained before runs kept a validation history
            lines.append([network.label, f"{runs[0]['steps']:,}", "-", "not recorded", "-"])
            continue
        gains = [selection.last_fifth_gain(r["selection"]["history"]) for r in runs]
        lines.append(
            [
                network.label,
                f"{runs[0]['steps']:,}",
                ", ".join(str(r["selection"]["best_step"]) for r in runs),
                ", ".join(f"{g:+.2f}" for g in gains),
                "yes" if all(g < selection.CONVERGED_DB for g in gains) else "no",
            ]
        )
    return markdown_table(
        [
            "network",
            "steps",
            "best validation step (per seed)",
            "last fifth added (dB, per seed)",
            f"converged (< {selection.CONVERGED_DB} dB)",
        ],
        lines,
    )


def curves_figure(res: dict, size: str = "1M"):
    """Validation PSNR against the share of each network's steps, every seed (held-out engine scenes
    of the training presets)."""
    import matplotlib.pyplot as plt

    from ...training import selection

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for k, (net, network) in enumerate(NETWORKS.items()):
        for s, run in enumerate(res["rows"][row_name(net, size)]["runs"]):
            history = run.get("selection", {}).get("history", [])
            ax.plot(
                [h["step"] / run["steps"] for h in history],
                [h["score"] for h in history],
                color=f"C{k}",
                marker="o",
                ms=2,
                lw=1,
                alpha=0.8,
                label=network.label if s == 0 else None,
            )
    ax.axvline(1 - selection.LAST_SHARE, color="0.6", ls="--", lw=0.8)
    return viz.finish_axes(fig, ax, "share of the network's training steps", "validation PSNR (dB)")
