import numpy as np
import pytest
import torch

from deblurbook.chapters import ch06
from deblurbook.imaging import metrics
from deblurbook.models.two_way import MTDN
from deblurbook.training import experiments
from tests.chapters.shared_runs import same_training


def test_the_tables_come_from_the_models_and_match_the_specs_arithmetic():
    assert sum(r["parameters"] for r in ch06.layer_table(MTDN(32))) == 3_911_398
    assert [r["part"] for r in ch06.layer_table(MTDN(32, two_way=False))].count("down (residual) branch") == 0
    table = ch06.parameter_table(32)
    assert "| MTDN (the recommended reading) | 3,911,398 | 3.91 M |" in table
    assert ch06.macs() == pytest.approx(657e9, rel=0.005)  # the spec: 657 GMAC per 720x1280 frame
    assert ch06.macs(two_way=False) == pytest.approx(435e9, rel=0.005)


def test_every_row_builds_with_its_loss_under_the_books_protocol():
    from deblurbook.training import protocol

    base = experiments.build("ch07:unet-smoke", "smoke", seed=1, device="cpu")
    for row in ch06.ROWS:
        exp = experiments.build(f"ch06:{row}", "smoke", seed=1, device="cpu")
        batch = {k: v[None] for k, v in exp.train_set[0].items()}
        assert exp.loss(exp.model(batch["blur"]), batch)[0].isfinite()
        assert {k: exp.settings[k] for k in protocol.KEYS} == {k: base.settings[k] for k in protocol.KEYS}
        assert torch.equal(exp.train_set[3]["blur"], base.train_set[3]["blur"])  # the same scenes at a seed
        assert exp.validation is not None
    assert experiments.build("ch06:alpha_equal", "smoke").loss.alphas == (1.0, 1.0, 1.0)
    assert experiments.build("ch06:two_way", "smoke").loss.alphas == (1.0, 1.0, 5.0)


def test_the_two_way_row_at_small_is_chapter_sevens_mtdn_run_trained_exactly_as_its_own_would_be():
    from deblurbook.nn.blocks import parameter_count

    assert (
        ch06.experiment_of("two_way", "small") == "ch07:mtdn-1M"
        and ch06.experiment_of("unet", "small") == "ch07:unet-1M"
    )
    assert (
        ch06.experiment_of("single", "small") == "ch06:single"
        and ch06.experiment_of("two_way", "paper") == "ch06:two_way"
    )
    own, _ = same_training("ch06:two_way", "ch07:mtdn-1M")
    assert own.settings["steps"] == ch06.budget("small")["iterations"]
    assert parameter_count(own.model) == pytest.approx(1e6, rel=0.05)
    assert ch06.STUDY.with_floor(ch06.RESULT_ROWS, ch06.budget("paper")) == ch06.RESULT_ROWS


def test_the_levin_test_set_holds_kernels_wider_than_the_small_shake_sets():
    sets = ch06.test_sets("smoke")
    widest_trained = ch06.budget("smoke")["shake_extents"][1]
    levin = sets["shake, Levin kernels"]
    assert min(k.shape[0] for k in levin.kernels) > widest_trained
    item = levin[0]
    assert item["blur"].shape == item["sharp"].shape == (3, 48, 48) and not torch.equal(item["blur"], item["sharp"])


def test_band_energies_sum_to_the_mean_square_and_place_a_sinusoid():
    rng = np.random.default_rng(0)
    image = rng.normal(size=(33, 47, 3))
    assert ch06.band_energy(image).sum() == pytest.approx((image**2).sum(-1).mean(), rel=1e-9)
    y, x = np.mgrid[:64, :64]
    wave = np.cos(2 * np.pi * 12 / 64 * x)  # 12 cycles over 64 px: in the band [1/8, 1/4)
    energy = ch06.band_energy(wave)
    assert int(np.argmax(energy)) == 4 and energy[4] == pytest.approx(0.5, rel=1e-6)


def test_branch_statistics_credit_the_branch_that_makes_the_true_change():
    rng = np.random.default_rng(1)
    sharp = rng.uniform(size=(24, 30, 3))
    blur = sharp * 0.5 + 0.25
    exact = {"image": blur + 1e-3 * rng.normal(size=blur.shape), "residual": sharp - blur, "blur": blur, "sharp": sharp}
    found = ch06.branch_statistics(exact)
    assert found["corr_true"]["residual branch"] == pytest.approx(1.0)
    assert abs(found["corr_true"]["image branch (image - blur)"]) < 0.2
    assert sum(found["bands"]["residual branch"]) == pytest.approx(sum(found["bands"]["true change (sharp - blur)"]))


def test_deconvolution_given_the_true_kernel_beats_the_blurred_input():
    sets = ch06.test_sets("smoke")
    found = ch06.baseline_scores(sets)
    blurred = [
        float(metrics.psnr(sets[ch06.LEVIN_SET][i]["blur"][None], sets[ch06.LEVIN_SET][i]["sharp"][None])[0])
        for i in range(len(sets[ch06.LEVIN_SET]))
    ]
    rl = found["Richardson-Lucy, true kernel (30 iterations)"][ch06.LEVIN_SET]["psnr"]
    assert len(rl) == len(blurred) and np.mean(rl) > np.mean(blurred) + 1.0


def test_scale_scores_and_timing_cover_every_scale_and_both_networks():
    model = MTDN(4, residual=True)
    data = ch06.test_sets("smoke")[ch06.SHAKE_SET]
    scores = ch06.scale_psnr(model, data, "cpu")
    assert list(scores) == ["1/4", "1/2", "1/1"] and all(len(v) == len(data) for v in scores.values())
    timing = ch06.time_per_image("smoke", "cpu")
    assert timing["macs"]["two_way"] > timing["macs"]["single"] > 0
    assert timing["parameters"]["two_way"] > timing["parameters"]["single"]


def _scaled_result(gain_db):
    """06.04's file in small: MTDN ``gain_db`` over a 20 dB input on `global` and `mixed` (3 seeds,
    4 images each), its finest scale 0.5 dB over alpha = (1, 1, 1)'s, the coarser scales equal."""
    rng = np.random.default_rng(0)
    base = 20 + rng.normal(0, 1, 8)

    def run(shift, finest):
        scores = base + shift + rng.normal(0, 0.05, 8)
        per_image = [
            {"preset": ("global", "mixed")[k // 4], "psnr": float(v), "ssim": 0.5} for k, v in enumerate(scores)
        ]
        extra = {"1/4": (base[:4] + 1).tolist(), "1/2": (base[:4] + 1).tolist(), "1/1": (base[:4] + finest).tolist()}
        return {"per_image": per_image, "extra": extra}

    rows = {"two_way": [run(gain_db, 1.5) for _ in range(3)], "alpha_equal": [run(gain_db, 1.0) for _ in range(3)]}
    return {"blurred": {"psnr": base.tolist(), "ssim": [0.5] * 8}, "rows": {k: {"runs": v} for k, v in rows.items()}}


def test_the_scale_table_gives_no_verdict_while_mtdn_is_under_its_floor():
    for gain, said in ((0.5, "no verdict (the model is under the floor): +0.50"), (3.0, "higher: +0.50")):
        finest = ch06.scale_table(_scaled_result(gain)).splitlines()[-1]
        assert finest.startswith("| 1/1 |") and said in finest, finest
