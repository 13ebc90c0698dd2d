import pytest
import torch

from deblurbook.chapters import ch05
from deblurbook.models.sgenet import SGENet
from deblurbook.training import experiments
from tests.chapters.shared_runs import same_training


def test_each_row_builds_its_variant():
    for row, (kwargs, supervised) in ch05.ROWS.items():
        exp = experiments.build(f"ch05:{row}", "smoke", device="cpu")
        assert exp.loss.supervised == supervised and exp.settings["model"] == kwargs
    assert len(experiments.build("ch05:one_stage", "smoke").model.stages) == 1


def test_guidance_reports_every_attention_map_and_csam_weights_that_sum_to_one():
    torch.manual_seed(0)
    model = SGENet((4, 5, 6), rdms=1)
    found = ch05.guidance(model, torch.rand(1, 3, 21, 27))
    assert [tuple(a.shape) for a in found["attention"]] == [(6, 7), (11, 14), (21, 27)] * 2  # cropped as the images
    assert len(found["csam"]) == 3 and all(float(w.sum()) == pytest.approx(1.0, abs=1e-5) for w in found["csam"])
    assert not model._forward_hooks and all(not m._forward_hooks for m in model.modules())  # hooks removed


def test_rows_train_under_the_books_protocol_on_the_scenes_of_their_unet_baseline():
    from deblurbook.nn.blocks import parameter_count
    from deblurbook.training import protocol

    for profile in ("smoke", "small"):
        cfg = ch05.budget(profile)
        base = experiments.build(cfg["shared_runs"]["unet"], profile, seed=1, device="cpu")
        full = experiments.build("ch05:full", profile, seed=1, device="cpu")
        assert {k: full.settings[k] for k in protocol.KEYS} == {k: base.settings[k] for k in protocol.KEYS}
        assert full.validation is not None and full.settings["select_every"] == max(
            1, cfg["iterations"] // cfg["selections"]
        )
    assert parameter_count(SGENet(ch05.budget("small")["widths"], rdms=1)) == pytest.approx(1e6, rel=0.06)
    smoke = [
        experiments.build(e, "smoke", seed=2, device="cpu").train_set[5] for e in ("ch05:one_stage", "ch07:unet-smoke")
    ]
    assert torch.equal(smoke[0]["blur"], smoke[1]["blur"])  # the same scenes at a seed
    assert ch05.result_rows("smoke")[-1] == "unet" and ch05.budget("paper")["shared_runs"] == {}
    assert "unet" not in ch05.result_rows("paper")


def test_the_full_row_at_small_is_chapter_sevens_sgenet_run_trained_exactly_as_its_own_would_be():
    assert (
        ch05.experiment_of("full", "small") == "ch07:sgenet-1M" and ch05.experiment_of("full", "smoke") == "ch05:full"
    )
    assert (
        ch05.experiment_of("unet", "small") == "ch07:unet-1M"
        and ch05.experiment_of("one_stage", "small") == "ch05:one_stage"
    )
    own, _ = same_training("ch05:full", "ch07:sgenet-1M", same_repr=False)
    assert own.settings["steps"] == ch05.budget("small")["iterations"]


def test_the_committed_headline_prints_no_ablation_verdict_under_the_floor():
    from deblurbook.chapters._claims import can_test_claims, own_distribution_gain
    from deblurbook.core import results

    res = results.load("small", "ch05", "ablations", required=False)
    if res is None:
        pytest.skip("no committed small ablations")
    floor = own_distribution_gain(res["blurred"], res["rows"]["full"]["runs"], ch05.STUDY.own_sets)
    said = ch05.ablation_summary(res)
    assert said.count("no verdict") == (0 if can_test_claims(floor) else 3)
