import json

import numpy as np
import pytest
import torch

from deblurbook.chapters import ch03
from deblurbook.models.bladenet import BladeNet
from tests.chapters.shared_runs import same_training


def _fake_ratios(local, glob):
    t = [0.0, 1.0]
    return {
        "thresholds": t,
        "size": 8,
        "curves": {
            "engine local (true flow)": [[1.0, v] for v in local],
            "engine global (true flow)": [[1.0, v] for v in glob],
            "REDS clips (TV-L1)": [[1.0, 0.5]],
        },
    }


def test_the_ratio_sentence_follows_the_verdict():
    lower = ch03.ratio_summary(_fake_ratios([0.1, 0.12, 0.09, 0.11], [0.9, 0.95, 0.92, 0.97]))
    assert "smaller than" in lower and "10% of a `local` scene" in lower
    unclear = ch03.ratio_summary(_fake_ratios([0.1, 0.9, 0.2, 0.8], [0.5, 0.4, 0.6, 0.5]))
    assert "inconclusive" in unclear


def test_smoke_ratio_curves_cover_every_source_and_never_rise():
    res = ch03.ratio_curves("smoke")
    assert set(res["curves"]) == {f"engine {p} ({f})" for p in ch03.RATIO_PRESETS for f in ("TV-L1", "true flow")} | {
        "REDS clips (TV-L1)"
    }
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
    assert (
        values["S = M (a perfect 0/1 map)"] == "0.500" and values["S = 3M (all three maps saturated on M)"] == "0.250"
    )


def test_region_psnr_readings_differ_by_the_region_share():
    rng = np.random.default_rng(0)
    sharp = rng.random((20, 30, 3))
    output = np.clip(sharp + rng.normal(0, 0.05, sharp.shape), 0, 1)
    region = np.zeros((20, 30), bool)
    region[:5] = True  # a quarter of the image
    true, code = ch03.region_psnr(output, sharp, region)
    assert code - true == pytest.approx(10 * np.log10(4))
    assert ch03.region_psnr(output, sharp, np.zeros((20, 30), bool)) is None
    assert ch03.region_psnr(sharp, sharp, region) is None  # the code skips exact regions


def test_binary_scores():
    a = np.array([[1, 1, 0, 0]], bool)
    b = np.array([[1, 0, 1, 0]], bool)
    assert ch03._binary_scores(a, b) == (pytest.approx(1 / 3), pytest.approx(0.5))
    assert ch03._binary_scores(~a & a, ~b & b) == (1.0, 1.0)


def test_every_row_builds_and_the_full_row_trains_and_scores_at_smoke():
    from deblurbook.training import experiments

    for row in ch03.ROWS:
        exp = experiments.build(ch03.experiment_of(row, "smoke"), "smoke", seed=0, device="cpu")
        batch = {k: v[None] for k, v in exp.train_set[0].items()}
        out = exp.model(batch["blur"])
        assert exp.loss(out, batch)[0].isfinite()
    res = ch03.training_result("smoke", [0], "cpu")
    run = res["row"]["runs"][0]
    assert len(run["per_image"]) == sum(res["sets"].values()) == len(res["blurred"]["psnr"])
    assert len(run["extra"]["iou"]) == res["sets"]["local (LBS)"]
    assert "against the input" in ch03.training_table(res) and "IoU" in ch03.blur_map_table(res)
    assert list(res["logs"]) == ["0"] and "step chosen" in ch03.selection_table(res)


def test_the_cpu_budgets_start_next_to_the_identity_with_the_papers_mse():
    from deblurbook.training import experiments

    exp = experiments.build("ch03:full", "smoke", seed=0, device="cpu")
    blur = exp.train_set[0]["blur"][None]
    assert (exp.model.eval()(blur)["image"] - blur).abs().max() < 0.02
    assert exp.loss.rec.norm == "mse" and ch03.budget("paper")["rec_norm"] == "l1"


@pytest.mark.parametrize("rec", ["l1_image", "mse_image"])
def test_loss_curves_follow_the_reconstruction_term_logged(rec):
    logs = {0: [{"step": 10, rec: 0.1}, {"step": 20, rec: 0.05, "mask_ce": 0.5, "dice": 0.6}]}
    fig = ch03.loss_curves(logs)
    assert fig.axes[0].get_title().startswith(rec.split("_")[0].upper())


def test_rows_train_under_the_books_protocol_and_fine_tuning_starts_from_the_row_it_names():
    from deblurbook.training import experiments, protocol

    cfg = ch03.budget("small")
    built = {row: experiments.build(f"ch03:{row}", "small", seed=1, device="cpu") for row in ch03.ROWS}
    for row, exp in built.items():
        data = ch03.ROWS[row].data
        stream = {"stream": protocol.budget("small")["stream"], "global": protocol.PRESETS}.get(
            data, (ch03.LODE_PRESET,)
        )
        assert [p.name for p in exp.train_set.presets] == list(stream) and exp.validation is not None, row
    assert built["none"].config.iterations == cfg["steps"]["bladenet"] == 2250
    assert built["unet_global"].config.iterations == cfg["steps"]["unet"] == 12000
    assert built["plus"].config.iterations == cfg["finetune_steps"] and built["plus"].config.lr == cfg["finetune_lr"]
    assert built["plus"].settings["init_from"] == ["ch07:bladenet-1M"]
    assert built["unet_plus"].settings["init_from"] == ["ch07:unet-1M"]
    assert built["plus"].settings["phase_frozen"] == [["lbp."]] and built["lbp"].settings["phase_frozen"] == []
    assert "ch03:plus" in ch03.rows_table("smoke") and "ch07:bladenet-smoke" in ch03.rows_table("smoke")
    assert ch03.budget("paper")["shared_runs"] == {} and ch03.experiment_of("full", "paper") == "ch03:full"


