"""Tables and verdicts built from results files (and the papers' quoted numbers).

Every number in a chapter's final tables comes through here from
``results/<profile>/<chapter>/*.json``, so that a notebook can show this run's
tables and the committed ``small`` profile's tables with the same code.
"""

from __future__ import annotations

from .atomic import read_json
from .models.flow_deblur import VARIANTS
from .papers import PAPER002
from .paths import results_dir
from .stats import verdict



def load(profile: str, chapter: str, name: str) -> dict | None:
    """The ``data`` of a results file, or None when that profile has not produced it."""
    path = results_dir(profile, chapter) / f"{name}.json"
    return read_json(path)["data"] if path.is_file() else None


def ch02_table4(ablations: dict) -> str:
    """Table IV: the paper's rows beside ours (mean, range over seeds, verdict)."""
    labels, paper = PAPER002["table4_labels"], PAPER002["table4"]
    summary = ablations["summary"]
    ref = summary["full"]["psnr"]
    lines = []
    for v in VARIANTS:
        p_psnr, p_ssim = paper[v]
        ours = summary[v]["psnr"]
        lines.append(f"| {labels[v]} | {p_psnr:.2f} / {p_ssim:.3f} | {p_psnr - paper['full'][0]:+.2f} | "
                     f"{ours['mean']:.2f} (range {ours['spread']:.2f}) / {summary[v]['ssim']['mean']:.4f} | "
                     f"{ours['mean'] - ref['mean']:+.2f} | {verdict(ours, ref) if v != 'full' else '-'} |")
    return ("| row | paper PSNR / SSIM (DVD) | paper, vs full | ours PSNR (range over seeds) / SSIM | "
            "ours, vs full | ours against full |\n|---|---|---|---|---|---|\n" + "\n".join(lines))


def ch02_fig6(ablations: dict) -> str:
    rows = ablations["fig6"]
    return ("| second input | mean flow norm at 1/4 (px) | PSNR (dB) |\n|---|---|---|\n"
            + "\n".join(f"| {k} | {v['flow_norm']:.3f} | {v['psnr']:.2f} |" for k, v in rows.items()))


def ch02_table2(res: dict) -> str:
    table, seeds = res["table2_ours"], res["seeds"]
    lines = [f"| {name} | {row['images']} | {row['blurred'][0]:.2f} / {row['blurred'][1]:.3f} | "
             f"{row['RL with TV-L1 flow'][0]:.2f} / {row['RL with TV-L1 flow'][1]:.3f} | "
             f"{row['ours']['mean']:.2f} (range {row['ours']['spread']:.2f}) / {row['ours_ssim']['mean']:.3f} |"
             for name, row in table.items()]
    return (f"| test set | images | blurred input | RL, TV-L1 flow | ours ({len(seeds)} seed(s)) |\n"
            "|---|---|---|---|---|\n" + "\n".join(lines))


def ch02_table3(res: dict) -> str:
    ours, paper = res["table3_ours"], PAPER002["table3"]
    h, w = ours["size"]
    return ("| | parameters | image size | seconds | device |\n|---|---|---|---|---|\n"
            f"| paper (Table III) | {paper['parameters'] / 1e6:.1f} M | 720x1280 | {paper['seconds']:.2f} | "
            f"{paper['device']} |\n| ours, measured | {ours['parameters'] / 1e6:.2f} M | {h}x{w} | "
            f"{ours['seconds']:.2f} | {ours['device']} |")


def against(ours: dict, value: float) -> str:
    """"higher", "lower" or "no difference": ``ours`` (a seed summary) against one number."""
    diff = ours["mean"] - value
    if ours["seeds"] < 2:
        return "one seed: no claim"
    if abs(diff) <= ours["spread"]:
        return "no difference"
    return "higher" if diff > 0 else "lower"


def _per_set(table: dict, reference: str) -> str:
    """One verdict per test set, e.g. "synthetic global: higher (+0.19 dB); ..."."""
    parts = []
    for name, row in table.items():
        value = row[reference][0]
        parts.append(f"{name}: {against(row['ours'], value)} ({row['ours']['mean'] - value:+.2f} dB)")
    return "; ".join(parts)


