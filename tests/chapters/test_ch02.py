import numpy as np
import pytest
import torch

from deblurbook.chapters import ch02
from deblurbook.training import experiments
from tests.chapters.shared_runs import same_training

IMAGES = 12


def images(image_sd=0.3, base=30.0, seed=0):
    """The PSNR each row's runs scatter around, per image (half `global`, half `mixed` scenes)."""
    return base + np.random.default_rng(seed).normal(0, image_sd, IMAGES)


def runs(offsets, seed_sd=0.02, seed=0):
    """Evaluation runs of one row: one per seed, per-image PSNR around :func:`images` + offset."""
    rng = np.random.default_rng(seed)
    found = images(seed=seed)
    rng.normal(0, 0.3, IMAGES)  # the draw images() made
    out = []
    for s, offset in enumerate(offsets):
        psnr = found + offset + rng.normal(0, seed_sd) + rng.normal(0, 0.01, IMAGES)
        scores = [
            {"preset": ch02.OWN_PRESETS[2 * k // IMAGES], "psnr": float(p), "ssim": 0.9} for k, p in enumerate(psnr)
        ]
        out.append({"seed": s, "per_image": scores})
    return out


def ablations(full_offsets, other_offsets, floor_db=2.0):
    """An ablation file: the full model ``floor_db`` over its blurred input, the other rows at their offsets."""
    rows = {
        r: {"runs": runs(other_offsets), "parameters": {"trained": 2_000_000, "paper": 8_000_000}}
        for r in ch02.TABLE4_ROWS
    }
    rows["full"]["runs"] = runs(full_offsets)
    seeds = len(full_offsets)
    flow = {
        "flow_consecutive": np.full((seeds, IMAGES), 1.3) + np.linspace(0, 0.1, IMAGES),
        "flow_identical": np.full((seeds, IMAGES), 0.5) + np.linspace(0, 0.1, IMAGES),
    }
    psnr = {
        "psnr_consecutive": np.array([[30.0 + 0.1 * i for i in range(IMAGES)]] * seeds),
        "psnr_identical": np.array([[29.8 + 0.1 * i + 0.01 * (i % 3) for i in range(IMAGES)]] * seeds),
    }
    blurred = {"psnr": (images() - floor_db).tolist(), "ssim": [0.8] * IMAGES}
    return {"rows": rows, "blurred": blurred, "fig6": {k: v.tolist() for k, v in {**flow, **psnr}.items()}}


def results(ours_offsets, blurred=29.0):
    ours = np.array([[30.0 + o + 0.1 * i for i in range(IMAGES)] for o in ours_offsets])
    row = {
        "images": IMAGES,
        "blurred_psnr": [blurred + 0.1 * i for i in range(IMAGES)],
        "blurred_ssim": [0.8] * IMAGES,
        "rl_psnr": [blurred - 1 + 0.1 * i for i in range(IMAGES)],
        "rl_ssim": [0.7] * IMAGES,
        "ours_psnr": ours.tolist(),
        "ours_ssim": [[0.9] * IMAGES] * len(ours_offsets),
    }
    return {
        "seeds": list(range(len(ours_offsets))),
        "table2_ours": {"synthetic global": row, "REDS (real)": row},
        "table3_ours": {"parameters": 8_281_696, "seconds": 1.5, "size": [720, 1280], "device": "CPU"},
    }


def test_table4_quotes_the_paper_shows_parameters_and_paired_verdicts():
    text = ch02.table4(ablations([0.0, 0.0, 0.0], [-1.0, -1.0, -1.0]))
    assert "| w/o RNNs | 28.84 / 0.901 (-1.74) | 2.00 M / 8.00 M |" in text
    assert text.count("| lower: -1.00 dB [") == len(ch02.TABLE4_ROWS) - 1
    assert "not in the paper" in text and "(3 seeds x 12 images)" in text


def test_claims_follow_the_paired_verdicts():
    claims = dict(ch02.claims(results([1.0, 1.1, 1.2]), ablations([0.0, 0.0, 0.0], [-1.0, -1.0, -1.0])))
    assert "at least the 1 dB" in claims["The model deblurs where it was trained (the floor before any verdict)"]
    assert claims["The model restores blurred frames (better than the input), synthetic global"].startswith(
        "supported: +2.10 dB ["
    )
    assert claims["RNNs are needed (w/o RNNs is worse) (Table IV)"].startswith("supported: -1.00 dB")
    assert claims["Bidirectional flow gives a similar result (no gain) (Table IV)"].startswith(
        "contradicted (lower than full)"
    )
    assert (
        "the flow shrinks from 1.35 to 0.55 px"
        in claims["Fig. 6: identical frames give near-zero flow and less deblurring"]
    )


def test_no_difference_is_not_support_and_few_seeds_make_no_claim():
    noisy = dict(ch02.claims(results([1.0, 1.1, 1.2]), ablations([0.0, 0.2, -0.2], [0.1, -0.1, 0.05])))
    assert noisy["RNNs are needed (w/o RNNs is worse) (Table IV)"].startswith("inconclusive")
    assert noisy["Bidirectional flow gives a similar result (no gain) (Table IV)"].startswith(
        "inconclusive (not support)"
    )
    one = dict(ch02.claims(results([1.0]), ablations([0.0], [-1.0])))
    assert one["RNNs are needed (w/o RNNs is worse) (Table IV)"].startswith("no claim")


def test_under_the_floor_no_claim_on_the_model_is_read():
    weak = dict(ch02.claims(results([-0.6, -0.5, -0.4]), ablations([0.0, 0.0, 0.0], [-1.0, -1.0, -1.0])))
    assert "**no verdict**" in weak["The model deblurs where it was trained (the floor before any verdict)"]
    assert weak["RNNs are needed (w/o RNNs is worse) (Table IV)"].startswith("no verdict (the model is under")
    assert weak["The model restores blurred frames (better than the input), synthetic global"].startswith(
        "supported: +0.50"
    )


def test_sentences_follow_the_numbers():
    clear = ablations([0.0, 0.0, 0.0], [-1.0, -1.0, -1.0])
    assert ch02.verdict_counts(clear) == {"lower": 7, "higher": 0, "equivalent": 0, "inconclusive": 0, "no claim": 0}
    sentence = ch02.resolution_summary(clear)
    assert "at most 1.00 dB" in sentence and "outside our interval for 6 of its 6 rows" in sentence
    clear["rows"]["no_rnn"]["runs"] = runs([-1.64, -1.84, -1.74])  # the paper's drop, seen through seed noise
    sentence = ch02.resolution_summary(clear)
    assert "at most 1.74 dB" in sentence and "outside our interval for 5 of its 6 rows (concat RNN weights," in sentence
    inside = ablations([0.0, 0.0, 0.0], [0.0, 0.0, 0.0])
    for row, offset in {
        "no_rnn": -1.74,
        "concat_weights": -0.87,
        "single_image": -0.47,
        "no_flow_loss": -0.23,
        "rnn_in_decoder": -0.86,
        "bidirectional": -0.02,
    }.items():
        inside["rows"][row]["runs"] = runs([offset + 0.1, offset - 0.1, offset])
    assert ch02.resolution_summary(inside).endswith("outside our interval for 0 of its 6 rows")
    assert ch02.reference_summary(results([1.0, 1.1, 1.2]), clear) == (
        "against the blurred input, the full model is higher on synthetic global, REDS (real); against "
        "Richardson-Lucy with TV-L1 flow kernels it is higher on synthetic global, REDS (real); its Table IV rows "
        "against the full model: 7 lower"
    )
    mixed = results([1.0, 1.1, 1.2])
    mixed["table2_ours"]["REDS (real)"] = {
        **mixed["table2_ours"]["REDS (real)"],
        "rl_psnr": [40.0] * IMAGES,
    }  # RL far better on the real frames
    assert "it is higher on synthetic global; lower on REDS (real)" in ch02.reference_summary(mixed, None)
    low, high = ch02.paper_table4_range()
    assert (round(low, 2), round(high, 2)) == (0.02, 1.74)


def test_under_the_floor_table_iv_and_its_sentences_give_no_verdict():
    weak = ablations([0.0, 0.0, 0.0], [-1.0, -1.0, -1.0], floor_db=0.5)
    text = ch02.table4(weak)
    assert text.count("| no verdict (the model is under the floor): -1.00 dB [") == len(ch02.TABLE4_ROWS) - 1
    assert ch02.verdict_counts(weak) == {"no verdict": 7}
    assert ch02.verdict_words(weak).startswith(
        "without a verdict, all 7: the full model's gain over its blurred input where it was trained, +0.49 dB ["
    )
    summary = ch02.reference_summary(results([-0.6, -0.5, -0.4]), weak)
    assert "kernels no verdict is read (the model is under the floor)" in summary and "without a verdict" in summary
    with pytest.raises(ValueError, match="no blurred-input scores"):
        ch02.verdict_counts({k: v for k, v in weak.items() if k != "blurred"})


def test_tables_two_three_and_fig6():
    res = results([1.0, 1.1, 1.2])
    assert "| synthetic global | 12 | 29.55 / 0.800 | 28.55 / 0.700 | 31.65 [" in ch02.table2(res)
    assert "| ours, measured | 8.28 M | 720x1280 | 1.50 | CPU |" in ch02.table3(res)
    assert "| identical - consecutive | lower: -0.80 px [" in ch02.fig6(ablations([0.0] * 3, [0.0] * 3))


@pytest.mark.parametrize("row", ["full", "no_rnn", "bidirectional", "full_flow_mean", "full_no_residual"])
def test_every_row_builds_at_smoke_under_the_books_protocol(row):
    from deblurbook.training import protocol

    exp = experiments.build(f"ch02:{row}", "smoke", seed=1, iterations=2)
    base = experiments.build("ch07:unet-smoke", "smoke", seed=1)
    assert exp.config.iterations == 2 and exp.inputs[0] == "blur" and exp.config.schedule == "cosine"
    keys = [k for k in protocol.KEYS if k != "fast"]  # smoke trains in float32 (see the budget)
    assert {k: exp.settings[k] for k in keys} == {k: base.settings[k] for k in keys} and not exp.config.amp
    item = exp.train_set[4]
    assert set(exp.inputs) <= set(item) and torch.equal(item["blur"], base.train_set[4]["blur"])  # the same scenes
    if row == "full_flow_mean":
        assert exp.loss.warp.balance == "mean"
    if row == "full_no_residual":
        assert not exp.model.residual


def test_the_paper_profile_follows_the_text_under_the_protocol_and_small_shares_chapter_sevens_flow_run():
    text = ch02.build("full", "paper", seed=0, device="cpu", iterations=None).config
    assert (text.lr, text.batch, text.iterations) == (1e-3, 20, 800_000)
    assert (
        ch02.experiment_of("full", "small") == "ch07:flow-1M" and ch02.experiment_of("unet", "small") == "ch07:unet-1M"
    )
    assert ch02.experiment_of("no_rnn", "small") == "ch02:no_rnn" and ch02.experiment_of("full", "paper") == "ch02:full"
    assert ch02.ablation_rows("small")[0] == "full" and ch02.ablation_rows("paper") == ch02.TABLE4_ROWS
    own, _ = same_training("ch02:full", "ch07:flow-1M")
    assert own.settings["steps"] == ch02.budget("small")["iterations"]


def test_rows_are_trained_scored_and_paired_image_by_image(tmp_path, monkeypatch):
    from deblurbook.data.testsets import TestSet, write_test_set

    monkeypatch.setenv("DEBLURBOOK_ROOT", str(tmp_path))  # runs go to tmp_path/_build/runs
    sets = {"mixed": TestSet(write_test_set("mixed", (40, 52), 2, folder=tmp_path / "ts"))}
    row = ch02.evaluate_row("full", "smoke", [0, 1], "cpu", sets)
    assert [r["seed"] for r in row["runs"]] == [0, 1] and ch02.scores(row["runs"]).shape == (2, 2)
    assert row["parameters"]["paper"] == 8_281_696 and row["parameters"]["trained"] < 1_000_000
    assert len(list((tmp_path / "_build/runs/smoke/ch02").glob("full-seed1-*/checkpoint.pt"))) == 1
    trained = [experiments.train_experiment("ch02:full", "smoke", seed=s, device="cpu", progress=False) for s in (0, 1)]
    fig6 = ch02.identical_frames_test([t.model for _, t in trained], sets, "cpu")
    assert np.asarray(fig6["flow_identical"]).shape == (2, 2) and np.asarray(fig6["psnr_consecutive"]).shape == (2, 2)
    table = ch02.score_table2(trained, sets, rl_iterations=2)["mixed"]
    assert table["images"] == 2 and np.asarray(table["ours_psnr"]).shape == (2, 2) and len(table["rl_psnr"]) == 2


def test_the_floor_reads_sets_that_table2_scores():
    """The floor's sets are named as 02.06 names the sets it scores (one place makes both names)."""
    assert set(ch02.OWN_SETS) <= set(ch02.table2_sets("smoke"))
    assert ch02.REDS_SET in ch02.table2_sets("smoke")


def test_the_per_pixel_check_asks_the_gain_only_where_the_blur_is_visible():
    still = ch02.PER_PIXEL_STILL_DB + 11.0
    passing = {"global": {"eq12": [30.0, still + 2.0], "sharp": [20.0, still]}}
    assert ch02.per_pixel_gains(passing) == [10.0]
    assert ch02.per_pixel_failures(passing) == []
    assert "1 more" in ch02.per_pixel_summary({"per_pixel": passing})
    short = {"global": {"eq12": [21.0], "sharp": [20.0]}, "mixed": {"eq12": [still - 1.0], "sharp": [still]}}
    assert ch02.per_pixel_failures(short) == [1.0, -1.0]
    no_pixel = {"global": {"eq12": [float("nan")], "sharp": [float("nan")]}}
    assert len(ch02.per_pixel_failures(no_pixel)) == 1