@pytest.mark.parametrize("profile", ["smoke", "small"])
def test_the_shared_rows_are_chapter_sevens_runs_trained_exactly_as_the_chapters_own_would_be(profile):
    for row, net in (("full", "bladenet"), ("unet", "unet")):
        size = "smoke" if profile == "smoke" else "1M"
        assert ch03.experiment_of(row, profile) == f"ch07:{net}-{size}"
        own, shared = same_training(f"ch03:{row}", f"ch07:{net}-{size}", profile)
        assert torch.equal(own.train_set[3]["blur"], shared.train_set[3]["blur"]) if profile == "smoke" else True


def test_the_papers_headline_margins_come_from_its_tables():
    m = ch03.headline_margins()
    assert m == pytest.approx({"plus_vs_reds": 2.52, "bladenet_vs_reds": 2.28, "equal_data": 0.94, "both_tuned": 0.69})


def test_results_tables_at_smoke_cover_every_set_and_row():
    res = ch03.results_result("smoke", [0], "cpu")
    assert set(res["sets"]) >= {"mixed", *ch03.REAL_SETS}
    table = ch03.table2(res)
    assert ch03.table2(json.loads(json.dumps(res, sort_keys=True))) == table  # as loaded: the sets' keys sorted
    assert all(label in table for label, _, _ in ch03.RESULT_ROWS.values()) and "34.36 / 0.9487" in table
    assert "33.18 -> 33.67" in ch03.table5(res) and "no verdict (the model is under the floor)" in ch03.table5(res)
    assert res["timing"]["size"] == list(ch03.budget("smoke")["time_size"]) and "ratio" in ch03.timing_table(res)
    floor, *found = ch03.results_claims(res)
    assert "floor" in floor[0] and "no verdict" in floor[1]  # the smoke model cannot reach 1 dB
    assert found and all(verdict.startswith(("no verdict", "no claim")) for _, verdict in found)
    local = ch03.test_sets("smoke")["local (LBS)"]
    models = {"BladeNet": ch03.train_row("ch03:full", "smoke", seed=0, device="cpu")[1].model}
    fig = ch03.comparison_figure(models, local[0], "cpu")
    titles = [ax.get_title() for ax in fig.axes]
    assert any(t.startswith("zoom: BladeNet") for t in titles) and "BladeNet's blur probability" in titles


def _region_runs(large, small, seeds=3):
    """Runs of one row whose images 0 and 2 have both regions and image 1 none."""
    return [
        {
            "extra": {
                "large_true": [large + s, None, large + 1 + s],
                "small_true": [small + s, None, small + s],
                "large_code": [0.0, None, 0.0],
                "small_code": [0.0, None, 0.0],
            }
        }
        for s in np.linspace(0, 0.01, seeds)
    ]


def test_table_6_has_intervals_and_reads_the_papers_four_sentences_on_the_true_regions():
    found = ch03.region_scores(_region_runs(30.0, 40.0), "large_true")
    assert found.shape == (3, 2) and ch03.region_scores([{"extra": {"k": [None]}}], "k") is None
    rows = {
        row: {"runs": _region_runs(30.0 + 2 * (row in ("bsa", "full")) + (row == "lbp"), 40.0 - (row == "bsa"))}
        for row in ch03.TABLE4_ROWS
    }
    claims = ch03.table6_claims(rows)
    assert [c.comparison.verdict for c in claims] == ["higher"] * 4  # LBP, BSA > none; BSA > LBP; LBP > BSA (small)
    assert all("Table 6" in c.label and '"' in c.label for c in claims)


def _ablations(gain_db):
    """03.04's file in small: every row ``gain_db`` over a 20 dB input on the LODE proxy, `global` and
    `mixed` (3 seeds, 3 images each), the full model 0.5 dB over the others."""
    sets = (ch03.LODE_SET, "global", "mixed")
    rng = np.random.default_rng(0)
    base = 20 + rng.normal(0, 1, 3 * len(sets))

    def runs(shift):
        scores = [base + shift + rng.normal(0, 0.05, base.size) for _ in range(3)]
        return [
            {"per_image": [{"preset": sets[k // 3], "psnr": float(v), "ssim": 0.5} for k, v in enumerate(s)]}
            for s in scores
        ]

    rows = {row: {"runs": runs(gain_db + 0.5 * (row == "full"))} for row in ch03.ABLATION_ROWS}
    return {"blurred": {"psnr": base.tolist(), "ssim": [0.5] * base.size}, "rows": rows}


def test_the_ablation_tables_give_no_verdict_while_bladenet_is_under_its_floor():
    for gain, said in ((0.3, "no verdict (the model is under the floor)"), (3.0, "lower: -0.50")):
        res = _ablations(gain)
        none = next(line for line in ch03.table4(res).splitlines() if line.startswith(f"| {ch03.ROW_NAMES['none']}"))
        assert said in none, none
        assert ("no verdict" in ch03.table3(res)) == (gain < 1)
