"""Chapter 1: foundations (blur formation, the scene engine, metrics, classical
baselines): its budgets per profile and its tables from ``results/<profile>/ch01/``.
"""

from __future__ import annotations

from ..core import profiles

CHAPTER = "ch01"

BUDGETS = {
    "smoke": {"test_size": 64, "test_images": 2, "area_samples": 3, "rl_iterations": 10},
    "small": {"test_size": 128, "test_images": 16, "area_samples": 32, "rl_iterations": 30},
    "paper": {"test_size": 256, "test_images": 100, "area_samples": 200, "rl_iterations": 30},
}


def budget(profile: str) -> dict:
    """This chapter's budget at ``profile``."""
    return profiles.budget(profile, BUDGETS, owner=CHAPTER)


def levin_table(res: dict) -> str:
    levin, mean = res["levin"], res["levin_mean"]
    return ("| kernel | blurred | Wiener | Richardson-Lucy |\n|---|---|---|---|\n"
            + "\n".join(f"| {k} | {v['blurred']:.2f} | {v['wiener']:.2f} | {v['richardson_lucy']:.2f} |"
                        for k, v in levin.items())
            + f"\n| **mean** | {mean['blurred']:.2f} | {mean['wiener']:.2f} | {mean['richardson_lucy']:.2f} |")


def dynamic_table(res: dict) -> str:
    dynamic, epe = res["dynamic_psnr"], res["dynamic_epe"]
    presets = list(dynamic)
    order = ("blurred", "uniform", "oracle per-pixel", "TV-L1 per-pixel")
    methods = [m for m in order if m in dynamic[presets[0]]] + [m for m in dynamic[presets[0]] if m not in order]
    head = "| method (PSNR, dB) | " + " | ".join(presets) + " |\n|---|" + "---|" * len(presets) + "\n"
    body = "\n".join(f"| {m} | " + " | ".join(f"{dynamic[p][m]:.2f}" for p in presets) + " |" for m in methods)
    flows = "\n".join(f"| flow EPE, {m} (px) | " + " | ".join(f"{epe[p][m]:.2f}" for p in presets) + " |"
                      for m in ("tvl1", "zero flow"))
    return head + body + "\n" + flows


def reds_table(res: dict) -> str:
    r = res["reds_warp_psnr"]
    return ("| REDS pairs | next frame as is (dB) | warped by TV-L1 (dB) |\n|---|---|---|\n"
            f"| {r['pairs']} | {r['no warp']:.2f} | {r['tvl1']:.2f} |")
