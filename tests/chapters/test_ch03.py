import numpy as np
import pytest

from deblurbook.chapters import ch03
from deblurbook.models.bladenet import BladeNet


def _fake_ratios(local, glob):
    t = [0.0, 1.0]
    return {"thresholds": t, "size": 8,
            "curves": {"engine local (true flow)": [[1.0, v] for v in local],
                       "engine global (true flow)": [[1.0, v] for v in glob],
                       "REDS clips (TV-L1)": [[1.0, 0.5]]}}


def test_the_ratio_sentence_follows_the_verdict():
    lower = ch03.ratio_summary(_fake_ratios([0.1, 0.12, 0.09, 0.11], [0.9, 0.95, 0.92, 0.97]))
    assert "smaller than" in lower and "10% of a `local` scene" in lower
    unclear = ch03.ratio_summary(_fake_ratios([0.1, 0.9, 0.2, 0.8], [0.5, 0.4, 0.6, 0.5]))
    assert "inconclusive" in unclear


def test_smoke_ratio_curves_cover_every_source_and_never_rise():
    res = ch03.ratio_curves("smoke")
    assert set(res["curves"]) == {f"engine {p} ({f})" for p in ch03.RATIO_PRESETS for f in ("TV-L1", "true flow")} | {
        "REDS clips (TV-L1)"}
    for rows in res["curves"].values():
        assert np.all(np.diff(np.asarray(rows), axis=1) <= 0)
    assert "ratio at" in ch03.ratio_table(res)


def test_lbs_invariants_and_the_rotation_bug():
    inv = ch03.lbs_invariants(21, 2)
    assert inv["outside_max"] < 0.5 / 255 and inv["inside_max_min"] > 0 and inv["static_only_mask_pixels"] == 0
    paths = ch03.rotation_paths(frames=7)
    assert max(map(abs, paths["paper (random order)"])) == pytest.approx(6 * 0.3)
    assert not any(paths["code order with its bug"])


def test_network_tables_come_from_the_model():
    rows = ch03.layer_table(BladeNet("full", width=64))
    assert sum(r["parameters"] for r in rows) == ch03.CODE_COUNTS["full"]
    assert [r["block"] for r in rows if "BSA" in r["structure"]] == ["Up2", "Up3", "Up4"]
    assert "40,778,568" in ch03.parameter_table(64) and "40.8 M" in ch03.parameter_table(64)
    assert ch03.macs("full", 64, (192, 192)) == pytest.approx(78e9, rel=0.01)  # the spec: about 78 GMAC


def test_dice_examples_show_the_codes_formula():
    values = dict(ch03.dice_examples())
    assert values["S = M (a perfect 0/1 map)"] == "0.500" and values["S = 3M (all three maps saturated on M)"] == "0.250"