def ch02_claims(res: dict, ablations: dict) -> list[tuple[str, str]]:
    """The paper's claims and what the results support, computed (not written).

    A difference counts only beyond the spread over seeds (``deblurbook.stats``).
    """
    table = res["table2_ours"]
    v = ablations["verdicts"]
    worse = {"lower": "supported (lower than the full model by more than the spread)",
             "no difference": "not supported at this budget (no difference beyond the spread)",
             "higher": "contradicted at this budget (higher than the full model)",
             "one seed: no claim": "cannot tell with one seed"}
    same = {"no difference": "supported (no difference beyond the spread)", "lower": "lower here",
            "higher": "higher here", "one seed: no claim": "cannot tell with one seed"}
    fig6 = ablations["fig6"]
    flow_drop = fig6["identical frames"]["flow_norm"] < 0.5 * fig6["consecutive frames"]["flow_norm"]
    psnr_drop = fig6["identical frames"]["psnr"] < fig6["consecutive frames"]["psnr"]
    return [
        ("The model restores blurred frames (better than the input)", _per_set(table, "blurred")),
        ("It beats non-blind deconvolution with estimated flow (Fig. 5)", _per_set(table, "RL with TV-L1 flow")),
        ("RNNs are needed (w/o RNNs is worse)", worse[v["no_rnn"]]),
        ("RNNs beat concatenating their weights", worse[v["concat_weights"]]),
        ("Flow from two frames beats one frame (w/o flow is worse)", worse[v["single_image"]]),
        ("The flow loss helps (w/o flow losses is worse)", worse[v["no_flow_loss"]]),
        ("RNNs belong in the encoder (in the decoder is worse)", worse[v["rnn_in_decoder"]]),
        ("Bidirectional flow gives no gain", same[v["bidirectional"]]),
        ("Fig. 6: identical frames give near-zero flow and less deblurring",
         ("supported" if flow_drop and psnr_drop else
          f"flow {'drops' if flow_drop else 'does not drop'} by half, PSNR {'drops' if psnr_drop else 'does not drop'}")),
        ("30.58 dB on DVD, 0.20 s on a Titan Xp", "cannot be tested here (no DVD; timings on other hardware)"),
    ]


def markdown_claims(claims: list[tuple[str, str]]) -> str:
    return "| claim of the paper | this run |\n|---|---|\n" + "\n".join(f"| {c} | {s} |" for c, s in claims)


def ch01_levin(res: dict) -> str:
    levin, mean = res["levin"], res["levin_mean"]
    return ("| kernel | blurred | Wiener | Richardson-Lucy |\n|---|---|---|---|\n"
            + "\n".join(f"| {k} | {v['blurred']:.2f} | {v['wiener']:.2f} | {v['richardson_lucy']:.2f} |"
                        for k, v in levin.items())
            + f"\n| **mean** | {mean['blurred']:.2f} | {mean['wiener']:.2f} | {mean['richardson_lucy']:.2f} |")


def ch01_dynamic(res: dict) -> str:
    dynamic, epe = res["dynamic_psnr"], res["dynamic_epe"]
    presets = list(dynamic)
    order = ("blurred", "uniform", "oracle per-pixel", "TV-L1 per-pixel")
    methods = [m for m in order if m in dynamic[presets[0]]] + [m for m in dynamic[presets[0]] if m not in order]
    head = "| method (PSNR, dB) | " + " | ".join(presets) + " |\n|---|" + "---|" * len(presets) + "\n"
    body = "\n".join(f"| {m} | " + " | ".join(f"{dynamic[p][m]:.2f}" for p in presets) + " |" for m in methods)
    flows = "\n".join(f"| flow EPE, {m} (px) | " + " | ".join(f"{epe[p][m]:.2f}" for p in presets) + " |"
                      for m in ("tvl1", "zero flow"))
    return head + body + "\n" + flows


def ch01_reds(res: dict) -> str:
    r = res["reds_warp_psnr"]
    return ("| REDS pairs | next frame as is (dB) | warped by TV-L1 (dB) |\n|---|---|---|\n"
            f"| {r['pairs']} | {r['no warp']:.2f} | {r['tvl1']:.2f} |")
