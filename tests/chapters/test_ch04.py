import numpy as np
import pytest
import torch

from deblurbook.chapters import ch04
from deblurbook.models.reference import RefDeblurNet
from tests.chapters.shared_runs import same_training


def test_a_perfect_index_scores_one_and_a_shifted_one_scores_zero():
    h, w = 6, 8
    ys, xs = np.mgrid[: h * 4, : w * 4]
    found = {"position": np.stack([xs, ys], -1).astype(np.float32), "valid": np.ones((h * 4, w * 4), bool)}
    identity = torch.arange(h * w)
    assert ch04.matching_accuracy(identity, found, (h, w)) == 1.0
    shifted = torch.as_tensor(np.roll(np.arange(h * w).reshape(h, w), 3, axis=1).ravel())
    assert ch04.matching_accuracy(shifted, found, (h, w)) == 0.0


def test_chunked_matching_equals_the_full_matrix_on_an_engine_scene():
    assert ch04.full_equals_chunked()


def test_the_parameter_sweep_steps_by_table_1s_slope():
    table = ch04.parameter_sweep()
    assert table.count("3,100,160") == 3 and "14,229,949" in table


def test_the_matching_study_covers_every_descriptor_reference_and_gap():
    res = ch04.matching_result("smoke")
    assert len(res["accuracy"]) == len(ch04.DESCRIPTORS) * 2 * len(ch04.TARGETS)
    assert all(0.0 <= a <= 1.0 for values in res["accuracy"].values() for a in values)
    assert "%" in ch04.matching_summary(res) and len(ch04.resampling_claims(res)) == 9
    assert res["trained_with"] == ch04.TRAINED[ch04.budget("smoke")["matcher"]]
    assert ch04.best_descriptor(res) in ch04.DESCRIPTORS


def test_the_rows_match_with_the_budgets_descriptor_frozen_and_seeded():
    from deblurbook.models.reference import VGGFeatures
    from deblurbook.nn.blocks import parameter_count
    from deblurbook.training import experiments

    for profile in ("smoke", "small", "paper"):
        assert ch04.budget(profile)["matcher"] in ch04.MATCHERS
    first, again, other = (experiments.build("ch04:full", "smoke", seed=s, device="cpu") for s in (0, 0, 1))
    assert isinstance(first.model.descriptor, VGGFeatures)
    assert parameter_count(first.model.descriptor) == 0 and first.settings["matcher"] == "vgg"
    weights = [exp.model.descriptor.features[0].weight for exp in (first, again, other)]
    assert torch.equal(weights[0], weights[1]) and not torch.equal(weights[0], weights[2])
    assert not hasattr(experiments.build("ch04:no_reference", "smoke").model, "descriptor")


def test_the_matcher_note_says_when_the_study_is_missing(monkeypatch):
    monkeypatch.setattr(ch04.matching.results, "load", lambda *a, **k: None)
    assert "has not been run at `smoke`" in ch04.matcher_note("smoke")


def test_table_1s_own_line_puts_its_first_row_three_tenths_of_a_million_off():
    line = ch04.paper_line()
    assert line["gap8"] == pytest.approx(0.30, abs=1e-9) and line["slope"] == pytest.approx(0.775)
    assert ch04.book_line()["slope"] == 3_100_160 / 4 and set(ch04.PAPER_NAMES) <= {
        name for name, _ in RefDeblurNet(8, 1).named_children()
    }


def test_each_row_builds_its_variant_with_the_inputs_it_needs():
    from deblurbook.training import experiments

    for row, kwargs in ch04.ROWS.items():
        exp = experiments.build(f"ch04:{row}", "smoke", device="cpu")
        assert exp.inputs == (("blur",) if kwargs.get("reference") is False else ("blur", "ref"))
        assert exp.config.schedule == "cosine" and exp.settings["model"] == kwargs
    assert hasattr(experiments.build("ch04:full", "smoke").loss, "critic_loss")  # smoke trains the GAN term
    assert not hasattr(experiments.build("ch04:full", "small").loss, "critic_loss")  # small does not
    item = experiments.build("ch04:full", "smoke").train_set[0]
    assert item["ref"].shape == item["blur"].shape


def test_the_ncc_row_at_small_is_chapter_sevens_reference_run_and_every_row_trains_under_the_protocol():
    from deblurbook.models.reference import NCCDescriptor
    from deblurbook.training import experiments, protocol

    assert ch04.experiment_of("ncc_matcher", "small") == "ch07:reference-1M"
    assert ch04.experiment_of("full", "small") == "ch04:full" and ch04.experiment_of("unet", "small") == "ch07:unet-1M"
    own, _ = same_training("ch04:ncc_matcher", "ch07:reference-1M")
    assert isinstance(own.model.descriptor, NCCDescriptor) and own.settings["matcher"] == "ncc"
    assert own.settings["steps"] == ch04.budget("small")["iterations"]
    base = experiments.build("ch07:unet-smoke", "smoke", seed=1, device="cpu")
    full = experiments.build("ch04:full", "smoke", seed=1, device="cpu")
    assert {k: full.settings[k] for k in protocol.KEYS} == {k: base.settings[k] for k in protocol.KEYS}
    assert torch.equal(full.train_set[2]["blur"], base.train_set[2]["blur"])  # the same scenes at a seed
