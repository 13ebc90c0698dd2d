import pytest
import torch

from deblurbook.chapters import ch06
from deblurbook.models.two_way import MTDN
from deblurbook.training import experiments


def test_the_tables_come_from_the_models_and_match_the_specs_arithmetic():
    assert sum(r["parameters"] for r in ch06.layer_table(MTDN(32))) == 3_911_398
    assert [r["part"] for r in ch06.layer_table(MTDN(32, two_way=False))].count("down (residual) branch") == 0
    table = ch06.parameter_table(32)
    assert "| MTDN (the recommended reading) | 3,911,398 | 3.91 M |" in table
    assert ch06.macs() == pytest.approx(657e9, rel=0.005)  # the spec: 657 GMAC per 720x1280 frame
    assert ch06.macs(two_way=False) == pytest.approx(435e9, rel=0.005)


def test_every_row_builds_with_its_loss_and_a_poly_schedule_to_zero():
    for row in ch06.ROWS:
        exp = experiments.build(f"ch06:{row}", "smoke", seed=0, device="cpu")
        batch = {k: v[None] for k, v in exp.train_set[0].items()}
        assert exp.loss(exp.model(batch["blur"]), batch)[0].isfinite()
        assert exp.config.schedule == "poly" and exp.config.lr_at(exp.config.iterations) == 0.0
    assert experiments.build("ch06:alpha_equal", "smoke").loss.alphas == (1.0, 1.0, 1.0)
    assert experiments.build("ch06:two_way", "smoke").loss.alphas == (1.0, 1.0, 5.0)


def test_the_levin_test_set_holds_kernels_wider_than_any_trained_on():
    sets = ch06.test_sets("smoke")
    widest_trained = ch06.budget("smoke")["train_extents"][1]
    levin = sets["shake, Levin kernels"]
    assert min(k.shape[0] for k in levin.kernels) > widest_trained
    item = levin[0]
    assert item["blur"].shape == item["sharp"].shape == (3, 48, 48) and not torch.equal(item["blur"], item["sharp"])
